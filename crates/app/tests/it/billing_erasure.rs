//! Erasure of a billing contact through the rights engine (issue 15, acceptance 4; C-DSR-4,
//! C-RET-3): by a verified request from a contact without an account, and by an account
//! holder who is the billing contact of their own contract. The contact's key is destroyed
//! (their email and phone readable nowhere), the contract goes, and only the invoice fields
//! the law requires stay readable, under each invoice's hold key; the answer and the signed
//! receipt list them (what, why, until when) and they vanish when the ten-year hold ends.

use super::billing::{contact, ok, personal_org, put};
use super::requests::{WAIT, ok_json};
use super::*;
use clearboard_core::platform::clock::{Clock, DAY, date_of};

// C-DSR-4, C-RET-3
both!(c_dsr_4_erasing_a_billing_contact_keeps_only_the_invoice_fields_the_law_requires_until_the_hold_ends, |b| async move {
    let app = spawn_app(b).await;
    let (u, v) = (app.new_user().await, app.new_user().await);
    let mut needles = Vec::new();
    // A contact without an account, billing contact of u's contract.
    let (org, person) = (personal_org(&app, &u.token).await, contact(&mut needles));
    let email = person["email"].as_str().unwrap().to_string();
    ok(put(&app, &org, &u.token, &json!({ "plan": "team", "seats": 2, "billing_contact": person, "payment": { "method": "transfer" } }))
        .await)
    .await;
    // An account holder who is the billing contact of their own contract.
    let v_org = personal_org(&app, &v.token).await;
    let mut own = contact(&mut needles);
    own["email"] = json!(v.email);
    ok(put(&app, &v_org, &v.token, &json!({ "plan": "team", "seats": 1, "billing_contact": own, "payment": { "method": "transfer" } }))
        .await)
    .await;
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 2);
    let hold_until = date_of(app.clock.now_ms() + 3650 * DAY).to_string();

    // 1. A verified erasure request from the contact's address, completed by an officer.
    ok_json(app.post_json("/api/v1/requests", &json!({ "kind": "erasure", "email": email }), None).await, 202).await;
    let m = app.wait_for_mail(&email, |m| m.subject.contains("Confirm"), WAIT).await.expect("the verification mail");
    let token = m.first_link().unwrap().split("token=").nth(1).unwrap().to_string();
    ok_json(app.post_json("/api/v1/requests/verify", &json!({ "token": token }), None).await, 200).await;
    let today = date_of(app.clock.now_ms());
    let officer = app.new_staff("officer", "Pia", clearboard_core::identity::staff::Role::PrivacyOfficer, Some(today)).await.token;
    let q = ok_json(app.get("/api/v1/staff/requests", Some(&officer)).await, 200).await;
    let id = q["requests"].as_array().unwrap().iter().find(|r| r["kind"] == "erasure").unwrap()["id"].as_str().unwrap().to_string();
    let done = ok_json(app.post_json(&format!("/api/v1/staff/requests/{id}/complete"), &json!({}), Some(&officer)).await, 200).await;
    let answer = &done["answer"];
    assert_eq!(answer["contracts"], 1, "{done}");
    let held = answer["held"].as_array().unwrap();
    assert_eq!(held.len(), 1, "{done}");
    assert!(held[0]["what"].as_str().unwrap().contains("EU-00000") && held[0]["reason"].as_str().unwrap().contains("L123-22"), "{done}");
    assert_eq!(held[0]["until"], hold_until.as_str());
    let mail = app.wait_for_mail(&email, |m| m.subject.contains("answer"), WAIT).await.expect("the answer");
    assert!(mail.text.contains(&hold_until) && mail.text.contains("billing contact"), "{}", mail.text);
    assert_error(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&u.token)).await, 404, "not_found").await;

    // 2. The account holder erases their account: the signed receipt lists the invoice kept.
    let res = app.http().delete(app.url("/api/v1/me")).bearer_auth(&v.token).json(&json!({ "password": v.password })).send().await.unwrap();
    let receipt = ok(res).await;
    let r = &receipt["receipt"]["receipt"];
    assert_eq!(r["erased"]["contracts"], 1, "{r}");
    let kept = r["held"].as_array().unwrap();
    assert!(
        kept.iter().any(|h| h["category"] == "contract"
            && h["until"] == hold_until.as_str()
            && h["what"].as_str().unwrap().starts_with("invoice EU-")),
        "{r}"
    );

    // The emails are readable nowhere but in the record of the request itself (kept two years
    // to show how it was handled, the rule rights_requests:request_closed); names, companies
    // and streets only in the invoices' buyer fields, under their hold keys.
    let gone = vec![email.clone(), v.email.clone()];
    let opened = app.decrypting_scan(&gone).await;
    assert!(opened.hits.iter().all(|(place, n)| place == "requests.contact" && *n == email), "{:?}", opened.hits);
    let kept: Vec<String> = [&person, &own]
        .iter()
        .flat_map(|p| [p["first_name"].clone(), p["last_name"].clone(), p["company"].clone(), p["address"]["line1"].clone()])
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let opened = app.decrypting_scan(&kept).await;
    assert!(!opened.hits.is_empty() && opened.hits.iter().all(|(place, _)| place == "invoices.buyer"), "{:?}", opened.hits);
    assert!(app.scan_storage(&needles).await.is_empty(), "nothing in clear on disk");

    // Ten years later the hold ends: the invoices and their keys go.
    app.clock.advance(3651 * DAY);
    app.state.cb.retention().run().await.unwrap();
    let opened = app.decrypting_scan(&kept).await;
    assert!(opened.hits.is_empty(), "{:?}", opened.hits);
    clearboard_testkit::logs::assert_clean(&needles);
});
