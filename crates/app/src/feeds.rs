//! The HTTPS adapter of the affiliate feed port (C-SHARE-2): one POST of the batch's JSON to
//! the affiliate's endpoint, with its bearer token and the batch id as `Idempotency-Key`, so a
//! retried batch is recognised. Nothing of the body or the token reaches logs or errors.

use std::time::Duration;

use async_trait::async_trait;
use clearboard_core::platform::ports::{Affiliate, AffiliateFeed};

#[derive(Debug, Clone)]
pub struct HttpFeed {
    client: reqwest::Client,
}

impl HttpFeed {
    pub fn new() -> anyhow::Result<Self> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Self { client })
    }
}

#[async_trait]
impl AffiliateFeed for HttpFeed {
    async fn deliver(&self, to: &Affiliate, key: &str, body: Vec<u8>) -> Result<(), String> {
        let mut req =
            self.client.post(&to.url).header(reqwest::header::CONTENT_TYPE, "application/json").header("Idempotency-Key", key).body(body);
        if let Some(t) = &to.token {
            req = req.bearer_auth(t);
        }
        // reqwest's errors may carry the URL; the affiliate's id is enough to find it.
        let res = req.send().await.map_err(|e| format!("the endpoint of `{}` does not answer ({})", to.id, kind(&e)))?;
        if res.status().is_success() { Ok(()) } else { Err(format!("the endpoint of `{}` answered {}", to.id, res.status().as_u16())) }
    }
}

fn kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection refused or unreachable"
    } else {
        "request failed"
    }
}
