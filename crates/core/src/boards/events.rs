//! Board events: what changed ([`Change`]), numbered by the store ([`Event`]), and the frame
//! each viewer gets of it (`protocol::ServerMessage`).
//!
//! An event is serialised once for everyone whose frame is the same (nothing personal in it),
//! and that frame is shared by every connection; only the people an event is personal to (the
//! author, and those who liked or voted on the card) get a frame of their own. Pending cards
//! (controlled mode) and their comments reach only facilitators and the card's author.

use std::sync::{Mutex, OnceLock};

use crate::boards::protocol::{CardYou, CommentYou, Frame, ServerMessage};
use crate::boards::shapes::{BoardShared, CardShared, CommentShared, MyReactions};
use crate::platform::ids::{CardId, CommentId, SubjectId};

/// Who reacted to a card, to tell each viewer their own likes and votes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardReactions {
    pub likers: Vec<SubjectId>,
    pub voters: Vec<(SubjectId, i64)>,
}

impl CardReactions {
    /// One viewer's own likes and votes.
    pub fn of(&self, s: &SubjectId) -> MyReactions {
        MyReactions { liked: self.likers.contains(s), my_votes: self.voters.iter().filter(|(v, _)| v == s).map(|(_, n)| *n).sum() }
    }

    fn involves(&self, s: &SubjectId) -> bool {
        self.likers.contains(s) || self.voters.iter().any(|(v, _)| v == s)
    }
}

/// What changed.
#[derive(Debug, Clone)]
pub enum Change {
    /// A card was created or changed. `reactions` is `None` when the change did not touch
    /// likes or votes (then the card has no tallies either).
    Card {
        card: Box<CardShared>,
        author: SubjectId,
        pending: bool,
        reactions: Option<CardReactions>,
    },
    CardDeleted {
        id: CardId,
    },
    /// A comment was added.
    Comment {
        comment: CommentShared,
        author: SubjectId,
        card_author: SubjectId,
        card_pending: bool,
    },
    CommentDeleted {
        card_id: CardId,
        id: CommentId,
    },
    /// Title, legend or settings changed.
    Board {
        board: BoardShared,
    },
    /// Many things changed (an erasure, authors shown or hidden): clients reload.
    Resync,
}

/// A sequenced change.
#[derive(Debug)]
pub struct Event {
    pub seq: i64,
    pub change: Change,
    /// The frame of everyone the event is not personal to, serialised once and shared.
    common: OnceLock<Frame>,
    /// The frames of the first few people it is personal to, serialised once each and shared
    /// by all their connections (several tabs and devices, one frame).
    personal: Mutex<Vec<(SubjectId, Frame)>>,
}

/// How many people's own frames an event keeps (beyond, each connection frames its own).
pub const PERSONAL_FRAMES: usize = 4;

/// Who a connection is.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub subject: SubjectId,
    pub facilitator: bool,
}

impl Event {
    pub fn new(seq: i64, change: Change) -> Self {
        Self { seq, change, common: OnceLock::new(), personal: Mutex::new(Vec::new()) }
    }

    /// Whether the viewer may see this event at all.
    fn visible_to(&self, v: &Viewer) -> bool {
        match &self.change {
            Change::Card { author, pending, .. } => !*pending || v.facilitator || *author == v.subject,
            Change::Comment { card_author, card_pending, .. } => !*card_pending || v.facilitator || *card_author == v.subject,
            _ => true,
        }
    }

    /// Whether the viewer's frame differs from the common one.
    fn personal_to(&self, v: &Viewer) -> bool {
        match &self.change {
            Change::Card { author, reactions, .. } => *author == v.subject || reactions.as_ref().is_some_and(|r| r.involves(&v.subject)),
            Change::Comment { author, .. } => *author == v.subject,
            _ => false,
        }
    }

