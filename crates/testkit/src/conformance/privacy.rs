//! Conformance of the privacy ports of a region: the consent ledger and page views
//! (`ConsentStore`), policy acknowledgements (`AckStore`), legal holds and retention runs
//! (`RetentionStore`, with the hold that keeps sessions from the purge).

use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{ConsentRow, LegalHoldRow, PageViewRow, RetentionRunRow, SessionRow, StoreError, SubjectKind};
use clearboard_store::Opened;

use super::{draft, row};

fn consent(id: &str, visitor: Option<&str>, subject: Option<&SubjectId>, granted: bool, at: i64) -> ConsentRow {
    ConsentRow {
        id: id.into(),
        consent_id: visitor.map(str::to_string),
        subject_id: subject.cloned(),
        purpose: "statistics".into(),
        granted,
        policy_version: "a".repeat(64),
        text_digest: "b".repeat(64),
        purposes_digest: "c".repeat(64),
        method: "banner".into(),
        at,
        proof: vec![7; 32],
    }
}

fn view(id: &str, visitor: &str, at: i64) -> PageViewRow {
    PageViewRow {
        id: id.into(),
        visitor_id: visitor.into(),
        at,
        ip: vec![1, 2, 3],
        ip_prefix: "192.0.2.0/24".into(),
        os: "Linux".into(),
        browser: "Chrome".into(),
        browser_version: "156".into(),
        language: "en".into(),
        page: "/".into(),
    }
}

/// The consent ledger: append-only records per visitor and per person, oldest first (in
/// the order written when two share a time), ids unique, read back exactly; the audit entry
/// is written with the record when asked.
pub async fn consents(o: &Opened) {
    let r = &o.regions[0];
    let a = SubjectId::new(1).unwrap();
    r.store.create_account(SubjectKind::Account, &row(&a, 1), draft("account.created", Some(&a))).await.unwrap();
    let first = consent("c-1", Some("visitor-1"), None, true, 10);
    r.consents.append_consent(&first, None).await.unwrap();
    r.consents.append_consent(&consent("c-2", Some("visitor-1"), None, false, 10), None).await.unwrap();
    r.consents.append_consent(&consent("c-3", Some("visitor-2"), None, true, 5), None).await.unwrap();
    let dup = r.consents.append_consent(&consent("c-1", Some("visitor-3"), None, true, 11), None).await;
    assert!(matches!(dup.unwrap_err(), StoreError::Conflict), "record ids are unique");
    let (chain_before, _) = r.store.audit_chain().await.unwrap();
    r.consents.append_consent(&consent("c-4", None, Some(&a), false, 20), Some(draft("consent.withdrawn", Some(&a)))).await.unwrap();
    r.consents.append_consent(&consent("c-5", None, Some(&a), true, 15), None).await.unwrap();
    let v1 = r.consents.consents_of_visitor("visitor-1").await.unwrap();
    assert_eq!(
        v1.iter().map(|c| (c.id.as_str(), c.granted)).collect::<Vec<_>>(),
        vec![("c-1", true), ("c-2", false)],
        "same time: as written"
    );
    assert_eq!(v1[0], first, "a record reads back exactly");
    let mine = r.consents.consents_of_subject(&a).await.unwrap();
    assert_eq!(mine.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec!["c-5", "c-4"], "oldest first");
    assert!(r.consents.consents_of_visitor("nobody").await.unwrap().is_empty());
    let (chain_after, _) = r.store.audit_chain().await.unwrap();
    assert_eq!(chain_after.len(), chain_before.len() + 1, "the audit entry came with the record that asked for it");
    // A visitor erases their records: theirs go, with one audit entry; others' and the
    // signed-in person's stay.
    assert_eq!(r.consents.delete_visitor_consents("visitor-1", draft("visitor.erased", None)).await.unwrap(), 2);
    assert!(r.consents.consents_of_visitor("visitor-1").await.unwrap().is_empty());
    assert_eq!(r.consents.consents_of_visitor("visitor-2").await.unwrap().len(), 1);
    assert_eq!(r.consents.consents_of_subject(&a).await.unwrap().len(), 2);
    assert_eq!(r.store.audit_chain().await.unwrap().0.len(), chain_after.len() + 1);
    assert_eq!(r.consents.delete_visitor_consents("visitor-1", draft("visitor.erased", None)).await.unwrap(), 0);
}

