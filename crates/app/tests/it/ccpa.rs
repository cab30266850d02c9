//! The CCPA (C-CCPA-5): the notice's CCPA section is for California residents; a `ccpa_delete`
//! request goes from the form to the signed receipt; a CCPA deletion is refused only for a
//! stated legal obligation or because the data is needed to provide the Services the person
//! still uses, each checked against the records and named in the answer. Both backends.

use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, MINUTE};

use super::requests::{WAIT, ok_json};
use super::*;

/// Sends a `ccpa_delete` request for `email` and verifies it with the mailed link; returns its
/// id in the staff queue.
async fn ccpa_delete(app: &TestApp, email: &str, lang: &str, staff: &str) -> String {
    ok_json(app.post_json("/api/v1/requests", &json!({ "kind": "ccpa_delete", "email": email, "lang": lang }), None).await, 202).await;
    let m = app.wait_for_mail(email, |m| m.subject.contains("Confirm"), WAIT).await.expect("the verification mail");
    let token = m.first_link().unwrap().split("token=").nth(1).unwrap().to_string();
    let v = ok_json(app.post_json("/api/v1/requests/verify", &json!({ "token": token }), None).await, 200).await;
    assert_eq!(v["state"], "open");
    let q = ok_json(app.get("/api/v1/staff/requests", Some(staff)).await, 200).await;
    let ids: Vec<String> = q["requests"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    for id in ids {
        let d = ok_json(app.get(&format!("/api/v1/staff/requests/{id}"), Some(staff)).await, 200).await;
        if d["contact"]["email"] == email {
            assert_eq!((d["request"]["kind"].as_str(), d["request"]["regime"].as_str()), (Some("ccpa_delete"), Some("ccpa")));
            return id;
        }
    }
    panic!("the request is not in the queue");
}

async fn refuse(app: &TestApp, id: &str, staff: &str, body: Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/staff/requests/{id}/refuse"), &body, Some(staff)).await
}

both!(c_ccpa_5_the_ccpa_section_is_for_california_residents, |b| async move {
    let app = spawn_app(b).await;
    let html = app.http().get(app.url("/privacy")).send().await.unwrap().text().await.unwrap();
    let section = html.split("id=\"ccpa\"").nth(1).expect("a CCPA section of its own");
    assert!(
        section.contains("For California residents (CCPA)") && section.contains("applies only to residents of California"),
        "{section}"
    );
    assert!(section.contains("needed to provide the Services you still use") && section.contains("legal obligation"));
    let rights = html.split("id=\"rights\"").nth(1).unwrap().split("id=\"ccpa\"").next().unwrap();
    assert!(!rights.contains("right to know"), "the CCPA rights are not given as everyone's");
    let fr = app.http().get(app.url("/privacy?lang=fr")).send().await.unwrap().text().await.unwrap();
    let fr = fr.split("id=\"ccpa\"").nth(1).unwrap();
    assert!(fr.contains("Pour les résidents de Californie (CCPA)") && fr.contains("aux résidents de Californie, au titre du"), "{fr}");
    let ccpa: Value = app.get("/privacy/ccpa.json", None).await.json().await.unwrap();
    assert_eq!(ccpa["applies_to"], "California residents");
    assert_eq!(ccpa["deletion_refused_only_for"], json!(["legal_obligation", "needed_to_provide_services"]));
});

both!(c_ccpa_5_ccpa_delete_end_to_end_and_refused_only_for_its_two_stated_reasons, |b| async move {
    let app = spawn_app(b).await;
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let staff = app.new_staff("officer", "Pia", Role::PrivacyOfficer, Some(today)).await.token;

    // The deletion path, end to end: form, link, queue (CCPA regime), erasure, signed receipt.
    let gone = app.new_user().await;
    let id = ccpa_delete(&app, &gone.email, "en", &staff).await;
    let done = ok_json(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&staff)).await, 200).await;
    assert_eq!(done["answer"]["receipt"]["receipt"]["subject"], gone.id.as_str());
    assert_eq!(done["request"]["state"], "completed");
    assert_error(app.get("/api/v1/me", Some(&gone.token)).await, 401, "unauthenticated").await;
    let m = app.wait_for_mail(&gone.email, |m| m.subject.contains("our answer"), WAIT).await.unwrap();
    assert!(m.text.contains("Signature:") && m.text.contains(gone.id.as_str()));

    // A person who still uses the Services.
    let user = app.new_user().await;
    let id = ccpa_delete(&app, &user.email, "en", &staff).await;
    // Not refused without one of the two reasons, nor for a reason the records do not bear out.
    let e = assert_error(refuse(&app, &id, &staff, json!({ "reason": "we would rather keep it" })).await, 422, "validation_failed").await;
    assert_eq!(e["error"]["field"], "exception");
    let e = assert_error(
        refuse(&app, &id, &staff, json!({ "reason": "because we can", "exception": "convenience" })).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(e["error"]["field"], "exception");
    let used = json!({ "reason": "You keep working on your boards.", "exception": "needed_to_provide_services" });
    let e = assert_error(refuse(&app, &id, &staff, used.clone()).await, 409, "conflict").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("not used the Services"), "{e}");
    let kept = json!({ "reason": "The law makes us keep it.", "exception": "legal_obligation" });
    let e = assert_error(refuse(&app, &id, &staff, kept.clone()).await, 409, "conflict").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("legal hold"), "{e}");
    // They sign in again after asking: the Services are still in use.
    app.clock.advance(MINUTE);
    let token = app.sign_in(&user.email, &user.password).await;
    let refused = ok_json(refuse(&app, &id, &staff, used).await, 200).await;
    assert_eq!(refused["state"], "refused");
    let m = app.wait_for_mail(&user.email, |m| m.subject == "Your privacy request", WAIT).await.unwrap();
    assert!(m.text.contains("needed to provide the Services you still use (needed_to_provide_services)"), "{}", m.text);
    assert!(m.text.contains("signed into on") && m.text.contains("delete your account yourself"), "{}", m.text);
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status(), 200, "the account stays");

    // A legal obligation: stated by a legal hold, named with its end date, in French (the
    // account's language, issue 14).
    let held = app.new_user().await;
    let fr = app.http().patch(app.url("/api/v1/me")).bearer_auth(&held.token).json(&json!({ "locale": "fr" })).send().await.unwrap();
    assert_eq!(fr.status(), 200);
    let id = ccpa_delete(&app, &held.email, "fr", &staff).await;
    let hold = json!({ "subject_id": held.id, "category": "account", "reason": "Unpaid invoice dispute before the Paris commercial court", "until": "2027-06-30" });
    assert_eq!(app.post_json("/api/v1/staff/legal-holds", &hold, Some(&staff)).await.status(), 201);
    ok_json(refuse(&app, &id, &staff, kept).await, 200).await;
    let m = app.wait_for_mail(&held.email, |m| m.subject == "Votre demande sur vos données personnelles", WAIT).await.unwrap();
    assert!(m.text.contains("une obligation légale nous impose de les conserver (legal_obligation)"), "{}", m.text);
    assert!(m.text.contains("Unpaid invoice dispute before the Paris commercial court") && m.text.contains("2027-06-30"), "{}", m.text);
    // Other requests keep their ordinary refusal.
    assert_error(refuse(&app, &id, &staff, json!({ "reason": "already closed, say it again" })).await, 409, "conflict").await;
});

