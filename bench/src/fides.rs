//! Rights side by side with Ethyca Fides (issue 7, benchmark group 1), on PostgreSQL, on the same
//! data shape: one person with N records among 200,000 records of 10,000 other people.
//!
//! Fides: the reproduction kit in `../shared/peers/fides/` (scripts 01, 02, 03, 07, 09 and
//! `bench_dsr.py`, called as they are) plus `bench/peers/fides/04-seed-target.sh` (the kit's
//! seeding with a marker unique to each seeding in every note of the target). Fides 2.78.2 is
//! installed from PyPI into `bench/.peers/fides-venv` when missing; a throwaway PostgreSQL
//! cluster (127.0.0.1:5433) and Redis (6380) are started, Fides' own database is recreated,
//! and Fides is restarted for every N (its memory ratchets up across runs). Each request is
//! one `POST /api/v1/privacy-request` polled to completion by `bench_dsr.py`; its wall time is
//! the client's. Everything is stopped at the end by `09-stop.sh`, also after a failure.
//!
//! clearboard: a deployment on the local PostgreSQL (throwaway databases, dropped afterwards)
//! built in this process; the target person signs up through the product, the other people
//! and all cards are inserted in batches, sealed exactly as `Boards::insert_card` seals them
//! (as in `rights.rs`). The timed parts run in a child process of this binary that opens the
//! same deployment (a hidden `--child` mode), so the peak RSS (VmHWM, reset through
//! `/proc/self/clear_refs` just before the request) is that of a process doing only that
//! work. Before it, the child makes [`WARM_UPS`] unrecorded accesses for another person with 20
//! cards, as Fides' warm API process gets as many for `user1` (about 20 notes) before the timed
//! ones.
//! Access = `request_for` + `run_pending` (the export job) + `open_download` and reading every
//! sealed segment, as the download handler does. Erasure =
//! the key's destruction alone (after which nothing of theirs can be opened), then the whole
//! `erase_account` (rows, blobs, VACUUM, CHECKPOINT, receipt).
//!
//! Residue: after each erasure and a CHECKPOINT, the raw bytes of the databases' folders, the
//! cluster's `pg_wal` (and, for Fides, its upload folder; for clearboard, its data folder) are
//! read and the target's marker counted, on both sides with the same code
//! (`clearboard_app::forensics`, which also tries UTF-16, base64 and hex). A positive control
//! (a plaintext marker written to a scratch table) shows the scan does find what is there.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clearboard_core::Clearboard;
use clearboard_core::identity::principal::Principal;
use clearboard_core::platform::audit::Actor;
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_core::platform::ids::{CardId, RegionId, SubjectId};
use clearboard_store::platform::bulk::{self, SeedCard};
use clearboard_vault::{Aad, Dek, KeyId};
use serde_json::{Value, json};

use crate::common::{Rng, download, idea, median};

/// Unrecorded accesses for another person before the timed ones, on both sides. Three: a
/// server's pool hands its connections out in turn, and each PostgreSQL connection prepares a
/// statement the first time it runs it (a second round trip); after one warm-up, the timed
/// export ran most of its twenty-odd statements on connections that had not (2026-12-07, from
/// PostgreSQL's statement log), which a server running for more than a few requests never
/// does. Fides' timed runs follow each other in one warm process: its second and third already
/// had that many requests before them.
pub const WARM_UPS: usize = 3;

mod ours;
mod theirs;

use ours::*;
use theirs::*;

/// The kit (read-only, shared).
const KIT: &str = "/work/shared/peers/fides";
const FIDES_VERSION: &str = "2.78.2";
const FIDES_PG: &str = "/tmp/fides-pg";
const FIDES_RUN: &str = "/tmp/fides-run";
const FIDES_UPLOADS: &str = "/tmp/fides-work/fides_uploads";
const CHILD_TAG: &str = "FIDES_CHILD_RESULT ";

/// FINDINGS.md of the kit (same machine type, eager mode, medians): access and erasure seconds
/// and peak RSS in MB, per N. Used only where this run does not measure (labelled so).
const FINDINGS: &[(usize, f64, f64, f64, f64)] =
    &[(1_000, 0.39, 406.0, 21.6, 416.0), (10_000, 1.07, 481.0, 174.5, 523.0), (100_000, 10.11, 1275.0, 1868.0, 1328.0)];

