//! Rights at volume: one person's export (access and portability) and erasure.
//!
//! Export: a fresh embedded (SQLite) deployment in a temporary folder, started in this process;
//! one person signs up and fills a personal board through the core API (`add_card` for every
//! text card, `add_media_card` for JPEGs of the largest size the product accepts, with random,
//! incompressible pixels). The export is then requested and built (`request_for` +
//! `run_pending`, the job the background task runs) and downloaded through `open_download`,
//! segment by segment, exactly as the download handler does (read, open, write to /dev/null).
//! Baseline, in the same run: GNU `cat` of the sealed media files and the sealed archive to
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
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::identity::principal::Principal;
use clearboard_core::identity::sessions::SessionKind;
use clearboard_core::platform::audit::Actor;
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_core::platform::ids::{BlobId, BoardId, CardId, RegionId};
use clearboard_store::Db;
use clearboard_store::platform::bulk::{self, SeedCard};
use clearboard_vault::stream::{self, Opener, Sealer};
use clearboard_vault::{Aad, Dek, KeyId};
use serde_json::{Value, json};

use crate::common::{Rng, download, idea, median};
use zeroize::{Zeroize, Zeroizing};

const MIB: usize = 1024 * 1024;
const PASSWORD: &str = "a bench password";

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
    cb.accounts()
        .sign_up(NewAccount {
            email: email.into(),
            password: Zeroizing::new(PASSWORD.into()),
            first_name: "Bench".into(),
            last_name: "Person".into(),
            phone: None,
            birth_date: Some("1990-01-01".into()),
            region: None,
            locale: None,
        })
        .await
        .unwrap();
    let (_token, who) = cb.sessions().sign_in(email, Zeroizing::new(PASSWORD.into()), SessionKind::Bearer, None).await.unwrap();
    let board = cb.boards().create_board(&who, None, "Bench board").await.unwrap().id;
    (who, board)
}

