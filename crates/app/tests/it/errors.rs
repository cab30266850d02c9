//! The error catalogue (issue 12, acceptance 3): one enum of stable codes (status, message key),
//! the `Error` schema of the OpenAPI document listing them all, every operation documenting its
//! success body, every rejection of the framework and its layers (404 fallbacks, 405, 408, 413,
//! 415, WebSocket refusals) and every 429 and 503 (with `Retry-After`) answered as the
//! catalogue's JSON under `/api` and as the error page elsewhere, in English and French.
//! The whole suite is held to it by the test kit's inspector (`clearboard_testkit::catalogue`),
//! which sees every answer of every spawned app; the positive controls below show it fails
//! on answers that break the catalogue or the document.

use std::collections::BTreeSet;
use std::time::Duration;

use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_testkit::Options;
use clearboard_testkit::catalogue::{Asked, Inspector};
use clearboard_web::platform::ratelimit::{Limits, Rate};

use super::*;

/// Every `$ref` of the document, with where it is.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push((at.to_string(), x.as_str().unwrap_or_default().to_string()));
                } else {
                    refs(x, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| refs(x, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

#[test]
fn acceptance_3_the_openapi_document_lists_every_code_and_every_success_body() {
    let doc = clearboard_web::platform::openapi::spec();
    // The `Error` schema's code is the whole catalogue, nothing else.
    let listed: Vec<&str> = doc
        .pointer("/components/schemas/Error/properties/error/properties/code/enum")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, all);
    // Every `$ref` resolves.
    let mut found = Vec::new();
    refs(&doc, "", &mut found);
    assert!(found.len() > 100, "{} refs", found.len());
    for (at, r) in &found {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{at}: {r} is not local"));
        assert!(doc.pointer(pointer).is_some(), "{at}: {r} does not resolve");
    }
    // Every operation has a success with a body of a real schema, or a 204 (a 101 for the
    // socket); every error answer is the `Error` schema.
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            let mut success = false;
            for (status, answer) in responses {
                let what = format!("{method} {path} {status}");
                match status.as_str() {
                    "204" => {
                        assert!(answer.get("content").is_none(), "{what} has a body");
                        success = true;
                    }
                    "101" => {
                        assert!(path.ends_with("/ws") && method == "get", "{what}: only the socket switches protocols");
                        success = true;
                    }
                    s if s.starts_with('2') => {
                        let content = answer["content"].as_object().unwrap_or_else(|| panic!("{what} documents no body"));
                        assert!(!content.is_empty(), "{what} documents no body");
                        for (media, m) in content {
                            let schema = m.get("schema").unwrap_or_else(|| panic!("{what} {media} has no schema"));
                            assert!(schema.get("$ref").is_some() || schema.get("type").is_some(), "{what} {media}: {schema}");
                        }
                        success = true;
                    }
                    s => {
                        assert!(s.starts_with('4') || s.starts_with('5'), "{what}");
                        assert_eq!(
                            answer.pointer("/content/application~1json/schema/$ref").and_then(Value::as_str),
                            Some("#/components/schemas/Error"),
                            "{what}"
                        );
                    }
                }
            }
            assert!(success, "{method} {path} documents no success");
        }
    }
    assert!(operations >= 70, "{operations} operations");
}

