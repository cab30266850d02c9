//! The ports core needs from the outside: a store per region (data and audit chain), a key
//! store per region (kept apart from the data, never in data backups), the directory (blind
//! indexes and staff roles, no plaintext personal data), and blob stores. Implementations live
//! in `clearboard-store`; core never writes SQL.

use async_trait::async_trait;
use clearboard_vault::audit::{Checkpoint, Entry, Record};

use crate::platform::clock::Millis;
use crate::platform::ids::{BlobId, BoardId, CardId, CommentId, OrgId, RegionId, SubjectId};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was violated (e.g. the email is taken).
    #[error("conflict")]
    Conflict,
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage failure: {0}")]
    Backend(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// What an audit entry says, before the store numbers and chains it.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub at_ms: Millis,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub purpose: Option<String>,
    pub detail: serde_json::Value,
}

/// The kinds of people whose data the system holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Account,
    Participant,
    Contact,
    Applicant,
    Attendee,
    Requester,
    Child,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Participant => "participant",
            Self::Contact => "contact",
            Self::Applicant => "applicant",
            Self::Attendee => "attendee",
            Self::Requester => "requester",
            Self::Child => "child",
        }
    }
}

/// An account row as stored: personal fields are envelopes sealed with the subject's key.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub subject_id: SubjectId,
    pub email_bidx: Vec<u8>,
    pub email: Vec<u8>,
    pub first_name: Vec<u8>,
    pub last_name: Vec<u8>,
    pub phone: Option<Vec<u8>>,
    pub password_hash: Vec<u8>,
    pub picture_blob: Option<BlobId>,
    pub locale: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A session as stored: only the SHA-256 of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: Vec<u8>,
    pub subject_id: SubjectId,
    pub kind: String,
    pub created_at: Millis,
    pub last_seen_at: Millis,
}

/// What a purge did or would do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeCount {
    /// Items past their rule, held or not.
    pub due: u64,
    /// Items deleted.
    pub purged: u64,
    /// Items kept because of a legal hold.
    pub held: u64,
}

/// A legal hold: data of a category kept for a subject despite its retention rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalHoldRow {
    pub id: String,
    pub subject_id: SubjectId,
    pub category: String,
    /// Why (a legal, accounting or tax obligation, a dispute); no personal data.
    pub reason: String,
    pub until_at: Millis,
    pub created_at: Millis,
    pub created_by: String,
    pub released_at: Option<Millis>,
}

/// One rule's run of the retention scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRunRow {
    pub id: String,
    /// `category:trigger`.
    pub rule: String,
    pub started_at: Millis,
    pub finished_at: Millis,
    pub due: i64,
    pub purged: i64,
    pub held: i64,
}

/// A published policy version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionRow {
    pub digest: String,
    pub published_on: String,
    pub recorded_at: Millis,
    pub significant: bool,
    pub summary_en: String,
    pub summary_fr: String,
    pub body: String,
}

/// A staff member's role and training, kept in the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub subject_id: SubjectId,
    pub region: RegionId,
    pub role: String,
    /// When the confidentiality training was last completed, or never.
    pub trained_at: Option<Millis>,
    pub created_at: Millis,
}

/// A region's data store.
#[async_trait]
pub trait RegionStore: Send + Sync + std::fmt::Debug {
    async fn ping(&self) -> StoreResult<()>;

    /// Creates the subject and its account, and appends `audit`, in one transaction.
    /// `Conflict` if the email blind index is taken.
    async fn create_account(&self, kind: SubjectKind, row: &AccountRow, audit: AuditDraft) -> StoreResult<()>;
    async fn account(&self, id: &SubjectId) -> StoreResult<Option<AccountRow>>;
    async fn account_by_email(&self, email_bidx: &[u8]) -> StoreResult<Option<AccountRow>>;
    /// Replaces the account row's mutable fields and appends `audit`, in one transaction.
    /// When `revoke_sessions_except` is set, every other session of the subject is deleted too.
    async fn update_account(&self, row: &AccountRow, revoke_sessions_except: Option<&[u8]>, audit: AuditDraft) -> StoreResult<()>;
    /// Deletes the account and every session, marks the subject erased, appends `audit`.
    async fn delete_account(&self, id: &SubjectId, at: Millis, audit: AuditDraft) -> StoreResult<()>;
    /// When the subject was erased, if it was.
    async fn subject_erased_at(&self, id: &SubjectId) -> StoreResult<Option<Millis>>;

