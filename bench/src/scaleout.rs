//! Scale-out (issue 20), side by side in one run:
//!
//! - **Fan-out across nodes**: the load of `fanout` (one writer, N readers on one board) with
//!   the readers spread over the three nodes of one cluster on PostgreSQL, once with the
//!   PostgreSQL bus (LISTEN/NOTIFY) and once with the NATS bus, against one node on the same
//!   PostgreSQL and against the Yjs server; configurations alternate in rounds, fresh each
//!   time, medians kept. Server CPU is the nodes' own; the CPU of PostgreSQL's processes (and of
//!   `nats-server` for the NATS bus) over the same window is counted beside it, so "delivered
//!   messages per CPU-second" is per CPU-second of everything that serves them.
//! - **The bus's cost per event**: what a cluster spends per update over one node with the same
//!   readers (publishing the notice, carrying it, each other node reading the event from the
//!   store and its sweep), from the CPU figures above.
//! - **Media throughput**: image cards uploaded and their media downloaded through one node
//!   with blobs in the local folder against blobs on three Garage nodes (replication factor 3)
//!   behind HAProxy's S3 frontend, as the cluster drill deploys them.

use std::time::Instant;

use clearboard_testkit::garage::Garage;
use clearboard_testkit::haproxy::Haproxy;
use serde_json::{Value, json};

use crate::fanout::{self, FanoutResult, Target};
use crate::{Server, start_clearboard_in, start_yjs};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Single,
    PgBus,
    NatsBus,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Single => "clearboard, 1 node (PostgreSQL)",
            Mode::PgBus => "clearboard, 3 nodes, PostgreSQL bus",
            Mode::NatsBus => "clearboard, 3 nodes, NATS bus",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Mode::Single => "one_node",
            Mode::PgBus => "three_nodes_pg_bus",
            Mode::NatsBus => "three_nodes_nats_bus",
        }
    }

    /// The services whose CPU counts beside the nodes'.
    fn beside(self) -> &'static [&'static str] {
        match self {
            Mode::NatsBus => &["postgres", "nats-server"],
            _ => &["postgres"],
        }
    }
}

/// The nodes of one deployment on fresh PostgreSQL databases (dropped with it).
struct Deployment {
    nodes: Vec<Server>,
    prefix: Option<String>,
    _dir: tempfile::TempDir,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        self.nodes.clear();
        if let Some(p) = self.prefix.take() {
            clearboard_testkit::pg::drop_prefix_blocking(p, Vec::new());
        }
    }
}

impl Deployment {
    fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(|n| n.child.id()).collect()
    }

    fn base(&self, i: usize) -> String {
        self.nodes[i].base.clone()
    }
}

