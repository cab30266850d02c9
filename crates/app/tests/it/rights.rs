//! Rights: exports (access and portability), imports, erasure that reaches every store, signed
//! receipts, the privacy centre.

use super::*;
use clearboard_core::platform::clock::DAY;
use clearboard_testkit::spawn::TestUser;
use std::io::Read;

async fn ok_json(res: reqwest::Response, status: u16) -> Value {
    let s = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(s, status, "unexpected status; body: {text}");
    if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() }
}

/// A person with a canary in every category they can have, on a board shared with others.
pub struct Person {
    pub user: TestUser,
    pub canaries: Vec<String>,
    pub card_text: String,
    pub link: String,
    pub pixels: String,
    pub board_title: String,
}

pub async fn person_with_everything(app: &TestApp) -> (Person, TestUser, Vec<String>) {
    let f = super::boards::fixture(app).await;
    let me = f.bob;
    let other = f.carol;
    let card_text = canary("CardText");
    let link = format!("https://example.org/{}", canary("Link").to_lowercase());
    let comment = canary("Comment");
    let pixels = canary("Pixels");
    let pic_pixels = canary("PicPixels");
    let board_title = canary("MyBoardTitle");
    // A picture, a personal board, text, link and image cards, a comment, a like, a vote.
    let res = app
        .http()
        .put(app.url("/api/v1/me/picture"))
        .bearer_auth(&me.token)
        .body(super::accounts::jpeg("g", &pic_pixels))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mine = ok_json(app.post_json("/api/v1/boards", &json!({ "title": board_title }), Some(&me.token)).await, 201).await;
    let mine = mine["id"].as_str().unwrap().to_string();
    let text_card = ok_json(
        app.post_json(&format!("/api/v1/boards/{}/cards", f.board), &json!({ "kind": "text", "text": card_text }), Some(&me.token)).await,
        201,
    )
    .await;
    ok_json(app.post_json(&format!("/api/v1/boards/{mine}/cards"), &json!({ "kind": "link", "url": link }), Some(&me.token)).await, 201)
        .await;
    let form = reqwest::multipart::Form::new()
        .text("kind", "image")
        .part("file", reqwest::multipart::Part::bytes(super::accounts::jpeg("g", &pixels)).file_name("a.jpg"));
    let res =
        app.http().post(app.url(&format!("/api/v1/boards/{mine}/cards"))).bearer_auth(&me.token).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let text_id = text_card["id"].as_str().unwrap();
    ok_json(app.post_json(&format!("/api/v1/cards/{text_id}/comments"), &json!({ "text": comment }), Some(&me.token)).await, 201).await;
    // Someone else's content, some of it on my card: never in my export.
    let theirs = vec![canary("OtherCard"), canary("OtherComment")];
    let other_card = ok_json(
        app.post_json(&format!("/api/v1/boards/{}/cards", f.board), &json!({ "kind": "text", "text": theirs[0] }), Some(&other.token))
            .await,
        201,
    )
    .await;
    ok_json(app.post_json(&format!("/api/v1/cards/{text_id}/comments"), &json!({ "text": theirs[1] }), Some(&other.token)).await, 201)
        .await;
    let like = app
        .http()
        .put(app.url(&format!("/api/v1/cards/{}/like", other_card["id"].as_str().unwrap())))
        .bearer_auth(&me.token)
        .send()
        .await
        .unwrap();
    assert_eq!(like.status(), 200);
    let mut theirs_all = theirs.clone();
    theirs_all.extend([other.email.clone(), other.first_name.clone(), other.last_name.clone()]);
    let canaries = vec![
        me.email.clone(),
        me.first_name.clone(),
        me.last_name.clone(),
        me.phone.clone(),
        card_text.clone(),
        link.clone(),
        comment,
        pixels.clone(),
        pic_pixels,
        board_title.clone(),
    ];
    (Person { user: me, canaries, card_text, link, pixels, board_title }, other, theirs_all)
}

