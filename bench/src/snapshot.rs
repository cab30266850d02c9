//! A subscriber joining a board of 10,000 text cards (`-- snapshot`): clearboard's board socket
//! (`GET /api/v1/boards/{board}/ws`, whose first frame `hello` carries the board and every card
//! the viewer may see, each opened from its sealed text) against the Yjs reference server's
//! initial sync of the same content (a `Y.Map` "cards" whose entries carry the same text and
//! x/y, keyed by a 36-character id like ours; the new client sends sync step 1 with an empty
//! state vector and receives sync step 2, the whole document as one update).
//!
//! Measured from before the TCP connect to the last byte of the snapshot in the client's hands
//! (not decoded: decoding is checked afterwards, outside the time); bytes are the payloads of
//! every WebSocket message received until then. Both servers are separate processes filled
//! once, then joined in alternating rounds (`SNAPSHOT_ROUNDS`, default 3); medians, min and max.
//!
//! Then the memory a subscriber holds once it has its snapshot: `SNAPSHOT_HELD` (default 20)
//! subscribers join each server one after another and stay; the server's RSS once they are all
//! in, minus before, per subscriber (a socket that kept its snapshot's buffer would hold the
//! snapshot's size).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Map, StateVector, Transact};

use crate::common::{Rng, idea};
use crate::fanout::{self, Target, Ws, connect, payload};

/// One card of the board: its text and position (the same for both servers).
struct Card {
    text: String,
    x: i64,
    y: i64,
}

/// The board's content: the first card is the one `prepare_clearboard` makes ("start", at the
/// default position 40, 40), then `n - 1` workshop notes.
fn content(n: usize) -> Vec<Card> {
    let mut rng = Rng(0x05EE_D0FB_0A2D);
    let mut cards = vec![Card { text: "start".into(), x: 40, y: 40 }];
    for i in 1..n {
        cards.push(Card { text: idea(&mut rng, i), x: (i * 37 % 4000) as i64, y: (i * 91 % 3000) as i64 });
    }
    cards
}

/// One join: seconds from before the connect to the snapshot in hand, bytes received, the
/// server's CPU seconds meanwhile (10 ms ticks), and the cards the snapshot holds.
#[derive(Debug, Clone, serde::Serialize)]
struct Join {
    seconds: f64,
    bytes: u64,
    server_cpu_s: f64,
    cards: usize,
}

