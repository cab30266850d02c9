//! GDPR workloads against plain CRUD on the same server, in the spirit of GDPRbench (Shastri et
//! al., VLDB 2020): the same HTTP clients, the same data, the same server process, two mixes.
//!
//! Plain (YCSB-A-like): 50 % read a card by key, 50 % update its text.
//! GDPR mix (every operation does what the law asks of it: purpose guard, per-person sealing,
//! audit entry, consent proof, erasure by key destruction):
//!   20 % create a record with its metadata (a card: purpose-checked, sealed, audited)
//!   20 % read by key (a card)
//!   10 % delete by key (a card)
//!   20 % update metadata (a consent choice, appended to the ledger with its proof)
//!   10 % read by purpose / objection state (the person's consent choices)
//!    5 % read by person (the privacy-centre overview: all categories, decrypted)
//!   10 % delete by person (a participant joins a board by code and erases themselves)
//!    5 % read the person's profile (decrypted)
//! plus delete by TTL: the retention scheduler runs once a second during the GDPR mix.
//! Reported: operations per second of each mix, the ratio GDPR/plain (goal ≥ 0.8: issue 21 raised it from 0.5), and the
//! median latency per operation kind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct User {
    token: String,
    cards: Vec<String>,
    board: String,
    code: String,
}

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

