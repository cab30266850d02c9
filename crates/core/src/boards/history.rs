//! What each person did on a board, to undo and redo it (issue 14): per person per board, the
//! last [`HISTORY_MAX`] operations (a card created, its text edited, moved, recoloured or
//! recategorised, deleted; a group of cards moved), each as the cards before and after it.
//!
//! Where it lives and what it holds (personal data, C-DATA-1): in the board's room in this
//! process's memory only, never in a database, a log or a metric. A step keeps the card's
//! stored row, whose text is the sealed envelope as stored (sealed with its author's key, as
//! card content is): no plaintext is kept. It goes away with the board session: when the
//! room is forgotten (the board deleted or erased, or nobody connected and the hub prunes
//! rooms), when the process stops, after [`HISTORY_TTL_MS`] (measured with the injected
//! clock), and, for a person, when they are erased (`forget_subject` drops their history and
//! every step of others that holds one of their cards).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::platform::clock::Millis;
use crate::platform::ids::{CardId, SubjectId};
use crate::platform::ports::CardRow;

/// How many operations a person can undo on one board.
pub const HISTORY_MAX: usize = 50;
/// How long an operation stays undoable: a workshop's length.
pub const HISTORY_TTL_MS: Millis = 12 * 3600 * 1000;
/// The most cards one group move may carry.
pub const GROUP_MAX: usize = 500;
/// The most card steps one person's history holds on a board (older operations go first), so
/// that memory stays bounded whatever the size of their group moves.
pub const STEPS_MAX: usize = 2_000;

/// What an operation changed of a card.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields {
    pub pos: bool,
    pub text: bool,
    pub style: bool,
}

/// One card in an operation: before and after (`None`: it did not exist).
#[derive(Debug, Clone)]
pub struct Step {
    pub card: CardId,
    pub before: Option<CardRow>,
    pub after: Option<CardRow>,
    pub fields: Fields,
}

/// What kind of operation an entry is (the answer names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Edit,
    Move,
    Style,
    Delete,
    GroupMove,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Edit => "edit",
            Self::Move => "move",
            Self::Style => "style",
            Self::Delete => "delete",
            Self::GroupMove => "group_move",
        }
    }
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: Action,
    pub steps: Vec<Step>,
    pub at: Millis,
}

/// Undo or redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Undo,
    Redo,
}

#[derive(Debug, Default)]
struct Stacks {
    undo: VecDeque<Entry>,
    redo: VecDeque<Entry>,
}

impl Stacks {
    fn expire(&mut self, now: Millis) {
        self.undo.retain(|e| now - e.at < HISTORY_TTL_MS);
        self.redo.retain(|e| now - e.at < HISTORY_TTL_MS);
    }
}

fn push_bounded(q: &mut VecDeque<Entry>, e: Entry) {
    q.push_back(e);
    while q.len() > HISTORY_MAX || (q.len() > 1 && q.iter().map(|e| e.steps.len()).sum::<usize>() > STEPS_MAX) {
        q.pop_front();
    }
}

/// The histories of one board's people.
#[derive(Debug, Default)]
pub struct Histories {
    people: Mutex<HashMap<SubjectId, Stacks>>,
}

impl Histories {
    /// A new operation of `who`: undoable, and the end of what they could redo.
    pub fn record(&self, who: &SubjectId, entry: Entry) {
        let Ok(mut m) = self.people.lock() else { return };
        let s = m.entry(who.clone()).or_default();
        s.expire(entry.at);
        s.redo.clear();
        push_bounded(&mut s.undo, entry);
    }

    /// Takes the operation to undo (or redo) next, if any.
    pub fn take(&self, who: &SubjectId, dir: Dir, now: Millis) -> Option<Entry> {
        let mut m = self.people.lock().ok()?;
        let s = m.get_mut(who)?;
        s.expire(now);
        match dir {
            Dir::Undo => s.undo.pop_back(),
            Dir::Redo => s.redo.pop_back(),
        }
    }

    /// An undone operation becomes redoable, a redone one undoable again (what the other
    /// stack holds stays).
    pub fn done(&self, who: &SubjectId, dir: Dir, entry: Entry) {
        let Ok(mut m) = self.people.lock() else { return };
        let s = m.entry(who.clone()).or_default();
        match dir {
            Dir::Undo => push_bounded(&mut s.redo, entry),
            Dir::Redo => push_bounded(&mut s.undo, entry),
        }
    }

