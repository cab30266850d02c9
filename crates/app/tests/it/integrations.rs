//! Google Drive import under Limited Use (issue 19; C-SCOPE-2, C-3P-1), against the test
//! kit's emulator of Google's OAuth, token, revoke and Drive endpoints (the adapter is the
//! real one; the real provider is a configuration change).

use super::*;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, date_of};
use clearboard_core::platform::media::testset;
use clearboard_testkit::Options;
use clearboard_testkit::google::{DRIVE_FILE, Failure, File, GoogleEmulator};
use std::time::Duration;

async fn app_with(b: Backend, emu: &GoogleEmulator) -> TestApp {
    let base = emu.base.clone();
    let configure = move |c: &mut clearboard_app::Config| c.integrations.google = clearboard_testkit::google::configured(&base);
    spawn_with(b, Options { configure: Some(Box::new(configure)), ..Default::default() }).await
}

fn query(url: &str) -> std::collections::BTreeMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

/// Connects a person through the screen's button, Google's consent and the callback; returns
/// the authorization request's query.
async fn connect(app: &TestApp, emu: &GoogleEmulator, token: &str) -> std::collections::BTreeMap<String, String> {
    let b = app.browser();
    let res = b.post(app.url("/integrations/google/connect")).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 303, "the screen's button sends the person to Google");
    let to_google = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to_google.starts_with(&emu.base), "{to_google}");
    let back = app.http().get(&to_google).send().await.unwrap();
    assert_eq!(back.status(), 302);
    let callback = back.headers()["location"].to_str().unwrap().to_string();
    let path = callback.strip_prefix(&app.base).expect("back to us");
    let res = b.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    query(&to_google)
}

async fn integrations(app: &TestApp, token: &str) -> Value {
    let res = app.get("/api/v1/me/integrations", Some(token)).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["integrations"][0].clone()
}

async fn new_board(app: &TestApp, token: &str) -> String {
    let board = app.post_json("/api/v1/boards", &json!({ "title": "Imports" }), Some(token)).await.json::<Value>().await.unwrap();
    board["id"].as_str().unwrap().to_string()
}

