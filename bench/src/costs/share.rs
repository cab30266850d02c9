//! Figure 2 of `-- costs`: the share of the server's CPU spent in the audit log and the purpose
//! guard, under API load on the release server (`target/release/clearboard serve`, embedded
//! SQLite), in three mixes from 8 concurrent clients:
//!
//! - `cards`: 50 % create a card, 50 % read one (neither is audited: both pass the guard);
//! - `audited`: 50 % create a board, 50 % change a consent choice (each appends one entry);
//! - `mixed`: 40 % create a card, 40 % read one, 10 % create a board, 10 % consent choice.
//!
//! Method. The purpose guard runs on the request's own task: `perf record` (cpu-clock, DWARF
//! call graphs) of the server process during `SECONDS` of each mix; its share is the samples
//! whose stack holds `Policy::check` or a service's `guard`, out of every sample of the
//! process. The audit append runs mostly as SQL on SQLite's worker thread, where a stack does
//! not say which statement runs, so its cost is measured directly: on an in-process deployment
//! of the same kind, the store's own append (`clearboard_store::platform::audit::append_sqlite`:
//! read the chain's head, link the entry, insert it, MAC and upsert the checkpoint) in its own
//! committed transaction, minus an empty committed transaction, in process CPU time per
//! append; times the entries the mix appended (counted in the server's databases), over the
//! server's CPU time meanwhile (from /proc). The samples perf sees in the audit code outside
//! SQLite (hashing, drafts) are reported beside it as a check; they are part of the measured
//! append.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clearboard_core::platform::audit::{Actor, region_chain};
use clearboard_core::platform::ids::BoardId;
use clearboard_store::platform::audit as sql;
use serde_json::{Value, json};

use crate::fanout::{self, Target};

const SECONDS: u64 = 6;
const CLIENTS: usize = 8;

#[derive(Clone, Copy)]
enum Op {
    CreateCard,
    ReadCard,
    CreateBoard,
    Consent,
}

/// A mix: its name, its description, and each operation's weight.
type Mix = (&'static str, &'static str, &'static [(Op, u64)]);

const MIXES: &[Mix] = &[
    ("cards", "50 % create card, 50 % read card", &[(Op::CreateCard, 50), (Op::ReadCard, 50)]),
    ("audited", "50 % create board, 50 % consent choice", &[(Op::CreateBoard, 50), (Op::Consent, 50)]),
    (
        "mixed",
        "40 % create card, 40 % read card, 10 % create board, 10 % consent choice",
        &[(Op::CreateCard, 40), (Op::ReadCard, 40), (Op::CreateBoard, 10), (Op::Consent, 10)],
    ),
];

fn pick(mix: &[(Op, u64)], r: u64) -> Op {
    let mut x = r % mix.iter().map(|(_, w)| w).sum::<u64>();
    for (op, w) in mix {
        if x < *w {
            return *op;
        }
        x -= w;
    }
    mix[0].0
}

async fn one(http: &reqwest::Client, base: &str, token: &str, board: &str, card: &str, op: Op, k: u64) {
    // A short number: a long one in a text looks like a payment card's and is refused (422).
    let k = k % 10_000;
    let r = match op {
        Op::CreateCard => http
            .post(format!("{base}/api/v1/boards/{board}/cards"))
            .bearer_auth(token)
            .json(&json!({ "kind": "text", "text": format!("card {k}: shorter stand-ups") })),
        Op::ReadCard => http.get(format!("{base}/api/v1/cards/{card}")).bearer_auth(token),
        Op::CreateBoard => http.post(format!("{base}/api/v1/boards")).bearer_auth(token).json(&json!({ "title": format!("Board {k}") })),
        Op::Consent => http
            .put(format!("{base}/api/v1/me/consents"))
            .bearer_auth(token)
            .json(&json!({ "purpose": "marketing", "granted": k.is_multiple_of(2) })),
    };
    let r = r.send().await.unwrap();
    assert!(r.status().is_success(), "request failed: {}", r.status());
    let _ = r.bytes().await.unwrap();
}

/// The audit entries in every database of a data folder (read-only).
async fn audit_entries(dir: &std::path::Path) -> i64 {
    let (mut total, mut found) = (0, false);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let is_db = std::fs::read(&p).is_ok_and(|b| b.starts_with(b"SQLite format 3\0"));
            if !is_db {
                continue;
            }
            let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&p).read_only(true);
            let Ok(pool) = sqlx::SqlitePool::connect_with(opts).await else { continue };
            if let Ok((n,)) = sqlx::query_as::<_, (i64,)>("SELECT count(*) FROM audit").fetch_one(&pool).await {
                total += n;
                found = true;
            }
            pool.close().await;
        }
    }
    assert!(found, "no audit table found under {}", dir.display());
    total
}

