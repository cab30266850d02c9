//! The board WebSocket: a snapshot (or a replay from the last sequence the client saw), then
//! every change in sequence order, framed for this viewer, and presence (pseudonyms only).
//! Every frame is one of core's `protocol` messages (`docs/protocol.md`); events come already
//! framed, shared by every socket that gets the same.
//! GET requests pass the CSRF layer, so the `Origin` of the upgrade is checked here against
//! our own origin (cross-site WebSocket hijacking).
//!
//! Bounded (security review finding 10): one identity (an account or a participant) holds at
//! most `per_identity` sockets at once, beyond which the upgrade is refused with 429; each
//! socket may send at most `burst` messages at once, refilled at `per_second`, beyond which it
//! is closed with code 1008 (policy violation) and the reason `rate_limited`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use clearboard_core::boards::Access;
use clearboard_core::boards::events::{Change, Event, Viewer};
use clearboard_core::boards::protocol::{ClientMessage, DragAt, ErrorBody, Frame, ServerMessage};
use clearboard_core::boards::realtime::{Message, Presence, Room};
use clearboard_core::identity::principal::Principal;
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::platform::ids::{BoardId, CardId};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Utf8Bytes};

use crate::boards::paths::board_id;
use crate::boards::sockets::{MessageBudget, SocketSlot, WsLimits};
use crate::boards::upgrade::{NotAnUpgrade, Socket, Upgrade, Upgrading, send_text};
use crate::platform::error::AppError;
use crate::platform::extract::Auth;
use crate::platform::i18n::{error_words, from_headers};
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

/// The close code for a socket that broke a limit or lost its access (RFC 6455 §7.4.1: policy
/// violation); the reason says which (`rate_limited`, `access_ended`).
pub const CLOSE_POLICY: u16 = 1008;
/// The close code after a `resync` (RFC 6455: normal closure); the reason is `resync`.
pub const CLOSE_NORMAL: u16 = 1000;
/// The close code of a node that is going away (drain on SIGTERM): reconnect at once (the
/// proxy sends you to another node) with `since` = the last sequence seen; the reason is
/// `reconnect` (`docs/protocol.md`).
pub const CLOSE_RECONNECT: u16 = 4001;

/// Closes with a code and reason (`docs/protocol.md`), then reads (and drops) what the client
/// still sends until it answers the close, at most two seconds, so it receives our frame
/// rather than a reset connection.
async fn close(socket: &mut Socket, code: u16, reason: &'static str) {
    let frame = CloseFrame { code: code.into(), reason: Utf8Bytes::from_static(reason) };
    if socket.send(WsMessage::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        while let Some(Ok(m)) = socket.next().await {
            if matches!(m, WsMessage::Close(_)) {
                break;
            }
        }
    })
    .await;
}

pub async fn upgrade(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    ws: Result<Upgrade, NotAnUpgrade>,
) -> Result<Response, AppError> {
    if !origin_ok(&headers, &st.config.public_url) {
        return Err(AppError::new(ErrorCode::CrossSiteRequestRefused).detail("this WebSocket request came from another site"));
    }
    let board = board_id(&id)?;
    // Authorise before upgrading, so refusals are ordinary HTTP errors.
    st.cb.boards().access(&auth.principal, &board).await?;
    let ws = ws.map_err(|r| AppError::for_status(r.0).detail("this address is a WebSocket: connect with a WebSocket upgrade"))?;
    let limits = st.config.ws;
    let Some(slot) = st.sockets.take(auth.principal.subject.as_str(), limits.per_identity) else {
        metrics::counter!("clearboard_ws_refused_total", "reason" => "per_identity").increment(1);
        return Err(AppError::new(ErrorCode::TooManySockets)
            .detail(format!("at most {} open connections per person; close a tab or a device", limits.per_identity)));
    };
    let lang = from_headers(&headers).lang;
    let (answer, upgrading) = ws.accept();
    let conn = Conn { st, who: auth.principal, board, since: q.since, limits, lang, _slot: slot };
    tokio::spawn(run(conn, upgrading));
    Ok(answer)
}

/// An `error` frame: the catalogue's code and its words in the socket's language, and what
/// exactly failed (never for server errors).
fn error_frame(req: Option<u64>, code: ErrorCode, detail: Option<&str>, lang: &str) -> Frame {
    let detail = detail.filter(|_| !code.is_server_error());
    ServerMessage::Error { req, error: ErrorBody { code, message: error_words(code, lang).message, detail } }.frame()
}

/// What a connection needs to pass its person's live pointer on (`pointer`).
struct Live {
    room: Arc<Room>,
    /// This connection's number in the room.
    me: u64,
    /// The name the board shows for this person (sent only when the board is not anonymous).
    name: String,
    /// Which cards this person may show others a drag of, asked once per card; forgotten when
    /// the board's settings or the person's access change.
    draggable: HashMap<CardId, bool>,
}