/// Web invents no code: every code it answers with, the socket's error frames and close
/// reasons included, is a variant of the catalogue.
#[test]
fn acceptance_3_web_spells_out_no_code_of_its_own() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src");
    let codes: BTreeSet<String> = ErrorCode::ALL.iter().map(|c| format!("\"{}\"", c.as_str())).collect();
    let mut stack = vec![src.clone()];
    let mut hits = Vec::new();
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            files += 1;
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().to_string();
            // Unit tests below `#[cfg(test)]` may name the codes they expect.
            let text = std::fs::read_to_string(&p).unwrap();
            let code_part = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code_part.lines().enumerate() {
                // Log fields name outcomes, not answers.
                let log = line.trim_start().starts_with("tracing::");
                if !log && codes.iter().any(|c| line.contains(c.as_str())) {
                    hits.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(files > 40, "read {files} files");
    assert!(hits.is_empty(), "codes spelt out in web instead of `ErrorCode`:\n{}", hits.join("\n"));
}

/// The inspector is not a formality: answers that break the catalogue or the document fail.
#[test]
fn acceptance_3_the_inspector_refuses_what_breaks_the_catalogue() {
    let insp = Inspector::new();
    let asked = |path: &str| Asked { method: reqwest::Method::GET, path: path.into() };
    let headers = |pairs: &[(&'static str, &str)]| {
        let mut h = axum::http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    };
    let json = [("content-type", "application/json"), ("x-request-id", "r1")];
    let good = br#"{"error":{"code":"not_found","message":"There is nothing here.","request_id":"r1"}}"#;
    assert!(insp.check(&asked("/api/v1/cards/x"), 404, &headers(&json), good).is_ok());
    type Headers<'a> = &'a [(&'static str, &'a str)];
    let bad: [(&str, u16, Headers, &[u8]); 8] = [
        ("a code of its own", 404, &json, br#"{"error":{"code":"no_such_card","message":"x","request_id":"r1"}}"#),
        ("a code of another status", 409, &json, good),
        ("another shape", 404, &json, br#"{"code":"not_found","message":"x"}"#),
        ("a field too many", 404, &json, br#"{"error":{"code":"not_found","message":"x","request_id":"r1","hint":"y"}}"#),
        ("another request id", 404, &json, br#"{"error":{"code":"not_found","message":"x","request_id":"r2"}}"#),
        ("plain text", 404, &[("content-type", "text/plain"), ("x-request-id", "r1")], b"Not Found"),
        ("a 429 without Retry-After", 429, &json, br#"{"error":{"code":"rate_limited","message":"x","request_id":"r1"}}"#),
        ("an HTML page without its code", 404, &[("content-type", "text/html"), ("x-request-id", "r1")], b"<h1>Not found</h1>"),
    ];
    for (what, status, h, body) in bad {
        assert!(insp.check(&asked("/things"), status, &headers(h), body).is_err(), "{what} passed");
        assert!(insp.check(&asked("/api/v1/cards/x"), status, &headers(h), body).is_err(), "{what} passed under /api");
    }
    // An API page answered as HTML, and success bodies that are not what the document says.
    let html = [("content-type", "text/html"), ("x-request-id", "r1")];
    assert!(insp.check(&asked("/api/v1/me"), 404, &headers(&html), b"<p data-error-code=\"not_found\">").is_err());
    assert!(insp.check(&asked("/nothing"), 404, &headers(&html), b"<p data-error-code=\"not_found\">").is_ok());
    let ok_json = [("content-type", "application/json")];
    assert!(insp.check(&asked("/api/v1/me"), 200, &headers(&ok_json), br#"{"id":"x"}"#).is_err(), "a profile without its fields");
    assert!(insp.check(&asked("/api/v1/me"), 206, &headers(&ok_json), b"{}").is_err(), "an undocumented status");
    assert!(insp.check(&asked("/api/v1/no/such/operation"), 200, &headers(&ok_json), b"{}").is_err());
    assert!(insp.failures().len() >= 20, "every refusal is recorded: {:?}", insp.failures());
}

/// Sends a WebSocket upgrade by hand (so refusals are plain HTTP answers to look at).
async fn upgrade(app: &TestApp, board: &str, token: Option<&str>, origin: Option<&str>) -> reqwest::Response {
    let mut rb = clearboard_testkit::ws::upgrade_request(&app.http(), &app.base, board, token);
    if let Some(o) = origin {
        rb = rb.header("origin", o);
    }
    rb.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_3_every_rejection_is_the_catalogues_json_or_page() {
    let limits = Limits { sign_in_per_ip: Rate { burst: 3, per_minute: 1 }, ..Limits::relaxed() };
    let configure: clearboard_testkit::spawn::Configure = Box::new(|c| c.ws_sockets_per_person = 1);
    let app = spawn_with(Backend::Sqlite, Options { limits, configure: Some(configure) }).await;
    let u = app.new_user().await; // one sign-in of the three
    let board = boards::json_ok(app.post_json("/api/v1/boards", &json!({ "title": "Errors" }), Some(&u.token)).await, 201).await;
    let board = board["id"].as_str().unwrap().to_string();
    let c = app.http();
    // 404 fallback and 405, under /api and for pages.
    assert_error(app.get("/api/v1/nothing/here", None).await, 404, "not_found").await;
    assert_error(c.put(app.url("/api/v1/me/exports")).bearer_auth(&u.token).send().await.unwrap(), 405, "method_not_allowed").await;
    let res = c.get(app.url("/nothing/here")).header("accept", "text/html").header("accept-language", "fr-FR").send().await.unwrap();
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("data-error-code=\"not_found\"") && html.contains("Page introuvable") && html.contains("lang=\"fr\""), "{html}");
    let res = c.delete(app.url("/privacy")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.text().await.unwrap().contains("data-error-code=\"method_not_allowed\""));
    // Bodies refused by the extractors: malformed (400), wrong type (415), invalid (422), too large (413).
    let post = |body: Vec<u8>, ct: &'static str| {
        c.post(app.url("/api/v1/orgs")).bearer_auth(&u.token).header("content-type", ct).body(body).send()
    };
    assert_error(post(b"{".to_vec(), "application/json").await.unwrap(), 400, "malformed_json").await;
    assert_error(post(b"name=x".to_vec(), "text/plain").await.unwrap(), 415, "unsupported_media_type").await;
    let e = assert_error(post(br#"{"title":"x"}"#.to_vec(), "application/json").await.unwrap(), 422, "invalid_body").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("`name`"), "{e}");
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(clearboard_web::BODY_LIMIT + 10));
    assert_error(post(big.into_bytes(), "application/json").await.unwrap(), 413, "payload_too_large").await;
    // A query string axum's own extractor refuses, as the catalogue's 400.
    assert_error(
        c.get(app.url(&format!("/api/v1/boards/{board}/ws?since=soon"))).bearer_auth(&u.token).send().await.unwrap(),
        400,
        "bad_request",
    )
    .await;
    // The people's words follow their language; the code, the field and the detail stay.
    let fr = c.post(app.url("/api/v1/orgs?lang=fr")).bearer_auth(&u.token).json(&json!({})).send().await.unwrap();
    let fr = assert_error(fr, 422, "invalid_body").await;
    let en =
        assert_error(c.post(app.url("/api/v1/orgs")).bearer_auth(&u.token).json(&json!({})).send().await.unwrap(), 422, "invalid_body")
            .await;
    assert_ne!(fr["error"]["message"], en["error"]["message"]);
    assert_eq!(fr["error"]["detail"], en["error"]["detail"]);
    // WebSocket upgrades refused before the upgrade: 401, 403, 404, 400, 429 (with Retry-After).
    assert_error(upgrade(&app, &board, None, None).await, 401, "unauthenticated").await;
    assert_error(upgrade(&app, &board, Some(&u.token), Some("https://evil.example")).await, 403, "cross_site_request_refused").await;
    assert_error(upgrade(&app, "0192f0c4-7a3b-7c1e-9a2b-1234567890ab", Some(&u.token), None).await, 404, "not_found").await;
    assert_error(c.get(app.url(&format!("/api/v1/boards/{board}/ws"))).bearer_auth(&u.token).send().await.unwrap(), 400, "bad_request")
        .await;
    let mut held = clearboard_testkit::ws::connect(&app.base, &board, &u.token, None, None).await.expect("the one socket allowed");
    held.next(Duration::from_secs(5)).await.expect("a first message");
    let res = upgrade(&app, &board, Some(&u.token), None).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_error(res, 429, "too_many_sockets").await;
    held.close().await;
    // 429 from a rate limit, with Retry-After.
    let sign_in = || c.post(app.url("/api/v1/sessions")).json(&json!({ "email": u.email, "password": "not the password" })).send();
    let mut limited = None;
    for _ in 0..5 {
        let res = sign_in().await.unwrap();
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
    }
    let res = limited.expect("the sign-in rate limit is reached");
    assert!(res.headers().contains_key("retry-after"));
    assert_error(res, 429, "rate_limited").await;
    // A page form refused: the form again, with the code in it and the code's status.
    let res = app.browser().post(app.url("/join")).form(&[("code", "NOPE-NOPE"), ("pseudonym", "Zed")]).send().await.unwrap();
    assert_eq!(res.status(), 429, "the join form shares the sign-in limit per client");
    assert!(res.text().await.unwrap().contains("data-error-code=\"rate_limited\""));
    // 503 with Retry-After: readiness once the stores are gone.
    app.opened.close().await;
    let res = app.get("/readyz", None).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_error(res, 503, "unavailable").await;
    // The inspector saw each of these, and nothing it saw broke the catalogue.
    let seen: BTreeSet<(u16, String)> = app.catalogue.errors_seen().into_iter().collect();
    for (status, code) in [
        (404, "not_found"),
        (405, "method_not_allowed"),
        (400, "malformed_json"),
        (415, "unsupported_media_type"),
        (422, "invalid_body"),
        (413, "payload_too_large"),
        (400, "bad_request"),
        (401, "unauthenticated"),
        (403, "cross_site_request_refused"),
        (429, "too_many_sockets"),
        (429, "rate_limited"),
        (503, "unavailable"),
    ] {
        assert!(seen.contains(&(status, code.to_string())), "the inspector did not see {status} {code}: {seen:?}");
    }
    assert_eq!(app.catalogue.failures(), Vec::<String>::new());
}

/// A body that stalls past the body idle timeout is the catalogue's 408 (`tower_http`'s
/// `RequestBodyTimeoutLayer` around the router), checked by the inspector like any answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_3_a_stalled_body_is_the_catalogues_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(Backend::Sqlite).await;
    let u = app.new_user().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = clearboard_app::ServeLimits { body_idle_timeout: Duration::from_secs(1), ..clearboard_app::ServeLimits::default() };
    let insp = Inspector::new();
    let wrap = insp.clone();
    let state = app.state.clone();
    let server = tokio::spawn(async move {
        clearboard_app::serve_wrapped(state, listener, limits, move |r| wrap.around(r), std::future::pending()).await
    });
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":",
        u.token
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 8192];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await.expect("an answer within the timeout").unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"request_timeout\""), "{text}");
    assert_eq!(insp.errors_seen(), vec![(408, "request_timeout".to_string())]);
    insp.assert_clean();
    server.abort();
}
