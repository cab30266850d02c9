//! OAuth 2.0 authorization code flow with PKCE (RFC 7636, S256) and a one-time state against
//! cross-site request forgery (RFC 6749 §10.12), for every integration.
//!
//! `begin`: a new state and verifier; the state's SHA-256 and the sealed verifier are kept ten
//! minutes; the person is sent to the provider with the challenge, the state and exactly the
//! integration's scopes. `complete`: the state must be one we issued, to this person, unused
//! and unexpired (anything else is refused, and the code is never exchanged); the code and the
//! verifier are exchanged for tokens, which are sealed with the person's key (C-3P-1).

use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::identity::principal::Principal;
use crate::integrations::framework::{Integrations, Tokens, connection_row_id, spec, tokens_aad};
use crate::integrations::spec::PURPOSE;
use crate::platform::audit::Actor;
use crate::platform::clock::{MINUTE, Millis};
use crate::platform::error::CoreError;
use crate::platform::ports::{ConnectionRow, GrantRow, OAuthTokens, ProviderError};
use crate::platform::tokens::{new_link_token, token_hash};

/// How long a person has to come back from the provider.
pub const GRANT_TTL: Millis = 10 * MINUTE;

/// The S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `application/x-www-form-urlencoded` percent-encoding of one value.
pub fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn verifier_aad(row: &str) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "integration_grants", column: "verifier", row }
}

/// A provider failure as the person is told of it at connection time.
pub(crate) fn provider_failed(e: ProviderError) -> CoreError {
    match e {
        ProviderError::NotConfigured => CoreError::Unavailable("this deployment has no Google client configured"),
        ProviderError::Timeout => CoreError::Unavailable("Google did not answer in time; try again in a moment"),
        ProviderError::RateLimited => CoreError::Unavailable("Google asks us to slow down; try again in a moment"),
        _ => CoreError::Unavailable("Google refused or failed the connection; try again"),
    }
}

impl Integrations<'_> {
    /// Starts connecting `provider`: the URL to send the person to.
    pub async fn begin(&self, who: &Principal, provider: &str, redirect_uri: &str) -> Result<String, CoreError> {
        self.guard()?;
        let spec = spec(provider).ok_or(CoreError::NotFound)?;
        let (client_id, auth_url) = self.cb.google().client().ok_or_else(|| provider_failed(ProviderError::NotConfigured))?;
        let region = self.cb.region(&who.region)?.clone();
        let (state, verifier) = (new_link_token()?, new_link_token()?);
        let hash = token_hash(&state);
        let key = self.cb.keys().current(&region, &who.subject).await?;
        let now = self.cb.now();
        let g = GrantRow {
            verifier: key.seal(verifier_aad(&hex::encode(&hash)), verifier.as_bytes())?,
            state_hash: hash,
            subject_id: who.subject.clone(),
            provider: spec.id.to_string(),
            created_at: now,
            expires_at: now + GRANT_TTL,
        };
        region.integrations.purge_grants(now).await?;
        region.integrations.put_grant(&g).await?;
        let sep = if auth_url.contains('?') { '&' } else { '?' };
        Ok(format!(
            "{auth_url}{sep}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&code_challenge={}&code_challenge_method=S256&access_type=offline&prompt=consent",
            encode(&client_id),
            encode(redirect_uri),
            encode(&spec.scopes.join(" ")),
            encode(&state),
            encode(&challenge(&verifier)),
        ))
    }

    /// Finishes connecting with what the provider sent back; refuses a state that is not one
    /// we gave this person (tampered, replayed, expired) before anything is exchanged.
    pub async fn complete(&self, who: &Principal, state: &str, code: &str, redirect_uri: &str) -> Result<String, CoreError> {
        self.guard()?;
        let region = self.cb.region(&who.region)?.clone();
        let hash = token_hash(state.trim());
        let g = region.integrations.take_grant(&hash).await?.ok_or(CoreError::OAuthStateInvalid)?;
        if g.subject_id != who.subject || g.expires_at < self.cb.now() {
            return Err(CoreError::OAuthStateInvalid);
        }
        let spec = spec(&g.provider).ok_or(CoreError::OAuthStateInvalid)?;
        if code.is_empty() || code.len() > 2048 {
            return Err(CoreError::validation("code", "the provider sent no authorization code"));
        }
        let key = self.cb.keys().current(&region, &who.subject).await?;
        let verifier = key.open(verifier_aad(&hex::encode(&g.state_hash)), &g.verifier)?;
        let verifier = std::str::from_utf8(&verifier).map_err(|_| CoreError::Internal("verifier"))?;
        let t = self.cb.google().exchange_code(code, verifier, redirect_uri).await.map_err(provider_failed)?;
        // C-3P-1: keep only what was asked; a grant wider than the integration's scopes is
        // refused (and revoked), so the connection never holds more than the policy says.
        let granted: Vec<&str> = t.scope.split_whitespace().collect();
        if granted.iter().any(|s| !spec.scopes.contains(s)) {
            let _ = self.cb.google().revoke(t.refresh_token.as_deref().unwrap_or(&t.access_token)).await;
            return Err(CoreError::Forbidden);
        }
        let now = self.cb.now();
        let row = ConnectionRow {
            subject_id: who.subject.clone(),
            provider: spec.id.to_string(),
            scopes: spec.scopes.join(" "),
            tokens: self.seal_tokens(&key, &who.subject, spec.id, &t, None)?,
            connected_at: now,
            last_used_at: None,
            updated_at: now,
        };
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "integration.connected",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "provider": spec.id, "scopes": spec.scopes }),
        );
        region.integrations.put_connection(&row, Some(audit)).await?;
        Ok(spec.id.to_string())
    }

    /// Seals new tokens; a refresh answer without a refresh token keeps the old one.
    pub(crate) fn seal_tokens(
        &self,
        key: &clearboard_vault::Dek,
        subject: &crate::platform::ids::SubjectId,
        provider: &str,
        t: &OAuthTokens,
        old_refresh: Option<String>,
    ) -> Result<Vec<u8>, CoreError> {
        let tokens = Tokens {
            access_token: t.access_token.clone(),
            refresh_token: t.refresh_token.clone().or(old_refresh),
            access_expires_at: self.cb.now() + t.expires_in.clamp(0, 86_400) * 1000,
        };
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(&tokens).map_err(|_| CoreError::Internal("tokens"))?);
        Ok(key.seal(tokens_aad(&connection_row_id(subject, provider)), &plain)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, appendix B.
    #[test]
    fn the_s256_challenge_is_rfc_7636s() {
        assert_eq!(challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(encode("https://a.b/c d"), "https%3A%2F%2Fa.b%2Fc%20d");
        assert_eq!(encode("A-z_0.~"), "A-z_0.~");
    }
}
