//! Conformance of the ports every room shares (`platform/ports/stores.rs`): the key store,
//! the directory (email claims, staff, the board index, policy versions, its audit chain),
//! a region's audit chain, and the blob store.

use clearboard_core::platform::audit::region_chain;
use clearboard_core::platform::ids::{BlobId, BoardId, OrgId, RegionId, SubjectId};
use clearboard_core::platform::ports::{Directory as _, ParticipantRow, PolicyVersionRow, StoreError};
use clearboard_store::Opened;

use super::draft;

/// Key store: put, get, destroy with tombstone, no resurrection.
pub async fn keys(o: &Opened) {
    let k = &o.regions[0].keys;
    let a = SubjectId::new(1).unwrap();
    k.put(&a, 1, b"wrapped-key", 5).await.unwrap();
    assert_eq!(k.get(&a, 1).await.unwrap().as_deref(), Some(&b"wrapped-key"[..]));
    assert!(k.get(&a, 2).await.unwrap().is_none());
    assert!(matches!(k.put(&a, 1, b"again", 6).await.unwrap_err(), StoreError::Conflict));
    k.destroy(&a, 7).await.unwrap();
    k.destroy(&a, 8).await.unwrap();
    assert!(k.get(&a, 1).await.unwrap().is_none());
    assert_eq!(k.tombstone(&a).await.unwrap(), Some(7), "the first destruction time is kept");
    assert!(k.put(&a, 2, b"new", 9).await.is_err(), "a destroyed subject never gets a key again");
    let b = SubjectId::new(2).unwrap();
    k.put(&b, 1, b"x", 1).await.unwrap();
    k.discard(&b).await.unwrap();
    assert!(k.get(&b, 1).await.unwrap().is_none());
    assert_eq!(k.tombstone(&b).await.unwrap(), None);
    assert_eq!(k.tombstones().await.unwrap().len(), 1);
}

/// Directory: unique email claims, release only by the holder, staff rows.
pub async fn directory(o: &Opened) {
    let d = &o.directory;
    use clearboard_core::platform::ports::Directory as _;
    let a = SubjectId::new(1).unwrap();
    let b = SubjectId::new(2).unwrap();
    let eu = RegionId::new("eu");
    d.claim_email(&[1; 32], &eu, &a, 1).await.unwrap();
    assert!(matches!(d.claim_email(&[1; 32], &eu, &b, 2).await.unwrap_err(), StoreError::Conflict));
    d.release_email(&[1; 32], &b).await.unwrap();
    assert_eq!(d.find_email(&[1; 32]).await.unwrap(), Some((eu.clone(), a.clone())), "only the holder releases");
    d.release_email(&[1; 32], &a).await.unwrap();
    assert_eq!(d.find_email(&[1; 32]).await.unwrap(), None);

    let staff = clearboard_core::platform::ports::StaffRow {
        subject_id: a.clone(),
        region: eu,
        role: "support".into(),
        trained_at: None,
        created_at: 3,
    };
    d.put_staff(&staff, draft("staff.granted", Some(&a))).await.unwrap();
    d.put_staff(
        &clearboard_core::platform::ports::StaffRow { trained_at: Some(4), ..staff.clone() },
        draft("staff.training_recorded", Some(&a)),
    )
    .await
    .unwrap();
    assert_eq!(d.staff(&a).await.unwrap().unwrap().trained_at, Some(4));
    assert_eq!(d.list_staff().await.unwrap().len(), 1);
    d.remove_staff(&a, draft("staff.removed", Some(&a))).await.unwrap();
    assert!(d.staff(&a).await.unwrap().is_none());
    assert_eq!(d.audit_chain().await.unwrap().0.len(), 3);
}

