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
//! `/proc/self/clear_refs` just before the request, after start-up) is that of a process
//! doing only that work. Access = `request_for` + `run_pending` (the export job) +
//! `open_download` and reading every sealed segment, as the download handler does. Erasure =
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
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::identity::principal::Principal;
use clearboard_core::identity::sessions::SessionKind;
use clearboard_core::platform::audit::Actor;
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_core::platform::ids::{CardId, RegionId, SubjectId};
use clearboard_store::platform::bulk::{self, SeedCard};
use clearboard_vault::{Aad, Dek, KeyId};
use serde_json::{Value, json};

use crate::common::{Rng, download, idea, median};
use zeroize::Zeroizing;

const PASSWORD: &str = "a bench password";
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
// clearboard's side

/// Throwaway databases `<name>`, `<name>_eu`, `<name>_eu_keys`, dropped on drop.
struct PgDatabases {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabases {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(bulk::drop_postgres_databases(&url, &[format!("{name}_eu_keys"), format!("{name}_eu"), name.clone()]));
        })
        .join();
    }
}

fn config_for(db_url: &str, dir: &Path) -> clearboard_app::Config {
    clearboard_app::Config {
        data_dir: dir.to_path_buf(),
        database_url: Some(db_url.to_string()),
        regions: vec!["eu".into()],
        default_region: "eu".into(),
        public_url: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    }
}

