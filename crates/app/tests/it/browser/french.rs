//! French everywhere (issue 14, acceptance 5): with French chosen once (`?lang=fr`, then
//! remembered by the `cb_lang` cookie), a crawl of every page a visitor, a member and a staff
//! member can reach (following every link from the pages the router serves, from seeds for the
//! pages nothing links to) and every error of the catalogue finds no text of the English
//! catalogue (`clearboard_web::platform::i18n::english_catalogue`: the English texts whose
//! French differs). Plain HTTP: the board's script texts travel in the page's data.

use std::collections::{BTreeSet, VecDeque};

use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::Clock;
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_web::platform::i18n::{english_catalogue, error_words};

use super::*;

/// The text a person can read or hear in an HTML page: the text between tags, the words of
/// the attributes read out (aria-label, title, placeholder, alt, value of buttons), entities
/// decoded.
fn readable(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        // Codes are identifiers, not words (`<code>card_number_refused</code>`); the page's
        // data for its script counts by its texts (string values), not its keys.
        for (start, end) in [("<code>", "</code>"), ("<script type=\"application/json\"", "</script>")] {
            if rest[open..].starts_with(start)
                && let Some(len) = rest[open..].find(end)
            {
                if start.starts_with("<script") {
                    let inner = &rest[open..open + len];
                    let json = &inner[inner.find('>').map_or(inner.len(), |i| i + 1)..];
                    strings(&serde_json::from_str(json).unwrap_or(Value::Null), &mut out);
                }
                out.push_str(&rest[..open]);
                out.push(' ');
                rest = &rest[open + len + end.len()..];
                break;
            }
        }
        let Some(open) = rest.find('<') else { break };
        out.push_str(&rest[..open]);
        out.push(' ');
        let Some(close) = rest[open..].find('>') else { break };
        let tag = &rest[open..open + close];
        for attr in ["aria-label=\"", "title=\"", "placeholder=\"", "alt=\""] {
            if let Some(at) = tag.find(attr) {
                let v = &tag[at + attr.len()..];
                out.push_str(&v[..v.find('"').unwrap_or(v.len())]);
                out.push(' ');
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    for (e, c) in [("&#39;", "'"), ("&#34;", "\""), ("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&#x27;", "'"), ("&amp;", "&")] {
        out = out.replace(e, c);
    }
    out
}

/// Every string value of a JSON document, one per line.
fn strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The English texts the catalogue has, worth looking for: whole sentences and words of four
/// letters or more (a shorter one, "Yes", is too often part of something else).
fn english() -> Vec<String> {
    english_catalogue().into_iter().filter(|s| s.chars().filter(|c| c.is_alphabetic()).count() >= 4 && !s.contains('{')).collect()
}

/// The English texts found in `text`: a sentence as it is, a single word as a whole word.
fn english_in(text: &str, catalogue: &[String]) -> Vec<String> {
    // Identifiers (`card_text`) are not words.
    let words: BTreeSet<&str> = text.split(|c: char| !c.is_alphanumeric() && !matches!(c, '\'' | '’' | '_')).collect();
    catalogue.iter().filter(|s| if s.contains(' ') { text.contains(s.as_str()) } else { words.contains(s.as_str()) }).cloned().collect()
}

/// The same-origin page links of a page, without the language switch, downloads and data files.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .filter(|h| {
            !h.is_empty()
                && !h.contains("lang=")
                && !h.starts_with("/assets/")
                && !h.starts_with("/api/")
                && !h.contains("/download")
                && !h.starts_with("/.well-known/")
                && !h.ends_with(".json")
                && !h.ends_with(".jsonld")
                && !h.ends_with("/pdf")
        })
        .collect()
}

