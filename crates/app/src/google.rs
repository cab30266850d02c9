//! The adapter of core's `GoogleApi` port (C-3P-1): Google's OAuth 2.0 token, refresh and
//! revoke endpoints and Drive v3 `files/{id}` (metadata and `alt=media`), over reqwest (rustls
//! on ring) with a timeout on every call. The endpoints come from the configuration
//! (`integrations.google.*`), so tests and self-hosters point it elsewhere; the client id and
//! secret are the operator's own.
//!
//! Tokens, file names and contents are never logged, and errors carry our words only (a
//! provider's error text can echo what it was sent).

use std::time::Duration;

use async_trait::async_trait;
use clearboard_core::platform::ports::{DriveFile, GoogleApi, OAuthTokens, ProviderError};
use serde::{Deserialize, Serialize};

/// `integrations.google` in the configuration.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleConfig {
    /// The operator's OAuth client (unset: the integration says it is not configured).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub auth_url: String,
    pub token_url: String,
    pub revoke_url: String,
    /// Drive v3's base (`…/drive/v3`).
    pub api_url: String,
    /// The longest one call may take (connecting, sending, the whole answer).
    pub timeout_seconds: u32,
    /// The Picker's API key (browser key of the operator's Google project), if the connect
    /// screen offers the Picker.
    pub picker_api_key: Option<String>,
}

impl Default for GoogleConfig {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            auth_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token_url: "https://oauth2.googleapis.com/token".into(),
            revoke_url: "https://oauth2.googleapis.com/revoke".into(),
            api_url: "https://www.googleapis.com/drive/v3".into(),
            timeout_seconds: 20,
            picker_api_key: None,
        }
    }
}

impl std::fmt::Debug for GoogleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<set>"))
            .field("auth_url", &self.auth_url)
            .field("token_url", &self.token_url)
            .field("revoke_url", &self.revoke_url)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// Google's endpoints, called with the operator's client.
pub struct Google {
    http: reqwest::Client,
    config: GoogleConfig,
}

impl std::fmt::Debug for Google {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Google").field("config", &self.config).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: i64,
    #[serde(default)]
    scope: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileAnswer {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    mime_type: String,
    /// Drive sends sizes as decimal strings (int64 in JSON).
    #[serde(default)]
    size: Option<String>,
    #[serde(default)]
    web_view_link: Option<String>,
}

/// What a status means for us (Google's documented error statuses).
fn status_error(status: u16) -> ProviderError {
    match status {
        401 => ProviderError::Unauthorized,
        403 | 429 => ProviderError::RateLimited,
        404 => ProviderError::NotFound,
        s if s >= 500 => ProviderError::Unavailable,
        _ => ProviderError::Refused,
    }
}

fn send_error(e: &reqwest::Error) -> ProviderError {
    if e.is_timeout() { ProviderError::Timeout } else { ProviderError::Unavailable }
}

impl Google {
    pub fn new(config: GoogleConfig) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(u64::from(config.timeout_seconds.max(1)));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(Self { http, config })
    }

    fn secret(&self) -> Result<(&str, &str), ProviderError> {
        match (&self.config.client_id, &self.config.client_secret) {
            (Some(id), Some(secret)) if !id.is_empty() => Ok((id, secret)),
            _ => Err(ProviderError::NotConfigured),
        }
    }

    async fn token(&self, form: &[(&str, &str)]) -> Result<OAuthTokens, ProviderError> {
        let res = self.http.post(&self.config.token_url).form(form).send().await.map_err(|e| send_error(&e))?;
        let status = res.status().as_u16();
        if status != 200 {
            // `invalid_grant` (400) means the code or refresh token no longer works: as a 401.
            return Err(if status == 400 { ProviderError::Unauthorized } else { status_error(status) });
        }
        let t: TokenAnswer = res.json().await.map_err(|e| if e.is_timeout() { ProviderError::Timeout } else { ProviderError::Refused })?;
        Ok(OAuthTokens { access_token: t.access_token, refresh_token: t.refresh_token, expires_in: t.expires_in, scope: t.scope })
    }

    fn file_url(&self, id: &str) -> String {
        // The id was checked by core (letters, digits, `-`, `_`): nothing to escape.
        format!("{}/files/{id}", self.config.api_url.trim_end_matches('/'))
    }
}

#[async_trait]
impl GoogleApi for Google {
    fn client(&self) -> Option<(String, String)> {
        self.secret().ok().map(|(id, _)| (id.to_string(), self.config.auth_url.clone()))
    }

    async fn exchange_code(&self, code: &str, verifier: &str, redirect_uri: &str) -> Result<OAuthTokens, ProviderError> {
        let (id, secret) = self.secret()?;
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect_uri),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .await
    }

    async fn refresh(&self, refresh_token: &str) -> Result<OAuthTokens, ProviderError> {
        let (id, secret) = self.secret()?;
        self.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", id), ("client_secret", secret)]).await
    }

    async fn revoke(&self, token: &str) -> Result<(), ProviderError> {
        let res = self.http.post(&self.config.revoke_url).form(&[("token", token)]).send().await.map_err(|e| send_error(&e))?;
        match res.status().as_u16() {
            200 => Ok(()),
            // `invalid_token`: already revoked or expired; nothing is left to revoke.
            400 => Ok(()),
            s => Err(status_error(s)),
        }
    }

    async fn file(&self, access_token: &str, file_id: &str) -> Result<DriveFile, ProviderError> {
        let res = self
            .http
            .get(format!("{}?fields=id%2Cname%2CmimeType%2Csize%2CwebViewLink&supportsAllDrives=true", self.file_url(file_id)))
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| send_error(&e))?;
        let status = res.status().as_u16();
        if status != 200 {
            return Err(status_error(status));
        }
        let f: FileAnswer = res.json().await.map_err(|e| if e.is_timeout() { ProviderError::Timeout } else { ProviderError::Refused })?;
        Ok(DriveFile {
            id: f.id,
            name: f.name,
            mime_type: f.mime_type,
            size: f.size.and_then(|s| s.parse().ok()),
            web_view_link: f.web_view_link,
        })
    }

    async fn content(&self, access_token: &str, file_id: &str, max_bytes: usize) -> Result<Vec<u8>, ProviderError> {
        let mut res = self
            .http
            .get(format!("{}?alt=media&supportsAllDrives=true", self.file_url(file_id)))
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| send_error(&e))?;
        let status = res.status().as_u16();
        if status != 200 {
            return Err(status_error(status));
        }
        if res.content_length().is_some_and(|n| n > max_bytes as u64) {
            return Err(ProviderError::TooLarge);
        }
        let mut out = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| send_error(&e))? {
            if out.len() + chunk.len() > max_bytes {
                return Err(ProviderError::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}
