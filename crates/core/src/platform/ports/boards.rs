//! The port and rows of boards: organisations, members, invitations, boards, participants,
//! cards, comments, reactions, and what erasing a person's contributions removed. Sealed
//! fields are envelopes; the store never sees plaintext.

use async_trait::async_trait;

use crate::boards::kinds::{CardKind, CardStatus, OrgRole};

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::{BlobId, BoardId, CardId, CommentId, OrgId, SubjectId};
use crate::platform::ports::audit::AuditDraft;
use crate::platform::ports::identity::SessionRow;

/// An organisation as stored; the name is sealed with the organisation's own key.
#[derive(Debug, Clone)]
pub struct OrgRow {
    pub id: OrgId,
    pub name: Vec<u8>,
    pub personal: bool,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub org_id: OrgId,
    pub subject_id: SubjectId,
    pub role: OrgRole,
    pub joined_at: Millis,
}

/// A board and what decides one person's access to it (`BoardStore::board_access`).
#[derive(Debug, Clone)]
pub struct BoardAccessRow {
    pub board: BoardRow,
    /// The board the person is a participant of, if they are one.
    pub participant_of: Option<BoardId>,
    /// The person's role in the board's organisation, if they are a member.
    pub member_role: Option<OrgRole>,
}

#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: String,
    pub org_id: OrgId,
    pub token_hash: Vec<u8>,
    pub role: OrgRole,
    pub created_by: Option<SubjectId>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub revoked_at: Option<Millis>,
    /// The keyed blind index of the one address that may accept it (none: anyone signed in).
    pub email_bidx: Option<Vec<u8>>,
    /// Set when it was used: an invitation works once.
    pub accepted_at: Option<Millis>,
    pub accepted_by: Option<SubjectId>,
}

/// A board as stored; title and legend are sealed with the organisation's key.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub id: BoardId,
    pub org_id: OrgId,
    pub title: Vec<u8>,
    pub legend: Vec<u8>,
    pub created_by: Option<SubjectId>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub locked: bool,
    pub controlled: bool,
    pub anonymous: bool,
    pub vote_tokens: i64,
    pub join_code: String,
    pub seq: i64,
    /// The voting session hides its results (counts) until the facilitator reveals them.
    pub votes_hidden: bool,
    /// The countdown: when it ends (running), or what was left when paused (`timer_left_ms`).
    pub timer_ends_at: Option<Millis>,
    pub timer_left_ms: Option<i64>,
    /// Participation pauses when the countdown ends (until the facilitator resumes).
    pub timer_pauses: bool,
    /// The board's zones (`boards::zones`), one JSON list sealed with the organisation's key;
    /// `None`: no zones.
    pub zones: Option<Vec<u8>>,
}

/// Someone who joined a board by code, without an account; the pseudonym is sealed with
/// their own key.
#[derive(Debug, Clone)]
pub struct ParticipantRow {
    pub subject_id: SubjectId,
    pub board_id: BoardId,
    pub pseudonym: Vec<u8>,
    pub created_at: Millis,
    /// The keyed hash of their recovery code (none for those who joined before codes existed).
    pub recovery_hash: Option<Vec<u8>>,
    /// When their latest session started (at join, or at a recovery with their code).
    pub last_session_at: Millis,
}

/// A card as stored; the body (text or URL) is sealed with the author's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRow {
    pub id: CardId,
    pub board_id: BoardId,
    pub author_id: SubjectId,
    pub kind: CardKind,
    pub body: Vec<u8>,
    pub blob_id: Option<BlobId>,
    pub media_type: Option<String>,
    pub x: i64,
    pub y: i64,
    pub color: String,
    pub category: Option<String>,
    pub status: CardStatus,
    pub version: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Posted while the board was anonymous: its author is never shown, whatever the board's
    /// mode becomes.
    pub anonymous: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRow {
    pub id: CommentId,
    pub card_id: CardId,
    pub author_id: SubjectId,
    pub body: Vec<u8>,
    pub created_at: Millis,
    /// Posted while the board was anonymous (see [`CardRow::anonymous`]).
    pub anonymous: bool,
}

/// Likes and votes of a board: (card, subject, count).
#[derive(Debug, Clone, Default)]
pub struct Reactions {
    pub likes: Vec<(CardId, SubjectId)>,
    pub votes: Vec<(CardId, SubjectId, i64)>,
}

/// What went with a card when it was deleted, as stored: its likes (who, when), its votes
/// (who, how many) and its comments (sealed with their authors' keys), oldest first. An undo
/// of the delete can put them back (`boards::undo`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardAttachments {
    pub likes: Vec<(SubjectId, Millis)>,
    pub votes: Vec<(SubjectId, i64)>,
    pub comments: Vec<CommentRow>,
}

impl CardAttachments {
    pub fn is_empty(&self) -> bool {
        self.likes.is_empty() && self.votes.is_empty() && self.comments.is_empty()
    }

    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.likes.len() + self.votes.len() + self.comments.len()
    }
}

