//! The programmes over HTTP (issue 18; C-DATA-5, C-DATA-6): the public `/events` and
//! `/trainings` pages in English and French, registration through the API with the same
//! answer for every address and a rate limit, the confirmation through the real SMTP adapter
//! and the private link (its token never in a path), the calendar file, staff publishing and
//! the check-in list, the front desk's visit and its badge page without the phone, a
//! training's certificate PDF, and canaries kept out of the logs. (The rules in process,
//! with the retention on the simulated clock: `domain/programmes.rs`.)

use super::*;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, DAY, date_of, rfc3339};
use clearboard_testkit::Options;
use clearboard_web::platform::ratelimit::{Limits, Rate};
use std::time::Duration;

async fn desk(app: &TestApp, tag: &str) -> clearboard_testkit::spawn::TestUser {
    app.new_staff(tag, "Desk", Role::Support, Some(date_of(app.clock.now_ms()))).await
}

/// A staff page as a browser signed in with `token` sees it.
async fn staff_page(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let res = app.browser().get(app.url(path)).header("authorization", format!("Bearer {token}")).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn publish(app: &TestApp, token: &str, plural: &str, title: &str, capacity: i64) -> String {
    let starts = app.clock.now_ms() + 7 * DAY;
    let body = json!({ "title": title, "description": "Bring ideas.", "starts_at": rfc3339(starts), "ends_at": rfc3339(starts + 3_600_000), "place": "Nantes", "capacity": capacity, "price": 0 });
    let res = app.post_json(&format!("/api/v1/staff/{plural}"), &body, Some(token)).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

async fn confirmation(app: &TestApp, to: &str) -> (String, String) {
    let m = app
        .wait_for_mail(to, |m| m.subject.starts_with("Confirm your registration"), Duration::from_secs(10))
        .await
        .expect("a confirmation request");
    let link = m.first_link().unwrap();
    let (path, token) = link.strip_prefix(&app.base).unwrap().split_once('#').expect("the token is in the fragment");
    (path.to_string(), token.to_string())
}

// C-DATA-5 and the public events page: register, confirm by the emailed link, the calendar
// file, the check-in list and check-in, the same answer for every address, cancellation.
both!(c_data_5_events_over_http_register_confirm_calendar_check_in_and_cancel, |b| async move {
    let limits = Limits { sign_up_per_ip: Rate { burst: 4, per_minute: 1 }, ..Limits::relaxed() };
    let app = spawn_with(b, Options { limits, configure: None }).await;
    let staff = desk(&app, "events").await;
    let id = publish(&app, &staff.token, "events", "Open house", 50).await;
    // The public page, in English and French, lists it with its form.
    for (lang, words) in [("en", "Register"), ("fr", "M'inscrire")] {
        let page = app.browser().get(app.url(&format!("/events?lang={lang}"))).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Open house") && html.contains(words) && html.contains(&format!("/events/{id}/register")), "{lang}");
    }
    let listed: Value = app.get("/api/v1/events", None).await.json().await.unwrap();
    assert_eq!(listed["events"][0]["id"], id.as_str());

    let user = app.new_user().await;
    let stranger = canary_email("guest");
    let (first, last) = (canary("First"), canary("Last"));
    let mut bodies = Vec::new();
    for to in [&user.email, &stranger] {
        let body = json!({ "first_name": first, "last_name": last, "email": to, "phone": "+33 6 00 11 22 33" });
        let res = app.post_json(&format!("/api/v1/events/{id}/registrations"), &body, None).await;
        assert_eq!(res.status(), 202);
        bodies.push(res.bytes().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1], "the same answer for an account's address and another");
    let (path, token) = confirmation(&app, &stranger).await;
    assert_eq!(path, "/events/registration");
    let page = app.browser().get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("data-from-fragment"));
    let v: Value = app.post_json("/api/v1/events/registration/confirm", &json!({ "token": token }), None).await.json().await.unwrap();
    assert_eq!(v["registration"]["state"], "registered");
    let done = app.wait_for_mail(&stranger, |m| m.subject.starts_with("Registration confirmed"), Duration::from_secs(10)).await.unwrap();
    let ics_url = format!("{}/api/v1/events/{id}/calendar.ics", app.base);
    assert!(done.text.contains(&ics_url));
    let ics = app.get(&format!("/api/v1/events/{id}/calendar.ics"), None).await;
    assert!(ics.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = ics.text().await.unwrap();
    assert!(ics.contains("SUMMARY:Open house") && !ics.contains(&stranger));

    // Staff: the check-in list names the reason; check-in.
    assert_error(app.get(&format!("/api/v1/staff/events/{id}/registrations"), Some(&staff.token)).await, 422, "validation_failed").await;
    let list: Value =
        app.get(&format!("/api/v1/staff/events/{id}/registrations?reason=events"), Some(&staff.token)).await.json().await.unwrap();
    let reg = list["registrations"].as_array().unwrap().iter().find(|r| r["email"] == stranger.as_str()).unwrap().clone();
    let rid = reg["id"].as_str().unwrap();
    let res =
        app.post_json(&format!("/api/v1/staff/events/registrations/{rid}/check-in"), &json!({ "present": true }), Some(&staff.token)).await;
    assert_eq!(res.status(), 200);
    let (status, html) = staff_page(&app, &format!("/staff/events/{id}"), &staff.token).await;
    assert_eq!(status, 200);
    assert!(html.contains(&stranger));
    // Not staff: refused.
    assert_error(app.get(&format!("/api/v1/staff/events/{id}/registrations?reason=events"), Some(&user.token)).await, 403, "forbidden")
        .await;

    // Cancel: 204, then the link no longer works.
    let res = app.post_json("/api/v1/events/registration/cancel", &json!({ "token": token }), None).await;
    assert_eq!(res.status(), 204);
    assert_error(app.post_json("/api/v1/events/registration", &json!({ "token": token }), None).await, 410, "link_invalid").await;
    // The rate limit holds for the public form.
    let mut last_status = 0;
    for i in 0..4 {
        let body = json!({ "first_name": "A", "last_name": "B", "email": format!("r{i}@example.test") });
        last_status = app.post_json(&format!("/api/v1/events/{id}/registrations"), &body, None).await.status().as_u16();
    }
    assert_eq!(last_status, 429);
    let needles = vec![stranger.clone(), first, last, token.clone()];
    let logs = clearboard_testkit::forensics::scan_bytes(&clearboard_testkit::logs::contents(), &needles);
    assert!(logs.is_empty(), "in the logs: {logs:?}");
});

// C-DATA-5 (visits) and C-DATA-6 over HTTP: the front desk records a visit and prints the
// badge (no phone); a training's page in French, registration with a postal address,
// attendance and the certificate PDF through the private link.
both!(c_data_6_trainings_and_visits_over_http_certificate_and_badge, |b| async move {
    let app = spawn_app(b).await;
    let staff = desk(&app, "front").await;
    let phone = "+33 1 44 55 66 77";
    let res = app
        .post_json(
            "/api/v1/staff/visits",
            &json!({ "first_name": "Noa", "last_name": "Petit", "phone": phone, "host": "Lou" }),
            Some(&staff.token),
        )
        .await;
    assert_eq!(res.status(), 201);
    let visit: Value = res.json().await.unwrap();
    let vid = visit["id"].as_str().unwrap();
    let (_, html) = staff_page(&app, &format!("/staff/visits/{vid}/badge"), &staff.token).await;
    assert!(html.contains("Noa Petit") && html.contains("Lou") && !html.contains(phone), "{html}");
    let left: Value =
        app.post_json(&format!("/api/v1/staff/visits/{vid}/departure"), &json!({}), Some(&staff.token)).await.json().await.unwrap();
    assert!(left["erase_after"].is_string());
    assert_eq!(staff_page(&app, "/staff/visits", &staff.token).await.0, 200);

    let id = publish(&app, &staff.token, "trainings", "Facilitation 101", 10).await;
    let page = app.browser().get(app.url("/trainings?lang=fr")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Facilitation 101") && page.contains("Adresse postale"));
    let email = canary_email("trainee");
    let body =
        json!({ "first_name": "Alix", "last_name": canary("Name"), "email": email, "postal_address": "3 quai des Arts\n44000 Nantes" });
    assert_eq!(app.post_json(&format!("/api/v1/trainings/{id}/registrations"), &body, None).await.status(), 202);
    let (path, token) = confirmation(&app, &email).await;
    assert_eq!(path, "/trainings/registration");
    let v: Value = app.post_json("/api/v1/trainings/registration/confirm", &json!({ "token": token }), None).await.json().await.unwrap();
    let rid = v["registration"]["id"].as_str().unwrap().to_string();
    assert_error(app.post_json("/api/v1/trainings/registration/certificate", &json!({ "token": token }), None).await, 409, "conflict")
        .await;
    let res = app
        .post_json(&format!("/api/v1/staff/trainings/registrations/{rid}/attendance"), &json!({ "present": true }), Some(&staff.token))
        .await;
    assert_eq!(res.status(), 200);
    let pdf = app.post_json("/api/v1/trainings/registration/certificate", &json!({ "token": token }), None).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-1.4"));
    let staff_pdf = app.get(&format!("/api/v1/staff/trainings/registrations/{rid}/certificate?reason=events"), Some(&staff.token)).await;
    assert_eq!(staff_pdf.status(), 200);
    // A paid session is refused for now.
    let paid = json!({ "title": "Paid", "price": "120.00" });
    assert_error(app.post_json("/api/v1/staff/trainings", &paid, Some(&staff.token)).await, 422, "validation_failed").await;
});

// Acceptance 5 over HTTP (C-DSR-3, C-DSR-4): an account holder's event registration is in
// their export archive (data.json following its published schema), and their erasure leaves
// nothing readable: no raw hit on disk (with a positive control) and no envelope the
// service's own keys still open.
both!(an_attendees_export_holds_the_registration_and_erasure_leaves_nothing_readable, |b| async move {
    let app = spawn_app(b).await;
    let staff = desk(&app, "exporter").await;
    let id = publish(&app, &staff.token, "events", "Community day", 20).await;
    let user = app.new_user().await;
    // A phone no other test writes: eight random digits (a canary may hold fewer digits).
    let digits = u32::from_be_bytes(clearboard_vault::random::bytes::<4>().unwrap()) % 100_000_000;
    let phone = format!("+33 6 {digits:08} 00");
    let body = json!({ "first_name": user.first_name, "last_name": user.last_name, "email": user.email, "phone": phone });
    assert_eq!(app.post_json(&format!("/api/v1/events/{id}/registrations"), &body, None).await.status(), 202);
    let (_, token) = confirmation(&app, &user.email).await;
    assert_eq!(app.post_json("/api/v1/events/registration/confirm", &json!({ "token": token }), None).await.status(), 200);

    let s = super::rights::export_ready(&app, &user.token).await;
    let zip = app.get(s["download_url"].as_str().unwrap(), Some(&user.token)).await.bytes().await.unwrap();
    let files = super::rights::unzip(&zip);
    let data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    let regs = data["categories"]["events"]["data"]["registrations"].as_array().expect("the events category is exported");
    assert_eq!(regs.len(), 1);
    assert_eq!(regs[0]["registration"]["phone"], phone.as_str());
    assert_eq!(regs[0]["session"]["title"], "Community day");
    let schema: Value = serde_json::from_slice(&files["export-schema.json"]).unwrap();
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&data).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "data.json does not follow its schema: {errors:?}");

    let needles = vec![phone.clone(), user.email.clone()];
    let before = app.decrypting_scan(std::slice::from_ref(&phone)).await;
    assert!(before.hits.iter().any(|(_, h)| *h == phone), "the decrypting scan sees the phone before erasure");
    let receipt = super::rights::erase_leaving_nothing_readable(&app, &user, &needles).await;
    assert_eq!(receipt["receipt"]["receipt"]["erased"]["programme_registrations"], 1, "{receipt}");
    assert_error(app.post_json("/api/v1/events/registration", &json!({ "token": token }), None).await, 410, "link_invalid").await;
});