/// `n` nodes sharing one data dir (the key-encryption key) and the databases of a new prefix.
async fn deploy(mode: Mode, extra: &[(String, String)]) -> Deployment {
    let prefix = clearboard_testkit::pg::new_prefix();
    let dir = tempfile::tempdir().unwrap();
    let mut env: Vec<(String, String)> = vec![("CLEARBOARD_DATABASE_URL".into(), clearboard_testkit::pg::url_for(&prefix))];
    if mode != Mode::Single {
        env.push(("CLEARBOARD_CLUSTER".into(), "true".into()));
    }
    if mode == Mode::NatsBus {
        let url = std::env::var("BENCH_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
        env.push(("CLEARBOARD_BUS_URL".into(), format!("{url}/{prefix}")));
    }
    env.extend(extra.iter().cloned());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let n = if mode == Mode::Single { 1 } else { 3 };
    let mut nodes = Vec::new();
    for _ in 0..n {
        nodes.push(start_clearboard_in(dir.path(), &env).await);
    }
    Deployment { nodes, prefix: Some(prefix), _dir: dir }
}

async fn fanout_once(mode: Mode, readers: usize, rate: u32) -> FanoutResult {
    let dep = deploy(mode, &[]).await;
    let mut target = fanout::prepare_clearboard(&dep.base(0)).await;
    if let Target::Clearboard { readers_at, .. } = &mut target {
        *readers_at = (0..dep.nodes.len()).map(|i| dep.base(i)).collect();
    }
    let mut r = fanout::run(target, &dep.pids(), mode.beside(), readers, rate, 8).await;
    r.server = mode.label().into();
    r
}

fn print(r: &FanoutResult) {
    println!(
        "scaleout {}  p99 {:>6.2} ms  cpu {:.2} s + {:.2} s beside (idle {:.3}/s)  {:.0} msgs/cpu-s",
        r.head(),
        r.p99_ms,
        r.server_cpu_s,
        r.beside_cpu_s,
        r.idle_cpu_per_s,
        r.delivered_per_cpu_s
    );
}

async fn fanout_rows(rounds: usize) -> Vec<Value> {
    let mut rows = Vec::new();
    for (n, rate) in [(200usize, 20u32), (1000, 10)] {
        let modes = [Mode::Single, Mode::PgBus, Mode::NatsBus];
        let mut ours: Vec<Vec<FanoutResult>> = vec![Vec::new(); modes.len()];
        let mut yjs = Vec::new();
        for round in 0..rounds {
            // Rotate the order each round, so drift hits every configuration alike.
            for k in 0..modes.len() {
                let m = (k + round) % modes.len();
                let r = fanout_once(modes[m], n, rate).await;
                print(&r);
                ours[m].push(r);
            }
            let (ysrv, port) = start_yjs().await;
            let target = Target::Yjs { url: format!("ws://127.0.0.1:{port}"), room: "board-1".into() };
            let r = fanout::run(target, &[ysrv.child.id()], &[], n, rate, 8).await;
            print(&r);
            yjs.push(r);
            drop(ysrv);
        }
        let meds: Vec<FanoutResult> = ours.iter().map(|v| fanout::median(v)).collect();
        let yjs_runs = yjs;
        let yjs = fanout::median(&yjs_runs);
        let updates = f64::from(rate) * 8.0;
        // The CPU the updates cost: everything counted, less what the deployment spends idle
        // over the same window.
        let cpu = |r: &FanoutResult| r.server_cpu_s + r.beside_cpu_s - r.idle_cpu_per_s * r.cpu_window_s;
        let yjs_p99_runs: Vec<f64> = yjs_runs.iter().map(|x| x.p99_ms).collect();
        let mut row = json!({ "readers": n, "rate_hz": rate, "updates": updates, "yjs": yjs, "yjs_p99_runs_ms": yjs_p99_runs });
        for ((m, r), runs) in modes.iter().zip(&meds).zip(&ours) {
            row[m.key()] = json!({
                "result": r,
                "p99_runs_ms": runs.iter().map(|x| x.p99_ms).collect::<Vec<_>>(),
                "p99_vs_one_node": r.p99_ms / meds[0].p99_ms,
                "p99_vs_yjs": r.p99_ms / yjs.p99_ms,
                "delivered_per_cpu_s_vs_one_node": r.delivered_per_cpu_s / meds[0].delivered_per_cpu_s,
                "delivered_per_cpu_s_vs_yjs": r.delivered_per_cpu_s / yjs.delivered_per_cpu_s,
                // The cluster's CPU over one node's, per update, idle costs taken out of both.
                "bus_cost_us_per_event": (cpu(r) - cpu(&meds[0])) * 1e6 / updates,
            });
        }
        println!(
            "scaleout N={n}: p99 1 node {:.2} ms, PG bus {:.2} ms, NATS bus {:.2} ms, Yjs {:.2} ms; bus cost per event: PG {:.0} µs, NATS {:.0} µs",
            meds[0].p99_ms,
            meds[1].p99_ms,
            meds[2].p99_ms,
            yjs.p99_ms,
            row[Mode::PgBus.key()]["bus_cost_us_per_event"].as_f64().unwrap_or(f64::NAN),
            row[Mode::NatsBus.key()]["bus_cost_us_per_event"].as_f64().unwrap_or(f64::NAN),
        );
        rows.push(row);
    }
    rows
}

/// A person and a board on `base`; returns (token, board).
async fn board_on(base: &str) -> (String, String) {
    let Target::Clearboard { token, board, .. } = fanout::prepare_clearboard(base).await else { unreachable!() };
    (token, board)
}

/// Uploads `count` image cards of `size` bytes with `par` clients, then downloads each card's
/// media; returns (upload MB/s, download MB/s).
async fn media_once(base: &str, count: usize, size: usize, par: usize) -> (f64, f64) {
    let (token, board) = board_on(base).await;
    let http = reqwest::Client::new();
    let image = clearboard_testkit::media::jpeg_of(size, 0);
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..par {
        let (http, token, image) = (http.clone(), token.clone(), image.clone());
        let url = format!("{base}/api/v1/boards/{board}/cards");
        tasks.push(tokio::spawn(async move {
            let mut urls = Vec::new();
            for _ in (w..count).step_by(par) {
                let form = reqwest::multipart::Form::new()
                    .text("kind", "image")
                    .part("file", reqwest::multipart::Part::bytes(image.clone()).file_name("a.jpg"));
                let r = http.post(&url).bearer_auth(&token).multipart(form).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 201, "an upload was refused");
                let v: Value = r.json().await.unwrap();
                urls.push(v["media_url"].as_str().unwrap().to_string());
            }
            urls
        }));
    }
    let mut urls = Vec::new();
    for t in tasks {
        urls.extend(t.await.unwrap());
    }
    let up = (count * size) as f64 / 1e6 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..par {
        let (http, token) = (http.clone(), token.clone());
        let mine: Vec<String> = urls.iter().skip(w).step_by(par).map(|u| format!("{base}{u}")).collect();
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            for u in mine {
                let r = http.get(&u).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 200, "a download was refused");
                n += r.bytes().await.unwrap().len();
            }
            n
        }));
    }
    let mut bytes = 0usize;
    for t in tasks {
        bytes += t.await.unwrap();
    }
    assert_eq!(bytes, count * size, "every image comes back whole");
    (up, bytes as f64 / 1e6 / t.elapsed().as_secs_f64())
}

