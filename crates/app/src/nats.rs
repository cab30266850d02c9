//! The NATS adapter of the bus between nodes (issue 20): `bus_url = "nats://[user:password@]host:port[/subject]"`.
//!
//! Core NATS, spoken directly over TCP (its text protocol: `INFO`, `CONNECT`, `SUB`, `PUB`,
//! `MSG`, `PING`/`PONG`), no client library: the bus sends one short line of ids per notice
//! and needs nothing else. Not JetStream: a node that missed notices (its connection broke, it
//! restarted) reads the store again (the `Reconnected` notice after every reconnection, and
//! the relay's sweep every second), so a replaying stream would add a service's state for no
//! answer the store cannot give. Notices carry ids and sequence numbers only (`platform::bus`).
//!
//! The subject is `clearboard.bus` unless the URL's path names another (one per deployment
//! sharing a NATS server). Credentials in the URL go in `CONNECT` only, never in an error, a
//! log line or a metric. A server that requires TLS is refused at start with that reason.

use std::sync::Arc;
use std::time::Duration;

use clearboard_core::platform::bus::{Bus, MAX_NOTICE, Notice, node_name};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc};

/// The subject when the URL names none.
pub const DEFAULT_SUBJECT: &str = "clearboard.bus";

/// Where and how to connect, read from `bus_url`.
#[derive(Clone, PartialEq, Eq)]
pub struct NatsTarget {
    pub host: String,
    pub port: u16,
    pub subject: String,
    user: Option<String>,
    pass: Option<String>,
}

impl std::fmt::Debug for NatsTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        f.debug_struct("NatsTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl NatsTarget {
    /// Reads `nats://[user[:password]@]host[:port][/subject]`. The error never repeats the URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        let u = url::Url::parse(url).map_err(|_| "bus_url is not a valid nats:// URL".to_string())?;
        if u.scheme() != "nats" {
            return Err("bus_url must start with nats:// (TLS connections to NATS are not supported)".into());
        }
        let host = u.host_str().filter(|h| !h.is_empty()).ok_or("bus_url names no NATS host")?.to_string();
        let subject = u.path().trim_matches('/');
        let subject = if subject.is_empty() { DEFAULT_SUBJECT.to_string() } else { subject.to_string() };
        let valid = |s: &str| s.split('.').all(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        if !valid(&subject) {
            return Err("the NATS subject of bus_url has letters, digits, '_' and '-' in dot-separated tokens".into());
        }
        let user = (!u.username().is_empty()).then(|| percent_decode(u.username()));
        let pass = u.password().map(percent_decode);
        Ok(Self { host, port: u.port().unwrap_or(4222), subject, user, pass })
    }

    /// The `CONNECT` line: no echo of our own messages, no `+OK` after each command.
    fn connect_line(&self) -> String {
        let mut o = serde_json::json!({ "verbose": false, "pedantic": false, "echo": false, "name": "clearboard", "lang": "rust", "version": env!("CARGO_PKG_VERSION"), "protocol": 1 });
        match (&self.user, &self.pass) {
            (Some(u), Some(p)) => {
                o["user"] = u.clone().into();
                o["pass"] = p.clone().into();
            }
            (Some(token), None) => o["auth_token"] = token.clone().into(),
            _ => {}
        }
        format!("CONNECT {o}\r\n")
    }
}

/// `%XX` escapes of a URL's user or password, decoded.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |i: usize| b.get(i).and_then(|c| (*c as char).to_digit(16));
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The bus over NATS.
#[derive(Debug)]
pub struct NatsBus {
    node: String,
    out: mpsc::Sender<String>,
    tx: broadcast::Sender<Notice>,
}

/// How long connecting (TCP, `INFO`, the first `PONG`) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest protocol line read from the server (`INFO` included).
const MAX_LINE: usize = 64 * 1024;

