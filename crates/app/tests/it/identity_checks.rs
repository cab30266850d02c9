//! Identity checks of rights requests (C-ID-1): the least intrusive means that suffices (a link
//! to the address on file), documents only when that is not enough (an agent, a parent, a
//! person who lost control of their address), opened only by trained staff through the gate
//! (each opening in the person's audit trail), checked before the request is completed, and
//! deleted when it closes; a parent's request is for erasure only unless the account holder
//! confirms. Both backends.

use base64::Engine;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::Clock;
use clearboard_core::platform::ids::{RegionId, SubjectId};

use super::requests::{WAIT, ok_json};
use super::*;

async fn submit(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/api/v1/requests", &body, None).await
}

/// Verifies a request with the link mailed to `to`; returns the request's new state.
async fn verify(app: &TestApp, to: &str) -> String {
    let m = app.wait_for_mail(to, |m| m.subject.contains("Confirm"), WAIT).await.expect("the verification mail");
    let link = m.first_link().unwrap();
    let token = link.split("token=").nth(1).unwrap().to_string();
    let v = ok_json(app.post_json("/api/v1/requests/verify", &json!({ "token": token }), None).await, 200).await;
    v["state"].as_str().unwrap().to_string()
}

/// The id of the one open request of this kind of requester in the staff queue.
async fn queued(app: &TestApp, staff: &str, on_behalf: &str) -> String {
    let q = ok_json(app.get("/api/v1/staff/requests", Some(staff)).await, 200).await;
    let r = q["requests"].as_array().unwrap().iter().find(|r| r["on_behalf"] == on_behalf).expect("the request is queued");
    r["id"].as_str().unwrap().to_string()
}

fn document(app: &TestApp, id: &str, reason: &str) -> String {
    app.url(&format!("/api/v1/staff/requests/{id}/document?reason={reason}"))
}