/// Starts an import and waits for its end.
async fn import(app: &TestApp, token: &str, board: &str, ids: &[&str]) -> Value {
    let res = app.post_json(&format!("/api/v1/boards/{board}/imports/google-drive"), &json!({ "file_ids": ids }), Some(token)).await;
    assert_eq!(res.status(), 202);
    let job: Value = res.json().await.unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    for _ in 0..200 {
        let v: Value = app.get(&format!("/api/v1/boards/{board}/imports/google-drive/{id}"), Some(token)).await.json().await.unwrap();
        if ["done", "partial", "failed"].contains(&v["status"].as_str().unwrap()) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the import did not end");
}

async fn cards(app: &TestApp, token: &str, board: &str) -> Vec<Value> {
    let v: Value = app.get(&format!("/api/v1/boards/{board}"), Some(token)).await.json().await.unwrap();
    v["cards"].as_array().unwrap().clone()
}

// C-SCOPE-2, acceptance 1: the screen comes first, in plain words from the policy (EN/FR), and
// nothing is sent to Google before its button; the authorization request carries PKCE S256,
// a state and only `drive.file`; a tampered state is refused and no code is exchanged.
both!(c_scope_2_connect_shows_the_screen_first_then_pkce_state_and_only_drive_file, |b| async move {
    let emu = GoogleEmulator::start().await;
    let app = app_with(b, &emu).await;
    let user = app.new_user().await;
    let policy = app.state.cb.policy().doc().integrations.iter().find(|i| i.id == "google-drive").unwrap().clone();
    let unescape = |h: String| h.replace("&#x27;", "'").replace("&#39;", "'").replace("&quot;", "\"").replace("&amp;", "&");
    let en = unescape(app.page_text("/integrations/google/connect", &user.token).await);
    for text in [&policy.reads.en, &policy.destination.en, &policy.limited_use.en, &DRIVE_FILE.to_string()] {
        assert!(en.contains(text.as_str()), "the screen shows: {text}");
    }
    let fr = app.page_text("/integrations/google/connect?lang=fr", &user.token).await;
    assert!(fr.contains("Utilisation limitée") && fr.contains("Connecter Google Drive"), "in French too");
    assert!(emu.requests().is_empty(), "nothing reaches Google before the person's click");
    assert_eq!(integrations(&app, &user.token).await["connected"], false);

    // The button: a state and a challenge, exactly the policy's scope.
    let res = app.browser().post(app.url("/integrations/google/connect")).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let to_google = res.headers()["location"].to_str().unwrap().to_string();
    let q = query(&to_google);
    assert_eq!(q["scope"], DRIVE_FILE, "only drive.file");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["state"].len() >= 43);
    assert_eq!(q["response_type"], "code");
    let back = app.http().get(&to_google).send().await.unwrap();
    let callback = back.headers()["location"].to_str().unwrap().to_string();
    let path = callback.strip_prefix(&app.base).unwrap().to_string();

    // A tampered state: refused, and the code is not exchanged.
    let tampered = path.replace(&format!("state={}", q["state"]), &format!("state={}x", q["state"]));
    assert_ne!(tampered, path);
    let res = app.browser().get(app.url(&tampered)).bearer_auth(&user.token).header("accept", "application/json").send().await.unwrap();
    assert_error(res, 400, "oauth_state_invalid").await;
    // Another person cannot finish it either.
    let other = app.new_user().await;
    let res = app.browser().get(app.url(&path)).bearer_auth(&other.token).header("accept", "application/json").send().await.unwrap();
    assert_error(res, 400, "oauth_state_invalid").await;
    assert!(emu.requests().iter().all(|r| r.path != "/token"), "no code was exchanged");
    assert_eq!(integrations(&app, &other.token).await["connected"], false);

    // The state was spent by the refusals above (one use): the person starts again and connects.
    let q = connect(&app, &emu, &user.token).await;
    let exchange = emu.requests().into_iter().find(|r| r.path == "/token").expect("the code was exchanged");
    assert_eq!(clearboard_core::integrations::oauth::challenge(&exchange.form["code_verifier"]), q["code_challenge"], "PKCE verifier");
    assert_eq!(exchange.form["grant_type"], "authorization_code");
    let mine = integrations(&app, &user.token).await;
    assert_eq!((mine["connected"].as_bool(), mine["scopes"][0].as_str()), (Some(true), Some(DRIVE_FILE)));
    let centre: Value = app.get("/api/v1/me/privacy", Some(&user.token)).await.json().await.unwrap();
    assert!(centre["access_log"].as_array().unwrap().iter().any(|e| e["what"] == "integration.connected"), "in the person's trail");
    assert_eq!(centre["integrations"][0]["connected"], true);
});

// C-3P-1, acceptance 2: three picked files (an image with GPS, a video, a document) become
// three cards; the GPS is gone; files not picked are never requested.
both!(c_3p_1_three_picked_files_become_three_cards_gps_gone_unpicked_never_requested, |b| async move {
    let emu = GoogleEmulator::start().await;
    let app = app_with(b, &emu).await;
    let user = app.new_user().await;
    connect(&app, &emu, &user.token).await;
    let board = new_board(&app, &user.token).await;
    let m = canary("Drive");
    let jpeg = testset::forensic_jpeg(&m);
    emu.add_file("photo1", File { name: format!("{m}.jpg"), mime_type: "image/jpeg".into(), bytes: jpeg.clone(), picked: true });
    emu.add_file(
        "notes1",
        File { name: format!("{m}.pdf"), mime_type: "application/pdf".into(), bytes: format!("%PDF-1.4 {m}").into_bytes(), picked: true },
    );
    emu.add_file(
        "secret1",
        File { name: "secret.png".into(), mime_type: "image/png".into(), bytes: testset::forensic_png(&m), picked: true },
    );
    let mut ids = vec!["photo1", "notes1"];
    let dir = tempfile::tempdir().unwrap();
    let video = testset::ffmpeg_or_skip("c_3p_1_drive_import");
    if video {
        let mp4 = testset::forensic_mp4(&m, testset::Mp4Layout::FastStart, dir.path());
        emu.add_file("clip1", File { name: format!("{m}.mp4"), mime_type: "video/mp4".into(), bytes: mp4, picked: true });
        ids.push("clip1");
    }
    let v = import(&app, &user.token, &board, &ids).await;
    assert_eq!(v["status"], "done", "{v:#}");
    assert_eq!(v["done"].as_i64(), Some(ids.len() as i64));
    let kinds: Vec<&str> = v["files"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds[..2], ["image", "link"]);
    if video {
        assert_eq!(kinds[2], "video");
    }
    let cards = cards(&app, &user.token, &board).await;
    assert_eq!(cards.len(), ids.len(), "one card per picked file");
    let image = cards.iter().find(|c| c["kind"] == "image").unwrap();
    let served = app.get(image["media_url"].as_str().unwrap(), Some(&user.token)).await.bytes().await.unwrap();
    assert!(!testset::contains(&served, m.as_bytes()), "GPS, EXIF and XMP are gone");
    assert_eq!(testset::jpeg_pixels(&served), testset::jpeg_pixels(&jpeg), "the same picture");
    let link = cards.iter().find(|c| c["kind"] == "link").unwrap();
    assert!(link["url"].as_str().unwrap_or(link["text"].as_str().unwrap_or("")).contains("drive.google.com/file/d/notes1"), "{link}");
    // Only the picked files, one by one; never a listing, never another file.
    for r in emu.requests().iter().filter(|r| r.path.starts_with("/drive/")) {
        let id = r.path.trim_start_matches("/drive/v3/files/");
        assert!(ids.contains(&id), "requested {}", r.path);
    }
    assert!(emu.requests().iter().all(|r| !r.path.contains("secret1")));
    assert!(!integrations(&app, &user.token).await["last_used_at"].is_null(), "the last use is shown");
    let centre: Value = app.get("/api/v1/me/privacy", Some(&user.token)).await.json().await.unwrap();
    assert!(centre["access_log"].as_array().unwrap().iter().any(|e| e["what"] == "integration.import"));
});

