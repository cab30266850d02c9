//! The port and rows of outreach (`OutreachStore`): newsletter contacts (personal fields sealed
//! with each contact's own key), campaigns written by staff, what was sent to whom (one row per
//! campaign and recipient: the idempotency of a send), the links people opened, and the written
//! notices of significant policy versions (C-CHG-3).

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::SubjectId;
use crate::platform::ports::audit::AuditDraft;

/// A contact: someone who asked for news, invitations or calls without (necessarily) an
/// account. `email`, `phone` and `proof` are envelopes sealed with the contact's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: String,
    pub subject_id: SubjectId,
    pub email_bidx: Vec<u8>,
    pub email: Vec<u8>,
    /// Kept only while the contact consents to calls.
    pub phone: Option<Vec<u8>>,
    pub lang: String,
    /// The lists confirmed, comma-separated (`newsletter`, `event_invitations`, `phone`).
    pub lists: String,
    /// The lists asked for and waiting for the confirmation from the mailbox.
    pub pending_lists: String,
    /// `pending` (never confirmed), `confirmed`, or `bounced` (a hard bounce: no more mail).
    pub state: String,
    pub created_at: Millis,
    pub confirmed_at: Option<Millis>,
    /// The last collection or contact (a confirmation, a click, a reply; never a send).
    pub last_contact_at: Millis,
    pub confirm_hash: Option<Vec<u8>>,
    pub confirm_expires_at: Option<Millis>,
    /// When the last confirmation message was sent (at most one per address per window).
    pub confirm_sent_at: Option<Millis>,
    /// The digest of the consent text shown when the subscription was asked.
    pub text_digest: String,
    /// The proof of the subscription (JSON: asked at, method, exact text shown, its digest,
    /// policy version, confirmed at), sealed.
    pub proof: Vec<u8>,
}

/// A campaign: what staff wrote for a list (no personal data), and its sending job's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    pub id: String,
    /// `newsletter` or `event_invitations`.
    pub list: String,
    pub subject_en: String,
    pub subject_fr: String,
    /// Markdown.
    pub body_en: String,
    pub body_fr: String,
    /// `draft`, `scheduled`, `sending` or `sent`.
    pub state: String,
    pub created_by: SubjectId,
    pub created_at: Millis,
    pub scheduled_at: Option<Millis>,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
}

/// One recipient of one campaign: `claimed` (being handed to the mail server; a crash leaves
/// it so and it is never sent again), `sent`, `skipped` (no consent at send time), `failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRow {
    pub campaign_id: String,
    pub subject_id: SubjectId,
    pub state: String,
    pub at: Millis,
}

/// A link of a message opened by its recipient (a contact, in the sense of the three-year rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickRow {
    pub id: String,
    pub campaign_id: String,
    pub subject_id: SubjectId,
    pub at: Millis,
}

/// Counts of a campaign's recipients by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendCounts {
    pub claimed: u64,
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
}

/// Outreach's storage in a region's database.
#[async_trait]
pub trait OutreachStore: Send + Sync + std::fmt::Debug {
    /// Creates the contact's subject (kind `contact`) and row. `Conflict` if the address (blind
    /// index) already has a contact in this region.
    async fn insert_contact(&self, c: &ContactRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn update_contact(&self, c: &ContactRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn contact_by_email(&self, email_bidx: &[u8]) -> StoreResult<Option<ContactRow>>;
    async fn contact_by_confirm_hash(&self, hash: &[u8]) -> StoreResult<Option<ContactRow>>;
    async fn contact_of_subject(&self, subject: &SubjectId) -> StoreResult<Option<ContactRow>>;
    /// Every contact in `state`, oldest first.
    async fn contacts_in(&self, state: &str) -> StoreResult<Vec<ContactRow>>;
    /// Contacts never confirmed and asked for before `before`.
    async fn unconfirmed_before(&self, before: Millis) -> StoreResult<Vec<SubjectId>>;
    /// Contacts whose last collection or contact is before `before`.
    async fn inactive_before(&self, before: Millis) -> StoreResult<Vec<SubjectId>>;
    /// Deletes a subject's contact row, sends and clicks, and marks the subject erased;
    /// returns how many rows went.
    async fn delete_contact(&self, subject: &SubjectId, at: Millis, audit: Option<AuditDraft>) -> StoreResult<u64>;

    async fn insert_campaign(&self, c: &CampaignRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn update_campaign(&self, c: &CampaignRow) -> StoreResult<()>;
    async fn campaign(&self, id: &str) -> StoreResult<Option<CampaignRow>>;
    /// Every campaign, newest first.
    async fn campaigns(&self) -> StoreResult<Vec<CampaignRow>>;

    /// Claims (campaign, subject) for sending: `true` if this call inserted the claim, `false`
    /// if the pair already has a row (sent, skipped, failed, or claimed by a run that died).
    async fn claim_send(&self, campaign: &str, subject: &SubjectId, at: Millis) -> StoreResult<bool>;
    /// Records what became of a claim.
    async fn finish_send(&self, campaign: &str, subject: &SubjectId, state: &str, at: Millis) -> StoreResult<()>;
    async fn send_counts(&self, campaign: &str) -> StoreResult<SendCounts>;
    /// Every subject with a row for `campaign`, whatever its state (they are never sent it again).
    async fn handled(&self, campaign: &str) -> StoreResult<Vec<SubjectId>>;
    async fn sends_of(&self, subject: &SubjectId) -> StoreResult<Vec<SendRow>>;
    async fn insert_click(&self, c: &ClickRow) -> StoreResult<()>;
    async fn clicks_of(&self, subject: &SubjectId) -> StoreResult<Vec<ClickRow>>;
    /// Deletes a subject's sends and clicks; returns how many.
    async fn delete_activity_of(&self, subject: &SubjectId) -> StoreResult<u64>;

    /// Every account holder of the region: (subject, created at), oldest first.
    async fn account_holders(&self) -> StoreResult<Vec<(SubjectId, Millis)>>;
    /// Claims the written notice of policy version `version` to `subject`: `true` if this call
    /// inserted it (each version is announced to each person once).
    async fn claim_notice(&self, version: &str, subject: &SubjectId, at: Millis) -> StoreResult<bool>;
    async fn finish_notice(&self, version: &str, subject: &SubjectId, state: &str, at: Millis) -> StoreResult<()>;
    /// (subject, state, at) of every notice of `version`.
    async fn notices_of(&self, version: &str) -> StoreResult<Vec<(SubjectId, String, Millis)>>;
}