async fn build_app(db_url: &str, dir: &Path) -> clearboard_app::App {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    clearboard_app::build(&config_for(db_url, dir), clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await.unwrap()
}

/// Card rows to insert straight into the region database, as `SqlRegionStore::insert_card`
/// writes them (see `clearboard_store::platform::bulk::seed_cards`).
type Row = SeedCard;

async fn sign_up(cb: &Clearboard, email: &str) -> Principal {
    cb.accounts()
        .sign_up(NewAccount {
            email: email.into(),
            password: Zeroizing::new(PASSWORD.into()),
            first_name: "Target".into(),
            last_name: "Person".into(),
            phone: None,
            birth_date: Some("1990-01-01".into()),
            region: None,
            locale: None,
        })
        .await
        .unwrap();
    cb.sessions().sign_in(email, Zeroizing::new(PASSWORD.into()), SessionKind::Bearer, None).await.unwrap().1
}

/// Seeds a deployment; returns the target's subject id and seeding figures.
async fn seed(db_url: &str, dir: &Path, args: &Args, n: usize, marker: &str) -> (SubjectId, Value) {
    let t0 = Instant::now();
    let app = build_app(db_url, dir).await;
    let cb = app.state.cb.clone();
    let target = sign_up(&cb, "target@example.test").await;
    let board = cb.boards().create_board(&target, None, "Target's board").await.unwrap().id;
    let owner = sign_up(&cb, "owner@example.test").await;
    let n_boards = 100usize;
    let mut boards = Vec::new();
    for b in 0..n_boards {
        boards.push(cb.boards().create_board(&owner, None, &format!("Team board {b}")).await.unwrap().id);
    }
    let (_, region_store, key_store) = app.opened.region_stores.iter().find(|(id, _, _)| id.as_str() == "eu").unwrap();
    let (data, keys) = (region_store.db(), key_store.db());
    let region = cb.region(&RegionId::new("eu")).unwrap().clone();
    let now = cb.now();
    // The other people: a subject and a key each (wrapped by the deployment's KEK, as
    // `SubjectKeys::create` does), inserted in batches.
    let ring = clearboard_app::kek::load_or_create(&dir.join("kek.key"), true).unwrap().keyring();
    let mut others = Vec::with_capacity(args.others);
    for _ in 0..args.others {
        let s = SubjectId::new(now).unwrap();
        let dek = Dek::generate(KeyId(1)).unwrap();
        let wrapped = dek.wrap(&ring, s.as_str()).unwrap();
        others.push((s, dek, wrapped));
    }
    let ids: Vec<SubjectId> = others.iter().map(|(s, _, _)| s.clone()).collect();
    bulk::seed_subjects(data, &ids, "account", now).await.unwrap();
    let wrapped: Vec<(SubjectId, Vec<u8>)> = others.iter().map(|(s, _, w)| (s.clone(), w.to_vec())).collect();
    bulk::seed_keys(keys, &wrapped, now).await.unwrap();
    // Their records, spread over the team boards.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut rows: Vec<Row> = Vec::with_capacity(args.other_records);
    let mut per_board = vec![0i64; n_boards];
    for k in 0..args.other_records {
        let (s, dek, _) = &others[k % args.others];
        let id = CardId::new(now).unwrap();
        let body = dek.seal_str(Aad { table: "cards", column: "body", row: id.as_str() }, &idea(&mut rng, k)).unwrap();
        per_board[k % n_boards] += 1;
        rows.push(SeedCard {
            id,
            board: boards[k % n_boards].clone(),
            author: s.clone(),
            body,
            x: (k * 37 % 4000) as i64,
            y: (k * 91 % 3000) as i64,
        });
    }
    bulk::seed_cards(data, &rows, now).await.unwrap();
    drop(rows);
    let others_s = t0.elapsed().as_secs_f64();
    // The target's N records, each with the marker.
    let t1 = Instant::now();
    let dek = cb.keys().current(&region, &target.subject).await.unwrap();
    let mut rows: Vec<Row> = Vec::with_capacity(n);
    let mut samples = Vec::new();
    for k in 0..n {
        let id = CardId::new(now).unwrap();
        let text = format!("{} {marker}", idea(&mut rng, k));
        let body = dek.seal_str(Aad { table: "cards", column: "body", row: id.as_str() }, &text).unwrap();
        if k % (n / 8).max(1) == 0 {
            samples.push((id.clone(), text));
        }
        rows.push(SeedCard {
            id,
            board: board.clone(),
            author: target.subject.clone(),
            body,
            x: (k * 37 % 4000) as i64,
            y: (k * 91 % 3000) as i64,
        });
    }
    bulk::seed_cards(data, &rows, now).await.unwrap();
    drop(rows);
    let target_s = t1.elapsed().as_secs_f64();
    // The product reads them back with its own code.
    for (id, text) in &samples {
        let row = region.boards.card(id).await.unwrap().unwrap();
        assert_eq!(&dek.open_string(Aad { table: "cards", column: "body", row: id.as_str() }, &row.body).unwrap(), text);
    }
    let c = bulk::count_rows(data, "cards", Some(("author_id", target.subject.as_str()))).await.unwrap();
    assert_eq!(c as usize, n);
    let all = bulk::count_rows(data, "cards", None).await.unwrap();
    bulk::analyze(data).await.unwrap();
    app.opened.close().await;
    (
        target.subject,
        json!({ "others_and_their_records_s": others_s, "target_records_s": target_s, "cards_total": all, "subjects_other": args.others, "boards": n_boards + 1 }),
    )
}

/// Runs this binary in child mode and returns the JSON it prints.
fn child(kind: &str, db_url: &str, dir: &Path, subject: &SubjectId, n: usize, marker: &str) -> Value {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "fides",
            "--child",
            kind,
            "--child-db",
            db_url,
            "--child-dir",
            dir.to_str().unwrap(),
            "--child-subject",
            subject.as_str(),
            "--child-n",
            &n.to_string(),
            "--child-marker",
            marker,
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(CHILD_TAG))
        .unwrap_or_else(|| panic!("the {kind} child printed no result (status {}): {text}", out.status));
    serde_json::from_str(line).unwrap()
}

