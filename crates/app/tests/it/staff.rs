//! C-SHARE-1: staff see personal data only for a reason their role allows, only with current
//! confidentiality training, and every access or refusal is in the person's audit log.

use super::*;
use clearboard_core::platform::clock::DAY;
use clearboard_core::platform::ids::{RegionId, SubjectId};

fn cli(app: &TestApp, args: &[&str], password: &str) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_clearboard"));
    cmd.args(args)
        .env("CLEARBOARD_DATA_DIR", &app.config.data_dir)
        .env("CLEARBOARD_STAFF_PASSWORD", password)
        .env("CLEARBOARD_LOG_LEVEL", "warn");
    match &app.config.database_url {
        Some(u) => cmd.env("CLEARBOARD_DATABASE_URL", u),
        None => cmd.env_remove("CLEARBOARD_DATABASE_URL"),
    };
    cmd.output().unwrap()
}

// C-SHARE-1
both!(staff_access_is_gated_by_role_reason_and_training, |b| async move {
    let app = spawn_app(b).await;
    let person = app.new_user().await;
    let person_id = SubjectId::parse(&person.id).unwrap();
    let eu = app.state.cb.region(&RegionId::new("eu")).unwrap().clone();

    // A support agent added by the CLI, with no training recorded yet.
    let agent_email = canary_email("agent");
    let pw = "agent password long";
    let out = cli(&app, &["staff", "add", "--email", &agent_email, "--first-name", "Sam", "--last-name", "Agent", "--role", "support"], pw);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no training recorded"));
    let agent = app.sign_in(&agent_email, pw).await;
    let me: Value = app.get("/api/v1/staff/me", Some(&agent)).await.json().await.unwrap();
    assert_eq!((me["role"].as_str(), me["training_current"].as_bool()), (Some("support"), Some(false)));

    let client = app.http();
    let base = app.base.clone();
    let pid = person.id.clone();
    let view = |token: String, reason: &'static str| {
        let url = format!("{base}/api/v1/staff/accounts/{pid}?reason={reason}");
        let c = client.clone();
        async move { c.get(url).bearer_auth(token).send().await.unwrap() }
    };
    assert_error(view(agent.clone(), "support_request").await, 403, "staff_training_required").await;
    let refused = eu.store.audit_about(&person_id).await.unwrap();
    assert!(refused.iter().any(|e| e.action == "staff.access_refused"), "the refusal is in the person's log");
    let res = app.post_json("/api/v1/staff/lookup", &json!({"email": person.email, "reason": "support_request"}), Some(&agent)).await;
    assert_error(res, 403, "staff_training_required").await;

    // Training recorded (by the CLI): access for an allowed reason works and is audited.
    let out = cli(&app, &["staff", "training", "--email", &agent_email, "--trained-on", "2026-11-01"], pw);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let res = view(agent.clone(), "support_request").await;
    assert_eq!(res.status(), 200);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["email"], person.email.as_str());
    let res = app
        .post_json("/api/v1/staff/lookup", &json!({"email": person.email.to_uppercase(), "reason": "support_request"}), Some(&agent))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["id"], person.id.as_str());
    let log = eu.store.audit_about(&person_id).await.unwrap();
    let viewed = log.iter().find(|e| e.action == "staff.account_viewed").expect("access audited");
    assert!(viewed.actor.starts_with("staff:"));
    assert_eq!(viewed.purpose.as_deref(), Some("assistance"));
    assert!(viewed.detail.contains("support_request"));
    assert!(!format!("{log:?}").contains(&person.email), "audit entries hold no personal data");

    // A reason the role does not allow; a reason that is not one; a non-staff member.
    assert_error(view(agent.clone(), "rights_request").await, 403, "forbidden").await;
    assert_error(view(agent.clone(), "curiosity").await, 422, "validation_failed").await;
    assert_error(view(person.token.clone(), "support_request").await, 403, "forbidden").await;
    assert_error(app.get("/api/v1/staff/me", Some(&person.token)).await, 403, "forbidden").await;
    // Unknown or malformed ids: 404.
    let res = app.http().get(app.url("/api/v1/staff/accounts/not-an-id?reason=support_request")).bearer_auth(&agent).send().await.unwrap();
    assert_error(res, 404, "not_found").await;

    // A year later the training has expired: refused again.
    app.clock.advance(366 * DAY);
    let agent = app.sign_in(&agent_email, pw).await;
    assert_error(view(agent.clone(), "support_request").await, 403, "staff_training_required").await;
    let out = cli(&app, &["staff", "list"], pw);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("support") && !listing.contains(&agent_email), "the list shows ids and roles, not emails");
});

both!(privacy_officer_may_act_on_rights_requests, |b| async move {
    let app = spawn_app(b).await;
    let person = app.new_user().await;
    let today = time::macros::date!(2026 - 11 - 20);
    let dpo = app.new_staff("dpo", "Dee", clearboard_core::identity::staff::Role::PrivacyOfficer, Some(today)).await.token;
    let res = app.get(&format!("/api/v1/staff/accounts/{}?reason=rights_request", person.id), Some(&dpo)).await;
    assert_eq!(res.status(), 200);
    let res = app.get(&format!("/api/v1/staff/accounts/{}?reason=contract", person.id), Some(&dpo)).await;
    assert_error(res, 403, "forbidden").await;
});
