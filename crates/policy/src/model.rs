//! The shape of a policy file. Every human text is bilingual (`{ en = "…", fr = "…" }`).

use serde::{Deserialize, Serialize};

use crate::period::Period;

/// A text in English and French.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub fr: String,
}

impl Text {
    /// The text in `lang` (`fr`, else English).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "fr" { &self.fr } else { &self.en }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// The date shown as the version's publication date (`YYYY-MM-DD`).
    pub published: String,
    #[serde(default)]
    pub significant: bool,
    pub title: Text,
    #[serde(default)]
    pub summary: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    pub name: String,
    pub address: String,
    pub privacy_contact: String,
    #[serde(default)]
    pub dpo_contact: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    pub supervisory_authority: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub minimum_age: u32,
    pub erasure_deadline_days: u32,
    pub request_answer_days: u32,
    /// How long a ready export can be downloaded (C-DSR-1).
    pub export_link_hours: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backups {
    pub retention_days: u32,
}

/// The data processing agreement (C-DPA-1): published at `address` (the stable address,
/// `/legal/dpa`), the version in force and every earlier version kept, each a document of
/// `policy/legal/` (`dpa-<version>.en.md` and `.fr.md`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dpa {
    pub address: String,
    pub version: String,
    #[serde(default)]
    pub kept: Vec<String>,
}

/// Published statistics (C-USE-4): cells counting fewer than `k` distinct people are
/// suppressed; with `epsilon`, every published cell gets Laplace noise of that ε.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statistics {
    pub k: u64,
    #[serde(default)]
    pub epsilon: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub training_validity_days: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSubject {
    pub id: String,
    pub title: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub id: String,
    pub name: Text,
    pub location: Text,
}

/// How a transfer out of the EU is made lawful (GDPR Chapter V).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// An adequacy decision of the Commission (Art. 45).
    Adequacy,
    /// Standard contractual clauses (Art. 46(2)(c)).
    Scc,
    /// Binding corporate rules (Art. 47).
    Bcr,
    /// Explicit consent of the person (Art. 49(1)(a)).
    Consent,
    /// Necessary for a contract with the person (Art. 49(1)(b)).
    Necessity,
}

