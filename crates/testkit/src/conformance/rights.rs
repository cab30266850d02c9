//! Conformance of the `RightsStore` port: exports and the import lock, rights requests and
//! their events, the disclosure log, records kept under a legal hold, erasure receipts,
//! purging a subject (tombstone replay), and physical clean-up.

use clearboard_core::platform::ids::{BlobId, SubjectId};
use clearboard_core::platform::ports::{DisclosureRow, ExportRow, HeldRecordRow, RequestEventRow, RequestRow, SessionRow, StoreError};
use clearboard_store::Opened;

use super::{draft, person};

fn export(id: &str, subject: &SubjectId, state: &str, at: i64) -> ExportRow {
    // Fields in alphabetical order: what a new export row holds.
    ExportRow {
        attempts: 0,
        blob_id: None,
        code_attempts: 0,
        code_expires_at: None,
        code_hash: None,
        codes_sent: 0,
        created_at: at,
        error: None,
        expires_at: None,
        finished_at: None,
        id: id.into(),
        request_id: None,
        revoked_at: None,
        revoked_reason: None,
        size: None,
        started_at: None,
        state: state.into(),
        subject_id: subject.clone(),
    }
}

fn request(id: &str, requester: &SubjectId, subject: Option<&SubjectId>, bidx: u8, at: i64) -> RequestRow {
    RequestRow {
        id: id.into(),
        kind: "access".into(),
        regime: "gdpr".into(),
        channel: "web".into(),
        requester_id: requester.clone(),
        subject_id: subject.cloned(),
        contact: vec![1, 2],
        email_bidx: vec![bidx; 32],
        on_behalf: "self".into(),
        state: "unverified".into(),
        received_at: at,
        verified_at: None,
        confirmed_at: None,
        acknowledged_at: None,
        acknowledge_by: "2026-12-11".into(),
        answer_by: "2026-12-29".into(),
        extended_to: None,
        closed_at: None,
        outcome: None,
        verify_hash: Some(vec![bidx; 32]),
        verify_expires_at: Some(at + 100),
        confirm_hash: None,
        confirm_expires_at: None,
        document_blob: None,
        export_id: None,
    }
}

fn event(request: &str, at: i64, what: &str) -> RequestEventRow {
    RequestEventRow { request_id: request.into(), at, event: what.into(), actor: "system".into(), detail: "{}".into() }
}

