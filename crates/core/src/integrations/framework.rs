//! The integration framework: each integration declares in code what it asks of the provider
//! and why ([`Spec`]); the module registry hands these to the policy's agreement check, which
//! refuses a policy whose `[[integrations]]` entry says otherwise (other scopes, provider or
//! purpose), so the connect screen, rendered from the policy, shows what the code does
//! (C-SCOPE-2). The service `cb.integrations()`: what a person has connected, disconnecting,
//! and the category's export and erasure.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::identity::principal::Principal;
use crate::integrations::spec::{CATEGORY, PURPOSE, Spec};
use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::ConnectionRow;

/// Every integration of this version of clearboard.
pub static SPECS: &[&Spec] = &[&crate::integrations::google_drive::SPEC];

pub fn spec(id: &str) -> Option<&'static Spec> {
    SPECS.iter().copied().find(|s| s.id == id)
}

/// The tokens of a connection, sealed with the person's key.
#[derive(Serialize, Deserialize)]
pub(crate) struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub access_expires_at: i64,
}

pub(crate) fn tokens_aad<'a>(row: &'a str) -> clearboard_vault::Aad<'a> {
    clearboard_vault::Aad { table: "integration_connections", column: "tokens", row }
}

pub(crate) fn connection_row_id(subject: &SubjectId, provider: &str) -> String {
    format!("{subject}:{provider}")
}

/// An integration as a person sees it in the privacy centre.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationView {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub connected: bool,
    pub scopes: Vec<String>,
    pub connected_at: Option<String>,
    pub last_used_at: Option<String>,
    /// The screen shown before connecting.
    pub connect_page: String,
}

pub struct Integrations<'a> {
    pub(crate) cb: &'a Clearboard,
}

impl Clearboard {
    pub fn integrations(&self) -> Integrations<'_> {
        Integrations { cb: self }
    }
}

impl Integrations<'_> {
    /// The purpose guard: the policy must allow `imports` on `integrations`.
    pub(crate) fn guard(&self) -> Result<(), CoreError> {
        Ok(self.cb.policy().check(PURPOSE, CATEGORY)?)
    }

    /// The policy's declaration of an integration this version implements.
    pub fn declared(&self, id: &str) -> Result<&clearboard_policy::model::Integration, CoreError> {
        spec(id).ok_or(CoreError::NotFound)?;
        self.cb.policy().doc().integrations.iter().find(|i| i.id == id).ok_or(CoreError::NotFound)
    }

    /// Every integration the policy declares, and the person's connection to each.
    pub async fn list(&self, who: &Principal) -> Result<Vec<IntegrationView>, CoreError> {
        self.guard()?;
        let region = self.cb.region(&who.region)?;
        let mine = region.integrations.connections_of(&who.subject).await?;
        Ok(self
            .cb
            .policy()
            .doc()
            .integrations
            .iter()
            .filter(|i| spec(&i.id).is_some())
            .map(|i| {
                let c = mine.iter().find(|c| c.provider == i.id);
                IntegrationView {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    provider: i.provider.clone(),
                    connected: c.is_some(),
                    scopes: c.map_or_else(|| i.scopes.clone(), |c| c.scopes.split_whitespace().map(str::to_string).collect()),
                    connected_at: c.map(|c| rfc3339(c.connected_at)),
                    last_used_at: c.and_then(|c| c.last_used_at).map(rfc3339),
                    connect_page: "/integrations/google/connect".into(),
                }
            })
            .collect())
    }

    /// Disconnects: revokes the grant at the provider, then deletes the tokens (audited).
    /// Returns whether there was a connection. A revocation the provider does not confirm
    /// still deletes the tokens here (they open nothing without our copy) and says so.
    pub async fn disconnect(&self, who: &Principal, provider: &str) -> Result<bool, CoreError> {
        self.guard()?;
        spec(provider).ok_or(CoreError::NotFound)?;
        let region = self.cb.region(&who.region)?.clone();
        self.disconnect_in(&region, &who.subject, provider, Actor::Subject(&who.subject)).await
    }

    pub(crate) async fn disconnect_in(
        &self,
        region: &RegionHandle,
        subject: &SubjectId,
        provider: &str,
        actor: Actor<'_>,
    ) -> Result<bool, CoreError> {
        let Some(c) = region.integrations.connection(subject, provider).await? else { return Ok(false) };
        let revoked = match self.open_tokens(region, &c).await {
            // Revoking the refresh token ends the whole grant (Google's revoke endpoint).
            Ok(t) => self.cb.google().revoke(t.refresh_token.as_deref().unwrap_or(&t.access_token)).await.is_ok(),
            Err(_) => false,
        };
        if !revoked {
            tracing::warn!(provider, "the provider did not confirm the revocation; the tokens are deleted here all the same");
        }
        let audit = self.cb.audit_draft(
            actor,
            "integration.disconnected",
            Some(subject),
            Some(PURPOSE),
            json!({ "provider": provider, "revoked": revoked }),
        );
        Ok(region.integrations.delete_connection(subject, provider, Some(audit)).await?)
    }

    pub(crate) async fn open_tokens(&self, region: &RegionHandle, c: &ConnectionRow) -> Result<Tokens, CoreError> {
        let key = self.cb.keys().current(region, &c.subject_id).await?;
        let plain = key.open(tokens_aad(&connection_row_id(&c.subject_id, &c.provider)), &c.tokens)?;
        serde_json::from_slice(&plain).map_err(|_| CoreError::Internal("integration tokens"))
    }
}