/// Samples of a `perf script` output: (all, guard, audit frames outside SQLite, SQLite's
/// worker threads).
fn classify(script: &str) -> (u64, u64, u64, u64) {
    let (mut all, mut guard, mut audit, mut worker) = (0, 0, 0, 0);
    for sample in script.split("\n\n").filter(|s| !s.trim().is_empty()) {
        all += 1;
        let comm = sample.split_whitespace().next().unwrap_or("");
        let guarded = sample.lines().any(|l| l.contains("Policy::check") || (l.contains("clearboard") && l.contains("::guard")));
        if guarded {
            guard += 1;
        } else if sample.contains("clearboard_vault::audit::") || sample.contains("audit_draft") || sample.contains("audit::entry_of") {
            audit += 1;
        } else if comm.starts_with("sqlx-sqlite") || sample.contains("sqlx_sqlite::connection::worker") {
            worker += 1;
        }
    }
    (all, guard, audit, worker)
}

/// Process CPU seconds per audit append, measured on an in-process deployment: the append as
/// the store does it, each in its own committed transaction, minus empty committed ones.
async fn append_cost(n: usize) -> Value {
    let server = crate::common::serve_in_process().await;
    let cb = server.app.state.cb.clone();
    let who = crate::common::signed_up(&cb, "audit@example.test", "Audit").await;
    let chain = region_chain(who.region.as_str());
    let (_, region, _) = server.app.opened.region_stores.iter().find(|(id, _, _)| *id == who.region).unwrap();
    let clearboard_store::Db::Sqlite(pool, _) = region.db() else { panic!("embedded SQLite expected") };
    let me = std::process::id();
    let empty = async || {
        let (c0, t) = (fanout::cpu_ticks(me), Instant::now());
        for _ in 0..n {
            pool.begin_with("BEGIN IMMEDIATE").await.unwrap().commit().await.unwrap();
        }
        ((fanout::cpu_ticks(me) - c0) as f64 / 100.0, t.elapsed().as_secs_f64())
    };
    let appends = async || {
        let (c0, t) = (fanout::cpu_ticks(me), Instant::now());
        for i in 0..n {
            let board = BoardId::new(cb.now()).unwrap();
            let draft = cb.audit_draft(
                Actor::Subject(&who.subject),
                "board.create",
                Some(&who.subject),
                Some("hosting"),
                json!({ "board": board.as_str(), "n": i }),
            );
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
            sql::append_sqlite(&mut tx, &chain, cb.keyring(), draft).await.unwrap();
            tx.commit().await.unwrap();
        }
        ((fanout::cpu_ticks(me) - c0) as f64 / 100.0, t.elapsed().as_secs_f64())
    };
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        without.push(empty().await);
        with.push(appends().await);
    }
    // The chain the product verifies still holds: the appends above are the store's.
    for r in cb.verify_audit().await.unwrap() {
        assert!(r.result.is_ok(), "audit chain {} broken by the bench's appends", r.chain);
    }
    let per = |v: &[(f64, f64)], k: usize| crate::common::median(v.iter().map(|x| if k == 0 { x.0 } else { x.1 }).collect()) / n as f64;
    let cpu = per(&with, 0) - per(&without, 0);
    let wall = per(&with, 1) - per(&without, 1);
    server.app.opened.close().await;
    println!("costs/audit append: {:.1} µs CPU ({:.1} µs wall) per entry beyond an empty transaction", cpu * 1e6, wall * 1e6);
    json!({ "appends_per_run": n, "runs": 3, "cpu_s_per_append": cpu, "wall_s_per_append": wall,
            "with_cpu_wall_s": with, "empty_tx_cpu_wall_s": without })
}