/// Exports: inserted and read back exactly, replaced, replaced only from an expected state
/// (a revocation and a builder never overwrite each other), listed per person newest first
/// and per state, deleted per person with their blobs named; the import lock is taken once,
/// taken over when stale, and released.
pub async fn exports(o: &Opened) {
    let rights = &o.regions[0].rights;
    let (a, b) = (person(o, 1).await, person(o, 2).await);
    let first = export("e-1", &a, "queued", 10);
    rights.insert_export(&first, Some(draft("export.requested", Some(&a)))).await.unwrap();
    rights.insert_export(&export("e-2", &a, "queued", 20), None).await.unwrap();
    rights.insert_export(&export("e-3", &b, "ready", 15), None).await.unwrap();
    assert!(matches!(rights.insert_export(&export("e-1", &b, "queued", 30), None).await.unwrap_err(), StoreError::Conflict));
    assert_eq!(rights.export("e-1").await.unwrap().unwrap(), first);
    assert!(rights.export("nope").await.unwrap().is_none());

    // A builder claims a queued export once; a second claim from the same state finds it taken.
    let claimed = ExportRow { state: "running".into(), started_at: Some(11), attempts: 1, ..first.clone() };
    assert!(rights.claim_export(&claimed, "queued").await.unwrap());
    assert_eq!(rights.export("e-1").await.unwrap().unwrap(), claimed);
    assert!(!rights.claim_export(&claimed, "queued").await.unwrap(), "already claimed");

    let blob = BlobId::new(3).unwrap();
    let ready = ExportRow {
        state: "ready".into(),
        started_at: Some(11),
        finished_at: Some(12),
        expires_at: Some(12 + 86_400_000),
        blob_id: Some(blob.clone()),
        size: Some(4096),
        attempts: 1,
        code_hash: Some(vec![5; 32]),
        code_expires_at: Some(500),
        code_attempts: 2,
        codes_sent: 1,
        ..first.clone()
    };
    rights.update_export(&ready, None).await.unwrap();
    assert_eq!(rights.export("e-1").await.unwrap().unwrap(), ready, "every field is replaced");
    let revoked =
        ExportRow { state: "revoked".into(), revoked_at: Some(40), revoked_reason: Some("password_changed".into()), ..ready.clone() };
    assert!(!rights.update_export_if(&revoked, "running", None).await.unwrap(), "not in the expected state: unchanged");
    assert_eq!(rights.export("e-1").await.unwrap().unwrap().state, "ready");
    assert!(rights.update_export_if(&revoked, "ready", Some(draft("export.revoked", Some(&a)))).await.unwrap());
    assert_eq!(rights.export("e-1").await.unwrap().unwrap(), revoked);

    let of_a: Vec<String> = rights.exports_of(&a).await.unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(of_a, vec!["e-2", "e-1"], "newest first");
    let queued: Vec<String> = rights.exports_in(&["queued", "ready"]).await.unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(queued, vec!["e-2", "e-3"]);
    assert_eq!(rights.delete_exports_of(&a).await.unwrap(), vec![blob], "the blobs to delete are named");
    assert!(rights.exports_of(&a).await.unwrap().is_empty());
    assert_eq!(rights.exports_of(&b).await.unwrap().len(), 1, "others' exports stay");

    assert!(rights.try_lock_import(&a, 100, 0).await.unwrap());
    assert!(!rights.try_lock_import(&a, 110, 50).await.unwrap(), "one import at a time");
    assert!(rights.try_lock_import(&b, 110, 50).await.unwrap(), "per person");
    assert!(rights.try_lock_import(&a, 300, 200).await.unwrap(), "a stale lock (a process that died) is taken over");
    rights.unlock_import(&a).await.unwrap();
    assert!(rights.try_lock_import(&a, 310, 0).await.unwrap());
}

/// Requests: inserted with their requester subject and first event, replaced with an event
/// each time, found by id, by verification and confirmation hashes, open ones by email,
/// all or by state, about a person; events in order; closed ones purged before a time,
/// naming their requesters.
pub async fn requests(o: &Opened) {
    let r = &o.regions[0];
    let a = person(o, 1).await;
    let (req1, req2, req3) = (SubjectId::new(10).unwrap(), SubjectId::new(11).unwrap(), SubjectId::new(12).unwrap());
    let first = request("q-1", &req1, Some(&a), 1, 100);
    r.rights.insert_request(&first, &event("q-1", 100, "received"), Some(draft("request.received", Some(&req1)))).await.unwrap();
    r.rights.insert_request(&request("q-2", &req2, None, 1, 50), &event("q-2", 50, "received"), None).await.unwrap();
    r.rights.insert_request(&request("q-3", &req3, None, 3, 200), &event("q-3", 200, "received"), None).await.unwrap();
    assert!(r.store.subject_erased_at(&req1).await.unwrap().is_none(), "the requester is a subject");
    let again = r.rights.insert_request(&request("q-1", &SubjectId::new(13).unwrap(), None, 4, 1), &event("q-1", 1, "x"), None).await;
    assert!(matches!(again.unwrap_err(), StoreError::Conflict));
    assert_eq!(r.rights.request("q-1").await.unwrap().unwrap(), first, "a request reads back exactly");

    let verified = RequestRow {
        state: "open".into(),
        verified_at: Some(110),
        acknowledged_at: Some(111),
        verify_hash: None,
        verify_expires_at: None,
        confirm_hash: Some(vec![8; 32]),
        confirm_expires_at: Some(400),
        extended_to: Some("2027-02-28".into()),
        outcome: Some(vec![9]),
        document_blob: Some(BlobId::new(4).unwrap()),
        export_id: Some("e-9".into()),
        ..first.clone()
    };
    r.rights.update_request(&verified, &event("q-1", 110, "verified"), None).await.unwrap();
    assert_eq!(r.rights.request("q-1").await.unwrap().unwrap(), verified, "every field is replaced");
    assert!(r.rights.request_by_verify_hash(&[1; 32]).await.unwrap().is_some_and(|q| q.id == "q-2"), "q-1's hash is gone");
    assert_eq!(r.rights.request_by_confirm_hash(&[8; 32]).await.unwrap().map(|q| q.id).as_deref(), Some("q-1"));
    assert!(r.rights.request_by_confirm_hash(&[7; 32]).await.unwrap().is_none());
    let events: Vec<String> = r.rights.request_events("q-1").await.unwrap().into_iter().map(|e| e.event).collect();
    assert_eq!(events, vec!["received", "verified"]);

    let ids = |v: Vec<RequestRow>| v.into_iter().map(|q| q.id).collect::<Vec<_>>();
    assert_eq!(ids(r.rights.requests(None).await.unwrap()), vec!["q-2", "q-1", "q-3"], "oldest first");
    assert_eq!(ids(r.rights.requests(Some(&["open"])).await.unwrap()), vec!["q-1"]);
    assert_eq!(ids(r.rights.requests_about(&a).await.unwrap()), vec!["q-1"]);
    assert_eq!(ids(r.rights.open_requests_by_email(&[1; 32]).await.unwrap()), vec!["q-2", "q-1"]);

    let closed = RequestRow { state: "completed".into(), closed_at: Some(300), ..verified.clone() };
    r.rights.update_request(&closed, &event("q-1", 300, "completed"), None).await.unwrap();
    assert_eq!(ids(r.rights.open_requests_by_email(&[1; 32]).await.unwrap()), vec!["q-2"], "closed requests are not open");
    assert_eq!(r.rights.purge_requests_closed_before(300).await.unwrap(), Vec::<SubjectId>::new(), "closed at 300: not before");
    assert_eq!(r.rights.purge_requests_closed_before(301).await.unwrap(), vec![req1]);
    assert!(r.rights.request("q-1").await.unwrap().is_none() && r.rights.request_events("q-1").await.unwrap().is_empty());
    assert_eq!(r.rights.requests(None).await.unwrap().len(), 2);
}