/// Asks for an export and waits until it is ready; returns its status.
pub async fn export_ready(app: &TestApp, token: &str) -> Value {
    let started = ok_json(app.post_json("/api/v1/me/exports", &json!({}), Some(token)).await, 202).await;
    let id = started["id"].as_str().unwrap().to_string();
    // A deadline in wall time, generous: the whole suite on two cores can slow a build down.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    while tokio::time::Instant::now() < deadline {
        let s = ok_json(app.get(&format!("/api/v1/me/exports/{id}"), Some(token)).await, 200).await;
        if s["state"] == "ready" {
            return s;
        }
        assert_ne!(s["state"], "failed", "{s}");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the export was not ready in 90 s");
}

/// Erases `user`'s account (re-authenticated) after a positive control of the raw scan (a
/// canary written in clear is found), then proves nothing of `needles` is left readable: no
/// raw hit on disk and no envelope the service's own keys still open. Returns the answer,
/// with its receipt.
pub async fn erase_leaving_nothing_readable(app: &TestApp, user: &TestUser, needles: &[String]) -> Value {
    let control = canary("ClearControl");
    app.plant_in_clear(std::slice::from_ref(&control)).await;
    assert!(!app.scan_storage(std::slice::from_ref(&control)).await.is_empty(), "the raw scan sees a canary written in clear");
    let res =
        app.http().delete(app.url("/api/v1/me")).bearer_auth(&user.token).json(&json!({ "password": user.password })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let receipt: Value = res.json().await.unwrap();
    assert!(app.scan_storage(needles).await.is_empty(), "raw hits after erasure");
    let after = app.decrypting_scan(needles).await;
    assert!(after.hits.is_empty(), "still readable after erasure: {:?}", after.hits);
    receipt
}

pub fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut v = Vec::new();
        f.read_to_end(&mut v).unwrap();
        out.insert(f.name().unwrap().to_string(), v);
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

// C-DSR-1, C-DSR-3
both!(acceptance_1_the_export_holds_every_canary_and_no_one_elses, |b| async move {
    let app = spawn_app(b).await;
    let (p, _other, theirs) = person_with_everything(&app).await;
    let s = export_ready(&app, &p.user.token).await;
    let url = s["download_url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("/api/v1/me/exports/{}/download", s["id"].as_str().unwrap()), "a plain path, no secret in it");
    // The owner downloads it, signed in (issue 11, finding 9): a ZIP.
    let res = app.get(&url, Some(&p.user.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let bytes = res.bytes().await.unwrap();
    assert_eq!(s["size"].as_u64(), Some(bytes.len() as u64));
    let files = unzip(&bytes);
    for name in [
        "data.json",
        "README.txt",
        "export-schema.json",
        "csv/account.csv",
        "csv/user_content-cards.csv",
        "csv/user_content-comments.csv",
        "csv/security-sessions.csv",
        "csv/audit.csv",
    ] {
        assert!(files.contains_key(name), "{name} missing: {:?}", files.keys().collect::<Vec<_>>());
    }
    // 100% of the person's canaries, each found in the archive.
    let all: Vec<u8> = files.values().flatten().copied().collect();
    for c in &p.canaries {
        assert!(contains(&all, c), "canary {c} missing from the export");
    }
    // None of another person's.
    for c in &theirs {
        assert!(!contains(&all, c), "another person's canary {c} is in the export");
    }
    // data.json validates against the published schema (also served at a stable URL).
    let data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    let schema: Value = app.get("/privacy/export-schema.json", None).await.json().await.unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&files["export-schema.json"]).unwrap(), schema);
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&data).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "data.json does not follow its schema: {errors:?}");
    // Structured and machine-readable: the cards, with media files present in the archive.
    let cards = data["categories"]["user_content"]["data"]["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 3);
    let image = cards.iter().find(|c| c["kind"] == "image").unwrap();
    let media_file = image["media"]["file"].as_str().unwrap();
    assert!(contains(&files[media_file], &p.pixels), "the original image is in the archive");
    assert!(files.keys().any(|k| k.starts_with("media/profile-picture.")));
    assert_eq!(data["boards"].as_array().unwrap().len(), 2);
    assert!(data["audit"].as_array().unwrap().iter().any(|e| e["action"] == "account.created"), "access transparency is in the export");
    // README: the Art. 15 information.
    let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
    for needle in ["Purpose:", "legal basis", "Recipient:", "Kept:", "Source:", "supervisory authority", "portability"] {
        assert!(readme.contains(needle), "README lacks {needle}");
    }
    // The archive at rest is sealed with the person's key: the raw scan sees no canary.
    assert!(app.scan_storage(&p.canaries).await.is_empty());
    // Without a session, nothing; someone else cannot see the export or download it.
    assert_error(app.http().get(app.url(&url)).send().await.unwrap(), 401, "unauthenticated").await;
    let stranger = app.new_user().await;
    assert_error(app.get(&format!("/api/v1/me/exports/{}", s["id"].as_str().unwrap()), Some(&stranger.token)).await, 404, "not_found")
        .await;
    assert_error(app.get(&url, Some(&stranger.token)).await, 404, "not_found").await;
    // After 24 hours the download ends and the archive is deleted.
    app.clock.advance(DAY + 1);
    assert_eq!(app.state.cb.exports().expire().await.unwrap(), 1);
    let token = app.sign_in(&p.user.email, &p.user.password).await;
    assert_error(app.get(&url, Some(&token)).await, 410, "export_gone").await;
    let s2 = ok_json(app.get(&format!("/api/v1/me/exports/{}", s["id"].as_str().unwrap()), Some(&token)).await, 200).await;
    assert_eq!((s2["state"].as_str(), s2["download_url"].is_null()), (Some("expired"), true));
    clearboard_testkit::logs::assert_clean(&p.canaries);
});

both!(a_second_export_while_one_is_prepared_is_refused_and_changes_nothing, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let id = clearboard_core::platform::ids::SubjectId::parse(&u.id).unwrap();
    let who = clearboard_core::identity::principal::Principal {
        subject: id,
        region: clearboard_core::platform::ids::RegionId::new("eu"),
        token_hash: vec![],
    };
    let first = app.state.cb.exports().request(&who).await.unwrap();
    let second = app.state.cb.exports().request(&who).await;
    assert!(matches!(second, Err(clearboard_core::CoreError::Conflict(_))));
    let e = assert_error(app.post_json("/api/v1/me/exports", &json!({}), Some(&u.token)).await, 409, "conflict").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("already"));
    let list = ok_json(app.get("/api/v1/me/exports", Some(&u.token)).await, 200).await;
    assert_eq!(list["exports"].as_array().unwrap().len(), 1);
    // A builder that died mid-way is resumed after a restart.
    assert_eq!(app.state.cb.exports().run_pending().await.unwrap(), 1);
    let s = ok_json(app.get(&format!("/api/v1/me/exports/{}", first.id), Some(&u.token)).await, 200).await;
    assert_eq!(s["state"], "ready");
});

