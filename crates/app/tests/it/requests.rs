//! Rights requests from anyone, over HTTP: verification by email through a real SMTP server,
//! identical answers for known and unknown addresses, agents and guardians, the staff queue
//! and pages, how refusals answer, and records kept 24 months. Deadlines on the clock,
//! extensions, expiring links and the right to know are domain tests: `it/domain/requests.rs`.

use super::*;
use clearboard_core::platform::clock::{Clock, DAY};
use std::time::Duration;

pub(crate) const WAIT: Duration = Duration::from_secs(10);

pub(crate) async fn ok_json(res: reqwest::Response, status: u16) -> Value {
    let s = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(s, status, "unexpected status; body: {text}");
    if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() }
}

/// A privacy officer with current training: their session token.
async fn officer(app: &TestApp) -> String {
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    app.new_staff("officer", "Pia", clearboard_core::identity::staff::Role::PrivacyOfficer, Some(today)).await.token
}

/// The path and query of the first link in the newest mail to `to` whose subject has `subject`.
async fn link_in_mail(app: &TestApp, to: &str, subject: &str) -> String {
    let m = app.wait_for_mail(to, |m| m.subject.contains(subject), WAIT).await.unwrap_or_else(|| panic!("no mail «{subject}»"));
    let link = m.first_link().unwrap();
    let u = url::Url::parse(&link).unwrap();
    format!("{}?{}", u.path(), u.query().unwrap_or(""))
}

fn token_of(path: &str) -> String {
    path.split("token=").nth(1).unwrap().to_string()
}

async fn submit(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/api/v1/requests", &body, None).await
}

both!(acceptance_5_known_and_unknown_addresses_get_byte_identical_answers, |b| async move {
    let app = spawn_app(b).await;
    let known = app.new_user().await;
    let unknown = canary_email("nobody");
    let a = submit(&app, json!({ "kind": "access", "email": known.email })).await;
    let b2 = submit(&app, json!({ "kind": "access", "email": unknown })).await;
    assert_eq!((a.status(), b2.status()), (reqwest::StatusCode::ACCEPTED, reqwest::StatusCode::ACCEPTED));
    let (ta, tb) = (a.headers().get("content-type").cloned(), b2.headers().get("content-type").cloned());
    assert_eq!(ta, tb);
    assert_eq!(a.bytes().await.unwrap(), b2.bytes().await.unwrap(), "byte-identical answers");
    // The web form too.
    let form =
        |email: &str| reqwest::multipart::Form::new().text("kind", "erasure").text("email", email.to_string()).text("on_behalf", "self");
    let pa = app.browser().post(app.url("/privacy/requests")).multipart(form(&known.email)).send().await.unwrap();
    let pb = app.browser().post(app.url("/privacy/requests")).multipart(form(&unknown)).send().await.unwrap();
    assert_eq!(pa.status(), pb.status());
    let strip = |s: String| s.lines().filter(|l| !l.contains("request_id")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(pa.text().await.unwrap()), strip(pb.text().await.unwrap()));
    // Both addresses get the same kind of message (the link differs, nothing else tells).
    let ma = app.wait_for_mail(&known.email, |m| m.subject.contains("Confirm"), WAIT).await.unwrap();
    let mb = app.wait_for_mail(&unknown, |m| m.subject.contains("Confirm"), WAIT).await.unwrap();
    let norm = |t: &str| t.lines().map(|l| if l.contains("token=") { "<link>" } else { l }).collect::<Vec<_>>().join("\n");
    assert_eq!(norm(&ma.text), norm(&mb.text));
    // Nothing personal in the logs; the address is sealed at rest.
    clearboard_testkit::logs::assert_clean(&[known.email.clone(), unknown.clone()]);
    assert!(app.scan_storage(std::slice::from_ref(&unknown)).await.is_empty());
});