// C-CCPA-5 on the staff page: a CCPA deletion's refusal form asks which of the two exceptions
// applies; without one the page says so and nothing changes; with one borne out by the
// records the request is refused and the person told.
both!(c_ccpa_5_the_staff_page_refuses_a_ccpa_deletion_only_with_its_exception, |b| async move {
    let app = spawn_app(b).await;
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let staff = app.new_staff("officer", "Pia", Role::PrivacyOfficer, Some(today)).await.token;
    let user = app.new_user().await;
    let id = ccpa_delete(&app, &user.email, "en", &staff).await;
    let page = app.page_text("/staff/requests", &staff).await;
    assert!(page.contains("name=\"exception\"") && page.contains("value=\"needed_to_provide_services\""), "{page}");
    let post = |form: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let staff = staff.clone();
        let id = id.clone();
        async move {
            let res = app
                .browser()
                .post(app.url(&format!("/staff/requests/{id}/refuse")))
                .header("authorization", format!("Bearer {staff}"))
                .form(&form)
                .send()
                .await
                .unwrap();
            res.text().await.unwrap()
        }
    };
    let html = post(vec![("reason", "We would rather keep it."), ("exception", "")]).await;
    assert!(!html.contains("Refused; the person was told"), "no exception, no refusal");
    let d = ok_json(app.get(&format!("/api/v1/staff/requests/{id}"), Some(&staff)).await, 200).await;
    assert_eq!(d["request"]["state"], "open");
    app.clock.advance(MINUTE);
    app.sign_in(&user.email, &user.password).await;
    let html = post(vec![("reason", "You keep working on your boards."), ("exception", "needed_to_provide_services")]).await;
    assert!(html.contains("Refused; the person was told"), "{html}");
    let m = app.wait_for_mail(&user.email, |m| m.subject == "Your privacy request", WAIT).await.unwrap();
    assert!(m.text.contains("(needed_to_provide_services)"), "{}", m.text);
});
