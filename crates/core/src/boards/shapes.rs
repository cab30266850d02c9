//! The shapes people see of a board, its cards and comments, in the API and on the board
//! socket (`docs/protocol.md`): what is the same for every viewer (`CardShared`,
//! `CommentShared`, `BoardShared`) and what a view adds for one viewer (`CardView`,
//! `CommentView`, `BoardView`). Plain data: built in `views`, framed in `protocol`; this file
//! names neither, so both can name it.
//!
//! On anonymous boards `author` is left out everywhere; `mine` tells each viewer only about
//! their own cards and comments.

use serde::Serialize;

use crate::boards::input::LegendEntry;
use crate::boards::kinds::{BoardRole, CardKind, CardStatus};
use crate::boards::layout::Zone;
use crate::platform::ids::{BoardId, CardId, CommentId, OrgId};

/// What a viewer is on a board (their role, the name others see, votes left).
#[derive(Debug, Clone, Serialize)]
pub struct You {
    pub role: BoardRole,
    pub name: String,
    pub votes_left: i64,
}

/// A board's fields that are the same for every viewer (the `board` socket event).
#[derive(Debug, Clone, Serialize)]
pub struct BoardShared {
    pub id: BoardId,
    pub title: String,
    pub legend: Vec<LegendEntry>,
    pub locked: bool,
    pub controlled: bool,
    pub anonymous: bool,
    pub vote_tokens: i64,
    /// The voting session hides its counts until the facilitator reveals them: then no card
    /// carries `votes` (each viewer still sees their own dots, `my_votes`).
    pub votes_hidden: bool,
    /// The countdown, when one is set (left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timer: Option<TimerView>,
    /// The board's zones (a template's areas, or a facilitator's), drawn behind the cards; a
    /// card belongs to the zone its anchor point lies in (`layout::zone_of`).
    pub zones: Vec<Zone>,
}

/// The board's countdown as the server's clock had it when this was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimerView {
    /// Counting down (false: paused by the facilitator, or ended).
    pub running: bool,
    /// What is left, in milliseconds (0 once ended).
    pub remaining_ms: i64,
    /// When it ends (RFC 3339), while it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    /// Participation pauses when it ends (until the facilitator resumes).
    pub pause_participation: bool,
    /// It has ended and participation is paused: only facilitators can add, edit or vote.
    pub participation_paused: bool,
}

/// One card of a voting session's results (`GET /api/v1/boards/{id}/results`), ranked by
/// votes (then likes); cards with the same counts share a rank.
#[derive(Debug, Clone, Serialize)]
pub struct RankedCard {
    pub rank: usize,
    pub id: CardId,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub category: Option<String>,
    pub votes: i64,
    pub likes: i64,
}

/// A board as one viewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct BoardView {
    #[serde(flatten)]
    pub board: BoardShared,
    pub org_id: OrgId,
    pub seq: i64,
    pub created_at: String,
    /// Facilitators only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_code: Option<String>,
    pub you: You,
}

/// Likes and votes of one card, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tallies {
    pub likes: i64,
    /// Left out while the voting session hides its results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes: Option<i64>,
}

/// A card's fields that are the same for every viewer (the `card` socket event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardShared {
    pub id: CardId,
    pub board_id: BoardId,
    pub kind: CardKind,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub x: i64,
    pub y: i64,
    pub color: String,
    pub category: Option<String>,
    pub status: CardStatus,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Left out on anonymous boards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Left out when the change did not touch likes or votes (a move, an edit): the client
    /// keeps what it has.
    #[serde(flatten)]
    pub tallies: Option<Tallies>,
}

/// What one viewer's own reactions to a card are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MyReactions {
    pub liked: bool,
    pub my_votes: i64,
}

/// A card as one viewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CardView {
    #[serde(flatten)]
    pub card: CardShared,
    pub mine: bool,
    /// Left out with the tallies.
    #[serde(flatten)]
    pub reactions: Option<MyReactions>,
    /// Left out when the change did not touch comments (a card change answers with the
    /// card's own fields; its comments are neither read nor opened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<Vec<CommentView>>,
}

/// A comment's fields that are the same for every viewer (the `comment` socket event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentShared {
    pub id: CommentId,
    pub card_id: CardId,
    pub text: String,
    /// Left out on anonymous boards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub created_at: String,
}

/// A comment as one viewer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    #[serde(flatten)]
    pub comment: CommentShared,
    pub mine: bool,
}
