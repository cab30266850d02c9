//! clearboard benchmarks. Each figure is a ratio to a baseline measured in the same run on the
//! same machine; absolute numbers are printed beside it and never asserted.
//!
//! `cargo run --release -p clearboard-bench -- [envelope|signin|fanout|scaleout|soak|consent|rights|gdpr|outreach|billing|costs|snapshot|fides|board2000|all|summary]`
//! (`rights` takes `--cards N --media-mib M --small N1 --large N2`; `fides` takes `--sizes …`;
//! `outreach` reads `OUTREACH_CONTACTS`, default 2000, and `OUTREACH_ROUNDS`, default 3;
//! `billing` reads `BILLING_ORGS`, default 10000; `soak` reads `SOAK_MINUTES`, default 2, and
//! `SOAK_WORKERS`, default 4).
//! Results go to `bench/results/<name>.json`; `all` (and `summary`) then write the table of every
//! group to `bench/results/latest.md` and `latest.json`.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

mod billing;
mod board2000;
mod common;
mod consent;
mod costs;
mod fanout;
mod fides;
mod gdpr;
mod outreach;
mod rights;
mod scaleout;
mod snapshot;
mod soak;
mod summary;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_vault::{Aad, Dek, KeyId, xchacha};
use common::median;
use serde_json::{Value, json};

/// The benchmarks run by this invocation (for the table's "measured" column).
static RAN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn results_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results")
}