// C-DSR-2, C-DSR-3: verified, tracked, worked from the queue, answered with the data.
both!(an_access_request_is_verified_acknowledged_worked_and_answered, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let staff = officer(&app).await;
    ok_json(submit(&app, json!({ "kind": "access", "email": u.email, "details": "everything please" })).await, 202).await;
    let link = link_in_mail(&app, &u.email, "Confirm").await;
    assert!(link.starts_with("/privacy/requests/verify?token="));
    // Opening the link (a mail scanner might) changes nothing; the button does.
    let page = app.browser().get(app.url(&link)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("action=\"/privacy/requests/verify\""));
    let q = ok_json(app.get("/api/v1/staff/requests", Some(&staff)).await, 200).await;
    assert_eq!(q["requests"][0]["state"], "unverified");
    let res = app.browser().post(app.url("/privacy/requests/verify")).form(&[("token", token_of(&link))]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let ack = app.wait_for_mail(&u.email, |m| m.subject.contains("working on"), WAIT).await.expect("acknowledgement");
    let q = ok_json(app.get("/api/v1/staff/requests", Some(&staff)).await, 200).await;
    let item = q["requests"][0].clone();
    assert_eq!(
        (item["state"].as_str(), item["matched_account"].as_bool(), item["overdue"].as_bool()),
        (Some("open"), Some(true), Some(false))
    );
    assert!(ack.text.contains(item["answer_by"].as_str().unwrap()), "the acknowledgement gives the date");
    // The link works once.
    let again = app.browser().post(app.url("/privacy/requests/verify")).form(&[("token", token_of(&link))]).send().await.unwrap();
    assert_eq!(again.status(), 410);
    // Staff see the details (audited) and complete: the export is built and its link sent.
    let id = item["id"].as_str().unwrap().to_string();
    let d = ok_json(app.get(&format!("/api/v1/staff/requests/{id}"), Some(&staff)).await, 200).await;
    assert_eq!(d["contact"]["details"], "everything please");
    // The staff page lists it with its due date; no script.
    let html = app.browser().get(app.url("/staff/requests")).bearer_auth(&staff).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains(item["answer_by"].as_str().unwrap())
            && html.contains(&format!("/staff/requests/{id}/complete"))
            && !html.contains("<script")
    );
    let denied = app.browser().get(app.url("/staff/requests")).bearer_auth(&u.token).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    let done = ok_json(
        app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({ "note": "export sent" }), Some(&staff)).await,
        200,
    )
    .await;
    assert_eq!(done["request"]["state"], "completed");
    // The emailed link leads to sign-in, never to the archive (issue 11, finding 9).
    let mail = app.wait_for_mail(&u.email, |m| m.subject.contains("our answer"), WAIT).await.unwrap();
    assert!(!mail.text.contains("token=") && !mail.text.contains("/download"), "{}", mail.text);
    let answer = link_in_mail(&app, &u.email, "our answer").await;
    assert!(answer.starts_with("/me/privacy"), "{answer}");
    let res = app.http().get(app.url(&answer)).send().await.unwrap();
    assert_eq!((res.status().is_redirection(), res.headers()["location"].to_str().unwrap()), (true, "/signin"));
    // Signed in, the person downloads it from the privacy centre.
    let token = app.sign_in(&u.email, &u.password).await;
    let url = done["answer"]["export"]["download_url"].as_str().unwrap().to_string();
    let zip = app.get(&url, Some(&token)).await;
    assert_eq!(zip.status(), 200);
    let files = super::rights::unzip(&zip.bytes().await.unwrap());
    assert!(String::from_utf8_lossy(&files["data.json"]).contains(&u.email));
    // The person sees the request in their privacy centre; staff no longer have it in the queue.
    let o = ok_json(app.get("/api/v1/me/privacy", Some(&token)).await, 200).await;
    assert_eq!(o["requests"][0]["state"], "completed");
    let q = ok_json(app.get("/api/v1/staff/requests", Some(&staff)).await, 200).await;
    assert!(q["requests"].as_array().unwrap().is_empty());
    // Only staff who may work requests see the queue.
    assert_error(app.get("/api/v1/staff/requests", Some(&u.token)).await, 403, "forbidden").await;
    // Records: kept 24 months after closing, then erased with the requester's key.
    app.clock.advance(729 * DAY);
    assert_eq!(app.state.cb.requests().upkeep().await.unwrap().1, 0);
    app.clock.advance(2 * DAY);
    assert_eq!(app.state.cb.requests().upkeep().await.unwrap().1, 1);
    assert!(app.state.cb.requests().all(&clearboard_core::platform::ids::RegionId::new("eu")).await.unwrap().is_empty());
});