    /// Inserts a session; deletes `replaces` (rotation) in the same transaction.
    async fn insert_session(&self, row: &SessionRow, replaces: Option<&[u8]>, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>>;
    async fn touch_session(&self, token_hash: &[u8], at: Millis) -> StoreResult<()>;
    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<bool>;
    /// Deletes every session of `subject` but `except`; returns how many.
    async fn delete_sessions_of(&self, subject: &SubjectId, except: Option<&[u8]>, audit: Option<AuditDraft>) -> StoreResult<u64>;
    /// Deletes sessions idle since before `idle_before` or created before `created_before`,
    /// except those of subjects under an active legal hold on the `security` category at `now`.
    async fn purge_sessions(&self, idle_before: Millis, created_before: Millis, now: Millis) -> StoreResult<PurgeCount>;
    /// Counts, without deleting, what [`RegionStore::purge_sessions`] would delete and keep.
    async fn count_due_sessions(&self, idle_before: Millis, created_before: Millis, now: Millis) -> StoreResult<PurgeCount>;
    async fn sessions_of(&self, subject: &SubjectId) -> StoreResult<Vec<SessionRow>>;

    /// Account activation (issue 11): records that `subject`'s account waits for the link
    /// whose token hashes to `token_hash`, until `expires_at`.
    async fn put_activation(&self, subject: &SubjectId, token_hash: &[u8], expires_at: Millis, at: Millis) -> StoreResult<()>;
    /// When `subject`'s pending activation expires, if the account waits for one.
    async fn activation_pending(&self, subject: &SubjectId) -> StoreResult<Option<Millis>>;
    /// Removes the activation whose token hashes to `token_hash` and returns its subject with
    /// its expiry (expired or not: the caller decides).
    async fn take_activation(&self, token_hash: &[u8]) -> StoreResult<Option<(SubjectId, Millis)>>;
    async fn delete_activation(&self, subject: &SubjectId) -> StoreResult<()>;
    /// Subjects whose activation expired at or before `now`.
    async fn expired_activations(&self, now: Millis) -> StoreResult<Vec<SubjectId>>;

    /// Records that `subject` acknowledged policy version `digest` (idempotent).
    async fn record_ack(&self, subject: &SubjectId, digest: &str, method: &str, at: Millis, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn has_ack(&self, subject: &SubjectId, digest: &str) -> StoreResult<bool>;
    /// The subject's acknowledgements: (digest, method, at).
    async fn acks_of(&self, subject: &SubjectId) -> StoreResult<Vec<(String, String, Millis)>>;

    async fn put_legal_hold(&self, hold: &LegalHoldRow, audit: AuditDraft) -> StoreResult<()>;
    /// Releases a hold; `false` if there was no such active hold.
    async fn release_legal_hold(&self, id: &str, at: Millis, audit: AuditDraft) -> StoreResult<bool>;
    /// Holds, active at `at` when given, else all.
    async fn legal_holds(&self, active_at: Option<Millis>) -> StoreResult<Vec<LegalHoldRow>>;

    async fn record_retention_run(&self, run: &RetentionRunRow) -> StoreResult<()>;
    /// The latest runs, newest first.
    async fn retention_runs(&self, limit: i64) -> StoreResult<Vec<RetentionRunRow>>;

    /// Appends one entry to this region's audit chain.
    async fn audit_append(&self, draft: AuditDraft) -> StoreResult<Entry>;
    /// The whole chain in order, and its checkpoint.
    async fn audit_chain(&self) -> StoreResult<(Vec<Record>, Option<Checkpoint>)>;
    /// The entries about one subject (access transparency).
    async fn audit_about(&self, subject: &SubjectId) -> StoreResult<Vec<Entry>>;
}

/// A region's key store: wrapped data-encryption keys and the tombstones of destroyed ones.
#[async_trait]
pub trait KeyStore: Send + Sync + std::fmt::Debug {
    async fn ping(&self) -> StoreResult<()>;
    async fn put(&self, subject: &SubjectId, key_id: u32, wrapped: &[u8], at: Millis) -> StoreResult<()>;
    async fn get(&self, subject: &SubjectId, key_id: u32) -> StoreResult<Option<Vec<u8>>>;
    /// Destroys every key of `subject` and records a tombstone, atomically. Idempotent.
    async fn destroy(&self, subject: &SubjectId, at: Millis) -> StoreResult<()>;
    /// Removes keys of a subject that never came into being (failed creation); no tombstone.
    async fn discard(&self, subject: &SubjectId) -> StoreResult<()>;
    async fn tombstone(&self, subject: &SubjectId) -> StoreResult<Option<Millis>>;
    async fn tombstones(&self) -> StoreResult<Vec<(SubjectId, Millis)>>;
    /// Physical clean-up after keys were destroyed (no copy of a destroyed key may survive in
    /// a write-ahead log or free pages).
    async fn compact(&self) -> StoreResult<Vec<String>> {
        Ok(Vec::new())
    }
}

/// The directory: which region holds whom, and staff roles. No plaintext personal data.
#[async_trait]
pub trait Directory: Send + Sync + std::fmt::Debug {
    async fn ping(&self) -> StoreResult<()>;
    /// Claims an email blind index for a subject. `Conflict` if taken.
    async fn claim_email(&self, bidx: &[u8], region: &RegionId, subject: &SubjectId, at: Millis) -> StoreResult<()>;
    async fn find_email(&self, bidx: &[u8]) -> StoreResult<Option<(RegionId, SubjectId)>>;
    /// Releases a claim, only if it is still held by `subject`.
    async fn release_email(&self, bidx: &[u8], subject: &SubjectId) -> StoreResult<()>;

    async fn put_staff(&self, row: &StaffRow, audit: AuditDraft) -> StoreResult<()>;
    async fn staff(&self, subject: &SubjectId) -> StoreResult<Option<StaffRow>>;
    async fn list_staff(&self) -> StoreResult<Vec<StaffRow>>;
    async fn remove_staff(&self, subject: &SubjectId, audit: AuditDraft) -> StoreResult<()>;

    async fn index_org(&self, org: &OrgId, region: &RegionId) -> StoreResult<()>;
    async fn org_region(&self, org: &OrgId) -> StoreResult<Option<RegionId>>;
    async fn index_board(&self, board: &BoardId, org: &OrgId, region: &RegionId, join_code: &str) -> StoreResult<()>;
    /// (org, region) of a board.
    async fn board_location(&self, board: &BoardId) -> StoreResult<Option<(OrgId, RegionId)>>;
    /// (board, region) of a join code.
    async fn board_by_code(&self, code: &str) -> StoreResult<Option<(BoardId, RegionId)>>;
    /// Gives a board a new join code (`Conflict` if another board has it).
    async fn rekey_board_code(&self, board: &BoardId, join_code: &str) -> StoreResult<()>;
    async fn unindex_board(&self, board: &BoardId) -> StoreResult<()>;
    /// Removes an organisation and its boards from the index.
    async fn unindex_org(&self, org: &OrgId) -> StoreResult<()>;

    /// Records a policy version if it is not known yet (the first recording time is kept).
    async fn record_policy_version(&self, v: &PolicyVersionRow) -> StoreResult<()>;
    /// Every version, oldest first.
    async fn policy_versions(&self) -> StoreResult<Vec<PolicyVersionRow>>;

    async fn audit_append(&self, draft: AuditDraft) -> StoreResult<Entry>;
    async fn audit_chain(&self) -> StoreResult<(Vec<Record>, Option<Checkpoint>)>;
}

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
    pub role: String,
    pub joined_at: Millis,
}

#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: String,
    pub org_id: OrgId,
    pub token_hash: Vec<u8>,
    pub role: String,
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
}

