//! Shared state of the web layer.

use std::net::IpAddr;
use std::sync::Arc;

use clearboard_core::Clearboard;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::platform::ratelimit::{Limits, RateLimiter};

/// Web settings (from the configuration).
#[derive(Clone)]
pub struct WebConfig {
    /// The origin users reach, e.g. `https://board.example.org` (CSRF, cookie security).
    pub public_url: String,
    /// Proxies whose `X-Forwarded-For` is believed (exact addresses or CIDR blocks).
    pub trusted_proxies: Vec<(IpAddr, u8)>,
    pub limits: Limits,
    /// When set, `/metrics` is also served on the public listener to requests that carry
    /// `Authorization: Bearer <token>`; otherwise only on the metrics listener.
    pub metrics_token: Option<String>,
    /// Board socket limits.
    pub ws: crate::boards::sockets::WsLimits,
    /// The Google Picker's API key (`integrations.google.picker_api_key`): with it, the Drive
    /// import screen loads Google's Picker (and only that screen's CSP allows Google's
    /// scripts); without it, people paste file ids.
    pub picker_api_key: Option<String>,
    /// The card payment provider's own fields (`payment.stripe.js_url`, `publishable_key`):
    /// with them the owner's billing page offers "Pay by card".
    pub card_fields: Option<CardFields>,
}

/// The payment provider's script that mounts its card fields, its origin (the only one the
/// billing page's CSP adds, for scripts and frames) and the publishable key it is given.
#[derive(Clone, Debug)]
pub struct CardFields {
    pub js_url: String,
    pub origin: String,
    pub publishable_key: String,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("limits", &self.limits)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "<set>"))
            .field("ws", &self.ws)
            .field("picker_api_key", &self.picker_api_key.as_ref().map(|_| "<set>"))
            .field("card_fields", &self.card_fields)
            .finish()
    }
}

impl WebConfig {
    /// Cookies get `Secure` and the `__Host-` prefix when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies() { "__Host-cb_session" } else { "cb_session" }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub cb: Clearboard,
    pub config: Arc<WebConfig>,
    pub limiter: Arc<RateLimiter>,
    pub metrics: Option<PrometheusHandle>,
    /// Open board sockets per identity.
    pub sockets: Arc<crate::boards::sockets::SocketCounts>,
    /// Deletion receipts waiting for the page the deletion form redirects to (issue 14).
    pub receipts: Arc<crate::identity::receipts_shown::ReceiptsShown>,
}

impl AppState {
    pub fn new(cb: Clearboard, config: WebConfig, metrics: Option<PrometheusHandle>) -> Self {
        let limiter = Arc::new(RateLimiter::new(config.limits.clone()));
        Self { cb, config: Arc::new(config), limiter, metrics, sockets: Arc::default(), receipts: Arc::default() }
    }
}