/// Crawls from `seeds` with `client` (French chosen once, then remembered), up to `max`
/// pages; every page's English, by path.
async fn crawl(app: &TestApp, client: &reqwest::Client, seeds: &[String], max: usize, catalogue: &[String]) -> (Vec<String>, usize) {
    let mut queue: VecDeque<String> = seeds.iter().cloned().collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let (mut found, mut pages) = (Vec::new(), 0);
    while let Some(path) = queue.pop_front() {
        if pages >= max {
            break;
        }
        let res = client.get(app.url(&path)).header("accept", "text/html").send().await.unwrap();
        let status = res.status().as_u16();
        if (300..400).contains(&status) {
            let to = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            if to.starts_with('/') && !to.contains("lang=") && seen.insert(to.clone()) {
                queue.push_back(to);
            }
            continue;
        }
        let html_page = res.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
        if !html_page {
            continue;
        }
        let html = res.text().await.unwrap();
        pages += 1;
        if !html.contains("<html lang=\"fr\"") {
            found.push(format!("{path} ({status}): not in French (<html lang> is not fr)"));
        }
        // Proper names (of laws and signals) keep their language.
        let text =
            ["Global Privacy Control", "California Consumer Privacy Act"].iter().fold(readable(&html), |t, name| t.replace(name, ""));
        for e in english_in(&text, catalogue) {
            let at = text.find(&e).unwrap_or(0);
            let around: String = text[text.floor_char_boundary(at.saturating_sub(60))..].chars().take(140).collect();
            found.push(format!("{path} ({status}): {e:?} in …{}…", around.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
        for l in links(&html) {
            if seen.insert(l.clone()) {
                queue.push_back(l);
            }
        }
    }
    (found, pages)
}

/// A browser-like client that chose French once, on the landing page.
async fn french_browser(app: &TestApp) -> reqwest::Client {
    let c = app.browser();
    let res = c.get(app.url("/?lang=fr")).header("accept", "text/html").send().await.unwrap();
    let set = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    assert!(set.iter().any(|c| c.starts_with("cb_lang=fr;")), "the chosen language is remembered: {set:?}");
    c
}

async fn sign_in_form(app: &TestApp, c: &reqwest::Client, email: &str, password: &str) {
    let res = c.post(app.url("/signin")).form(&[("email", email), ("password", password)]).send().await.unwrap();
    assert_eq!(res.status(), 303);
}

// Acceptance 5 of issue 14: French everywhere, remembered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_crawl_of_every_page_finds_no_english() {
    let app = spawn_app(Backend::Sqlite).await;
    let catalogue = english();
    assert!(catalogue.len() > 300, "the English catalogue is whole: {}", catalogue.len());
    let (alice, _bob, board) = two_on_a_board(&app, "Atelier").await;
    let board_id = board["id"].as_str().unwrap().to_string();
    app.post_json(&format!("/api/v1/boards/{board_id}/cards"), &json!({ "kind": "text", "text": "Moins de réunions" }), Some(&alice.token))
        .await;
    let mut found = Vec::new();
    let mut total = 0;

    // A visitor: the public website, the forms, and pages nothing links to (error pages too).
    let visitor = french_browser(&app).await;
    let seeds: Vec<String> =
        ["/", "/signin", "/signup", "/join", "/events", "/trainings", "/newsletter", "/no-such-page", "/app/boards/not-a-board"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let (f, n) = crawl(&app, &visitor, &seeds, 120, &catalogue).await;
    found.extend(f.into_iter().map(|f| format!("visitor {f}")));
    total += n;

    // A member: the boards, a board, the profile, the privacy centre and what they link to.
    let member = french_browser(&app).await;
    sign_in_form(&app, &member, &alice.email, &alice.password).await;
    let seeds: Vec<String> =
        ["/app".to_string(), format!("/app/boards/{board_id}"), "/me".into(), "/me/privacy".into(), "/app/support".into()].to_vec();
    let (f, n) = crawl(&app, &member, &seeds, 120, &catalogue).await;
    found.extend(f.into_iter().map(|f| format!("member {f}")));
    total += n;

    // Staff: the consoles.
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let admin = app.new_staff("fr-admin", "Ada", Role::Admin, Some(today)).await;
    let staff = french_browser(&app).await;
    sign_in_form(&app, &staff, &admin.email, &admin.password).await;
    let seeds: Vec<String> = [
        "/staff/requests",
        "/staff/retention",
        "/staff/statistics",
        "/staff/support",
        "/staff/campaigns",
        "/staff/contracts",
        "/staff/events",
        "/staff/trainings",
        "/staff/visits",
        "/staff/recruitment",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (f, n) = crawl(&app, &staff, &seeds, 60, &catalogue).await;
    found.extend(f.into_iter().map(|f| format!("staff {f}")));
    total += n;

    eprintln!("French crawl: {total} pages, {} English texts looked for", catalogue.len());
    assert!(total >= 30, "the crawl reached {total} pages only");
    assert!(found.is_empty(), "English in French pages ({}):\n{}", found.len(), found.join("\n"));
}

/// Every code of the catalogue, as it leaves (the JSON of the API, the HTML error page) for a
/// person who chose French: the French words, nothing of the English catalogue. Then real
/// refusals of the API, in the language the cookie remembers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_code_speaks_french_when_french_was_chosen() {
    use axum::response::IntoResponse;
    use clearboard_web::platform::error::AppError;
    use clearboard_web::platform::error_page::{Asked, finish};
    let catalogue = english();
    let rid = clearboard_web::platform::request_id::RequestId("fr-test".into());
    let contact = || "privacy@example.org".to_string();
    let mut found = Vec::new();
    for code in ErrorCode::ALL {
        let fr = error_words(*code, "fr");
        for wants_page in [false, true] {
            let res = finish(AppError::new(*code).into_response(), &Asked { wants_page, lang: "fr", request_id: &rid, contact: &contact });
            let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
            let body = String::from_utf8(body.to_vec()).unwrap();
            // The JSON's words are its message (the code beside it is an identifier).
            let text = if wants_page {
                readable(&body)
            } else {
                serde_json::from_str::<Value>(&body).unwrap()["error"]["message"].as_str().unwrap_or_default().to_string()
            };
            assert!(text.contains(fr.message), "{code:?}: the French words are in {body}");
            for e in english_in(&text, &catalogue) {
                found.push(format!("{} ({}): {e:?}", code.as_str(), if wants_page { "page" } else { "json" }));
            }
        }
    }
    assert!(found.is_empty(), "English in French errors:\n{}", found.join("\n"));

    // Real refusals over HTTP: the language remembered by the cookie, not asked again.
    let app = spawn_app(Backend::Sqlite).await;
    let u = app.new_user().await;
    let c = app.http();
    let fr = |rb: reqwest::RequestBuilder| rb.header("cookie", "cb_lang=fr");
    let answers = [
        fr(c.get(app.url("/api/v1/me"))).send().await.unwrap(),
        fr(c.get(app.url("/api/v1/nothing/here"))).send().await.unwrap(),
        fr(c.put(app.url("/api/v1/me/exports")).bearer_auth(&u.token)).send().await.unwrap(),
        fr(c.post(app.url("/api/v1/orgs")).bearer_auth(&u.token).header("content-type", "application/json").body("{"))
            .send()
            .await
            .unwrap(),
        fr(c.post(app.url("/api/v1/orgs")).bearer_auth(&u.token).json(&json!({}))).send().await.unwrap(),
        fr(c.get(app.url("/api/v1/boards/0192f0c4-7a3b-7c1e-9a2b-1234567890ab")).bearer_auth(&u.token)).send().await.unwrap(),
        fr(c.post(app.url("/api/v1/sessions")).json(&json!({ "email": u.email, "password": "not the password" }))).send().await.unwrap(),
    ];
    let mut codes = Vec::new();
    for res in answers {
        let v = res.json::<Value>().await.unwrap();
        let code = v["error"]["code"].as_str().unwrap().to_string();
        let known = ErrorCode::ALL.iter().find(|c| c.as_str() == code).expect("a code of the catalogue");
        assert_eq!(v["error"]["message"], json!(error_words(*known, "fr").message), "{v}");
        assert!(english_in(v["error"]["message"].as_str().unwrap(), &catalogue).is_empty(), "{v}");
        codes.push(code);
    }
    assert_eq!(codes.len(), 7, "{codes:?}");
}
