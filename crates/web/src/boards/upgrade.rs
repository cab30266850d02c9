//! The board socket's own WebSocket upgrade (RFC 6455 §4.2) and transport (issue 21: memory
//! per socket).
//!
//! The socket writes each frame into a buffer that keeps the capacity of the largest frame it
//! ever wrote, for as long as the connection lives: a board's snapshot (`hello`) sent as one
//! frame left every socket on a board of 2,000 cards holding ~0.9 MB (measured: RSS grew by
//! 947 kB per socket, the snapshot 865 kB). So a message longer than [`FRAGMENT`] goes out as
//! a fragmented message (§5.4: a text frame without FIN, continuation frames, the last with
//! FIN), which every WebSocket client puts back together into one message: the protocol's
//! messages are unchanged (`docs/protocol.md`), and a socket keeps at most one fragment's
//! capacity. axum's WebSocket has no way to send fragments, hence this upgrade of our own,
//! with the same checks and the same refusals as axum's (but `Connection` must hold the token
//! `upgrade`, where axum accepted any value containing those letters).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::SinkExt;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, Utf8Bytes};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message};

/// An upgraded board socket.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// The longest frame a socket writes: longer messages are sent in fragments of this size.
pub const FRAGMENT: usize = 8 * 1024;

/// A request to upgrade to a WebSocket, checked (HTTP/1.1 only: the server speaks nothing else).
pub struct Upgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

/// Why a request is not a WebSocket upgrade: the same status as axum's refusals (405 for
/// another method, 426 for a connection that cannot be upgraded, 400 for the rest).
#[derive(Debug)]
pub struct NotAnUpgrade(pub StatusCode);

impl IntoResponse for NotAnUpgrade {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

fn header_is(headers: &HeaderMap, name: HeaderName, value: &str) -> bool {
    headers.get(name).is_some_and(|h| h.as_bytes().eq_ignore_ascii_case(value.as_bytes()))
}

/// Whether a comma-separated header holds `token` (`Connection: keep-alive, Upgrade`).
fn header_has(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|h| h.as_bytes().split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes())))
}

impl Upgrade {
    /// Checks a request's head (§4.2.1); takes its connection's upgrade.
    pub fn of(parts: &mut Parts) -> Result<Self, NotAnUpgrade> {
        let bad = NotAnUpgrade(StatusCode::BAD_REQUEST);
        if parts.version > Version::HTTP_11 {
            return Err(bad);
        }
        if parts.method != Method::GET {
            return Err(NotAnUpgrade(StatusCode::METHOD_NOT_ALLOWED));
        }
        if !header_has(&parts.headers, header::CONNECTION, "upgrade")
            || !header_is(&parts.headers, header::UPGRADE, "websocket")
            || !header_is(&parts.headers, header::SEC_WEBSOCKET_VERSION, "13")
        {
            return Err(bad);
        }
        let key = parts.headers.get(header::SEC_WEBSOCKET_KEY).ok_or(bad)?.clone();
        let on_upgrade = parts.extensions.remove::<OnUpgrade>().ok_or(NotAnUpgrade(StatusCode::UPGRADE_REQUIRED))?;
        Ok(Self { key, on_upgrade })
    }

    /// The `101 Switching Protocols` answer, and the connection to await for the socket (its
    /// caller spawns the task that does, so that the task is its own future and no wrapper's).
    pub fn accept(self) -> (Response, Upgrading) {
        let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(self.key.as_bytes());
        let mut r = StatusCode::SWITCHING_PROTOCOLS.into_response();
        let h = r.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(v) = HeaderValue::from_str(&accept) {
            h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
        }
        (r, Upgrading { on_upgrade: self.on_upgrade })
    }
}

/// A connection being upgraded.
pub struct Upgrading {
    on_upgrade: OnUpgrade,
}

impl Upgrading {
    /// The socket once the client has the `101`; `None` if the connection went before. The
    /// settings are given here rather than kept from [`Upgrade::accept`]: what waits for the
    /// upgrade is part of the socket's task for as long as it lives.
    pub async fn socket(self, config: WebSocketConfig) -> Option<Socket> {
        let io = self.on_upgrade.await.ok()?;
        Some(WebSocketStream::from_raw_socket(TokioIo::new(io), Role::Server, Some(config)).await)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = NotAnUpgrade;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Self::of(parts)
    }
}

