//! A WebSocket client for tests and benchmarks: connects to a board with a token, reads JSON
//! messages, and keeps a board state by applying them in order.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Stream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct WsClient {
    stream: Stream,
    /// Every message received, in order.
    pub log: Vec<Value>,
    /// Cards by id, as this client sees them.
    pub cards: BTreeMap<String, Value>,
    pub seq: i64,
    /// The close code the server sent, once it closed the socket.
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
}

/// Connects to a board's socket. `origin` sets the Origin header (browsers always send one).
pub async fn connect(base: &str, board: &str, token: &str, since: Option<i64>, origin: Option<&str>) -> Result<WsClient, String> {
    let url =
        format!("{}/api/v1/boards/{board}/ws{}", base.replacen("http", "ws", 1), since.map(|s| format!("?since={s}")).unwrap_or_default());
    let mut req = url.into_client_request().map_err(|e| e.to_string())?;
    req.headers_mut().insert("authorization", HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| e.to_string())?);
    if let Some(o) = origin {
        req.headers_mut().insert("origin", HeaderValue::from_str(o).map_err(|e| e.to_string())?);
    }
    let (stream, _) = tokio_tungstenite::connect_async(req).await.map_err(|e| e.to_string())?;
    Ok(WsClient { stream, log: Vec::new(), cards: BTreeMap::new(), seq: 0, close_code: None, close_reason: None })
}

impl WsClient {
    /// The next JSON message, or `None` after `wait` without one.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let m = tokio::time::timeout(wait, self.stream.next()).await.ok()??.ok()?;
            match m {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(t.as_str()).ok()?;
                    self.apply(&v);
                    self.log.push(v.clone());
                    return Some(v);
                }
                Message::Close(f) => {
                    self.close_code = Some(f.as_ref().map_or(1005, |f| u16::from(f.code)));
                    self.close_reason = f.map(|f| f.reason.to_string());
                    return None;
                }
                _ => {}
            }
        }
    }

    /// Reads until no message arrives for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> usize {
        let mut n = 0;
        while self.next(quiet).await.is_some() {
            n += 1;
        }
        n
    }

    /// Reads until a message satisfies `pred` (returning it), or `None` after `wait`.
    pub async fn until(&mut self, wait: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let v = self.next(left).await?;
            if pred(&v) {
                return Some(v);
            }
        }
    }

    fn apply(&mut self, v: &Value) {
        if let Some(s) = v["seq"].as_i64()
            && s > self.seq
        {
            self.seq = s;
        }
        match v["type"].as_str() {
            Some("hello") => {
                self.cards.clear();
                for c in v["cards"].as_array().into_iter().flatten() {
                    self.cards.insert(c["id"].as_str().unwrap_or_default().to_string(), c.clone());
                }
            }
            Some("card") => {
                let id = v["card"]["id"].as_str().unwrap_or_default().to_string();
                let newer = self.cards.get(&id).is_none_or(|old| old["version"].as_i64() <= v["card"]["version"].as_i64());
                if newer {
                    self.cards.insert(id, v["card"].clone());
                }
            }
            Some("card_deleted") => {
                self.cards.remove(v["id"].as_str().unwrap_or_default());
            }
            _ => {}
        }
    }

    pub async fn send_text(&mut self, s: &str) {
        let _ = self.stream.send(Message::Text(s.into())).await;
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// A board socket's upgrade as a plain HTTP request, with real upgrade headers (its refusals
/// are ordinary answers to look at).
pub fn upgrade_request(http: &reqwest::Client, base: &str, board: &str, token: Option<&str>) -> reqwest::RequestBuilder {
    let rb = http
        .get(format!("{base}/api/v1/boards/{board}/ws"))
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    match token {
        Some(t) => rb.bearer_auth(t),
        None => rb,
    }
}