/// Runs `f` repeatedly for about `budget`, returns operations per second.
fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..100 {
        f();
    }
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < budget {
        for _ in 0..256 {
            f();
        }
        n += 256;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn envelope() -> Value {
    let mut rows = Vec::new();
    let dek = Dek::generate(KeyId(1)).unwrap();
    let mut raw_key = [0u8; 32];
    getrandom::fill(&mut raw_key).unwrap();
    let crate_aead = XChaCha20Poly1305::new(&raw_key.into());
    let aad = Aad { table: "accounts", column: "email", row: "0192f0c4-7a3b-7c1e-9a2b-1234567890ab" };
    let raw_aad = b"accounts/email/0192f0c4-7a3b-7c1e-9a2b-1234567890ab";
    for size in [64usize, 1024, 16 * 1024] {
        let msg = vec![0x5au8; size];
        // Baseline: one raw call of the AEAD the envelope uses (`clearboard_vault::xchacha`)
        // with a fresh random nonce, into a new buffer (what any correct use must do).
        let base_seal_fn = || {
            let mut n = [0u8; 24];
            getrandom::fill(&mut n).unwrap();
            let mut out = msg.clone();
            let tag = xchacha::seal_in_place(&raw_key, &n, raw_aad, &mut out).unwrap();
            out.extend_from_slice(&tag);
            std::hint::black_box(out);
        };
        let ours_seal_fn = || {
            std::hint::black_box(dek.seal(aad, &msg).unwrap());
        };
        let mut n = [0u8; 24];
        getrandom::fill(&mut n).unwrap();
        let mut ct = msg.clone();
        let tag = xchacha::seal_in_place(&raw_key, &n, raw_aad, &mut ct).unwrap();
        let env = dek.seal(aad, &msg).unwrap();
        let base_open_fn = || {
            let mut out = ct.clone();
            xchacha::open_in_place(&raw_key, &n, raw_aad, &mut out, &tag).unwrap();
            std::hint::black_box(out);
        };
        let ours_open_fn = || {
            std::hint::black_box(dek.open(aad, &env).unwrap());
        };
        // The same AEAD by RustCrypto's `chacha20poly1305` (the envelope's until 2026-12-07; the
        // blobs' segments still): the same bytes, for comparison.
        let crate_ct = crate_aead.encrypt(&XNonce::from(n), Payload { msg: &msg, aad: raw_aad }).unwrap();
        let crate_seal_fn = || {
            let mut n = [0u8; 24];
            getrandom::fill(&mut n).unwrap();
            std::hint::black_box(crate_aead.encrypt(&XNonce::from(n), Payload { msg: &msg, aad: raw_aad }).unwrap());
        };
        let crate_open_fn = || {
            std::hint::black_box(crate_aead.decrypt(&XNonce::from(n), Payload { msg: &crate_ct, aad: raw_aad }).unwrap());
        };
        // Alternate baseline and ours in rounds and take medians, so drift hits both alike.
        let budget = Duration::from_millis(300);
        let (mut bs, mut os, mut bo, mut oo, mut cs, mut co) = (vec![], vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..7 {
            bs.push(rate(budget, base_seal_fn));
            os.push(rate(budget, ours_seal_fn));
            bo.push(rate(budget, base_open_fn));
            oo.push(rate(budget, ours_open_fn));
            cs.push(rate(budget, crate_seal_fn));
            co.push(rate(budget, crate_open_fn));
        }
        let (base_seal, ours_seal, base_open, ours_open) = (median(bs), median(os), median(bo), median(oo));
        let (crate_seal, crate_open) = (median(cs), median(co));
        let mb = |ops: f64| ops * size as f64 / 1e6;
        println!(
            "envelope {size:>6} B  seal {:>9.0}/s ({:>7.1} MB/s) vs raw {:>9.0}/s  ratio {:.2} | open {:>9.0}/s vs raw {:>9.0}/s  ratio {:.2} | RustCrypto's crate raw: seal {:>9.0}/s, open {:>9.0}/s",
            ours_seal,
            mb(ours_seal),
            base_seal,
            ours_seal / base_seal,
            ours_open,
            base_open,
            ours_open / base_open,
            crate_seal,
            crate_open
        );
        rows.push(json!({
            "size_bytes": size,
            "seal_ops_per_s": ours_seal, "raw_seal_ops_per_s": base_seal, "seal_ratio": ours_seal / base_seal,
            "open_ops_per_s": ours_open, "raw_open_ops_per_s": base_open, "open_ratio": ours_open / base_open,
            "rustcrypto_raw_seal_ops_per_s": crate_seal, "rustcrypto_raw_open_ops_per_s": crate_open,
        }));
    }
    json!({ "benchmark": "envelope", "baseline": "raw XChaCha20-Poly1305 as the envelope calls it (clearboard_vault::xchacha: HChaCha20 + ring's ChaCha20-Poly1305) with a fresh random nonce; rustcrypto_raw_*: the same AEAD by RustCrypto's chacha20poly1305 crate",
            "goal": "ratio >= 0.8 at 1 KiB", "rows": rows })
}

async fn signin() -> Value {
    let server = common::serve_in_process().await;
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let body = json!({"email": "bench@example.test", "password": "a bench password", "first_name": "B", "last_name": "C", "birth_date": "1990-01-01"});
    assert_eq!(http.post(format!("{base}/api/v1/accounts")).json(&body).send().await.unwrap().status(), 201);
    let creds = json!({"email": "bench@example.test", "password": "a bench password"});
    // Baseline: one Argon2id verification with the same parameters, nothing else.
    let work = clearboard_core::identity::password::Work::default();
    let phc = clearboard_core::identity::password::hash(&work, zeroize::Zeroizing::new("a bench password".into())).await.unwrap();
    let mut argon = Vec::new();
    let mut full = Vec::new();
    for _ in 0..25 {
        let t = Instant::now();
        assert!(
            clearboard_core::identity::password::verify(&work, phc.clone(), zeroize::Zeroizing::new("a bench password".into()))
                .await
                .unwrap()
        );
        argon.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let res = http.post(format!("{base}/api/v1/sessions")).json(&creds).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let _ = res.bytes().await.unwrap();
        full.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (a, f) = (median(argon), median(full));
    println!("sign-in: full HTTP sign-in median {f:.1} ms; Argon2id verify alone {a:.1} ms; Argon2id share {:.0}%", 100.0 * a / f);
    json!({ "benchmark": "signin", "baseline": "one Argon2id verification (m=19 MiB, t=2, p=1)", "signin_median_ms": f, "argon2_median_ms": a, "argon2_share": a / f })
}

fn repo_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_http(url: &str) {
    for _ in 0..200 {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not answer");
}

async fn wait_tcp(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("port {port} did not open");
}

struct Server {
    child: std::process::Child,
    base: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_clearboard() -> (Server, String) {
    start_clearboard_with(&[]).await
}

/// The release server with some more environment (`extra` wins over the defaults).
async fn start_clearboard_with(extra: &[(&str, &str)]) -> (Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_clearboard_in(dir.path(), extra).await;
    server._dir = Some(dir);
    let base = server.base.clone();
    (server, base)
}

/// The release server on the data dir `dir` (the nodes of a cluster share one), with `extra`.
async fn start_clearboard_in(dir: &std::path::Path, extra: &[(&str, &str)]) -> Server {
    // `CLEARBOARD_BENCH_BIN`: another build of the server (an earlier commit, for a before/after).
    let bin =
        std::env::var_os("CLEARBOARD_BENCH_BIN").map_or_else(|| repo_root().join("target/release/clearboard"), std::path::PathBuf::from);
    assert!(bin.exists(), "build it first: cargo build --release -p clearboard");
    let port = free_port();
    let child = std::process::Command::new(bin)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir", dir.join("d").to_str().unwrap()])
        // The server refuses settings it does not know: this one is the bench's.
        .env_remove("CLEARBOARD_BENCH_BIN")
        .env("CLEARBOARD_LOG_LEVEL", "warn")
        .env("CLEARBOARD_METRICS_LISTEN", "127.0.0.1:0")
        // The fan-out load generator opens every reader with one participant's token: lift the
        // per-person socket cap (16) for this load test.
        .env("CLEARBOARD_WS_SOCKETS_PER_PERSON", "100000")
        .envs(extra.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_http(&format!("{base}/readyz")).await;
    Server { child, base, _dir: None }
}

fn ensure_yjs() -> std::path::PathBuf {
    let dir = repo_root().join("bench/.peers/yjs");
    let bin = dir.join("node_modules/.bin/y-websocket");
    if !bin.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("package.json"), r#"{"name":"yjs-peer","private":true}"#).unwrap();
        let ok = std::process::Command::new("npm")
            .current_dir(&dir)
            .args(["install", "--no-audit", "--no-fund", "y-websocket@3.1.0", "yjs@13.6.33", "@y/websocket-server@0.1.1", "ws@8"])
            .status()
            .unwrap()
            .success();
        assert!(ok, "npm install of the Yjs peer failed");
    }
    bin
}

async fn start_yjs() -> (Server, u16) {
    let bin = ensure_yjs();
    let port = free_port();
    let child = std::process::Command::new("node")
        .arg(bin)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_tcp(port).await;
    (Server { child, base: format!("ws://127.0.0.1:{port}"), _dir: None }, port)
}

async fn fanout_bench() -> Value {
    let mut rows = Vec::new();
    let loadavg = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_string();
    let load_start = loadavg();
    println!("fanout: load average {load_start}");
    let rounds: usize = std::env::var("FANOUT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for (n, rate) in [(200usize, 20u32), (1000, 10)] {
        // Alternate the two servers, fresh each time, and keep the median of each figure:
        // runs on a shared 2-core machine vary by a third or more.
        let (mut us, mut them) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let (srv, base) = start_clearboard().await;
            let target = fanout::prepare_clearboard(&base).await;
            us.push(fanout::run(target, &[srv.child.id()], &[], n, rate, 8).await);
            drop(srv);
            let (ysrv, port) = start_yjs().await;
            them.push(
                fanout::run(
                    fanout::Target::Yjs { url: format!("ws://127.0.0.1:{port}"), room: "board-1".into() },
                    &[ysrv.child.id()],
                    &[],
                    n,
                    rate,
                    8,
                )
                .await,
            );
            drop(ysrv);
        }
        let ours = fanout::median(&us);
        let theirs = fanout::median(&them);
        for r in [&ours, &theirs] {
            println!(
                "fanout {}  p95 {:>6.2} ms  p99 {:>6.2} ms  cpu {:.2} s ({:.1} µs/msg)  rss/conn {:.1} kB",
                r.head(),
                r.p95_ms,
                r.p99_ms,
                r.server_cpu_s,
                r.cpu_us_per_delivered,
                r.rss_per_connection_kb
            );
            println!(
                "    where it goes: first reader p50 {:.2} / p99 {:.2} ms; behind the first p50 {:.2} / p99 {:.2} ms; writer's ack p50 {:.2} / p99 {:.2} ms",
                r.first_p50_ms, r.first_p99_ms, r.behind_first_p50_ms, r.behind_first_p99_ms, r.ack_p50_ms, r.ack_p99_ms
            );
        }
        println!(
            "fanout N={n}: p99 ratio (ours/theirs) {:.2}, memory per connection ratio {:.2}",
            ours.p99_ms / theirs.p99_ms,
            ours.rss_per_connection_kb / theirs.rss_per_connection_kb
        );
        rows.push(json!({ "readers": n, "rate_hz": rate, "clearboard": ours, "yjs": theirs,
            "p99_ratio": ours.p99_ms / theirs.p99_ms, "rss_per_connection_ratio": ours.rss_per_connection_kb / theirs.rss_per_connection_kb }));
    }
    let (srv, base) = start_clearboard().await;
    let target = fanout::prepare_clearboard(&base).await;
    let create = fanout::card_create_throughput(&target, 2000, 16).await;
    println!("card create: {create:.0} cards/s (16 concurrent writers, embedded SQLite, encrypted, audited)");
    drop(srv);
    let load = json!({ "start": load_start, "end": loadavg() });
    json!({ "benchmark": "fanout", "load": load, "baseline": "Yjs reference server (@y/websocket-server 0.1.1, yjs 13.6.33), same load generator", "goal": "p99 at most half of Yjs, nothing lost, less memory per connection", "rows": rows, "card_create_per_s": create })
}

/// The soak (`soak`): `SOAK_MINUTES` (default 2) of the mixed load from `SOAK_WORKERS` (4).
async fn soak_bench() -> Value {
    let env = |k: &str, d: f64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    // The clients all come from 127.0.0.1 and name a made-up address each in X-Forwarded-For.
    let (srv, base) = start_clearboard_with(&[("CLEARBOARD_TRUSTED_PROXIES", "[\"127.0.0.1\"]")]).await;
    let v = soak::run(&base, srv.child.id(), env("SOAK_MINUTES", 2.0), env("SOAK_WORKERS", 4.0) as usize).await;
    drop(srv);
    v
}

fn write(name: &str, v: &Value) {
    RAN.lock().unwrap().push(name.to_string());
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.entry("date").or_insert_with(|| json!(clearboard_core::platform::clock::rfc3339(SystemClock.now_ms())));
        o.entry("machine").or_insert_with(|| json!(summary::machine()));
    }
    let v = &v;
    let dir = results_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.json")), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

#[tokio::main]
async fn main() {
    // reqwest is built without a TLS provider: ring's, as the server installs it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if what == "billing-child" {
        let args: Vec<String> = std::env::args().collect();
        billing::child_main(&args[2], args[3].parse().unwrap()).await;
        return;
    }
    println!("machine: {}, {} cores; when: {} (Unix ms)", common::cpu_model(), common::cores(), SystemClock.now_ms());
    if what == "envelope" || what == "all" {
        let v = envelope();
        write("envelope", &v);
    }
    if what == "signin" || what == "all" {
        let v = signin().await;
        write("signin", &v);
    }
    if what == "fanout" || what == "all" {
        let v = fanout_bench().await;
        write("fanout", &v);
    }
    if what == "scaleout" || what == "all" {
        let v = scaleout::run().await;
        write("scaleout", &v);
    }
    if what == "soak" || what == "all" {
        let v = soak_bench().await;
        write("soak", &v);
    }
    if what == "consent" || what == "all" {
        let v = consent::run().await;
        write("consent", &v);
    }
    if what == "rights" || what == "all" {
        let v = rights::run(rights::Args::from_env(&what)).await;
        write("rights", &v);
    }
    if what == "gdpr" || what == "all" {
        let v = gdpr::run(200, 50, 5, 3).await;
        write("gdpr", &v);
    }
    if what == "outreach" || what == "all" {
        let env = |k: &str, d: usize| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
        let v = outreach::run(env("OUTREACH_CONTACTS", 2000), env("OUTREACH_ROUNDS", 3)).await;
        write("outreach", &v);
    }
    if what == "billing" || what == "all" {
        let n = std::env::var("BILLING_ORGS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
        let v = billing::run(n).await;
        write("billing", &v);
    }
    if what == "costs" || what == "all" {
        let v = costs::run(std::env::var("COSTS_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5)).await;
        write("costs", &v);
    }
    if what == "snapshot" || what == "all" {
        let v = snapshot::run(10_000, std::env::var("SNAPSHOT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3)).await;
        write("snapshot", &v);
    }
    if what == "fides" || what == "all" {
        let args = fides::Args::from_env(&what);
        // A one-sided run (for quick iteration) is no side-by-side figure: it must not replace one.
        let name = if args.skip_fides || args.skip_ours { "fides-one-side" } else { "fides" };
        let v = fides::run(args).await;
        write(name, &v);
    }
    if what == "board2000" || what == "all" {
        let v = board2000::run().await;
        write("board2000", &v);
    }
    if what == "all" || what == "summary" {
        let ran = RAN.lock().unwrap().clone();
        let ran: Vec<&str> = ran.iter().map(String::as_str).collect();
        println!("{}", summary::write(&results_dir(), &ran));
    }
}
