//! What a request costs beyond its storage (`-- costs`), two figures:
//!
//! 1. **API vs store.** Cards per second written through the JSON API (`POST
//!    /api/v1/boards/{board}/cards` with a bearer session: HTTP, session, purpose guard, access,
//!    the author's key, seal, insert, publish) against the same sealed insert through the store
//!    alone (`BoardStore::insert_card`, the call `Boards::insert_card` makes, with the text sealed
//!    by the same `Dek::seal_str` and the same authenticated context). Same in-process deployment
//!    on embedded SQLite, same writers (16, then 1), same texts; the two alternate in rounds
//!    (`COSTS_ROUNDS`, default 5). Goal: API ≥ 0.5 × store.
//! 2. **Audit and purpose-guard share** of the server's CPU under API load (`costs/share.rs`).

use std::sync::Arc;
use std::time::Instant;

use clearboard_core::boards::kinds::{CardKind, CardStatus};
use clearboard_core::identity::sessions::SessionKind;
use clearboard_core::platform::ids::CardId;
use clearboard_core::platform::ports::CardRow;
use clearboard_vault::Aad;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::common::{PASSWORD, Rng, idea};

mod share;

/// Min, median and max of some runs.
pub fn spread(v: &[f64]) -> Value {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    json!({ "median": crate::common::median(v.to_vec()), "min": min, "max": max, "runs": v })
}

