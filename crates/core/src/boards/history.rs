//! What each person did on a board, to undo and redo it (issue 14): per person per board, the
//! last [`HISTORY_MAX`] operations (a card created, its text edited, moved, recoloured or
//! recategorised, deleted; a group of cards moved), each as the cards before and after it,
//! and, for a card the operation (or its undo or redo) deleted, what went with it ([`Kept`]:
//! its likes, votes and comments as stored).
//!
//! Where it lives and what it holds (personal data, C-DATA-1): in the board's room in this
//! process's memory only, never in a database, a log or a metric. A step keeps the card's
//! stored row, whose text is the sealed envelope as stored (sealed with its author's key, as
//! card content is), and the stored rows of its likes (who, when), votes (who, how many) and
//! comments (sealed with their authors' keys): no plaintext is kept. It goes away with the
//! board session: when the room is forgotten (the board deleted or erased, or nobody
//! connected and the hub prunes rooms), when the process stops, after [`HISTORY_TTL_MS`]
//! (measured with the injected clock), and, for a person, when they are erased
//! (`forget_subject`, here and on every node: their history, every step of others that holds
//! one of their cards, and their likes, votes and comments kept in others' steps).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use crate::platform::clock::Millis;
use crate::platform::ids::{CardId, SubjectId};
use crate::platform::ports::{BoardRow, CardAttachments, CardRow};

/// How many operations a person can undo on one board.
pub const HISTORY_MAX: usize = 50;
/// How long an operation stays undoable: a workshop's length.
pub const HISTORY_TTL_MS: Millis = 12 * 3600 * 1000;
/// The most cards one group move may carry.
pub const GROUP_MAX: usize = 500;
/// The most card steps one person's history holds on a board, each card counting with the
/// likes, votes and comments kept with it (older operations go first), so that memory stays
/// bounded whatever the size of their group moves or of the cards they delete.
pub const STEPS_MAX: usize = 2_000;

/// What an operation changed of a card.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields {
    pub pos: bool,
    pub text: bool,
    pub style: bool,
}

/// What went with a card when a step deleted it, to put back with it: its likes, votes and
/// comments as stored, and whether the board's vote results were hidden then (the voting
/// session's phase; `undo` restores the votes only in the session they were cast in).
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub rows: CardAttachments,
    pub votes_hidden: bool,
}

/// One card in an operation: before and after (`None`: it did not exist), and what went with
/// it when it was deleted (`None`: nothing).
#[derive(Debug, Clone)]
pub struct Step {
    pub card: CardId,
    pub before: Option<CardRow>,
    pub after: Option<CardRow>,
    pub fields: Fields,
    pub kept: Option<Box<Kept>>,
}

impl Kept {
    /// What a delete on `board` took with a card (`None`: nothing).
    pub fn of(rows: CardAttachments, board: &BoardRow) -> Option<Box<Self>> {
        (!rows.is_empty()).then(|| Box::new(Self { rows, votes_hidden: board.votes_hidden }))
    }
}

impl Step {
    /// What it weighs in a history's bound: the card, and each row kept with it.
    fn weight(&self) -> usize {
        1 + self.kept.as_ref().map_or(0, |k| k.rows.len())
    }
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
    while q.len() > HISTORY_MAX || (q.len() > 1 && q.iter().flat_map(|e| &e.steps).map(Step::weight).sum::<usize>() > STEPS_MAX) {
        q.pop_front();
    }
}

/// The histories of one board's people.
#[derive(Debug, Default)]
pub struct Histories {
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    stacks: HashMap<SubjectId, Stacks>,
    /// Everyone whose cards, likes, votes or comments a step may hold (a superset: names are
    /// added as steps come in and removed only when their person is forgotten). An erasure
    /// scans the steps only where its person is named, not every board's whole history.
    named: HashSet<SubjectId>,
}

impl Held {
    /// Names whoever `e`'s steps hold something of.
    fn name_all(&mut self, e: &Entry) {
        let n = &mut self.named;
        let mut add = |s: &SubjectId| {
            if !n.contains(s) {
                n.insert(s.clone());
            }
        };
        for st in &e.steps {
            for r in [&st.before, &st.after].into_iter().flatten() {
                add(&r.author_id);
            }
            if let Some(k) = st.kept.as_deref() {
                k.rows.likes.iter().for_each(|(s, _)| add(s));
                k.rows.votes.iter().for_each(|(s, _)| add(s));
                k.rows.comments.iter().for_each(|c| add(&c.author_id));
            }
        }
    }
}