/// Someone who joined a board by code, without an account; the pseudonym is sealed with
/// their own key.
#[derive(Debug, Clone)]
pub struct ParticipantRow {
    pub subject_id: SubjectId,
    pub board_id: BoardId,
    pub pseudonym: Vec<u8>,
    pub created_at: Millis,
}

/// A card as stored; the body (text or URL) is sealed with the author's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRow {
    pub id: CardId,
    pub board_id: BoardId,
    pub author_id: SubjectId,
    pub kind: String,
    pub body: Vec<u8>,
    pub blob_id: Option<BlobId>,
    pub media_type: Option<String>,
    pub x: i64,
    pub y: i64,
    pub color: String,
    pub category: Option<String>,
    pub status: String,
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
    pub status: Option<String>,
    pub at: Millis,
}

/// A card change outcome: the board's new sequence number.
pub type Seq = i64;

/// Organisations, boards, cards and their reactions in a region.
#[async_trait]
pub trait BoardStore: Send + Sync + std::fmt::Debug {
    /// Creates an organisation with its first owner.
    async fn create_org(&self, org: &OrgRow, owner: &MemberRow, audit: AuditDraft) -> StoreResult<()>;
    async fn org(&self, id: &OrgId) -> StoreResult<Option<OrgRow>>;
    async fn update_org_name(&self, id: &OrgId, name: &[u8]) -> StoreResult<()>;
    /// The organisations a subject belongs to, with their role.
    async fn orgs_of(&self, subject: &SubjectId) -> StoreResult<Vec<(OrgRow, String)>>;
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

