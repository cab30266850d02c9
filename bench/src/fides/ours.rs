//! clearboard's side of the comparison: a throwaway deployment on the local PostgreSQL,
//! seeded in bulk, then access and erasure timed in a child process of this binary, and the
//! cluster's files scanned for residue.

use super::*;

// ---------------------------------------------------------------------------------------------
// clearboard's side

/// Throwaway databases `<name>`, `<name>_eu`, `<name>_eu_keys`, dropped on drop.
pub(super) struct PgDatabases {
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

pub(super) fn config_for(db_url: &str, dir: &Path) -> clearboard_app::Config {
    clearboard_app::Config {
        data_dir: dir.to_path_buf(),
        database_url: Some(db_url.to_string()),
        regions: vec!["eu".into()],
        default_region: "eu".into(),
        public_url: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    }
}

pub(super) async fn build_app(db_url: &str, dir: &Path) -> clearboard_app::App {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    clearboard_app::build(&config_for(db_url, dir), clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await.unwrap()
}

/// Card rows to insert straight into the region database, as `SqlRegionStore::insert_card`
/// writes them (see `clearboard_store::platform::bulk::seed_cards`).
pub(super) type Row = SeedCard;

pub(super) async fn sign_up(cb: &Clearboard, email: &str) -> Principal {
    crate::common::signed_up(cb, email, "Target").await
}

/// Cards of the person whose access warms the child up (as Fides' `user1` has about 20 notes).
const WARM_CARDS: usize = 20;

/// Seeds a deployment; returns the target's subject id, the warm-up person's and seeding
/// figures.
pub(super) async fn seed(db_url: &str, dir: &Path, args: &Args, n: usize, marker: &str) -> (SubjectId, SubjectId, Value) {
    let t0 = Instant::now();
    let app = build_app(db_url, dir).await;
    let cb = app.state.cb.clone();
    let target = sign_up(&cb, "target@example.test").await;
    let board = cb.boards().create_board(&target, None, "Target's board").await.unwrap().board.id;
    let owner = sign_up(&cb, "owner@example.test").await;
    let n_boards = 100usize;
    let mut boards = Vec::new();
    for b in 0..n_boards {
        boards.push(cb.boards().create_board(&owner, None, &format!("Team board {b}")).await.unwrap().board.id);
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
    // The warm-up person's own few cards.
    let owner_dek = cb.keys().current(&region, &owner.subject).await.unwrap();
    for k in 0..WARM_CARDS {
        let id = CardId::new(now).unwrap();
        let body = owner_dek.seal_str(Aad { table: "cards", column: "body", row: id.as_str() }, &idea(&mut rng, k)).unwrap();
        rows.push(SeedCard { id, board: boards[0].clone(), author: owner.subject.clone(), body, x: k as i64, y: k as i64 });
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
        owner.subject,
        json!({ "others_and_their_records_s": others_s, "target_records_s": target_s, "cards_total": all, "subjects_other": args.others, "boards": n_boards + 1 }),
    )
}

/// Runs this binary in child mode and returns the JSON it prints.
pub(super) fn child(kind: &str, db_url: &str, dir: &Path, subject: &SubjectId, warm: &SubjectId, n: usize, marker: &str) -> Value {
    let n_arg = n.to_string();
    crate::common::child_json(
        &[
            "fides",
            "--child",
            kind,
            "--child-db",
            db_url,
            "--child-dir",
            dir.to_str().unwrap(),
            "--child-subject",
            subject.as_str(),
            "--child-warm",
            warm.as_str(),
            "--child-n",
            &n_arg,
            "--child-marker",
            marker,
        ],
        CHILD_TAG,
        kind,
    )
}

pub(super) async fn child_main(args: &Args) -> Value {
    let kind = args.child.as_deref().unwrap();
    let dir = PathBuf::from(&args.child_dir);
    let app = build_app(&args.child_db, &dir).await;
    let cb = app.state.cb.clone();
    let who = Principal { subject: SubjectId::from_stored(args.child_subject.clone()), region: RegionId::new("eu"), token_hash: vec![] };
    let region = cb.region(&who.region).unwrap().clone();
    if kind == "access" {
        // Unrecorded accesses for another person first, as Fides gets (its API process is
        // warm): the timed one does not pay for the fresh process' first statements.
        let other = Principal { subject: SubjectId::from_stored(args.child_warm.clone()), ..who.clone() };
        for _ in 0..super::WARM_UPS {
            let view = cb.exports().request_for(&other.region, &other.subject, None, Actor::Subject(&other.subject)).await.unwrap();
            assert_eq!(cb.exports().run_pending().await.unwrap(), 1, "the warm-up export built");
            download(&cb, &other, &view.id, false).await;
        }
    }
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

pub(super) async fn ours_one(args: &Args, n: usize) -> Value {
    let load_before = loadavg();
    let name = format!("cbfides_{}_{}_{}", std::process::id(), n, hex_random(3));
    let db_url = clearboard_store::platform::db::pg_url_with_db(&args.pg_url, &name).unwrap();
    let _dbs = PgDatabases { admin_url: args.pg_url.clone(), name: name.clone() };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let marker = format!("cbmark{}x{}", n, hex_random(6));
    let (subject, warm, seeding) = seed(&db_url, &dir, args, n, &marker).await;
    println!(
        "fides/clearboard N={n}: seeded in {:.1} s + {:.1} s ({seeding})",
        seeding["others_and_their_records_s"].as_f64().unwrap(),
        seeding["target_records_s"].as_f64().unwrap()
    );
    let eu_url = clearboard_store::platform::db::pg_url_with_db(&args.pg_url, &format!("{name}_eu")).unwrap();
    let data = clearboard_store::platform::db::open_postgres(&eu_url, 2).await.unwrap();

    let mut access = Vec::new();
    for _ in 0..args.runs.max(1) {
        let (u, d, s, w, m) = (db_url.clone(), dir.clone(), subject.clone(), warm.clone(), marker.clone());
        let v = tokio::task::spawn_blocking(move || child("access", &u, &d, &s, &w, n, &m)).await.unwrap();
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
    let (u, d, s, w, m) = (db_url.clone(), dir.clone(), subject.clone(), warm.clone(), marker.clone());
    let erase = tokio::task::spawn_blocking(move || child("erase", &u, &d, &s, &w, n, &m)).await.unwrap();
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