/// A minimal JPEG (as in the accounts tests) of exactly `len` bytes whose scan data is random
/// (without 0xFF, which would start a marker): incompressible, and kept byte for byte by the
/// sanitiser.
fn jpeg_of(len: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
    let start = v.len();
    v.resize(len - 2, 0);
    getrandom::fill(&mut v[start..]).unwrap();
    for b in &mut v[start..] {
        *b = (*b).min(0xFE);
    }
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
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

async fn export_part(args: &Args) -> Value {
    let d = Deployment::new().await;
    let cb = d.cb().clone();
    let (who, board) = person(&cb, "export@example.test").await;
    let region = cb.region(&who.region).unwrap().clone();

    // Text cards through the core API, two writers at a time (the machine has two cores).
    let t = Instant::now();
    let writers = 2usize;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (cb, who, board) = (cb.clone(), who.clone(), board.clone());
        let n = args.cards;
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1));
            for i in (w..n).step_by(writers) {
                let new = NewCard {
                    kind: "text".into(),
                    text: Some(idea(&mut rng, i)),
                    x: Some((i * 37 % 4000) as i64),
                    y: Some((i * 91 % 3000) as i64),
                    ..Default::default()
                };
                cb.boards().add_card(&who, &board, new).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let cards_s = t.elapsed().as_secs_f64();
    println!(
        "rights/export: {} text cards through Boards::add_card in {:.1} s ({:.0} cards/s, {writers} writers)",
        args.cards,
        cards_s,
        args.cards as f64 / cards_s
    );

    // Image cards of the largest accepted size, random pixels.
    let total = args.media_mib * MIB;
    let mut sizes = Vec::new();
    let mut left = total;
    while left > 0 {
        let s = left.min(IMAGE_MAX_BYTES);
        sizes.push(s.max(64));
        left -= s;
    }
    let t = Instant::now();
    for (k, &s) in sizes.iter().enumerate() {
        let bytes = jpeg_of(s);
        cb.boards()
            .add_media_card(&who, &board, "image", &bytes, Some(format!("photo {k}")), (Some(10 * k as i64), Some(20)))
            .await
            .unwrap();
    }
    let media_s = t.elapsed().as_secs_f64();
    let media_plain: u64 = sizes.iter().map(|&s| s as u64).sum();
    println!(
        "rights/export: {} image cards ({:.1} MiB, largest {} B) through Boards::add_media_card in {:.1} s",
        sizes.len(),
        media_plain as f64 / MIB as f64,
        IMAGE_MAX_BYTES,
        media_s
    );

    // The sealed media files on disk.
    let (cards, _, _, _) = region.boards.contributions_of(&who.subject).await.unwrap();
    assert_eq!(cards.len(), args.cards + sizes.len());
    let media_blobs: Vec<BlobId> = cards.iter().filter_map(|c| c.blob_id.clone()).collect();
    let media_files: Vec<PathBuf> = media_blobs.iter().map(|b| region.blobs.local_path(b).unwrap()).collect();
    let media_sealed: u64 = media_files.iter().map(|p| file_len(p)).sum();
    drop(cards);

    // Build: request + run the pending job until ready. The page cache is dropped first (when
    // this runs as root), so the build reads the media from the disk, as a real export would.
    let cold = drop_caches();
    let t = Instant::now();
    let view = cb.exports().request_for(&who.region, &who.subject, None, Actor::Subject(&who.subject)).await.unwrap();
    let built = cb.exports().run_pending().await.unwrap();
    let build_s = t.elapsed().as_secs_f64();
    assert_eq!(built, 1, "one export built");
    let status = cb.exports().status(&who, &view.id).await.unwrap();
    assert_eq!(status.state, "ready");
    assert!(status.download_url.is_some(), "the owner can download it");
    let archive_plain = u64::try_from(status.size.unwrap()).unwrap();
    let archive_blob = region.rights.export(&view.id).await.unwrap().unwrap().blob_id.unwrap();
    let archive_path = region.blobs.local_path(&archive_blob).unwrap();
    let archive_sealed = file_len(&archive_path);
    println!(
        "rights/export: built in {build_s:.2} s: {archive_plain} B ZIP, {archive_sealed} B sealed on disk ({:.1} MB/s)",
        mb_s(archive_plain, build_s)
    );

    // Cold: cat, then the download, each after the page cache is dropped.
    let mut cat_files = media_files.clone();
    cat_files.push(archive_path.clone());
    let cat_bytes = media_sealed + archive_sealed;
    let cold_figures = if cold {
        drop_caches();
        let cat_cold_s = cat(&cat_files);
        drop_caches();
        let cat_media_cold_s = cat(&media_files);
        drop_caches();
        let (download_cold_s, _, _) = download(&cb, &who, &view.id, false).await;
        let (b, c, cm, dl) = (
            mb_s(archive_plain, build_s),
            mb_s(cat_bytes, cat_cold_s),
            mb_s(media_sealed, cat_media_cold_s),
            mb_s(archive_plain, download_cold_s),
        );
        println!(
            "rights/export (page cache dropped): build {b:.0} MB/s, download {dl:.0} MB/s, cat media+archive {c:.0} MB/s, cat media only {cm:.0} MB/s; build/cat {:.3}, download/cat {:.3}",
            b / c,
            dl / c
        );
        json!({ "build_s": build_s, "build_mb_s": b, "cat_s": cat_cold_s, "cat_mb_s": c, "cat_media_only_mb_s": cm,
            "download_s": download_cold_s, "download_mb_s": dl, "build_ratio_to_cat": b / c, "download_ratio_to_cat": dl / c })
    } else {
        json!({ "not_measured": "dropping the page cache needs root" })
    };

    // Download and cat, alternating, medians of 3 (both read warm files).
    let (mut dl, mut ct, mut ct_media, mut ct_archive) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    cat(&cat_files); // once, unrecorded
    for _ in 0..3 {
        ct.push(cat(&cat_files));
        ct_media.push(cat(&media_files));
        ct_archive.push(cat(std::slice::from_ref(&archive_path)));
        let (s, n, _) = download(&cb, &who, &view.id, false).await;
        assert_eq!(n, archive_plain);
        dl.push(s);
    }
    let (download_s, cat_s, cat_media_s, cat_archive_s) = (median(dl.clone()), median(ct.clone()), median(ct_media), median(ct_archive));
    let (build_mb, download_mb, cat_mb) = (mb_s(archive_plain, build_s), mb_s(archive_plain, download_s), mb_s(cat_bytes, cat_s));
    println!(
        "rights/export: download {download_s:.2} s ({download_mb:.0} MB/s); cat of the sealed media + archive ({cat_bytes} B) {cat_s:.2} s ({cat_mb:.0} MB/s); ratios build/cat {:.3}, download/cat {:.3}",
        build_mb / cat_mb,
        download_mb / cat_mb
    );

    // Not timed: check what was downloaded, and keep it for the break-down.
    let (_, _, zip_bytes) = download(&cb, &who, &view.id, true).await;
    let mut zip_bytes = zip_bytes.unwrap();
    let (check, text_files, media_in_zip) = {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&zip_bytes[..])).unwrap();
        let mut text_files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut media_in_zip = Vec::new();
        let mut media_bytes = 0u64;
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            if name.starts_with("media/") {
                media_bytes += f.size();
                media_in_zip.push(name);
            } else {
                let mut v = Vec::new();
                f.read_to_end(&mut v).unwrap();
                text_files.push((name, v));
            }
        }
        let data: Value = serde_json::from_slice(&text_files.iter().find(|(n, _)| n == "data.json").unwrap().1).unwrap();
        let json_cards = data["categories"]["user_content"]["data"]["cards"].as_array().unwrap().len();
        assert_eq!(json_cards, args.cards + sizes.len(), "every card is in data.json");
        assert_eq!(media_in_zip.len(), sizes.len(), "every image is in the archive");
        assert_eq!(media_bytes, media_plain, "the images are whole");
        let text_plain: u64 = text_files.iter().map(|(_, v)| v.len() as u64).sum();
        let mut text_compressed = 0u64;
        for i in 0..z.len() {
            let f = z.by_index_raw(i).unwrap();
            if !f.name().unwrap().starts_with("media/") {
                text_compressed += f.compressed_size();
            }
        }
        let check = json!({
            "files": z.len(), "cards_in_data_json": json_cards, "media_files": media_in_zip.len(), "media_bytes": media_bytes,
            "text_files_bytes": text_plain, "text_files_deflated_bytes": text_compressed,
            "data_json_bytes": text_files.iter().find(|(n, _)| n == "data.json").unwrap().1.len(),
        });
        (check, text_files, media_in_zip)
    };
    println!("rights/export: archive checked: {check}");

    // Break-down: each step of the build alone, on the same data, one after another (the build
    // overlaps collecting and writing on two threads).
    let dek = cb.keys().current(&region, &who.subject).await.unwrap();
    let t = Instant::now();
    for b in &media_blobs {
        let sealed = region.blobs.get(b).await.unwrap().unwrap();
        let plain = stream::open(&dek, Aad { table: "blobs", column: "card_media", row: b.as_str() }, &sealed).unwrap();
        std::hint::black_box(&plain);
    }
    let open_media_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    {
        let mut z = zip::ZipWriter::new_stream(std::io::sink());
        for (name, bytes) in &text_files {
            z.start_file(name.as_str(), zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated))
                .unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
    }
    let deflate_s = t.elapsed().as_secs_f64();
    let media_buf = jpeg_of(IMAGE_MAX_BYTES);
    let t = Instant::now();
    {
        let mut z = zip::ZipWriter::new_stream(std::io::sink());
        for (k, name) in media_in_zip.iter().enumerate() {
            z.start_file(name.as_str(), zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored))
                .unwrap();
            z.write_all(&media_buf[..sizes[k]]).unwrap();
        }
        z.finish().unwrap();
    }
    let stored_s = t.elapsed().as_secs_f64();
    let own = Dek::generate(KeyId(1)).unwrap();
    let aad = Aad { table: "blobs", column: "export", row: "bench" };
    let t = Instant::now();
    let (mut sealer, header) = Sealer::new(&own, aad).unwrap();
    let mut sealed = Vec::with_capacity(zip_bytes.len() + zip_bytes.len() / stream::SEGMENT * 16 + 64);
    sealed.extend_from_slice(&header);
    for chunk in zip_bytes.chunks(MIB) {
        sealer.update(chunk, &mut sealed).unwrap();
    }
    sealer.finish(&mut sealed).unwrap();
    let seal_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    {
        let opener = Opener::new(&own, aad, &sealed[..stream::HEADER]).unwrap();
        let body = &sealed[stream::HEADER..];
        let segments = Opener::segments(sealed.len() as u64).unwrap();
        for i in 0..segments {
            let start = usize::try_from(i).unwrap() * stream::SEALED_SEGMENT;
            let end = (start + stream::SEALED_SEGMENT).min(body.len());
            std::hint::black_box(opener.open(i, i + 1 == segments, &body[start..end]).unwrap());
        }
    }
    let open_archive_s = t.elapsed().as_secs_f64();
    let scratch = d.dir.path().join("write-test.sealed");
    let t = Instant::now();
    {
        let mut f = std::io::BufWriter::with_capacity(MIB, std::fs::File::create(&scratch).unwrap());
        f.write_all(&sealed).unwrap();
        let f = f.into_inner().unwrap();
        f.sync_all().unwrap();
    }
    let write_sync_s = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&scratch);
    drop(sealed);
    let t = Instant::now();
    zip_bytes.zeroize();
    let zeroize_s = t.elapsed().as_secs_f64();
    drop(zip_bytes);
    let parts = json!({
        "read_and_open_sealed_media_s": open_media_s,
        "deflate_text_files_s": deflate_s,
        "zip_stored_media_crc32_s": stored_s,
        "seal_archive_s": seal_s,
        "write_and_fsync_sealed_archive_s": write_sync_s,
        "zeroize_archive_size_s": zeroize_s,
        "open_archive_segments_in_memory_s": open_archive_s,
    });
    println!(
        "rights/export: alone, on the same data: read+open media {open_media_s:.2} s, deflate data.json/CSV {deflate_s:.2} s, zip stored media (CRC-32) {stored_s:.2} s, seal archive {seal_s:.2} s, write+fsync archive {write_sync_s:.2} s, zeroize archive-size {zeroize_s:.2} s; download side: open segments in memory {open_archive_s:.2} s"
    );
    d.close().await;

    json!({
        "setup": {
            "text_cards": args.cards, "text_cards_s": cards_s, "text_cards_per_s": args.cards as f64 / cards_s, "writers": writers,
            "image_cards": sizes.len(), "image_bytes": media_plain, "image_max_bytes": IMAGE_MAX_BYTES, "image_cards_s": media_s,
        },
        "archive_zip_bytes": archive_plain,
        "archive_sealed_bytes": archive_sealed,
        "media_sealed_bytes": media_sealed,
        "build_s": build_s,
        "build_mb_s": build_mb,
        "download_s": download_s,
        "download_s_runs": dl,
        "download_mb_s": download_mb,
        "cat_bytes": cat_bytes,
        "cat_s": cat_s,
        "cat_s_runs": ct,
        "cat_mb_s": cat_mb,
        "cat_media_only_mb_s": mb_s(media_sealed, cat_media_s),
        "cat_archive_only_mb_s": mb_s(archive_sealed, cat_archive_s),
        "build_ratio_to_cat": build_mb / cat_mb,
        "build_note": if cold { "the build ran after the page cache was dropped (cold reads); the warm cat is the harder baseline" } else { "the build read warm files" },
        "download_ratio_to_cat": download_mb / cat_mb,
        "cold": cold_figures,
        "archive_check": check,
        "build_parts_alone": parts,
    })
}