    /// How many operations `who` can undo and redo.
    pub fn counts(&self, who: &SubjectId, now: Millis) -> (usize, usize) {
        let Ok(mut m) = self.people.lock() else { return (0, 0) };
        m.get_mut(who).map_or((0, 0), |s| {
            s.expire(now);
            (s.undo.len(), s.redo.len())
        })
    }

    /// Forgets a person: their history, and every step of others that holds one of their
    /// cards (an entry left without steps goes too).
    pub fn forget_subject(&self, subject: &SubjectId) {
        let Ok(mut m) = self.people.lock() else { return };
        m.remove(subject);
        let theirs = |r: &Option<CardRow>| r.as_ref().is_some_and(|r| &r.author_id == subject);
        for s in m.values_mut() {
            for q in [&mut s.undo, &mut s.redo] {
                for e in q.iter_mut() {
                    e.steps.retain(|st| !theirs(&st.before) && !theirs(&st.after));
                }
                q.retain(|e| !e.steps.is_empty());
            }
        }
    }

    /// How many steps are held in all (tests: nothing is left after an erasure).
    pub fn held(&self) -> usize {
        self.people.lock().map_or(0, |m| m.values().flat_map(|s| s.undo.iter().chain(s.redo.iter())).map(|e| e.steps.len()).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: Millis) -> Entry {
        Entry {
            action: Action::Move,
            steps: vec![Step { card: CardId::new(1).unwrap(), before: None, after: None, fields: Fields::default() }],
            at,
        }
    }

    #[test]
    fn fifty_at_most_a_new_operation_ends_redo_and_old_ones_expire() {
        let h = Histories::default();
        let a = SubjectId::new(1).unwrap();
        for i in 0..60 {
            h.record(&a, entry(i));
        }
        assert_eq!(h.counts(&a, 60), (HISTORY_MAX, 0));
        let e = h.take(&a, Dir::Undo, 61).unwrap();
        assert_eq!(e.at, 59, "the last one first");
        h.done(&a, Dir::Undo, e);
        assert_eq!(h.counts(&a, 61), (49, 1));
        h.record(&a, entry(62));
        assert_eq!(h.counts(&a, 62), (50, 0), "a new operation ends what could be redone");
        assert_eq!(h.counts(&a, 62 + HISTORY_TTL_MS), (0, 0), "expired");
        assert!(h.take(&SubjectId::new(2).unwrap(), Dir::Undo, 0).is_none(), "per person");
    }

    #[test]
    fn big_group_moves_are_bounded_in_steps() {
        let h = Histories::default();
        let a = SubjectId::new(1).unwrap();
        for i in 0..10 {
            let mut e = entry(i);
            e.steps = vec![e.steps[0].clone(); GROUP_MAX];
            h.record(&a, e);
        }
        assert_eq!(h.counts(&a, 10), (STEPS_MAX / GROUP_MAX, 0));
        assert_eq!(h.held(), STEPS_MAX);
    }

    #[test]
    fn an_erased_person_leaves_nothing_in_anyones_history() {
        let h = Histories::default();
        let (a, b) = (SubjectId::new(1).unwrap(), SubjectId::new(2).unwrap());
        let row = |author: &SubjectId| CardRow {
            id: CardId::new(1).unwrap(),
            board_id: crate::platform::ids::BoardId::new(1).unwrap(),
            author_id: author.clone(),
            kind: crate::boards::kinds::CardKind::Text,
            body: vec![1, 2, 3],
            blob_id: None,
            media_type: None,
            x: 0,
            y: 0,
            color: "#fff3a3".into(),
            category: None,
            status: crate::boards::kinds::CardStatus::Published,
            version: 1,
            created_at: 0,
            updated_at: 0,
            anonymous: false,
        };
        let step =
            |author: &SubjectId| Step { card: CardId::new(1).unwrap(), before: Some(row(author)), after: None, fields: Fields::default() };
        h.record(&a, Entry { action: Action::Delete, steps: vec![step(&b)], at: 0 });
        h.record(&a, Entry { action: Action::Delete, steps: vec![step(&a)], at: 1 });
        h.record(&b, Entry { action: Action::Delete, steps: vec![step(&b)], at: 1 });
        assert_eq!(h.held(), 3);
        h.forget_subject(&b);
        assert_eq!(h.held(), 1, "only A's step on A's own card is left");
        assert_eq!(h.counts(&a, 2), (1, 0));
        assert_eq!(h.counts(&b, 2), (0, 0));
    }
}
