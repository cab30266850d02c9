//! Fan-out of board updates: one writer, N readers on one board, clearboard against the Yjs
//! reference server (`@y/websocket-server` 0.1.1 with `yjs` 13.6), with ONE load generator
//! (this Rust program) speaking both protocols, so the generator's own costs are the same
//! for both servers.
//!
//! Each update carries a marker `S<k>E`: for clearboard, a card's text changed through the
//! JSON API (persisted, encrypted, then broadcast); for Yjs, a Y.Map entry set through the Yjs
//! sync protocol (kept in memory only). Readers look for the marker in the raw messages and
//! record the latency from the writer's send. Server CPU and memory come from /proc.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use yrs::updates::encoder::Encode;
use yrs::{Map, Transact};

/// Which server and how to reach it.
#[derive(Clone)]
pub enum Target {
    /// `base` takes the writes; readers connect to `readers_at` in turn (empty: to `base`),
    /// the nodes of a cluster for the scale-out bench.
    Clearboard {
        base: String,
        readers_at: Vec<String>,
        token: String,
        board: String,
        card: String,
    },
    Yjs {
        url: String,
        room: String,
    },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FanoutResult {
    pub server: String,
    pub readers: usize,
    pub rate_hz: u32,
    pub duration_s: u32,
    pub expected: u64,
    pub received: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// Where the time goes, per update: the first reader to get it (the server's handling of
    /// the update, commit included, and one write), and each reader's lag behind that first one
    /// (queueing behind the other sockets of the room).
    pub first_p50_ms: f64,
    pub first_p99_ms: f64,
    pub behind_first_p50_ms: f64,
    pub behind_first_p99_ms: f64,
    /// Clearboard only: the writer's patch until its `ack` (the commit, before any fan-out
    /// write is waited for); NaN for Yjs, which acknowledges nothing.
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    pub server_cpu_s: f64,
    pub cpu_us_per_delivered: f64,
    /// CPU of the services beside the servers (PostgreSQL, NATS) over the same window; 0 when
    /// none is measured.
    pub beside_cpu_s: f64,
    /// Delivered messages per CPU-second of the servers and the services beside them.
    pub delivered_per_cpu_s: f64,
    /// CPU-seconds per second of the servers and the services beside them with every reader
    /// connected and nothing written, and the length of the measured window.
    pub idle_cpu_per_s: f64,
    pub cpu_window_s: f64,
    pub rss_idle_kb: u64,
    pub rss_connected_kb: u64,
    pub rss_per_connection_kb: f64,
}

impl FanoutResult {
    /// The start of a run's line: the load, the server, what was delivered and the median.
    pub fn head(&self) -> String {
        format!(
            "N={:>4} {:>2} Hz {:<38} delivered {}/{}  p50 {:>6.2} ms",
            self.readers, self.rate_hz, self.server, self.received, self.expected, self.p50_ms
        )
    }
}

pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok())))
        .unwrap_or(0)
}

pub fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|s| ticks_of_stat(&s)).unwrap_or(0)
}

/// User + system ticks from the text of `/proc/<pid>/stat`.
fn ticks_of_stat(s: &str) -> Option<u64> {
    let rest = s.rsplit_once(") ")?.1.split_whitespace().collect::<Vec<_>>();
    Some(rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?)
}

/// CPU ticks of every process whose command name is one of `names`, by pid (PostgreSQL forks
/// a backend per connection: the set changes while it is measured).
pub fn ticks_by_name(names: &[&str]) -> std::collections::HashMap<u32, u64> {
    let mut out = std::collections::HashMap::new();
    if names.is_empty() {
        return out;
    }
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        let comm = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(") ")).map(|(c, _)| c).unwrap_or("");
        if names.contains(&comm)
            && let Some(t) = ticks_of_stat(&stat)
        {
            out.insert(pid, t);
        }
    }
    out
}

/// Ticks spent between two [`ticks_by_name`] readings (a process born in between counts whole).
pub fn ticks_between(before: &std::collections::HashMap<u32, u64>, after: &std::collections::HashMap<u32, u64>) -> u64 {
    after.iter().map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or(0))).sum()
}

