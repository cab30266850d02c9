//! The policy model: the privacy policy of a deployment, as data.
//!
//! It owns parsing, validation and queries (which purposes may touch which categories, the
//! minimum age, the deadlines). It does no I/O: callers pass the file's text. Rendering the
//! notice and other published forms belongs here too, as pure functions of the model.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The default policy shipped with clearboard (the reference's commitments, in our words).
pub const DEFAULT_POLICY: &str = include_str!("../../../policy/default.toml");

/// The highest erasure deadline any policy may set (C-RET-2).
pub const MAX_ERASURE_DEADLINE_DAYS: u32 = 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub title: String,
    pub published: String,
    #[serde(default)]
    pub significant: bool,
    #[serde(default)]
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    pub name: String,
    pub address: String,
    pub privacy_contact: String,
    #[serde(default)]
    pub supervisory_authority: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub minimum_age: u32,
    pub erasure_deadline_days: u32,
    pub request_answer_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub training_validity_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub location: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    #[serde(default)]
    pub fideslang: String,
    pub title: String,
    pub description: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
    LegitimateInterest,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub id: String,
    pub title: String,
    pub legal_basis: LegalBasis,
    #[serde(default)]
    pub consent_text: Option<String>,
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    pub category: String,
    pub trigger: String,
    pub days: u32,
    #[serde(default)]
    pub legal_hold: Option<String>,
}

/// A whole policy file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    pub meta: Meta,
    pub controller: Controller,
    pub limits: Limits,
    pub staff: Staff,
    pub regions: Vec<Region>,
    pub categories: Vec<Category>,
    pub purposes: Vec<Purpose>,
    pub retention: Vec<Retention>,
}

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

/// A loaded, validated policy and its digest (the version id).
#[derive(Debug, Clone)]
pub struct Policy {
    doc: PolicyDoc,
    digest: String,
}

impl Policy {
    /// Parses and validates a policy file's text.
    pub fn load(text: &str) -> Result<Self, PolicyError> {
        let doc: PolicyDoc = toml::from_str(text).map_err(|e| PolicyError::Parse(e.to_string()))?;
        let problems = validate(&doc);
        if !problems.is_empty() {
            return Err(PolicyError::Invalid(problems));
        }
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        Ok(Self { doc, digest })
    }

    /// The built-in default policy.
    pub fn default_policy() -> Result<Self, PolicyError> {
        Self::load(DEFAULT_POLICY)
    }

    pub fn doc(&self) -> &PolicyDoc {
        &self.doc
    }

    /// The SHA-256 of the file's text: the policy version id.
    pub fn digest(&self) -> &str {
        &self.digest
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

    /// The purpose guard's question: may `purpose` process `category`? (C-USE-1)
    pub fn check(&self, purpose: &str, category: &str) -> Result<(), Denied> {
        match self.purpose(purpose) {
            Some(p) if p.categories.iter().any(|c| c == category) => Ok(()),
            _ => Err(Denied { purpose: purpose.to_string(), category: category.to_string() }),
        }
    }

    /// Whether `field` is declared in `category` (C-DATA-9).
    pub fn declares(&self, category: &str, field: &str) -> bool {
        self.category(category).is_some_and(|c| c.fields.iter().any(|f| f == field))
    }
}

fn problem(problems: &mut Vec<Problem>, at: impl Into<String>, message: impl Into<String>) {
    problems.push(Problem { at: at.into(), message: message.into() });
}

fn check_unique<'a>(problems: &mut Vec<Problem>, what: &str, ids: impl Iterator<Item = &'a str>) {
    let mut seen = BTreeSet::new();
    for id in ids {
        if id.trim().is_empty() {
            problem(problems, what, "an entry has an empty id");
        } else if !seen.insert(id) {
            problem(problems, format!("{what}.{id}"), "this id is declared twice");
        }
    }
}