fn db_bytes(dir: &Path, region: &RegionId) -> u64 {
    let db = dir.join("data/regions").join(region.as_str()).join("data.db");
    file_len(&db) + file_len(&db.with_extension("db-wal"))
}

/// Inserts `n` text cards of `who` on `board` straight into the region database, in
/// transactions of 50,000 rows, as `Boards::insert_card` + `SqlRegionStore::insert_card` would
/// store them; returns a few (id, text) to read back.
async fn insert_direct(d: &Deployment, who: &Principal, board: &BoardId, n: usize) -> Vec<(CardId, String)> {
    let cb = d.cb();
    let region = cb.region(&who.region).unwrap();
    let dek = cb.keys().current(region, &who.subject).await.unwrap();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut samples = Vec::new();
    let per_tx = 50_000usize;
    let mut i = 0usize;
    while i < n {
        let end = (i + per_tx).min(n);
        let now = cb.now();
        let mut rows = Vec::with_capacity(end - i);
        for k in i..end {
            let id = CardId::new(now).unwrap();
            let text = idea(&mut rng, k);
            let body = dek.seal_str(Aad { table: "cards", column: "body", row: id.as_str() }, &text).unwrap();
            if k % (n / 16).max(1) == 0 || k + 1 == n {
                samples.push((id.clone(), text));
            }
            rows.push(SeedCard {
                id,
                board: board.clone(),
                author: who.subject.clone(),
                body,
                x: (k * 37 % 4000) as i64,
                y: (k * 91 % 3000) as i64,
            });
        }
        bulk::seed_cards(d.region_db(who), &rows, now).await.unwrap();
        i = end;
    }
    samples
}