    /// The message for `who` (`None`: someone the event is not personal to).
    fn message(&self, who: Option<&SubjectId>) -> ServerMessage<'_> {
        let seq = self.seq;
        match &self.change {
            Change::Card { card, author, reactions, .. } => {
                let you = CardYou {
                    mine: who == Some(author),
                    reactions: reactions.as_ref().map(|r| who.map_or(MyReactions { liked: false, my_votes: 0 }, |s| r.of(s))),
                };
                ServerMessage::Card { seq, card, you }
            }
            Change::CardDeleted { id } => ServerMessage::CardDeleted { seq, id },
            Change::Comment { comment, author, .. } => {
                ServerMessage::Comment { seq, card_id: &comment.card_id, comment, you: CommentYou { mine: who == Some(author) } }
            }
            Change::CommentDeleted { card_id, id } => ServerMessage::CommentDeleted { seq, card_id, id },
            Change::Board { board } => ServerMessage::Board { seq, board },
            Change::Resync => ServerMessage::Resync { seq },
        }
    }

    /// The frame of someone the event is personal to: the one already made for them, or a
    /// new one (kept for their other connections while there is room).
    fn personal_frame(&self, who: &SubjectId) -> Frame {
        if let Some(f) = self.personal.lock().ok().and_then(|p| p.iter().find(|(s, _)| s == who).map(|(_, f)| f.clone())) {
            return f;
        }
        let f = self.message(Some(who)).frame();
        if let Ok(mut p) = self.personal.lock()
            && p.len() < PERSONAL_FRAMES
            && !p.iter().any(|(s, _)| s == who)
        {
            p.push((who.clone(), f.clone()));
        }
        f
    }

    /// The frame for one viewer, or `None` if they may not see this event. Everyone the event
    /// is not personal to gets the same shared frame.
    pub fn frame(&self, v: &Viewer) -> Option<Frame> {
        if !self.visible_to(v) {
            return None;
        }
        if self.personal_to(v) {
            return Some(self.personal_frame(&v.subject));
        }
        Some(self.common.get_or_init(|| self.message(None).frame()).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_card(id: &CardId) -> CardShared {
        CardShared {
            id: id.clone(),
            board_id: crate::platform::ids::BoardId::new(1).unwrap(),
            kind: crate::boards::kinds::CardKind::Text,
            text: "An idea".into(),
            url: None,
            media_url: None,
            media_type: None,
            x: 40,
            y: 40,
            color: "#fff3a3".into(),
            category: None,
            status: crate::boards::kinds::CardStatus::Published,
            version: 1,
            created_at: "2026-11-29T12:00:00Z".into(),
            updated_at: "2026-11-29T12:00:00Z".into(),
            author: None,
            tallies: None,
        }
    }

    fn card(seq: i64, author: &SubjectId, pending: bool, reactions: Option<CardReactions>) -> Event {
        let card = Box::new(sample_card(&CardId::new(seq).unwrap()));
        Event::new(seq, Change::Card { card, author: author.clone(), pending, reactions })
    }

    fn text(f: Frame) -> serde_json::Value {
        serde_json::from_slice(&f).unwrap()
    }

    #[test]
    fn pending_cards_reach_only_their_author_and_facilitators() {
        let a = SubjectId::new(1).unwrap();
        let b = SubjectId::new(2).unwrap();
        let e = card(1, &a, true, None);
        assert!(e.frame(&Viewer { subject: b.clone(), facilitator: false }).is_none());
        assert_eq!(text(e.frame(&Viewer { subject: b.clone(), facilitator: true }).unwrap())["you"]["mine"], false);
        assert_eq!(text(e.frame(&Viewer { subject: a.clone(), facilitator: false }).unwrap())["you"]["mine"], true);
    }

    #[test]
    fn one_shared_frame_for_everyone_it_is_not_personal_to() {
        let (a, b, c, d) = (SubjectId::new(1).unwrap(), SubjectId::new(2).unwrap(), SubjectId::new(3).unwrap(), SubjectId::new(4).unwrap());
        let reactions = CardReactions { likers: vec![c.clone()], voters: vec![(d.clone(), 2)] };
        let p = card(2, &a, false, Some(reactions));
        let x = p.frame(&Viewer { subject: b.clone(), facilitator: false }).unwrap();
        let y = p.frame(&Viewer { subject: SubjectId::new(5).unwrap(), facilitator: true }).unwrap();
        assert_eq!(x.as_ptr(), y.as_ptr(), "shared, not copied");
        assert_eq!(text(x)["you"], serde_json::json!({ "mine": false, "liked": false, "my_votes": 0 }));
        assert_eq!(text(p.frame(&Viewer { subject: a, facilitator: false }).unwrap())["you"]["mine"], true);
        assert_eq!(text(p.frame(&Viewer { subject: c, facilitator: false }).unwrap())["you"]["liked"], true);
        assert_eq!(text(p.frame(&Viewer { subject: d, facilitator: false }).unwrap())["you"]["my_votes"], 2);
        // A change that did not touch reactions says nothing about them.
        let moved = card(3, &b, false, None);
        let f = text(moved.frame(&Viewer { subject: SubjectId::new(6).unwrap(), facilitator: false }).unwrap());
        assert_eq!(f["you"], serde_json::json!({ "mine": false }));
        assert!(f["card"].get("likes").is_none());
    }

    #[test]
    fn a_persons_connections_share_their_own_frame() {
        let (a, c) = (SubjectId::new(1).unwrap(), SubjectId::new(3).unwrap());
        let reactions = CardReactions { likers: vec![c.clone()], voters: vec![] };
        let e = card(4, &a, false, Some(reactions));
        let tab = |s: &SubjectId, facilitator: bool| e.frame(&Viewer { subject: s.clone(), facilitator }).unwrap();
        // The author's two tabs (one of them as a facilitator: the frame is the same).
        let (x, y) = (tab(&a, false), tab(&a, true));
        assert_eq!(x.as_ptr(), y.as_ptr(), "one serialisation for the author's connections");
        assert_eq!(text(x)["you"]["mine"], true);
        // Someone else it is personal to gets their own, shared by their connections too.
        let (l1, l2) = (tab(&c, false), tab(&c, false));
        assert_eq!(l1.as_ptr(), l2.as_ptr());
        assert_ne!(l1.as_ptr(), y.as_ptr());
        assert_eq!((text(l1)["you"]["mine"].clone(), text(l2)["you"]["liked"].clone()), (false.into(), true.into()));
        // Past the few kept, frames are still right, made for each connection.
        let many: Vec<SubjectId> = (10..10 + 2 * PERSONAL_FRAMES as i64).map(|n| SubjectId::new(n).unwrap()).collect();
        let e = card(5, &a, false, Some(CardReactions { likers: many.clone(), voters: vec![] }));
        for s in &many {
            assert_eq!(text(e.frame(&Viewer { subject: s.clone(), facilitator: false }).unwrap())["you"]["liked"], true);
        }
    }
}
