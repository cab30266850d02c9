//! Careers over HTTP (issue 18; C-DATA-7): job posts, applications with a real PDF CV whose
//! metadata is stripped and which is sealed, the same answer for every address, the staff
//! pipeline through the gate with the `recruiter` role (decisions emailed to the candidate in
//! their language), the two-year rule and the talent pool, the candidate's private link
//! (see, copy, withdraw, erase), export and erasure with forensic scans and positive
//! controls, the pages in English and French, and the candidate's data kept out of
//! statistics, boards and marketing.

use super::*;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, DAY, date_of};
use clearboard_core::platform::ids::RegionId;
use clearboard_core::platform::media::pdf::{first_page_text, has_metadata, sample_pdf};
use std::time::Duration;

async fn recruiter(app: &TestApp, tag: &str) -> clearboard_testkit::spawn::TestUser {
    app.new_staff(tag, "Rita", Role::Recruiter, Some(date_of(app.clock.now_ms()))).await
}

async fn post_job(app: &TestApp, token: &str, title: &str) -> String {
    let body = json!({ "title": title, "title_fr": format!("{title} (FR)"), "description": "Build the boards.", "place": "Paris" });
    let res = app.post_json("/api/v1/staff/jobs", &body, Some(token)).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

struct Applicant {
    email: String,
    first: String,
    last: String,
    letter: String,
    page: String,
}

fn applicant(tag: &str) -> Applicant {
    Applicant { email: canary_email(tag), first: canary("First"), last: canary("Last"), letter: canary("Letter"), page: canary("CvPage") }
}

fn form(a: &Applicant, cv: Vec<u8>, talent_pool: bool, lang: &str) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("first_name", a.first.clone())
        .text("last_name", a.last.clone())
        .text("email", a.email.clone())
        .text("phone", "+33 6 12 34 56 78")
        .text("cover_letter", a.letter.clone())
        .text("lang", lang.to_string())
        .part("cv", reqwest::multipart::Part::bytes(cv).file_name("cv.pdf").mime_str("application/pdf").unwrap());
    if talent_pool {
        f = f.text("talent_pool", "yes");
    }
    f
}

async fn apply(app: &TestApp, job: &str, f: reqwest::multipart::Form) -> reqwest::Response {
    app.http().post(app.url(&format!("/api/v1/jobs/{job}/applications"))).multipart(f).send().await.unwrap()
}

/// Applies and waits for the acknowledgement; answers the private link's token.
async fn applied(app: &TestApp, job: &str, a: &Applicant, marker: &str, talent_pool: bool, lang: &str) -> String {
    let res = apply(app, job, form(a, sample_pdf(marker, &a.page), talent_pool, lang)).await;
    assert_eq!(res.status(), 202);
    let ack = app
        .wait_for_mail(
            &a.email,
            |m| m.subject.contains("Your application") || m.subject.contains("Votre candidature"),
            Duration::from_secs(10),
        )
        .await
        .expect("an acknowledgement reaches the mail server");
    let link = ack.first_link().unwrap();
    let (path, token) = link.strip_prefix(&app.base).unwrap().split_once('#').expect("the token is in the fragment");
    assert_eq!(path, "/careers/application");
    token.to_string()
}

