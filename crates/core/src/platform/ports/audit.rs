//! The audit entry as the ports take it: a draft the store numbers and chains (the chain
//! itself is `clearboard_vault::audit`). Pseudonymous ids and codes only, never personal data.

use crate::platform::clock::Millis;

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