    /// Creates a participant subject (and its row) in one transaction.
    async fn create_participant(&self, p: &ParticipantRow, audit: AuditDraft) -> StoreResult<()>;
    async fn participant(&self, subject: &SubjectId) -> StoreResult<Option<ParticipantRow>>;
    async fn participants_of(&self, board: &BoardId) -> StoreResult<Vec<ParticipantRow>>;

    async fn insert_card(&self, c: &CardRow) -> StoreResult<Seq>;
    /// Applies the given field changes to a card in one statement (last writer wins per
    /// field), increments its version, and returns the new card and the board's sequence.
    /// `None` if the card no longer exists.
    async fn change_card(&self, board: &BoardId, card: &CardId, change: &CardChange) -> StoreResult<Option<(CardRow, Seq)>>;
    /// Deletes a card with its likes, votes and comments.
    async fn delete_card(&self, board: &BoardId, card: &CardId) -> StoreResult<Seq>;
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
    /// Deletes everything a subject put on boards, their memberships and participant row;
    /// boards they created survive, decorrelated ("former member").
    async fn erase_contributions(&self, subject: &SubjectId, audit: AuditDraft) -> StoreResult<ErasedContributions>;
}

/// One record of the consent ledger: a choice, what it was about, the policy and the text
/// it was made under, how, when, and its proof (a hash over all of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    pub id: String,
    /// The random identifier of an anonymous visitor's choice, or…
    pub consent_id: Option<String>,
    /// …the signed-in person who chose.
    pub subject_id: Option<SubjectId>,
    pub purpose: String,
    pub granted: bool,
    pub policy_version: String,
    pub text_digest: String,
    pub method: String,
    pub at: Millis,
    pub proof: Vec<u8>,
}

/// A page view of the public website (navigational data, only with consent). The address is
/// sealed with the visitor's key; the prefix is the truncated address used for statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageViewRow {
    pub id: String,
    pub visitor_id: String,
    pub at: Millis,
    pub ip: Vec<u8>,
    pub ip_prefix: String,
    pub os: String,
    pub browser: String,
    pub browser_version: String,
    pub language: String,
    pub page: String,
}

/// The consent ledger and navigational data of a region.
#[async_trait]
pub trait ConsentStore: Send + Sync + std::fmt::Debug {
    async fn append_consent(&self, r: &ConsentRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn consents_of_visitor(&self, consent_id: &str) -> StoreResult<Vec<ConsentRow>>;
    async fn consents_of_subject(&self, subject: &SubjectId) -> StoreResult<Vec<ConsentRow>>;
    async fn record_page_view(&self, v: &PageViewRow) -> StoreResult<()>;
    /// Page views in `[from, to)`, oldest first (for aggregation only: never exported by row).
    async fn page_views(&self, from: Millis, to: Millis) -> StoreResult<Vec<PageViewRow>>;
    async fn page_views_of(&self, visitor: &str) -> StoreResult<u64>;
    async fn delete_page_views_of(&self, visitor: &str) -> StoreResult<u64>;
    /// Deletes page views collected before `before`; returns how many.
    async fn purge_page_views(&self, before: Millis) -> StoreResult<u64>;
    async fn count_page_views_before(&self, before: Millis) -> StoreResult<u64>;
}

/// Where encrypted blobs live (local folder, or S3-compatible storage).
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    async fn put(&self, id: &BlobId, bytes: &[u8]) -> StoreResult<()>;
    async fn get(&self, id: &BlobId) -> StoreResult<Option<Vec<u8>>>;
    async fn delete(&self, id: &BlobId) -> StoreResult<()>;
    /// Stores the (already sealed) content of a local file under `id`, moving it when the
    /// store can (large exports never pass through memory).
    async fn put_file(&self, id: &BlobId, src: &std::path::Path) -> StoreResult<()> {
        let bytes = tokio::fs::read(src).await.map_err(|e| StoreError::Unavailable(e.kind().to_string()))?;
        self.put(id, &bytes).await?;
        let _ = tokio::fs::remove_file(src).await;
        Ok(())
    }
    /// A local file holding the blob, for streaming reads, when the store has one.
    fn local_path(&self, _id: &BlobId) -> Option<std::path::PathBuf> {
        None
    }
    /// A folder on the same file system for files that will be passed to [`BlobStore::put_file`].
    fn scratch_dir(&self) -> std::path::PathBuf {
        std::env::temp_dir()
    }
}

