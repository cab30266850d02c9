//! Accounts over HTTP: the age gate and encryption at rest (proven on the disk), bad input
//! everywhere, pictures sniffed and stripped, and how profile changes and deletion answer.
//! The account rules themselves are domain tests: `it/domain/accounts.rs`.

use super::*;
use clearboard_testkit::forensics;

/// A small JPEG (1×1, one component) whose EXIF holds `gps` and whose image data holds
/// `pixels` (the real forensic set is `clearboard_core::platform::media::testset`, used in `media.rs`).
pub fn jpeg(gps: &str, pixels: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let exif = [b"Exif\0\0GPSLatitude=".as_slice(), gps.as_bytes()].concat();
    v.extend_from_slice(&[0xFF, 0xE1]);
    v.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(&exif);
    v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
    v.extend_from_slice(pixels.as_bytes());
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

// C-SEC-1: personal data encrypted at rest with per-person keys.
both!(acceptance_2_no_plaintext_on_disk_while_live, |b| async move {
    let app = spawn_app(b).await;
    let user = app.new_user().await;
    // More personal data: a changed name and a picture with canaries in its metadata and pixels.
    let new_first = canary("Renamed");
    let res =
        app.http().patch(app.url("/api/v1/me")).bearer_auth(&user.token).json(&json!({ "first_name": new_first })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let gps = canary("Gps");
    let pixels = canary("Pixels");
    let res = app.http().put(app.url("/api/v1/me/picture")).bearer_auth(&user.token).body(jpeg(&gps, &pixels)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // Sign-in by email still works: the blind index finds the account.
    let token = app.sign_in(&user.email, &user.password).await;
    let me: Value = app.get("/api/v1/me", Some(&token)).await.json().await.unwrap();
    assert_eq!(me["first_name"], new_first.as_str());
    assert_eq!(me["has_picture"], true);
    // The picture comes back with its pixels and without its GPS metadata.
    let pic = app.get("/api/v1/me/picture", Some(&token)).await.bytes().await.unwrap();
    assert!(!forensics::scan_bytes(&pic, std::slice::from_ref(&pixels)).is_empty());
    assert!(forensics::scan_bytes(&pic, std::slice::from_ref(&gps)).is_empty());

    let mut needles = user.canaries();
    needles.extend([new_first, gps, pixels]);
    let hits = app.scan_storage(&needles).await;
    assert!(hits.is_empty(), "plaintext personal data on disk: {hits:?}");
    // Positive control: the same scan finds every needle once it is stored in clear.
    app.plant_in_clear(&needles).await;
    let found: std::collections::BTreeSet<_> = app.scan_storage(&needles).await.into_iter().map(|h| h.needle).collect();
    assert_eq!(found.len(), needles.len(), "the scan must see data written in clear: found {found:?}");
    clearboard_testkit::logs::assert_clean(&needles);
});

// C-CHILD-1: under 16, refused with a clear message; nothing stored, nothing logged.
both!(acceptance_4_under_16_is_refused_without_trace, |b| async move {
    let app = spawn_app(b).await;
    let mut body = app.sign_up_body();
    // Sixteen tomorrow (the simulated clock says 2026-11-29).
    body["birth_date"] = json!("2010-11-30");
    let res = app.post_json("/api/v1/accounts", &body, None).await;
    let err = assert_error(res, 422, "under_minimum_age").await;
    assert_eq!(err["error"]["field"], "birth_date");
    assert!(err["error"]["detail"].as_str().unwrap().contains("16"));
    let needles: Vec<String> =
        ["email", "first_name", "last_name", "phone", "password"].iter().map(|k| body[k].as_str().unwrap().to_string()).collect();
    assert!(app.scan_storage(&needles).await.is_empty(), "the attempt left data on disk");
    clearboard_testkit::logs::assert_clean(&needles);
    // Nothing was created: the email is free, and exactly sixteen today is accepted; the
    // birth date is checked and thrown away, never returned.
    body["birth_date"] = json!("2010-11-29");
    let profile = app.sign_up(&body).await;
    assert!(profile.get("birth_date").is_none(), "{profile}");
});

async fn chain_len(app: &TestApp) -> usize {
    let mut n = 0;
    for r in app.state.cb.regions() {
        n += r.store.audit_chain().await.unwrap().0.len();
    }
    n + app.state.cb.directory().audit_chain().await.unwrap().0.len()
}

both!(acceptance_8_bad_input_gets_a_clear_4xx_and_writes_nothing, |b| async move {
    let app = spawn_app(b).await;
    let existing = app.new_user().await;
    let before = chain_len(&app).await;
    let c = app.http();
    let url = app.url("/api/v1/accounts");
    let send_raw = |body: &'static str, ct: &'static str| c.post(&url).header("content-type", ct).body(body).send();

    assert_error(send_raw("{\"email\": ", "application/json").await.unwrap(), 400, "malformed_json").await;
    assert_error(send_raw("not json at all", "application/json").await.unwrap(), 400, "malformed_json").await;
    assert_error(send_raw("{\"email\":\"a@b.cd\"}", "text/plain").await.unwrap(), 415, "unsupported_media_type").await;
    let e = assert_error(c.post(&url).json(&json!({"email": 12345, "password": "x"})).send().await.unwrap(), 422, "invalid_body").await;
    assert!(!e.to_string().contains("12345"), "the value sent is not echoed");
    let secret_key = canary("Key");
    let mut unknown = app.sign_up_body();
    unknown[secret_key.as_str()] = json!(1);
    let e = assert_error(c.post(&url).json(&unknown).send().await.unwrap(), 422, "invalid_body").await;
    assert!(!e.to_string().contains(&secret_key));
    let big =
        json!({ "email": "a@b.cd", "password": "x".repeat(70 * 1024), "first_name": "A", "last_name": "B", "birth_date": "1990-01-01" });
    assert_error(c.post(&url).json(&big).send().await.unwrap(), 413, "payload_too_large").await;

    let mut b1 = app.sign_up_body();
    let bad_email = canary("Bad");
    b1["email"] = json!(bad_email);
    let e = assert_error(c.post(&url).json(&b1).send().await.unwrap(), 422, "validation_failed").await;
    assert_eq!(e["error"]["field"], "email");
    assert!(!e.to_string().contains(&bad_email));
    let mut b2 = app.sign_up_body();
    b2["password"] = json!("short");
    assert_eq!(assert_error(c.post(&url).json(&b2).send().await.unwrap(), 422, "validation_failed").await["error"]["field"], "password");
    let mut b3 = app.sign_up_body();
    b3.as_object_mut().unwrap().remove("birth_date");
    assert_eq!(assert_error(c.post(&url).json(&b3).send().await.unwrap(), 422, "validation_failed").await["error"]["field"], "birth_date");
    let mut b4 = app.sign_up_body();
    b4["region"] = json!("mars");
    assert_error(c.post(&url).json(&b4).send().await.unwrap(), 422, "unknown_region").await;
    let mut b5 = app.sign_up_body();
    b5["phone"] = json!("call me maybe");
    assert_eq!(assert_error(c.post(&url).json(&b5).send().await.unwrap(), 422, "validation_failed").await["error"]["field"], "phone");
    // Duplicate email, in another case and in the other region: 409, and nothing half-written.
    let mut dup = app.sign_up_body();
    dup["email"] = json!(existing.email.to_uppercase());
    dup["region"] = json!("us");
    if app.signs_up_by_mail() {
        // With mail, the same answer as for a new address (issue 11; see abuse_auth.rs).
        assert_eq!(c.post(&url).json(&dup).send().await.unwrap().status(), 202);
    } else {
        let e = assert_error(c.post(&url).json(&dup).send().await.unwrap(), 409, "email_taken").await;
        assert!(!e.to_string().to_lowercase().contains(&existing.email));
    }
    assert_eq!(chain_len(&app).await, before, "no audit entry for refused input");
    for r in app.state.cb.regions() {
        assert_eq!(r.keys.tombstones().await.unwrap().len(), 0);
    }
    // Wrong types and unknown fields on other routes too.
    let res = c.patch(app.url("/api/v1/me")).bearer_auth(&existing.token).json(&json!({"phone": 5})).send().await.unwrap();
    assert_error(res, 422, "invalid_body").await;
    let res = c.post(app.url("/api/v1/sessions")).json(&json!({"email": existing.email})).send().await.unwrap();
    assert_error(res, 422, "invalid_body").await;
    let res = c.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_error(res, 404, "not_found").await;
    // The existing account is untouched.
    let me: Value = app.get("/api/v1/me", Some(&existing.token)).await.json().await.unwrap();
    assert_eq!(me["first_name"], existing.first_name.as_str());
    clearboard_testkit::logs::assert_clean(&[bad_email, secret_key, existing.email.clone()]);
});

both!(pictures_are_sniffed_stripped_and_served_safely, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let c = app.http();
    let put = |bytes: Vec<u8>| c.put(app.url("/api/v1/me/picture")).bearer_auth(&u.token).body(bytes).send();
    // HTML named .png (multipart with a lying content type): refused by content.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"<html><script>alert(1)</script></html>".to_vec())
            .file_name("cat.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let res = c.put(app.url("/api/v1/me/picture")).bearer_auth(&u.token).multipart(form).send().await.unwrap();
    let e = assert_error(res, 415, "unsupported_media").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("content"));
    assert_error(put(vec![0xFF, 0xD8, 0xFF, 0xE0]).await.unwrap(), 415, "unsupported_media").await;
    let mut huge = jpeg("x", "y");
    huge.extend(std::iter::repeat_n(0u8, 3 * 1024 * 1024));
    assert_error(put(huge).await.unwrap(), 413, "payload_too_large").await;
    assert_error(app.get("/api/v1/me/picture", Some(&u.token)).await, 404, "not_found").await;

    let gps = canary("Gps");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(jpeg(&gps, "pixels")).file_name("me.jpg").mime_str("application/octet-stream").unwrap(),
    );
    let res = c.put(app.url("/api/v1/me/picture")).bearer_auth(&u.token).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["type"], "image/jpeg");
    let res = app.get("/api/v1/me/picture", Some(&u.token)).await;
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("inline; filename=\"picture\""));
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let bytes = res.bytes().await.unwrap();
    assert!(forensics::scan_bytes(&bytes, std::slice::from_ref(&gps)).is_empty(), "EXIF GPS is gone");
    // Another person cannot see it (there is no route naming someone else's picture) and
    // anonymous requests are refused.
    assert_error(app.get("/api/v1/me/picture", None).await, 401, "unauthenticated").await;
    // Replacing deletes the old blob; removing deletes the blob file.
    assert_eq!(put(jpeg("a", "b")).await.unwrap().status(), 200);
    let blobs = app.blob_ids("eu").await;
    assert_eq!(blobs.len(), 1, "one blob after replacing: {blobs:?}");
    let res = c.delete(app.url("/api/v1/me/picture")).bearer_auth(&u.token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(app.blob_ids("eu").await.is_empty());
});

