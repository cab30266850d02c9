//! Acceptance 6: session tokens carry ≥ 128 random bits, only their hash is stored, they
//! rotate at sign-in and die at sign-out and at the idle and absolute timeouts.

use super::*;
use base64::Engine;
use clearboard_core::platform::clock::{Clock, HOUR, MINUTE};

// C-SEC-1
both!(acceptance_6_tokens_are_random_hashed_and_rotated, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let secret = u.token.rsplit('.').next().unwrap();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(secret).unwrap();
    assert!(raw.len() * 8 >= 128, "{} bits", raw.len() * 8);
    assert_eq!(raw.len(), 32);
    // Only the SHA-256 of the token is stored: the token itself is nowhere on disk.
    assert!(app.scan_storage(&[u.token.clone(), secret.to_string()]).await.is_empty());
    let hash = clearboard_core::identity::sessions::token_hash(&u.token);
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap();
    assert!(eu.store.session(&hash).await.unwrap().is_some());

    // Rotation: signing in while holding a token ends that token and yields a new one.
    let res = app
        .http()
        .post(app.url("/api/v1/sessions"))
        .bearer_auth(&u.token)
        .json(&json!({"email": u.email, "password": u.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let rotated = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    assert_ne!(rotated, u.token);
    assert_error(app.get("/api/v1/me", Some(&u.token)).await, 401, "unauthenticated").await;
    assert_eq!(app.get("/api/v1/me", Some(&rotated)).await.status(), 200);

    // Sign-out kills it, with Clear-Site-Data.
    let res = app.http().delete(app.url("/api/v1/sessions/current")).bearer_auth(&rotated).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.headers()["clear-site-data"].to_str().unwrap().contains("cookies"));
    assert_error(app.get("/api/v1/me", Some(&rotated)).await, 401, "unauthenticated").await;
    assert!(eu.store.session(&clearboard_core::identity::sessions::token_hash(&rotated)).await.unwrap().is_none());
    // Forged and malformed tokens.
    for t in ["cb1.eu.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cb1.mars.x", "garbage", ""] {
        assert_error(app.get("/api/v1/me", Some(t)).await, 401, "unauthenticated").await;
    }
});

both!(acceptance_6_idle_and_absolute_timeouts_on_the_clock, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let idle = app.state.cb.settings().session_idle_ms;
    let absolute = app.state.cb.settings().session_absolute_ms;
    assert_eq!((idle, absolute), (2 * HOUR, 24 * HOUR));

    // Idle: used just before the limit keeps it alive; silence past the limit kills it.
    app.clock.advance(idle - MINUTE);
    assert_eq!(app.get("/api/v1/me", Some(&u.token)).await.status(), 200);
    app.clock.advance(idle - MINUTE);
    assert_eq!(app.get("/api/v1/me", Some(&u.token)).await.status(), 200);
    app.clock.advance(idle + MINUTE);
    assert_error(app.get("/api/v1/me", Some(&u.token)).await, 401, "unauthenticated").await;

    // Absolute: even a session used every 30 minutes dies 24 hours after sign-in.
    let t = app.sign_in(&u.email, &u.password).await;
    let started = app.clock.now_ms();
    while app.clock.now_ms() + 30 * MINUTE < started + absolute {
        app.clock.advance(30 * MINUTE);
        assert_eq!(app.get("/api/v1/me", Some(&t)).await.status(), 200);
    }
    app.clock.advance(31 * MINUTE);
    assert_error(app.get("/api/v1/me", Some(&t)).await, 401, "unauthenticated").await;

    // The retention purge removes expired rows.
    let stale = app.sign_in(&u.email, &u.password).await;
    app.clock.advance(idle + MINUTE);
    let runs = app.state.cb.retention().run().await.unwrap();
    assert!(runs.iter().map(|r| r.purged).sum::<u64>() >= 1);
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap();
    assert!(eu.store.session(&clearboard_core::identity::sessions::token_hash(&stale)).await.unwrap().is_none());
});

both!(sign_out_everywhere_and_session_list, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let second = app.sign_in(&u.email, &u.password).await;
    let list: Value = app.get("/api/v1/sessions", Some(&second)).await.json().await.unwrap();
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let res = app.http().delete(app.url("/api/v1/sessions")).bearer_auth(&second).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["revoked"], 2);
    assert_error(app.get("/api/v1/me", Some(&u.token)).await, 401, "unauthenticated").await;
    assert_error(app.get("/api/v1/me", Some(&second)).await, 401, "unauthenticated").await;
});

both!(browser_sessions_use_a_hardened_cookie, |b| async move {
    let app = spawn_app(b).await;
    let body = app.sign_up_body();
    app.sign_up(&body).await;
    let res = app.post_json("/api/v1/sessions", &json!({"email": body["email"], "password": body["password"]}), None).await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("cb_session=cb1.eu."), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "a session cookie ends with the browser");
    let token = cookie.split(';').next().unwrap().trim_start_matches("cb_session=").to_string();
    let res = app.http().get(app.url("/api/v1/me")).header("cookie", format!("cb_session={token}")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
});
