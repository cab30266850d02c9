//! Acceptance 5 of the policy issue: on the simulated clock, data past its rule is purged at
//! the next run, data under a legal hold is not, and every run is recorded.

use super::*;
use clearboard_core::identity::sessions::token_hash;
use clearboard_core::platform::clock::{Clock, DAY, HOUR, MINUTE};
use clearboard_core::platform::ids::{RegionId, SubjectId};

// C-RET-3, C-RET-6
both!(acceptance_5_retention_purges_on_the_clock_and_respects_holds, |b| async move {
    let app = spawn_app(b).await;
    let a = app.new_user().await;
    let held = app.new_user().await;
    // A trained privacy officer places a legal hold on the second person's session records.
    let officer = app
        .new_staff("dpo", "Dee", clearboard_core::identity::staff::Role::PrivacyOfficer, Some(time::macros::date!(2026 - 11 - 01)))
        .await;
    let (dpo_email, dpo) = (officer.email.clone(), officer.token.clone());
    let until = "2026-12-29";
    let res = app
        .post_json("/api/v1/staff/legal-holds", &json!({"subject_id": held.id, "category": "security", "reason": "Security incident 2026-11 investigation (CNIL notification)", "until": until}), Some(&dpo))
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    // Non-staff cannot; a category the policy does not know is refused; the past is refused.
    let res = app
        .post_json(
            "/api/v1/staff/legal-holds",
            &json!({"subject_id": held.id, "category": "security", "reason": "x", "until": until}),
            Some(&a.token),
        )
        .await;
    assert_error(res, 403, "forbidden").await;
    let res = app
        .post_json(
            "/api/v1/staff/legal-holds",
            &json!({"subject_id": held.id, "category": "shoes", "reason": "x", "until": until}),
            Some(&dpo),
        )
        .await;
    assert_error(res, 422, "validation_failed").await;
    let res = app
        .post_json(
            "/api/v1/staff/legal-holds",
            &json!({"subject_id": held.id, "category": "security", "reason": "x", "until": "2020-01-01"}),
            Some(&dpo),
        )
        .await;
    assert_error(res, 422, "validation_failed").await;

    // Nothing is due yet.
    let first = app.state.cb.retention().run().await.unwrap();
    assert!(first.iter().all(|r| r.purged == 0));
    // Past the idle timeout: every session is due; the held one stays.
    app.clock.advance(2 * HOUR + MINUTE);
    let fresh = app.new_user().await; // a live session, not due
    let status = app.state.cb.retention().status().await.unwrap();
    let sessions_rule = status.iter().find(|s| s.rule == "security:session_ended").unwrap();
    assert_eq!((sessions_rule.due, sessions_rule.held), (3, 1));
    let runs = app.state.cb.retention().run().await.unwrap();
    let eu_run = runs.iter().find(|r| r.region == "eu" && r.rule == "security:session_ended").unwrap();
    assert_eq!((eu_run.due, eu_run.purged, eu_run.held), (3, 2, 1));
    let eu = app.state.cb.region(&RegionId::new("eu")).unwrap();
    assert!(eu.store.session(&token_hash(&a.token)).await.unwrap().is_none(), "past its rule: purged");
    assert!(eu.store.session(&token_hash(&held.token)).await.unwrap().is_some(), "under a legal hold: kept");
    assert!(eu.store.session(&token_hash(&fresh.token)).await.unwrap().is_some(), "not yet due: kept");
    // The held session is kept as a record, not usable to sign in.
    assert_error(app.get("/api/v1/me", Some(&held.token)).await, 401, "unauthenticated").await;

    // Every run is recorded and shown to staff.
    let dpo = app.sign_in(&dpo_email, "officer password long").await;
    let st: Value = app.get("/api/v1/staff/retention", Some(&dpo)).await.json().await.unwrap();
    let recorded = st["runs"].as_array().unwrap();
    assert!(recorded.iter().any(|r| r["rule"] == "security:session_ended" && r["purged"] == 2 && r["held"] == 1));
    assert!(recorded.len() >= 4, "each run of each region is recorded");
    assert!(st["rules"].as_array().unwrap().iter().all(|r| !r["enforcement"].is_null()), "every rule is enforced");
    assert!(st["rules"].as_array().unwrap().iter().any(|r| r["rule"] == "rights_requests:request_closed" && r["period"]["days"] == 730));
    assert_eq!(st["holds"].as_array().unwrap().len(), 1);
    let html = app.page_text("/staff/retention", &dpo).await;
    assert!(html.contains("security:session_ended") && html.contains("Security incident 2026-11"));
    assert_error(app.get("/api/v1/staff/retention", Some(&fresh.token)).await, 403, "forbidden").await;
    // The hold is in the person's own audit trail.
    let hid = SubjectId::parse(&held.id).unwrap();
    assert!(eu.store.audit_about(&hid).await.unwrap().iter().any(|e| e.action == "legal_hold.placed"));

    // After the hold's end date, the next run purges it too.
    app.clock.set(clearboard_testkit::spawn::START_MS + 31 * DAY);
    let runs = app.state.cb.retention().run().await.unwrap();
    let eu_run = runs.iter().find(|r| r.region == "eu" && r.rule == "security:session_ended").unwrap();
    assert_eq!(eu_run.held, 0);
    assert!(eu_run.purged >= 1);
    assert!(eu.store.session(&token_hash(&held.token)).await.unwrap().is_none());
    let _ = app.clock.now_ms();
});

