//! Erasure at volume: a small and a large person's cards inserted in bulk, then the time until
//! they are unreadable (the key's destruction) and the whole erasure, with what it deleted.

use super::*;

pub(super) fn db_bytes(dir: &Path, region: &RegionId) -> u64 {
    let db = dir.join("data/regions").join(region.as_str()).join("data.db");
    file_len(&db) + file_len(&db.with_extension("db-wal"))
}

/// Inserts `n` text cards of `who` on `board` straight into the region database, in
/// transactions of 50,000 rows, as `Boards::insert_card` + `SqlRegionStore::insert_card` would
/// store them; returns a few (id, text) to read back.
pub(super) async fn insert_direct(d: &Deployment, who: &Principal, board: &BoardId, n: usize) -> Vec<(CardId, String)> {
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

pub(super) async fn erase_one(label: &str, n: usize) -> Value {
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
    let plain = plain_delete(label, n).await;
    let ratio = (deleted as f64 / erase_s) / plain["rows_per_s"].as_f64().unwrap();
    println!(
        "rights/erasure {label}: purge {:.0} rows/s vs plain DELETE {:.0} rows/s: ratio {ratio:.2}",
        deleted as f64 / erase_s,
        plain["rows_per_s"].as_f64().unwrap()
    );
    json!({
        "records": n,
        "plain_delete": plain,
        "purge_vs_plain_delete": ratio,
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

/// The baseline of the full purge, in the same run: a fresh deployment holding the same number
/// of one person's cards, inserted the same way, removed by one plain `DELETE FROM cards WHERE
/// author_id = ?` (no key, no other table, no audit, no clean-up).
async fn plain_delete(label: &str, n: usize) -> Value {
    let d = Deployment::new().await;
    let cb = d.cb().clone();
    let (who, board) = person(&cb, &format!("plain-{label}@example.test")).await;
    insert_direct(&d, &who, &board, n).await;
    let db = d.region_db(&who).clone();
    let t = Instant::now();
    let rows = bulk::delete_rows(&db, "cards", "author_id", who.subject.as_str()).await.unwrap();
    let s = t.elapsed().as_secs_f64();
    assert_eq!(rows as usize, n, "the plain DELETE removed every card of theirs");
    println!("rights/erasure {label}: plain DELETE of {rows} cards {s:.2} s ({:.0} rows/s)", rows as f64 / s);
    d.close().await;
    json!({ "rows": rows, "delete_s": s, "rows_per_s": rows as f64 / s })
}