async fn child_main(args: &Args) -> Value {
    let kind = args.child.as_deref().unwrap();
    let dir = PathBuf::from(&args.child_dir);
    let app = build_app(&args.child_db, &dir).await;
    let cb = app.state.cb.clone();
    let who = Principal { subject: SubjectId::from_stored(args.child_subject.clone()), region: RegionId::new("eu"), token_hash: vec![] };
    let region = cb.region(&who.region).unwrap().clone();
    let me = "self";
    let rss_start = vm_mb(me, "VmHWM");
    let reset = reset_hwm(me);
    let rss_before = vm_mb(me, "VmRSS");
    let out = match kind {
        "access" => {
            let t = Instant::now();
            let view = cb.exports().request_for(&who.region, &who.subject, None, Actor::Subject(&who.subject)).await.unwrap();
            let request_s = t.elapsed().as_secs_f64();
            let built = cb.exports().run_pending().await.unwrap();
            assert_eq!(built, 1, "one export built");
            let build_s = t.elapsed().as_secs_f64() - request_s;
            let status = cb.exports().status(&who, &view.id).await.unwrap();
            assert_eq!(status.state, "ready");
            assert!(status.download_url.is_some(), "the owner can download it");
            let t2 = Instant::now();
            let (_, plain, _) = download(&cb, &who, &view.id, false).await;
            let download_s = t2.elapsed().as_secs_f64();
            let access_s = t.elapsed().as_secs_f64();
            let peak = vm_mb(me, "VmHWM");
            // Not timed: what was downloaded holds every record of theirs.
            let (_, _, zip_bytes) = download(&cb, &who, &view.id, true).await;
            let zip_bytes = zip_bytes.unwrap();
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(&zip_bytes[..])).unwrap();
            let mut data = Vec::new();
            z.by_name("data.json").unwrap().read_to_end(&mut data).unwrap();
            let v: Value = serde_json::from_slice(&data).unwrap();
            let cards = v["categories"]["user_content"]["data"]["cards"].as_array().map_or(0, Vec::len);
            let markers = count_bytes(&data, args.child_marker.as_bytes());
            assert_eq!(cards, args.child_n, "every card of theirs is in data.json");
            assert_eq!(markers as usize, args.child_n, "every card text is in data.json");
            json!({ "access_s": access_s, "request_s": request_s, "build_s": build_s, "download_s": download_s, "zip_bytes": plain,
                    "files_in_zip": z.len(), "cards_in_data_json": cards, "rss_peak_mb": peak, "rss_before_mb": rss_before, "rss_peak_at_start_mb": rss_start, "hwm_reset": reset })
        }
        "erase" => {
            let t = Instant::now();
            cb.keys().shred(&region, &who.subject).await.unwrap();
            let unreadable_s = t.elapsed().as_secs_f64();
            let peak_shred = vm_mb(me, "VmHWM");
            // Nothing of theirs can be opened any more.
            assert!(matches!(cb.keys().current(&region, &who.subject).await, Err(clearboard_core::CoreError::Erased)));
            let content =
                clearboard_core::privacy::rights::categories::export_category(&cb, &region, &who.subject, "user_content").await.unwrap();
            assert_eq!(content, json!({ "erased": true }), "the product can no longer read their cards");
            let t = Instant::now();
            let receipt =
                cb.erasure().erase_account(&who.region, &who.subject, "self_service", None, Actor::Subject(&who.subject)).await.unwrap();
            let purge_s = t.elapsed().as_secs_f64();
            let peak = vm_mb(me, "VmHWM");
            json!({ "unreadable_s": unreadable_s, "purge_s": purge_s, "rss_peak_mb": peak, "rss_peak_shred_mb": peak_shred, "rss_before_mb": rss_before, "rss_peak_at_start_mb": rss_start,
                    "hwm_reset": reset, "receipt_erased": receipt.receipt["erased"], "receipt_cleanup": receipt.receipt["cleanup"] })
        }
        other => panic!("unknown child part {other}"),
    };
    app.opened.close().await;
    out
}

