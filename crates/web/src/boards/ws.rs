//! The board WebSocket: a snapshot (or a replay from the last sequence the client saw), then
//! every change in sequence order, rendered for this viewer, and presence (pseudonyms only).
//! GET requests pass the CSRF layer, so the `Origin` of the upgrade is checked here against
//! our own origin (cross-site WebSocket hijacking).
//!
//! Bounded (security review finding 10): one identity (an account or a participant) holds at
//! most `per_identity` sockets at once, beyond which the upgrade is refused with 429; each
//! socket may send at most `burst` messages at once, refilled at `per_second`, beyond which it
//! is closed with code 1008 (policy violation) and the reason `rate_limited`.

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use clearboard_core::boards::realtime::{Message, Viewer};
use clearboard_core::identity::principal::Principal;
use clearboard_core::platform::error_codes::ErrorCode;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::boards::paths::board_id;
use crate::boards::sockets::{MessageBudget, WsLimits};
use crate::platform::error::AppError;
use crate::platform::extract::Auth;
use crate::platform::state::AppState;

#[derive(Deserialize)]
pub struct WsQuery {
    #[serde(default)]
    since: Option<i64>,
}

/// Whether an `Origin` is ours: the configured public origin, or the origin of the `Host`
/// the request came to.
fn origin_ok(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Not a browser (browsers always send Origin on WebSocket requests).
        return true;
    };
    if origin == public_url.trim_end_matches('/') {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
}

/// The close code for a socket that broke a limit (RFC 6455 §7.4.1: policy violation).
pub const CLOSE_POLICY: u16 = 1008;

pub async fn upgrade(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    if !origin_ok(&headers, &st.config.public_url) {
        return Err(AppError::new(ErrorCode::CrossSiteRequestRefused).detail("this WebSocket request came from another site"));
    }
    let board = board_id(&id)?;
    // Authorise before upgrading, so refusals are ordinary HTTP errors.
    st.cb.boards().access(&auth.principal, &board).await?;
    let ws = ws.map_err(|r| AppError::for_status(r.status()).detail("this address is a WebSocket: connect with a WebSocket upgrade"))?;
    let limits = st.config.ws;
    let Some(slot) = st.sockets.take(auth.principal.subject.as_str(), limits.per_identity) else {
        metrics::counter!("clearboard_ws_refused_total", "reason" => "per_identity").increment(1);
        return Err(AppError::new(ErrorCode::TooManySockets)
            .detail(format!("at most {} open connections per person; close a tab or a device", limits.per_identity)));
    };
    let principal = auth.principal;
    // Small buffers: messages are small, and thousands of people may watch one board.
    Ok(ws.read_buffer_size(2 * 1024).write_buffer_size(0).max_message_size(64 * 1024).on_upgrade(move |socket| async move {
        let _slot = slot;
        if let Err(e) = run(st, principal, board, q.since, socket, limits).await {
            tracing::debug!(error = %e, "board socket ended");
        }
    }))
}

async fn send(socket: &mut WebSocket, text: String) -> Result<(), axum::Error> {
    socket.send(WsMessage::Text(Utf8Bytes::from(text))).await
}

async fn send_bytes(socket: &mut WebSocket, b: bytes::Bytes) -> Result<(), axum::Error> {
    match Utf8Bytes::try_from(b) {
        Ok(t) => socket.send(WsMessage::Text(t)).await,
        Err(_) => Ok(()),
    }
}

/// A change sent over the socket itself (cheaper than a request per move or keystroke):
/// `{"type":"patch","req":1,"card":"<id>","patch":{"x":10}}`, answered by `ack` or `error`
/// with the same `req`.
#[derive(Deserialize)]
struct Incoming {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    req: Option<u64>,
    #[serde(default)]
    card: Option<String>,
    #[serde(default)]
    patch: Option<clearboard_core::boards::CardPatch>,
}

async fn handle_incoming(st: &AppState, access: &clearboard_core::boards::Access, text: &str) -> Option<String> {
    let msg: Incoming = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(_) => return Some(json!({ "type": "error", "error": { "code": "invalid_body", "message": "messages are JSON: ping, or patch with req, card and patch" } }).to_string()),
    };
    match msg.kind.as_str() {
        "ping" => Some(r#"{"type":"pong"}"#.into()),
        "patch" => {
            let req = msg.req.unwrap_or(0);
            let card = msg.card.as_deref().and_then(clearboard_core::platform::ids::CardId::parse);
            let (Some(card), Some(patch)) = (card, msg.patch) else {
                return Some(json!({ "type": "error", "req": req, "error": { "code": "invalid_body", "message": "a patch names a card and the fields to change" } }).to_string());
            };
            match st.cb.boards().update_card_as(access, &card, patch).await {
                Ok(c) => Some(json!({ "type": "ack", "req": req, "version": c.version }).to_string()),
                Err(e) => {
                    let e = AppError::from(e);
                    Some(json!({ "type": "error", "req": req, "error": e.body("en", None)["error"] }).to_string())
                }
            }
        }
        _ => Some(json!({ "type": "error", "error": { "code": "invalid_body", "message": "unknown message type" } }).to_string()),
    }
}