/// An access/portability export: a background job whose result is a sealed ZIP blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub id: String,
    pub subject_id: SubjectId,
    pub request_id: Option<String>,
    /// `queued`, `running`, `ready`, `failed`, `expired` or `revoked`.
    pub state: String,
    pub created_at: Millis,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub expires_at: Option<Millis>,
    pub blob_id: Option<BlobId>,
    pub size: Option<i64>,
    pub attempts: i64,
    /// Why it failed (no personal data).
    pub error: Option<String>,
    /// When and why it was revoked (`signed_out_everywhere`, `password_changed`).
    pub revoked_at: Option<Millis>,
    pub revoked_reason: Option<String>,
    /// For an export answering someone without an account (an agent, a parent): the keyed
    /// hash of the one-time code emailed to them, its expiry, wrong tries, codes sent.
    pub code_hash: Option<Vec<u8>>,
    pub code_expires_at: Option<Millis>,
    pub code_attempts: i64,
    pub codes_sent: i64,
}

/// A rights request. `contact` and `outcome` are sealed with the requester's own key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    pub id: String,
    pub kind: String,
    pub regime: String,
    pub channel: String,
    pub requester_id: SubjectId,
    pub subject_id: Option<SubjectId>,
    pub contact: Vec<u8>,
    pub email_bidx: Vec<u8>,
    /// `self`, `agent` or `guardian`.
    pub on_behalf: String,
    pub state: String,
    pub received_at: Millis,
    pub verified_at: Option<Millis>,
    pub confirmed_at: Option<Millis>,
    pub acknowledged_at: Option<Millis>,
    /// Dates, `YYYY-MM-DD`.
    pub acknowledge_by: String,
    pub answer_by: String,
    pub extended_to: Option<String>,
    pub closed_at: Option<Millis>,
    pub outcome: Option<Vec<u8>>,
    pub verify_hash: Option<Vec<u8>>,
    pub verify_expires_at: Option<Millis>,
    pub confirm_hash: Option<Vec<u8>>,
    pub confirm_expires_at: Option<Millis>,
    pub document_blob: Option<BlobId>,
    pub export_id: Option<String>,
}

/// One step in a request's life; `detail` is JSON without personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEventRow {
    pub request_id: String,
    pub at: Millis,
    pub event: String,
    pub actor: String,
    pub detail: String,
}

/// One disclosure of a person's data to a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureRow {
    pub id: String,
    pub subject_id: SubjectId,
    pub recipient: String,
    pub legal_basis: String,
    pub scope: String,
    /// Where the recipient is told of an erasure (their business address).
    pub contact: Option<String>,
    pub at: Millis,
    pub notified_at: Option<Millis>,
}

/// A category kept under a legal hold after its person was erased, sealed with the hold's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRecordRow {
    pub id: String,
    pub hold_id: String,
    pub subject_id: SubjectId,
    pub category: String,
    pub data: Vec<u8>,
    pub created_at: Millis,
    pub until_at: Millis,
}