impl Live {
    /// Passes a pointer on to the others of the room: never stored, never answered; dropped
    /// beyond 20 a second per person, and the drag left out for a card this person may not move.
    async fn pointer(&mut self, st: &AppState, access: &Access, x: i64, y: i64, drag: Option<DragAt>) {
        if !self.room.live_allowed(&access.subject, tokio::time::Instant::now()) {
            metrics::counter!("clearboard_ws_live_dropped_total").increment(1);
            return;
        }
        let drag = match drag {
            Some(d) => {
                let ok = match self.draggable.get(&d.card) {
                    Some(ok) => *ok,
                    None => {
                        let ok = st.cb.boards().may_drag(access, &d.card).await.unwrap_or(false);
                        if self.draggable.len() < 1024 {
                            self.draggable.insert(d.card.clone(), ok);
                        }
                        ok
                    }
                };
                ok.then_some(d)
            }
            None => None,
        };
        let name = (!access.board.anonymous).then_some(self.name.as_str());
        self.room.live(self.me, ServerMessage::Pointer { from: self.me, name, x, y, drag: drag.as_ref() }.frame());
    }
}

/// The frame answering what a client sent (`ping`, `patch`), or none (`pointer`).
async fn handle_incoming(st: &AppState, access: &Access, live: &mut Live, text: &str, lang: &str) -> Option<Frame> {
    let msg = match ClientMessage::parse(text) {
        Ok(m) => m,
        // The catalogue's code for a body that is not what the route takes.
        Err((req, detail)) => return Some(error_frame(req, ErrorCode::InvalidBody, Some(detail), lang)),
    };
    match msg {
        ClientMessage::Ping {} => Some(ServerMessage::Pong.frame()),
        ClientMessage::Patch { req, card, patch } => Some(match st.cb.boards().update_card_as(access, &card, patch).await {
            Ok(c) => ServerMessage::Ack { req, version: c.card.version }.frame(),
            Err(e) => {
                let e = AppError::from(e);
                error_frame(Some(req), e.code, e.detail.as_deref(), lang)
            }
        }),
        ClientMessage::Pointer { x, y, drag } => {
            live.pointer(st, access, x, y, drag).await;
            None
        }
    }
}

/// Small buffers: messages are small, and thousands of people may watch one board (a long one,
/// the snapshot, goes out in fragments: `upgrade`). A client's messages (pointers, patches) are
/// read 512 bytes at a time.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(512).write_buffer_size(0).max_message_size(Some(64 * 1024))
}

/// What a socket keeps of its upgrade request.
struct Conn {
    st: AppState,
    who: Principal,
    board: BoardId,
    since: Option<i64>,
    limits: WsLimits,
    lang: &'static str,
    /// Its place among the person's sockets, given back when the socket ends.
    _slot: SocketSlot,
}

/// A socket's whole life, the task's one future: the upgrade, then the session. One `async`
/// block that uses what it captured in place: an `async fn` stores its arguments a second time
/// (issue 21: memory per socket).
#[allow(clippy::manual_async_fn)]
fn run(c: Conn, upgrading: Upgrading) -> impl Future<Output = ()> + Send {
    async move {
        let Some(mut socket) = upgrading.socket(socket_config()).await else { return };
        if let Err(e) = session(&c, &mut socket).await {
            tracing::debug!(error = %e, "board socket ended");
        }
    }
}