async fn by_token(app: &TestApp, token: &str) -> Value {
    let res = app.post_json("/api/v1/careers/application", &json!({ "token": token }), None).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn eu(app: &TestApp) -> &clearboard_core::platform::context::RegionHandle {
    app.state.cb.region(&RegionId::new("eu")).unwrap()
}

// C-DATA-7, acceptance 4: a CV carrying a metadata marker (Info and XMP) is rewritten without
// it: the marker is neither in what staff download nor on disk, and the PDF still opens; the
// application is sealed; the same answer for every address; the pipeline (no personal data)
// through the gate, each decision emailed to the candidate in their language; staff without
// the role or current training are refused, and the refusal is in the applicant's trail
// (acceptance 6); no canary in the logs.
both!(c_data_7_cv_without_metadata_sealed_and_the_pipeline_emails_the_candidate, |b| async move {
    let app = spawn_app(b).await;
    let rita = recruiter(&app, "rita").await;
    let job = post_job(&app, &rita.token, "Rust engineer").await;
    let jobs: Value = app.get("/api/v1/jobs", None).await.json().await.unwrap();
    assert!(jobs["jobs"].as_array().unwrap().iter().any(|j| j["id"] == job.as_str() && j["title"] == "Rust engineer"), "{jobs}");

    let marker = canary("PdfMarker");
    let a = applicant("cand");
    let pdf = sample_pdf(&marker, &a.page);
    assert!(has_metadata(&pdf) && String::from_utf8_lossy(&pdf).contains(&marker), "the upload carries its marker");
    // The same bytes for an address with an account and one without.
    let user = app.new_user().await;
    let mut bodies = Vec::new();
    for email in [&a.email, &user.email] {
        let who = Applicant { email: email.clone(), ..applicant("same") };
        let res = apply(&app, &job, form(&who, sample_pdf(&marker, "x"), false, "en")).await;
        assert_eq!(res.status(), 202);
        bodies.push(res.bytes().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1], "known and unknown addresses get the same answer");
    let fr = applicant("candfr");
    let token = applied(&app, &job, &fr, &marker, false, "fr").await;
    let mine = by_token(&app, &token).await;
    let id = mine["id"].as_str().unwrap().to_string();
    assert_eq!((mine["status"].as_str(), mine["talent_pool"].as_bool()), (Some("new"), Some(false)), "the talent pool is never assumed");

    // The pipeline names no one.
    let list = app.get("/api/v1/staff/applications", Some(&rita.token)).await;
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    assert!(list.contains(&id) && !list.contains(&fr.email) && !list.contains(&fr.last) && !list.contains(&fr.letter), "{list}");
    // Opening and downloading name the reason.
    assert_error(app.get(&format!("/api/v1/staff/applications/{id}"), Some(&rita.token)).await, 422, "validation_failed").await;
    let opened: Value =
        app.get(&format!("/api/v1/staff/applications/{id}?reason=recruitment"), Some(&rita.token)).await.json().await.unwrap();
    assert_eq!((opened["email"].as_str(), opened["cover_letter"].as_str()), (Some(fr.email.as_str()), Some(fr.letter.as_str())));
    let cv = app.get(&format!("/api/v1/staff/applications/{id}/cv?reason=recruitment"), Some(&rita.token)).await;
    assert_eq!(cv.status(), 200);
    assert_eq!(cv.headers()["content-type"], "application/pdf");
    let cv = cv.bytes().await.unwrap().to_vec();
    assert!(!String::from_utf8_lossy(&cv).contains(&marker), "the marker is not in what staff download");
    assert!(!has_metadata(&cv), "no Info, no XMP");
    assert!(first_page_text(&cv).unwrap().contains(&fr.page), "the CV still opens, with its text");
    // Sealed: nothing in clear on disk (raw scan with a positive control); readable only with
    // the applicant's key (decrypting scan, positive control).
    let needles = vec![marker.clone(), fr.email.clone(), fr.first.clone(), fr.last.clone(), fr.letter.clone(), fr.page.clone()];
    assert!(app.scan_storage(&needles).await.is_empty(), "sealed: never in clear on disk");
    let control = canary("ClearControl");
    app.plant_in_clear(std::slice::from_ref(&control)).await;
    assert!(!app.scan_storage(std::slice::from_ref(&control)).await.is_empty(), "the raw scan sees a canary written in clear");
    let seen = app.decrypting_scan(&needles).await;
    for n in [&fr.letter, &fr.page, &fr.email] {
        assert!(seen.hits.iter().any(|(_, h)| h == n), "the decrypting scan reads {n} with the key");
    }
    assert!(!seen.hits.iter().any(|(_, h)| *h == marker), "the marker is nowhere, even decrypted: {:?}", seen.hits);

    // A decision is emailed in the candidate's language and counts as a contact.
    app.clock.advance(3_600_000);
    let res =
        app.post_json(&format!("/api/v1/staff/applications/{id}/decision"), &json!({ "status": "interview" }), Some(&rita.token)).await;
    assert_eq!(res.status(), 200);
    let summary: Value = res.json().await.unwrap();
    assert_eq!(summary["last_contact_at"], clearboard_core::platform::clock::rfc3339(app.clock.now_ms()));
    let mail =
        app.wait_for_mail(&fr.email, |m| m.text.contains("rencontrer"), Duration::from_secs(10)).await.expect("the decision is emailed");
    assert!(mail.subject.contains("Votre candidature") && mail.text.contains("Rust engineer (FR)"), "{}", mail.text);
    assert_error(
        app.post_json(&format!("/api/v1/staff/applications/{id}/decision"), &json!({ "status": "hired" }), Some(&rita.token)).await,
        422,
        "validation_failed",
    )
    .await;

    // Acceptance 6: without current training, or without the role, refused and logged.
    let untrained = app.new_staff("untrained", "Ursula", Role::Recruiter, None).await;
    assert_error(app.get("/api/v1/staff/applications", Some(&untrained.token)).await, 403, "staff_training_required").await;
    assert_error(
        app.get(&format!("/api/v1/staff/applications/{id}/cv?reason=recruitment"), Some(&untrained.token)).await,
        403,
        "staff_training_required",
    )
    .await;
    let desk = app.new_staff("desk", "Sam", Role::Support, Some(date_of(app.clock.now_ms()))).await;
    assert_error(app.get("/api/v1/staff/applications", Some(&desk.token)).await, 403, "forbidden").await;
    assert_error(app.get(&format!("/api/v1/staff/applications/{id}?reason=recruitment"), Some(&desk.token)).await, 403, "forbidden").await;
    assert_error(app.post_json("/api/v1/staff/jobs", &json!({ "title": "Nope" }), Some(&desk.token)).await, 403, "forbidden").await;
    assert_error(app.get("/api/v1/staff/applications", Some(&user.token)).await, 403, "forbidden").await;
    let row = eu(&app).careers.application(&id).await.unwrap().unwrap();
    let trail = eu(&app).store.audit_about(&row.applicant_id).await.unwrap();
    let has = |action: &str, outcome: &str| trail.iter().any(|e| e.action == action && e.detail.contains(outcome));
    assert!(has("staff.application_opened", "allowed") && has("staff.cv_downloaded", "allowed"), "{trail:?}");
    assert!(has("staff.access_refused", "staff_training_required") && has("staff.access_refused", "forbidden"), "{trail:?}");

    // Nothing personal or secret in the logs.
    let mut secrets = needles.clone();
    secrets.push(token.clone());
    let logs = clearboard_testkit::forensics::scan_bytes(&clearboard_testkit::logs::contents(), &secrets);
    assert!(logs.is_empty(), "in the logs: {logs:?}");
});

// C-DATA-7 retention: without the talent-pool consent an application is erased two years
// after the last contact; with it, it is kept until the candidate withdraws it through the
// private link (then the two-year rule applies); a file that is not a PDF is refused.
both!(c_data_7_two_years_after_last_contact_unless_in_the_talent_pool, |b| async move {
    let app = spawn_app(b).await;
    let rita = recruiter(&app, "ritaret").await;
    let job = post_job(&app, &rita.token, "Designer").await;
    let (plain, pooled) = (applicant("plain"), applicant("pooled"));
    let plain_token = applied(&app, &job, &plain, "M1", false, "en").await;
    let pooled_token = applied(&app, &job, &pooled, "M2", true, "en").await;
    let plain_id = by_token(&app, &plain_token).await["id"].as_str().unwrap().to_string();
    let pooled_view = by_token(&app, &pooled_token).await;
    let pooled_id = pooled_view["id"].as_str().unwrap().to_string();
    assert_eq!(pooled_view["talent_pool"], true);
    assert_eq!(
        pooled_view["talent_pool_proof"]["text"],
        app.state.cb.policy().purpose("talent_pool").unwrap().consent_text.as_ref().unwrap().en
    );
    assert!(pooled_view["erase_after"].is_null(), "kept until withdrawn");
    assert_eq!(
        by_token(&app, &plain_token).await["erase_after"],
        clearboard_core::platform::clock::rfc3339(app.clock.now_ms() + 730 * DAY)
    );
    // Not a PDF by its bytes: refused, whatever its name.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let res = apply(&app, &job, form(&applicant("png"), png, false, "en")).await;
    assert_error(res, 415, "unsupported_media").await;

    app.clock.advance(729 * DAY);
    app.state.cb.retention().run().await.unwrap();
    assert!(eu(&app).careers.application(&plain_id).await.unwrap().is_some(), "not yet two years");
    app.clock.advance(2 * DAY);
    let runs = app.state.cb.retention().run().await.unwrap();
    let run = runs.iter().find(|r| r.rule == "job_applications:last_contact" && r.region == "eu").unwrap();
    assert_eq!(run.purged, 1);
    assert!(eu(&app).careers.application(&plain_id).await.unwrap().is_none(), "erased two years after the last contact");
    assert_error(app.post_json("/api/v1/careers/application", &json!({ "token": plain_token }), None).await, 410, "link_invalid").await;
    assert!(eu(&app).careers.application(&pooled_id).await.unwrap().is_some(), "the talent pool is kept");
    // Withdrawn as easily as given: through the link; then the two-year rule applies.
    let res = app.post_json("/api/v1/careers/application/talent-pool/withdraw", &json!({ "token": pooled_token }), None).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!((v["talent_pool"].as_bool(), v["talent_pool_proof"]["granted"].as_bool()), (Some(false), Some(false)));
    app.state.cb.retention().run().await.unwrap();
    assert!(eu(&app).careers.application(&pooled_id).await.unwrap().is_none(), "withdrawn, past two years: erased");
});

// Acceptance 5: the applicant's export holds their data (the private link's copy, and the
// account holder's archive); erasure (by the link, and with the account) leaves no readable
// trace: raw and decrypting scans, with positive controls.
both!(c_data_7_applicant_export_and_erasure_leave_no_readable_trace, |b| async move {
    let app = spawn_app(b).await;
    let rita = recruiter(&app, "ritaexp").await;
    let job = post_job(&app, &rita.token, "Writer").await;
    // Without an account: the copy through the link, then erasure through it.
    let a = applicant("linkonly");
    let token = applied(&app, &job, &a, "M3", true, "en").await;
    let copy: Value = app.post_json("/api/v1/careers/application/export", &json!({ "token": token }), None).await.json().await.unwrap();
    assert_eq!(copy["application"]["cover_letter"], a.letter.as_str());
    use base64::Engine;
    let cv = base64::engine::general_purpose::STANDARD.decode(copy["cv_pdf_base64"].as_str().unwrap()).unwrap();
    assert!(first_page_text(&cv).unwrap().contains(&a.page));
    let needles = vec![a.letter.clone(), a.page.clone(), a.email.clone(), a.last.clone()];
    let before = app.decrypting_scan(&needles).await;
    for n in &needles {
        assert!(before.hits.iter().any(|(_, h)| h == n), "the decrypting scan sees {n} before erasure");
    }
    let res = app.post_json("/api/v1/careers/application/erase", &json!({ "token": token }), None).await;
    assert_eq!(res.json::<Value>().await.unwrap()["erased"], 1);
    assert!(app.scan_storage(&needles).await.is_empty());
    let after = app.decrypting_scan(&needles).await;
    assert!(after.hits.is_empty(), "still readable after erasure: {:?}", after.hits);

    // An account holder who applied from their address: in their export, gone with the account.
    let user = app.new_user().await;
    let mine = Applicant { email: user.email.clone(), ..applicant("holder") };
    applied(&app, &job, &mine, "M4", false, "en").await;
    let s = super::rights::export_ready(&app, &user.token).await;
    let zip = app.get(s["download_url"].as_str().unwrap(), Some(&user.token)).await.bytes().await.unwrap();
    let files = super::rights::unzip(&zip);
    let data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    let apps = data["categories"]["job_applications"]["data"]["applications"].as_array().expect("the category is exported");
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["cover_letter"], mine.letter.as_str());
    assert!(apps[0]["cv_pdf_base64"].as_str().is_some_and(|c| !c.is_empty()));
    let schema: Value = serde_json::from_slice(&files["export-schema.json"]).unwrap();
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&data).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "data.json does not follow its schema: {errors:?}");
    let needles = vec![mine.letter.clone(), mine.page.clone(), mine.last.clone()];
    assert!(!app.decrypting_scan(&needles).await.hits.is_empty(), "positive control before erasure");
    let receipt = super::rights::erase_leaving_nothing_readable(&app, &user, &needles).await;
    assert_eq!(receipt["receipt"]["receipt"]["erased"]["job_applications"], 1, "{receipt}");
});