impl NatsBus {
    /// Connects (an unreachable server is an error now, not later), subscribes, and keeps the
    /// connection: after a break it reconnects every half second and tells the relay
    /// (`Notice::Reconnected`), which reads the store again.
    pub async fn start(target: NatsTarget) -> Result<Arc<Self>, String> {
        let conn = tokio::time::timeout(CONNECT_TIMEOUT, Conn::open(&target))
            .await
            .map_err(|_| "the NATS server did not answer in time".to_string())??;
        let (tx, _) = broadcast::channel(4096);
        let (out, outgoing) = mpsc::channel(4096);
        let bus = Arc::new(Self { node: node_name(), out, tx: tx.clone() });
        tokio::spawn(run(target, conn, outgoing, Arc::downgrade(&bus), tx));
        Ok(bus)
    }

    /// This node's name on the bus (random, nothing about the machine).
    pub fn node(&self) -> &str {
        &self.node
    }
}

impl Bus for NatsBus {
    fn publish(&self, notice: Notice) {
        if self.out.try_send(notice.encode(&self.node)).is_err() {
            metrics::counter!("clearboard_bus_publish_failed_total").increment(1);
            tracing::warn!("a bus notice could not be queued for NATS (the store repairs it)");
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.tx.subscribe()
    }

    fn clustered(&self) -> bool {
        true
    }
}

/// One connection: its reader and writer halves.
struct Conn {
    read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

/// What the server sent.
#[derive(Debug, PartialEq, Eq)]
enum Frame {
    Msg(Vec<u8>),
    Ping,
    Other,
}

impl Conn {
    async fn open(t: &NatsTarget) -> Result<Conn, String> {
        let stream =
            TcpStream::connect((t.host.as_str(), t.port)).await.map_err(|e| format!("cannot reach the NATS server: {}", e.kind()))?;
        let _ = stream.set_nodelay(true);
        let (r, write) = stream.into_split();
        let mut c = Conn { read: BufReader::new(r), write };
        let info = c.line().await?;
        let Some(json) = info.strip_prefix("INFO ") else { return Err("the server at bus_url does not speak NATS".into()) };
        let info: serde_json::Value = serde_json::from_str(json.trim()).map_err(|_| "the NATS server's INFO is not JSON".to_string())?;
        if info["tls_required"].as_bool() == Some(true) {
            return Err("the NATS server requires TLS, which this adapter does not speak".into());
        }
        let hello = format!("{}SUB {} 1\r\nPING\r\n", t.connect_line(), t.subject);
        c.write.write_all(hello.as_bytes()).await.map_err(|e| format!("writing to NATS: {}", e.kind()))?;
        // The PONG says every line before it was taken (an -ERR says why not: never echoed,
        // it may name the credentials' user).
        loop {
            let l = c.line().await?;
            if l.starts_with("PONG") {
                return Ok(c);
            }
            if l.starts_with("-ERR") {
                return Err(if l.to_ascii_lowercase().contains("authorization") {
                    "the NATS server refused the credentials of bus_url".into()
                } else {
                    "the NATS server refused the connection".into()
                });
            }
        }
    }

    async fn line(&mut self) -> Result<String, String> {
        let mut buf = Vec::new();
        let n = (&mut self.read)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)
            .await
            .map_err(|e| format!("reading from NATS: {}", e.kind()))?;
        if n == 0 {
            return Err("the NATS server closed the connection".into());
        }
        if !buf.ends_with(b"\n") {
            return Err("a line from the NATS server is too long".into());
        }
        Ok(String::from_utf8_lossy(&buf).trim_end().to_string())
    }