async fn run(
    st: AppState,
    who: Principal,
    board: clearboard_core::platform::ids::BoardId,
    since: Option<i64>,
    mut socket: WebSocket,
    limits: WsLimits,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut budget = MessageBudget::new(limits);
    let (mut access, room, name) = st.cb.boards().room(&who, &board).await?;
    let mut viewer = Viewer { subject: who.subject.clone(), facilitator: access.facilitator() };
    let mut rx = room.subscribe();
    let presence = room.join(name);
    metrics::gauge!("clearboard_ws_connections").increment(1.0);
    let _gauge = GaugeGuard;

    let mut last = match since.and_then(|s| room.replay(s).map(|evs| (s, evs))) {
        Some((s, events)) => {
            send(&mut socket, json!({ "type": "resume", "from": s, "present": presence.list() }).to_string()).await?;
            let mut last = s;
            for e in events {
                if let Some(m) = e.render(&viewer) {
                    send_bytes(&mut socket, m).await?;
                }
                last = e.seq;
            }
            last
        }
        None => {
            let (b, cards) = st.cb.boards().open(&who, &board).await?;
            let seq = b.seq;
            send(&mut socket, json!({ "type": "hello", "seq": seq, "board": b, "cards": cards, "present": presence.list() }).to_string())
                .await?;
            seq
        }
    };

    let mut recheck = tokio::time::interval(std::time::Duration::from_secs(30));
    recheck.tick().await;
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(WsMessage::Text(t))) => {
                    if !budget.spend() {
                        metrics::counter!("clearboard_ws_refused_total", "reason" => "rate").increment(1);
                        let frame = axum::extract::ws::CloseFrame { code: CLOSE_POLICY, reason: Utf8Bytes::from_static("rate_limited") };
                        let _ = socket.send(WsMessage::Close(Some(frame))).await;
                        // The closing handshake: read (and drop) what the client still sends
                        // until it answers the close, so it receives our frame rather than a
                        // reset connection.
                        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
                            while let Some(Ok(m)) = socket.recv().await {
                                if matches!(m, WsMessage::Close(_)) {
                                    break;
                                }
                            }
                        })
                        .await;
                        break;
                    }
                    if let Some(reply) = handle_incoming(&st, &access, t.as_str()).await {
                        send(&mut socket, reply).await?;
                    }
                }
                Some(Ok(_)) => {}
            },
            msg = rx.recv() => match msg {
                Ok(Message::Event(e)) => {
                    if e.seq <= last && e.seq != i64::MAX {
                        continue;
                    }
                    if let Some(m) = e.render(&viewer) {
                        send_bytes(&mut socket, m).await?;
                    }
                    if e.seq == i64::MAX {
                        break;
                    }
                    last = e.seq;
                    if matches!(e.change, clearboard_core::boards::realtime::Change::Board { .. }) {
                        // Lock, controlled or anonymous mode changed: act on the new settings.
                        if let Ok(a) = st.cb.boards().access(&who, &board).await {
                            viewer.facilitator = a.facilitator();
                            access = a;
                        }
                    }
                }
                Ok(Message::Presence(list)) => send(&mut socket, json!({ "type": "presence", "present": *list }).to_string()).await?,
                Err(RecvError::Lagged(_)) => {
                    // Too slow to keep up: start again from a snapshot.
                    send(&mut socket, json!({ "type": "resync", "seq": last }).to_string()).await?;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            _ = recheck.tick() => {
                // Signed out, expired or removed from the board meanwhile: close.
                let valid = st.cb.sessions().still_valid(&who).await.unwrap_or(false);
                match st.cb.boards().access(&who, &board).await {
                    Ok(a) if valid => {
                        viewer.facilitator = a.facilitator();
                        access = a;
                    }
                    _ => {
                        let _ = socket.send(WsMessage::Close(None)).await;
                        break;
                    }
                }
            }
        }
    }
    drop(presence);
    Ok(())
}

struct GaugeGuard;

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        metrics::gauge!("clearboard_ws_connections").decrement(1.0);
    }
}
