//! Issue 11, account findings: re-authentication throttles, sign-in throttling that cannot
//! lock the owner out (device cookies), the bound on concurrent Argon2id work, sign-up that
//! does not reveal who has an account (activation by email), and password strength (C-SEC-1).

use super::*;
use clearboard_core::platform::clock::{HOUR, MINUTE};
use clearboard_testkit::Options;
use clearboard_web::platform::ratelimit::Limits;

/// An app that believes `X-Forwarded-For` from the test client, so tests can speak from many
/// addresses.
async fn spawn_behind_proxy(b: Backend) -> TestApp {
    spawn_with(b, Options { limits: Limits::relaxed(), configure: Some(Box::new(|c| c.trusted_proxies = vec!["127.0.0.1".into()])) }).await
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, from: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut rb = app.http().request(method, app.url(path)).header("x-forwarded-for", from).json(&body);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    rb.send().await.unwrap()
}

async fn sign_in_from(app: &TestApp, email: &str, password: &str, from: &str, device: Option<&str>) -> reqwest::Response {
    let mut rb =
        app.http().post(app.url("/api/v1/sessions")).header("x-forwarded-for", from).json(&json!({ "email": email, "password": password }));
    if let Some(d) = device {
        rb = rb.header("x-device-cookie", d);
    }
    rb.send().await.unwrap()
}

both!(acceptance_5_reauthentication_is_throttled_per_account_and_per_address, |b| async move {
    let app = spawn_behind_proxy(b).await;
    let u = app.new_user().await;
    let patch = |from: &'static str, token: String, current: String| {
        let app = &app;
        async move {
            send(
                app,
                reqwest::Method::PATCH,
                "/api/v1/me",
                from,
                Some(&token),
                json!({ "new_password": "a brand new passphrase 4u", "current_password": current }),
            )
            .await
        }
    };
    // Per account: five wrong current passwords, then even the right one gets 429.
    for _ in 0..5 {
        assert_error(patch("198.51.100.1", u.token.clone(), "not the password".into()).await, 401, "reauthentication_failed").await;
    }
    let res = patch("198.51.100.2", u.token.clone(), u.password.clone()).await;
    assert!(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    assert_error(res, 429, "rate_limited").await;
    let res = send(&app, reqwest::Method::DELETE, "/api/v1/me", "198.51.100.3", Some(&u.token), json!({ "password": u.password })).await;
    assert_error(res, 429, "rate_limited").await;
    // The clock releases it, and the right password works again.
    app.clock.advance(15 * MINUTE);
    assert_eq!(patch("198.51.100.1", u.token.clone(), u.password.clone()).await.status(), 200);

    // Per address: failures against several accounts from one address add up.
    let (v, w) = (app.new_user().await, app.new_user().await);
    for _ in 0..4 {
        assert_error(patch("203.0.113.9", v.token.clone(), "not the password".into()).await, 401, "reauthentication_failed").await;
    }
    for _ in 0..4 {
        assert_error(patch("203.0.113.9", w.token.clone(), "not the password".into()).await, 401, "reauthentication_failed").await;
    }
    let x = app.new_user().await;
    for _ in 0..2 {
        assert_error(patch("203.0.113.9", x.token.clone(), "not the password".into()).await, 401, "reauthentication_failed").await;
    }
    assert_error(patch("203.0.113.9", x.token.clone(), x.password.clone()).await, 429, "rate_limited").await;
    let res = send(&app, reqwest::Method::DELETE, "/api/v1/me", "203.0.113.9", Some(&x.token), json!({ "password": x.password })).await;
    assert_error(res, 429, "rate_limited").await;
    // The same account from another address is not locked (two failures only).
    assert_eq!(patch("203.0.113.10", x.token.clone(), x.password.clone()).await.status(), 200);
});

