//! The audit log service: builds entries (pseudonymous ids and codes only, never personal
//! data) and verifies every chain (the directory's and each region's).
//!
//! Takes the whole context (`Clearboard`): drafts take the clock; verification walks the
//! directory's chain and every region's.

use clearboard_vault::audit::{self, Violation};
use serde_json::Value;

use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::AuditDraft;

/// The chain name of the directory's log.
pub const DIRECTORY_CHAIN: &str = "directory";

/// The chain name of a region's log.
pub fn region_chain(region: &str) -> String {
    format!("region:{region}")
}

/// Who did something.
#[derive(Debug, Clone)]
pub enum Actor<'a> {
    Subject(&'a SubjectId),
    Staff(&'a SubjectId),
    System,
    Cli,
}

impl Actor<'_> {
    pub fn label(&self) -> String {
        match self {
            Actor::Subject(s) => format!("subject:{s}"),
            Actor::Staff(s) => format!("staff:{s}"),
            Actor::System => "system".into(),
            Actor::Cli => "cli".into(),
        }
    }
}

/// The result of verifying one chain.
#[derive(Debug, Clone)]
pub struct ChainReport {
    pub chain: String,
    pub result: Result<usize, Violation>,
}

impl Clearboard {
    /// An audit entry stamped now.
    pub fn audit_draft(
        &self,
        actor: Actor<'_>,
        action: &str,
        subject: Option<&SubjectId>,
        purpose: Option<&str>,
        detail: Value,
    ) -> AuditDraft {
        AuditDraft {
            at_ms: self.now(),
            actor: actor.label(),
            action: action.to_string(),
            subject: subject.map(|s| s.to_string()),
            purpose: purpose.map(str::to_string),
            detail,
        }
    }

    /// Verifies every audit chain of the deployment.
    pub async fn verify_audit(&self) -> Result<Vec<ChainReport>, CoreError> {
        let mut out = Vec::new();
        let (records, cp) = self.directory().audit_chain().await?;
        out.push(ChainReport {
            chain: DIRECTORY_CHAIN.into(),
            result: audit::verify(self.keyring(), DIRECTORY_CHAIN, &records, cp.as_ref()),
        });
        for r in self.regions() {
            let chain = region_chain(r.id.as_str());
            let (records, cp) = r.store.audit_chain().await?;
            let result = audit::verify(self.keyring(), &chain, &records, cp.as_ref());
            out.push(ChainReport { chain, result });
        }
        Ok(out)
    }
}
