//! The records of the `integrations` category: export (C-DSR-3: connections without their
//! tokens, each import's outcome) and erasure (C-DSR-4, C-3P-1: every grant revoked at its
//! provider, tokens and import records deleted).

use serde_json::{Value, json};

use crate::integrations::framework::Integrations;
use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;

impl Integrations<'_> {
    /// Erasure (C-DSR-4, C-3P-1): every connection revoked at its provider and deleted, with
    /// the person's import records. Runs before the person's key is destroyed (the tokens are
    /// sealed with it). Returns how many records went.
    pub async fn erase_of(&self, region: &RegionHandle, subject: &SubjectId) -> Result<u64, CoreError> {
        let mut gone = 0;
        for c in region.integrations.connections_of(subject).await? {
            if self.disconnect_in(region, subject, &c.provider, Actor::System).await? {
                gone += 1;
            }
        }
        Ok(gone + region.integrations.delete_records_of(subject).await?)
    }

    /// Export (C-DSR-3): the connections (never the tokens themselves: they are the
    /// provider's keys to the person's files) and each import's outcome.
    pub async fn export_of(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
        let connections: Vec<Value> = region
            .integrations
            .connections_of(subject)
            .await?
            .iter()
            .map(|c| {
                json!({
                    "provider": c.provider,
                    "scopes": c.scopes.split_whitespace().collect::<Vec<_>>(),
                    "connected_at": rfc3339(c.connected_at),
                    "last_used_at": c.last_used_at.map(rfc3339),
                    "tokens": "held encrypted with your key; revoked and deleted when you disconnect",
                })
            })
            .collect();
        let mut imports = Vec::new();
        for i in region.integrations.imports_of(subject).await? {
            imports
                .push(serde_json::to_value(self.cb.drive_import().view_of(region, &i).await?).map_err(|_| CoreError::Internal("import"))?);
        }
        Ok(json!({ "connections": connections, "imports": imports }))
    }
}
