//! The board WebSocket: a snapshot (or a replay from the last sequence the client saw), then
//! every change in sequence order, rendered for this viewer, and presence (pseudonyms only).
//! GET requests pass the CSRF layer, so the `Origin` of the upgrade is checked here against
//! our own origin (cross-site WebSocket hijacking).

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use clearboard_core::realtime::{Message, Viewer};
use clearboard_core::sessions::Principal;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::boards_api::board_id;
use crate::error::AppError;
use crate::extract::Auth;
use crate::state::AppState;

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

pub async fn upgrade(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    if !origin_ok(&headers, &st.config.public_url) {
        return Err(AppError::new(StatusCode::FORBIDDEN, "cross_site_request_refused", "this WebSocket request came from another site and was refused"));
    }
    let board = board_id(&id)?;
    // Authorise before upgrading, so refusals are ordinary HTTP errors.
    st.cb.boards().access(&auth.principal, &board).await?;
    let principal = auth.principal;
    // Small buffers: messages are small, and thousands of people may watch one board.
    Ok(ws.read_buffer_size(4 * 1024).write_buffer_size(4 * 1024).max_message_size(64 * 1024).on_upgrade(move |socket| async move {
        if let Err(e) = run(st, principal, board, q.since, socket).await {
            tracing::debug!(error = %e, "board socket ended");
        }
    }))
}

async fn send(socket: &mut WebSocket, text: String) -> Result<(), axum::Error> {
    socket.send(WsMessage::Text(Utf8Bytes::from(text))).await
}

async fn run(
    st: AppState,
    who: Principal,
    board: clearboard_core::ids::BoardId,
    since: Option<i64>,
    mut socket: WebSocket,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (access, room, name) = st.cb.boards().room(&who, &board).await?;
    let viewer = Viewer { subject: who.subject.clone(), facilitator: access.facilitator() };
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
                    send(&mut socket, m).await?;
                }
                last = e.seq;
            }
            last
        }
        None => {
            let (b, cards) = st.cb.boards().open(&who, &board).await?;
            let seq = b.seq;
            send(&mut socket, json!({ "type": "hello", "seq": seq, "board": b, "cards": cards, "present": presence.list() }).to_string()).await?;
            seq
        }
    };

    let mut recheck = tokio::time::interval(std::time::Duration::from_secs(30));
    recheck.tick().await;
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(WsMessage::Text(t))) if t.as_str().contains("\"ping\"") => send(&mut socket, r#"{"type":"pong"}"#.into()).await?,
                Some(Ok(_)) => {}
            },
            msg = rx.recv() => match msg {
                Ok(Message::Event(e)) => {
                    if e.seq <= last && e.seq != i64::MAX {
                        continue;
                    }
                    if let Some(m) = e.render(&viewer) {
                        send(&mut socket, m).await?;
                    }
                    if e.seq == i64::MAX {
                        break;
                    }
                    last = e.seq;
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
                let still = st.cb.sessions().still_valid(&who).await.unwrap_or(false)
                    && st.cb.boards().access(&who, &board).await.is_ok();
                if !still {
                    let _ = socket.send(WsMessage::Close(None)).await;
                    break;
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