// C-DSR-3, C-DSR-4: every category of the policy is stored by an enabled module, with an
// exporter and an eraser (no category is declared without them: `policy check` refuses it).
both!(categories_export_and_erase_through_the_registry, |b| async move {
    use clearboard_core::privacy::rights::categories::{erase_category, export_category, stored};
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let id = SubjectId::parse(&u.id).unwrap();
    let eu = app.state.cb.region(&RegionId::new("eu")).unwrap().clone();
    let cb = &app.state.cb;
    for c in &cb.policy().doc().categories {
        assert!(stored(cb, &c.id), "{} is declared but no enabled module stores it", c.id);
        let out = export_category(cb, &eu, &id, &c.id).await.unwrap();
        assert!(out.is_object() && out.get("stored").is_none(), "{}: {out}", c.id);
    }
    assert!(!stored(cb, "contract"), "nothing stores contracts in this version");
    assert!(export_category(cb, &eu, &id, "contract").await.is_err());
    let account = export_category(cb, &eu, &id, "account").await.unwrap();
    assert_eq!(account["profile"]["email"], u.email.as_str());
    assert!(!account.to_string().contains("argon2"), "the password hash is not exported");
    let security = export_category(cb, &eu, &id, "security").await.unwrap();
    assert_eq!(security["sessions"].as_array().unwrap().len(), 1);
    // Categories erased with the account as a whole, or kept by a legal obligation, say so.
    assert!(erase_category(cb, &eu, &id, "account").await.unwrap_err().to_string().contains("with the account"));
    assert!(erase_category(cb, &eu, &id, "rights_requests").await.unwrap_err().to_string().contains("17(3)(b)"));
    assert_eq!(erase_category(cb, &eu, &id, "security").await.unwrap(), 1);
    assert_error(app.get("/api/v1/me", Some(&u.token)).await, 401, "unauthenticated").await;
});

// C-RET-2, C-RET-6: backup files older than the policy's backup retention (never above the
// erasure deadline) are deleted by the scheduler's run, on the test clock, and the run is
// recorded and shown to staff.
both!(acceptance_3_backups_beyond_the_erasure_deadline_are_gone_after_a_scheduler_run, |b| async move {
    use clearboard_app::backup;
    let app = spawn_app(b).await;
    app.new_user().await;
    let layout = clearboard_app::layout(&app.config);
    let dir = app.config.backup_dir();
    let digest = app.state.cb.policy().digest().to_string();
    let make = |at: i64| {
        let path = dir.join(backup::default_name(at));
        let (layout, digest, opened) = (layout.clone(), digest.clone(), &app.opened);
        async move {
            backup::create(opened, &layout, &path, at, &digest).await.unwrap();
            path
        }
    };
    let period = app.state.cb.retention().backup_period();
    let deadline = app.state.cb.policy().doc().limits.erasure_deadline_days;
    assert!(period.min_days() <= deadline, "backups never outlive the erasure deadline");
    let old = make(app.clock.now_ms()).await;
    // One day before its end: kept.
    app.clock.advance(i64::from(period.min_days() - 1) * DAY);
    let fresh = make(app.clock.now_ms()).await;
    let runs = app.state.cb.retention().run().await.unwrap();
    let r = runs.iter().find(|r| r.rule == "backups:created").expect("the scheduler looks at backups");
    assert_eq!((r.due, r.purged, r.region.as_str()), (0, 0, "all"));
    assert!(old.exists() && fresh.exists());
    // At its end: the old one is gone at the next run, the fresh one stays.
    app.clock.advance(DAY);
    let status = app.state.cb.retention().status().await.unwrap();
    assert_eq!(status.iter().find(|s| s.rule == "backups:created").map(|s| s.due), Some(1));
    let runs = app.state.cb.retention().run().await.unwrap();
    assert_eq!(runs.iter().find(|r| r.rule == "backups:created").map(|r| r.purged), Some(1));
    assert!(!old.exists(), "a backup past its period is deleted by the scheduler");
    assert!(fresh.exists());
    // Beyond the erasure deadline, nothing made before remains.
    app.clock.advance(i64::from(deadline) * DAY);
    app.state.cb.retention().run().await.unwrap();
    assert!(!fresh.exists());
    assert!(backup::list(&dir, 0).is_empty(), "no backup older than the erasure deadline is left");
    // Every run is recorded; staff see the rule and what it purged.
    let dpo = app
        .new_staff("dpo", "Dee", clearboard_core::identity::staff::Role::PrivacyOfficer, Some(time::macros::date!(2027 - 01 - 01)))
        .await;
    let st: Value = app.get("/api/v1/staff/retention", Some(&dpo.token)).await.json().await.unwrap();
    assert!(st["runs"].as_array().unwrap().iter().any(|r| r["rule"] == "backups:created" && r["purged"] == 1), "{st}");
    let html = app.page_text("/staff/retention", &dpo.token).await;
    assert!(html.contains("backups:created") && html.contains("delete old backup files"));
});