// C-3P-1, acceptance 3: the tokens are sealed at rest (forensic scan with a positive
// control); disconnecting revokes at Google and deletes them; erasure does the same.
both!(c_3p_1_tokens_sealed_at_rest_revoked_and_deleted_on_disconnect_and_erasure, |b| async move {
    let emu = GoogleEmulator::start().await;
    let app = app_with(b, &emu).await;
    let user = app.new_user().await;
    connect(&app, &emu, &user.token).await;
    let tokens = emu.issued_tokens();
    assert_eq!(tokens.len(), 2);
    assert!(app.scan_storage(&tokens).await.is_empty(), "no token in clear on disk");
    let control = vec![canary("Control")];
    app.plant_in_clear(&control).await;
    assert!(!app.scan_storage(&control).await.is_empty(), "the scan finds what is in clear");

    // The Picker's token: the person's own, in a body, never cached.
    let res = app.post_json("/api/v1/me/integrations/google-drive/picker-token", &json!({}), Some(&user.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let picker: Value = res.json().await.unwrap();
    assert!(tokens.contains(&picker["access_token"].as_str().unwrap().to_string()));
    let res = app.http().delete(app.url("/api/v1/me/integrations/google-drive")).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(tokens.iter().all(|t| emu.revoked(t)), "revoked at Google");
    assert!(emu.requests().iter().any(|r| r.path == "/revoke"));
    assert_eq!(integrations(&app, &user.token).await["connected"], false, "deleted here");
    let centre: Value = app.get("/api/v1/me/privacy", Some(&user.token)).await.json().await.unwrap();
    assert!(centre["access_log"].as_array().unwrap().iter().any(|e| e["what"] == "integration.disconnected"));

    // Erasure: connected again, then the account goes; the grant is revoked first.
    connect(&app, &emu, &user.token).await;
    let live = emu.live_refresh_tokens();
    assert_eq!(live.len(), 1);
    let res =
        app.http().delete(app.url("/api/v1/me")).bearer_auth(&user.token).json(&json!({ "password": user.password })).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert!(emu.revoked(&live[0]), "erasure revokes at Google");
    assert!(emu.live_refresh_tokens().is_empty());
    assert!(app.scan_storage(&emu.issued_tokens()).await.is_empty());
});

// C-3P-1, acceptance 4 (Limited Use): Drive-derived text (file names, ids, contents) never
// reaches a log line, a statistic, an outreach list or a staff view.
both!(c_3p_1_limited_use_drive_text_reaches_no_log_statistic_outreach_list_or_staff_view, |b| async move {
    let emu = GoogleEmulator::start().await;
    let app = app_with(b, &emu).await;
    let user = app.new_user().await;
    connect(&app, &emu, &user.token).await;
    let board = new_board(&app, &user.token).await;
    let (name, id) = (canary("DriveName"), canary("DriveId"));
    emu.add_file(&id, File { name: name.clone(), mime_type: "application/vnd.google-apps.document".into(), bytes: vec![], picked: true });
    emu.add_file("png1", File { name: name.clone(), mime_type: "image/png".into(), bytes: testset::forensic_png(&name), picked: true });
    let v = import(&app, &user.token, &board, &[&id, "png1"]).await;
    assert_eq!(v["status"], "done", "{v:#}");
    assert!(emu.requests().iter().all(|r| !(r.path.contains(&id) && r.query.contains_key("alt"))), "a Google document is never downloaded");
    let admin = app.new_staff("limited", "Admin", Role::Admin, Some(date_of(app.clock.now_ms()))).await;
    for path in [
        "/api/v1/staff/statistics",
        "/api/v1/staff/call-list",
        "/api/v1/staff/support/tickets?status=all",
        "/api/v1/staff/retention",
        "/api/v1/staff/contracts",
        "/api/v1/staff/campaigns",
    ] {
        let body = app.get(path, Some(&admin.token)).await.text().await.unwrap();
        assert!(!body.contains(&name) && !body.contains(&id), "{path} shows Drive data");
    }
    let metrics = app.http().get(format!("{}/metrics", app.metrics_base)).send().await.unwrap().text().await.unwrap();
    assert!(!metrics.contains(&name) && !metrics.contains(&id), "no Drive data in the metrics");
    clearboard_testkit::logs::assert_clean(&[name.clone(), id.clone()]);
    assert!(app.scan_storage(&[name.clone(), id.clone()]).await.is_empty(), "the results are sealed, names never stored");
});

// C-3P-1, acceptance 5: the provider failing (a timeout, 401, 429, 500) gives the person a
// clear message for that file, in their language, and leaves no half-made card.
both!(c_3p_1_provider_failures_give_clear_messages_and_leave_no_half_made_card, |b| async move {
    let emu = GoogleEmulator::start().await;
    let app = app_with(b, &emu).await;
    let user = app.new_user().await;
    connect(&app, &emu, &user.token).await;
    let board = new_board(&app, &user.token).await;
    emu.add_file("pic1", File { name: "p.png".into(), mime_type: "image/png".into(), bytes: testset::forensic_png("fail"), picked: true });
    for (failure, times, code) in [
        (Failure::Timeout(Duration::from_secs(4)), 1, "provider_timeout"),
        // A 401 is retried once with a refreshed token; two in a row fail the file.
        (Failure::Status(401), 2, "provider_unauthorized"),
        (Failure::Status(429), 1, "provider_rate_limited"),
        (Failure::Status(500), 1, "provider_unavailable"),
    ] {
        emu.fail("/drive/v3/files/pic1", failure, times);
        let v = import(&app, &user.token, &board, &["pic1"]).await;
        assert_eq!(v["status"], "failed", "{failure:?}: {v:#}");
        assert_eq!(v["files"][0]["error"], code);
        assert!(!v["files"][0]["message"].as_str().unwrap().is_empty());
        assert!(cards(&app, &user.token, &board).await.is_empty(), "{failure:?}: no card, not even half of one");
    }
    // In French.
    emu.fail("/drive/v3/files/pic1", Failure::Status(429), 1);
    let res =
        app.post_json(&format!("/api/v1/boards/{board}/imports/google-drive"), &json!({ "file_ids": ["pic1"] }), Some(&user.token)).await;
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let path = format!("/api/v1/boards/{board}/imports/google-drive/{id}");
    let asked = app.http().get(app.url(&path)).bearer_auth(&user.token).header("accept-language", "fr");
    let fr: Value = asked.send().await.unwrap().json().await.unwrap();
    assert!(fr["files"][0]["message"].as_str().unwrap().contains("ralentir"), "{fr:#}");
    // Recovered, the same file imports.
    let v = import(&app, &user.token, &board, &["pic1"]).await;
    assert_eq!(v["status"], "done");
    assert_eq!(cards(&app, &user.token, &board).await.len(), 1);
    // Not connected: a clear refusal pointing to the connect screen.
    let other = app.new_user().await;
    let theirs = new_board(&app, &other.token).await;
    let res =
        app.post_json(&format!("/api/v1/boards/{theirs}/imports/google-drive"), &json!({ "file_ids": ["pic1"] }), Some(&other.token)).await;
    assert_error(res, 409, "integration_not_connected").await;
});