impl Histories {
    /// A new operation of `who`: undoable, and the end of what they could redo.
    pub fn record(&self, who: &SubjectId, entry: Entry) {
        let Ok(mut m) = self.held.lock() else { return };
        m.name_all(&entry);
        let s = m.stacks.entry(who.clone()).or_default();
        s.expire(entry.at);
        s.redo.clear();
        push_bounded(&mut s.undo, entry);
    }

    /// Takes the operation to undo (or redo) next, if any.
    pub fn take(&self, who: &SubjectId, dir: Dir, now: Millis) -> Option<Entry> {
        let mut m = self.held.lock().ok()?;
        let s = m.stacks.get_mut(who)?;
        s.expire(now);
        match dir {
            Dir::Undo => s.undo.pop_back(),
            Dir::Redo => s.redo.pop_back(),
        }
    }

    /// An undone operation becomes redoable, a redone one undoable again (what the other
    /// stack holds stays).
    pub fn done(&self, who: &SubjectId, dir: Dir, entry: Entry) {
        let Ok(mut m) = self.held.lock() else { return };
        m.name_all(&entry);
        let s = m.stacks.entry(who.clone()).or_default();
        match dir {
            Dir::Undo => push_bounded(&mut s.redo, entry),
            Dir::Redo => push_bounded(&mut s.undo, entry),
        }
    }

    /// How many operations `who` can undo and redo.
    pub fn counts(&self, who: &SubjectId, now: Millis) -> (usize, usize) {
        let Ok(mut m) = self.held.lock() else { return (0, 0) };
        m.stacks.get_mut(who).map_or((0, 0), |s| {
            s.expire(now);
            (s.undo.len(), s.redo.len())
        })
    }

    /// Forgets a person: their history, every step of others that holds one of their cards
    /// (an entry left without steps goes too), and their likes, votes and comments kept in
    /// others' steps.
    pub fn forget_subject(&self, subject: &SubjectId) {
        let Ok(mut m) = self.held.lock() else { return };
        m.stacks.remove(subject);
        if !m.named.remove(subject) {
            return;
        }
        let theirs = |r: &Option<CardRow>| r.as_ref().is_some_and(|r| &r.author_id == subject);
        for s in m.stacks.values_mut() {
            for q in [&mut s.undo, &mut s.redo] {
                for e in q.iter_mut() {
                    e.steps.retain(|st| !theirs(&st.before) && !theirs(&st.after));
                    for k in e.steps.iter_mut().filter_map(|st| st.kept.as_deref_mut()) {
                        k.rows.likes.retain(|(s, _)| s != subject);
                        k.rows.votes.retain(|(s, _)| s != subject);
                        k.rows.comments.retain(|c| &c.author_id != subject);
                    }
                }
                q.retain(|e| !e.steps.is_empty());
            }
        }
    }

    /// The board's voting session changed (results revealed, or hidden for a new vote): the
    /// votes kept in steps belong to the session before and will not come back.
    pub fn end_votes(&self) {
        let Ok(mut m) = self.held.lock() else { return };
        for s in m.stacks.values_mut() {
            for e in s.undo.iter_mut().chain(s.redo.iter_mut()) {
                for k in e.steps.iter_mut().filter_map(|st| st.kept.as_deref_mut()) {
                    k.rows.votes.clear();
                }
            }
        }
    }

    /// How many steps are held in all (tests: nothing is left after an erasure).
    pub fn held(&self) -> usize {
        self.held.lock().map_or(0, |m| m.stacks.values().flat_map(|s| s.undo.iter().chain(s.redo.iter())).map(|e| e.steps.len()).sum())
    }