/// Finds `S<digits>E` in raw bytes.
fn marker(buf: &[u8]) -> Option<u64> {
    let mut i = 0;
    while i + 2 < buf.len() {
        if buf[i] == b'S' && buf[i + 1].is_ascii_digit() {
            let mut j = i + 1;
            let mut v: u64 = 0;
            while j < buf.len() && buf[j].is_ascii_digit() {
                v = v * 10 + u64::from(buf[j] - b'0');
                j += 1;
            }
            if j < buf.len() && buf[j] == b'E' {
                return Some(v);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    None
}

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a WebSocket, with a bearer token when given.
pub async fn connect(url: &str, token: Option<&str>) -> Ws {
    let mut req = url.into_client_request().unwrap();
    if let Some(t) = token {
        req.headers_mut().insert("authorization", HeaderValue::from_str(&format!("Bearer {t}")).unwrap());
    }
    let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws
}

/// A message's bytes (text or binary; nothing for control frames).
pub fn payload(m: &Message) -> &[u8] {
    match m {
        Message::Text(t) => t.as_bytes(),
        Message::Binary(b) => b,
        _ => &[],
    }
}

const WRITER: usize = usize::MAX;

async fn open_reader(target: &Target, i: usize) -> Ws {
    match target {
        Target::Clearboard { base, readers_at, token, board, .. } => {
            // `WRITER`: the writer's own socket, on `base`.
            let base = if readers_at.is_empty() || i == WRITER { base } else { &readers_at[i % readers_at.len()] };
            connect(&format!("{}/api/v1/boards/{board}/ws", base.replacen("http", "ws", 1)), Some(token)).await
        }
        Target::Yjs { url, room } => connect(&format!("{url}/{room}"), None).await,
    }
}

/// Runs one measurement. `servers`: the server processes (CPU and memory); `beside`: the command
/// names of services whose CPU counts too (`postgres`, `nats-server`).
pub async fn run(target: Target, servers: &[u32], beside: &[&str], readers: usize, rate: u32, duration_s: u32) -> FanoutResult {
    let rss = || servers.iter().map(|&p| rss_kb(p)).sum::<u64>();
    let cpu = || servers.iter().map(|&p| cpu_ticks(p)).sum::<u64>();
    let epoch = Instant::now();
    let total = u64::from(rate) * u64::from(duration_s);
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let rss_idle = rss();
    let mut conns = Vec::with_capacity(readers);
    for i in 0..readers {
        conns.push(open_reader(&target, i).await);
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let rss_connected = rss();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(readers);
    for mut ws in conns {
        let sent = sent.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat: Vec<(u64, f64)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let Ok(Some(Ok(m))) = tokio::time::timeout(Duration::from_millis(200), ws.next()).await else { continue };
                let now = epoch.elapsed().as_nanos() as u64;
                if let Some(k) = marker(payload(&m))
                    && let Some(s) = sent.get(k as usize)
                {
                    let s = s.load(Ordering::Relaxed);
                    if s > 0 {
                        lat.push((k, (now - s) as f64 / 1e6));
                    }
                }
            }
            let _ = ws.close(None).await;
            lat
        }));
    }

    // What the servers and the services beside them spend with every reader connected and
    // nothing written (background duties, sweeps, pings): a cost per event subtracts it.
    let (idle0, idle_beside0, idle_t) = (cpu(), ticks_by_name(beside), Instant::now());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_ticks = (cpu() - idle0) + ticks_between(&idle_beside0, &ticks_by_name(beside));
    let idle_cpu_per_s = idle_ticks as f64 / 100.0 / idle_t.elapsed().as_secs_f64();

    let cpu0 = cpu();
    let beside0 = ticks_by_name(beside);
    let t0 = Instant::now();
    let mut ack_lat: Vec<f64> = Vec::new();
    match &target {
        Target::Clearboard { card, .. } => {
            // Writes go over the writer's own socket, as Yjs updates do.
            let ws = open_reader(&target, WRITER).await;
            let (mut tx, mut rx) = ws.split();
            let sent_at = sent.clone();
            let acks = tokio::spawn(async move {
                let mut ok = Vec::new();
                while let Ok(Some(Ok(m))) = tokio::time::timeout(Duration::from_secs(5), rx.next()).await {
                    if let Message::Text(t) = m {
                        if t.as_str().contains("\"type\":\"ack\"") {
                            let now = epoch.elapsed().as_nanos() as u64;
                            let req = serde_json::from_str::<Value>(t.as_str()).ok().and_then(|v| v["req"].as_u64());
                            if let Some(s) = req.and_then(|k| sent_at.get(k as usize)).map(|s| s.load(Ordering::Relaxed)) {
                                ok.push((now - s) as f64 / 1e6);
                            }
                        } else if t.as_str().contains("\"type\":\"error\"") {
                            panic!("a write failed: {}", t.as_str());
                        }
                    }
                }
                ok
            });
            for k in 0..total {
                let due = t0 + Duration::from_secs_f64(k as f64 / f64::from(rate));
                tokio::time::sleep_until(due.into()).await;
                let msg = json!({ "type": "patch", "req": k, "card": card, "patch": { "text": format!("S{k}E"), "x": (k % 997) as i64, "y": ((k * 7) % 991) as i64 } });
                sent[k as usize].store(epoch.elapsed().as_nanos() as u64, Ordering::Relaxed);
                tx.send(Message::Text(msg.to_string().into())).await.unwrap();
            }
            let _ = tx.close().await;
            ack_lat = acks.await.unwrap_or_default();
            assert_eq!(ack_lat.len() as u64, total, "every write acknowledged");
        }
        Target::Yjs { .. } => {
            let mut ws = open_reader(&target, 0).await;
            let doc = yrs::Doc::new();
            let cards = doc.get_or_insert_map("cards");
            for k in 0..total {
                let due = t0 + Duration::from_secs_f64(k as f64 / f64::from(rate));
                tokio::time::sleep_until(due.into()).await;
                let update = {
                    let mut txn = doc.transact_mut();
                    let value = yrs::Any::from(std::collections::HashMap::from([
                        ("x".to_string(), yrs::Any::from((k % 997) as f64)),
                        ("y".to_string(), yrs::Any::from(((k * 7) % 991) as f64)),
                        ("m".to_string(), yrs::Any::from(format!("S{k}E"))),
                    ]));
                    cards.insert(&mut txn, format!("card-{}", k % 50), value);
                    txn.encode_update_v1()
                };
                // y-protocols: messageSync, messageYjsUpdate, the length-prefixed update.
                let msg = yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(update)).encode_v1();
                sent[k as usize].store(epoch.elapsed().as_nanos() as u64, Ordering::Relaxed);
                ws.send(Message::Binary(msg.into())).await.unwrap();
                // Drain what the server sends back to this client, if anything.
                while let Ok(Some(_)) = tokio::time::timeout(Duration::from_micros(1), ws.next()).await {}
            }
            let _ = ws.close(None).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cpu1 = cpu();
    let cpu_window_s = t0.elapsed().as_secs_f64();
    let beside_cpu_s = ticks_between(&beside0, &ticks_by_name(beside)) as f64 / 100.0;
    stop.store(true, Ordering::Relaxed);
    let mut pairs = Vec::new();
    for t in tasks {
        pairs.extend(t.await.unwrap_or_default());
    }
    let mut first = vec![f64::INFINITY; total as usize];
    for &(k, l) in &pairs {
        first[k as usize] = first[k as usize].min(l);
    }
    let mut behind: Vec<f64> = pairs.iter().map(|&(k, l)| l - first[k as usize]).collect();
    let mut first: Vec<f64> = first.into_iter().filter(|f| f.is_finite()).collect();
    let lat: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let quantile = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        if v.is_empty() { f64::NAN } else { v[((p * v.len() as f64) as usize).min(v.len() - 1)] }
    };
    let q = |p: f64| quantile(&mut lat.clone(), p);
    let received = lat.len() as u64;
    let server_cpu_s = (cpu1 - cpu0) as f64 / 100.0;
    FanoutResult {
        server: match target {
            Target::Clearboard { .. } => "clearboard".into(),
            Target::Yjs { .. } => "yjs (@y/websocket-server 0.1.1)".into(),
        },
        readers,
        rate_hz: rate,
        duration_s,
        expected: total * readers as u64,
        received,
        p50_ms: q(0.50),
        p95_ms: q(0.95),
        p99_ms: q(0.99),
        first_p50_ms: quantile(&mut first, 0.5),
        first_p99_ms: quantile(&mut first, 0.99),
        behind_first_p50_ms: quantile(&mut behind, 0.5),
        behind_first_p99_ms: quantile(&mut behind, 0.99),
        ack_p50_ms: quantile(&mut ack_lat, 0.5),
        ack_p99_ms: quantile(&mut ack_lat, 0.99),
        server_cpu_s,
        cpu_us_per_delivered: if received > 0 { server_cpu_s * 1e6 / received as f64 } else { f64::NAN },
        beside_cpu_s,
        delivered_per_cpu_s: received as f64 / (server_cpu_s + beside_cpu_s),
        idle_cpu_per_s,
        cpu_window_s,
        rss_idle_kb: rss_idle,
        rss_connected_kb: rss_connected,
        rss_per_connection_kb: (rss_connected.saturating_sub(rss_idle)) as f64 / readers as f64,
    }
}