both!(portability_round_trip_into_a_fresh_instance, |b| async move {
    let app = spawn_app(b).await;
    let (p, _, _) = person_with_everything(&app).await;
    let s = export_ready(&app, &p.user.token).await;
    let zip_bytes = app.get(s["download_url"].as_str().unwrap(), Some(&p.user.token)).await.bytes().await.unwrap();
    // Another clearboard, another person.
    let fresh = spawn_app(b).await;
    let them = fresh.new_user().await;
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(zip_bytes.to_vec()).file_name("export.zip"));
    let res = fresh.http().post(fresh.url("/api/v1/me/imports")).bearer_auth(&them.token).multipart(form).send().await.unwrap();
    let v = ok_json(res, 201).await;
    assert_eq!((v["boards"].as_u64(), v["cards"].as_u64()), (Some(2), Some(3)));
    let boards = ok_json(fresh.get("/api/v1/boards", Some(&them.token)).await, 200).await;
    let text = boards.to_string();
    assert!(text.contains(&p.board_title), "the board keeps its title");
    let mut seen = String::new();
    for b in boards["boards"].as_array().unwrap() {
        let v = ok_json(fresh.get(&format!("/api/v1/boards/{}", b["id"].as_str().unwrap()), Some(&them.token)).await, 200).await;
        seen.push_str(&v.to_string());
    }
    assert!(seen.contains(&p.card_text) && seen.contains(&p.link) && seen.contains("\"kind\":\"image\""));
    // Bad input gets a clear answer and creates nothing.
    let res = fresh
        .http()
        .post(fresh.url("/api/v1/me/imports"))
        .bearer_auth(&them.token)
        .header("content-type", "application/zip")
        .body(b"not a zip".to_vec())
        .send()
        .await
        .unwrap();
    let e = assert_error(res, 422, "import_invalid").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("ZIP"));
    // An export whose media file fails once cards were made: everything made is taken back.
    let mut files = unzip(&zip_bytes);
    let image = files.keys().find(|k| k.starts_with("media/") && !k.contains("profile")).unwrap().clone();
    files.insert(image, b"not an image at all".to_vec());
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in &files {
        z.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut z, bytes).unwrap();
    }
    let broken = z.finish().unwrap().into_inner();
    let res = fresh
        .http()
        .post(fresh.url("/api/v1/me/imports"))
        .bearer_auth(&them.token)
        .header("content-type", "application/zip")
        .body(broken)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let after = ok_json(fresh.get("/api/v1/boards", Some(&them.token)).await, 200).await;
    assert_eq!(after["boards"].as_array().unwrap().len(), boards["boards"].as_array().unwrap().len());
});