async fn ours_one(args: &Args, n: usize) -> Value {
    let load_before = loadavg();
    let name = format!("cbfides_{}_{}_{}", std::process::id(), n, hex_random(3));
    let db_url = clearboard_store::platform::db::pg_url_with_db(&args.pg_url, &name).unwrap();
    let _dbs = PgDatabases { admin_url: args.pg_url.clone(), name: name.clone() };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let marker = format!("cbmark{}x{}", n, hex_random(6));
    let (subject, seeding) = seed(&db_url, &dir, args, n, &marker).await;
    println!(
        "fides/clearboard N={n}: seeded in {:.1} s + {:.1} s ({seeding})",
        seeding["others_and_their_records_s"].as_f64().unwrap(),
        seeding["target_records_s"].as_f64().unwrap()
    );
    let eu_url = clearboard_store::platform::db::pg_url_with_db(&args.pg_url, &format!("{name}_eu")).unwrap();
    let data = clearboard_store::platform::db::open_postgres(&eu_url, 2).await.unwrap();

    let mut access = Vec::new();
    for _ in 0..args.runs.max(1) {
        let (u, d, s, m) = (db_url.clone(), dir.clone(), subject.clone(), marker.clone());
        let v = tokio::task::spawn_blocking(move || child("access", &u, &d, &s, n, &m)).await.unwrap();
        println!(
            "fides/clearboard N={n}: access {:.3} s (request {:.3}, build {:.3}, download {:.3}), peak RSS {:.1} MB",
            v["access_s"].as_f64().unwrap(),
            v["request_s"].as_f64().unwrap(),
            v["build_s"].as_f64().unwrap(),
            v["download_s"].as_f64().unwrap(),
            v["rss_peak_mb"].as_f64().unwrap_or(0.0)
        );
        access.push(v);
    }
    let before = bulk::table_counts(&data).await.unwrap();
    let (u, d, s, m) = (db_url.clone(), dir.clone(), subject.clone(), marker.clone());
    let erase = tokio::task::spawn_blocking(move || child("erase", &u, &d, &s, n, &m)).await.unwrap();
    let after = bulk::table_counts(&data).await.unwrap();
    let mut deleted = 0i64;
    for (t, b) in &before {
        let a = after.iter().find(|(x, _)| x == t).map_or(0, |(_, c)| *c);
        if a < *b {
            deleted += b - a;
        }
    }
    let left = bulk::count_rows(&data, "cards", Some(("author_id", subject.as_str()))).await.unwrap();
    assert_eq!(left, 0, "every card of theirs is gone");
    let purge_s = erase["purge_s"].as_f64().unwrap();
    println!(
        "fides/clearboard N={n}: unreadable after {:.3} ms; erase_account {:.2} s ({deleted} rows, {:.0} rows/s); peak RSS {:.1} MB",
        erase["unreadable_s"].as_f64().unwrap() * 1000.0,
        purge_s,
        deleted as f64 / purge_s,
        erase["rss_peak_mb"].as_f64().unwrap_or(0.0)
    );

    // Residue: plaintext control in a scratch table, CHECKPOINT, then the raw files.
    let control = format!("ctl{}", hex_random(8));
    bulk::plant_control(&data, &format!("positive control {control}")).await.unwrap();
    data.close().await;
    let files = clearboard_app::pg_files(&config_for(&db_url, &dir)).await; // runs CHECKPOINT
    let (wal, dbs): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(|p| p.ends_with("pg_wal"));
    assert!(!wal.is_empty() && !dbs.is_empty(), "the cluster's files are readable (run as root or postgres)");
    let (d1, w1, f1) = (dbs.clone(), wal.clone(), vec![dir.clone()]);
    let (m1, c1) = (marker.clone(), control.clone());
    let res = tokio::task::spawn_blocking(move || {
        json!({
            "needle": "the marker every card text of the target holds",
            "database_folders": residue(&d1, &m1),
            "pg_wal": residue(&w1, &m1),
            "data_dir": residue(&f1, &m1),
            "positive_control": { "database_folders": residue(&d1, &c1), "pg_wal": residue(&w1, &c1) },
        })
    })
    .await
    .unwrap();
    let total = occ(&res["database_folders"]) + occ(&res["pg_wal"]) + occ(&res["data_dir"]);
    println!(
        "fides/clearboard N={n}: residue after erasure + CHECKPOINT: {total} plaintext occurrences (databases {}, pg_wal {}, data dir {}); positive control found {} + {} times",
        occ(&res["database_folders"]),
        occ(&res["pg_wal"]),
        occ(&res["data_dir"]),
        occ(&res["positive_control"]["database_folders"]),
        occ(&res["positive_control"]["pg_wal"])
    );
    drop(_dbs);
    drop(tmp);

    let pick = |k: &str| median(access.iter().map(|v| v[k].as_f64().unwrap_or(f64::NAN)).collect());
    json!({
        "access_s": pick("access_s"),
        "access_s_runs": access.iter().map(|v| v["access_s"].clone()).collect::<Vec<_>>(),
        "access_parts_s": { "request": pick("request_s"), "build": pick("build_s"), "download": pick("download_s") },
        "access_rss_mb": pick("rss_peak_mb"),
        "access_rss_before_mb": pick("rss_before_mb"),
        "access_zip_bytes": access[0]["zip_bytes"],
        "access_check": { "cards_in_data_json": access[0]["cards_in_data_json"], "files_in_zip": access[0]["files_in_zip"] },
        "unreadable_s": erase["unreadable_s"],
        "purge_s": purge_s,
        "purge_rows": deleted,
        "purge_rows_per_s": deleted as f64 / purge_s,
        "erasure_rss_mb": erase["rss_peak_mb"],
        "receipt_erased": erase["receipt_erased"],
        "receipt_cleanup": erase["receipt_cleanup"],
        "residue": res,
        "residue_plaintext_total": total,
        "seeding": seeding,
        "load": { "before": load_before, "after": loadavg() },
    })
}