/// Creates a user, a board and one card on a running clearboard; returns the target.
pub async fn prepare_clearboard(base: &str) -> Target {
    let http = reqwest::Client::new();
    let body = json!({ "email": "fanout@example.test", "password": "a fan-out password", "first_name": "Fan", "last_name": "Out", "birth_date": "1990-01-01" });
    let r = http.post(format!("{base}/api/v1/accounts")).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "sign-up failed: {}", r.status());
    let s: Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({ "email": "fanout@example.test", "password": "a fan-out password" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = s["token"].as_str().unwrap().to_string();
    let b: Value = http
        .post(format!("{base}/api/v1/boards"))
        .bearer_auth(&token)
        .json(&json!({ "title": "Fan-out" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let board = b["id"].as_str().unwrap().to_string();
    let c: Value = http
        .post(format!("{base}/api/v1/boards/{board}/cards"))
        .bearer_auth(&token)
        .json(&json!({ "kind": "text", "text": "start" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Target::Clearboard { base: base.to_string(), readers_at: Vec::new(), token, board, card: c["id"].as_str().unwrap().to_string() }
}

/// Card-create throughput on clearboard: `n` cards from `concurrency` concurrent writers.
pub async fn card_create_throughput(target: &Target, n: usize, concurrency: usize) -> f64 {
    let Target::Clearboard { base, token, board, .. } = target else { return f64::NAN };
    let http = reqwest::Client::new();
    let url = format!("{base}/api/v1/boards/{board}/cards");
    let start = Instant::now();
    let per = n / concurrency;
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per {
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "kind": "text", "text": format!("card {w}-{i}") }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (per * concurrency) as f64 / start.elapsed().as_secs_f64()
}

/// The median of each figure over several runs (delivery counts: the worst run).
pub fn median(runs: &[FanoutResult]) -> FanoutResult {
    let med = |f: &dyn Fn(&FanoutResult) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        v[v.len() / 2]
    };
    let first = &runs[0];
    FanoutResult {
        server: first.server.clone(),
        readers: first.readers,
        rate_hz: first.rate_hz,
        duration_s: first.duration_s,
        expected: first.expected,
        received: runs.iter().map(|r| r.received).min().unwrap_or(0),
        p50_ms: med(&|r| r.p50_ms),
        p95_ms: med(&|r| r.p95_ms),
        p99_ms: med(&|r| r.p99_ms),
        first_p50_ms: med(&|r| r.first_p50_ms),
        first_p99_ms: med(&|r| r.first_p99_ms),
        behind_first_p50_ms: med(&|r| r.behind_first_p50_ms),
        behind_first_p99_ms: med(&|r| r.behind_first_p99_ms),
        ack_p50_ms: med(&|r| r.ack_p50_ms),
        ack_p99_ms: med(&|r| r.ack_p99_ms),
        server_cpu_s: med(&|r| r.server_cpu_s),
        cpu_us_per_delivered: med(&|r| r.cpu_us_per_delivered),
        beside_cpu_s: med(&|r| r.beside_cpu_s),
        delivered_per_cpu_s: med(&|r| r.delivered_per_cpu_s),
        idle_cpu_per_s: med(&|r| r.idle_cpu_per_s),
        cpu_window_s: med(&|r| r.cpu_window_s),
        rss_idle_kb: med(&|r| r.rss_idle_kb as f64) as u64,
        rss_connected_kb: med(&|r| r.rss_connected_kb as f64) as u64,
        rss_per_connection_kb: med(&|r| r.rss_per_connection_kb),
    }
}