// C-DSR-4, C-RET-2
both!(acceptance_2_and_6_erasure_leaves_nothing_readable_and_a_verifiable_receipt, |b| async move {
    let app = spawn_app(b).await;
    let (p, other, theirs) = person_with_everything(&app).await;
    // An export exists too (a sealed blob on disk).
    export_ready(&app, &p.user.token).await;
    // Positive controls: the decrypting scan sees every canary before the erasure; a canary
    // written in clear is found by the raw scan.
    let before = app.decrypting_scan(&p.canaries).await;
    for c in &p.canaries {
        assert!(before.hits.iter().any(|(_, n)| n == c), "the decrypting scan cannot see {c}: {:?}", before.hits);
    }
    let control = canary("ClearControl");
    app.plant_in_clear(std::slice::from_ref(&control)).await;
    assert!(!app.scan_storage(std::slice::from_ref(&control)).await.is_empty(), "the raw scan sees a canary written in clear");
    // Erasure (self-service, re-authenticated).
    let res = app
        .http()
        .delete(app.url("/api/v1/me"))
        .bearer_auth(&p.user.token)
        .json(&json!({ "password": p.user.password }))
        .send()
        .await
        .unwrap();
    let v = ok_json(res, 200).await;
    let receipt = v["receipt"].clone();
    // Zero hits in any raw file under the data dir (DB, WAL, SHM, blobs, logs, exports) and,
    // on PostgreSQL, in the databases' files and WAL.
    let raw = app.scan_storage(&p.canaries).await;
    assert!(raw.is_empty(), "raw hits after erasure: {raw:?}");
    let logs = clearboard_testkit::forensics::scan_bytes(&clearboard_testkit::logs::contents(), &p.canaries);
    assert!(logs.is_empty(), "canaries in the logs: {logs:?}");
    // Zero of their envelopes decrypt with the service's own keys.
    let after = app.decrypting_scan(&p.canaries).await;
    assert!(after.hits.is_empty(), "still readable after erasure: {:?}", after.hits);
    // The other people are intact and still readable (but for their comment on the erased
    // person's card, which went with the card).
    let kept: Vec<String> = theirs.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, c)| c.clone()).collect();
    let others = app.decrypting_scan(&kept).await;
    let lost: Vec<&String> = kept.iter().filter(|c| !others.hits.iter().any(|(_, n)| n == *c)).collect();
    assert!(lost.is_empty(), "someone else's data was lost: {lost:?}");
    assert_eq!(app.get("/api/v1/me", Some(&other.token)).await.status(), 200);
    // The receipt: what, where, the key, the backups; it verifies against the published key.
    let r = &receipt["receipt"];
    assert_eq!(r["subject"], p.user.id.as_str());
    // One card on the shared board and two in the personal workspace (which went as an
    // organisation): all three counted.
    assert_eq!(
        (r["erased"]["account"].as_bool(), r["erased"]["cards"].as_u64(), r["erased"]["exports"].as_u64()),
        (Some(true), Some(3), Some(1))
    );
    // Their comment was on their own card and went with it; their like was on someone else's.
    assert_eq!(
        (r["erased"]["organisations_deleted"].as_u64(), r["erased"]["likes"].as_u64(), r["erased"]["sessions"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert!(r["key_destroyed_at"].is_string() && r["backups"]["last_backup_expires_by"].is_string());
    assert!(r["cleanup"].as_array().unwrap().len() >= 2);
    let keys: Value = app.get("/.well-known/clearboard-receipts.json", None).await.json().await.unwrap();
    let public = keys["keys"][0]["public_key"].as_str().unwrap();
    assert_eq!(keys["keys"][0]["key_id"], receipt["key_id"]);
    let signed = clearboard_core::privacy::rights::erasure::SignedReceipt::signed_bytes(r);
    assert!(clearboard_vault::receipt::verify(public, &signed, receipt["signature"].as_str().unwrap()));
    // A changed receipt does not verify; the public verification endpoint agrees.
    let mut forged = r.clone();
    forged["erased"]["cards"] = json!(0);
    assert!(!clearboard_vault::receipt::verify(
        public,
        &clearboard_core::privacy::rights::erasure::SignedReceipt::signed_bytes(&forged),
        receipt["signature"].as_str().unwrap()
    ));
    let ok =
        ok_json(app.post_json("/api/v1/receipts/verify", &json!({ "receipt": r, "signature": receipt["signature"] }), None).await, 200)
            .await;
    assert_eq!(ok["valid"], true);
    let bad = ok_json(
        app.post_json("/api/v1/receipts/verify", &json!({ "receipt": forged, "signature": receipt["signature"] }), None).await,
        200,
    )
    .await;
    assert_eq!(bad["valid"], false);
    // The receipt names no personal data.
    let text = receipt.to_string();
    assert!(p.canaries.iter().all(|c| !text.contains(c.as_str())));
});

// C-RET-3
both!(a_legal_hold_keeps_its_category_in_its_own_store_until_it_ends, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let id = clearboard_core::platform::ids::SubjectId::parse(&u.id).unwrap();
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().clone();
    let now = clearboard_core::platform::clock::Clock::now_ms(&app.clock);
    let hold = clearboard_core::platform::ports::LegalHoldRow {
        id: "hold-1".into(),
        subject_id: id.clone(),
        category: "security".into(),
        reason: "pending dispute".into(),
        until_at: now + 90 * DAY,
        created_at: now,
        created_by: "staff".into(),
        released_at: None,
    };
    eu.store
        .put_legal_hold(
            &hold,
            app.state.cb.audit_draft(clearboard_core::platform::audit::Actor::Cli, "hold.placed", Some(&id), Some("legal"), json!({})),
        )
        .await
        .unwrap();
    let v = ok_json(
        app.http().delete(app.url("/api/v1/me")).bearer_auth(&u.token).json(&json!({ "password": u.password })).send().await.unwrap(),
        200,
    )
    .await;
    let held = &v["receipt"]["receipt"]["held"];
    assert_eq!(held[0]["category"], "security");
    assert_eq!(held[0]["reason"], "pending dispute");
    let rows = eu.rights.held_records_of(&id).await.unwrap();
    assert_eq!(rows.len(), 1);
    // Sealed with the hold's own key: readable by the service until the hold ends.
    let key =
        app.state.cb.keys().current(&eu, &clearboard_core::platform::ids::SubjectId::from_stored("hold:hold-1".into())).await.unwrap();
    let plain = key.open(clearboard_vault::Aad { table: "held_records", column: "data", row: &rows[0].id }, &rows[0].data).unwrap();
    assert!(String::from_utf8(plain.to_vec()).unwrap().contains("sessions"));
    app.clock.advance(91 * DAY);
    assert_eq!(app.state.cb.erasure().release_expired_holds().await.unwrap(), 1);
    assert!(eu.rights.held_records_of(&id).await.unwrap().is_empty());
    assert!(app.state.cb.keys().current(&eu, &clearboard_core::platform::ids::SubjectId::from_stored("hold:hold-1".into())).await.is_err());
});