    /// The next frame: `MSG <subject> <sid> [reply] <bytes>` and its payload, `PING`, or
    /// anything else (`PONG`, `+OK`, `INFO` updates, `-ERR`).
    async fn frame(&mut self) -> Result<Frame, String> {
        let l = self.line().await?;
        let mut parts = l.split_ascii_whitespace();
        match parts.next() {
            Some(op) if op.eq_ignore_ascii_case("MSG") => {
                let len: usize = parts.last().and_then(|n| n.parse().ok()).ok_or("a MSG without its length")?;
                if len > MAX_LINE {
                    return Err("a NATS message is too long".into());
                }
                let mut payload = vec![0u8; len + 2];
                self.read.read_exact(&mut payload).await.map_err(|e| format!("reading from NATS: {}", e.kind()))?;
                payload.truncate(len);
                Ok(Frame::Msg(payload))
            }
            Some(op) if op.eq_ignore_ascii_case("PING") => Ok(Frame::Ping),
            Some(op) if op.eq_ignore_ascii_case("-ERR") => {
                tracing::warn!("the NATS server reported an error on the bus connection");
                Ok(Frame::Other)
            }
            _ => Ok(Frame::Other),
        }
    }
}

/// The connection's task: frames in, notices out, `PUB`s from the queue; reconnects after a
/// break. Ends when the bus is dropped.
async fn run(
    target: NatsTarget,
    first: Conn,
    mut outgoing: mpsc::Receiver<String>,
    bus: std::sync::Weak<NatsBus>,
    tx: broadcast::Sender<Notice>,
) {
    let mut conn = Some(first);
    loop {
        let Some(mut c) = conn.take() else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if bus.strong_count() == 0 {
                return;
            }
            // Notices queued while disconnected are dropped: the store repairs them.
            while outgoing.try_recv().is_ok() {}
            match tokio::time::timeout(CONNECT_TIMEOUT, Conn::open(&target)).await {
                Ok(Ok(c)) => {
                    conn = Some(c);
                    let _ = tx.send(Notice::Reconnected);
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "the bus's NATS connection is still down"),
                Err(_) => tracing::warn!("the bus's NATS connection is still down (timeout)"),
            }
            continue;
        };
        let broke = loop {
            tokio::select! {
                f = c.frame() => match f {
                    Ok(Frame::Msg(payload)) => {
                        let Some(me) = bus.upgrade() else { return };
                        if payload.len() <= MAX_NOTICE
                            && let Ok(text) = std::str::from_utf8(&payload)
                            && let Some((from, notice)) = Notice::decode(text)
                            && from != me.node
                        {
                            let _ = tx.send(notice);
                        }
                    }
                    Ok(Frame::Ping) => {
                        if let Err(e) = c.write.write_all(b"PONG\r\n").await {
                            break e.kind().to_string();
                        }
                    }
                    Ok(Frame::Other) => {}
                    Err(e) => break e,
                },
                o = outgoing.recv() => match o {
                    Some(text) => {
                        let line = format!("PUB {} {}\r\n{text}\r\n", target.subject, text.len());
                        if let Err(e) = c.write.write_all(line.as_bytes()).await {
                            metrics::counter!("clearboard_bus_publish_failed_total").increment(1);
                            break e.kind().to_string();
                        }
                    }
                    None => return,
                },
            }
        };
        tracing::warn!(error = %broke, "the bus's NATS connection broke; reconnecting");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_port_subject_and_credentials_and_errors_never_repeat_them() {
        let t = NatsTarget::parse("nats://127.0.0.1:4222").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.subject.as_str(), t.user.clone(), t.pass.clone()),
            ("127.0.0.1", 4222, DEFAULT_SUBJECT, None, None)
        );
        let t = NatsTarget::parse("nats://alice:s%40cret@nats.internal/team-a.bus").unwrap();
        assert_eq!((t.port, t.subject.as_str(), t.user.as_deref(), t.pass.as_deref()), (4222, "team-a.bus", Some("alice"), Some("s@cret")));
        assert!(t.connect_line().contains("\"pass\":\"s@cret\"") && t.connect_line().contains("\"echo\":false"));
        assert!(!format!("{t:?}").contains("cret"), "Debug never shows the password");
        let token = NatsTarget::parse("nats://tok3n@h:1").unwrap();
        assert!(token.connect_line().contains("\"auth_token\":\"tok3n\""));
        for bad in ["tls://u:hunter2@h", "nats://u:hunter2@h/a..b", "nats://u:hunter2@h/a b", "nats:///x", "not a url hunter2"] {
            let e = NatsTarget::parse(bad).unwrap_err();
            assert!(!e.contains("hunter2"), "{e}");
        }
    }
}