/// What erasing a subject's contributions removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasedContributions {
    pub cards: u64,
    pub comments: u64,
    pub likes: u64,
    pub votes: u64,
    /// Media blobs to delete from the blob store.
    pub blobs: Vec<BlobId>,
    /// Boards whose content changed (their sequence advanced).
    pub boards: Vec<(BoardId, i64)>,
}

/// Field changes to a card; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CardChange {
    pub body: Option<Vec<u8>>,
    pub x: Option<i64>,
    pub y: Option<i64>,
    pub color: Option<String>,
    /// `Some(None)` clears the category.
    pub category: Option<Option<String>>,
    pub status: Option<CardStatus>,
    pub at: Millis,
}

/// A card change outcome: the board's new sequence number.
pub type Seq = i64;

/// One change of a board's log (issue 20): its number, its kind (`card`, `card_deleted`,
/// `comment`, `comment_deleted`, `board`, `resync`, `none`) and the ids it touched. Ids only:
/// what they name is read from its own row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub seq: Seq,
    pub kind: String,
    pub card_id: Option<CardId>,
    pub comment_id: Option<CommentId>,
}

/// Organisations, boards, cards and their reactions in a region.
#[async_trait]
pub trait BoardStore: Send + Sync + std::fmt::Debug {
    /// Creates an organisation with its first owner.
    async fn create_org(&self, org: &OrgRow, owner: &MemberRow, audit: AuditDraft) -> StoreResult<()>;
    async fn org(&self, id: &OrgId) -> StoreResult<Option<OrgRow>>;
    async fn update_org_name(&self, id: &OrgId, name: &[u8]) -> StoreResult<()>;
    /// The organisations a subject belongs to, with their role.
    async fn orgs_of(&self, subject: &SubjectId) -> StoreResult<Vec<(OrgRow, OrgRole)>>;
    async fn members(&self, org: &OrgId) -> StoreResult<Vec<MemberRow>>;
    async fn member(&self, org: &OrgId, subject: &SubjectId) -> StoreResult<Option<MemberRow>>;
    /// Adds a member (or changes their role).
    async fn put_member(&self, m: &MemberRow, audit: AuditDraft) -> StoreResult<()>;
    async fn remove_member(&self, org: &OrgId, subject: &SubjectId, audit: AuditDraft) -> StoreResult<bool>;
    async fn create_invitation(&self, inv: &InvitationRow) -> StoreResult<()>;
    async fn invitation_by_hash(&self, hash: &[u8]) -> StoreResult<Option<InvitationRow>>;
    async fn revoke_invitation(&self, id: &str, at: Millis) -> StoreResult<bool>;
    /// The invitations of an organisation, newest first.
    async fn invitations_of(&self, org: &OrgId) -> StoreResult<Vec<InvitationRow>>;
    /// Uses an invitation once: marks it accepted by `m.subject_id` and adds the member, in one
    /// transaction; `false` (and nothing changed) if it was used, revoked or expired meanwhile.
    async fn accept_invitation(&self, id: &str, m: &MemberRow, audit: AuditDraft) -> StoreResult<bool>;
    /// Deletes an organisation with all its boards, cards, reactions, comments, participants'
    /// rows and invitations. Returns the blobs to delete and the participants whose keys go.
    async fn delete_org(&self, id: &OrgId, audit: AuditDraft) -> StoreResult<(Vec<BlobId>, Vec<SubjectId>)>;

    async fn create_board(&self, b: &BoardRow, audit: AuditDraft) -> StoreResult<()>;
    async fn board(&self, id: &BoardId) -> StoreResult<Option<BoardRow>>;
    /// A board with what decides `subject`'s access to it, in one read: the board the subject
    /// is a participant of (if they are one) and their role in the board's organisation (if a
    /// member).
    async fn board_access(&self, board: &BoardId, subject: &SubjectId) -> StoreResult<Option<BoardAccessRow>>;
    async fn boards_of_org(&self, org: &OrgId) -> StoreResult<Vec<BoardRow>>;
    /// Deletes a board with its cards, reactions, comments and participants' rows; returns the
    /// blobs to delete and the participants whose keys go.
    async fn delete_board(&self, board: &BoardId, audit: AuditDraft) -> StoreResult<(Vec<BlobId>, Vec<SubjectId>)>;
    /// Replaces the board's title, legend and settings; returns the new sequence number.
    async fn update_board(&self, b: &BoardRow) -> StoreResult<Seq>;
    /// Advances the board's sequence number with no other change (an event of its own, such
    /// as "reload: how authors are shown changed").
    async fn bump_board(&self, board: &BoardId) -> StoreResult<Seq>;
    /// Replaces the board's join code (the old one stops working).
    async fn set_join_code(&self, board: &BoardId, code: &str) -> StoreResult<Seq>;
    /// The board's logged changes after sequence `after`, oldest first, at most `limit` (the
    /// log keeps the latest 1024).
    async fn changes_after(&self, board: &BoardId, after: Seq, limit: i64) -> StoreResult<Vec<ChangeRow>>;
    /// The sequence number of each of `boards` this store holds (absent: not here). The relay's
    /// sweep asks this once per region for every listened room.
    async fn board_seqs(&self, boards: &[BoardId]) -> StoreResult<Vec<(BoardId, Seq)>>;