/// Directory: the board index (organisation and region of a board, boards by join code,
/// unique codes, re-keying), and unindexing a board or a whole organisation.
pub async fn board_index(o: &Opened) {
    let d = &o.directory;
    let (eu, us) = (RegionId::new("eu"), RegionId::new("us"));
    let (org, other) = (OrgId::new(1).unwrap(), OrgId::new(2).unwrap());
    let (b1, b2, b3) = (BoardId::new(3).unwrap(), BoardId::new(4).unwrap(), BoardId::new(5).unwrap());
    assert_eq!(d.org_region(&org).await.unwrap(), None);
    d.index_org(&org, &eu).await.unwrap();
    d.index_org(&other, &us).await.unwrap();
    assert_eq!(d.org_region(&org).await.unwrap(), Some(eu.clone()));
    d.index_board(&b1, &org, &eu, "CODE-ONE").await.unwrap();
    d.index_board(&b2, &org, &eu, "CODE-TWO").await.unwrap();
    d.index_board(&b3, &other, &us, "CODE-THREE").await.unwrap();
    assert!(matches!(d.index_board(&BoardId::new(6).unwrap(), &org, &eu, "CODE-ONE").await.unwrap_err(), StoreError::Conflict));
    assert_eq!(d.board_location(&b1).await.unwrap(), Some((org.clone(), eu.clone())));
    assert_eq!(d.board_by_code("CODE-THREE").await.unwrap(), Some((b3.clone(), us.clone())));
    assert_eq!(d.board_by_code("code-three").await.unwrap(), None, "codes are matched exactly");
    assert!(matches!(d.rekey_board_code(&b1, "CODE-TWO").await.unwrap_err(), StoreError::Conflict), "another board has it");
    d.rekey_board_code(&b1, "CODE-NEW").await.unwrap();
    assert_eq!(d.board_by_code("CODE-ONE").await.unwrap(), None, "the old code stops working");
    assert_eq!(d.board_by_code("CODE-NEW").await.unwrap(), Some((b1.clone(), eu.clone())));
    d.unindex_board(&b2).await.unwrap();
    assert_eq!(d.board_location(&b2).await.unwrap(), None);
    d.unindex_org(&org).await.unwrap();
    assert_eq!((d.org_region(&org).await.unwrap(), d.board_location(&b1).await.unwrap()), (None, None));
    assert_eq!(d.board_location(&b3).await.unwrap(), Some((other, us)), "other organisations stay");
}

/// Directory: policy versions are recorded once (the first recording time is kept) and
/// listed oldest first.
pub async fn policy_versions(o: &Opened) {
    let d = &o.directory;
    let v = |digest: &str, at: i64, significant: bool| PolicyVersionRow {
        digest: digest.into(),
        published_on: "2026-11-01".into(),
        recorded_at: at,
        significant,
        summary_en: "What changed".into(),
        summary_fr: "Ce qui a changé".into(),
        body: format!("policy text {digest}"),
    };
    d.record_policy_version(&v(&"b".repeat(64), 20, true)).await.unwrap();
    d.record_policy_version(&v(&"a".repeat(64), 10, false)).await.unwrap();
    d.record_policy_version(&v(&"b".repeat(64), 30, false)).await.unwrap();
    // (The harness recorded the policy it runs when it opened: it is listed too, recorded now.)
    let ours: Vec<PolicyVersionRow> =
        d.policy_versions().await.unwrap().into_iter().filter(|p| p.body.starts_with("policy text")).collect();
    assert_eq!(ours, vec![v(&"a".repeat(64), 10, false), v(&"b".repeat(64), 20, true)], "the first recording of a version is kept");
}