/// Fills clearboard's board through the JSON API (16 concurrent writers).
async fn fill_clearboard(base: &str, token: &str, board: &str, cards: &[Card]) {
    let http = reqwest::Client::new();
    let url = format!("{base}/api/v1/boards/{board}/cards");
    let writers = 16;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let body: Vec<Value> =
            cards.iter().skip(1).skip(w).step_by(writers).map(|c| json!({ "kind": "text", "text": c.text, "x": c.x, "y": c.y })).collect();
        let (http, url, token) = (http.clone(), url.clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            for b in body {
                let r = http.post(&url).bearer_auth(&token).json(&b).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 201, "card creation");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

async fn join_clearboard(base: &str, token: &str, board: &str, pid: u32) -> (Join, Ws) {
    let url = format!("{}/api/v1/boards/{board}/ws", base.replacen("http", "ws", 1));
    let cpu0 = fanout::cpu_ticks(pid);
    let t = Instant::now();
    let mut ws = connect(&url, Some(token)).await;
    let mut bytes = 0u64;
    let hello = loop {
        let m = tokio::time::timeout(Duration::from_secs(60), ws.next()).await.unwrap().unwrap().unwrap();
        bytes += payload(&m).len() as u64;
        if let Message::Text(t) = &m
            && t.as_str().get(..64).unwrap_or(t.as_str()).contains("\"type\":\"hello\"")
        {
            break m;
        }
    };
    let seconds = t.elapsed().as_secs_f64();
    let server_cpu_s = (fanout::cpu_ticks(pid) - cpu0) as f64 / 100.0;
    let v: Value = serde_json::from_slice(payload(&hello)).unwrap();
    let cards = v["cards"].as_array().map_or(0, Vec::len);
    (Join { seconds, bytes, server_cpu_s, cards }, ws)
}

/// A Yjs document id like ours (36 characters, UUID-shaped), so keys weigh the same.
fn yjs_key(i: usize) -> String {
    format!("{:08x}-0000-7000-8000-{:012x}", i, i)
}

/// Sends the whole content to the Yjs server as one update (y-protocols: messageSync,
/// messageYjsUpdate); returns the writer's socket, kept open while others join.
async fn fill_yjs(url: &str, cards: &[Card]) -> Ws {
    let mut ws = connect(url, None).await;
    let doc = yrs::Doc::new();
    let map = doc.get_or_insert_map("cards");
    let update = {
        let mut txn = doc.transact_mut();
        for (i, c) in cards.iter().enumerate() {
            let value = yrs::Any::from(std::collections::HashMap::from([
                ("text".to_string(), yrs::Any::from(c.text.clone())),
                ("x".to_string(), yrs::Any::from(c.x as f64)),
                ("y".to_string(), yrs::Any::from(c.y as f64)),
            ]));
            map.insert(&mut txn, yjs_key(i), value);
        }
        txn.encode_update_v1()
    };
    let msg = yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(update)).encode_v1();
    ws.send(Message::Binary(msg.into())).await.unwrap();
    ws
}

async fn join_yjs(url: &str, pid: u32) -> (Join, Ws) {
    let step1 = yrs::sync::Message::Sync(yrs::sync::SyncMessage::SyncStep1(StateVector::default())).encode_v1();
    let cpu0 = fanout::cpu_ticks(pid);
    let t = Instant::now();
    let mut ws = connect(url, None).await;
    ws.send(Message::Binary(step1.into())).await.unwrap();
    let mut bytes = 0u64;
    let update = loop {
        let m = tokio::time::timeout(Duration::from_secs(60), ws.next()).await.unwrap().unwrap().unwrap();
        bytes += payload(&m).len() as u64;
        if let Ok(yrs::sync::Message::Sync(yrs::sync::SyncMessage::SyncStep2(u))) = yrs::sync::Message::decode_v1(payload(&m)) {
            break u;
        }
    };
    let seconds = t.elapsed().as_secs_f64();
    let server_cpu_s = (fanout::cpu_ticks(pid) - cpu0) as f64 / 100.0;
    let doc = yrs::Doc::new();
    let map = doc.get_or_insert_map("cards");
    doc.transact_mut().apply_update(yrs::Update::decode_v1(&update).unwrap()).unwrap();
    let cards = map.len(&doc.transact()) as usize;
    (Join { seconds, bytes, server_cpu_s, cards }, ws)
}

/// A join whose socket is closed at once.
async fn closed((j, mut ws): (Join, Ws)) -> Join {
    let _ = ws.close(None).await;
    j
}

/// The memory each of `k` subscribers holds once it has its snapshot (kB of the server's RSS):
/// they join one after another and stay until all are measured.
async fn held_per_subscriber<F: Future<Output = (Join, Ws)>>(k: usize, pid: u32, mut join: impl FnMut() -> F) -> f64 {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = fanout::rss_kb(pid);
    let mut open = Vec::with_capacity(k);
    for _ in 0..k {
        open.push(join().await.1);
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = fanout::rss_kb(pid);
    for mut ws in open {
        let _ = ws.close(None).await;
    }
    after.saturating_sub(before) as f64 / k as f64
}

fn stats(runs: &[Join], f: impl Fn(&Join) -> f64) -> Value {
    crate::costs::spread(&runs.iter().map(f).collect::<Vec<_>>())
}

pub async fn run(n: usize, rounds: usize) -> Value {
    let cards = content(n);
    let text_bytes: usize = cards.iter().map(|c| c.text.len()).sum();
    let (srv, base) = crate::start_clearboard().await;
    let Target::Clearboard { token, board, .. } = fanout::prepare_clearboard(&base).await else { unreachable!() };
    let t = Instant::now();
    fill_clearboard(&base, &token, &board, &cards).await;
    println!("snapshot: clearboard board of {n} cards filled through the API in {:.1} s", t.elapsed().as_secs_f64());
    let (ysrv, port) = crate::start_yjs().await;
    let yurl = format!("ws://127.0.0.1:{port}/snapshot-board");
    let writer = fill_yjs(&yurl, &cards).await;
    // An unrecorded join of each, which also waits until Yjs has applied the writer's update.
    let first_ours = closed(join_clearboard(&base, &token, &board, srv.child.id()).await).await;
    assert_eq!(first_ours.cards, n, "clearboard's snapshot holds every card");
    let mut first_yjs = closed(join_yjs(&yurl, ysrv.child.id()).await).await;
    for _ in 0..50 {
        if first_yjs.cards == n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        first_yjs = closed(join_yjs(&yurl, ysrv.child.id()).await).await;
    }
    assert_eq!(first_yjs.cards, n, "the Yjs document holds every card");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which server goes first.
        for yjs_side in if round % 2 == 0 { [false, true] } else { [true, false] } {
            if yjs_side {
                theirs.push(closed(join_yjs(&yurl, ysrv.child.id()).await).await);
            } else {
                ours.push(closed(join_clearboard(&base, &token, &board, srv.child.id()).await).await);
            }
        }
    }
    let k = std::env::var("SNAPSHOT_HELD").ok().and_then(|v| v.parse().ok()).unwrap_or(20usize);
    let held_ours = held_per_subscriber(k, srv.child.id(), || join_clearboard(&base, &token, &board, srv.child.id())).await;
    let held_yjs = held_per_subscriber(k, ysrv.child.id(), || join_yjs(&yurl, ysrv.child.id())).await;
    println!("snapshot: memory held per subscriber ({k} joined and kept): clearboard {held_ours:.1} kB, Yjs {held_yjs:.1} kB");
    drop(writer);
    drop(ysrv);
    drop(srv);
    let (o, y) = (stats(&ours, |j| j.seconds), stats(&theirs, |j| j.seconds));
    let (ob, yb) = (stats(&ours, |j| j.bytes as f64), stats(&theirs, |j| j.bytes as f64));
    let med = |v: &Value| v["median"].as_f64().unwrap();
    let time_ratio = med(&o) / med(&y);
    let bytes_ratio = med(&ob) / med(&yb);
    println!(
        "snapshot of {n} cards: clearboard {:.1} ms ({:.1}–{:.1}), {:.0} B; Yjs {:.1} ms ({:.1}–{:.1}), {:.0} B; time ratio {time_ratio:.2}, bytes ratio {bytes_ratio:.2}",
        med(&o) * 1000.0,
        o["min"].as_f64().unwrap() * 1000.0,
        o["max"].as_f64().unwrap() * 1000.0,
        med(&ob),
        med(&y) * 1000.0,
        y["min"].as_f64().unwrap() * 1000.0,
        y["max"].as_f64().unwrap() * 1000.0,
        med(&yb),
    );
    json!({
        "benchmark": "snapshot",
        "baseline": "Yjs reference server (@y/websocket-server 0.1.1, yjs 13.6.33): initial sync (step 1 with an empty state vector, step 2) of the same cards in a Y.Map",
        "cards": n, "card_text_bytes": text_bytes, "rounds": rounds,
        "clearboard": { "seconds": o, "bytes": ob, "server_cpu_s": stats(&ours, |j| j.server_cpu_s), "first_join": first_ours },
        "yjs": { "seconds": y, "bytes": yb, "server_cpu_s": stats(&theirs, |j| j.server_cpu_s), "first_join": first_yjs },
        "time_ratio": time_ratio, "bytes_ratio": bytes_ratio,
        "held": { "subscribers": k, "clearboard_kb": held_ours, "yjs_kb": held_yjs, "ratio": held_ours / held_yjs },
    })
}

/// The table's rows for this group (called by `summary`).
pub fn rows(v: &Value, when: &str) -> String {
    let f = |p: &str| v.pointer(p).and_then(Value::as_f64);
    let ms = |p: &str| f(p).map_or("—".into(), |x| format!("{:.1}", x * 1000.0));
    let b = |p: &str| f(p).map_or("—".into(), |x| format!("{x:.0}"));
    format!(
        "| snapshot of a board of {} cards to a joining subscriber vs Yjs's initial sync of the same content: time, median (min–max), ratio ours/Yjs | {} ms ({}–{}) | {} ms ({}–{}) | {:.2} | reported | | {when} |\n\
         | same: bytes received (ratio ours/Yjs) | {} B | {} B | {:.2} | reported | | {when} |\n{}",
        v["cards"],
        ms("/clearboard/seconds/median"),
        ms("/clearboard/seconds/min"),
        ms("/clearboard/seconds/max"),
        ms("/yjs/seconds/median"),
        ms("/yjs/seconds/min"),
        ms("/yjs/seconds/max"),
        f("/time_ratio").unwrap_or(f64::NAN),
        b("/clearboard/bytes/median"),
        b("/yjs/bytes/median"),
        f("/bytes_ratio").unwrap_or(f64::NAN),
        held(v, when),
    )
}

/// The row of memory held per subscriber (absent from runs before it was measured).
fn held(v: &Value, when: &str) -> String {
    let f = |p: &str| v.pointer(p).and_then(Value::as_f64);
    match (f("/held/clearboard_kb"), f("/held/yjs_kb"), f("/held/ratio")) {
        (Some(o), Some(y), Some(r)) => format!(
            "| same: memory each subscriber holds once it has the snapshot ({} joined one after another and kept; server RSS, ours / Yjs) | {o:.1} kB | {y:.1} kB | {r:.2} | < 1 | {} | {when} |\n",
            v["held"]["subscribers"],
            if r < 1.0 { "met" } else { "**missed**" }
        ),
        _ => String::new(),
    }
}
