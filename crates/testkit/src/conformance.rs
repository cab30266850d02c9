//! The store conformance suite: the same checks of every port, run against SQLite and
//! PostgreSQL. Each function takes freshly opened stores.

use clearboard_core::platform::audit::region_chain;
use clearboard_core::platform::ids::{RegionId, SubjectId};
use clearboard_core::platform::ports::{AccountRow, AuditDraft, SessionRow, StoreError, SubjectKind};
use clearboard_store::Opened;
use serde_json::json;

fn draft(action: &str, subject: Option<&SubjectId>) -> AuditDraft {
    AuditDraft {
        at_ms: 1_000,
        actor: "system".into(),
        action: action.into(),
        subject: subject.map(ToString::to_string),
        purpose: Some("account".into()),
        detail: json!({ "n": 1 }),
    }
}

fn row(id: &SubjectId, bidx: u8) -> AccountRow {
    AccountRow {
        subject_id: id.clone(),
        email_bidx: vec![bidx; 32],
        email: vec![1, 2, 3],
        first_name: vec![4],
        last_name: vec![5],
        phone: None,
        password_hash: vec![6],
        picture_blob: None,
        locale: "en".into(),
        created_at: 10,
        updated_at: 10,
    }
}

/// Accounts: create, read by id and blind index, unique blind index, update, delete.
pub async fn accounts(o: &Opened) {
    let r = &o.regions[0];
    let a = SubjectId::new(1).unwrap();
    let b = SubjectId::new(2).unwrap();
    r.store.create_account(SubjectKind::Account, &row(&a, 1), draft("account.created", Some(&a))).await.unwrap();
    assert_eq!(r.store.account(&a).await.unwrap().unwrap().email, vec![1, 2, 3]);
    assert_eq!(r.store.account_by_email(&[1; 32]).await.unwrap().unwrap().subject_id, a);
    // Same blind index: conflict, and nothing of b is left behind (subject row rolled back).
    let err = r.store.create_account(SubjectKind::Account, &row(&b, 1), draft("account.created", Some(&b))).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    assert!(r.store.account(&b).await.unwrap().is_none());
    assert_eq!(r.store.subject_erased_at(&b).await.unwrap(), None);
    let (chain, _) = r.store.audit_chain().await.unwrap();
    assert_eq!(chain.len(), 1, "the failed creation left no audit entry");

    let mut changed = row(&a, 2);
    changed.phone = Some(vec![9, 9]);
    changed.updated_at = 20;
    r.store.update_account(&changed, None, draft("account.updated", Some(&a))).await.unwrap();
    let got = r.store.account(&a).await.unwrap().unwrap();
    assert_eq!((got.phone, got.updated_at, got.email_bidx), (Some(vec![9, 9]), 20, vec![2; 32]));
    assert!(r.store.account_by_email(&[1; 32]).await.unwrap().is_none());

    r.store.delete_account(&a, 30, draft("account.deleted", Some(&a))).await.unwrap();
    assert!(r.store.account(&a).await.unwrap().is_none());
    assert_eq!(r.store.subject_erased_at(&a).await.unwrap(), Some(30));
    assert_eq!(r.store.audit_about(&a).await.unwrap().len(), 3);
}

/// Sessions: insert with rotation, touch, per-subject deletion, purge by time.
pub async fn sessions(o: &Opened) {
    let r = &o.regions[0];
    let a = SubjectId::new(1).unwrap();
    r.store.create_account(SubjectKind::Account, &row(&a, 7), draft("account.created", Some(&a))).await.unwrap();
    let s = |h: u8, t: i64| SessionRow {
        token_hash: vec![h; 32],
        subject_id: a.clone(),
        kind: "bearer".into(),
        created_at: t,
        last_seen_at: t,
    };
    r.store.insert_session(&s(1, 100), None, None).await.unwrap();
    r.store.insert_session(&s(2, 200), Some(&[1; 32]), Some(draft("session.started", Some(&a)))).await.unwrap();
    assert!(r.store.session(&[1; 32]).await.unwrap().is_none(), "rotated away");
    assert_eq!(r.store.session(&[2; 32]).await.unwrap().unwrap().created_at, 200);
    r.store.touch_session(&[2; 32], 300).await.unwrap();
    r.store.touch_session(&[2; 32], 250).await.unwrap();
    assert_eq!(r.store.session(&[2; 32]).await.unwrap().unwrap().last_seen_at, 300, "touch never goes back in time");
    r.store.insert_session(&s(3, 400), None, None).await.unwrap();
    assert_eq!(r.store.sessions_of(&a).await.unwrap().len(), 2);
    assert_eq!(r.store.delete_sessions_of(&a, Some(&[3; 32]), None).await.unwrap(), 1);
    assert!(r.store.session(&[3; 32]).await.unwrap().is_some());
    r.store.insert_session(&s(4, 1_000), None, None).await.unwrap();
    assert_eq!(r.store.count_due_sessions(500, 0, 0).await.unwrap().due, 1);
    assert_eq!(r.store.purge_sessions(500, 0, 0).await.unwrap().purged, 1, "only the idle one");
    assert_eq!(r.store.purge_sessions(0, 2_000, 0).await.unwrap().purged, 1, "then the old one");
    assert!(!r.store.delete_session(&[4; 32]).await.unwrap());
}

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

/// Audit: appends chain and verify; concurrent appends stay linear; the table refuses
/// UPDATE and DELETE.
pub async fn audit(o: &Opened, ring: &clearboard_vault::Keyring) {
    let r = &o.regions[0];
    let chain = region_chain(r.id.as_str());
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = r.store.clone();
        tasks.push(tokio::spawn(async move { store.audit_append(draft(&format!("event.{i}"), None)).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let (recs, cp) = r.store.audit_chain().await.unwrap();
    assert_eq!(recs.len(), 40);
    assert_eq!(clearboard_vault::audit::verify(ring, &chain, &recs, cp.as_ref()), Ok(40));
    let (_, store, _) = &o.region_stores[0];
    let upd = match store.db() {
        clearboard_store::Db::Sqlite(p) => sqlx::query("UPDATE audit SET action = 'x' WHERE seq = 1").execute(p).await.map(|_| ()),
        clearboard_store::Db::Postgres(p) => sqlx::query("UPDATE audit SET action = 'x' WHERE seq = 1").execute(p).await.map(|_| ()),
    };
    assert!(upd.is_err(), "the audit table refuses updates");
    let del = match store.db() {
        clearboard_store::Db::Sqlite(p) => sqlx::query("DELETE FROM audit WHERE seq = 40").execute(p).await.map(|_| ()),
        clearboard_store::Db::Postgres(p) => sqlx::query("DELETE FROM audit WHERE seq = 40").execute(p).await.map(|_| ()),
    };
    assert!(del.is_err(), "the audit table refuses deletes");
}