/// Sends one text message: in one frame up to [`FRAGMENT`] bytes, in fragments beyond.
/// A frame that is not UTF-8 (never made by `protocol`) is not sent.
pub async fn send_text(socket: &mut Socket, frame: Bytes) -> Result<(), Error> {
    if frame.len() <= FRAGMENT {
        return match Utf8Bytes::try_from(frame) {
            Ok(t) => socket.send(Message::Text(t)).await,
            Err(_) => Ok(()),
        };
    }
    // Boxed: the loop's state would otherwise weigh on every socket's task, where this
    // function's future is held (issue 21).
    Box::pin(send_fragments(socket, frame)).await
}

async fn send_fragments(socket: &mut Socket, frame: Bytes) -> Result<(), Error> {
    if std::str::from_utf8(&frame).is_err() {
        return Ok(());
    }
    for (i, part) in fragments(frame).enumerate() {
        socket.send(Message::Frame(part.with_opcode(i))).await?;
    }
    Ok(())
}

/// One fragment of a message: its bytes and whether it is the last.
struct Part {
    bytes: Bytes,
    last: bool,
}

impl Part {
    /// The frame: the first is a text frame, the others continue it (§5.4).
    fn with_opcode(self, i: usize) -> Frame {
        let op = if i == 0 { OpCode::Data(Data::Text) } else { OpCode::Data(Data::Continue) };
        Frame::message(self.bytes, op, self.last)
    }
}

/// A message cut into [`FRAGMENT`]-sized parts (shared bytes, no copy).
fn fragments(mut rest: Bytes) -> impl Iterator<Item = Part> {
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let bytes = rest.split_to(FRAGMENT.min(rest.len()));
        Some(Part { bytes, last: rest.is_empty() })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)], method: Method) -> Parts {
        let mut b = axum::http::Request::builder().method(method).uri("/api/v1/boards/x/ws");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    const GOOD: [(&str, &str); 4] = [
        ("connection", "keep-alive, Upgrade"),
        ("upgrade", "WebSocket"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];

    /// The checks of §4.2.1, with axum's statuses; a request that passes them all but came on
    /// a connection that cannot be upgraded gets 426.
    #[test]
    fn checks_the_head_of_an_upgrade() {
        let status = |p: &mut Parts| Upgrade::of(p).err().map(|e| e.0);
        assert_eq!(status(&mut parts(&GOOD, Method::POST)), Some(StatusCode::METHOD_NOT_ALLOWED));
        for (drop, (name, _)) in GOOD.iter().enumerate() {
            let some: Vec<_> = GOOD.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, h)| *h).collect();
            assert_eq!(status(&mut parts(&some, Method::GET)), Some(StatusCode::BAD_REQUEST), "without {name}");
        }
        let mut wrong_version = GOOD;
        wrong_version[2].1 = "8";
        assert_eq!(status(&mut parts(&wrong_version, Method::GET)), Some(StatusCode::BAD_REQUEST));
        // "upgrade" inside another token is not the token.
        let mut not_a_token = GOOD;
        not_a_token[0].1 = "keep-alive, no-upgrade";
        assert_eq!(status(&mut parts(&not_a_token, Method::GET)), Some(StatusCode::BAD_REQUEST));
        assert_eq!(status(&mut parts(&GOOD, Method::GET)), Some(StatusCode::UPGRADE_REQUIRED));
    }

    /// A message is cut into parts of at most `FRAGMENT` bytes that put back together give it
    /// whole; only the last says so; the first frame is text, the others continue it.
    #[test]
    fn fragments_put_back_together_give_the_message() {
        for len in [FRAGMENT + 1, 2 * FRAGMENT, 2 * FRAGMENT + 7, 5 * FRAGMENT - 1] {
            let msg: Bytes = (0..len).map(|i| b'a' + (i % 26) as u8).collect::<Vec<u8>>().into();
            let parts: Vec<Part> = fragments(msg.clone()).collect();
            assert_eq!(parts.len(), len.div_ceil(FRAGMENT));
            assert!(parts.iter().all(|p| p.bytes.len() <= FRAGMENT && !p.bytes.is_empty()));
            assert_eq!(parts.iter().filter(|p| p.last).count(), 1);
            assert!(parts.last().is_some_and(|p| p.last));
            let whole: Vec<u8> = parts.iter().flat_map(|p| p.bytes.iter().copied()).collect();
            assert_eq!(whole, msg);
            let frames: Vec<Frame> = parts.into_iter().enumerate().map(|(i, p)| p.with_opcode(i)).collect();
            assert_eq!(frames[0].header().opcode, OpCode::Data(Data::Text));
            assert!(frames[1..].iter().all(|f| f.header().opcode == OpCode::Data(Data::Continue)));
            assert!(frames.last().is_some_and(|f| f.header().is_final) && frames[..frames.len() - 1].iter().all(|f| !f.header().is_final));
        }
    }
}