async fn media_rows(rounds: usize) -> Value {
    let Some(bin) = clearboard_testkit::garage::binary() else {
        println!("scaleout media: no Garage binary (drills/install-garage.sh builds it): not measured");
        return json!({ "measured": false, "why": "no Garage binary: run drills/install-garage.sh" });
    };
    let (count, size, par) = (64usize, 1024 * 1024usize, 4usize);
    let garage = Garage::start(bin).await;
    let proxy = Haproxy::start_with_s3(&[], &garage.s3_addrs()).await.expect("haproxy (apt-get install haproxy)");
    let mut s3_env =
        vec![("AWS_ACCESS_KEY_ID".to_string(), garage.key_id.clone()), ("AWS_SECRET_ACCESS_KEY".into(), garage.secret.clone())];
    for region in ["EU", "US"] {
        let url = format!("s3://{}/{}?endpoint=http://{}&region=garage", garage.bucket, region.to_lowercase(), proxy.s3);
        s3_env.push((format!("CLEARBOARD_REGION__{region}__BLOB_URL"), url));
    }
    let (mut folder, mut s3) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for on_s3 in [false, true] {
            let dep = deploy(Mode::Single, if on_s3 { &s3_env } else { &[] }).await;
            let r = media_once(&dep.base(0), count, size, par).await;
            println!(
                "scaleout media {:<36} upload {:>6.1} MB/s  download {:>6.1} MB/s",
                if on_s3 { "Garage (3 nodes, replication 3)" } else { "local folder" },
                r.0,
                r.1
            );
            if on_s3 { s3.push(r) } else { folder.push(r) }
        }
    }
    let med = |v: &[(f64, f64)], f: fn(&(f64, f64)) -> f64| crate::common::median(v.iter().map(f).collect());
    let (fu, fd, su, sd) = (med(&folder, |r| r.0), med(&folder, |r| r.1), med(&s3, |r| r.0), med(&s3, |r| r.1));
    println!("scaleout media: Garage/folder upload {:.2}, download {:.2}", su / fu, sd / fd);
    json!({
        "measured": true, "images": count, "image_bytes": size, "clients": par,
        "folder": { "upload_mb_s": fu, "download_mb_s": fd, "runs": folder },
        "garage": { "upload_mb_s": su, "download_mb_s": sd, "runs": s3 },
        "upload_ratio": su / fu, "download_ratio": sd / fd,
    })
}

pub async fn run() -> Value {
    let rounds: usize = std::env::var("SCALEOUT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let loadavg = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_string();
    let load_start = loadavg();
    let rows = fanout_rows(rounds).await;
    let media = media_rows(rounds).await;
    json!({
        "benchmark": "scaleout",
        "rounds": rounds,
        "load": { "start": load_start, "end": loadavg() },
        "baseline": "one node on the same PostgreSQL, and the Yjs reference server (@y/websocket-server 0.1.1), same load generator; media: the local folder",
        "note": "every process (nodes, PostgreSQL, NATS, Garage, HAProxy, load generator) shares this machine's cores",
        "fanout": rows,
        "media": media,
    })
}
