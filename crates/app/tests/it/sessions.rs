//! Sessions over HTTP: a bearer token is refused with 401 once ended, sign-out answers
//! `Clear-Site-Data`, sign-out everywhere answers how many sessions ended, and browsers get a
//! hardened cookie. The rules themselves (token randomness and hashing, rotation, timeouts on
//! the clock, sign-out everywhere) are domain tests: `it/domain/sessions.rs`.

use super::*;

// C-SEC-1
both!(ended_sessions_answer_401_and_sign_out_clears_site_data, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    // Rotation over HTTP: the token sent with the sign-in is refused afterwards.
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
    assert_error(app.get("/api/v1/me", Some(&u.token)).await, 401, "unauthenticated").await;
    assert_eq!(app.get("/api/v1/me", Some(&rotated)).await.status(), 200);
    let second = app.sign_in(&u.email, &u.password).await;
    let list: Value = app.get("/api/v1/sessions", Some(&second)).await.json().await.unwrap();
    assert_eq!(list["sessions"].as_array().unwrap().iter().filter(|s| s["current"] == true).count(), 1);

    // Sign-out kills it, with Clear-Site-Data.
    let res = app.http().delete(app.url("/api/v1/sessions/current")).bearer_auth(&rotated).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.headers()["clear-site-data"].to_str().unwrap().contains("cookies"));
    assert_error(app.get("/api/v1/me", Some(&rotated)).await, 401, "unauthenticated").await;
    for t in ["cb1.eu.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "garbage"] {
        assert_error(app.get("/api/v1/me", Some(t)).await, 401, "unauthenticated").await;
    }
    // Sign out everywhere says how many sessions ended.
    let third = app.sign_in(&u.email, &u.password).await;
    let res = app.http().delete(app.url("/api/v1/sessions")).bearer_auth(&third).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["revoked"], 2);
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
