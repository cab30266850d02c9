//! The policy model: the privacy policy of a deployment, as data.
//!
//! It owns parsing, validation, queries (which purposes may touch which categories, the
//! limits, the retention rules) and the machine-readable publications (record of processing,
//! W3C DPV JSON-LD, CCPA disclosure, fideslang). It does no I/O: callers pass the file's text.

pub mod agree;
pub mod exports;
pub mod model;
pub mod period;
pub mod trace;
pub mod validate;

pub use model::*;
pub use period::Period;

use sha2::{Digest, Sha256};

/// The default policy shipped with clearboard (the reference's commitments, in our words).
pub const DEFAULT_POLICY: &str = include_str!("../../../policy/default.toml");

/// The highest erasure deadline any policy may set (C-RET-2).
pub const MAX_ERASURE_DEADLINE_DAYS: u32 = 60;

/// One thing wrong with a policy file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy file is not valid TOML or has an unexpected shape: {0}")]
    Parse(String),
    #[error("the policy has {} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// A guard refusal: the purpose may not touch the category (C-USE-1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("purpose `{purpose}` may not process category `{category}`")]
pub struct Denied {
    pub purpose: String,
    pub category: String,
}

/// A loaded, validated policy with its text and digest (the version id).
#[derive(Debug, Clone)]
pub struct Policy {
    doc: PolicyDoc,
    text: String,
    digest: String,
}

impl Policy {
    /// Parses and validates a policy file's text.
    pub fn load(text: &str) -> Result<Self, PolicyError> {
        let doc: PolicyDoc = toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))?;
        let problems = validate::validate(&doc);
        if !problems.is_empty() {
            return Err(PolicyError::Invalid(problems));
        }
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        Ok(Self { doc, text: text.to_string(), digest })
    }

    /// The built-in default policy.
    pub fn default_policy() -> Result<Self, PolicyError> {
        Self::load(DEFAULT_POLICY)
    }

    pub fn doc(&self) -> &PolicyDoc {
        &self.doc
    }

    /// The file's text, as published in the history.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The SHA-256 of the file's text: the policy version id.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// A short form of the version id for people (first 12 hex digits).
    pub fn short_version(&self) -> &str {
        &self.digest[..12]
    }

    pub fn minimum_age(&self) -> u32 {
        self.doc.limits.minimum_age
    }

    pub fn training_validity_days(&self) -> u32 {
        self.doc.staff.training_validity_days
    }

    pub fn region_ids(&self) -> impl Iterator<Item = &str> {
        self.doc.regions.iter().map(|r| r.id.as_str())
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.doc.categories.iter().find(|c| c.id == id)
    }

    pub fn purpose(&self, id: &str) -> Option<&Purpose> {
        self.doc.purposes.iter().find(|p| p.id == id)
    }

    pub fn data_subject(&self, id: &str) -> Option<&DataSubject> {
        self.doc.data_subjects.iter().find(|p| p.id == id)
    }

    pub fn transfer(&self, id: &str) -> Option<&Transfer> {
        self.doc.transfers.iter().find(|t| t.id == id)
    }

    pub fn cookie(&self, name: &str) -> Option<&Cookie> {
        self.doc.cookies.iter().find(|c| c.name == name)
    }

    /// The retention rules of a category.
    pub fn retention_of(&self, category: &str) -> impl Iterator<Item = &Retention> {
        self.doc.retention.iter().filter(move |r| r.category == category)
    }

    /// The recipients that receive a category for a purpose.
    pub fn recipients_for(&self, purpose: &str) -> impl Iterator<Item = &Recipient> {
        self.doc.recipients.iter().filter(move |r| r.purposes.iter().any(|p| p == purpose))
    }

    /// The purpose guard's question: may `purpose` process `category`? (C-USE-1)
    pub fn check(&self, purpose: &str, category: &str) -> Result<(), Denied> {
        match self.purpose(purpose) {
            Some(p) if p.categories.iter().any(|c| c == category) => Ok(()),
            _ => Err(Denied { purpose: purpose.to_string(), category: category.to_string() }),
        }
    }

    /// The period a rule of `category` keeps data after `trigger`, if the policy has the rule.
    pub fn retention_period(&self, category: &str, trigger: &str) -> Option<Period> {
        self.retention_of(category).find(|r| r.trigger == trigger).map(Retention::period)
    }

    /// Every disagreement between this policy and the enabled modules of the software.
    pub fn agreement_problems(&self, imp: &agree::Implementation) -> Vec<Problem> {
        agree::check(&self.doc, imp)
    }

    /// Whether `field` is declared in `category` (C-DATA-9).
    pub fn declares(&self, category: &str, field: &str) -> bool {
        self.category(category).is_some_and(|c| c.fields.iter().any(|f| f == field))
    }

    /// The digest of the cookies that need consent (names, kinds, lifetimes and purposes):
    /// when it changes, visitors are asked again.
    pub fn cookie_consent_digest(&self) -> String {
        let mut h = Sha256::new();
        for c in self.doc.cookies.iter().filter(|c| c.kind.needs_consent()) {
            h.update(c.name.as_bytes());
            h.update(c.kind.as_str().as_bytes());
            h.update(c.lifetime().map(Period::iso8601).unwrap_or_default().as_bytes());
            h.update(c.purpose.en.as_bytes());
            h.update(c.purpose.fr.as_bytes());
        }
        hex::encode(h.finalize())
    }

    /// The consent-based purposes asked of account holders (and newsletter contacts): those
    /// whose data subjects include `users`. A purpose asked elsewhere (the talent pool, on the
    /// application form) is not asked at sign-in.
    pub fn user_consent_purposes(&self) -> impl Iterator<Item = &Purpose> {
        self.doc.purposes.iter().filter(|p| p.legal_basis == Some(LegalBasis::Consent) && p.data_subjects.iter().any(|s| s == "users"))
    }

    /// Consent-based purposes and the digest of what they ask: when this changes between
    /// versions, people must opt in again (an acknowledgement is not consent).
    pub fn consent_purposes_digest(&self) -> String {
        let mut h = Sha256::new();
        for p in self.user_consent_purposes() {
            h.update(p.id.as_bytes());
            if let Some(t) = &p.consent_text {
                h.update(t.en.as_bytes());
                h.update(t.fr.as_bytes());
            }
            for c in &p.categories {
                h.update(c.as_bytes());
            }
        }
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests;
