//! The rows of identity: subjects and their kinds, accounts (personal fields sealed with the
//! subject's key), sessions (token hashes only) and staff roles. Stored by `RegionStore` and
//! `Directory` (see `stores`).

use crate::platform::clock::Millis;
use crate::platform::ids::{BlobId, RegionId, SubjectId};

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