/// Exports, rights requests and the disclosure log of a region.
#[async_trait]
pub trait RightsStore: Send + Sync + std::fmt::Debug {
    async fn insert_export(&self, e: &ExportRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn update_export(&self, e: &ExportRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    /// [`RightsStore::update_export`] only while the row is still in state `from`; returns
    /// whether it was updated (a revocation and a builder never overwrite each other).
    async fn update_export_if(&self, e: &ExportRow, from: &str, audit: Option<AuditDraft>) -> StoreResult<bool>;
    async fn export(&self, id: &str) -> StoreResult<Option<ExportRow>>;
    async fn exports_of(&self, subject: &SubjectId) -> StoreResult<Vec<ExportRow>>;
    /// Exports in one of `states` (jobs to resume after a restart, links to expire).
    async fn exports_in(&self, states: &[&str]) -> StoreResult<Vec<ExportRow>>;
    /// Deletes every export row of a subject; returns their blobs (to delete).
    async fn delete_exports_of(&self, subject: &SubjectId) -> StoreResult<Vec<BlobId>>;
    /// Takes `subject`'s import lock (one import at a time per person), or takes it over when it
    /// was taken before `stale_before` (a process that died); `false` while another holds it.
    async fn try_lock_import(&self, subject: &SubjectId, now: Millis, stale_before: Millis) -> StoreResult<bool>;
    async fn unlock_import(&self, subject: &SubjectId) -> StoreResult<()>;

    /// Inserts a request (and its requester subject) with its first event.
    async fn insert_request(&self, r: &RequestRow, event: &RequestEventRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    /// Replaces a request's mutable fields and appends an event, in one transaction.
    async fn update_request(&self, r: &RequestRow, event: &RequestEventRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn request(&self, id: &str) -> StoreResult<Option<RequestRow>>;
    async fn request_by_verify_hash(&self, hash: &[u8]) -> StoreResult<Option<RequestRow>>;
    async fn request_by_confirm_hash(&self, hash: &[u8]) -> StoreResult<Option<RequestRow>>;
    /// Requests for an email address (blind index) not yet closed.
    async fn open_requests_by_email(&self, email_bidx: &[u8]) -> StoreResult<Vec<RequestRow>>;
    /// Every request, or those in `states`, oldest first.
    async fn requests(&self, states: Option<&[&str]>) -> StoreResult<Vec<RequestRow>>;
    async fn requests_about(&self, subject: &SubjectId) -> StoreResult<Vec<RequestRow>>;
    async fn request_events(&self, id: &str) -> StoreResult<Vec<RequestEventRow>>;
    /// Deletes requests closed before `before` (with their events); returns their requester ids.
    async fn purge_requests_closed_before(&self, before: Millis) -> StoreResult<Vec<SubjectId>>;

    async fn insert_disclosure(&self, d: &DisclosureRow, audit: AuditDraft) -> StoreResult<()>;
    async fn disclosures_of(&self, subject: &SubjectId) -> StoreResult<Vec<DisclosureRow>>;
    async fn disclosures_since(&self, since: Millis) -> StoreResult<Vec<DisclosureRow>>;
    async fn mark_disclosure_notified(&self, id: &str, at: Millis) -> StoreResult<()>;

    /// Deletes every row that names `subject` in tables not owned by another port
    /// (consents, page views are not linked; exports; policy acknowledgements; sessions;
    /// the account; the subject is marked erased). Used when tombstones are replayed.
    async fn purge_subject(&self, subject: &SubjectId, at: Millis) -> StoreResult<u64>;
    /// Subjects among `ids` that still have an account row or are not marked erased (what a
    /// restored backup brings back).
    async fn subjects_present(&self, ids: &[SubjectId]) -> StoreResult<Vec<SubjectId>>;

    async fn put_held_record(&self, r: &HeldRecordRow) -> StoreResult<()>;
    async fn held_records_of(&self, subject: &SubjectId) -> StoreResult<Vec<HeldRecordRow>>;
    /// Deletes held records whose hold ended before `now`; returns their hold ids.
    async fn purge_held_records(&self, now: Millis) -> StoreResult<Vec<String>>;

    async fn put_receipt(&self, id: &str, subject: &SubjectId, at: Millis, body: &str, signature: &str) -> StoreResult<()>;
    /// (id, at, body, signature) of a subject's receipts.
    async fn receipts_of(&self, subject: &SubjectId) -> StoreResult<Vec<(String, Millis, String, String)>>;
    /// Physical clean-up after an erasure: on SQLite a WAL checkpoint with truncation and a
    /// VACUUM when free pages may hold deleted data; on PostgreSQL a VACUUM of the tables
    /// and a CHECKPOINT where permitted. Returns what was done, for the receipt.
    async fn compact(&self) -> StoreResult<Vec<String>>;
}