/// `clearboard-bench fides [--sizes 1000,10000,100000] [--runs R] [--fides-erasure-max N] [--skip-fides]`
#[derive(clap::Parser, Debug, Clone)]
#[command(name = "fides")]
pub struct Args {
    /// Records of the target person, one row of results per size.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000usize, 10_000, 100_000])]
    pub sizes: Vec<usize>,
    /// Runs of each timed part (medians are reported).
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Largest N at which a Fides erasure is run (about 18 ms per row: 100k takes ~31 min).
    #[arg(long, default_value_t = 10_000)]
    pub fides_erasure_max: usize,
    /// Only clearboard's side (for quick iteration).
    #[arg(long)]
    pub skip_fides: bool,
    /// Only Fides' side.
    #[arg(long)]
    pub skip_ours: bool,
    /// Other people.
    #[arg(long, default_value_t = 10_000)]
    pub others: usize,
    /// Records of the other people, in all.
    #[arg(long, default_value_t = 200_000)]
    pub other_records: usize,
    /// The PostgreSQL server for clearboard's side (a superuser: databases are created and
    /// dropped, CHECKPOINT is run, and the cluster's files are read).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub pg_url: String,
    #[arg(long, hide = true)]
    pub child: Option<String>,
    #[arg(long, hide = true, default_value = "")]
    pub child_db: String,
    #[arg(long, hide = true, default_value = "")]
    pub child_dir: String,
    #[arg(long, hide = true, default_value = "")]
    pub child_subject: String,
    /// The person whose access warms the child up before the timed one.
    #[arg(long, hide = true, default_value = "")]
    pub child_warm: String,
    #[arg(long, hide = true, default_value_t = 0)]
    pub child_n: usize,
    #[arg(long, hide = true, default_value = "")]
    pub child_marker: String,
}

impl Args {
    /// From the command line after the subcommand (`all` runs the defaults).
    pub fn from_env(what: &str) -> Self {
        use clap::Parser;
        if what == "fides" { Args::parse_from(std::env::args().skip(1)) } else { Args::parse_from(["fides"]) }
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

fn hex_random(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_string()
}

/// Before one side's runs: what the other side left is written out (`sync`) and the machine
/// is let quiet down (the one-minute load under 0.25 per core, two minutes at most). Measured
/// on 2026-12-07: our 1k access took 35–40 ms right after Fides' runs (its throwaway cluster's
/// writes, a gigabyte and more of its memory given back) against 17–22 ms on a quiet machine.
fn settle(before: &str) {
    let t = Instant::now();
    let _ = Command::new("sync").status();
    let quiet = 0.25 * crate::common::cores() as f64;
    let one_minute = || loadavg().split_whitespace().next().and_then(|l| l.parse::<f64>().ok()).unwrap_or(0.0);
    while one_minute() > quiet && t.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_secs(2));
    }
    println!("fides: settled before {before} in {:.0} s (load {})", t.elapsed().as_secs_f64(), loadavg());
}

/// A `Vm…` line of /proc/<pid>/status, in MB.
fn vm_mb(pid: &str, field: &str) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(&format!("{field}:")))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets a process' peak RSS (VmHWM) to its current RSS.
fn reset_hwm(pid: &str) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Occurrences of `needle` in `hay` (non-overlapping).
fn count_bytes(hay: &[u8], needle: &[u8]) -> u64 {
    let (first, len) = (needle[0], needle.len());
    let mut n = 0u64;
    let mut i = 0usize;
    while i + len <= hay.len() {
        match hay[i..=hay.len() - len].iter().position(|&b| b == first) {
            Some(p) => {
                i += p;
                if &hay[i..i + len] == needle {
                    n += 1;
                    i += len;
                } else {
                    i += 1;
                }
            }
            None => break,
        }
    }
    n
}

/// Raw-byte residue of `needle` under `paths`: occurrences of its UTF-8 bytes, bytes read, and
/// the files where the forensic scanner finds it in any encoding it knows.
fn residue(paths: &[PathBuf], needle: &str) -> Value {
    let files = clearboard_app::forensics::all_files(paths);
    let (mut occ, mut bytes, mut files_with) = (0u64, 0u64, 0usize);
    for f in &files {
        let Ok(b) = std::fs::read(f) else { continue };
        bytes += b.len() as u64;
        let c = count_bytes(&b, needle.as_bytes());
        occ += c;
        if c > 0 {
            files_with += 1;
        }
    }
    let hits = clearboard_app::forensics::scan(paths, &[needle.to_string()]);
    let mut encodings: Vec<&str> = hits.iter().map(|h| h.encoding).collect();
    encodings.sort_unstable();
    encodings.dedup();
    json!({ "occurrences": occ, "files_with_occurrences": files_with, "scanner_hits": hits.len(), "scanner_encodings": encodings, "files_read": files.len(), "bytes_read": bytes })
}

fn occ(v: &Value) -> u64 {
    v["occurrences"].as_u64().unwrap_or(0)
}