// C-CCPA-4, C-DSR-4: the written permission (stored encrypted, deleted at close), the person's own
// confirmation, the receipt.
both!(an_agents_request_waits_for_the_person_and_erasure_completes_with_a_receipt, |b| async move {
    let app = spawn_app(b).await;
    let person = app.new_user().await;
    let agent = canary_email("agent");
    let staff = officer(&app).await;
    // Without the signed permission: refused, nothing recorded.
    let e = assert_error(
        submit(&app, json!({ "kind": "erasure", "email": agent, "on_behalf": "agent", "person_email": person.email })).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(e["error"]["field"], "document");
    use base64::Engine;
    let permission = canary("SignedPermission");
    let doc = base64::engine::general_purpose::STANDARD.encode(format!("%PDF-1.4 {permission}"));
    ok_json(
        submit(
            &app,
            json!({ "kind": "erasure", "email": agent, "on_behalf": "agent", "person_email": person.email, "document_base64": doc }),
        )
        .await,
        202,
    )
    .await;
    assert!(app.scan_storage(std::slice::from_ref(&permission)).await.is_empty(), "the document is stored encrypted");
    let link = link_in_mail(&app, &agent, "Confirm").await;
    let v = ok_json(app.post_json("/api/v1/requests/verify", &json!({ "token": token_of(&link) }), None).await, 200).await;
    assert_eq!(v["state"], "awaiting_confirmation");
    // Staff cannot act before the person confirms.
    let q = ok_json(app.get("/api/v1/staff/requests", Some(&staff)).await, 200).await;
    let id = q["requests"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(q["requests"][0]["has_document"], true);
    let e = assert_error(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&staff)).await, 409, "conflict")
        .await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("not confirmed"));
    assert_eq!(app.get("/api/v1/me", Some(&person.token)).await.status(), 200, "nothing happened to the person yet");
    // The person confirms from their own mailbox.
    let confirm = link_in_mail(&app, &person.email, "authorise").await;
    assert!(confirm.starts_with("/privacy/requests/confirm?token="));
    let res = app.browser().post(app.url("/privacy/requests/confirm")).form(&[("token", token_of(&confirm))]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // The permission is checked by trained staff through the gate before anything is done (C-ID-1).
    let doc = app.get(&format!("/api/v1/staff/requests/{id}/document?reason=rights_request"), Some(&staff)).await;
    assert!(String::from_utf8_lossy(&doc.bytes().await.unwrap()).contains(&permission));
    let done = ok_json(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&staff)).await, 200).await;
    let receipt = &done["answer"]["receipt"];
    assert_eq!(receipt["receipt"]["subject"], person.id.as_str());
    assert_eq!(receipt["receipt"]["channel"], "request:api");
    assert_error(app.get("/api/v1/me", Some(&person.token)).await, 401, "unauthenticated").await;
    // The receipt reaches the agent; the document is deleted with the request's close.
    let m = app.wait_for_mail(&agent, |m| m.subject.contains("our answer"), WAIT).await.unwrap();
    assert!(m.text.contains("Signature:") && m.text.contains(person.id.as_str()));
    let scratch = clearboard_testkit::forensics::all_files(&[app.blob_store("eu").scratch_dir()]);
    assert!(
        scratch.is_empty() && app.decrypting_scan(std::slice::from_ref(&permission)).await.hits.is_empty(),
        "the permission document is gone"
    );
});

// C-CHILD-2
both!(a_parent_asks_for_a_childs_data_to_be_erased, |b| async move {
    let app = spawn_app(b).await;
    let parent = canary_email("parent");
    let e =
        assert_error(submit(&app, json!({ "kind": "erasure", "email": parent, "on_behalf": "guardian" })).await, 422, "validation_failed")
            .await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("parental"));
    use base64::Engine;
    let proof = base64::engine::general_purpose::STANDARD.encode("birth certificate scan");
    ok_json(submit(&app, json!({ "kind": "erasure", "email": parent, "on_behalf": "guardian", "document_base64": proof, "details": "my son used the join code at school" })).await, 202).await;
    let link = link_in_mail(&app, &parent, "Confirm").await;
    let v = ok_json(app.post_json("/api/v1/requests/verify", &json!({ "token": token_of(&link) }), None).await, 200).await;
    assert_eq!(v["state"], "open", "a guardian's request goes to staff once verified");
});