/// Page views: recorded, read by time window `[from, to)` oldest first, counted and deleted
/// per visitor, counted and purged before a time.
pub async fn page_views(o: &Opened) {
    let c = &o.regions[0].consents;
    for (id, visitor, at) in [("v-1", "x", 10), ("v-2", "x", 20), ("v-3", "y", 15), ("v-4", "y", 30)] {
        c.record_page_view(&view(id, visitor, at)).await.unwrap();
    }
    assert!(matches!(c.record_page_view(&view("v-1", "z", 40)).await.unwrap_err(), StoreError::Conflict));
    let window: Vec<String> = c.page_views(10, 30).await.unwrap().into_iter().map(|v| v.id).collect();
    assert_eq!(window, vec!["v-1", "v-3", "v-2"], "from included, to excluded, by time");
    assert_eq!(c.page_views(0, 100).await.unwrap()[0], view("v-1", "x", 10), "a view reads back exactly");
    assert_eq!((c.page_views_of("x").await.unwrap(), c.page_views_of("nobody").await.unwrap()), (2, 0));
    let xs = c.page_views_list_of("x").await.unwrap();
    assert_eq!(xs, vec![view("v-1", "x", 10), view("v-2", "x", 20)], "a visitor's own views, oldest first, exactly");
    assert!(c.page_views_list_of("nobody").await.unwrap().is_empty());
    assert_eq!(c.count_page_views_before(20).await.unwrap(), 2);
    assert_eq!(c.purge_page_views(20).await.unwrap(), 2);
    assert_eq!(c.count_page_views_before(20).await.unwrap(), 0);
    assert_eq!(c.delete_page_views_of("y").await.unwrap(), 1);
    assert_eq!(c.page_views(0, 100).await.unwrap().into_iter().map(|v| v.id).collect::<Vec<_>>(), vec!["v-2"]);
}

/// Acknowledgements of policy versions: recorded once per person and version (the first
/// time and method kept, one audit entry), listed oldest first.
pub async fn acks(o: &Opened) {
    let r = &o.regions[0];
    let a = SubjectId::new(1).unwrap();
    r.store.create_account(SubjectKind::Account, &row(&a, 1), draft("account.created", Some(&a))).await.unwrap();
    let (v1, v2) = ("1".repeat(64), "2".repeat(64));
    assert!(!r.store.has_ack(&a, &v1).await.unwrap());
    r.store.record_ack(&a, &v2, "interstitial", 20, Some(draft("policy.acknowledged", Some(&a)))).await.unwrap();
    r.store.record_ack(&a, &v1, "sign_up", 10, None).await.unwrap();
    r.store.record_ack(&a, &v2, "api", 30, Some(draft("policy.acknowledged", Some(&a)))).await.unwrap();
    assert!(r.store.has_ack(&a, &v1).await.unwrap() && r.store.has_ack(&a, &v2).await.unwrap());
    let acks = r.store.acks_of(&a).await.unwrap();
    assert_eq!(acks, vec![(v1, "sign_up".to_string(), 10), (v2, "interstitial".to_string(), 20)], "the first acknowledgement is kept");
    let audited = r.store.audit_about(&a).await.unwrap().iter().filter(|e| e.action == "policy.acknowledged").count();
    assert_eq!(audited, 1, "a repeated acknowledgement writes no second entry");
}