// ---------------------------------------------------------------------------------------------
// Fides' side

fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".peers/fides-venv")
}

fn our_peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/fides")
}

/// Runs a command; Ok(stdout) or an error with the tail of its output.
fn run_cmd(mut c: Command, what: &str) -> anyhow::Result<String> {
    let out = c.stdin(Stdio::null()).output().map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    let so = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        let se = String::from_utf8_lossy(&out.stderr);
        let tail = |s: &str| s.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        anyhow::bail!("{what} failed ({}):\n{}\n{}", out.status, tail(&so), tail(&se));
    }
    Ok(so)
}

fn kit_script(name: &str, port: u16) -> Command {
    let mut c = Command::new("bash");
    c.arg(Path::new(KIT).join(name)).env("VENV", venv()).env("FIDES_PORT", port.to_string()).env("PGPORT", "5433").env("PGDATA", FIDES_PG);
    c
}

fn psql5433(db: &str, sql: &str) -> anyhow::Result<String> {
    let mut c = Command::new("psql");
    c.args(["-h", "127.0.0.1", "-p", "5433", "-U", "postgres", "-d", db, "-Atc", sql]);
    Ok(run_cmd(c, &format!("psql {sql}"))?.trim().to_string())
}

/// Stops everything the kit started (09-stop.sh: by recorded PID), also after a failure.
struct FidesServices;

impl Drop for FidesServices {
    fn drop(&mut self) {
        let out = Command::new("bash").arg(Path::new(KIT).join("09-stop.sh")).stdin(Stdio::null()).output();
        if let Ok(o) = out {
            println!("fides: 09-stop.sh: {}", String::from_utf8_lossy(&o.stdout).trim().replace('\n', "; "));
        }
    }
}