/// Every problem in a parsed policy (empty when it is valid).
pub fn validate(doc: &PolicyDoc) -> Vec<Problem> {
    let mut p = Vec::new();
    if doc.controller.name.trim().is_empty() {
        problem(&mut p, "controller.name", "the controller must be named");
    }
    if !doc.controller.privacy_contact.contains('@') {
        problem(&mut p, "controller.privacy_contact", "a privacy contact email address is required");
    }
    if doc.limits.minimum_age < 13 {
        problem(&mut p, "limits.minimum_age", "the minimum age cannot be below 13 (GDPR Art. 8(1))");
    }
    if doc.limits.erasure_deadline_days == 0 || doc.limits.erasure_deadline_days > MAX_ERASURE_DEADLINE_DAYS {
        problem(
            &mut p,
            "limits.erasure_deadline_days",
            format!("must be between 1 and {MAX_ERASURE_DEADLINE_DAYS} days"),
        );
    }
    if doc.limits.request_answer_days == 0 || doc.limits.request_answer_days > 30 {
        problem(&mut p, "limits.request_answer_days", "must be between 1 and 30 days");
    }
    if doc.staff.training_validity_days == 0 {
        problem(&mut p, "staff.training_validity_days", "must be at least one day");
    }
    if doc.regions.is_empty() {
        problem(&mut p, "regions", "at least one region is required");
    }
    check_unique(&mut p, "regions", doc.regions.iter().map(|r| r.id.as_str()));
    check_unique(&mut p, "categories", doc.categories.iter().map(|c| c.id.as_str()));
    check_unique(&mut p, "purposes", doc.purposes.iter().map(|c| c.id.as_str()));
    for c in &doc.categories {
        if c.fields.is_empty() {
            problem(&mut p, format!("categories.{}", c.id), "a category must list its fields");
        }
        if !doc.retention.iter().any(|r| r.category == c.id) {
            problem(&mut p, format!("categories.{}", c.id), "this category has no retention rule");
        }
    }
    for pu in &doc.purposes {
        let at = format!("purposes.{}", pu.id);
        if pu.legal_basis == LegalBasis::Consent && pu.consent_text.as_deref().is_none_or(|t| t.trim().is_empty()) {
            problem(&mut p, &at, "a consent-based purpose needs a consent_text shown to people");
        }
        if pu.categories.is_empty() {
            problem(&mut p, &at, "a purpose must name the categories it touches");
        }
        for c in &pu.categories {
            if !doc.categories.iter().any(|k| &k.id == c) {
                problem(&mut p, &at, format!("unknown category `{c}`"));
            }
        }
    }
    for r in &doc.retention {
        if !doc.categories.iter().any(|k| k.id == r.category) {
            problem(&mut p, format!("retention.{}", r.category), "retention rule for an unknown category");
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_is_valid() {
        let p = Policy::default_policy().unwrap();
        assert_eq!(p.minimum_age(), 16);
        assert_eq!(p.digest().len(), 64);
        assert!(p.check("account", "account").is_ok());
        assert!(p.check("statistics", "account").is_err());
        assert!(p.check("nonexistent", "account").is_err());
        assert!(p.declares("account", "email"));
        assert!(!p.declares("account", "shoe_size"));
    }

    #[test]
    fn invalid_policies_name_their_problem() {
        let cases: &[(&str, &str, &str)] = &[
            ("minimum_age = 16", "minimum_age = 10", "limits.minimum_age"),
            ("erasure_deadline_days = 60", "erasure_deadline_days = 90", "limits.erasure_deadline_days"),
            ("privacy_contact = \"privacy@example.org\"", "privacy_contact = \"nobody\"", "controller.privacy_contact"),
            ("consent_text = \"Send me", "# consent_text = \"Send me", "purposes.marketing"),
            ("categories = [\"navigation\"]", "categories = [\"shoes\"]", "unknown category `shoes`"),
        ];
        for (from, to, expect) in cases {
            let text = DEFAULT_POLICY.replacen(from, to, 1);
            assert_ne!(text, DEFAULT_POLICY, "case {from} did not apply");
            let err = Policy::load(&text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(expect), "expected `{expect}` in: {err}");
        }
        let err = Policy::load("not toml [").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("not valid TOML"));
    }
}
