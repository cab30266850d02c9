//! The port and rows of the support desk (`business::support`): tickets and their threads of
//! messages. Everything personal in them is sealed by core with the requester's own key; the
//! store keeps bytes, ids, states and dates.

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::{BlobId, SubjectId};
use crate::platform::ports::audit::AuditDraft;

/// A support ticket. `contact` (names, email, phone, language) and `title` are sealed with the
/// requester's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub id: String,
    /// The short reference mail subjects carry (`CB-…`), random.
    pub reference: String,
    /// The subject the ticket is about: its own key seals everything personal in it.
    pub requester_id: SubjectId,
    /// The account of a signed-in requester, if any.
    pub account_id: Option<SubjectId>,
    /// The keyed blind index of the requester's address (threading and export by address).
    pub email_bidx: Vec<u8>,
    pub contact: Vec<u8>,
    pub title: Vec<u8>,
    /// `open`, `waiting` (for the requester) or `closed`.
    pub status: String,
    /// The staff member the ticket is assigned to.
    pub assignee_id: Option<SubjectId>,
    /// `web_form`, `api` or `email`.
    pub channel: String,
    /// `general` or `privacy` (written to the privacy contact).
    pub topic: String,
    /// The rights request a privacy message became (C-CONTACT-1).
    pub rights_request_id: Option<String>,
    /// SHA-256 of the private link's token.
    pub token_hash: Vec<u8>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// When staff should answer by.
    pub due_at: Option<Millis>,
    pub closed_at: Option<Millis>,
}

/// One message of a ticket's thread; `body` is sealed with the requester's key, and so is the
/// attachment blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportMessageRow {
    pub id: String,
    pub ticket_id: String,
    /// `requester` or `staff`.
    pub author: String,
    /// The staff member who wrote it (staff messages).
    pub staff_id: Option<SubjectId>,
    /// `web_form`, `api`, `email` or `desk`.
    pub channel: String,
    pub body: Vec<u8>,
    pub attachment_blob: Option<BlobId>,
    /// The attachment's type, decided by its content (`image/png`, …).
    pub attachment_type: Option<String>,
    pub at: Millis,
}

/// What deleting tickets left to do: the requesters' keys to destroy and the blobs to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeletedTickets {
    pub tickets: u64,
    pub requesters: Vec<SubjectId>,
    pub blobs: Vec<BlobId>,
}

/// The support desk's storage in a region.
#[async_trait]
pub trait SupportStore: Send + Sync + std::fmt::Debug {
    /// A new ticket with its first message; the requester becomes a subject of the region.
    async fn insert_ticket(&self, t: &TicketRow, first: &SupportMessageRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    /// Updates a ticket's state (status, assignee, dates, link to a rights request), and adds
    /// a message to its thread when one is given.
    async fn update_ticket(&self, t: &TicketRow, message: Option<&SupportMessageRow>, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn ticket(&self, id: &str) -> StoreResult<Option<TicketRow>>;
    async fn ticket_by_token_hash(&self, hash: &[u8]) -> StoreResult<Option<TicketRow>>;
    async fn ticket_by_reference(&self, reference: &str) -> StoreResult<Option<TicketRow>>;
    /// Tickets in a status (all when `None`), oldest first.
    async fn tickets(&self, status: Option<&str>) -> StoreResult<Vec<TicketRow>>;
    /// Tickets of an account (if given), or sent from an address, newest first.
    async fn tickets_of(&self, account: Option<&SubjectId>, email_bidx: &[u8]) -> StoreResult<Vec<TicketRow>>;
    /// A ticket's thread, oldest first.
    async fn messages(&self, ticket_id: &str) -> StoreResult<Vec<SupportMessageRow>>;
    /// Deletes tickets (with their threads); says whose keys and which blobs go with them.
    async fn delete_tickets(&self, ids: &[String]) -> StoreResult<DeletedTickets>;
    /// The ids of tickets closed before `before`.
    async fn closed_before(&self, before: Millis) -> StoreResult<Vec<String>>;
}
