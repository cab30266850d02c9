//! Retention over HTTP (C-RET-6): staff place legal holds through the API (refusals answer
//! with the catalogue's errors), and the staff retention API and page show the rules, their
//! enforcement, the runs and the holds. The rules themselves (purges on the clock, holds kept)
//! are domain tests: `it/domain/retention.rs`.

use super::*;

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
    assert_eq!(st["holds"].as_array().unwrap().len(), 1);
    let html = app.page_text("/staff/retention", &officer.token).await;
    assert!(html.contains("security:session_ended") && html.contains("Security incident 2026-11"));
    assert_error(app.get("/api/v1/staff/retention", Some(&someone.token)).await, 403, "forbidden").await;
});