fn fides_pid() -> Option<String> {
    std::fs::read_to_string(Path::new(FIDES_RUN).join("fides.pid")).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Stops the Fides API process the kit started (its recorded PID), waiting for it to exit.
fn stop_fides_api() {
    if let Some(pid) = fides_pid() {
        let _ = Command::new("kill").arg(&pid).status();
        for _ in 0..300 {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        let _ = std::fs::remove_file(Path::new(FIDES_RUN).join("fides.pid"));
    }
}

fn start_fides_api(port: u16) -> anyhow::Result<f64> {
    let t = Instant::now();
    run_cmd(kit_script("03-start-fides.sh", port), "03-start-fides.sh")?;
    Ok(t.elapsed().as_secs_f64())
}

/// One privacy request through `bench_dsr.py`; its JSON line, plus the server's peak RSS
/// (VmHWM, reset just before the request).
fn fides_request(port: u16, kind: &str, label: &str) -> anyhow::Result<Value> {
    fides_request_for(port, kind, label, "target@example.com")
}

fn fides_request_for(port: u16, kind: &str, label: &str, email: &str) -> anyhow::Result<Value> {
    let pid = fides_pid().ok_or_else(|| anyhow::anyhow!("no Fides pid"))?;
    let reset = reset_hwm(&pid);
    let rss_before = vm_mb(&pid, "VmRSS");
    let mut c = Command::new(venv().join("bin/python"));
    c.arg(Path::new(KIT).join("bench_dsr.py"))
        .args(["run", "--kind", kind, "--label", label])
        .env("FIDES_URL", format!("http://127.0.0.1:{port}"))
        .env("PGPORT", "5433")
        .env("TARGET_EMAIL", email)
        .env("RESULTS", Path::new(FIDES_RUN).join("bench-results.jsonl"));
    let out = run_cmd(c, &format!("bench_dsr.py run --kind {kind}"))?;
    let hwm = vm_mb(&pid, "VmHWM");
    let line =
        out.lines().rev().find(|l| l.trim_start().starts_with('{')).ok_or_else(|| anyhow::anyhow!("bench_dsr.py printed no result"))?;
    let mut v: Value = serde_json::from_str(line)?;
    v["server_vmhwm_mb"] = json!(hwm);
    v["server_vmrss_before_mb"] = json!(rss_before);
    v["vmhwm_reset"] = json!(reset);
    Ok(v)
}

fn seed_fides(n: usize, marker: &str) -> anyhow::Result<String> {
    let mut c = Command::new("bash");
    c.arg(our_peer_dir().join("04-seed-target.sh")).arg(n.to_string()).env("MARKER", marker).env("PGPORT", "5433");
    Ok(run_cmd(c, "04-seed-target.sh")?.trim().to_string())
}

fn fides_residue(marker: &str) -> anyhow::Result<Value> {
    psql5433("target_app", "CHECKPOINT")?;
    let oid = |db: &str| psql5433("postgres", &format!("SELECT oid FROM pg_database WHERE datname = '{db}'"));
    let target_dir = PathBuf::from(FIDES_PG).join("base").join(oid("target_app")?);
    let app_dir = PathBuf::from(FIDES_PG).join("base").join(oid("fides_app")?);
    let heap = PathBuf::from(FIDES_PG).join(psql5433("target_app", "SELECT pg_relation_filepath('note')")?);
    let mut heap_files = vec![heap.clone()];
    for k in 1..64 {
        let p = PathBuf::from(format!("{}.{k}", heap.display()));
        if !p.exists() {
            break;
        }
        heap_files.push(p);
    }
    let live = psql5433("target_app", &format!("SELECT COUNT(*) FROM note WHERE body LIKE '%{marker}%'"))?;
    let v = json!({
        "needle": "the marker every note of the target holds (unique to this seeding)",
        "live_rows_with_original_text": live.parse::<i64>().unwrap_or(-1),
        "note_heap_file": residue(&heap_files, marker),
        "target_database_folder": residue(&[target_dir], marker),
        "pg_wal": residue(&[PathBuf::from(FIDES_PG).join("pg_wal")], marker),
        "fides_app_database_folder": residue(&[app_dir], marker),
        "fides_uploads_folder": residue(&[PathBuf::from(FIDES_UPLOADS)], marker),
    });
    // The kit's own check (VACUUM, VACUUM FULL, and what Fides keeps in its database).
    let mut c = kit_script("07-residue-check.sh", 0);
    c.env("NEEDLE", marker);
    let kit: serde_json::Map<String, Value> = run_cmd(c, "07-residue-check.sh")
        .map(|o| {
            o.lines()
                .filter_map(|l| l.rsplit_once(": ").map(|(k, v)| (k.trim().trim_start_matches("... ").to_string(), json!(v.trim()))))
                .collect()
        })
        .unwrap_or_else(|e| [("error".to_string(), json!(e.to_string()))].into_iter().collect());
    let mut v = v;
    v["kit_07_residue_check"] = Value::Object(kit);
    Ok(v)
}

fn fides_one(args: &Args, port: u16, n: usize) -> anyhow::Result<Value> {
    let load_before = loadavg();
    // A fresh API process for every N (its RSS ratchets up across large requests).
    stop_fides_api();
    let start_s = start_fides_api(port)?;
    let marker = format!("fidesmark{}x{}", n, hex_random(6));
    let seeded = seed_fides(n, &marker)?;
    println!("fides N={n}: API restarted in {start_s:.1} s; seeded: {seeded}");
    // One unrecorded request for another person first, so that the timed one does not pay
    // for the fresh process' first request (lazy imports, connection pools).
    let warm = fides_request_for(port, "access", "warmup", "user1@example.com")?;
    println!("fides N={n}: warm-up access for another person: {} s", warm["submit_to_complete_s"]);
    let mut access = Vec::new();
    for r in 0..args.runs.max(1) {
        let v = fides_request(port, "access", &format!("n{n}"))?;
        anyhow::ensure!(v["status"] == "complete", "Fides access ended with status {}", v["status"]);
        println!(
            "fides N={n}: access run {r}: {} s, peak RSS {} MB (sampled) / {} MB (VmHWM)",
            v["submit_to_complete_s"], v["server_rss_peak_mb"], v["server_vmhwm_mb"]
        );
        access.push(v);
    }
    let mut erasure = Vec::new();
    let mut residue_v = Value::Null;
    if n <= args.fides_erasure_max {
        for r in 0..args.runs.max(1) {
            if r > 0 {
                seed_fides(n, &marker)?;
            }
            let v = fides_request(port, "erasure", &format!("n{n}"))?;
            println!(
                "fides N={n}: erasure run {r}: {} s ({}), peak RSS {} MB (sampled) / {} MB (VmHWM); after: {}",
                v["submit_to_complete_s"], v["status"], v["server_rss_peak_mb"], v["server_vmhwm_mb"], v["db_after"]
            );
            erasure.push(v);
        }
        residue_v = fides_residue(&marker)?;
        println!(
            "fides N={n}: residue after erasure + CHECKPOINT: note heap {}, target db {}, pg_wal {}, Fides' db {}, uploads {} occurrences",
            occ(&residue_v["note_heap_file"]),
            occ(&residue_v["target_database_folder"]),
            occ(&residue_v["pg_wal"]),
            occ(&residue_v["fides_app_database_folder"]),
            occ(&residue_v["fides_uploads_folder"])
        );
    }
    let med = |v: &[Value], k: &str| {
        if v.is_empty() { Value::Null } else { json!(median(v.iter().map(|x| x[k].as_f64().unwrap_or(f64::NAN)).collect())) }
    };
    let f = findings(n);
    let mut out = json!({
        "access_s": med(&access, "submit_to_complete_s"),
        "access_rss_mb": med(&access, "server_vmhwm_mb"),
        "access_rss_sampled_mb": med(&access, "server_rss_peak_mb"),
        "access_rss_before_mb": med(&access, "server_vmrss_before_mb"),
        "access_runs": access,
        "erasure_s": med(&erasure, "submit_to_complete_s"),
        "erasure_rss_mb": med(&erasure, "server_vmhwm_mb"),
        "erasure_rss_sampled_mb": med(&erasure, "server_rss_peak_mb"),
        "erasure_runs": erasure,
        "residue": residue_v,
        "api_start_s": start_s,
        "seeded": seeded,
        "load": { "before": load_before, "after": loadavg() },
    });
    if n > args.fides_erasure_max {
        out["erasure_skipped"] = json!(format!(
            "not run: N > --fides-erasure-max {} (Fides masks one row at a time, ~18 ms per row: a 100k erasure takes about half an hour)",
            args.fides_erasure_max
        ));
        if let Some((_, _, e, er)) = f {
            out["erasure_from_findings_not_measured_in_this_run"] = json!({ "erasure_s": e, "erasure_rss_mb": er, "source": "../shared/peers/fides/FINDINGS.md (same kit, same machine type, one run)" });
        }
    }
    Ok(out)
}

fn version_of(mut c: Command) -> String {
    c.stdin(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string() + String::from_utf8_lossy(&o.stderr).trim())
        .unwrap_or_default()
}

/// One size N of the Fides side and what it measured (or why it failed).
type FidesRun = (usize, Result<Value, String>);

/// The whole Fides side: services up, Fides installed and started, every N, everything stopped.
fn fides_all(args: &Args) -> (Value, Vec<FidesRun>) {
    let mut info = serde_json::Map::new();
    let _services = FidesServices;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let prep = (|| -> anyhow::Result<()> {
        let out = run_cmd(kit_script("01-services.sh", port), "01-services.sh")?;
        info.insert("services".into(), json!(out.trim()));
        // Fides' own database, fresh for every benchmark run.
        stop_fides_api();
        psql5433("postgres", "DROP DATABASE IF EXISTS fides_app WITH (FORCE)")?;
        psql5433("postgres", "CREATE DATABASE fides_app")?;
        let _ = std::fs::remove_dir_all(FIDES_UPLOADS);
        let installed = || {
            version_of({
                let mut c = Command::new(venv().join("bin/python"));
                c.args(["-c", "import fides, sys; print(fides.__version__, sys.version.split()[0])"]);
                c
            })
        };
        let mut v = installed();
        if !v.starts_with(FIDES_VERSION) {
            let t = Instant::now();
            let mut c = kit_script("02-install-fides.sh", port);
            c.env("FIDES_VERSION", FIDES_VERSION);
            run_cmd(c, "02-install-fides.sh")?;
            info.insert("install_s".into(), json!(t.elapsed().as_secs_f64()));
            v = installed();
        } else {
            info.insert("install_s".into(), json!("cached venv (bench/.peers/fides-venv)"));
        }
        info.insert("fides_and_python".into(), json!(v));
        anyhow::ensure!(v.starts_with(FIDES_VERSION), "the venv holds Fides {v}, not {FIDES_VERSION}");
        info.insert("postgres".into(), json!(psql5433("postgres", "SELECT version()")?));
        info.insert(
            "redis".into(),
            json!(version_of({
                let mut c = Command::new("redis-server");
                c.arg("--version");
                c
            })),
        );
        info.insert("first_start_s".into(), json!(start_fides_api(port)?));
        let mut c = Command::new(venv().join("bin/python"));
        c.arg(Path::new(KIT).join("bench_dsr.py")).arg("setup").env("FIDES_URL", format!("http://127.0.0.1:{port}")).env("PGPORT", "5433");
        // The connection test of `setup` needs the target database to exist with some schema.
        seed_fides(1, "fidesmarksetup")?;
        run_cmd(c, "bench_dsr.py setup")?;
        Ok(())
    })();
    let mut rows = Vec::new();
    match prep {
        Err(e) => {
            println!("fides: could not be set up: {e:#}");
            info.insert("error".into(), json!(format!("{e:#}")));
        }
        Ok(()) => {
            for &n in &args.sizes {
                let r = fides_one(args, port, n).map_err(|e| format!("{e:#}"));
                if let Err(e) = &r {
                    println!("fides N={n}: failed: {e}");
                }
                rows.push((n, r));
            }
        }
    }
    info.insert("port".into(), json!(port));
    info.insert("mode".into(), json!("eager (one uvicorn process, DSR tasks in-process), as the kit's 03-start-fides.sh"));
    (Value::Object(info), rows)
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
        tokio::task::spawn_blocking(move || fides_all(&a)).await.unwrap()
    };
    let mut ours = Vec::new();
    if !args.skip_ours {
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
            "clearboard": "in-process deployment on the local PostgreSQL, throwaway databases dropped afterwards. Timed parts in a child process of the bench binary that opens the deployment; RSS = its VmHWM, reset (clear_refs 5) after start-up, just before the request. Access = request_for + run_pending (build the sealed ZIP) + open_download and reading/opening every segment. Unreadable = SubjectKeys::shred (the key's destruction); purge = Erasure::erase_account (sessions, key, rows, blobs, VACUUM, CHECKPOINT, receipt).",
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
