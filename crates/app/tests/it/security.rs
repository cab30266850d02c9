//! The security review's findings (issue 11), each as a test that fails on the code before
//! the fix: secrets in links reach no log or metric, invitations work once (for one address
//! if bound) and can be revoked, join codes rotate, metrics are not public and have bounded
//! labels, and slow clients are cut off. Both backends where storage is involved.

use std::time::Duration;

use super::boards::{Fixture, fixture, json_ok};
use super::*;
use clearboard_testkit::{deps, logs};

/// Every series line of a Prometheus exposition (not comments).
fn series(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect()
}

/// The values a label takes in the series of one metric family.
fn label_values(text: &str, family: &str, label: &str) -> std::collections::BTreeSet<String> {
    let key = format!("{label}=\"");
    series(text)
        .iter()
        .filter(|l| l.starts_with(family))
        .filter_map(|l| l.find(&key).map(|i| &l[i + key.len()..]))
        .filter_map(|rest| rest.find('"').map(|j| rest[..j].to_string()))
        .collect()
}

/// `promtool check metrics` on an exposition (the Prometheus project's own linter). Fails when
/// promtool is missing, unless `CLEARBOARD_TEST_SKIP` names `promtool`.
fn promtool_check(text: &str) {
    let Some(promtool) = deps::system_tool("promtool", "promtool", "apt-get install prometheus") else { return };
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "promtool check metrics:\n{said}");
}

