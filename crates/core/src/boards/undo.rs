//! Undo and redo, server-authoritative (issue 14): each person undoes their own operations on
//! a board (`history` keeps the last 50), and an undo is applied as a new change, numbered and
//! broadcast to everyone like any other. Group moves are one operation.
//!
//! The rule while others edit (defined here, proven in `tests/it/boards_undo.rs`): an undo (or
//! a redo) changes a card only if the fields the operation touched are still as the operation
//! left them (its position for a move, its text for an edit, its colour and category for a
//! recolouring; for an undone creation, its text). A card someone else changed since in those
//! fields, or deleted, is skipped: their change stands. If every card of the operation is
//! skipped, the answer is the typed error `undo_conflict` (409), nothing changes and the
//! operation leaves the history (the next undo goes to the one before). Media cards are
//! created and deleted for good: those operations are not kept.
//!
//! The undo of a delete restores the card (text, link, position, colour, category) with what
//! went with it: the delete kept its likes, votes and comments as stored (`history::Kept`:
//! sealed envelopes, in memory only), and the undo puts them back with their authors and
//! their times (a like's, a comment's), each change numbered and broadcast like any other (the
//! card with its counts, then each comment). A redo deletes them again, and keeps them for the
//! next undo. What does not come back: the likes, votes and comments of a person erased
//! since (`forget_subject` drops them from every history; their destroyed key is checked too);
//! votes whose voting session is over (they come back only while the board's results are
//! hidden, or shown, as they were at the delete, with no switch in between: revealing the
//! results closes a session, hiding them opens a new one, and neither takes votes cast
//! before); and, of a voter's votes, those over their tokens on the board now (spent on other
//! cards meanwhile, or fewer tokens).

use serde::Serialize;

use crate::boards::access::Access;
use crate::boards::events::Change;
use crate::boards::history::{Action, Dir, Entry, Fields, GROUP_MAX, Kept, Step};
use crate::boards::input::clamp_pos;
use crate::boards::sealing::{KeyCache, card_aad, open_string, seal_str};
use crate::boards::service::Boards;
use crate::boards::shapes::CardView;
use crate::boards::views;
use crate::identity::principal::Principal;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, CardId};
use crate::platform::ports::{CardAttachments, CardChange, CardRow};

/// What an undo or redo did.
#[derive(Debug, Serialize)]
pub struct HistoryOutcome {
    /// The operation undone or redone (`create`, `edit`, `move`, `style`, `delete`,
    /// `group_move`); `null` when there was nothing to undo or redo.
    pub action: Option<&'static str>,
    /// The cards changed or restored, as the person sees them.
    pub cards: Vec<CardView>,
    /// The cards deleted (an undone creation, a redone delete).
    pub deleted: Vec<CardId>,
    /// The cards left as they are because someone else changed them since.
    pub skipped: Vec<CardId>,
    /// How many operations the person can still undo and redo on this board.
    pub undo_left: usize,
    pub redo_left: usize,
}

/// One card of a group move.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupMoveItem {
    pub card: CardId,
    pub x: i64,
    pub y: i64,
}

/// What happened to one step.
enum Applied {
    Changed(Box<CardView>, Step),
    Deleted(Step),
    Skipped,
}

/// Whether two rows hold the same text (opened with their author's key; a key gone: not the same).
async fn same_text(keys: &mut KeyCache<'_>, a: &CardRow, b: &CardRow) -> Result<bool, CoreError> {
    let Some(dek) = keys.get(&a.author_id).await? else { return Ok(false) };
    Ok(open_string(&dek, card_aad(&a.id), &a.body)? == open_string(&dek, card_aad(&b.id), &b.body)?)
}

/// Whether the fields an operation touched are as `expected` has them.
async fn unchanged(keys: &mut KeyCache<'_>, f: Fields, now: &CardRow, expected: &CardRow) -> Result<bool, CoreError> {
    if f.pos && (now.x, now.y) != (expected.x, expected.y) {
        return Ok(false);
    }
    if f.style && (now.color != expected.color || now.category != expected.category) {
        return Ok(false);
    }
    if f.text && !same_text(keys, now, expected).await? {
        return Ok(false);
    }
    Ok(true)
}