async fn erase_one(label: &str, n: usize) -> Value {
    let d = Deployment::new().await;
    let cb = d.cb().clone();
    let (who, board) = person(&cb, &format!("erase-{label}@example.test")).await;
    let region = cb.region(&who.region).unwrap().clone();
    // Two cards through the product's own path, the rest inserted directly.
    for k in 0..2 {
        cb.boards()
            .add_card(&who, &board, NewCard { kind: "text".into(), text: Some(format!("through the API {k}")), ..Default::default() })
            .await
            .unwrap();
    }
    let t = Instant::now();
    let samples = insert_direct(&d, &who, &board, n - 2).await;
    let insert_s = t.elapsed().as_secs_f64();
    // The product reads them back with its own code: the sampled rows through the store and
    // the person's key, and (small sizes) the whole user-content export.
    let dek = cb.keys().current(&region, &who.subject).await.unwrap();
    for (id, text) in &samples {
        let row = region.boards.card(id).await.unwrap().unwrap();
        assert_eq!(&dek.open_string(Aad { table: "cards", column: "body", row: id.as_str() }, &row.body).unwrap(), text);
    }
    drop(dek);
    if n <= 100_000 {
        let v = clearboard_core::privacy::rights::categories::export_category(&cb, &region, &who.subject, "user_content").await.unwrap();
        assert_eq!(v["cards"].as_array().unwrap().len(), n, "the product reads every card back");
    }
    let db = d.region_db(&who).clone();
    let cards_of = bulk::count_rows(&db, "cards", Some(("author_id", who.subject.as_str()))).await.unwrap();
    assert_eq!(cards_of as usize, n);
    let before = bulk::table_counts(&db).await.unwrap();
    let bytes_before = db_bytes(d.dir.path(), &who.region);
    println!(
        "rights/erasure {label}: {n} cards in place ({:.1} s to insert, {:.0} rows/s); region database {:.1} MB",
        insert_s,
        n as f64 / insert_s,
        bytes_before as f64 / 1e6
    );

    // (a) Until unreadable: the key's destruction.
    let probe = region.boards.card(&samples[0].0).await.unwrap().unwrap();
    let t = Instant::now();
    cb.keys().shred(&region, &who.subject).await.unwrap();
    let shred_s = t.elapsed().as_secs_f64();
    // The envelope is still on disk, and nothing can open it: no key can be had any more.
    assert!(region.boards.card(&samples[0].0).await.unwrap().is_some(), "the rows are still there at this point");
    let key_err = cb.keys().current(&region, &who.subject).await.err().map(|e| e.to_string());
    assert!(matches!(cb.keys().current(&region, &who.subject).await, Err(clearboard_core::CoreError::Erased)), "the key is gone");
    assert!(region.keys.get(&who.subject, 1).await.unwrap().is_none());
    let wrapped_left = bulk::count_rows(d.key_db(&who), "subject_keys", Some(("subject_id", who.subject.as_str()))).await.unwrap();
    assert_eq!(wrapped_left, 0);
    let content = clearboard_core::privacy::rights::categories::export_category(&cb, &region, &who.subject, "user_content").await.unwrap();
    assert_eq!(content, json!({ "erased": true }), "the product can no longer read their cards");
    // A key that is not theirs does not open it either (the envelope is authenticated).
    let other = Dek::generate(KeyId(1)).unwrap();
    assert!(other.open(Aad { table: "cards", column: "body", row: probe.id.as_str() }, &probe.body).is_err());
    println!("rights/erasure {label}: key destroyed in {:.2} ms; afterwards: {}", shred_s * 1000.0, key_err.clone().unwrap_or_default());

    // (b) The whole erasure.
    let t = Instant::now();
    let receipt = cb.erasure().erase_account(&who.region, &who.subject, "self_service", None, Actor::Subject(&who.subject)).await.unwrap();
    let erase_s = t.elapsed().as_secs_f64();
    let after = bulk::table_counts(&db).await.unwrap();
    let bytes_after = db_bytes(d.dir.path(), &who.region);
    let left = bulk::count_rows(&db, "cards", Some(("author_id", who.subject.as_str()))).await.unwrap();
    assert_eq!(left, 0, "every card is gone");
    let mut deleted = 0i64;
    let mut per_table = serde_json::Map::new();
    for (name, b) in &before {
        let a = after.iter().find(|(n, _)| n == name).map_or(0, |(_, c)| *c);
        if a != *b {
            per_table.insert(name.clone(), json!(a - b));
        }
        if a < *b {
            deleted += b - a;
        }
    }
    println!(
        "rights/erasure {label}: erase_account {:.2} s: {deleted} rows deleted ({:.0} rows/s); region database {:.1} → {:.1} MB; receipt counts {}",
        erase_s,
        deleted as f64 / erase_s,
        bytes_before as f64 / 1e6,
        bytes_after as f64 / 1e6,
        receipt.receipt["erased"]
    );
    d.close().await;
    json!({
        "records": n,
        "inserted_directly": n - 2,
        "insert_s": insert_s,
        "region_db_bytes_before": bytes_before,
        "region_db_bytes_after": bytes_after,
        "until_unreadable_ms": shred_s * 1000.0,
        "after_shred": key_err,
        "erase_account_s": erase_s,
        "rows_deleted": deleted,
        "rows_per_s": deleted as f64 / erase_s,
        "row_changes_by_table": per_table,
        "receipt_erased": receipt.receipt["erased"],
        "receipt_cleanup": receipt.receipt["cleanup"],
    })
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