/// The disclosure log (with its audit entry), records kept under a legal hold and purged at
/// the hold's end, erasure receipts.
pub async fn disclosures_holds_receipts(o: &Opened) {
    let r = &o.regions[0];
    let (a, b) = (person(o, 1).await, person(o, 2).await);
    let d = |id: &str, s: &SubjectId, at: i64| DisclosureRow {
        id: id.into(),
        subject_id: s.clone(),
        recipient: "auditor".into(),
        legal_basis: "legal obligation".into(),
        scope: "account".into(),
        contact: Some("dpo@recipient.example".into()),
        at,
        notified_at: None,
    };
    r.rights.insert_disclosure(&d("d-1", &a, 10), draft("disclosure.recorded", Some(&a))).await.unwrap();
    r.rights.insert_disclosure(&d("d-2", &b, 20), draft("disclosure.recorded", Some(&b))).await.unwrap();
    r.rights.insert_disclosure(&d("d-3", &a, 30), draft("disclosure.recorded", Some(&a))).await.unwrap();
    assert_eq!(r.rights.disclosures_of(&a).await.unwrap(), vec![d("d-1", &a, 10), d("d-3", &a, 30)]);
    let since: Vec<String> = r.rights.disclosures_since(20).await.unwrap().into_iter().map(|x| x.id).collect();
    assert_eq!(since, vec!["d-2", "d-3"]);
    r.rights.mark_disclosure_notified("d-1", 40).await.unwrap();
    assert_eq!(r.rights.disclosures_of(&a).await.unwrap()[0].notified_at, Some(40));
    assert_eq!(r.store.audit_about(&a).await.unwrap().iter().filter(|e| e.action == "disclosure.recorded").count(), 2);

    let held = |id: &str, hold: &str, until: i64| HeldRecordRow {
        id: id.into(),
        hold_id: hold.into(),
        subject_id: a.clone(),
        category: "contract".into(),
        data: vec![3; 16],
        created_at: 5,
        until_at: until,
    };
    r.rights.put_held_record(&held("k-1", "h-1", 100)).await.unwrap();
    r.rights.put_held_record(&held("k-2", "h-1", 100)).await.unwrap();
    r.rights.put_held_record(&held("k-3", "h-2", 200)).await.unwrap();
    assert_eq!(r.rights.held_records_of(&a).await.unwrap().len(), 3);
    assert_eq!(r.rights.held_records_of(&a).await.unwrap()[0], held("k-1", "h-1", 100));
    assert!(r.rights.purge_held_records(100).await.unwrap().is_empty(), "kept until their end");
    assert_eq!(r.rights.purge_held_records(101).await.unwrap(), vec!["h-1".to_string()], "each ended hold named once");
    assert_eq!(r.rights.held_records_of(&a).await.unwrap(), vec![held("k-3", "h-2", 200)]);

    r.rights.put_receipt("rc-2", &a, 20, "{\"second\":true}", "sig2").await.unwrap();
    r.rights.put_receipt("rc-1", &a, 10, "{\"first\":true}", "sig1").await.unwrap();
    let receipts = r.rights.receipts_of(&a).await.unwrap();
    assert_eq!(
        receipts,
        vec![("rc-1".into(), 10, "{\"first\":true}".into(), "sig1".into()), ("rc-2".into(), 20, "{\"second\":true}".into(), "sig2".into())]
    );
    assert!(r.rights.receipts_of(&b).await.unwrap().is_empty());
}

