//! Acceptance 5 of the policy issue (C-RET-3, C-RET-6): on the simulated clock, data past its
//! rule is purged at the next run, data under a legal hold is not, only trained privacy
//! officers place holds, and every run is recorded. And every category of the policy is
//! exported and erased through the registry. (The staff retention page and API: `it/retention.rs`.)

use super::*;
use clearboard_core::identity::sessions::token_hash;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, DAY, HOUR, MINUTE};
use clearboard_core::privacy::rights::categories::{erase_category, export_category, stored};
// C-RET-3, C-RET-6
both!(acceptance_5_retention_purges_on_the_clock_and_respects_holds, |b| async move {
    let d = Domain::open(b).await;
    let a = d.new_person().await;
    let held = d.new_person().await;
    // A trained privacy officer places a legal hold on the second person's session records.
    let officer = d.new_staff("dpo", Role::PrivacyOfficer, Some(time::macros::date!(2026 - 11 - 01))).await;
    let retention = d.cb.retention();
    let until = clearboard_testkit::spawn::START_MS + 30 * DAY;
    let reason = "Security incident 2026-11 investigation (CNIL notification)";
    let hold = retention.place_hold(&officer.principal, &held.id, "security", reason, until).await.unwrap();
    // Non-staff cannot; a category the policy does not know is refused; the past is refused.
    assert!(matches!(retention.place_hold(&a.principal, &held.id, "security", "x", until).await, Err(CoreError::Forbidden)));
    let e = retention.place_hold(&officer.principal, &held.id, "shoes", "x", until).await.unwrap_err();
    assert_eq!((e.code().as_str(), e.field()), ("validation_failed", Some("category")));
    let e = retention.place_hold(&officer.principal, &held.id, "security", "x", d.clock.now_ms() - DAY).await.unwrap_err();
    assert_eq!((e.code().as_str(), e.field()), ("validation_failed", Some("until")));
    // An officer whose confidentiality training is missing cannot either (C-SHARE-1).
    let untrained = d.new_staff("untrained", Role::PrivacyOfficer, None).await;
    assert!(matches!(
        retention.place_hold(&untrained.principal, &held.id, "security", reason, until).await,
        Err(CoreError::StaffTrainingRequired)
    ));

    // Nothing is due yet.
    let first = retention.run().await.unwrap();
    assert!(first.iter().all(|r| r.purged == 0));
    // Past the idle timeout: every session is due; the held one stays.
    d.clock.advance(2 * HOUR + MINUTE);
    let fresh = d.new_person().await; // a live session, not due
    let status = retention.status().await.unwrap();
    let sessions_rule = status.iter().find(|s| s.rule == "security:session_ended").unwrap();
    // Due: the two people's, the officers' (three sessions), one held.
    assert_eq!((sessions_rule.due, sessions_rule.held), (4, 1));
    let runs = retention.run().await.unwrap();
    let eu_run = runs.iter().find(|r| r.region == "eu" && r.rule == "security:session_ended").unwrap();
    assert_eq!((eu_run.due, eu_run.purged, eu_run.held), (4, 3, 1));
    let eu = d.region("eu");
    assert!(eu.store.session(&token_hash(&a.token)).await.unwrap().is_none(), "past its rule: purged");
    assert!(eu.store.session(&token_hash(&held.token)).await.unwrap().is_some(), "under a legal hold: kept");
    assert!(eu.store.session(&token_hash(&fresh.token)).await.unwrap().is_some(), "not yet due: kept");
    // The held session is kept as a record, not usable to sign in.
    assert!(matches!(d.cb.sessions().authenticate(&held.token).await, Err(CoreError::Unauthenticated)));

    // Every run is recorded, and the hold is listed for staff and in the person's own trail.
    let recorded = retention.runs(100).await.unwrap();
    assert!(recorded.iter().any(|r| r.rule == "security:session_ended" && r.purged == 3 && r.held == 1));
    assert!(recorded.len() >= 4, "each run of each region is recorded");
    let holds = retention.holds(&officer.principal).await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].id, hold.id);
    assert!(matches!(retention.holds(&fresh.principal).await, Err(CoreError::Forbidden)));
    assert!(eu.store.audit_about(&held.id).await.unwrap().iter().any(|e| e.action == "legal_hold.placed"));

    // After the hold's end date, the next run purges it too.
    d.clock.set(clearboard_testkit::spawn::START_MS + 31 * DAY);
    let runs = retention.run().await.unwrap();
    let eu_run = runs.iter().find(|r| r.region == "eu" && r.rule == "security:session_ended").unwrap();
    assert_eq!(eu_run.held, 0);
    assert!(eu_run.purged >= 1);
    assert!(eu.store.session(&token_hash(&held.token)).await.unwrap().is_none());
});

// C-DSR-3, C-DSR-4: every category of the policy is stored by an enabled module, with an
// exporter and an eraser (no category is declared without them: `policy check` refuses it).
both!(categories_export_and_erase_through_the_registry, |b| async move {
    let d = Domain::open(b).await;
    let u = d.new_person().await;
    let eu = d.region("eu").clone();
    let cb = &d.cb;
    for c in &cb.policy().doc().categories {
        assert!(stored(cb, &c.id), "{} is declared but no enabled module stores it", c.id);
        let out = export_category(cb, &eu, &u.id, &c.id).await.unwrap();
        assert!(out.is_object() && out.get("stored").is_none(), "{}: {out}", c.id);
    }
    // Contracts (issue 15): exported, and kept until their contract ends (the retention rule).
    assert_eq!(export_category(cb, &eu, &u.id, "contract").await.unwrap(), serde_json::json!({ "contracts": [] }));
    assert!(erase_category(cb, &eu, &u.id, "contract").await.unwrap_err().to_string().contains("contract_ended"));
    assert!(!stored(cb, "shoe_sizes"), "nothing stores what no module declares");
    assert!(export_category(cb, &eu, &u.id, "shoe_sizes").await.is_err());
    let account = export_category(cb, &eu, &u.id, "account").await.unwrap();
    assert_eq!(account["profile"]["email"], u.email.as_str());
    assert!(!account.to_string().contains("argon2"), "the password hash is not exported");
    let security = export_category(cb, &eu, &u.id, "security").await.unwrap();
    assert_eq!(security["sessions"].as_array().unwrap().len(), 1);
    // Categories erased with the account as a whole, or kept by a legal obligation, say so.
    assert!(erase_category(cb, &eu, &u.id, "account").await.unwrap_err().to_string().contains("with the account"));
    assert!(erase_category(cb, &eu, &u.id, "rights_requests").await.unwrap_err().to_string().contains("17(3)(b)"));
    assert_eq!(erase_category(cb, &eu, &u.id, "security").await.unwrap(), 1);
    assert!(matches!(cb.sessions().authenticate(&u.token).await, Err(CoreError::Unauthenticated)));
});