// C-DSR-1, C-RET-2: self-service deletion; the key goes first, so nothing is readable at once.
both!(account_changes_and_deletion_over_http, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let other = app.new_user().await;
    let c = app.http();
    let patch = |body: Value| c.patch(app.url("/api/v1/me")).bearer_auth(&u.token).json(&body).send();
    let p: Value = patch(json!({"last_name": "Durand", "phone": null})).await.unwrap().json().await.unwrap();
    assert_eq!((p["last_name"].as_str(), p["phone"].is_null()), (Some("Durand"), true));
    assert!(p.get("birth_date").is_none() && p.get("password_hash").is_none(), "{p}");
    assert_error(patch(json!({"email": canary_email("new")})).await.unwrap(), 401, "reauthentication_failed").await;
    // A name can change but not be removed: `null` is refused, not read as "unchanged".
    for field in ["first_name", "last_name", "email", "locale", "new_password"] {
        assert_error(patch(json!({ field: null })).await.unwrap(), 422, "invalid_body").await;
    }
    assert_error(patch(json!({"email": other.email, "current_password": u.password})).await.unwrap(), 409, "email_taken").await;

    let delete = |password: &str| c.delete(app.url("/api/v1/me")).bearer_auth(&u.token).json(&json!({ "password": password })).send();
    assert_error(delete("not my password").await.unwrap(), 401, "reauthentication_failed").await;
    let res = delete(&u.password).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["clear-site-data"].to_str().unwrap().contains("storage"));
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["receipt"]["receipt"]["subject"], u.id.as_str(), "the signed receipt is the answer");
    assert_error(app.get("/api/v1/me", Some(&u.token)).await, 401, "unauthenticated").await;
    assert_error(
        app.post_json("/api/v1/sessions", &json!({"email": u.email, "password": u.password}), None).await,
        401,
        "invalid_credentials",
    )
    .await;
});
