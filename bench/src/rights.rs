//! Rights at volume: one person's export (access and portability) and erasure.
//!
//! Export: a fresh embedded (SQLite) deployment in a temporary folder, started in this process;
//! one person signs up and fills a personal board through the core API (`add_card` for every
//! text card, `add_media_card` for JPEGs of the largest size the product accepts, with random,
//! incompressible pixels). The export is then requested and built (`request_for` +
//! `run_pending`, the job the background task runs: it writes the sealed manifest) and
//! downloaded through `open_download`, the ZIP streamed from the manifest and the sealed media
//! exactly as the download handler does (read, open, write to /dev/null).
//! Baseline, in the same run: GNU `cat` of the sealed media files and the sealed manifest to
//! /dev/null, twice: warm (medians of 3) and cold (the page cache dropped before each side; root).
//!
//! Erasure: for each size, a fresh deployment and one person whose cards are inserted straight
//! into the region database in batches (the product's own path would take hours for a
//! million), sealed exactly as `Boards::insert_card` seals them (the person's key, `Aad
//! { table: "cards", column: "body", row: card_id }`), into the columns
//! `SqlRegionStore::insert_card` writes, with the board's sequence advanced once per card.
//! The product reads them back before anything is timed. Then (a) `keys().shred`, the step
//! after which nothing of theirs can be opened, and (b) the full `erase_account` (rows, blobs,
//! clean-up, receipt), each timed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use clearboard_core::Clearboard;
use clearboard_core::boards::{IMAGE_MAX_BYTES, NewCard};
use clearboard_core::identity::principal::Principal;
use clearboard_core::platform::audit::Actor;
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_core::platform::ids::{BlobId, BoardId, CardId, RegionId};
use clearboard_store::Db;
use clearboard_store::platform::bulk::{self, SeedCard};
use clearboard_testkit::media::jpeg_of;
use clearboard_vault::stream::{self, Opener, Sealer};
use clearboard_vault::{Aad, Dek, KeyId};
use serde_json::{Value, json};

use crate::common::{Rng, download, idea, median};
use zeroize::Zeroize;

mod erasure;
mod export;

use erasure::*;
use export::*;

const MIB: usize = 1024 * 1024;

/// `clearboard-bench rights [--cards N] [--media-mib M] [--small N1] [--large N2]`
#[derive(clap::Parser, Debug, Clone)]
#[command(name = "rights")]
pub struct Args {
    /// Text cards of the person whose data is exported.
    #[arg(long, default_value_t = 100_000)]
    pub cards: usize,
    /// MiB of image cards of that person.
    #[arg(long, default_value_t = 1024)]
    pub media_mib: usize,
    /// Records (cards) of the smaller person erased.
    #[arg(long, default_value_t = 1000)]
    pub small: usize,
    /// Records (cards) of the larger person erased.
    #[arg(long, default_value_t = 1_000_000)]
    pub large: usize,
}

impl Args {
    /// From the command line after the subcommand (`all` runs the defaults).
    pub fn from_env(what: &str) -> Self {
        use clap::Parser;
        if what == "rights" { Args::parse_from(std::env::args().skip(1)) } else { Args::parse_from(["rights"]) }
    }
}

/// A fresh deployment in a temporary folder, in this process, no server listening.
struct Deployment {
    dir: tempfile::TempDir,
    app: clearboard_app::App,
}

impl Deployment {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = clearboard_app::Config {
            data_dir: dir.path().join("data"),
            public_url: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let app = clearboard_app::build(&config, clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await.unwrap();
        Self { dir, app }
    }

    fn cb(&self) -> &Clearboard {
        &self.app.state.cb
    }

    fn stores(
        &self,
        who: &Principal,
    ) -> &(RegionId, clearboard_store::platform::region::SqlRegionStore, clearboard_store::platform::keys::SqlKeyStore) {
        self.app.opened.region_stores.iter().find(|(id, _, _)| id == &who.region).unwrap()
    }

    fn region_db(&self, who: &Principal) -> &Db {
        self.stores(who).1.db()
    }

    fn key_db(&self, who: &Principal) -> &Db {
        self.stores(who).2.db()
    }

    async fn close(self) {
        self.app.opened.close().await;
        drop(self.dir);
    }
}

/// Signs a person up, signs them in, and makes their personal board.
async fn person(cb: &Clearboard, email: &str) -> (Principal, BoardId) {
    let who = crate::common::signed_up(cb, email, "Bench").await;
    let board = cb.boards().create_board(&who, None, "Bench board").await.unwrap().board.id;
    (who, board)
}

fn mb_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Writes dirty pages and drops the page cache (needs root); false when it could not.
fn drop_caches() -> bool {
    let synced = Command::new("sync").status().map(|s| s.success()).unwrap_or(false);
    synced && std::fs::write("/proc/sys/vm/drop_caches", b"3\n").is_ok()
}

/// GNU `cat` of `files` to /dev/null; seconds.
fn cat(files: &[PathBuf]) -> f64 {
    let devnull = std::fs::File::create("/dev/null").unwrap();
    let t = Instant::now();
    let ok = Command::new("cat").args(files).stdout(Stdio::from(devnull)).status().unwrap().success();
    let s = t.elapsed().as_secs_f64();
    assert!(ok, "cat failed");
    s
}

pub async fn run(args: Args) -> Value {
    println!("rights: {args:?}");
    let export = export_part(&args).await;
    let small = erase_one("small", args.small).await;
    let large = erase_one("large", args.large).await;
    let a_ratio = large["until_unreadable_ms"].as_f64().unwrap() / small["until_unreadable_ms"].as_f64().unwrap();
    let b_ratio = large["erase_account_s"].as_f64().unwrap() / small["erase_account_s"].as_f64().unwrap();
    println!(
        "rights/erasure: until unreadable {:.2} ms ({}) vs {:.2} ms ({}): ratio large/small {a_ratio:.2}; full erasure ratio {b_ratio:.1} for {:.0}× the records",
        small["until_unreadable_ms"].as_f64().unwrap(),
        args.small,
        large["until_unreadable_ms"].as_f64().unwrap(),
        args.large,
        args.large as f64 / args.small as f64
    );
    json!({
        "benchmark": "rights",
        "date": clearboard_core::platform::clock::rfc3339(SystemClock.now_ms()),
        "args": { "cards": args.cards, "media_mib": args.media_mib, "small": args.small, "large": args.large },
        "backend": "embedded SQLite (WAL, synchronous=NORMAL for data, FULL for the key store, secure_delete=on), one deployment per part, in this process",
        "baseline": "GNU cat of the sealed media files and the sealed archive to /dev/null, in the same run: warm (medians of 3, alternating with the download) and cold (page cache dropped before each side, when run as root)",
        "goals": { "export_ratio_to_cat": ">= 0.7", "until_unreadable": "the same at both sizes, milliseconds" },
        "export": export,
        "erasure": { "small": small, "large": large, "until_unreadable_ratio_large_to_small": a_ratio, "erase_account_ratio_large_to_small": b_ratio },
    })
}