/// The 8-digit code in the newest mail to `to` about a download code.
async fn code_in_mail(app: &TestApp, to: &str, n: usize) -> String {
    for _ in 0..100 {
        let codes: Vec<String> =
            app.mails().into_iter().filter(|m| m.to.iter().any(|t| t == to) && m.subject.contains("code")).map(|m| m.text).collect();
        if codes.len() >= n {
            let text = &codes[n - 1];
            let at = text.find("code: ").unwrap() + 6;
            return text[at..at + 8].to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no code mail number {n} to the requester");
}

both!(a_parents_access_request_sends_nothing_until_the_account_holder_confirms, |b| async move {
    let app = spawn_app(b).await;
    let child = app.new_user().await;
    let parent = canary_email("parent");
    let staff = officer(&app).await;
    use base64::Engine;
    let proof = base64::engine::general_purpose::STANDARD.encode("birth certificate scan");
    // For anything but erasure, the child's account must be named: its holder will confirm.
    let e = assert_error(
        submit(&app, json!({ "kind": "access", "email": parent, "on_behalf": "guardian", "document_base64": proof })).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(e["error"]["field"], "person_email");
    ok_json(
        submit(
            &app,
            json!({ "kind": "access", "email": parent, "on_behalf": "guardian", "person_email": child.email, "document_base64": proof }),
        )
        .await,
        202,
    )
    .await;
    let link = link_in_mail(&app, &parent, "Confirm").await;
    let v = ok_json(app.post_json("/api/v1/requests/verify", &json!({ "token": token_of(&link) }), None).await, 200).await;
    assert_eq!(v["state"], "awaiting_confirmation", "a parent's access request waits for the account holder");
    let q = ok_json(app.get("/api/v1/staff/requests", Some(&staff)).await, 200).await;
    let id = q["requests"][0]["id"].as_str().unwrap().to_string();
    let e = assert_error(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&staff)).await, 409, "conflict")
        .await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("not confirmed"));
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().clone();
    let subject = clearboard_core::platform::ids::SubjectId::parse(&child.id).unwrap();
    assert!(eu.rights.exports_of(&subject).await.unwrap().is_empty(), "no export is made");
    assert!(app.mails().iter().all(|m| !(m.to.contains(&parent) && m.subject.contains("our answer"))), "nothing is sent to the parent");
    // The account holder confirms from their own mailbox; then the request goes ahead.
    let confirm = link_in_mail(&app, &child.email, "authorise").await;
    assert!(app.wait_for_mail(&child.email, |m| m.text.contains("parent or legal guardian"), WAIT).await.is_some());
    let res = app.browser().post(app.url("/privacy/requests/confirm")).form(&[("token", token_of(&confirm))]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.get(&format!("/api/v1/staff/requests/{id}/document?reason=rights_request"), Some(&staff)).await.status(), 200);
    ok_json(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&staff)).await, 200).await;
    // The parent's answer holds no link to the archive: a page where an emailed code opens it.
    let m = app.wait_for_mail(&parent, |m| m.subject.contains("our answer"), WAIT).await.unwrap();
    assert!(!m.text.contains("token=") && !m.text.contains("/api/v1/me/exports"), "{}", m.text);
    let page = link_in_mail(&app, &parent, "our answer").await;
    assert_eq!(page.trim_end_matches('?'), format!("/privacy/requests/{id}/download"));
    let html = app.browser().get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("action=\"/privacy/requests/{id}/download/code\"")) && html.contains("name=\"code\""));
    let dl = format!("/api/v1/requests/{id}/download");
    assert_error(app.post_json(&dl, &json!({ "code": "12345678" }), None).await, 422, "validation_failed").await;
    ok_json(app.post_json(&format!("/api/v1/requests/{id}/download-code"), &json!({}), None).await, 202).await;
    let code = code_in_mail(&app, &parent, 1).await;
    let wrong = if code == "00000000" { "00000001" } else { "00000000" };
    assert_error(app.post_json(&dl, &json!({ "code": wrong }), None).await, 422, "validation_failed").await;
    let zip = app.post_json(&dl, &json!({ "code": code }), None).await;
    assert_eq!(zip.status(), 200);
    let files = super::rights::unzip(&zip.bytes().await.unwrap());
    assert!(String::from_utf8_lossy(&files["data.json"]).contains(&child.email));
    // Single use; the page's forms do the same.
    assert_error(app.post_json(&dl, &json!({ "code": code }), None).await, 422, "validation_failed").await;
    let res = app.browser().post(app.url(&format!("/privacy/requests/{id}/download/code"))).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let code = code_in_mail(&app, &parent, 2).await;
    let res = app.browser().post(app.url(&page)).form(&[("code", code.as_str())]).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap().to_string()), (200, "application/zip".into()));
    // The account holder signs out everywhere: the copy is revoked for the parent too.
    app.http().delete(app.url("/api/v1/sessions")).bearer_auth(&child.token).send().await.unwrap();
    assert_error(app.post_json(&format!("/api/v1/requests/{id}/download-code"), &json!({}), None).await, 410, "export_gone").await;
    clearboard_testkit::logs::assert_clean(&[child.email.clone(), parent.clone(), code]);
});