// The public careers page (one of the pages the scope commitment lists) in English and
// French, with the talent-pool box never ticked; a French application from the form is
// acknowledged in French; the staff page lists applications without naming anyone.
both!(the_careers_pages_in_english_and_french, |b| async move {
    let app = spawn_app(b).await;
    let rita = recruiter(&app, "ritapage").await;
    let job = post_job(&app, &rita.token, "Tester").await;
    for (lang, words, title) in [("en", "Careers", "Tester"), ("fr", "Carrières", "Tester (FR)")] {
        let page = app.browser().get(app.url(&format!("/careers?lang={lang}"))).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(words) && html.contains(title) && html.contains("name=\"cv\""), "{lang}");
        let pool = html.split("name=\"talent_pool\"").nth(1).unwrap().split('>').next().unwrap();
        assert!(!pool.contains("checked"), "never pre-ticked ({lang})");
    }
    let a = applicant("formfr");
    let f = form(&a, sample_pdf("M5", &a.page), false, "fr");
    let res = app.browser().post(app.url(&format!("/careers/{job}/apply?lang=fr"))).multipart(f).send().await.unwrap();
    assert_eq!(res.status(), 202);
    assert!(res.text().await.unwrap().contains("Merci"));
    let ack =
        app.wait_for_mail(&a.email, |m| m.subject.contains("Votre candidature"), Duration::from_secs(10)).await.expect("acknowledged");
    assert!(ack.text.contains("Bonjour") && ack.text.contains("Tester (FR)"));
    let staff = app.page_text("/staff/recruitment", &rita.token).await;
    assert!(staff.contains("data-application=") && !staff.contains(&a.email) && !staff.contains(&a.last));
    let id = staff.split("data-application=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let opened = app.page_text(&format!("/staff/recruitment/{id}?reason=recruitment"), &rita.token).await;
    assert!(opened.contains(&a.email) && opened.contains(&a.letter));
    let page = app.browser().get(app.url("/careers/application")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("data-from-fragment"));
});