async fn metrics_text(app: &TestApp) -> String {
    let res = app.http().get(format!("{}/metrics", app.metrics_base)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

both!(acceptance_1_secrets_in_links_reach_no_metric_and_no_log, |b| async move {
    let metrics_token = canary("MetricsToken");
    let token_for_config = metrics_token.clone();
    let app = spawn_with(
        b,
        clearboard_testkit::Options { configure: Some(Box::new(move |c| c.metrics_token = Some(token_for_config))), ..Default::default() },
    )
    .await;
    let Fixture { alice, org, board, code, .. } = fixture(&app).await;
    let dave = app.new_user().await;

    // An invitation link and a join link, as the owner and a facilitator get them.
    let inv =
        json_ok(app.post_json(&format!("/api/v1/orgs/{org}/invitations"), &json!({ "role": "admin" }), Some(&alice.token)).await, 201)
            .await;
    let token = inv["token"].as_str().unwrap().to_string();
    logs::plant(&token);
    logs::plant(&code);
    let url = inv["url"].as_str().unwrap().to_string();
    assert!(url.ends_with(&format!("/app/invitations#{token}")), "the token travels in the fragment: {url}");
    let rotated = json_ok(app.post_json(&format!("/api/v1/boards/{board}/join-code"), &json!({}), Some(&alice.token)).await, 200).await;
    let new_code = rotated["join_code"].as_str().unwrap().to_string();
    logs::plant(&new_code);
    assert!(rotated["url"].as_str().unwrap().ends_with(&format!("/join#{new_code}")));

    // Opening the links: a browser sends the path only (never the fragment).
    let page = app.http().get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(!page.text().await.unwrap().contains(&token), "the page does not echo the token");
    assert_eq!(app.http().get(rotated["url"].as_str().unwrap()).send().await.unwrap().status(), 200);
    // What the review scraped: tokens and codes in paths. Those routes are gone.
    assert_error(app.get(&format!("/app/invitations/{token}"), None).await, 404, "not_found").await;
    assert_error(app.get(&format!("/j/{new_code}"), None).await, 404, "not_found").await;

    // Using them: the token and code go in bodies.
    let browser = app.browser();
    let res = browser
        .post(app.url("/signin"))
        .form(&[("email", dave.email.as_str()), ("password", dave.password.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection() || res.status().is_success());
    let res = browser.post(app.url("/app/invitations")).form(&[("token", token.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303, "accepted through the page form");
    let orgs = json_ok(app.get("/api/v1/orgs", Some(&dave.token)).await, 200).await;
    assert!(orgs["orgs"].as_array().unwrap().iter().any(|o| o["id"] == org.as_str() && o["role"] == "admin"));
    let joined = app.http().post(app.url("/join")).form(&[("code", new_code.as_str()), ("pseudonym", "Visitor")]).send().await.unwrap();
    assert_eq!(joined.status(), 200, "joined: the page shows the recovery code once, then links to the board");
    assert!(joined.text().await.unwrap().contains("id=\"recovery-code\""));
    // The old code no longer opens the board.
    assert_error(app.post_json("/api/v1/join", &json!({ "code": code, "pseudonym": "late" }), None).await, 404, "not_found").await;
    // Used once: nobody else can use the invitation again.
    let late = app.new_user().await;
    assert_error(
        app.post_json("/api/v1/invitations/accept", &json!({ "token": token }), Some(&late.token)).await,
        422,
        "validation_failed",
    )
    .await;

    // /metrics: not on the public listener without the token; with it, and on the metrics
    // listener, no secret in it, and every label comes from a bounded set.
    assert_error(app.get("/metrics", None).await, 404, "not_found").await;
    let wrong = app.http().get(app.url("/metrics")).bearer_auth("not-the-token").send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    let public = app.http().get(app.url("/metrics")).bearer_auth(&metrics_token).send().await.unwrap();
    assert_eq!(public.status(), 200);
    let public = public.text().await.unwrap();
    let private = metrics_text(&app).await;
    for (what, text) in [("metrics with the token", &public), ("metrics listener", &private)] {
        for secret in [&token, &code, &new_code, &metrics_token] {
            assert!(!text.contains(secret.as_str()), "{what} holds a secret");
        }
        assert!(
            text.contains(r#"route="/app/invitations""#) && text.contains(r#"route="{unmatched}""#),
            "{what}: route templates as labels"
        );
    }
    // Nor in any log line of this run (the whole log is also scanned for planted canaries at
    // exit).
    let log = String::from_utf8_lossy(&logs::contents()).to_string();
    for secret in [&token, &code, &new_code, &metrics_token] {
        assert!(!log.contains(secret.as_str()), "a log line holds a secret");
    }

    // 1,000 unknown paths add no series: every one shares the unmatched label.
    let mut probes = Vec::new();
    for i in 0..1000 {
        let p = format!("/probe-{}-{i}", clearboard_vault::random::bytes::<4>().map(hex::encode).unwrap());
        probes.push(p);
    }
    for chunk in probes.chunks(50) {
        let futs = chunk.iter().map(|p| app.http().get(app.url(p)).send());
        for r in futures_util::future::join_all(futs).await {
            assert_eq!(r.unwrap().status(), 404);
        }
    }
    let after = metrics_text(&app).await;
    assert!(!probes.iter().any(|p| after.contains(p.as_str())), "an unknown path became a label");
    let routes = label_values(&after, "clearboard_http_requests_total", "route");
    assert!(routes.iter().all(|r| r == "{unmatched}" || r.starts_with('/')), "routes: {routes:?}");
    // One label per template of the router the suite reached (about 200 today, every test of
    // the binary sharing the recorder), far fewer than the 1,000 probes above.
    assert!(routes.len() < 400, "route labels are the router's templates: {}", routes.len());
    let methods = label_values(&after, "clearboard_http_requests_total", "method");
    assert!(methods.len() <= 8, "methods: {methods:?}");
    // The embedded databases' single writer (issue 21): each write transaction's wait and hold,
    // by database, named from the deployment's layout only.
    if b == Backend::Sqlite {
        for family in ["clearboard_db_write_wait_seconds", "clearboard_db_write_held_seconds"] {
            let dbs = label_values(&after, family, "db");
            assert!(dbs.contains("directory") && dbs.contains("eu/data") && dbs.contains("eu/keys"), "{family}: {dbs:?}");
            let known = |d: &String| d == "directory" || d == "other" || d.ends_with("/data") || d.ends_with("/keys");
            assert!(dbs.iter().all(known), "{family}: {dbs:?}");
        }
        let held = series(&after)
            .into_iter()
            .find_map(|l| l.strip_prefix(r#"clearboard_db_write_held_seconds_count{db="eu/data"} "#))
            .and_then(|v| v.trim().parse::<f64>().ok());
        assert!(held.is_some_and(|n| n >= 1.0), "the region's write transactions are counted: {held:?}");
    }
    promtool_check(&after);
});

both!(invitations_work_once_for_their_address_and_can_be_revoked, |b| async move {
    let app = spawn_app(b).await;
    let Fixture { alice, bob, carol, dave, org, .. } = fixture(&app).await;
    let eve = app.new_user().await;
    // Bound to Dave's address: Eve cannot use it, Dave can, once.
    let inv = json_ok(
        app.post_json(
            &format!("/api/v1/orgs/{org}/invitations"),
            &json!({ "role": "member", "email": dave.email.to_uppercase() }),
            Some(&alice.token),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(inv["invitation"]["bound_to_email"], true);
    let e = assert_error(
        app.post_json("/api/v1/invitations/accept", &json!({ "token": inv["token"] }), Some(&eve.token)).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("another email address"));
    json_ok(app.post_json("/api/v1/invitations/accept", &json!({ "token": inv["token"] }), Some(&dave.token)).await, 200).await;
    // Revoked before use: refused.
    let inv2 = json_ok(app.post_json(&format!("/api/v1/orgs/{org}/invitations"), &json!({}), Some(&carol.token)).await, 201).await;
    let list = json_ok(app.get(&format!("/api/v1/orgs/{org}/invitations"), Some(&alice.token)).await, 200).await;
    let statuses: Vec<(&str, &str)> =
        list["invitations"].as_array().unwrap().iter().map(|i| (i["id"].as_str().unwrap(), i["status"].as_str().unwrap())).collect();
    assert!(
        statuses.contains(&(inv["id"].as_str().unwrap(), "accepted")) && statuses.contains(&(inv2["id"].as_str().unwrap(), "pending")),
        "{statuses:?}"
    );
    assert!(!list.to_string().contains(inv2["token"].as_str().unwrap()), "the list never shows tokens");
    assert_error(
        req_delete(&app, &format!("/api/v1/orgs/{org}/invitations/{}", inv2["id"].as_str().unwrap()), &bob.token).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        req_delete(&app, &format!("/api/v1/orgs/{org}/invitations/{}", inv2["id"].as_str().unwrap()), &alice.token).await.status(),
        204
    );
    assert_error(
        app.post_json("/api/v1/invitations/accept", &json!({ "token": inv2["token"] }), Some(&eve.token)).await,
        422,
        "validation_failed",
    )
    .await;
    // An accepted one cannot be revoked; an expired one cannot be used.
    assert_error(
        req_delete(&app, &format!("/api/v1/orgs/{org}/invitations/{}", inv["id"].as_str().unwrap()), &alice.token).await,
        409,
        "conflict",
    )
    .await;
    let inv3 = json_ok(app.post_json(&format!("/api/v1/orgs/{org}/invitations"), &json!({}), Some(&alice.token)).await, 201).await;
    app.clock.advance(15 * 24 * 3_600_000);
    let (eve_token, alice_token) = (app.sign_in(&eve.email, &eve.password).await, app.sign_in(&alice.email, &alice.password).await);
    assert_error(
        app.post_json("/api/v1/invitations/accept", &json!({ "token": inv3["token"] }), Some(&eve_token)).await,
        422,
        "validation_failed",
    )
    .await;
    // Two people racing for one invitation: exactly one gets in.
    let inv4 = json_ok(app.post_json(&format!("/api/v1/orgs/{org}/invitations"), &json!({}), Some(&alice_token)).await, 201).await;
    let racers = [app.new_user().await, app.new_user().await, app.new_user().await];
    let body = json!({ "token": inv4["token"] });
    let futs = racers.iter().map(|u| app.post_json("/api/v1/invitations/accept", &body, Some(&u.token)));
    let codes: Vec<u16> = futures_util::future::join_all(futs).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
});

async fn req_delete(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.http().delete(app.url(path)).bearer_auth(token).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_5_slow_clients_are_cut_off_at_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A real server with a short header timeout: 200 connections that send half a request
    // line and stop are all closed within the timeout (the drill does 2,000).
    let app = spawn_app(Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = clearboard_app::ServeLimits {
        header_timeout: Duration::from_secs(2),
        body_idle_timeout: Duration::from_secs(2),
        max_connections: 150,
        ..clearboard_app::ServeLimits::default()
    };
    let state = app.state.clone();
    let server = tokio::spawn(async move { clearboard_app::serve_with(state, listener, limits, std::future::pending()).await });
    let mut conns = Vec::new();
    for _ in 0..200 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        conns.push(s);
    }
    // Beyond the cap, connections are closed at once; the rest when the timeout passes.
    let started = tokio::time::Instant::now();
    let mut closed = 0;
    for mut s in conns {
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_secs(6), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => closed += 1,
            Ok(Ok(_)) => closed += 1, // a 408 answer then close also counts
            Err(_) => {}
        }
    }
    assert_eq!(closed, 200, "every half-sent request was closed");
    assert!(started.elapsed() < Duration::from_secs(5), "within the header timeout: {:?}", started.elapsed());
    // An idle keep-alive connection is closed too, and the server keeps serving.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let idle = tokio::time::timeout(Duration::from_secs(6), s.read(&mut buf)).await;
    assert!(matches!(idle, Ok(Ok(0)) | Ok(Err(_))), "an idle keep-alive connection is closed: {idle:?}");
    let ok = reqwest::get(format!("http://{addr}/healthz")).await.unwrap();
    assert_eq!(ok.status(), 200);
    server.abort();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_8_a_fresh_data_dir_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app(Backend::Sqlite).await;
    let f = fixture(&app).await;
    // Media, an export and a backup-like variety of files: every one of them private.
    let res = crate::boards::add_image(&app, &f.board, &f.alice.token).await;
    assert_eq!(res.status(), 201);
    let mut seen = (0, 0);
    let mut stack = vec![app.config.data_dir.clone()];
    while let Some(d) = stack.pop() {
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", d.display());
        seen.0 += 1;
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                let mode = m.permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{} is {mode:o}", e.path().display());
                seen.1 += 1;
            }
        }
    }
    assert!(seen.0 >= 3 && seen.1 >= 5, "folders and files were checked: {seen:?}");
}

both!(acceptance_5_socket_cap_and_message_rate_limit, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    // One identity: 16 sockets at once, the 17th refused with the catalogue's error.
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(clearboard_testkit::ws::connect(&app.base, &f.board, &f.participant, None, None).await.expect("within the cap"));
    }
    let refused =
        clearboard_testkit::ws::connect(&app.base, &f.board, &f.participant, None, None).await.err().expect("the 17th is refused");
    assert!(refused.contains("429"), "{refused}");
    // Others are not affected; closing one gives its place back.
    clearboard_testkit::ws::connect(&app.base, &f.board, &f.bob.token, None, None).await.expect("another person connects");
    held.pop().unwrap().close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ws = clearboard_testkit::ws::connect(&app.base, &f.board, &f.participant, None, None).await.expect("a place was freed");
    ws.next(Duration::from_secs(5)).await.expect("hello");
    // A flood of messages: closed with 1008 and the reason, after the burst.
    for _ in 0..500 {
        ws.send_text(r#"{"type":"ping"}"#).await;
    }
    let mut pongs = 0;
    while let Some(m) = ws.next(Duration::from_secs(5)).await {
        if m["type"] == "pong" {
            pongs += 1;
        }
    }
    assert_eq!(ws.close_code, Some(1008), "closed for breaking the limit");
    assert_eq!(ws.close_reason.as_deref(), Some("rate_limited"));
    assert!((50..200).contains(&pongs), "the burst was served, then the socket closed: {pongs} pongs");
    // A plain GET of the socket address is the catalogue's JSON error.
    let res = app.get(&format!("/api/v1/boards/{}/ws", f.board), Some(&f.bob.token)).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("JSON error body");
    assert!(status >= 400 && body["error"]["code"].is_string(), "{status} {body}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_15_every_error_is_the_catalogues() {
    let app = spawn_app(Backend::Sqlite).await;
    let user = app.new_user().await;
    // 405, 404 fallback, bad path ids, framework rejections (form, query, multipart).
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        (app.http().put(app.url("/api/v1/me/exports")).bearer_auth(&user.token), 405),
        (app.http().delete(app.url("/healthz")), 405),
        (app.http().get(app.url("/nothing/here")), 404),
        (app.http().get(app.url("/api/v1/boards/not-a-uuid")).bearer_auth(&user.token), 404),
        (app.http().post(app.url("/join")).header("content-type", "application/x-www-form-urlencoded").body("%%%=&&"), 0),
        (
            app.http()
                .post(app.url("/api/v1/boards/0192f0c4-7a3b-7c1e-9a2b-1234567890ab/cards"))
                .bearer_auth(&user.token)
                .header("content-type", "multipart/form-data"),
            0,
        ),
    ];
    for (rb, want) in cases {
        let res = rb.send().await.unwrap();
        let status = res.status().as_u16();
        if want != 0 {
            assert_eq!(status, want);
        }
        assert!(status >= 400, "{status}");
        let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let text = res.text().await.unwrap();
        if ct.starts_with("text/html") {
            continue; // a page's own form error
        }
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"));
        assert!(body["error"]["code"].is_string() && body["error"]["request_id"].is_string(), "{status}: {body}");
    }
    // People browsing pages get an HTML page in their language, with the code and reference.
    let res = app.http().get(app.url("/no/such/page")).header("accept", "text/html").header("accept-language", "fr").send().await.unwrap();
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page introuvable") && html.contains("not_found") && html.contains("<html lang=\"fr\">"), "{html}");
}

/// Every metric recorded anywhere in the code is described (HELP text), so the exposition
/// passes `promtool check metrics` whatever has been recorded.
#[test]
fn every_metric_in_the_code_is_described() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut found = std::collections::BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for kind in ["counter!(\"", "gauge!(\"", "histogram!(\""] {
            for (i, _) in text.match_indices(kind) {
                let rest = &text[i + kind.len()..];
                if let Some(end) = rest.find('"') {
                    found.insert(rest[..end].to_string());
                }
            }
        }
    }
    assert!(found.len() >= 15, "the scan finds the metrics: {found:?}");
    let described: std::collections::BTreeSet<&str> = clearboard_web::platform::telemetry::METRICS.iter().map(|(n, _, _)| *n).collect();
    let missing: Vec<&String> = found.iter().filter(|n| !described.contains(n.as_str())).collect();
    assert!(missing.is_empty(), "metrics without a description in web/src/platform/telemetry.rs: {missing:?}");
}

// C-SHARE-1
both!(every_staff_endpoint_goes_through_the_training_gate, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    // Erin is support staff without current training: every staff endpoint refuses her.
    for path in ["/api/v1/staff/retention", "/api/v1/staff/legal-holds", "/api/v1/staff/statistics"] {
        assert_error(app.get(path, Some(&f.erin.token)).await, 403, "staff_training_required").await;
    }
    let me: Value = app.get("/api/v1/staff/me", Some(&f.erin.token)).await.json().await.unwrap();
    assert_eq!(me["training_current"], false, "she can still see where she stands");
    let erin = app.state.cb.sessions().authenticate(&f.erin.token).await.unwrap();
    let eu = app.state.cb.region(&erin.region).unwrap().clone();
    let trail = eu.store.audit_about(&erin.subject).await.unwrap();
    assert!(trail.iter().filter(|e| e.action == "staff.access_refused").count() >= 3, "each refusal is audited");
});
