//! The port and rows of the programmes (`business::programmes`): events and trainings with
//! their registrations, and visits to the premises. Everything personal in them is sealed by
//! core with the attendee's or visitor's own key; the store keeps bytes, ids, states and dates.

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::SubjectId;
use crate::platform::ports::audit::AuditDraft;

/// Which programme a session or registration belongs to: each keeps its registrations in its
/// own table (their personal data is a different category of the policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Programme {
    Event,
    Training,
}

impl Programme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Training => "training",
        }
    }

    /// The table of its registrations.
    pub fn registrations_table(self) -> &'static str {
        match self {
            Self::Event => "event_registrations",
            Self::Training => "training_registrations",
        }
    }
}

/// An event or a training session, as staff publish it (no personal data: the trainer's name
/// is published on the public page as part of the offer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeSessionRow {
    pub id: String,
    pub programme: Programme,
    pub title: String,
    pub description: Option<String>,
    pub starts_at: Option<Millis>,
    pub ends_at: Option<Millis>,
    /// A place, or `online`.
    pub place: Option<String>,
    pub capacity: Option<i64>,
    pub trainer: Option<String>,
    pub created_by: SubjectId,
    pub created_at: Millis,
}

impl ProgrammeSessionRow {
    /// When it ends (its start when no end is given): the retention rules count from here.
    pub fn ended_at(&self) -> Option<Millis> {
        self.ends_at.or(self.starts_at)
    }
}

/// A registration for an event or a training. `contact` (names, email, phone or postal
/// address, language) is sealed with the attendee's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRow {
    pub id: String,
    pub session_id: String,
    /// The attendee: a subject of their own, whose key seals the contact.
    pub subject_id: SubjectId,
    /// The keyed blind index of the address (export and erasure by address).
    pub email_bidx: Vec<u8>,
    pub contact: Vec<u8>,
    /// `pending` (not confirmed from the mailbox), `registered`, `waiting` or `cancelled`.
    pub state: String,
    /// SHA-256 of the private link's token (confirm, calendar file, cancel, certificate).
    pub token_hash: Vec<u8>,
    pub created_at: Millis,
    pub confirmed_at: Option<Millis>,
    /// Events: when staff checked the attendee in. Trainings: when the trainer marked them
    /// present.
    pub checked_in_at: Option<Millis>,
}

/// A visit to the premises. `contact` (names, phone, host) is sealed with the visitor's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    pub id: String,
    pub subject_id: SubjectId,
    pub contact: Vec<u8>,
    pub arrived_at: Millis,
    pub departed_at: Option<Millis>,
    /// The staff member at the front desk who recorded it.
    pub recorded_by: SubjectId,
}

/// The programmes' storage in a region.
#[async_trait]
pub trait ProgrammesStore: Send + Sync + std::fmt::Debug {
    async fn insert_session(&self, s: &ProgrammeSessionRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn session(&self, id: &str) -> StoreResult<Option<ProgrammeSessionRow>>;
    /// A programme's sessions, soonest first (undated ones last).
    async fn sessions(&self, programme: Programme) -> StoreResult<Vec<ProgrammeSessionRow>>;
    /// A new registration; its attendee becomes a subject of the region.
    async fn insert_registration(&self, p: Programme, r: &RegistrationRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    /// Changes a registration's state and dates (several at once: a cancellation and the
    /// promotion it makes, in one transaction).
    async fn update_registrations(&self, p: Programme, rows: &[RegistrationRow], audit: Vec<AuditDraft>) -> StoreResult<()>;
    async fn registration(&self, p: Programme, id: &str) -> StoreResult<Option<RegistrationRow>>;
    async fn registration_by_token_hash(&self, p: Programme, hash: &[u8]) -> StoreResult<Option<RegistrationRow>>;
    /// A session's registrations, oldest first (the waiting list's order).
    async fn registrations(&self, p: Programme, session_id: &str) -> StoreResult<Vec<RegistrationRow>>;
    /// Registrations made from an address (its blind index), oldest first.
    async fn registrations_by_bidx(&self, p: Programme, email_bidx: &[u8]) -> StoreResult<Vec<RegistrationRow>>;
    /// The ids of registrations for sessions that ended (or, undated, were created) before `before`.
    async fn registrations_ended_before(&self, p: Programme, before: Millis) -> StoreResult<Vec<String>>;
    /// Deletes registrations; says whose keys go with them.
    async fn delete_registrations(&self, p: Programme, ids: &[String]) -> StoreResult<Vec<SubjectId>>;
    /// A new visit; the visitor becomes a subject of the region.
    async fn insert_visit(&self, v: &VisitRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn update_visit(&self, v: &VisitRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn visit(&self, id: &str) -> StoreResult<Option<VisitRow>>;
    /// Visits, newest arrival first.
    async fn visits(&self) -> StoreResult<Vec<VisitRow>>;
    /// The ids of visits that ended (departure, or arrival when no departure was recorded)
    /// before `before`.
    async fn visits_ended_before(&self, before: Millis) -> StoreResult<Vec<String>>;
    /// Deletes visits; says whose keys go with them.
    async fn delete_visits(&self, ids: &[String]) -> StoreResult<Vec<SubjectId>>;
}