// C-CHILD-2
both!(a_parents_erasure_request_proceeds_without_the_account_holder, |b| async move {
    let app = spawn_app(b).await;
    let child = app.new_user().await;
    let parent = canary_email("parent");
    let staff = officer(&app).await;
    use base64::Engine;
    let proof = base64::engine::general_purpose::STANDARD.encode("birth certificate scan");
    ok_json(
        submit(
            &app,
            json!({ "kind": "erasure", "email": parent, "on_behalf": "guardian", "person_email": child.email, "document_base64": proof }),
        )
        .await,
        202,
    )
    .await;
    let link = link_in_mail(&app, &parent, "Confirm").await;
    let v = ok_json(app.post_json("/api/v1/requests/verify", &json!({ "token": token_of(&link) }), None).await, 200).await;
    assert_eq!(v["state"], "open");
    let q = ok_json(app.get("/api/v1/staff/requests", Some(&staff)).await, 200).await;
    let id = q["requests"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(app.get(&format!("/api/v1/staff/requests/{id}/document?reason=rights_request"), Some(&staff)).await.status(), 200);
    let done = ok_json(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&staff)).await, 200).await;
    assert_eq!(done["answer"]["receipt"]["receipt"]["subject"], child.id.as_str());
    assert_error(app.get("/api/v1/me", Some(&child.token)).await, 401, "unauthenticated").await;
});

// C-DSR-2: answered within the policy's days (reminders, escalation, extension with reason).
both!(acceptance_7_bad_input_gets_a_clear_answer_over_http, |b| async move {
    // The rules (links expire, no duplicates, staff entry) are domain tests
    // (`domain/requests.rs`); here, how refusals answer over HTTP, and that they change nothing.
    let app = spawn_app(b).await;
    let eu = clearboard_core::platform::ids::RegionId::new("eu");
    let e = assert_error(submit(&app, json!({ "kind": "everything", "email": "a@example.test" })).await, 422, "validation_failed").await;
    assert_eq!(e["error"]["field"], "kind");
    assert_error(submit(&app, json!({ "kind": "access", "email": "not an address" })).await, 422, "validation_failed").await;
    assert_error(submit(&app, json!({ "kind": "access", "email": "a@example.test", "surprise": 1 })).await, 422, "invalid_body").await;
    assert!(app.state.cb.requests().all(&eu).await.unwrap().is_empty(), "nothing recorded");
    assert_error(app.post_json("/api/v1/requests/verify", &json!({ "token": "forged" }), None).await, 410, "link_invalid").await;
    assert_error(app.post_json("/api/v1/requests/confirm", &json!({ "token": "forged" }), None).await, 410, "link_invalid").await;
    let who = canary_email("twice");
    ok_json(submit(&app, json!({ "kind": "erasure", "email": who })).await, 202).await;
    let e = assert_error(submit(&app, json!({ "kind": "erasure", "email": who })).await, 409, "conflict").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("already in progress"));
    // Staff entry needs staff; staff get 201 with the id.
    assert_error(
        app.post_json("/api/v1/staff/requests", &json!({ "kind": "objection", "email": who }), Some(&app.new_user().await.token)).await,
        403,
        "forbidden",
    )
    .await;
    let staff = officer(&app).await;
    let v = ok_json(app.post_json("/api/v1/staff/requests", &json!({ "kind": "objection", "email": who }), Some(&staff)).await, 201).await;
    assert!(app.state.cb.requests().all(&eu).await.unwrap().iter().any(|r| r.id == v["id"]));
    // Extensions and refusals over HTTP: their reasons are required (422), a closed request
    // is a conflict (409).
    let id = v["id"].as_str().unwrap();
    let e = assert_error(
        app.post_json(&format!("/api/v1/staff/requests/{id}/extend"), &json!({ "reason": "" }), Some(&staff)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(e["error"]["field"], "reason");
    ok_json(
        app.post_json(
            &format!("/api/v1/staff/requests/{id}/refuse"),
            &json!({ "reason": "we hold nothing to object to here" }),
            Some(&staff),
        )
        .await,
        200,
    )
    .await;
    assert_error(
        app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({ "note": "done" }), Some(&staff)).await,
        409,
        "conflict",
    )
    .await;
});