/// Purging a subject (what a replayed tombstone does): their sessions, acknowledgements,
/// consents, exports, import lock, account, activation and own requests go, the subject is
/// marked erased; others stay; `subjects_present` names who a restored backup brought back.
/// Then the physical clean-up runs and says what it did.
pub async fn purge_subject(o: &Opened) {
    let r = &o.regions[0];
    let (a, b) = (person(o, 1).await, person(o, 2).await);
    for (s, n) in [(&a, 1u8), (&b, 2)] {
        let session = SessionRow { token_hash: vec![n; 32], subject_id: s.clone(), kind: "bearer".into(), created_at: 5, last_seen_at: 5 };
        r.store.insert_session(&session, None, None).await.unwrap();
        r.store.record_ack(s, &"1".repeat(64), "sign_up", 5, None).await.unwrap();
        r.rights.insert_export(&export(&format!("e-{n}"), s, "queued", 5), None).await.unwrap();
    }
    r.rights.try_lock_import(&a, 5, 0).await.unwrap();
    r.store.put_activation(&a, &[6; 32], 100, 5).await.unwrap();
    // A requester is a subject of their own (the request names the account holder it is about).
    let requester = SubjectId::new(20).unwrap();
    r.rights.insert_request(&request("q-1", &requester, Some(&a), 1, 5), &event("q-1", 5, "received"), None).await.unwrap();

    assert_eq!(r.rights.subjects_present(&[a.clone(), b.clone()]).await.unwrap(), vec![a.clone(), b.clone()]);
    let n = r.rights.purge_subject(&a, 50).await.unwrap();
    assert_eq!(n, 6, "a session, an acknowledgement, an export, the import lock, the account, the activation");
    assert!(r.store.account(&a).await.unwrap().is_none() && r.store.session(&[1; 32]).await.unwrap().is_none());
    assert!(r.rights.exports_of(&a).await.unwrap().is_empty() && r.store.acks_of(&a).await.unwrap().is_empty());
    assert_eq!(r.store.activation_pending(&a).await.unwrap(), None);
    assert_eq!(r.store.subject_erased_at(&a).await.unwrap(), Some(50));
    assert!(r.rights.try_lock_import(&a, 6, 0).await.unwrap(), "the lock went too");
    assert_eq!(r.rights.purge_subject(&requester, 60).await.unwrap(), 1, "a requester's own request goes with them");
    assert!(r.rights.request("q-1").await.unwrap().is_none());
    assert_eq!(r.rights.subjects_present(&[a.clone(), b.clone()]).await.unwrap(), vec![b.clone()]);
    assert!(r.store.account(&b).await.unwrap().is_some() && r.rights.exports_of(&b).await.unwrap().len() == 1, "others stay");

    let done = r.rights.compact().await.unwrap();
    assert!(!done.is_empty() && done.iter().all(|d| !d.is_empty()), "the clean-up says what it did: {done:?}");
}