    /// Creates a participant subject, its row and its first session in one transaction (a
    /// join is one write), then appends `audits` in their order.
    async fn create_participant(&self, p: &ParticipantRow, session: &SessionRow, audits: Vec<AuditDraft>) -> StoreResult<()>;
    async fn participant(&self, subject: &SubjectId) -> StoreResult<Option<ParticipantRow>>;
    async fn participants_of(&self, board: &BoardId) -> StoreResult<Vec<ParticipantRow>>;
    /// The participant whose recovery code has this keyed hash.
    async fn participant_by_recovery(&self, hash: &[u8]) -> StoreResult<Option<ParticipantRow>>;
    /// Records that a participant's new session started at `at` (a recovery with their code).
    async fn touch_participant(&self, subject: &SubjectId, at: Millis) -> StoreResult<()>;
    /// Participants whose latest session started before `before`, oldest first, at most `limit`.
    async fn participants_idle_before(&self, before: Millis, limit: i64) -> StoreResult<Vec<SubjectId>>;

    async fn insert_card(&self, c: &CardRow) -> StoreResult<Seq>;
    /// Applies the given field changes to a card in one statement (last writer wins per
    /// field), increments its version, and returns the new card and the board's sequence.
    /// `None` if the card no longer exists.
    async fn change_card(&self, board: &BoardId, card: &CardId, change: &CardChange) -> StoreResult<Option<(CardRow, Seq)>>;
    /// Deletes a card with its likes, votes and comments, in one transaction, and returns
    /// those as they were stored (comments oldest first).
    async fn delete_card(&self, board: &BoardId, card: &CardId) -> StoreResult<(Seq, CardAttachments)>;
    /// Puts a deleted card back with what went with it, in one transaction: the card, its
    /// likes and votes (a voter's votes only within their `max_tokens` on the board: what is
    /// over is left out) under one sequence number (a `card` change), then each comment under
    /// a number of its own (a `comment` change), in the order given. Returns the card's
    /// number and the comments' numbers.
    async fn restore_card(&self, c: &CardRow, with: &CardAttachments, max_tokens: i64) -> StoreResult<(Seq, Vec<Seq>)>;
    async fn card(&self, id: &CardId) -> StoreResult<Option<CardRow>>;
    async fn cards_of(&self, board: &BoardId) -> StoreResult<Vec<CardRow>>;

    async fn set_like(&self, board: &BoardId, card: &CardId, subject: &SubjectId, on: bool, at: Millis) -> StoreResult<Seq>;
    /// Adds `delta` votes (±1) if the voter stays within `0..=max_tokens` on the board and
    /// `0..` on the card. `Conflict` when the token limit is reached.
    async fn add_vote(&self, board: &BoardId, card: &CardId, subject: &SubjectId, delta: i64, max_tokens: i64) -> StoreResult<Seq>;
    async fn reactions(&self, board: &BoardId) -> StoreResult<Reactions>;
    /// The likes and votes of one card (by its key: the cost does not grow with the board).
    async fn reactions_of_card(&self, card: &CardId) -> StoreResult<Reactions>;

    async fn insert_comment(&self, board: &BoardId, c: &CommentRow) -> StoreResult<Seq>;
    async fn delete_comment(&self, board: &BoardId, id: &CommentId) -> StoreResult<Seq>;
    async fn comment(&self, id: &CommentId) -> StoreResult<Option<CommentRow>>;
    async fn comments_of(&self, board: &BoardId) -> StoreResult<Vec<CommentRow>>;
    /// The comments of one card, oldest first.
    async fn comments_of_card(&self, card: &CardId) -> StoreResult<Vec<CommentRow>>;

    /// Everything a subject put on boards (for export).
    async fn contributions_of(
        &self,
        subject: &SubjectId,
    ) -> StoreResult<(Vec<CardRow>, Vec<CommentRow>, Reactions, Option<ParticipantRow>)>;
    /// What a subject put on boards besides their cards: comments, likes, votes, participant row.
    async fn reactions_of(&self, subject: &SubjectId) -> StoreResult<(Vec<CommentRow>, Reactions, Option<ParticipantRow>)>;
    /// A subject's cards, in no particular order, handed to `each` in pages of `page` rows as
    /// they arrive from one query (an export opens a page while the next one is read).
    async fn cards_of_author(&self, subject: &SubjectId, page: usize, each: &mut (dyn FnMut(Vec<CardRow>) + Send)) -> StoreResult<()>;
    /// Deletes everything a subject put on boards, their memberships and participant row (and,
    /// with `sessions`, their sessions), then appends `audits` in their order, in one
    /// transaction; boards they created survive, decorrelated ("former member").
    async fn erase_contributions(&self, subject: &SubjectId, sessions: bool, audits: Vec<AuditDraft>) -> StoreResult<ErasedContributions>;
}
