//! clearboard benchmarks. Each figure is a ratio to a baseline measured in the same run on the
//! same machine; absolute numbers are printed beside it and never asserted.
//!
//! `cargo run --release -p clearboard-bench -- [envelope|signin|all]`
//! Results go to `bench/results/<name>.json` and `.md`.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use clearboard_core::clock::{Clock, SystemClock};
use clearboard_vault::{Aad, Dek, KeyId};
use serde_json::{Value, json};

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
    let raw = XChaCha20Poly1305::new(&raw_key.into());
    let aad = Aad { table: "accounts", column: "email", row: "0192f0c4-7a3b-7c1e-9a2b-1234567890ab" };
    let raw_aad = b"accounts/email/0192f0c4-7a3b-7c1e-9a2b-1234567890ab";
    for size in [64usize, 1024, 16 * 1024] {
        let msg = vec![0x5au8; size];
        // Baseline: one raw AEAD call with a fresh random nonce (what any correct use must do).
        let base_seal_fn = || {
            let mut n = [0u8; 24];
            getrandom::fill(&mut n).unwrap();
            std::hint::black_box(raw.encrypt(&XNonce::from(n), Payload { msg: &msg, aad: raw_aad }).unwrap());
        };
        let ours_seal_fn = || {
            std::hint::black_box(dek.seal(aad, &msg).unwrap());
        };
        let mut n = [0u8; 24];
        getrandom::fill(&mut n).unwrap();
        let ct = raw.encrypt(&XNonce::from(n), Payload { msg: &msg, aad: raw_aad }).unwrap();
        let env = dek.seal(aad, &msg).unwrap();
        let base_open_fn = || {
            std::hint::black_box(raw.decrypt(&XNonce::from(n), Payload { msg: &ct, aad: raw_aad }).unwrap());
        };
        let ours_open_fn = || {
            std::hint::black_box(dek.open(aad, &env).unwrap());
        };
        // Alternate baseline and ours in rounds and take medians, so drift hits both alike.
        let budget = Duration::from_millis(300);
        let (mut bs, mut os, mut bo, mut oo) = (vec![], vec![], vec![], vec![]);
        for _ in 0..7 {
            bs.push(rate(budget, base_seal_fn));
            os.push(rate(budget, ours_seal_fn));
            bo.push(rate(budget, base_open_fn));
            oo.push(rate(budget, ours_open_fn));
        }
        let (base_seal, ours_seal, base_open, ours_open) = (median(bs), median(os), median(bo), median(oo));
        let mb = |ops: f64| ops * size as f64 / 1e6;
        println!(
            "envelope {size:>6} B  seal {:>9.0}/s ({:>7.1} MB/s) vs raw {:>9.0}/s  ratio {:.2} | open {:>9.0}/s vs raw {:>9.0}/s  ratio {:.2}",
            ours_seal,
            mb(ours_seal),
            base_seal,
            ours_seal / base_seal,
            ours_open,
            base_open,
            ours_open / base_open
        );
        rows.push(json!({
            "size_bytes": size,
            "seal_ops_per_s": ours_seal, "raw_seal_ops_per_s": base_seal, "seal_ratio": ours_seal / base_seal,
            "open_ops_per_s": ours_open, "raw_open_ops_per_s": base_open, "open_ratio": ours_open / base_open,
        }));
    }
    json!({ "benchmark": "envelope", "baseline": "raw XChaCha20-Poly1305 with a fresh random nonce", "goal": "ratio >= 0.8 at 1 KiB", "rows": rows })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

async fn signin() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut config = clearboard_app::Config::default();
    config.data_dir = dir.path().join("data");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    config.public_url = Some(format!("http://{addr}"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = clearboard_app::build(&config, clock, None, clearboard_web::ratelimit::Limits::relaxed()).await.unwrap();
    let state = app.state.clone();
    tokio::spawn(async move { clearboard_app::serve(state, listener, std::future::pending()).await });
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let body = json!({"email": "bench@example.test", "password": "a bench password", "first_name": "B", "last_name": "C", "birth_date": "1990-01-01"});
    assert_eq!(http.post(format!("{base}/api/v1/accounts")).json(&body).send().await.unwrap().status(), 201);
    let creds = json!({"email": "bench@example.test", "password": "a bench password"});
    // Baseline: one Argon2id verification with the same parameters, nothing else.
    let phc = clearboard_core::password::hash(zeroize::Zeroizing::new("a bench password".into())).await.unwrap();
    let mut argon = Vec::new();
    let mut full = Vec::new();
    for _ in 0..25 {
        let t = Instant::now();
        assert!(clearboard_core::password::verify(phc.clone(), zeroize::Zeroizing::new("a bench password".into())).await.unwrap());
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

fn write(name: &str, v: &Value) {
    let dir = results_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.json")), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

#[tokio::main]
async fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_default();
    println!("machine: {cpu}, {} cores; when: {} (Unix ms)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), SystemClock.now_ms());
    if what == "envelope" || what == "all" {
        let v = envelope();
        write("envelope", &v);
    }
    if what == "signin" || what == "all" {
        let v = signin().await;
        write("signin", &v);
    }
}