both!(c_id_1_documents_only_when_email_is_not_enough_opened_through_the_gate_and_deleted_at_close, |b| async move {
    let app = spawn_app(b).await;
    let person = app.new_user().await;
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let officer = app.new_staff("officer", "Pia", Role::PrivacyOfficer, Some(today)).await.token;
    let untrained = app.new_staff("newcomer", "Noa", Role::PrivacyOfficer, None).await.token;
    let support = app.new_staff("support", "Sam", Role::Support, Some(today)).await.token;
    let passport = canary("PassportScan");
    let doc = base64::engine::general_purpose::STANDARD.encode(format!("%PDF-1.4 {passport}"));

    // A person who can read their mailbox needs no document: the link is enough, and one sent
    // anyway is refused (nothing is stored).
    let e = assert_error(
        submit(&app, json!({ "kind": "access", "email": person.email, "document_base64": doc })).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(e["error"]["field"], "document");
    assert!(e["error"]["detail"].as_str().unwrap().contains("lost_address"), "{e}");

    // A person who lost their address: the account's address, and a proof of identity.
    let new_address = canary_email("newbox");
    let lost = |extra: Value| {
        let mut body = json!({ "kind": "erasure", "email": new_address, "on_behalf": "lost_address" });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let e = assert_error(submit(&app, lost(json!({ "document_base64": doc }))).await, 422, "validation_failed").await;
    assert_eq!(e["error"]["field"], "person_email");
    let e = assert_error(submit(&app, lost(json!({ "person_email": person.email }))).await, 422, "validation_failed").await;
    assert_eq!(e["error"]["field"], "document");
    ok_json(submit(&app, lost(json!({ "person_email": person.email, "document_base64": doc }))).await, 202).await;
    assert!(app.scan_storage(std::slice::from_ref(&passport)).await.is_empty(), "the document is stored sealed");
    assert_eq!(verify(&app, &new_address).await, "open");
    let told = app.wait_for_mail(&person.email, |m| m.subject.contains("about your account"), WAIT).await;
    assert!(told.is_some_and(|m| m.text.contains("proof of identity")), "the address on file is told");
    let id = queued(&app, &officer, "lost_address").await;
    let page = app.page_text("/staff/requests", &officer).await;
    assert!(page.contains(&format!("/api/v1/staff/requests/{id}/document?reason=rights_request")), "the staff console links the gate");

    // Nothing is done before trained staff have opened the proof through the gate.
    let e =
        assert_error(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&officer)).await, 409, "conflict")
            .await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("proof document"), "{e}");

    // The gate: not staff, a role without rights requests, missing training, a reason whose
    // purpose does not cover request records: refused; the staff refusals are in the person's
    // trail.
    let get = |url: String, token: String| {
        let c = app.http();
        async move { c.get(url).bearer_auth(token).send().await.unwrap() }
    };
    assert_error(get(document(&app, &id, "rights_request"), person.token.clone()).await, 403, "forbidden").await;
    assert_error(get(document(&app, &id, "rights_request"), support.clone()).await, 403, "forbidden").await;
    assert_error(get(document(&app, &id, "rights_request"), untrained.clone()).await, 403, "staff_training_required").await;
    assert_error(get(document(&app, &id, "support_request"), officer.clone()).await, 403, "purpose_denied").await;
    assert_error(get(document(&app, &id, "whatever"), officer.clone()).await, 422, "validation_failed").await;
    let eu = app.state.cb.region(&RegionId::new("eu")).unwrap().clone();
    let subject = SubjectId::parse(&person.id).unwrap();
    let trail = eu.store.audit_about(&subject).await.unwrap();
    assert_eq!(trail.iter().filter(|e| e.action == "staff.access_refused").count(), 2, "training and purpose refusals are logged");
    assert!(trail.iter().all(|e| e.action != "staff.document_opened"));

    // A trained privacy officer opens it for a rights request: logged in the person's trail.
    let res = get(document(&app, &id, "rights_request"), officer.clone()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert!(String::from_utf8_lossy(&res.bytes().await.unwrap()).contains(&passport));
    let trail = eu.store.audit_about(&subject).await.unwrap();
    assert_eq!(trail.iter().filter(|e| e.action == "staff.document_opened").count(), 1, "the opening is in the person's trail");

    // Checked: the request is completed, and the document goes with its close.
    let done = ok_json(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&officer)).await, 200).await;
    assert_eq!(done["answer"]["receipt"]["receipt"]["subject"], person.id.as_str());
    assert!(app.wait_for_mail(&new_address, |m| m.subject.contains("our answer"), WAIT).await.is_some(), "answered at the new address");
    assert_error(get(document(&app, &id, "rights_request"), officer.clone()).await, 404, "not_found").await;
    assert!(app.decrypting_scan(std::slice::from_ref(&passport)).await.hits.is_empty(), "the document is deleted, not only unreadable");
    clearboard_testkit::logs::assert_clean(&[passport, new_address]);
});

both!(c_id_1_a_parent_gets_erasure_only_unless_the_account_holder_confirms, |b| async move {
    let app = spawn_app(b).await;
    let child = app.new_user().await;
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let officer = app.new_staff("officer", "Pia", Role::PrivacyOfficer, Some(today)).await.token;
    let parent = canary_email("parent");
    let proof = base64::engine::general_purpose::STANDARD.encode(canary("BirthCertificate"));
    // Access for a child: waits for the account holder's own confirmation; staff cannot act,
    // even with the document opened.
    let body = json!({ "kind": "access", "email": parent, "on_behalf": "guardian", "person_email": child.email, "document_base64": proof });
    ok_json(submit(&app, body).await, 202).await;
    assert_eq!(verify(&app, &parent).await, "awaiting_confirmation");
    let id = queued(&app, &officer, "guardian").await;
    assert_eq!(app.http().get(document(&app, &id, "rights_request")).bearer_auth(&officer).send().await.unwrap().status(), 200);
    let e =
        assert_error(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&officer)).await, 409, "conflict")
            .await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("not confirmed"), "{e}");
    // Refused by staff: closed, and the proof is deleted with it.
    let reason = json!({ "reason": "the account holder did not confirm the request" });
    ok_json(app.post_json(&format!("/api/v1/staff/requests/{id}/refuse"), &reason, Some(&officer)).await, 200).await;
    assert_error(app.http().get(document(&app, &id, "rights_request")).bearer_auth(&officer).send().await.unwrap(), 404, "not_found").await;
    assert_eq!(app.get("/api/v1/me", Some(&child.token)).await.status(), 200, "nothing happened to the account");
});