async fn setup(base: &str, http: &reqwest::Client, users: usize, cards_each: usize) -> Vec<User> {
    let mut out = Vec::new();
    for i in 0..users {
        let email = format!("gdpr{i}@example.test");
        let body = json!({ "email": email, "password": "a bench password", "first_name": format!("First{i}"), "last_name": "Bench", "birth_date": "1990-01-01" });
        assert_eq!(http.post(format!("{base}/api/v1/accounts")).json(&body).send().await.unwrap().status(), 201);
        let v: Value = http
            .post(format!("{base}/api/v1/sessions"))
            .json(&json!({ "email": email, "password": "a bench password" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = v["token"].as_str().unwrap().to_string();
        let b: Value = http
            .post(format!("{base}/api/v1/boards"))
            .bearer_auth(&token)
            .json(&json!({ "title": format!("Board {i}") }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let board = b["id"].as_str().unwrap().to_string();
        let code = b["join_code"].as_str().unwrap().to_string();
        let mut cards = Vec::new();
        for j in 0..cards_each {
            let c: Value = http
                .post(format!("{base}/api/v1/boards/{board}/cards"))
                .bearer_auth(&token)
                .json(&json!({ "kind": "text", "text": format!("idea {j} of person {i}: make the stand-up shorter") }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            cards.push(c["id"].as_str().unwrap().to_string());
        }
        out.push(User { token, cards, board, code });
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    ReadCard,
    UpdateCard,
    CreateCard,
    DeleteCard,
    SetConsent,
    ReadConsents,
    ReadPerson,
    EraseParticipant,
    ReadProfile,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::ReadCard => "read by key (card)",
            Op::UpdateCard => "update by key (card text)",
            Op::CreateCard => "create record with metadata (card)",
            Op::DeleteCard => "delete by key (card)",
            Op::SetConsent => "update metadata (consent choice)",
            Op::ReadConsents => "read by purpose/objection (consents)",
            Op::ReadPerson => "read by person (privacy centre)",
            Op::EraseParticipant => "delete by person (join + erase)",
            Op::ReadProfile => "read profile (decrypted)",
        }
    }
}

fn pick(mix: &[(Op, u64)], r: u64) -> Op {
    let total: u64 = mix.iter().map(|(_, w)| w).sum();
    let mut x = r % total;
    for (op, w) in mix {
        if x < *w {
            return *op;
        }
        x -= w;
    }
    mix[0].0
}

async fn run_op(op: Op, base: &str, http: &reqwest::Client, u: &mut User, seed: &mut u64) -> bool {
    let ok = |s: reqwest::StatusCode| s.is_success();
    match op {
        Op::ReadCard => {
            let id = &u.cards[(rng(seed) as usize) % u.cards.len()];
            let r = http.get(format!("{base}/api/v1/cards/{id}")).bearer_auth(&u.token).send().await.unwrap();
            let s = r.status();
            let _ = r.bytes().await;
            ok(s)
        }
        Op::UpdateCard => {
            let id = u.cards[(rng(seed) as usize) % u.cards.len()].clone();
            let r = http
                .patch(format!("{base}/api/v1/cards/{id}"))
                .bearer_auth(&u.token)
                .json(&json!({ "text": format!("edited {}", rng(seed) % 1000) }))
                .send()
                .await
                .unwrap();
            let s = r.status();
            let _ = r.bytes().await;
            ok(s)
        }
        Op::CreateCard => {
            let r = http
                .post(format!("{base}/api/v1/boards/{}/cards", u.board))
                .bearer_auth(&u.token)
                .json(&json!({ "kind": "text", "text": "a new idea" }))
                .send()
                .await
                .unwrap();
            let s = r.status();
            let v: Value = r.json().await.unwrap_or_default();
            if let Some(id) = v["id"].as_str() {
                u.cards.push(id.to_string());
            }
            ok(s)
        }
        Op::DeleteCard => {
            if u.cards.len() < 20 {
                return true;
            }
            let i = (rng(seed) as usize) % u.cards.len();
            let id = u.cards.swap_remove(i);
            let r = http.delete(format!("{base}/api/v1/cards/{id}")).bearer_auth(&u.token).send().await.unwrap();
            ok(r.status())
        }
        Op::SetConsent => {
            let r = http
                .put(format!("{base}/api/v1/me/consents"))
                .bearer_auth(&u.token)
                .json(&json!({ "purpose": "marketing", "granted": rng(seed).is_multiple_of(2) }))
                .send()
                .await
                .unwrap();
            let s = r.status();
            let _ = r.bytes().await;
            ok(s)
        }
        Op::ReadConsents => {
            let r = http.get(format!("{base}/api/v1/me/consents")).bearer_auth(&u.token).send().await.unwrap();
            let s = r.status();
            let _ = r.bytes().await;
            ok(s)
        }
        Op::ReadPerson => {
            let r = http.get(format!("{base}/api/v1/me/privacy")).bearer_auth(&u.token).send().await.unwrap();
            let s = r.status();
            let _ = r.bytes().await;
            ok(s)
        }
        Op::EraseParticipant => {
            let r = http.post(format!("{base}/api/v1/join")).json(&json!({ "code": u.code, "pseudonym": "Guest" })).send().await.unwrap();
            if !r.status().is_success() {
                return false;
            }
            let v: Value = r.json().await.unwrap();
            let t = v["token"].as_str().unwrap().to_string();
            let r = http.delete(format!("{base}/api/v1/participants/me")).bearer_auth(&t).send().await.unwrap();
            ok(r.status())
        }
        Op::ReadProfile => {
            let r = http.get(format!("{base}/api/v1/me")).bearer_auth(&u.token).send().await.unwrap();
            let s = r.status();
            let _ = r.bytes().await;
            ok(s)
        }
    }
}

/// What one mix did: the people back, operations per second answered within the window (the
/// steady state: every client busy), the same counting the operations in flight at its end
/// and the time until the last of them was answered (the drain), errors, latencies, and the
/// single writer's metrics when the window closed.
struct Driven {
    users: Vec<User>,
    rate: f64,
    drained_rate: f64,
    errors: u64,
    lat: Vec<(Op, f64)>,
    writer_at_stop: (f64, f64, f64),
}

/// One mix's rounds, added up.
#[derive(Default)]
struct Tally {
    rates: Vec<f64>,
    drained: Vec<f64>,
    writer: Vec<Value>,
    errors: u64,
    lat: Vec<(Op, f64)>,
}

impl Tally {
    /// Adds a round whose window lasted `secs` (the writer's metrics `before` it); gives the
    /// people back for the next.
    fn add(&mut self, d: Driven, before: (f64, f64, f64), secs: f64) -> Vec<User> {
        self.writer.push(writer_during(before, d.writer_at_stop, secs, d.rate));
        self.rates.push(d.rate);
        self.drained.push(d.drained_rate);
        self.errors += d.errors;
        self.lat.extend(d.lat);
        d.users
    }
}

async fn drive(base: &str, users: Vec<User>, mix: &'static [(Op, u64)], seconds: u64) -> Driven {
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let stop = Instant::now() + Duration::from_secs(seconds);
    let at_stop = tokio::spawn(async move {
        tokio::time::sleep_until(stop.into()).await;
        writer_so_far("eu/data")
    });
    let mut tasks = Vec::new();
    for (i, mut u) in users.into_iter().enumerate() {
        let http = http.clone();
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (i as u64 + 1);
            let (mut n, mut within, mut errors) = (0u64, 0u64, 0u64);
            let mut lat: Vec<(Op, f64)> = Vec::new();
            while Instant::now() < stop {
                let op = pick(mix, rng(&mut seed));
                let t = Instant::now();
                if !run_op(op, &base, &http, &mut u, &mut seed).await {
                    errors += 1;
                }
                lat.push((op, t.elapsed().as_secs_f64() * 1000.0));
                n += 1;
                within += u64::from(Instant::now() <= stop);
            }
            (u, n, within, errors, lat)
        }));
    }
    let started = Instant::now();
    let mut users = Vec::new();
    let (mut total, mut within, mut errors) = (0u64, 0u64, 0u64);
    let mut lat = Vec::new();
    for t in tasks {
        let (u, n, w, e, l) = t.await.unwrap();
        users.push(u);
        total += n;
        within += w;
        errors += e;
        lat.extend(l);
    }
    let drained = started.elapsed().as_secs_f64().max(seconds as f64);
    let writer_at_stop = at_stop.await.unwrap();
    Driven { users, rate: within as f64 / seconds as f64, drained_rate: total as f64 / drained, errors, lat, writer_at_stop }
}

const PLAIN: &[(Op, u64)] = &[(Op::ReadCard, 50), (Op::UpdateCard, 50)];
const GDPR: &[(Op, u64)] = &[
    (Op::CreateCard, 20),
    (Op::ReadCard, 20),
    (Op::DeleteCard, 10),
    (Op::SetConsent, 20),
    (Op::ReadConsents, 10),
    (Op::ReadPerson, 5),
    (Op::EraseParticipant, 10),
    (Op::ReadProfile, 5),
];

fn medians(lat: &[(Op, f64)]) -> Vec<(String, f64, usize)> {
    let mut out = Vec::new();
    for op in [
        Op::ReadCard,
        Op::UpdateCard,
        Op::CreateCard,
        Op::DeleteCard,
        Op::SetConsent,
        Op::ReadConsents,
        Op::ReadPerson,
        Op::EraseParticipant,
        Op::ReadProfile,
    ] {
        let mut v: Vec<f64> = lat.iter().filter(|(o, _)| *o == op).map(|(_, l)| *l).collect();
        if v.is_empty() {
            continue;
        }
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        out.push((op.name().to_string(), v[v.len() / 2], v.len()));
    }
    out
}

/// The region database's single writer as the server's own metrics show it: (seconds held,
/// seconds waited, write transactions) so far.
fn writer_so_far(db: &str) -> (f64, f64, f64) {
    let text = clearboard_app::metrics_handle().map(|h| h.render()).unwrap_or_default();
    let read = |name: &str| -> f64 {
        let head = format!("{name}{{db=\"{db}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(head.as_str())).and_then(|v| v.trim().parse().ok()).unwrap_or(f64::NAN)
    };
    (
        read("clearboard_db_write_held_seconds_sum"),
        read("clearboard_db_write_wait_seconds_sum"),
        read("clearboard_db_write_held_seconds_count"),
    )
}

/// What the single writer did during a mix's window of `secs`: the share of the time it was
/// held, the write transactions per second and per operation, and the mean time each held it.
fn writer_during(before: (f64, f64, f64), after: (f64, f64, f64), secs: f64, ops_per_s: f64) -> Value {
    let (held, waited, n) = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    json!({
        "held_share": held / secs,
        "transactions_per_s": n / secs,
        "transactions_per_op": n / secs / ops_per_s,
        "mean_held_ms": held / n * 1000.0,
        "mean_wait_ms": waited / n * 1000.0,
    })
}

/// Runs both mixes on one in-process server (embedded SQLite).
pub async fn run(users: usize, cards_each: usize, seconds: u64, rounds: usize) -> Value {
    // The recorder first, so that the server's metrics are kept from its start.
    let _ = clearboard_app::metrics_handle();
    let server = crate::common::serve_in_process().await;
    let (app, base) = (&server.app, server.base.clone());
    let http = reqwest::Client::new();
    let t = Instant::now();
    let mut people = setup(&base, &http, users, cards_each).await;
    println!("gdpr: {users} people × {cards_each} cards set up in {:.1} s", t.elapsed().as_secs_f64());
    // [plain CRUD, GDPR mix]
    let mut tally = [Tally::default(), Tally::default()];
    for round in 0..rounds {
        // Alternate the order so that neither mix always runs on a warmer cache.
        let order = if round % 2 == 0 { [false, true] } else { [true, false] };
        for gdpr in order {
            let before = writer_so_far("eu/data");
            // Delete by TTL during the GDPR mix: the retention scheduler, once a second.
            let running = Arc::new(AtomicBool::new(true));
            let ttl = gdpr.then(|| {
                let (r2, cb) = (running.clone(), app.state.cb.clone());
                tokio::spawn(async move {
                    while r2.load(Ordering::Relaxed) {
                        let _ = cb.retention().run().await;
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                })
            });
            let d = drive(&base, people, if gdpr { GDPR } else { PLAIN }, seconds).await;
            running.store(false, Ordering::Relaxed);
            if let Some(ttl) = ttl {
                let _ = ttl.await;
            }
            people = tally[usize::from(gdpr)].add(d, before, seconds as f64);
        }
    }
    let [plain, gdpr] = tally;
    let med = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let (p, g) = (med(plain.rates.clone()), med(gdpr.rates.clone()));
    println!(
        "gdpr: plain CRUD {p:.0} ops/s, GDPR mix {g:.0} ops/s, ratio {:.2} (goal ≥ 0.8); errors {} / {}",
        g / p,
        plain.errors,
        gdpr.errors
    );
    let (pd, gd) = (med(plain.drained.clone()), med(gdpr.drained.clone()));
    println!("gdpr: counting the drain after each window too: plain CRUD {pd:.0} ops/s, GDPR mix {gd:.0} ops/s, ratio {:.2}", gd / pd);
    let pm = medians(&plain.lat);
    let gm = medians(&gdpr.lat);
    for (name, ms, n) in pm.iter().chain(gm.iter()) {
        println!("  {name:<40} median {ms:7.2} ms  ({n} ops)");
    }
    // The round whose rate is the median's, for each mix.
    let at_median = |rates: &[f64], writer: &[Value], m: f64| rates.iter().position(|r| *r == m).and_then(|i| writer.get(i).cloned());
    let writer = json!({
        "database": "eu/data (the region's SQLite file)",
        "plain": at_median(&plain.rates, &plain.writer, p), "gdpr": at_median(&gdpr.rates, &gdpr.writer, g),
        "plain_runs": plain.writer, "gdpr_runs": gdpr.writer,
    });
    for (mix, w) in [("plain CRUD", &writer["plain"]), ("GDPR mix", &writer["gdpr"])] {
        println!(
            "  single writer during {mix:<10}: held {:.0} % of the time, {:.0} write transactions/s ({:.2} per operation), {:.2} ms held each, {:.1} ms waited each",
            w["held_share"].as_f64().unwrap_or(f64::NAN) * 100.0,
            w["transactions_per_s"].as_f64().unwrap_or(f64::NAN),
            w["transactions_per_op"].as_f64().unwrap_or(f64::NAN),
            w["mean_held_ms"].as_f64().unwrap_or(f64::NAN),
            w["mean_wait_ms"].as_f64().unwrap_or(f64::NAN),
        );
    }
    app.opened.close().await;
    json!({
        "single_writer": writer,
        "benchmark": "gdpr-workloads",
        "baseline": "plain CRUD (YCSB-A-like: 50% read card by key, 50% update card text) on the same server and data",
        "people": users, "cards_each": cards_each, "seconds_per_run": seconds, "rounds": rounds, "clients": users,
        "plain_ops_per_s": p, "gdpr_ops_per_s": g, "ratio": g / p,
        "plain_runs": plain.rates, "gdpr_runs": gdpr.rates,
        "window": "operations answered within each 5 s window over 5 s (the steady state, every client busy)",
        "with_drain": { "plain_ops_per_s": pd, "gdpr_ops_per_s": gd, "ratio": gd / pd, "plain_runs": plain.drained, "gdpr_runs": gdpr.drained,
            "how": "every operation started in the window, over the time until the last was answered (fewer clients busy in the drain)" },
        "errors": { "plain": plain.errors, "gdpr": gdpr.errors },
        "median_ms": pm.iter().chain(gm.iter()).map(|(n, ms, c)| json!({ "op": n, "median_ms": ms, "count": c })).collect::<Vec<_>>(),
    })
}
