//! The port and rows of careers (`business::programmes::careers`): job posts and the
//! applications to them. Everything personal in an application is sealed by core with the
//! applicant's own key; the store keeps bytes, ids, states and dates.

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::{BlobId, SubjectId};
use crate::platform::ports::audit::AuditDraft;

/// A job post: public text written by staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPostRow {
    pub id: String,
    pub title: String,
    pub title_fr: Option<String>,
    pub description: String,
    pub description_fr: Option<String>,
    pub place: Option<String>,
    /// `open` or `closed`.
    pub status: String,
    /// The staff member who wrote it.
    pub created_by: SubjectId,
    pub created_at: Millis,
    pub closed_at: Option<Millis>,
}

/// An application. `contact` (names, email, phone, language), `cover_letter` and
/// `consent_proof` are sealed with the applicant's key, and so is the CV blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    pub id: String,
    pub job_id: String,
    /// The applicant: a subject whose own key seals everything personal here.
    pub applicant_id: SubjectId,
    /// The keyed blind index of the applicant's address (export and erasure by address).
    pub email_bidx: Vec<u8>,
    pub contact: Vec<u8>,
    pub cover_letter: Vec<u8>,
    pub cv_blob: BlobId,
    /// `new`, `reviewing`, `interview`, `offer` or `rejected`.
    pub status: String,
    /// Whether the applicant agreed to be kept in the talent pool (until they withdraw it).
    pub talent_pool: bool,
    /// The sealed proof of that choice (the words shown, when), while it holds.
    pub consent_proof: Option<Vec<u8>>,
    /// SHA-256 of the private link's token.
    pub token_hash: Vec<u8>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The last contact with the applicant (applying, a decision told, an answer): the
    /// retention rule `job_applications:last_contact` counts from it.
    pub last_contact_at: Millis,
}

/// Careers' storage in a region.
#[async_trait]
pub trait CareersStore: Send + Sync + std::fmt::Debug {
    async fn insert_job(&self, j: &JobPostRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn job(&self, id: &str) -> StoreResult<Option<JobPostRow>>;
    /// Job posts in a status (all when `None`), newest first.
    async fn jobs(&self, status: Option<&str>) -> StoreResult<Vec<JobPostRow>>;
    /// A new application; the applicant becomes a subject of the region.
    async fn insert_application(&self, a: &ApplicationRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    /// Updates an application's state (status, talent pool and its proof, dates).
    async fn update_application(&self, a: &ApplicationRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn application(&self, id: &str) -> StoreResult<Option<ApplicationRow>>;
    async fn application_by_token_hash(&self, hash: &[u8]) -> StoreResult<Option<ApplicationRow>>;
    /// Applications (to one job when given), oldest first.
    async fn applications(&self, job: Option<&str>) -> StoreResult<Vec<ApplicationRow>>;
    /// Applications sent from an address, newest first.
    async fn applications_by_address(&self, email_bidx: &[u8]) -> StoreResult<Vec<ApplicationRow>>;
    /// Deletes an application; answers its applicant and CV blob when it existed.
    async fn delete_application(&self, id: &str) -> StoreResult<Option<(SubjectId, BlobId)>>;
    /// The ids of applications outside the talent pool whose last contact is before `before`.
    async fn stale_applications(&self, before: Millis) -> StoreResult<Vec<String>>;
}
