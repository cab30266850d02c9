//! Retention over HTTP (C-RET-6): staff place legal holds through the API (refusals answer
//! with the catalogue's errors), and the staff retention API and page show the rules, their
//! enforcement, the runs and the holds. The rules themselves (purges on the clock, holds kept)
//! are domain tests: `it/domain/retention.rs`.

use super::*;
use clearboard_core::platform::clock::{Clock, DAY};

// C-RET-3, C-RET-6
both!(staff_place_holds_and_see_runs_over_http, |b| async move {
    let app = spawn_app(b).await;
    let someone = app.new_user().await;
    let officer = app
        .new_staff("dpo", "Dee", clearboard_core::identity::staff::Role::PrivacyOfficer, Some(time::macros::date!(2026 - 11 - 01)))
        .await;
    let hold = |category: &str, until: &str| json!({"subject_id": someone.id, "category": category, "reason": "Security incident 2026-11 investigation (CNIL notification)", "until": until});
    let res = app.post_json("/api/v1/staff/legal-holds", &hold("security", "2026-12-29"), Some(&officer.token)).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    assert_error(app.post_json("/api/v1/staff/legal-holds", &hold("security", "2026-12-29"), Some(&someone.token)).await, 403, "forbidden")
        .await;
    let e = assert_error(
        app.post_json("/api/v1/staff/legal-holds", &hold("shoes", "2026-12-29"), Some(&officer.token)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(e["error"]["field"], "category");
    assert_error(
        app.post_json("/api/v1/staff/legal-holds", &hold("security", "2020-01-01"), Some(&officer.token)).await,
        422,
        "validation_failed",
    )
    .await;

    app.state.cb.retention().run().await.unwrap();
    let st: Value = app.get("/api/v1/staff/retention", Some(&officer.token)).await.json().await.unwrap();
    assert!(st["runs"].as_array().unwrap().iter().any(|r| r["rule"] == "security:session_ended"), "runs are shown");
    assert!(st["rules"].as_array().unwrap().iter().all(|r| !r["enforcement"].is_null()), "every rule is enforced");
    assert!(st["rules"].as_array().unwrap().iter().any(|r| r["rule"] == "rights_requests:request_closed" && r["period"]["days"] == 730));
    assert_eq!(st["holds"].as_array().unwrap().len(), 1);
    let html = app.page_text("/staff/retention", &officer.token).await;
    assert!(html.contains("security:session_ended") && html.contains("Security incident 2026-11"));
    assert_error(app.get("/api/v1/staff/retention", Some(&someone.token)).await, 403, "forbidden").await;
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