fn findings(n: usize) -> Option<(f64, f64, f64, f64)> {
    FINDINGS.iter().find(|f| f.0 == n).map(|f| (f.1, f.2, f.3, f.4))
}

// ---------------------------------------------------------------------------------------------

fn machine() -> Value {
    json!({ "cpu": crate::common::cpu_model(), "cores": crate::common::cores(), "mem_gib": crate::common::mem_gib() })
}

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn fmt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |x| format!("{x:.digits$}"))
}

pub async fn run(args: Args) -> Value {
    if args.child.is_some() {
        let v = child_main(&args).await;
        println!("{CHILD_TAG}{v}");
        std::process::exit(0);
    }
    println!("fides: {args:?}");
    let load_start = loadavg();
    let started = SystemClock.now_ms();

    let (fides_info, fides_rows) = if args.skip_fides {
        (json!({ "skipped": "--skip-fides" }), Vec::new())
    } else {
        let a = args.clone();
        tokio::task::spawn_blocking(move || {
            settle("Fides");
            fides_all(&a)
        })
        .await
        .unwrap()
    };
    let mut ours = Vec::new();
    if !args.skip_ours {
        tokio::task::spawn_blocking(|| settle("clearboard")).await.unwrap();
        for &n in &args.sizes {
            ours.push((n, ours_one(&args, n).await));
        }
    }
    let pg_version: String = bulk::postgres_version(&args.pg_url).await.unwrap_or_default();

    let mut rows = Vec::new();
    println!();
    println!(
        "{:>7} | {:>9} {:>9} {:>7} | {:>9} {:>8} {:>7} | {:>9} {:>9} {:>12} {:>9} | {:>9} {:>9} | residue F/cb",
        "N",
        "F acc s",
        "cb acc s",
        "speedup",
        "F MB",
        "cb MB",
        "mem",
        "F eras s",
        "cb unrd ms",
        "unrd speedup",
        "cb purge",
        "F erMB",
        "cb erMB"
    );
    for &n in &args.sizes {
        let fr = fides_rows.iter().find(|(m, _)| *m == n).map(|(_, r)| r.clone());
        let fv = match &fr {
            Some(Ok(v)) => v.clone(),
            Some(Err(e)) => json!({ "error": e }),
            None => Value::Null,
        };
        let cv = ours.iter().find(|(m, _)| *m == n).map_or(Value::Null, |(_, v)| v.clone());
        let (fa, fm, fe) = (f(&fv["access_s"]), f(&fv["access_rss_mb"]), f(&fv["erasure_s"]));
        let (ca, cm, cu, cp) = (f(&cv["access_s"]), f(&cv["access_rss_mb"]), f(&cv["unreadable_s"]), f(&cv["purge_s"]));
        let div = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
        let access_speedup = div(fa, ca);
        let memory_ratio = div(cm, fm);
        let unreadable_speedup = div(fe, cu);
        let purge_speedup = div(fe, cp);
        let fe_findings = findings(n).map(|x| x.2);
        let mut row = json!({
            "n": n,
            "fides": fv,
            "clearboard": cv,
            "access_speedup": access_speedup,
            "memory_ratio": memory_ratio,
            "unreadable_speedup": unreadable_speedup,
            "purge_speedup": purge_speedup,
        });
        if fe.is_none() && !args.skip_fides {
            row["unreadable_speedup_vs_findings_not_measured_in_this_run"] = json!(div(fe_findings, cu));
            row["purge_speedup_vs_findings_not_measured_in_this_run"] = json!(div(fe_findings, cp));
        }
        let fres = if fv["residue"].is_object() {
            let r = &fv["residue"];
            format!(
                "{}",
                occ(&r["note_heap_file"])
                    + occ(&r["target_database_folder"])
                    + occ(&r["pg_wal"])
                    + occ(&r["fides_app_database_folder"])
                    + occ(&r["fides_uploads_folder"])
            )
        } else {
            "-".into()
        };
        let cres = cv["residue_plaintext_total"].as_u64().map_or("-".into(), |x| x.to_string());
        println!(
            "{:>7} | {:>9} {:>9} {:>7} | {:>9} {:>8} {:>7} | {:>9} {:>9} {:>12} {:>9} | {:>9} {:>9} | {fres}/{cres}",
            n,
            fmt(fa, 2),
            fmt(ca, 3),
            fmt(access_speedup, 1),
            fmt(fm, 0),
            fmt(cm, 0),
            fmt(memory_ratio, 3),
            fmt(fe, 1),
            fmt(cu.map(|x| x * 1000.0), 2),
            fmt(unreadable_speedup, 0),
            fmt(cp, 2),
            fmt(f(&fv["erasure_rss_mb"]), 0),
            fmt(f(&cv["erasure_rss_mb"]), 0),
        );
        rows.push(row);
    }
    println!(
        "(F = Fides {FIDES_VERSION}, cb = clearboard; access = request to finished package (Fides) / request + build + download (clearboard); MB = peak RSS of the serving process during the request; unrd = until the data is unreadable; residue = plaintext occurrences of the target's marker on disk after erasure + CHECKPOINT)"
    );
    let unreadable: Vec<f64> = rows.iter().filter_map(|r| f(&r["clearboard"]["unreadable_s"])).collect();
    let flat = if unreadable.len() >= 2 {
        let (mn, mx) = unreadable.iter().fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        json!({ "min_ms": mn * 1000.0, "max_ms": mx * 1000.0, "max_over_min": mx / mn, "sizes_ratio": *args.sizes.iter().max().unwrap() as f64 / *args.sizes.iter().min().unwrap() as f64 })
    } else {
        Value::Null
    };
    let goal_met = |key: &str, ok: &dyn Fn(f64) -> bool| -> Value {
        let vals: Vec<f64> = rows.iter().filter_map(|r| f(&r[key])).collect();
        if vals.is_empty() { Value::Null } else { json!(vals.iter().all(|&x| ok(x))) }
    };
    json!({
        "benchmark": "fides",
        "date": clearboard_core::platform::clock::rfc3339(started),
        "args": { "sizes": args.sizes, "runs": args.runs, "fides_erasure_max": args.fides_erasure_max, "skip_fides": args.skip_fides, "others": args.others, "other_records": args.other_records },
        "machine": machine(),
        "load": { "start": load_start, "end": loadavg(), "note": "/proc/loadavg; the machine is shared with other builds, so absolute times vary; each part also records its own" },
        "versions": {
            "fides": fides_info.get("fides_and_python").cloned().unwrap_or(Value::Null),
            "fides_postgres": fides_info.get("postgres").cloned().unwrap_or(Value::Null),
            "redis": fides_info.get("redis").cloned().unwrap_or(Value::Null),
            "clearboard": env!("CARGO_PKG_VERSION"),
            "clearboard_postgres": pg_version,
        },
        "data": "one person with N records among other_records records of `others` other people (Fides: customer + note tables, the kit's shape; clearboard: subjects with keys, cards sealed with each author's key, on 101 boards)",
        "method": {
            "fides": "the kit in ../shared/peers/fides (eager mode, one uvicorn process on loopback; a throwaway PostgreSQL cluster on 5433 and Redis on 6380; Fides' own database recreated for this run; the API restarted for every N). Wall time = bench_dsr.py's client time from POST /api/v1/privacy-request to the first terminal status. RSS = VmHWM of the API process, reset (clear_refs 5) just before the request; bench_dsr's 100 ms samples beside it.",
            "clearboard": "in-process deployment on the local PostgreSQL, throwaway databases dropped afterwards. Timed parts in a child process of the bench binary that opens the deployment; before the timed request, three unrecorded accesses for another person (20 cards), as Fides gets three warm-up requests; RSS = its VmHWM, reset (clear_refs 5) after that, just before the request. Access = request_for + run_pending (build the sealed manifest) + open_download and streaming the ZIP it describes (every media segment opened once). Unreadable = SubjectKeys::shred (the key's destruction); purge = Erasure::erase_account (sessions, key, rows, blobs, VACUUM, CHECKPOINT, receipt).",
            "residue": "after the erasure and a CHECKPOINT, the raw bytes of the databases' folders and the cluster's pg_wal (Fides: also its upload folder and own database; clearboard: also its data folder) are read and the target's marker counted (UTF-8 occurrences; the forensic scanner of clearboard_app also tries lower-case, UTF-16, base64, hex, JSON-escaped). clearboard's positive control: a plaintext marker in a scratch table of the same database, found by the same code.",
        },
        "goals": {
            "access": "access_speedup >= 20 with memory_ratio <= 0.1",
            "unreadable": "unreadable_speedup >= 1000 and flat in N",
            "residue": "zero plaintext occurrences on our side",
            "access_speedup_met": goal_met("access_speedup", &|x: f64| x >= 20.0),
            "memory_ratio_met": goal_met("memory_ratio", &|x: f64| x <= 0.1),
            "unreadable_speedup_met": goal_met("unreadable_speedup", &|x: f64| x >= 1000.0),
            "unreadable_flat": flat,
        },
        "fides_setup": fides_info,
        "fides_findings_reference": FINDINGS.iter().map(|(n, a, am, e, em)| json!({ "n": n, "access_s": a, "access_rss_mb": am, "erasure_s": e, "erasure_rss_mb": em })).collect::<Vec<_>>(),
        "rows": rows,
    })
}
