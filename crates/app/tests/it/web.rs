//! The web shell: pages and forms, security headers, CSRF, rate limits, health, metrics and
//! the OpenAPI document.

use super::*;
use clearboard_testkit::Options;
use clearboard_web::platform::ratelimit::{Limits, Rate};

both!(pages_sign_up_sign_in_profile_and_back_out, |b| async move {
    let app = spawn_app(b).await;
    let browser = app.browser();
    let res = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains("/assets/app.css") && !html.contains("<script>") && !html.contains("http://") && !html.contains("https://"));

    // A form with a mistake comes back with what was typed, never the password.
    let email = canary_email("page");
    let first = canary("Page");
    let form = |birth: &'static str| {
        vec![
            ("email", email.clone()),
            ("password", "a long enough password".to_string()),
            ("first_name", first.clone()),
            ("last_name", "Page".to_string()),
            ("phone", String::new()),
            ("birth_date", birth.to_string()),
            ("region", "eu".to_string()),
        ]
    };
    let res = browser.post(app.url("/signup")).form(&form("2014-01-01")).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("16 years old") && html.contains(&first) && !html.contains("a long enough password"));
    let res = browser.post(app.url("/signup")).form(&form("1984-01-01")).send().await.unwrap();
    if app.signs_up_by_mail() {
        // Check your mailbox; the emailed link opens a page that posts the token (issue 11).
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("id=\"check-mailbox\""));
        let token = app.activation_token(&email).await.expect("an activation email");
        let page = browser.get(app.url("/activate")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("/assets/activate.js") && page.contains("name=\"token\""));
        assert_eq!(app.http().get(app.url("/assets/activate.js")).send().await.unwrap().status(), 200);
        let res = browser.post(app.url("/activate")).form(&[("token", token.as_str())]).send().await.unwrap();
        assert_eq!(res.headers()["location"], "/signin?notice=activated");
        let res = browser
            .post(app.url("/signin"))
            .form(&[("email", email.as_str()), ("password", "a long enough password")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    } else {
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/app", "signed up, on their boards");
    }
    let html = browser.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&first) && html.contains(&email));

    // French for people who ask for it.
    let res = browser
        .post(app.url("/me"))
        .form(&[("first_name", first.as_str()), ("last_name", "Page"), ("phone", ""), ("locale", "fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/me?saved=1");
    let html = browser.get(app.url("/me?saved=1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Enregistré") && html.contains("lang=\"fr\""));
    // Wrong current password on the email form: the page says why.
    let res = browser
        .post(app.url("/me/email"))
        .form(&[("email", "x@example.test"), ("current_password", "nope nope nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Sign out: cookie cleared, profile redirects to sign-in.
    let res = browser.post(app.url("/signout")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let res = browser.get(app.url("/me")).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/signin"));
    // Sign back in through the form.
    let res =
        browser.post(app.url("/signin")).form(&[("email", email.as_str()), ("password", "a long enough password")]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(browser.get(app.url("/me")).send().await.unwrap().status(), 200);
    // Delete from the page: the answer redirects to the signed receipt (Post/Redirect/Get),
    // and the browser is signed out.
    let res = browser.post(app.url("/me/delete")).form(&[("password", "a long enough password")]).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/me/deleted"));
    let res = browser.get(app.url("/me/deleted")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["clear-site-data"].to_str().unwrap().contains("cookies"));
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"receipt\"") && html.contains("key_destroyed_at") && (html.contains("erased") || html.contains("effacé")));
    let res = browser.get(app.url("/me")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
});

// C-SEC-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_csrf_and_assets() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = app.http().get(app.url("/signin")).send().await.unwrap();
    let h = res.headers();
    for (k, v) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(h[k], v, "{k}");
    }
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    // A cross-site form post is refused before it reaches the handler.
    let res = app
        .http()
        .post(app.url("/signin"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "a@b.cd"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_error(res, 403, "cross_site_request_refused").await;
    let res = app.http().post(app.url("/api/v1/sessions")).header("sec-fetch-site", "cross-site").json(&json!({})).send().await.unwrap();
    assert_error(res, 403, "cross_site_request_refused").await;
    // Same-origin browser requests pass.
    let res = app.browser().post(app.url("/signin")).form(&[("email", "a@b.cd"), ("password", "x")]).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // Assets are first-party and cacheable, with an ETag.
    let res = app.http().get(app.url("/assets/app.css")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let res = app.http().get(app.url("/assets/app.css")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(app.http().get(app.url("/assets/../Cargo.toml")).send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sign_up_are_rate_limited() {
    let limits = Limits {
        sign_in_per_ip: Rate { burst: 5, per_minute: 5 },
        sign_up_per_ip: Rate { burst: 3, per_minute: 1 },
        sign_up_per_address: Rate { burst: 1, per_minute: 1 },
        ..Limits::relaxed()
    };
    let app = spawn_with(Backend::Sqlite, Options { limits, configure: None }).await;
    app.new_user().await; // one sign-up and one sign-in used
    let client = app.http();
    let url = app.url("/api/v1/sessions");
    let attempt = |email: String| client.post(&url).json(&json!({"email": email, "password": "wrong password here"})).send();
    // Per client address: the sixth attempt in a burst of 5 is refused, whatever the email.
    for i in 0..4 {
        assert_eq!(attempt(format!("{i}@example.test")).await.unwrap().status(), 401);
    }
    let res = attempt("x@example.test".into()).await.unwrap();
    assert!(res.headers().contains_key("retry-after"));
    assert_error(res, 429, "rate_limited").await;
    // Time heals (simulated clock).
    app.clock.advance(clearboard_core::platform::clock::MINUTE);
    assert_eq!(attempt("c@example.test".into()).await.unwrap().status(), 401);
    // Sign-up per client: burst of 3, one used at the start, one regained during the minute.
    // Per address: one a minute, whoever sends it.
    let accepted = |s: u16| s == 201 || s == 202;
    let body = app.sign_up_body();
    assert!(accepted(app.post_json("/api/v1/accounts", &body, None).await.status().as_u16()));
    assert_error(app.post_json("/api/v1/accounts", &body, None).await, 429, "rate_limited").await;
    assert!(accepted(app.post_json("/api/v1/accounts", &app.sign_up_body(), None).await.status().as_u16()));
    assert_error(app.post_json("/api/v1/accounts", &app.sign_up_body(), None).await, 429, "rate_limited").await;
}

both!(health_readiness_and_metrics, |b| async move {
    let app = spawn_app(b).await;
    assert_eq!(app.get("/healthz", None).await.text().await.unwrap(), "ok");
    assert_eq!(app.get("/readyz", None).await.status(), 200);
    app.new_user().await;
    // Not on the public listener (no token configured): on the metrics listener only.
    assert_eq!(app.get("/metrics", None).await.status(), 404);
    let m = app.http().get(format!("{}/metrics", app.metrics_base)).send().await.unwrap().text().await.unwrap();
    assert!(m.contains("clearboard_http_requests_total"), "{m}");
    assert!(m.contains("clearboard_http_request_duration_seconds_bucket"), "histograms have buckets");
    assert!(m.contains("clearboard_accounts_created_total"));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_routes_that_exist() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec: Value = app.get("/api/v1/openapi.json", None).await.json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 9);
    // What the fallback answers for an address no route serves.
    let fallback: Value = app.get("/api/v1/no/such/route", None).await.json().await.unwrap();
    assert_eq!(fallback["error"]["code"], "not_found");
    for (path, ops) in paths {
        let concrete = path.replace("{id}", "0192f0c4-7a3b-7c1e-9a2b-1234567890ab");
        for method in ops.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = app.http().request(m, app.url(&concrete)).send().await.unwrap();
            assert_ne!(res.status(), 405, "{method} {path} is documented but not routed");
            if res.status() == 404 {
                let body: Value = res.json().await.unwrap_or(json!({}));
                assert_ne!(body["error"]["detail"], fallback["error"]["detail"], "{method} {path} is documented but not routed");
            }
        }
    }
}