/// Runs one mix against the server while perf records it.
#[allow(clippy::too_many_arguments)]
async fn measure(
    name: &str,
    label: &str,
    mix: &'static [(Op, u64)],
    base: &str,
    token: &str,
    board: &str,
    card: &str,
    pid: u32,
    data_dir: &std::path::Path,
    append_cpu_s: f64,
) -> Value {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (stop, done, http) = (stop.clone(), done.clone(), http.clone());
        let (base, token, board, card) = (base.to_string(), token.to_string(), board.to_string(), card.to_string());
        tasks.push(tokio::spawn(async move {
            let mut r = crate::common::Rng(0xA0D1_7000 + c as u64);
            while !stop.load(Ordering::Relaxed) {
                let k = r.next();
                one(&http, &base, &token, &board, &card, pick(mix, k), k).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let data = tempfile::NamedTempFile::new().unwrap();
    let entries0 = audit_entries(data_dir).await;
    let (ops0, cpu0) = (done.load(Ordering::Relaxed), fanout::cpu_ticks(pid));
    let t = Instant::now();
    let path = data.path().to_path_buf();
    let perf = tokio::task::spawn_blocking(move || {
        std::process::Command::new("/usr/bin/perf")
            .args(["record", "-q", "-F", "250", "--call-graph", "dwarf,32768", "-p", &pid.to_string(), "-o"])
            .arg(&path)
            .args(["--", "sleep", &SECONDS.to_string()])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap()
    })
    .await
    .unwrap();
    let (ops1, cpu1, secs) = (done.load(Ordering::Relaxed), fanout::cpu_ticks(pid), t.elapsed().as_secs_f64());
    let entries1 = audit_entries(data_dir).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    assert!(perf.success(), "perf record failed");
    let path = data.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("/usr/bin/perf")
            .args(["script", "-F", "comm,tid,ip,sym", "-i"])
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let (all, guard, audit_frames, worker) = classify(&String::from_utf8_lossy(&out.stdout));
    let server_cpu_s = (cpu1 - cpu0) as f64 / 100.0;
    let appended = entries1 - entries0;
    let audit_share = appended as f64 * append_cpu_s / server_cpu_s;
    let guard_share = guard as f64 / all as f64;
    let ops = ops1 - ops0;
    println!(
        "costs/share {name}: {ops} requests in {secs:.1} s, server CPU {server_cpu_s:.2} s ({:.0} µs/request); {appended} audit entries; perf samples {all}: guard {guard}, audit code outside SQLite {audit_frames}, SQLite worker {worker}; audit {:.2} % + guard {:.3} % = {:.2} % (goal ≤ 20 %)",
        server_cpu_s * 1e6 / ops as f64,
        audit_share * 100.0,
        guard_share * 100.0,
        (audit_share + guard_share) * 100.0
    );
    json!({
        "name": name, "mix": label, "clients": CLIENTS, "seconds": secs, "requests": ops,
        "server_cpu_s": server_cpu_s, "server_cpu_us_per_request": server_cpu_s * 1e6 / ops as f64,
        "audit_entries_appended": appended,
        "perf_samples": { "all": all, "guard": guard, "audit_code_outside_sqlite": audit_frames, "sqlite_worker": worker },
        "audit_frames_share_check": audit_frames as f64 / all as f64,
        "sqlite_worker_share": worker as f64 / all as f64,
        "audit_share": audit_share, "guard_share": guard_share, "share": audit_share + guard_share,
    })
}

pub async fn run() -> Value {
    if !std::path::Path::new("/usr/bin/perf").exists() {
        println!("costs/share: /usr/bin/perf is missing: not measured");
        return json!({ "error": "perf not found" });
    }
    let append = append_cost(2000).await;
    let append_cpu_s = append["cpu_s_per_append"].as_f64().unwrap();
    let (srv, base) = crate::start_clearboard().await;
    let Target::Clearboard { token, board, card, .. } = fanout::prepare_clearboard(&base).await else { unreachable!() };
    let data_dir = srv._dir.as_ref().unwrap().path().to_path_buf();
    let mut loads = Vec::new();
    for (name, label, mix) in MIXES {
        loads.push(measure(name, label, mix, &base, &token, &board, &card, srv.child.id(), &data_dir, append_cpu_s).await);
    }
    drop(srv);
    json!({
        "method": "guard: perf record -F 250 --call-graph dwarf of the release server, samples whose stack holds Policy::check or a service's guard, out of all the process's samples; audit: CPU per append measured in-process (the store's statements and hashing in a committed transaction, minus an empty one) × entries appended during the window / the server's CPU time meanwhile (/proc)",
        "goal": "audit + guard ≤ 20 % of a request's CPU",
        "append": append, "loads": loads,
    })
}