/// What of a deleted card's likes, votes and comments comes back with it: nothing of a person
/// erased since (their key is destroyed with them; `forget_subject` already dropped their rows
/// from this node's history, and this covers an erasure this node did not hear of), and the
/// votes only in the voting session they were cast in (the board's results hidden, or shown,
/// as they were at the delete; `Histories::end_votes` drops them at a switch).
async fn restorable(a: &Access, keys: &mut KeyCache<'_>, kept: Option<&Kept>) -> Result<CardAttachments, CoreError> {
    let mut out = CardAttachments::default();
    let Some(k) = kept else { return Ok(out) };
    for (s, at) in &k.rows.likes {
        if keys.get(s).await?.is_some() {
            out.likes.push((s.clone(), *at));
        }
    }
    if k.votes_hidden == a.board.votes_hidden {
        for (s, n) in &k.rows.votes {
            if keys.get(s).await?.is_some() {
                out.votes.push((s.clone(), *n));
            }
        }
    }
    for c in &k.rows.comments {
        if keys.get(&c.author_id).await?.is_some() {
            out.comments.push(c.clone());
        }
    }
    Ok(out)
}

impl Boards<'_> {
    /// Puts a deleted card back with the likes, votes and comments given (a voter's votes
    /// within their tokens), and publishes each change: the card with its reactions, then
    /// each comment, as a like, a vote or a comment is published.
    async fn restore(&self, a: &Access, keys: &mut KeyCache<'_>, row: &CardRow, with: &CardAttachments) -> Result<CardView, CoreError> {
        let (seq, seqs) = a.region.boards.restore_card(row, with, a.board.vote_tokens).await?;
        let mut view = self.publish_with_reactions(a, seq, row).await?;
        let mut comments = Vec::with_capacity(with.comments.len());
        for (c, seq) in with.comments.iter().zip(seqs) {
            let v = views::comment_view(a, keys, c, None).await?;
            self.publish_comment(a, seq, &v, c, row);
            comments.push(v);
        }
        view.comments = Some(comments);
        Ok(view)
    }

    /// Keeps an operation `a.subject` just did, to undo it later.
    pub(super) fn remember(&self, a: &Access, action: Action, steps: Vec<Step>) {
        if steps.is_empty() {
            return;
        }
        let entry = Entry { action, steps, at: self.cb.now() };
        self.cb.inner.hub.room(&a.board.id).history.record(&a.subject, entry);
    }

    /// Undoes the person's last operation on the board.
    pub async fn undo(&self, who: &Principal, board: &BoardId) -> Result<HistoryOutcome, CoreError> {
        self.step_history(who, board, Dir::Undo).await
    }

    /// Redoes the person's last undone operation on the board.
    pub async fn redo(&self, who: &Principal, board: &BoardId) -> Result<HistoryOutcome, CoreError> {
        self.step_history(who, board, Dir::Redo).await
    }

    async fn step_history(&self, who: &Principal, board: &BoardId, dir: Dir) -> Result<HistoryOutcome, CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        a.check_unlocked()?;
        let room = self.cb.inner.hub.room(board);
        let now = self.cb.now();
        let mut out = HistoryOutcome { action: None, cards: vec![], deleted: vec![], skipped: vec![], undo_left: 0, redo_left: 0 };
        if let Some(entry) = room.history.take(&a.subject, dir, now) {
            out.action = Some(entry.action.as_str());
            let mut keys = KeyCache::new(self.cb.keys(), &a.region);
            let mut kept = Vec::new();
            for step in entry.steps {
                let card = step.card.clone();
                match self.apply_step(&a, &mut keys, step, dir).await? {
                    Applied::Changed(view, s) => {
                        out.cards.push(*view);
                        kept.push(s);
                    }
                    Applied::Deleted(s) => {
                        out.deleted.push(card);
                        kept.push(s);
                    }
                    Applied::Skipped => out.skipped.push(card),
                }
            }
            if kept.is_empty() {
                return Err(CoreError::UndoConflict("someone else changed or deleted the card since: their change stands"));
            }
            room.history.done(&a.subject, dir, Entry { action: entry.action, steps: kept, at: now });
        }
        (out.undo_left, out.redo_left) = room.history.counts(&a.subject, now);
        Ok(out)
    }

    /// Takes one card from the state the operation left (`from`) back to the other (`to`):
    /// undo goes from after to before, redo from before to after.
    async fn apply_step(&self, a: &Access, keys: &mut KeyCache<'_>, step: Step, dir: Dir) -> Result<Applied, CoreError> {
        let (from, to) = match dir {
            Dir::Undo => (&step.after, &step.before),
            Dir::Redo => (&step.before, &step.after),
        };
        let current = a.region.boards.card(&step.card).await?.filter(|r| r.board_id == a.board.id);
        let allowed = |r: &CardRow| a.facilitator() || r.author_id == a.subject;
        match (from, to, current) {
            // Bring a deleted card back, unless it is there (someone restored it), with what
            // went with it.
            (None, Some(row), None) => {
                if !allowed(row) || keys.get(&row.author_id).await?.is_none() {
                    return Ok(Applied::Skipped);
                }
                let now = self.cb.now();
                let restored = CardRow { version: row.version + 1, updated_at: now, ..row.clone() };
                let rows = restorable(a, keys, step.kept.as_deref()).await?;
                let view = self.restore(a, keys, &restored, &rows).await?;
                Ok(Applied::Changed(Box::new(view), Step { kept: None, ..step }))
            }
            // Delete a card, if its text is still as the operation left it.
            (Some(expected), None, Some(cur)) => {
                if !allowed(&cur) || !unchanged(keys, Fields { text: true, ..Fields::default() }, &cur, expected).await? {
                    return Ok(Applied::Skipped);
                }
                let (seq, rows) = a.region.boards.delete_card(&a.board.id, &cur.id).await?;
                self.cb.inner.hub.publish(&a.board.id, seq, Change::CardDeleted { id: cur.id.clone() });
                // What is deleted now (the card, what went with it) is what a redo (or undo)
                // brings back.
                let kept = Kept::of(rows, &a.board);
                let step = match dir {
                    Dir::Undo => Step { after: Some(cur), kept, ..step },
                    Dir::Redo => Step { before: Some(cur), kept, ..step },
                };
                Ok(Applied::Deleted(step))
            }
            // Put back the fields the operation touched, if nobody changed them since.
            (Some(expected), Some(target), Some(cur)) => {
                if !allowed(&cur) || !unchanged(keys, step.fields, &cur, expected).await? {
                    return Ok(Applied::Skipped);
                }
                let f = step.fields;
                let mut change = CardChange { at: self.cb.now(), ..CardChange::default() };
                let mut body = None;
                if f.pos {
                    (change.x, change.y) = (Some(clamp_pos(target.x)?), Some(clamp_pos(target.y)?));
                }
                if f.style {
                    change.color = Some(target.color.clone());
                    change.category = Some(target.category.clone());
                }
                if f.text {
                    let Some(dek) = keys.get(&target.author_id).await? else { return Ok(Applied::Skipped) };
                    let text = open_string(&dek, card_aad(&target.id), &target.body)?;
                    let current_key = keys.current(&cur.author_id).await?;
                    change.body = Some(seal_str(&current_key, card_aad(&cur.id), &text)?);
                    body = Some(text);
                }
                let Some((new, seq)) = a.region.boards.change_card(&a.board.id, &cur.id, &change).await? else {
                    return Ok(Applied::Skipped);
                };
                let shared = views::card_shared(a, keys, &new, body, None).await?;
                Ok(Applied::Changed(Box::new(self.publish_card(a, seq, &new, shared, None)), step))
            }
            // The card is gone (someone deleted it) or already back: nothing to do for it.
            _ => Ok(Applied::Skipped),
        }
    }

    /// Moves several cards at once (a group move): each card is stored and broadcast as it is
    /// for a single move, and the whole move is one operation to undo. Every card must be the
    /// person's to move, or nothing moves.
    pub async fn move_cards(&self, who: &Principal, board: &BoardId, moves: Vec<GroupMoveItem>) -> Result<Vec<CardView>, CoreError> {
        self.guard()?;
        if moves.is_empty() || moves.len() > GROUP_MAX {
            return Err(CoreError::validation("moves", format!("between 1 and {GROUP_MAX} cards")));
        }
        let a = self.access(who, board).await?;
        a.check_unlocked()?;
        let mut rows = Vec::with_capacity(moves.len());
        for m in &moves {
            clamp_pos(m.x)?;
            clamp_pos(m.y)?;
            let row = a.region.boards.card(&m.card).await?.filter(|r| r.board_id == a.board.id && a.sees(r)).ok_or(CoreError::NotFound)?;
            if !(a.facilitator() || row.author_id == a.subject) {
                return Err(CoreError::Forbidden);
            }
            if rows.iter().any(|r: &CardRow| r.id == row.id) {
                return Err(CoreError::validation("moves", "each card once"));
            }
            rows.push(row);
        }
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let (mut views_out, mut steps) = (Vec::new(), Vec::new());
        for (m, row) in moves.iter().zip(rows) {
            let change = CardChange { x: Some(m.x), y: Some(m.y), at: self.cb.now(), ..CardChange::default() };
            let Some((new, seq)) = a.region.boards.change_card(&a.board.id, &row.id, &change).await? else { continue };
            let shared = views::card_shared(&a, &mut keys, &new, None, None).await?;
            views_out.push(self.publish_card(&a, seq, &new, shared, None));
            steps.push(Step {
                card: row.id.clone(),
                before: Some(row),
                after: Some(new),
                fields: Fields { pos: true, ..Fields::default() },
                kept: None,
            });
        }
        self.remember(&a, Action::GroupMove, steps);
        Ok(views_out)
    }
}