/// Legal holds and retention runs: holds placed, listed (all, or active at a time), released
/// once; a hold on `security` keeps its person's sessions from the purge (counted as held)
/// while it is active; runs recorded and listed newest first, limited.
pub async fn retention(o: &Opened) {
    let r = &o.regions[0];
    let (a, b) = (SubjectId::new(1).unwrap(), SubjectId::new(2).unwrap());
    for (s, n) in [(&a, 1), (&b, 2)] {
        r.store.create_account(SubjectKind::Account, &row(s, n), draft("account.created", Some(s))).await.unwrap();
        let session = SessionRow { token_hash: vec![n; 32], subject_id: s.clone(), kind: "bearer".into(), created_at: 5, last_seen_at: 5 };
        r.store.insert_session(&session, None, None).await.unwrap();
    }
    let hold = |id: &str, subject: &SubjectId, category: &str, until: i64, at: i64| LegalHoldRow {
        id: id.into(),
        subject_id: subject.clone(),
        category: category.into(),
        reason: "dispute 2026-11 (court filing)".into(),
        until_at: until,
        created_at: at,
        created_by: "staff-1".into(),
        released_at: None,
    };
    r.store.put_legal_hold(&hold("h-1", &b, "security", 100, 10), draft("legal_hold.placed", Some(&b))).await.unwrap();
    r.store.put_legal_hold(&hold("h-2", &a, "account", 50, 11), draft("legal_hold.placed", Some(&a))).await.unwrap();
    let dup = r.store.put_legal_hold(&hold("h-1", &a, "account", 50, 12), draft("legal_hold.placed", Some(&a))).await;
    assert!(matches!(dup.unwrap_err(), StoreError::Conflict), "hold ids are unique");
    assert_eq!(r.store.legal_holds(None).await.unwrap(), vec![hold("h-1", &b, "security", 100, 10), hold("h-2", &a, "account", 50, 11)]);
    let active = |at| async move { r.store.legal_holds(Some(at)).await.unwrap().into_iter().map(|h| h.id).collect::<Vec<_>>() };
    assert_eq!(active(49).await, vec!["h-1", "h-2"]);
    assert_eq!(active(50).await, vec!["h-1"], "a hold ends at its end time");

    assert_eq!(
        r.store.count_due_sessions(10, 0, 60).await.unwrap(),
        clearboard_core::platform::ports::PurgeCount { due: 2, purged: 0, held: 1 }
    );
    let purged = r.store.purge_sessions(10, 0, 60).await.unwrap();
    assert_eq!((purged.due, purged.purged, purged.held), (2, 1, 1), "the held person's session stays");
    assert!(r.store.session(&[1; 32]).await.unwrap().is_none() && r.store.session(&[2; 32]).await.unwrap().is_some());
    assert_eq!(r.store.purge_sessions(10, 0, 100).await.unwrap().purged, 1, "after the hold's end it goes too");

    assert!(r.store.release_legal_hold("h-2", 30, draft("legal_hold.released", Some(&a))).await.unwrap());
    assert!(!r.store.release_legal_hold("h-2", 31, draft("legal_hold.released", Some(&a))).await.unwrap(), "released once");
    assert!(!r.store.release_legal_hold("h-9", 31, draft("legal_hold.released", None)).await.unwrap());
    assert_eq!(r.store.legal_holds(None).await.unwrap()[1].released_at, Some(30));
    assert_eq!(active(20).await, vec!["h-1"], "a released hold is not active");
    assert_eq!(r.store.audit_about(&a).await.unwrap().iter().filter(|e| e.action.starts_with("legal_hold")).count(), 2);

    let run = |id: &str, rule: &str, at: i64| RetentionRunRow {
        id: id.into(),
        rule: rule.into(),
        started_at: at,
        finished_at: at + 1,
        due: 3,
        purged: 2,
        held: 1,
    };
    for (id, at) in [("r-1", 100), ("r-2", 300), ("r-3", 200)] {
        r.store.record_retention_run(&run(id, "security:session_ended", at)).await.unwrap();
    }
    assert_eq!(
        r.store.retention_runs(10).await.unwrap(),
        vec![
            run("r-2", "security:session_ended", 300),
            run("r-3", "security:session_ended", 200),
            run("r-1", "security:session_ended", 100)
        ]
    );
    assert_eq!(r.store.retention_runs(1).await.unwrap().len(), 1, "limited");
}