impl Mechanism {
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "fr") {
            (Self::Adequacy, false) => "adequacy decision (GDPR Art. 45)",
            (Self::Adequacy, true) => "décision d'adéquation (RGPD art. 45)",
            (Self::Scc, false) => "standard contractual clauses (GDPR Art. 46)",
            (Self::Scc, true) => "clauses contractuelles types (RGPD art. 46)",
            (Self::Bcr, false) => "binding corporate rules (GDPR Art. 47)",
            (Self::Bcr, true) => "règles d'entreprise contraignantes (RGPD art. 47)",
            (Self::Consent, false) => "your explicit consent (GDPR Art. 49)",
            (Self::Consent, true) => "votre consentement explicite (RGPD art. 49)",
            (Self::Necessity, false) => "necessary for your contract (GDPR Art. 49)",
            (Self::Necessity, true) => "nécessaire à votre contrat (RGPD art. 49)",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub id: String,
    pub to: String,
    #[serde(default)]
    pub mechanism: Option<Mechanism>,
    pub description: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryKind {
    /// What people put on boards ("User Information").
    UserInformation,
    /// Everything else ("Other Data").
    OtherData,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    #[serde(default)]
    pub fideslang: String,
    pub kind: CategoryKind,
    /// The CCPA category (Cal. Civ. Code §1798.140(v)) used in the CCPA disclosure.
    pub ccpa: String,
    pub fields: Vec<String>,
    pub title: Text,
    pub description: Text,
    pub source: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    Consent,
    Contract,
    LegalObligation,
    LegitimateInterest,
}

impl LegalBasis {
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "fr") {
            (Self::Consent, false) => "consent (GDPR Art. 6(1)(a))",
            (Self::Consent, true) => "consentement (RGPD art. 6(1)(a))",
            (Self::Contract, false) => "contract (GDPR Art. 6(1)(b))",
            (Self::Contract, true) => "contrat (RGPD art. 6(1)(b))",
            (Self::LegalObligation, false) => "legal obligation (GDPR Art. 6(1)(c))",
            (Self::LegalObligation, true) => "obligation légale (RGPD art. 6(1)(c))",
            (Self::LegitimateInterest, false) => "legitimate interest (GDPR Art. 6(1)(f))",
            (Self::LegitimateInterest, true) => "intérêt légitime (RGPD art. 6(1)(f))",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::Contract => "contract",
            Self::LegalObligation => "legal_obligation",
            Self::LegitimateInterest => "legitimate_interest",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub id: String,
    /// Optional in the file so that a missing basis is reported by `policy check` by name.
    #[serde(default)]
    pub legal_basis: Option<LegalBasis>,
    pub categories: Vec<String>,
    pub data_subjects: Vec<String>,
    #[serde(default)]
    pub fideslang_use: String,
    pub title: Text,
    pub description: Text,
    /// The interest pursued, for purposes based on legitimate interest (Art. 13(1)(d)).
    #[serde(default)]
    pub legitimate_interest: Option<Text>,
    /// What people are asked, for purposes based on consent.
    #[serde(default)]
    pub consent_text: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    Employees,
    Affiliate,
    Subprocessor,
    Partner,
    Authority,
}

impl RecipientKind {
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "fr") {
            (Self::Employees, false) => "within our company",
            (Self::Employees, true) => "au sein de notre société",
            (Self::Affiliate, false) => "within our group",
            (Self::Affiliate, true) => "au sein de notre groupe",
            (Self::Subprocessor, false) => "subprocessor",
            (Self::Subprocessor, true) => "sous-traitant",
            (Self::Partner, false) => "partner",
            (Self::Partner, true) => "partenaire",
            (Self::Authority, false) => "auditors and authorities",
            (Self::Authority, true) => "contrôleurs et autorités",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub id: String,
    pub kind: RecipientKind,
    pub categories: Vec<String>,
    pub purposes: Vec<String>,
    #[serde(default)]
    pub safeguards: Vec<String>,
    /// The transfer (by id) under which this recipient receives data outside the EU.
    #[serde(default)]
    pub transfer: Option<String>,
    pub name: Text,
    pub description: Text,
    pub location: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalHold {
    pub days: u32,
    pub reason: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    pub category: String,
    pub trigger: String,
    /// The period after the trigger, in days or (`months`) in calendar months: one of them.
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub months: Option<u32>,
    pub description: Text,
    #[serde(default)]
    pub legal_hold: Option<LegalHold>,
}

impl Retention {
    /// The rule's period (`days = 0` when the file states none: `policy check` refuses that).
    pub fn period(&self) -> Period {
        match (self.days, self.months) {
            (_, Some(m)) => Period::Months(m),
            (d, None) => Period::Days(d.unwrap_or(0)),
        }
    }

    /// `category:trigger`, the rule's name in runs and messages.
    pub fn name(&self) -> String {
        format!("{}:{}", self.category, self.trigger)
    }
}

/// The events that start a retention clock.
pub const TRIGGERS: &[&str] = &[
    "account_deleted",
    "contract_ended",
    "request_closed",
    "last_contact",
    "collected",
    "session_ended",
    "not_confirmed",
    "event_ended",
    "visit_ended",
    "training_ended",
    "disconnected",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CookieKind {
    Essential,
    Preferences,
    Performance,
    Analytics,
    Social,
}

impl CookieKind {
    /// The longest lifetime a cookie of this kind may have, in calendar months (C-COOK-5: 13
    /// months for traffic measurement, 24 months for the others). A lifetime in days may not
    /// pass the shortest such span (393 and 730 days).
    pub fn max_months(self) -> u32 {
        match self {
            Self::Analytics => 13,
            _ => 24,
        }
    }

    /// Whether the cookie needs consent (C-COOK-1).
    pub fn needs_consent(self) -> bool {
        !matches!(self, Self::Essential | Self::Preferences)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Essential => "essential",
            Self::Preferences => "preferences",
            Self::Performance => "performance",
            Self::Analytics => "analytics",
            Self::Social => "social",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    First,
    Third,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    pub name: String,
    pub kind: CookieKind,
    pub party: Party,
    /// The lifetime in days (0 for a session cookie), or `lifetime_months` in calendar months.
    #[serde(default)]
    pub lifetime_days: u32,
    #[serde(default)]
    pub lifetime_months: Option<u32>,
    #[serde(default)]
    pub provider: Option<String>,
    pub purpose: Text,
}

impl Cookie {
    /// The lifetime, or `None` for a session cookie (gone when the browser closes).
    pub fn lifetime(&self) -> Option<Period> {
        match (self.lifetime_months, self.lifetime_days) {
            (Some(m), _) => Some(Period::Months(m)),
            (None, 0) => None,
            (None, d) => Some(Period::Days(d)),
        }
    }

    /// When a cookie set at `now` must be gone (`None`: a session cookie).
    pub fn expires_at(&self, now: i64) -> Option<i64> {
        self.lifetime().map(|p| p.after(now))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityMeasure {
    pub id: String,
    pub title: Text,
    pub description: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    pub id: String,
    pub name: String,
    /// Who runs the third-party service (C-SCOPE-2: its own terms apply on its side).
    pub provider: String,
    /// The OAuth scopes asked for, exactly (C-3P-1: the narrowest that suffices).
    pub scopes: Vec<String>,
    /// The purpose its data serves (a purpose of this file).
    pub purpose: String,
    /// The category the connection itself (tokens, scopes, dates) belongs to.
    pub category: String,
    /// The category what it brings in becomes (imported files: User Information).
    pub becomes: String,
    pub description: Text,
    /// What it reads at the provider, in plain words.
    pub reads: Text,
    /// Where what it reads goes, and nowhere else.
    pub destination: Text,
    /// The provider's use restrictions and how they are kept (Google's Limited Use).
    pub limited_use: Text,
}

/// A whole policy file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    pub meta: Meta,
    pub controller: Controller,
    pub limits: Limits,
    pub backups: Backups,
    pub statistics: Statistics,
    #[serde(default)]
    pub dpa: Option<Dpa>,
    pub staff: Staff,
    pub data_subjects: Vec<DataSubject>,
    pub regions: Vec<Region>,
    #[serde(default)]
    pub transfers: Vec<Transfer>,
    pub categories: Vec<Category>,
    pub purposes: Vec<Purpose>,
    pub recipients: Vec<Recipient>,
    pub retention: Vec<Retention>,
    #[serde(default)]
    pub cookies: Vec<Cookie>,
    #[serde(default)]
    pub security_measures: Vec<SecurityMeasure>,
    #[serde(default)]
    pub integrations: Vec<Integration>,
}