// C-DSR-3, C-RET-3: what is kept, why, for whom and how long, shown to the person.
both!(the_privacy_centre_shows_everything_with_why_who_and_how_long, |b| async move {
    let app = spawn_app(b).await;
    let (p, _, theirs) = person_with_everything(&app).await;
    let o = ok_json(app.get("/api/v1/me/privacy", Some(&p.user.token)).await, 200).await;
    let text = o.to_string();
    for c in [&p.user.email, &p.user.first_name, &p.card_text, &p.link] {
        assert!(text.contains(c.as_str()), "{c} missing from the privacy centre");
    }
    assert!(theirs.iter().all(|c| !text.contains(c.as_str())));
    let account = o["categories"].as_array().unwrap().iter().find(|c| c["id"] == "account").unwrap();
    assert!(account["purposes"].as_array().unwrap().iter().all(|p| p["legal_basis"].is_string()));
    assert!(!account["retention"].as_array().unwrap().is_empty());
    assert!(o["access_log"].as_array().unwrap().iter().any(|e| e["what"] == "account.created"));
    assert!(o["consents"].as_array().unwrap().iter().any(|c| c["purpose"] == "marketing"));
    // The page: everything, no script.
    let browser = app.browser();
    browser
        .post(app.url("/signin"))
        .form(&[("email", p.user.email.as_str()), ("password", p.user.password.as_str())])
        .send()
        .await
        .unwrap();
    let html = browser.get(app.url("/me/privacy")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Privacy centre") && html.contains("Who accessed my data") && !html.contains("<script"));
    // Post/Redirect/Get (issue 14): the export starts, the answer sends the browser to a page
    // that says so; reloading that page starts nothing.
    let res = browser.post(app.url("/me/privacy/exports")).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/me/privacy?notice=export#download"));
    let html = browser.get(app.url("/me/privacy?notice=export")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Your archive is being prepared"));
    // Deleting from the page shows the signed receipt (after a redirect, issue 14).
    // (ticking the box of each organisation that goes with the account, issue 14)
    let profile = browser.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    let mut form: Vec<(String, String)> = vec![("password".into(), p.user.password.clone())];
    form.extend(
        profile.split("name=\"confirm_").skip(1).filter_map(|s| s.split('"').next()).map(|id| (format!("confirm_{id}"), "yes".into())),
    );
    let res = browser.post(app.url("/me/delete")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303, "Post/Redirect/Get");
    let html = browser.get(app.url("/me/deleted")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"receipt\"") && html.contains("key_destroyed_at"));
});

// C-RET-2
both!(acceptance_3_a_restored_backup_cannot_bring_an_erased_person_back, |b| async move {
    let app = spawn_app(b).await;
    let (p, other, theirs) = person_with_everything(&app).await;
    let layout = clearboard_app::layout(&app.config);
    let now = clearboard_core::platform::clock::Clock::now_ms(&app.clock);
    let out = app.config.data_dir.join("backups").join(clearboard_app::backup::default_name(now));
    let m = clearboard_app::backup::create(&app.opened, &layout, &out, now, app.state.cb.policy().digest()).await.unwrap();
    assert!(!m.keys_included);
    assert!(
        m.files.iter().all(|f| !f.name.contains("keys")),
        "key stores are never backed up: {:?}",
        m.files.iter().map(|f| &f.name).collect::<Vec<_>>()
    );
    assert!(m.files.iter().any(|f| f.name.starts_with("blobs/eu/")), "blobs are backed up");
    assert!(clearboard_testkit::forensics::scan(std::slice::from_ref(&out), &p.canaries).is_empty(), "the backup holds ciphertext only");
    // The person is erased after the backup.
    let res = app
        .http()
        .delete(app.url("/api/v1/me"))
        .bearer_auth(&p.user.token)
        .json(&json!({ "password": p.user.password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let keys = app.all_keys().await;
    let person = clearboard_core::platform::ids::SubjectId::parse(&p.user.id).unwrap();
    let kept: Vec<String> = vec![theirs[0].clone(), other.email.clone()];
    let backup = out.clone();
    let canaries = p.canaries.clone();
    let person2 = person.clone();
    let kept2 = kept.clone();
    // Restore the backup into the stopped service; look at what came back before the service
    // starts again.
    let app = app
        .restart_after(move |config| async move {
            let layout = clearboard_app::layout(&config);
            let kek = clearboard_app::kek::load_or_create(&config.kek_path(), config.kek_file.is_some()).unwrap();
            let ring = std::sync::Arc::new(kek.keyring());
            clearboard_app::backup::restore(&layout, &backup, ring.clone(), now).await.unwrap();
            assert!(clearboard_app::backup::restore_pending(&layout), "the marker is written: the service replays before serving");
            let opened = layout.open(ring, now).await.unwrap();
            let (_, store, _) = &opened.region_stores[0];
            let eu = &opened.regions[0];
            assert!(eu.store.account(&person2).await.unwrap().is_some(), "the backup brought the erased person's rows back");
            let dbs = [store.db()];
            let blob_dirs = [config.data_dir.join("regions/eu/blobs")];
            let scan = clearboard_testkit::decrypting::scan_with(&keys, &dbs, &blob_dirs, &canaries).await;
            assert!(scan.hits.is_empty(), "an erased person's data in a restored backup must not decrypt: {:?}", scan.hits);
            let control = clearboard_testkit::decrypting::scan_with(&keys, &dbs, &blob_dirs, &kept2).await;
            assert_eq!(
                control.hits.iter().map(|(_, n)| n.clone()).collect::<std::collections::BTreeSet<_>>().len(),
                kept2.len(),
                "positive control: other people's data decrypts"
            );
            opened.close().await;
        })
        .await;
    // Started: the tombstones were replayed before serving.
    assert!(!clearboard_app::backup::restore_pending(&clearboard_app::layout(&app.config)));
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().clone();
    assert!(eu.store.account(&person).await.unwrap().is_none(), "the replay deleted the restored rows");
    assert!(app.scan_storage(&p.canaries).await.is_empty());
    assert!(app.decrypting_scan(&p.canaries).await.hits.is_empty());
    assert!(
        app.state.cb.directory().find_email(&app.state.cb.blind_email(&p.user.email)).await.unwrap().is_none(),
        "the email is free again"
    );
    let token = app.sign_in(&other.email, &other.password).await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status(), 200, "everyone else is back");
    let audit = eu.store.audit_chain().await.unwrap().0;
    assert!(audit.iter().any(|r| r.entry.action == "tombstones.replayed"));
    // Backups are listed with their deletion date and pruned at the policy's retention.
    let dir = out.parent().unwrap().to_path_buf();
    let keep = app.state.cb.policy().doc().backups.retention_days;
    assert_eq!(clearboard_app::backup::list(&dir, keep).len(), 1);
    assert!(clearboard_app::backup::prune(&dir, keep, now + i64::from(keep) * DAY - 1).unwrap().is_empty());
    assert_eq!(clearboard_app::backup::prune(&dir, keep, now + i64::from(keep) * DAY).unwrap().len(), 1);
    // A damaged backup is refused before anything is touched.
    let bad = dir.join("bad.zip");
    std::fs::write(&bad, b"not a backup").unwrap();
    assert!(clearboard_app::backup::manifest_of(&bad).is_err());
});
