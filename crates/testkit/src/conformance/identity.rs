//! Conformance of the identity ports of a region's store (`IdentityStore`): accounts,
//! sessions and pending activations.

use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{SessionRow, StoreError, SubjectKind};
use clearboard_store::Opened;

use super::{draft, row};

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

/// Activations (issue 11): one pending link per account, found by its token's hash and taken
/// once, expired ones listed by time, gone with the account.
pub async fn activations(o: &Opened) {
    let r = &o.regions[0];
    let (a, b) = (SubjectId::new(1).unwrap(), SubjectId::new(2).unwrap());
    r.store.create_account(SubjectKind::Account, &row(&a, 1), draft("account.created", Some(&a))).await.unwrap();
    r.store.create_account(SubjectKind::Account, &row(&b, 2), draft("account.created", Some(&b))).await.unwrap();
    assert_eq!(r.store.activation_pending(&a).await.unwrap(), None);
    r.store.put_activation(&a, &[1; 32], 100, 10).await.unwrap();
    r.store.put_activation(&b, &[2; 32], 200, 10).await.unwrap();
    assert!(matches!(r.store.put_activation(&a, &[3; 32], 300, 10).await.unwrap_err(), StoreError::Conflict), "one link per account");
    assert_eq!(r.store.activation_pending(&a).await.unwrap(), Some(100));
    assert_eq!(r.store.expired_activations(99).await.unwrap(), Vec::<SubjectId>::new());
    assert_eq!(r.store.expired_activations(100).await.unwrap(), vec![a.clone()], "expired at its expiry");
    assert_eq!(r.store.expired_activations(500).await.unwrap(), vec![a.clone(), b.clone()], "oldest first");
    assert_eq!(r.store.take_activation(&[9; 32]).await.unwrap(), None);
    assert_eq!(r.store.take_activation(&[1; 32]).await.unwrap(), Some((a.clone(), 100)));
    assert_eq!(r.store.take_activation(&[1; 32]).await.unwrap(), None, "a link is taken once");
    assert_eq!(r.store.activation_pending(&a).await.unwrap(), None);
    r.store.delete_activation(&b).await.unwrap();
    assert_eq!(r.store.activation_pending(&b).await.unwrap(), None);
    r.store.put_activation(&b, &[4; 32], 400, 20).await.unwrap();
    r.store.delete_account(&b, 30, draft("account.deleted", Some(&b))).await.unwrap();
    assert_eq!(r.store.activation_pending(&b).await.unwrap(), None, "deleting the account removes its link");
    assert_eq!(r.store.take_activation(&[4; 32]).await.unwrap(), None);
}