// The candidate's data never reaches statistics, boards or marketing lists: the policy lets
// no purpose but recruitment, the talent pool and rights touch job applications, no module
// but careers processes them, and after an application with the talent-pool consent the
// address is on no marketing list, the applicant has no consent record, and the decrypting
// scan finds their data only in the application and its CV.
both!(c_data_7_candidate_data_never_reaches_statistics_boards_or_marketing, |b| async move {
    use clearboard_core::privacy::modules::registry::MODULES;
    let app = spawn_app(b).await;
    let p = app.state.cb.policy();
    let touching: Vec<&str> =
        p.doc().purposes.iter().filter(|x| x.categories.iter().any(|c| c == "job_applications")).map(|x| x.id.as_str()).collect();
    assert_eq!(touching, vec!["rights", "recruitment", "talent_pool"]);
    for m in MODULES {
        for (purpose, cats) in m.purposes {
            if cats.contains(&"job_applications") {
                assert_eq!(m.id, "careers", "{} processes job applications for {purpose}", m.id);
            }
        }
    }
    let rita = recruiter(&app, "ritastat").await;
    let job = post_job(&app, &rita.token, "Analyst").await;
    let a = applicant("nomarketing");
    let token = applied(&app, &job, &a, "M6", true, "en").await;
    let id = by_token(&app, &token).await["id"].as_str().unwrap().to_string();
    let row = eu(&app).careers.application(&id).await.unwrap().unwrap();
    for region in app.state.cb.regions() {
        assert!(region.outreach.contact_by_email(&row.email_bidx).await.unwrap().is_none(), "on no marketing list");
        assert!(region.consents.consents_of_subject(&row.applicant_id).await.unwrap().is_empty(), "no consent to any other purpose");
    }
    let needles = vec![a.letter.clone(), a.email.clone(), a.page.clone()];
    let seen = app.decrypting_scan(&needles).await;
    assert!(!seen.hits.is_empty());
    for (place, _) in &seen.hits {
        assert!(place.starts_with("job_applications.") || place.starts_with("blob "), "found in {place}");
    }
});