async fn session(c: &Conn, socket: &mut Socket) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let Conn { st, who, board, since, limits, lang, .. } = c;
    let (since, limits, lang) = (*since, *limits, *lang);
    let mut budget = MessageBudget::new(limits);
    if st.cb.draining() {
        Box::pin(close(socket, CLOSE_RECONNECT, "reconnect")).await;
        return Ok(());
    }
    let (mut access, room, name) = Box::pin(st.cb.boards().room(who, board)).await?;
    let mut viewer = Viewer { subject: who.subject.clone(), facilitator: access.facilitator() };
    let mut rx = room.subscribe();
    let presence = room.join(name.clone());
    let me = presence.id();
    let mut live = Live { room: room.clone(), me, name, draggable: HashMap::new() };
    metrics::gauge!("clearboard_ws_connections").increment(1.0);
    let _gauge = GaugeGuard;

    let replayed = Box::pin(replay(st, &room, board, since)).await;
    let mut last = Box::pin(greet(st, who, board, replayed, &presence, &viewer, socket)).await?;
    // Where this socket starts: a room new on this node continues from there (what other
    // nodes commit after it is read from the store).
    room.observe(last);

    // The first tick 30 s from now (awaiting the first, due at once, held the socket until the
    // timer's next millisecond).
    let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
    every.reset();
    loop {
        tokio::select! {
            incoming = socket.next() => match incoming {
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(WsMessage::Text(t))) => {
                    if !budget.spend() {
                        metrics::counter!("clearboard_ws_refused_total", "reason" => "rate").increment(1);
                        Box::pin(close(socket, CLOSE_POLICY, ErrorCode::RateLimited.as_str())).await;
                        break;
                    }
                    if let Some(reply) = Box::pin(handle_incoming(st, &access, &mut live, t.as_str(), lang)).await {
                        send_text(socket, reply).await?;
                    }
                }
                Some(Ok(_)) => {}
            },
            msg = rx.recv() => match msg {
                Ok(Message::Event(e)) => {
                    if e.seq <= last && e.seq != i64::MAX {
                        continue;
                    }
                    if let Some(f) = e.frame(&viewer) {
                        send_text(socket, f).await?;
                    }
                    if e.seq == i64::MAX {
                        // The board is gone (deleted, or erased content left it).
                        Box::pin(close(socket, CLOSE_NORMAL, "resync")).await;
                        break;
                    }
                    last = e.seq;
                    if matches!(e.change, Change::Board { .. }) {
                        // Lock, controlled or anonymous mode changed: act on the new settings.
                        if let Ok(a) = Box::pin(st.cb.boards().access(who, board)).await {
                            viewer.facilitator = a.facilitator();
                            access = a;
                            live.draggable.clear();
                        }
                    }
                }
                Ok(Message::Presence(frame)) => send_text(socket, frame).await?,
                Ok(Message::Live { from, frame }) => {
                    if from != me {
                        send_text(socket, frame).await?;
                    }
                }
                Ok(Message::Recheck(s)) => {
                    if s == who.subject && !Box::pin(recheck(st, who, board, &mut access, &mut viewer, &mut live)).await {
                        Box::pin(close(socket, CLOSE_POLICY, "access_ended")).await;
                        break;
                    }
                }
                Ok(Message::Drain) => {
                    Box::pin(close(socket, CLOSE_RECONNECT, "reconnect")).await;
                    break;
                }
                Err(RecvError::Lagged(_)) => {
                    // Too slow to keep up: start again from a snapshot.
                    send_text(socket, ServerMessage::Resync { seq: last }.frame()).await?;
                    Box::pin(close(socket, CLOSE_NORMAL, "resync")).await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            _ = every.tick() => {
                if !Box::pin(recheck(st, who, board, &mut access, &mut viewer, &mut live)).await {
                    Box::pin(close(socket, CLOSE_POLICY, "access_ended")).await;
                    break;
                }
            }
        }
    }
    drop(presence);
    Ok(())
}

/// The first frames of a socket: the events after the client's `since` (`replayed`), or else
/// the board's snapshot; returns the sequence the socket is at. Its caller boxes it: what it
/// holds (the board, its cards, the frames) is freed once they are sent, instead of being part
/// of every socket's state for as long as it lives (issue 21).
async fn greet(
    st: &AppState,
    who: &Principal,
    board: &BoardId,
    replayed: Option<(i64, Vec<Arc<Event>>)>,
    presence: &Presence,
    viewer: &Viewer,
    socket: &mut Socket,
) -> Result<i64, Box<dyn std::error::Error + Send + Sync>> {
    Ok(match replayed {
        Some((s, events)) => {
            send_text(socket, ServerMessage::Resume { from: s, present: &presence.list() }.frame()).await?;
            let mut last = s;
            for e in events {
                if let Some(f) = e.frame(viewer) {
                    send_text(socket, f).await?;
                }
                last = e.seq;
            }
            last
        }
        None => {
            let (b, cards) = Box::pin(st.cb.boards().open(who, board)).await?;
            let seq = b.seq;
            send_text(socket, ServerMessage::Hello { seq, board: &b, cards: &cards, present: &presence.list() }.frame()).await?;
            seq
        }
    })
}

/// Whether the socket may go on: signed out, expired or removed from the board meanwhile
/// closes it (checked every 30 s, and at once when the person's sessions end on any node).
async fn recheck(st: &AppState, who: &Principal, board: &BoardId, access: &mut Access, viewer: &mut Viewer, live: &mut Live) -> bool {
    let valid = st.cb.sessions().still_valid(who).await.unwrap_or(false);
    match st.cb.boards().access(who, board).await {
        Ok(a) if valid => {
            viewer.facilitator = a.facilitator();
            *access = a;
            live.draggable.clear();
            true
        }
        _ => false,
    }
}

/// The events after `since`: from this node's ring, or else rebuilt from the store (another
/// node wrote them, or this node restarted); `None`: a snapshot is needed.
async fn replay(st: &AppState, room: &Room, board: &BoardId, since: Option<i64>) -> Option<(i64, Vec<Arc<Event>>)> {
    let s = since?;
    if st.cb.clustered() {
        // Other nodes' changes this node's room has not read yet go into its ring first.
        let _ = st.cb.boards().catch_up(board).await;
    }
    if let Some(events) = room.replay(s) {
        return Some((s, events));
    }
    let rebuilt = st.cb.boards().changes_since(board, s).await.ok()??;
    Some((s, rebuilt.into_iter().filter_map(|(seq, c)| c.map(|c| Arc::new(Event::new(seq, c)))).collect()))
}

struct GaugeGuard;

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        metrics::gauge!("clearboard_ws_connections").decrement(1.0);
    }
}