/// Writes `per_writer` cards from each of `writers` tasks, through the store; cards per second.
async fn store_rate(
    cb: &clearboard_core::Clearboard,
    region: &Arc<clearboard_core::RegionHandle>,
    who: &clearboard_core::identity::principal::Principal,
    board: &clearboard_core::platform::ids::BoardId,
    writers: usize,
    per_writer: usize,
    seed: u64,
) -> f64 {
    // The author's key, read once as the API's request-scoped cache does per request.
    let dek = Arc::new(cb.keys().current(region, &who.subject).await.unwrap());
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (cb, region, dek, who, board) = (cb.clone(), region.clone(), dek.clone(), who.subject.clone(), board.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(seed ^ (w as u64 + 1));
            for i in 0..per_writer {
                let now = cb.now();
                let id = CardId::new(now).unwrap();
                let body = dek.seal_str(Aad { table: "cards", column: "body", row: id.as_str() }, &idea(&mut rng, i)).unwrap();
                let row = CardRow {
                    id,
                    board_id: board.clone(),
                    author_id: who.clone(),
                    kind: CardKind::Text,
                    body,
                    blob_id: None,
                    media_type: None,
                    x: (i * 37 % 4000) as i64,
                    y: (i * 91 % 3000) as i64,
                    color: "#fff3a3".into(),
                    category: None,
                    status: CardStatus::Published,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                    anonymous: false,
                };
                region.boards.insert_card(&row).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (writers * per_writer) as f64 / t.elapsed().as_secs_f64()
}

/// The same cards through the JSON API; cards per second.
async fn api_rate(http: &reqwest::Client, url: &str, token: &str, writers: usize, per_writer: usize, seed: u64) -> f64 {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (http, url, token) = (http.clone(), url.to_string(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(seed ^ (w as u64 + 1));
            for i in 0..per_writer {
                let body = json!({ "kind": "text", "text": idea(&mut rng, i), "x": (i * 37 % 4000) as i64, "y": (i * 91 % 3000) as i64 });
                let r = http.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 201, "card creation");
                let _ = r.bytes().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (writers * per_writer) as f64 / t.elapsed().as_secs_f64()
}

/// Figure 1: the API's card write against the store's.
pub async fn api_vs_store(rounds: usize) -> Value {
    let server = crate::common::serve_in_process().await;
    let cb = server.app.state.cb.clone();
    let who = crate::common::signed_up(&cb, "costs@example.test", "Costs").await;
    let (token, _) = cb.sessions().sign_in("costs@example.test", Zeroizing::new(PASSWORD.into()), SessionKind::Bearer, None).await.unwrap();
    let token = token.to_string();
    let board = cb.boards().create_board(&who, None, "Costs").await.unwrap().board.id;
    let region = Arc::new(cb.region(&who.region).unwrap().clone());
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let url = format!("{}/api/v1/boards/{board}/cards", server.base);
    let mut rows = Vec::new();
    for (writers, per_writer) in [(16usize, 250usize), (1, 600)] {
        // One unrecorded pass of each warms the caches and the connection pool.
        store_rate(&cb, &region, &who, &board, writers, per_writer / 5, 1).await;
        api_rate(&http, &url, &token, writers, per_writer / 5, 1).await;
        let (mut api, mut store) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let seed = 0xC057_0000 + round as u64;
            for api_side in if round % 2 == 0 { [false, true] } else { [true, false] } {
                if api_side {
                    api.push(api_rate(&http, &url, &token, writers, per_writer, seed).await);
                } else {
                    store.push(store_rate(&cb, &region, &who, &board, writers, per_writer, seed).await);
                }
            }
        }
        let ratios: Vec<f64> = api.iter().zip(&store).map(|(a, s)| a / s).collect();
        let (a, s) = (crate::common::median(api.clone()), crate::common::median(store.clone()));
        println!(
            "costs/api-vs-store: {writers:>2} writers: API {a:.0} cards/s ({:.0}–{:.0}), store {s:.0} cards/s ({:.0}–{:.0}), ratio {:.3} (per round {:.3}–{:.3}; goal ≥ 0.5)",
            api.iter().copied().fold(f64::INFINITY, f64::min),
            api.iter().copied().fold(0.0, f64::max),
            store.iter().copied().fold(f64::INFINITY, f64::min),
            store.iter().copied().fold(0.0, f64::max),
            a / s,
            ratios.iter().copied().fold(f64::INFINITY, f64::min),
            ratios.iter().copied().fold(0.0, f64::max),
        );
        rows.push(json!({
            "writers": writers, "cards_per_writer_per_run": per_writer,
            "api_cards_per_s": spread(&api), "store_cards_per_s": spread(&store),
            "ratio": a / s, "ratio_per_round": spread(&ratios),
        }));
    }
    server.app.opened.close().await;
    json!({
        "baseline": "the same sealed card insert through the store alone (BoardStore::insert_card, text sealed by Dek::seal_str), same deployment and writers",
        "ours": "POST /api/v1/boards/{board}/cards with a bearer session (HTTP, session, purpose guard, access, key, seal, insert, publish), client in the same process",
        "deployment": "in-process server, embedded SQLite (WAL)",
        "rounds": rounds, "goal": "API ≥ 0.5 × store", "rows": rows,
    })
}

/// Both figures of the group (`COSTS_SHARE=0`: the first only, for a quick A/B of the write path).
pub async fn run(rounds: usize) -> Value {
    let api = api_vs_store(rounds).await;
    if std::env::var("COSTS_SHARE").is_ok_and(|v| v == "0") {
        return json!({ "benchmark": "costs", "api_vs_store": api });
    }
    let share = share::run().await;
    json!({ "benchmark": "costs", "api_vs_store": api, "audit_guard_share": share })
}

/// The table's rows for this group (called by `summary`).
pub fn rows(v: &Value, when: &str) -> String {
    let n = |x: Option<f64>, d: usize| x.filter(|x| x.is_finite()).map_or("—".into(), |x| format!("{x:.d$}"));
    let mut md = String::new();
    for r in v.pointer("/api_vs_store/rows").and_then(Value::as_array).cloned().unwrap_or_default() {
        let g = |p: &str| r.pointer(p).and_then(Value::as_f64);
        let ratio = g("/ratio");
        md.push_str(&format!(
            "| card write through the API vs the same sealed insert through the store, {} (medians of {} rounds; ratio per round {}–{}) | {} cards/s | {} cards/s | {} | ≥ 0.5 | {} | {when} |\n",
            if r["writers"] == 1 { "1 writer".to_string() } else { format!("{} concurrent writers", r["writers"]) },
            v.pointer("/api_vs_store/rounds").unwrap_or(&Value::Null),
            n(g("/ratio_per_round/min"), 2),
            n(g("/ratio_per_round/max"), 2),
            n(g("/api_cards_per_s/median"), 0),
            n(g("/store_cards_per_s/median"), 0),
            n(ratio, 2),
            if ratio.is_some_and(|x| x >= 0.5) { "met" } else if ratio.is_some() { "**missed**" } else { "not measured" },
        ));
    }
    for load in v.pointer("/audit_guard_share/loads").and_then(Value::as_array).cloned().unwrap_or_default() {
        let g = |p: &str| load.pointer(p).and_then(Value::as_f64);
        let share = g("/share");
        md.push_str(&format!(
            "| audit + purpose-guard share of the server's CPU, {} ({}) | {} % (audit {} %, guard {} %) | | | ≤ 20 % | {} | {when} |\n",
            load["name"].as_str().unwrap_or("?"),
            load["mix"].as_str().unwrap_or("?"),
            n(share.map(|x| x * 100.0), 2),
            n(g("/audit_share").map(|x| x * 100.0), 2),
            n(g("/guard_share").map(|x| x * 100.0), 3),
            if share.is_some_and(|x| x <= 0.2) {
                "met"
            } else if share.is_some() {
                "**missed**"
            } else {
                "not measured"
            },
        ));
    }
    md
}