both!(acceptance_5_strangers_cannot_lock_the_owner_out_of_a_known_device, |b| async move {
    let app = spawn_behind_proxy(b).await;
    let u = app.new_user().await;
    // The owner signs in from their laptop: the answer carries a device cookie (and sets it).
    let res = sign_in_from(&app, &u.email, &u.password, "192.0.2.10", None).await;
    assert_eq!(res.status(), 201);
    let set: Vec<String> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let cookie = set.iter().find(|c| c.starts_with("cb_device=")).expect("a device cookie").clone();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=7776000"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    let laptop = res.json::<Value>().await.unwrap()["device_cookie"].as_str().unwrap().to_string();
    assert!(cookie.starts_with(&format!("cb_device={laptop}")));
    assert!(!laptop.contains(&u.id) && !laptop.to_lowercase().contains(&u.email), "the cookie names no one");
    let phone = sign_in_from(&app, &u.email, &u.password, "192.0.2.11", None).await.json::<Value>().await.unwrap()["device_cookie"]
        .as_str()
        .unwrap()
        .to_string();

    // A stranger guesses from many addresses, without a device cookie (or with a forged one).
    for i in 0..30 {
        let forged = format!("d1.{}.AAAAAAAAAAAAAAAAAAAAAA.{}", clearboard_testkit::spawn::START_MS, "A".repeat(43));
        let device = (i % 2 == 0).then_some(forged.as_str());
        let status = sign_in_from(&app, &u.email, &format!("guess number {i}"), &format!("198.51.100.{i}"), device).await.status().as_u16();
        assert!(status == 401 || status == 429, "{status}");
    }
    // Untrusted clients are locked out, the right password included...
    assert_error(sign_in_from(&app, &u.email, &u.password, "192.0.2.10", None).await, 429, "rate_limited").await;
    // ...but the owner's known device signs in with the right password, by header or cookie.
    assert_eq!(sign_in_from(&app, &u.email, &u.password, "192.0.2.10", Some(&laptop)).await.status(), 201);
    let res = app
        .http()
        .post(app.url("/api/v1/sessions"))
        .header("cookie", format!("cb_device={phone}"))
        .json(&json!({ "email": u.email, "password": u.password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // Another account's device cookie is not trusted for this one.
    let other = app.new_user().await;
    let others =
        sign_in_from(&app, &other.email, &other.password, "192.0.2.12", None).await.json::<Value>().await.unwrap()["device_cookie"]
            .as_str()
            .unwrap()
            .to_string();
    assert_error(sign_in_from(&app, &u.email, &u.password, "192.0.2.12", Some(&others)).await, 429, "rate_limited").await;

    // Failures from a known device lock that device only.
    for i in 0..10 {
        assert_error(sign_in_from(&app, &u.email, &format!("typo {i}"), "192.0.2.11", Some(&phone)).await, 401, "invalid_credentials")
            .await;
    }
    assert_error(sign_in_from(&app, &u.email, &u.password, "192.0.2.11", Some(&phone)).await, 429, "rate_limited").await;
    assert_eq!(sign_in_from(&app, &u.email, &u.password, "192.0.2.10", Some(&laptop)).await.status(), 201);
    // Time releases every lock.
    app.clock.advance(15 * MINUTE);
    assert_eq!(sign_in_from(&app, &u.email, &u.password, "192.0.2.11", Some(&phone)).await.status(), 201);
    assert_eq!(sign_in_from(&app, &u.email, &u.password, "192.0.2.99", None).await.status(), 201);
    clearboard_testkit::logs::assert_clean(&[laptop, phone, u.password.clone()]);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_5_concurrent_argon2id_work_is_bounded() {
    let app = spawn_with(Backend::Sqlite, Options { limits: Limits::relaxed(), configure: Some(Box::new(|c| c.argon2_permits = 2)) }).await;
    let u = app.new_user().await;
    let work = app.state.cb.password_work();
    assert_eq!(work.permits(), 2);
    work.reset_peak();
    let attempts: Vec<_> = (0..50)
        .map(|i| {
            let (c, url, email) = (app.http(), app.url("/api/v1/sessions"), u.email.clone());
            // Wrong passwords cost the same Argon2id work as right ones; half of each.
            let password = if i % 2 == 0 { u.password.clone() } else { format!("wrong guess {i}") };
            tokio::spawn(async move { c.post(url).json(&json!({ "email": email, "password": password })).send().await.unwrap() })
        })
        .collect();
    let (mut done, mut busy) = (0, 0);
    for a in attempts {
        let res = a.await.unwrap();
        match res.status().as_u16() {
            201 | 401 => done += 1,
            429 => done += 1, // the untrusted-client lock after 10 failures: no hashing at all
            503 => {
                assert!(res.headers().contains_key("retry-after"));
                assert_error(res, 503, "busy").await;
                busy += 1;
            }
            s => panic!("unexpected {s}"),
        }
    }
    let peak = work.in_flight_peak();
    eprintln!("50 concurrent sign-ins, 2 permits: peak {peak} at once, {done} answered, {busy} told to retry");
    assert!((1..=2).contains(&peak), "at most 2 Argon2id computations at once, saw {peak}");
    assert_eq!(work.in_flight(), 0);
    assert_eq!(done + busy, 50);
}

both!(acceptance_7_sign_up_answers_the_same_for_new_and_existing_addresses, |b| async move {
    let app = spawn_app(b).await;
    let owner = app.new_user().await;
    let fresh = app.sign_up_body();
    let mut taken = app.sign_up_body();
    taken["email"] = json!(owner.email.to_uppercase());
    let attacker_password = taken["password"].as_str().unwrap().to_string();

    let a = app.post_json("/api/v1/accounts", &fresh, None).await;
    let b2 = app.post_json("/api/v1/accounts", &taken, None).await;
    assert_eq!((a.status().as_u16(), b2.status().as_u16()), (202, 202));
    assert_eq!(a.headers()["content-type"], b2.headers()["content-type"]);
    let (a, b2) = (a.bytes().await.unwrap(), b2.bytes().await.unwrap());
    assert_eq!(a, b2, "byte-identical answers");
    assert!(!String::from_utf8_lossy(&a).contains(&owner.email));

    // Before following the link: the usual invalid-credentials answer.
    let (email, password) = (fresh["email"].as_str().unwrap(), fresh["password"].as_str().unwrap());
    assert_error(
        app.post_json("/api/v1/sessions", &json!({ "email": email, "password": password }), None).await,
        401,
        "invalid_credentials",
    )
    .await;
    // The owner was told, and nothing of theirs changed.
    let told = app
        .wait_for_mail(&owner.email, |m| m.subject.contains("Someone tried"), std::time::Duration::from_secs(10))
        .await
        .expect("a 'someone tried' email");
    assert!(told.text.contains("/signin") && !told.text.contains("#token="));
    app.sign_in(&owner.email, &owner.password).await;
    assert_error(
        app.post_json("/api/v1/sessions", &json!({ "email": owner.email, "password": attacker_password }), None).await,
        401,
        "invalid_credentials",
    )
    .await;
    let links_to_owner =
        app.mails().iter().filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(&owner.email)) && m.text.contains("#token=")).count();
    assert_eq!(links_to_owner, 1, "no new activation link for an existing account (only the one of its own sign-up)");

    // Only the new address can sign in, after its link; the link works once.
    let token = app.activation_token(email).await.expect("an activation email");
    let mail = app.mails().into_iter().find(|m| m.to.iter().any(|t| t == email)).unwrap();
    assert!(mail.first_link().unwrap().contains("/activate#token="), "the token is in the fragment, not the path or query");
    let res = app.post_json("/api/v1/accounts/activation", &json!({ "token": token }), None).await;
    assert_eq!(res.status(), 200);
    app.sign_in(email, password).await;
    assert_error(app.post_json("/api/v1/accounts/activation", &json!({ "token": token }), None).await, 410, "link_invalid").await;
    assert_error(app.post_json("/api/v1/accounts/activation", &json!({ "token": "x" }), None).await, 410, "link_invalid").await;

    // In French for a French sign-up; the owner's notice in the account's language.
    let mut fr = app.sign_up_body();
    fr["locale"] = json!("fr");
    let res = app.http().post(app.url("/api/v1/accounts?lang=fr")).json(&fr).send().await.unwrap();
    assert_eq!(res.status(), 202);
    assert!(res.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("en route"));
    let fr_email = fr["email"].as_str().unwrap();
    let m = app.wait_for_mail(fr_email, |m| m.text.contains("#token="), std::time::Duration::from_secs(10)).await.unwrap();
    assert!(m.subject.contains("Activez") && m.text.contains("48 heures"), "{}", m.subject);
    let res = app.http().patch(app.url("/api/v1/me")).bearer_auth(&owner.token).json(&json!({ "locale": "fr" })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    app.post_json("/api/v1/accounts", &taken, None).await;
    let fr_notice = app.wait_for_mail(&owner.email, |m| m.subject.contains("Quelqu'un a essayé"), std::time::Duration::from_secs(10)).await;
    assert!(fr_notice.is_some(), "the owner's notice is in French");

    let mut needles = owner.canaries();
    needles.extend([token, email.to_string(), password.to_string(), attacker_password]);
    clearboard_testkit::logs::assert_clean(&needles);
});

both!(unactivated_accounts_expire_and_free_their_address, |b| async move {
    let app = spawn_app(b).await;
    let body = app.sign_up_body();
    let email = body["email"].as_str().unwrap().to_string();
    assert_eq!(app.post_json("/api/v1/accounts", &body, None).await.status(), 202);
    let first = app.activation_token(&email).await.unwrap();
    // Nobody can squat an address: signing up again gives the mailbox a new link, and the old
    // inactive account goes.
    assert_eq!(app.post_json("/api/v1/accounts", &body, None).await.status(), 202);
    let mut second = first.clone();
    for _ in 0..200 {
        if second != first {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        second = app.activation_token(&email).await.unwrap();
    }
    assert_ne!(first, second, "a new link was mailed");
    assert_error(app.post_json("/api/v1/accounts/activation", &json!({ "token": first }), None).await, 410, "link_invalid").await;
    // After 48 hours the link is dead, the upkeep erases the account and frees the address.
    app.clock.advance(48 * HOUR + MINUTE);
    assert_eq!(app.state.cb.accounts().purge_unactivated().await.unwrap(), 1);
    assert_error(app.post_json("/api/v1/accounts/activation", &json!({ "token": second }), None).await, 410, "link_invalid").await;
    let bidx = app.state.cb.blind_email(&email);
    assert!(app.state.cb.directory().find_email(&bidx).await.unwrap().is_none(), "the address is free");
    let needles = vec![email.clone(), body["first_name"].as_str().unwrap().to_string(), body["last_name"].as_str().unwrap().to_string()];
    assert!(app.scan_storage(&needles).await.is_empty());
    // An expired link erases lazily too.
    assert_eq!(app.post_json("/api/v1/accounts", &body, None).await.status(), 202);
    app.clock.advance(49 * HOUR);
    let third = app.activation_token(&email).await.unwrap();
    assert_error(app.post_json("/api/v1/accounts/activation", &json!({ "token": third }), None).await, 410, "link_invalid").await;
    assert!(app.state.cb.directory().find_email(&bidx).await.unwrap().is_none());
    // And a fresh sign-up works end to end.
    app.sign_up(&body).await;
});

both!(acceptance_7_weak_passwords_are_refused_with_the_reason_in_english_and_french, |b| async move {
    let app = spawn_app(b).await;
    let mut body = app.sign_up_body();
    for weak in ["password1234", "aaaaaaaaaaaaaaa"] {
        body["password"] = json!(weak);
        let e = assert_error(app.post_json("/api/v1/accounts", &body, None).await, 422, "password_too_weak").await;
        assert_eq!(e["error"]["field"], "password");
        assert!(e["error"]["message"].as_str().unwrap().contains("too easy to guess"), "{e}");
        let res = app.http().post(app.url("/api/v1/accounts?lang=fr")).json(&body).send().await.unwrap();
        let e = assert_error(res, 422, "password_too_weak").await;
        assert!(e["error"]["message"].as_str().unwrap().contains("trop facile à deviner"), "{e}");
        let res =
            app.http().post(app.url("/api/v1/accounts")).header("accept-language", "fr-FR,fr;q=0.9").json(&body).send().await.unwrap();
        let e = assert_error(res, 422, "password_too_weak").await;
        assert!(e["error"]["message"].as_str().unwrap().contains("trop facile"), "{e}");
    }
    body["password"] = json!("aaaaaaaaaaaaaaa");
    let e = assert_error(app.post_json("/api/v1/accounts", &body, None).await, 422, "password_too_weak").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("repeated"), "the reason is named: {e}");
    // A password made of the person's own name.
    body["password"] = json!(format!("{}{}", body["first_name"].as_str().unwrap(), body["last_name"].as_str().unwrap()).to_lowercase());
    let e = assert_error(app.post_json("/api/v1/accounts", &body, None).await, 422, "password_too_weak").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("your own name"), "{e}");
    // Password changes follow the same rule.
    let u = app.new_user().await;
    let res = app
        .http()
        .patch(app.url("/api/v1/me?lang=fr"))
        .bearer_auth(&u.token)
        .json(&json!({ "new_password": "password1234", "current_password": u.password }))
        .send()
        .await
        .unwrap();
    let e = assert_error(res, 422, "password_too_weak").await;
    assert_eq!(e["error"]["field"], "new_password");
    assert!(e["error"]["message"].as_str().unwrap().contains("trop facile"));
    // The sign-up page shows the reason in the page's language, and keeps what was typed.
    let form = [
        ("email", "page@example.test"),
        ("password", "password1234"),
        ("first_name", "Zoé"),
        ("last_name", "Page"),
        ("birth_date", "1990-01-01"),
        ("region", "eu"),
    ];
    let res = app.browser().post(app.url("/signup?lang=fr")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("trop facile à deviner") && html.contains("Zoé") && !html.contains("password1234"));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_mail_sign_up_is_immediate_and_limited_per_address_and_client() {
    let app = spawn_with(Backend::Sqlite, Options { limits: Limits::default(), configure: Some(Box::new(|c| c.smtp_url = None)) }).await;
    assert!(!app.signs_up_by_mail());
    let body = app.sign_up_body();
    let res = app.post_json("/api/v1/accounts", &body, None).await;
    assert_eq!(res.status(), 201, "a first run needs no mail server");
    app.sign_in(body["email"].as_str().unwrap(), body["password"].as_str().unwrap()).await;
    // Per address (blind index): three in a burst, whoever sends them.
    assert_error(app.post_json("/api/v1/accounts", &body, None).await, 409, "email_taken").await;
    assert_error(app.post_json("/api/v1/accounts", &body, None).await, 409, "email_taken").await;
    assert_error(app.post_json("/api/v1/accounts", &body, None).await, 429, "rate_limited").await;
    // Per client: ten in a burst (four used above).
    for _ in 0..6 {
        let s = app.post_json("/api/v1/accounts", &app.sign_up_body(), None).await.status();
        assert!(s == 201, "{s}");
    }
    let res = app.post_json("/api/v1/accounts", &app.sign_up_body(), None).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_error(res, 429, "rate_limited").await;
}