/// Audit: appends chain and verify; concurrent appends stay linear (single ones and several in
/// one transaction); the table refuses UPDATE and DELETE.
pub async fn audit(o: &Opened, ring: &clearboard_vault::Keyring) {
    let r = &o.regions[0];
    let chain = region_chain(r.id.as_str());
    let owner = super::person(o, 90).await;
    let (_, board) = super::boards::org_with_board(o, &owner, "AUDIT-1").await;
    let before = r.store.audit_chain().await.unwrap().0.len();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = r.store.clone();
        tasks.push(tokio::spawn(async move { store.audit_append(draft(&format!("event.{i}"), None)).await }));
    }
    // Among them, joins and leaves that append two entries in one transaction each (head read
    // once, checkpoint written once): the chain stays linear all the same.
    let mut pairs = Vec::new();
    for i in 0..8u8 {
        let (boards, board) = (r.boards.clone(), board.clone());
        pairs.push(tokio::spawn(async move {
            let guest = SubjectId::new(200 + i64::from(i)).unwrap();
            let p = ParticipantRow {
                subject_id: guest.clone(),
                board_id: board,
                pseudonym: vec![i],
                created_at: 1,
                recovery_hash: None,
                last_session_at: 1,
            };
            let two = |a: &str, b: &str| vec![draft(a, Some(&guest)), draft(b, Some(&guest))];
            let session = super::boards::session_of(&guest, 0xa0 + i, 1);
            boards.create_participant(&p, &session, two("participant.joined", "session.started")).await.unwrap();
            boards.erase_contributions(&guest, true, two("contributions.erased", "participant.erased")).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    for t in pairs {
        t.await.unwrap();
    }
    let (recs, cp) = r.store.audit_chain().await.unwrap();
    assert_eq!(recs.len(), before + 40 + 8 * 4);
    assert_eq!(clearboard_vault::audit::verify(ring, &chain, &recs, cp.as_ref()), Ok(before + 40 + 8 * 4));
    // A join's two entries are adjacent (one transaction), in the order given.
    let joined: Vec<usize> = recs.iter().enumerate().filter(|(_, e)| e.entry.action == "participant.joined").map(|(k, _)| k).collect();
    assert_eq!(joined.len(), 8);
    assert!(joined.iter().all(|&k| recs[k + 1].entry.action == "session.started" && recs[k + 1].entry.subject == recs[k].entry.subject));
    let (_, store, _) = &o.region_stores[0];
    let upd = match store.db() {
        clearboard_store::Db::Sqlite(p, _) => sqlx::query("UPDATE audit SET action = 'x' WHERE seq = 1").execute(p).await.map(|_| ()),
        clearboard_store::Db::Postgres(p) => sqlx::query("UPDATE audit SET action = 'x' WHERE seq = 1").execute(p).await.map(|_| ()),
    };
    assert!(upd.is_err(), "the audit table refuses updates");
    let del = match store.db() {
        clearboard_store::Db::Sqlite(p, _) => sqlx::query("DELETE FROM audit WHERE seq = 40").execute(p).await.map(|_| ()),
        clearboard_store::Db::Postgres(p) => sqlx::query("DELETE FROM audit WHERE seq = 40").execute(p).await.map(|_| ()),
    };
    assert!(del.is_err(), "the audit table refuses deletes");
}

/// Blob store (the folder on SQLite, S3 on PostgreSQL): put, get back the same bytes, replace,
/// delete (idempotent), a missing blob is `None`; `put_file` moves a local file in (a large
/// one as a multipart upload on S3); `list` names every blob; `get_to_file` streams one out;
/// ids that are not UUIDs are refused.
pub async fn blobs(o: &Opened) {
    let b = &o.regions[0].blobs;
    let (x, y) = (BlobId::new(1).unwrap(), BlobId::new(2).unwrap());
    assert_eq!(b.get(&x).await.unwrap(), None);
    b.put(&x, b"sealed bytes").await.unwrap();
    assert_eq!(b.get(&x).await.unwrap().as_deref(), Some(&b"sealed bytes"[..]));
    b.put(&x, b"replaced").await.unwrap();
    assert_eq!(b.get(&x).await.unwrap().as_deref(), Some(&b"replaced"[..]));
    let scratch = b.scratch_dir();
    std::fs::create_dir_all(&scratch).unwrap();
    let src = scratch.join("upload.part");
    std::fs::write(&src, vec![7u8; 100_000]).unwrap();
    b.put_file(&y, &src).await.unwrap();
    assert!(!src.exists(), "the file was moved in, not copied");
    assert_eq!(b.get(&y).await.unwrap().map(|v| v.len()), Some(100_000));
    if let Some(p) = b.local_path(&y) {
        assert_eq!(std::fs::read(p).unwrap().len(), 100_000, "the local path holds the blob");
    }
    // Listing names every blob; reading into a file streams it back (a missing one is `false`).
    let mut listed: Vec<String> = b.list().await.unwrap().iter().map(|i| i.as_str().to_string()).collect();
    listed.sort();
    assert_eq!(listed, vec![x.as_str().to_string(), y.as_str().to_string()]);
    let spooled = scratch.join("spooled");
    assert!(b.get_to_file(&y, &spooled).await.unwrap());
    assert_eq!(std::fs::read(&spooled).unwrap(), vec![7u8; 100_000]);
    b.delete(&x).await.unwrap();
    b.delete(&x).await.unwrap();
    assert_eq!(b.get(&x).await.unwrap(), None);
    assert!(!b.get_to_file(&x, &spooled.with_extension("missing")).await.unwrap());
    assert!(b.local_path(&x).is_none());
    assert_eq!(b.list().await.unwrap(), vec![y.clone()], "a deleted blob is not listed");
    // A file larger than one part of a multipart upload (S3) goes in and comes back whole.
    let z = BlobId::new(3).unwrap();
    let big: Vec<u8> = (0..9 * 1024 * 1024 + 17).map(|i: u32| (i % 251) as u8).collect();
    std::fs::write(&src, &big).unwrap();
    b.put_file(&z, &src).await.unwrap();
    assert!(b.get_to_file(&z, &spooled).await.unwrap());
    assert!(std::fs::read(&spooled).unwrap() == big, "a large blob comes back byte for byte");
    b.delete(&z).await.unwrap();
    b.delete(&y).await.unwrap();
    assert!(b.list().await.unwrap().is_empty());
    let _ = std::fs::remove_file(&spooled);
    assert!(b.put(&BlobId::from_stored("../../escape".into()), b"x").await.is_err(), "only UUID ids name blobs");
}