    /// The subjects whose likes, votes or comments the held steps keep (tests).
    pub fn kept_subjects(&self) -> Vec<SubjectId> {
        let Ok(m) = self.held.lock() else { return Vec::new() };
        let mut out: Vec<SubjectId> = Vec::new();
        for k in
            m.stacks.values().flat_map(|s| s.undo.iter().chain(s.redo.iter())).flat_map(|e| &e.steps).filter_map(|st| st.kept.as_deref())
        {
            let r = &k.rows;
            out.extend(r.likes.iter().map(|(s, _)| s.clone()).chain(r.votes.iter().map(|(s, _)| s.clone())));
            out.extend(r.comments.iter().map(|c| c.author_id.clone()));
        }
        out.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: Millis) -> Entry {
        Entry {
            action: Action::Move,
            steps: vec![Step { card: CardId::new(1).unwrap(), before: None, after: None, fields: Fields::default(), kept: None }],
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
        let c = SubjectId::new(3).unwrap();
        // A's card, deleted with B's and C's like, vote and comment.
        let comment = |author: &SubjectId| crate::platform::ports::CommentRow {
            id: crate::platform::ids::CommentId::new(1).unwrap(),
            card_id: CardId::new(1).unwrap(),
            author_id: author.clone(),
            body: vec![4, 5],
            created_at: 0,
            anonymous: false,
        };
        let rows = CardAttachments {
            likes: vec![(b.clone(), 0), (c.clone(), 0)],
            votes: vec![(b.clone(), 2), (c.clone(), 1)],
            comments: vec![comment(&b), comment(&c)],
        };
        let step = |author: &SubjectId| Step {
            card: CardId::new(1).unwrap(),
            before: Some(row(author)),
            after: None,
            fields: Fields::default(),
            kept: Some(Box::new(Kept { rows: rows.clone(), votes_hidden: false })),
        };
        h.record(&a, Entry { action: Action::Delete, steps: vec![step(&b)], at: 0 });
        h.record(&a, Entry { action: Action::Delete, steps: vec![step(&a)], at: 1 });
        h.record(&b, Entry { action: Action::Delete, steps: vec![step(&b)], at: 1 });
        assert_eq!(h.held(), 3);
        let mut both = vec![b.clone(), c.clone()];
        both.sort_unstable_by(|x, y| x.as_str().cmp(y.as_str()));
        assert_eq!(h.kept_subjects(), both);
        h.forget_subject(&b);
        assert_eq!(h.held(), 1, "only A's step on A's own card is left");
        assert_eq!(h.counts(&a, 2), (1, 0));
        assert_eq!(h.counts(&b, 2), (0, 0));
        assert_eq!(h.kept_subjects(), vec![c.clone()], "B's like, vote and comment on A's card are gone too");
        // A new voting session: the votes kept go, the likes and comments stay.
        h.end_votes();
        let e = h.take(&a, Dir::Undo, 2).unwrap();
        let k = e.steps[0].kept.as_deref().unwrap();
        assert_eq!((k.rows.likes.len(), k.rows.votes.len(), k.rows.comments.len()), (1, 0, 1));
        h.done(&a, Dir::Undo, e);
        // Someone no step names: nothing is scanned and nothing changes; B is named no more.
        h.forget_subject(&SubjectId::new(9).unwrap());
        assert_eq!(h.held(), 1);
        assert!(!h.held.lock().unwrap().named.contains(&b));
        // C is named only by what steps keep (a like, a comment): forgetting C finds them.
        h.forget_subject(&c);
        assert!(h.kept_subjects().is_empty(), "C's like and comment kept in A's step are gone");
        assert_eq!(h.held(), 1, "A's own card stays");
    }

    #[test]
    fn what_a_deleted_card_keeps_weighs_in_the_bound() {
        let h = Histories::default();
        let a = SubjectId::new(1).unwrap();
        let heavy = |at: Millis| {
            let mut e = entry(at);
            let likes = (0..STEPS_MAX / 2).map(|i| (SubjectId::new(i as i64 + 10).unwrap(), 0)).collect();
            e.steps[0].kept = Some(Box::new(Kept { rows: CardAttachments { likes, ..Default::default() }, votes_hidden: false }));
            e
        };
        h.record(&a, heavy(0));
        h.record(&a, heavy(1));
        h.record(&a, heavy(2));
        assert_eq!(h.counts(&a, 3), (1, 0), "each weighs more than half the bound: one is kept");
    }
}
