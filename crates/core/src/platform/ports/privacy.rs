//! The ports and rows of privacy: retention (purge counts, legal holds, runs: `RetentionStore`),
//! policy versions and acknowledgements (`AckStore`),
//! the consent ledger and page views (`ConsentStore`), and the rights (`RightsStore`: exports,
//! requests and their events, the disclosure log, held records, receipts).

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::{BlobId, SubjectId};
use crate::platform::ports::audit::AuditDraft;

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
    /// The digest of the consent purposes the choice was given under (issue 13, acceptance 6):
    /// the policy's `consent_purposes_digest` for a signed-in person, its
    /// `cookie_consent_digest` for a visitor. Under another digest the choice no longer counts.
    pub purposes_digest: String,
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
    /// A visitor's page views, oldest first (shown to that visitor on the cookies page only).
    async fn page_views_list_of(&self, visitor: &str) -> StoreResult<Vec<PageViewRow>>;
    /// Deletes a visitor's consent records (theirs only: never a signed-in person's) with the
    /// audit entry in the same transaction; returns how many went.
    async fn delete_visitor_consents(&self, consent_id: &str, audit: AuditDraft) -> StoreResult<u64>;
    async fn delete_page_views_of(&self, visitor: &str) -> StoreResult<u64>;
    /// Deletes page views collected before `before`; returns how many.
    async fn purge_page_views(&self, before: Millis) -> StoreResult<u64>;
    async fn count_page_views_before(&self, before: Millis) -> StoreResult<u64>;
    /// Deletes visitors' consent records (no subject) made before `before`.
    async fn purge_visitor_consents(&self, before: Millis) -> StoreResult<u64>;
    async fn count_visitor_consents_before(&self, before: Millis) -> StoreResult<u64>;
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
    /// A builder's claim on an export (state `running`, one more attempt), only while it is
    /// still in state `from`. A claim is a lease: if a crash loses it, the export is still
    /// queued (or found stale) and built again, so its commit does not wait for the disk.
    async fn claim_export(&self, e: &ExportRow, from: &str) -> StoreResult<bool>;
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

/// Acknowledgements of policy versions (C-CHG-2), in a region's database.
#[async_trait]
pub trait AckStore: Send + Sync + std::fmt::Debug {
    /// Records that `subject` acknowledged policy version `digest` (idempotent).
    async fn record_ack(&self, subject: &SubjectId, digest: &str, method: &str, at: Millis, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn has_ack(&self, subject: &SubjectId, digest: &str) -> StoreResult<bool>;
    /// The subject's acknowledgements: (digest, method, at).
    async fn acks_of(&self, subject: &SubjectId) -> StoreResult<Vec<(String, String, Millis)>>;
}

/// Legal holds and the retention scheduler's runs, in a region's database.
#[async_trait]
pub trait RetentionStore: Send + Sync + std::fmt::Debug {
    async fn put_legal_hold(&self, hold: &LegalHoldRow, audit: AuditDraft) -> StoreResult<()>;
    /// Releases a hold; `false` if there was no such active hold.
    async fn release_legal_hold(&self, id: &str, at: Millis, audit: AuditDraft) -> StoreResult<bool>;
    /// Holds, active at `at` when given, else all.
    async fn legal_holds(&self, active_at: Option<Millis>) -> StoreResult<Vec<LegalHoldRow>>;

    async fn record_retention_run(&self, run: &RetentionRunRow) -> StoreResult<()>;
    /// The latest runs, newest first.
    async fn retention_runs(&self, limit: i64) -> StoreResult<Vec<RetentionRunRow>>;
}
