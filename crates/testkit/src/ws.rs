//! A WebSocket client for tests and benchmarks: connects to a board with a token, reads JSON
//! messages, and keeps a board state by applying them in order.
//!
//! Every frame it receives, and every frame a test sends through it, is checked against the
//! protocol's JSON Schema (`docs/protocol.schema.json`, draft 2020-12): a frame outside the
//! protocol fails the test that saw it, so every board test proves the protocol (issue 12,
//! acceptance 4). Frames outside the protocol are sent only by [`WsClient::send_invalid`],
//! which asserts that they are.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Stream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The protocol's schema, as published.
pub const SCHEMA: &str = include_str!("../../../docs/protocol.schema.json");

/// The validator of one direction: `server_message` or `client_message` (a `$defs` list).
pub fn validator(direction: &str) -> jsonschema::Validator {
    let mut schema: Value = serde_json::from_str(SCHEMA).expect("docs/protocol.schema.json is JSON");
    schema["oneOf"] = serde_json::json!([{ "$ref": format!("#/$defs/{direction}") }]);
    jsonschema::draft202012::options().should_validate_formats(true).build(&schema).expect("docs/protocol.schema.json is a valid schema")
}

static SERVER: LazyLock<jsonschema::Validator> = LazyLock::new(|| validator("server_message"));
static CLIENT: LazyLock<jsonschema::Validator> = LazyLock::new(|| validator("client_message"));

/// What is wrong with a frame against one direction's schema (empty: it is valid).
pub fn violations(v: &Value, server: bool) -> Vec<String> {
    let validator = if server { &*SERVER } else { &*CLIENT };
    validator.iter_errors(v).map(|e| format!("{e} (at {})", e.instance_path)).collect()
}

/// Panics (fails the test) unless `v` is a frame of the protocol in that direction.
#[track_caller]
pub fn assert_frame(v: &Value, server: bool) {
    let errors = violations(v, server);
    let who = if server { "the server sent" } else { "the test sent" };
    assert!(errors.is_empty(), "{who} a frame outside the protocol (docs/protocol.schema.json): {errors:?}\n{v}");
}

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
    /// The node that took the socket, when a proxy says so (HAProxy's `X-Served-By`).
    pub served_by: Option<String>,
    /// The connection is over (closed, cut or broken), not merely quiet.
    pub ended: bool,
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
    let (stream, res) = tokio_tungstenite::connect_async(req).await.map_err(|e| e.to_string())?;
    let served_by = res.headers().get("x-served-by").and_then(|v| v.to_str().ok()).map(str::to_string);
    Ok(WsClient { stream, log: Vec::new(), cards: BTreeMap::new(), seq: 0, close_code: None, close_reason: None, served_by, ended: false })
}

impl WsClient {
    /// The next JSON message, or `None` after `wait` without one.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let m = match tokio::time::timeout(wait, self.stream.next()).await.ok()? {
                Some(Ok(m)) => m,
                Some(Err(_)) | None => {
                    self.ended = true;
                    return None;
                }
            };
            match m {
                Message::Text(t) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap_or_else(|e| panic!("a text frame that is not JSON ({e}): {t}"));
                    assert_frame(&v, true);
                    self.apply(&v);
                    self.log.push(v.clone());
                    return Some(v);
                }
                Message::Close(f) => {
                    self.ended = true;
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
                // Fields a change did not touch are left out of its event: keep what we have.
                let id = v["card"]["id"].as_str().unwrap_or_default().to_string();
                let newer = self.cards.get(&id).is_none_or(|old| old["version"].as_i64() <= v["card"]["version"].as_i64());
                if newer {
                    let card = self.cards.entry(id).or_insert_with(|| Value::Object(Default::default()));
                    if let (Some(to), Some(from)) = (card.as_object_mut(), v["card"].as_object()) {
                        to.extend(from.iter().map(|(k, x)| (k.clone(), x.clone())));
                    }
                }
            }
            Some("card_deleted") => {
                self.cards.remove(v["id"].as_str().unwrap_or_default());
            }
            _ => {}
        }
    }

    /// Sends a frame of the protocol (checked against the schema first).
    #[track_caller]
    pub fn send_text(&mut self, s: &str) -> impl std::future::Future<Output = ()> + '_ {
        let v: Value = serde_json::from_str(s).unwrap_or_else(|e| panic!("the test sends a frame that is not JSON ({e}): {s}"));
        assert_frame(&v, false);
        let m = Message::Text(s.into());
        async move {
            let _ = self.stream.send(m).await;
        }
    }

    /// Sends a frame that is NOT of the protocol, to test the server's answer to one; fails
    /// the test if the frame is in fact valid.
    #[track_caller]
    pub fn send_invalid(&mut self, s: &str) -> impl std::future::Future<Output = ()> + '_ {
        let valid = serde_json::from_str::<Value>(s).is_ok_and(|v| violations(&v, false).is_empty());
        assert!(!valid, "send_invalid was given a frame of the protocol: {s}");
        let m = Message::Text(s.into());
        async move {
            let _ = self.stream.send(m).await;
        }
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
