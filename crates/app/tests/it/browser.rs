//! The web shell in real Chromium (Debian's `chromium` and `chromium-driver`): sign up through
//! the page, land on the boards, and check what the browser itself can see. Skipped when
//! Chromium is not installed, except with `CI=true`, where that is a failure (`.ci/run`
//! installs it).

use super::*;
use fantoccini::{ClientBuilder, Locator};

/// Accessibility (issue 14, acceptance 4): axe-core on every page state, a keyboard journey.
mod a11y;
/// "Pay by card" in the provider's own field (issue 15).
mod billing;
/// The board canvas (issue 14): zoom, pan, live drags and cursors.
mod canvas;
/// Facilitation on the board (issue 14, acceptance 2): timer, hidden votes, results.
mod facil;
/// French everywhere (issue 14, acceptance 5): a crawl of every page and every error in French.
mod french;
/// Undo and redo, multi-select and group moves, phones and touch (issue 14, acceptances 1, 3).
mod interact;
/// The board as a workshop tool (issue 14): templates, zones, the PNG and PDF exports.
mod workshop;
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
    // Owned by the driver at once, so a chromedriver that never answers is killed on the way out.
    let driver = Driver { child, port, profiles: std::sync::Mutex::new(Vec::new()) };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(driver);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn client(d: &Driver) -> fantoccini::Client {
    client_with(d, None).await
}

/// A browser; with `mobile`, Chromium's mobile emulation (`goog:chromeOptions.mobileEmulation`:
/// the screen's size and touch).
async fn client_with(d: &Driver, mobile: Option<Value>) -> fantoccini::Client {
    let profile = tempfile::tempdir().unwrap();
    let profile_path = profile.path().display().to_string();
    d.profiles.lock().unwrap().push(profile);
    let mut caps = serde_json::Map::new();
    let mut options = json!({
        "binary": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000", format!("--user-data-dir={profile_path}")]
    });
    if let Some(m) = mobile {
        options["mobileEmulation"] = m;
    }
    caps.insert("goog:chromeOptions".into(), options);
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
    // A first visit: the visitor answers the consent window first (refusing).
    c.find(Locator::Css("#cb-consent button[value='reject']")).await.unwrap().click().await.unwrap();
    consent_window_gone(&c).await;
    assert_eq!(c.current_url().await.unwrap(), url_of(&app, "/signup"));
    // The first-party stylesheet applies under the strict CSP.
    let bg = c.execute("return getComputedStyle(document.body).backgroundColor", vec![]).await.unwrap();
    assert_eq!(bg, json!("rgb(246, 247, 251)"));
    c.find(Locator::Id("email")).await.unwrap().send_keys(&email).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys("a browser password").await.unwrap();
    c.find(Locator::Id("first_name")).await.unwrap().send_keys(&first).await.unwrap();
    c.find(Locator::Id("last_name")).await.unwrap().send_keys("Chromium").await.unwrap();
    c.execute("document.getElementById('birth_date').value = '1990-05-01'", vec![]).await.unwrap();
    c.find(Locator::Css("form[action='/signup'] button[type=submit]")).await.unwrap().click().await.unwrap();

    if app.signs_up_by_mail() {
        // Check your mailbox (issue 11): the emailed link's fragment holds the token; the page's
        // script puts it in the form and takes it out of the address bar.
        c.wait().for_element(Locator::Id("check-mailbox")).await.unwrap();
        let token = app.activation_token(&email).await.expect("an activation email");
        c.goto(&format!("{}#token={token}", app.url("/activate"))).await.unwrap();
        c.wait().for_element(Locator::Css("form#activate")).await.unwrap();
        let value = c.execute("return document.getElementById('token').value", vec![]).await.unwrap();
        assert_eq!(value, json!(token));
        assert_eq!(c.execute("return window.location.hash", vec![]).await.unwrap(), json!(""), "the token leaves the address bar");
        c.find(Locator::Css("form#activate button[type=submit]")).await.unwrap().click().await.unwrap();
        c.wait().for_url(&url_of(&app, "/signin?notice=activated")).await.unwrap();
        c.find(Locator::Id("email")).await.unwrap().send_keys(&email).await.unwrap();
        c.find(Locator::Id("password")).await.unwrap().send_keys("a browser password").await.unwrap();
        c.find(Locator::Css("form[action='/signin'] button[type=submit]")).await.unwrap().click().await.unwrap();
    }
    // Signed in, on their boards (issue 14); the profile holds what they gave.
    c.wait().for_url(&url_of(&app, "/app")).await.unwrap();
    c.goto(&app.url("/me")).await.unwrap();
    let text = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(text.contains("Your profile"));
    let name = c.find(Locator::Id("first_name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some(first.as_str()));
    // The session cookie is invisible to scripts; nothing is kept in browser storage.
    assert_eq!(c.execute("return document.cookie", vec![]).await.unwrap(), json!(""));
    assert_eq!(c.execute("return localStorage.length + sessionStorage.length", vec![]).await.unwrap(), json!(0));
    let mut cookies = c.get_all_cookies().await.unwrap();
    cookies.sort_by(|a, b| a.name().cmp(b.name()));
    assert_eq!(
        cookies.iter().map(|k| k.name()).collect::<Vec<_>>(),
        vec!["cb_consent", "cb_device", "cb_session"],
        "the choice, the device and the session: {cookies:?}"
    );
    assert!(cookies.iter().all(|k| k.http_only() == Some(true)));

    // Sign out from the header: back on the landing page, signed out.
    c.find(Locator::Css("header form[action='/signout'] button")).await.unwrap().click().await.unwrap();
    c.wait().for_url(&url_of(&app, "/")).await.unwrap();
    assert!(c.find(Locator::Css("a[href='/signin']")).await.is_ok());
    // Clear-Site-Data: the browser forgets everything for this site, the cookie choice too (on a
    // shared computer the next person makes their own); the window asks again.
    assert!(c.get_all_cookies().await.unwrap().is_empty());
    assert!(c.find(Locator::Id("cb-consent")).await.is_ok());
    c.close().await.unwrap();
    clearboard_testkit::logs::assert_clean(&[first, email]);
}

/// Waits (up to 10 s) until the page has loaded without the consent window once a choice was
/// clicked, and fails if it stays. The choice comes back to the same address: waiting for the
/// URL would return before the new page has loaded (and the next lookup could find the old
/// page's elements, or go to another page before the choice's cookie is set).
async fn consent_window_gone(c: &fantoccini::Client) {
    let gone = "document.readyState === 'complete' && !document.getElementById('cb-consent')";
    assert!(wait_for(c, gone, std::time::Duration::from_secs(10)).await.is_some(), "the consent window is still there once chosen");
}

/// Refuses the consent window if it shows (by script, where clicking it is not what is tested)
/// and waits until the page is back without it.
async fn refuse_cookies(c: &fantoccini::Client) {
    let js = "const b = document.querySelector(\"#cb-consent button[value='reject']\"); if (b) { b.click(); } return true;";
    c.execute(js, vec![]).await.unwrap();
    consent_window_gone(c).await;
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
    c.wait().for_url(&url_of(app, "/app")).await.unwrap();
}

/// Alice and Bob, members of one organisation, and a board of it that Alice facilitates (its
/// JSON as created).
async fn two_on_a_board(app: &TestApp, title: &str) -> (clearboard_testkit::spawn::TestUser, clearboard_testkit::spawn::TestUser, Value) {
    let alice = app.new_user().await;
    let bob = app.new_user().await;
    let org = app.post_json("/api/v1/orgs", &json!({ "name": "Workshop" }), Some(&alice.token)).await.json::<Value>().await.unwrap();
    let org = org["id"].as_str().unwrap().to_string();
    super::boards::invite_into(app, &alice, &org, &bob, "member").await;
    let board = app.post_json("/api/v1/boards", &json!({ "title": title, "org_id": org }), Some(&alice.token)).await;
    (alice, bob, board.json::<Value>().await.unwrap())
}

fn card_with_text(text: &str) -> String {
    format!(
        "Array.from(document.querySelectorAll('.idea')).find(e => {{ const b = e.querySelector('.body'); return b && b.textContent === {} }})",
        serde_json::to_string(text).unwrap()
    )
}

/// Acceptance 1 of the boards issue: in real Chromium, two signed-in users and one anonymous
/// participant on one board each see a new card, a move and an edit from the others within
/// one second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_people_see_each_others_changes_live() {
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let (alice, bob, board) = two_on_a_board(&app, "Live board").await;
    let (board_id, code) = (board["id"].as_str().unwrap().to_string(), board["join_code"].as_str().unwrap().to_string());

    let ca = client(&d).await;
    let cb = client(&d).await;
    let cp = client(&d).await;
    sign_in_page(&ca, &app, &alice.email, &alice.password).await;
    sign_in_page(&cb, &app, &bob.email, &bob.password).await;
    ca.goto(&app.url(&format!("/app/boards/{board_id}"))).await.unwrap();
    cb.goto(&app.url(&format!("/app/boards/{board_id}"))).await.unwrap();
    // The participant joins by link, with a pseudonym, without an account.
    cp.goto(&app.url(&format!("/join#{code}"))).await.unwrap();
    cp.find(Locator::Id("pseudonym")).await.unwrap().send_keys("Guest Otter").await.unwrap();
    cp.find(Locator::Css("form[action='/join'] button")).await.unwrap().click().await.unwrap();
    // Their recovery code is shown once (issue 13), then they continue to the board.
    cp.wait().for_element(Locator::Id("recovery-code")).await.unwrap();
    cp.find(Locator::Css(&format!("a[href='/app/boards/{board_id}']"))).await.unwrap().click().await.unwrap();
    cp.wait().for_url(&url_of(&app, &format!("/app/boards/{board_id}"))).await.unwrap();
    let clients = [("alice", &ca), ("bob", &cb), ("participant", &cp)];
    for (who, c) in clients {
        assert!(wait_for(c, "document.getElementById('board-title').textContent === 'Live board' && document.getElementById('status').textContent !== ''", std::time::Duration::from_secs(10)).await.is_some(), "{who}'s board did not load");
    }
    assert!(
        wait_for(&ca, "document.querySelectorAll('#presence li').length === 3", std::time::Duration::from_secs(5)).await.is_some(),
        "presence shows the three of them"
    );

    let limit = std::time::Duration::from_secs(1);
    let mut worst = std::time::Duration::ZERO;
    for (who, c) in clients {
        let text = format!("idea from {who}");
        // A new card, added through the form.
        c.find(Locator::Id("card-text")).await.unwrap().send_keys(&text).await.unwrap();
        c.find(Locator::Id("add-card-button")).await.unwrap().click().await.unwrap();
        assert!(wait_for(c, &card_with_text(&text), std::time::Duration::from_secs(5)).await.is_some(), "{who} sees their own card");
        for (other, o) in clients.iter().filter(|(n, _)| *n != who) {
            let t = wait_for(o, &card_with_text(&text), limit)
                .await
                .unwrap_or_else(|| panic!("{other} did not see {who}'s new card within 1 s"));
            worst = worst.max(t);
        }
        // A move, with the keyboard (arrow keys move the focused idea).
        let left: String =
            c.execute(&format!("return {}.style.left", card_with_text(&text)), vec![]).await.unwrap().as_str().unwrap().to_string();
        let x: i64 = left.trim_end_matches("px").parse().unwrap();
        c.execute(&format!("{}.focus()", card_with_text(&text)), vec![]).await.unwrap();
        c.active_element().await.unwrap().send_keys(&fantoccini::key::Key::Right.to_string()).await.unwrap();
        let moved = format!("({c}) && ({c}).style.left === '{}px'", x + 10, c = card_with_text(&text));
        assert!(wait_for(c, &moved, std::time::Duration::from_secs(2)).await.is_some());
        for (other, o) in clients.iter().filter(|(n, _)| *n != who) {
            let t = wait_for(o, &moved, limit + std::time::Duration::from_millis(150))
                .await
                .unwrap_or_else(|| panic!("{other} did not see {who}'s move within 1 s"));
            worst = worst.max(t.saturating_sub(std::time::Duration::from_millis(150)));
        }
        // An edit, through the card's Edit button.
        let edited = format!("{text}, edited");
        let edit_btn = format!(
            "Array.from(({}).querySelectorAll('.actions button')).find(b => b.textContent === 'Edit').click()",
            card_with_text(&text)
        );
        c.execute(&edit_btn, vec![]).await.unwrap();
        let ta = c.find(Locator::Css(".idea .edit textarea")).await.unwrap();
        ta.clear().await.unwrap();
        ta.send_keys(&edited).await.unwrap();
        c.find(Locator::Css(".idea .edit button.save")).await.unwrap().click().await.unwrap();
        assert!(wait_for(c, &card_with_text(&edited), std::time::Duration::from_secs(3)).await.is_some(), "{who} sees their own edit");
        for (other, o) in clients.iter().filter(|(n, _)| *n != who) {
            let t =
                wait_for(o, &card_with_text(&edited), limit).await.unwrap_or_else(|| panic!("{other} did not see {who}'s edit within 1 s"));
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

/// Presses and releases one key, as a keyboard would (WebDriver actions).
async fn press(c: &fantoccini::Client, key: fantoccini::key::Key) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let k: char = key.into();
    let actions = KeyActions::new("keyboard".into()).then(KeyAction::Down { value: k }).then(KeyAction::Up { value: k });
    c.perform_actions(actions).await.unwrap();
}

/// The public pages a visitor can land on before choosing anything.
const PUBLIC_PAGES: &[&str] = &["/", "/privacy", "/cookies", "/trust", "/signin", "/signup", "/join", "/privacy/history"];

/// What the browser itself holds for this site: cookies (including HttpOnly ones, as WebDriver
/// sees them), local and session storage, IndexedDB databases, and any resource fetched from
/// another origin.
async fn browser_storage(c: &fantoccini::Client) -> (Vec<String>, Value) {
    let cookies = c.get_all_cookies().await.unwrap().iter().map(|c| c.name().to_string()).collect();
    let storage = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const foreign = performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin + '/'));
             const dbs = indexedDB.databases ? indexedDB.databases() : Promise.resolve([]);
             dbs.then(d => done({ local: localStorage.length, session: sessionStorage.length, idb: d.length, foreign, scripts: document.scripts.length }));",
            vec![],
        )
        .await
        .unwrap();
    (cookies, storage)
}

/// Acceptance 1 of the consent issue, in real Chromium: before a choice no public page stores
/// anything or loads anything from elsewhere; "Accept all" is one click and sets an analytics
/// cookie of at most 13 months that a visit a month later does not extend; in a fresh profile
/// "Reject all" is one click and no analytics cookie ever appears. Both buttons look the same.
// C-COOK-2, C-COOK-3
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_window_in_a_real_browser() {
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let c = client(&d).await;
    for path in PUBLIC_PAGES {
        c.goto(&app.url(path)).await.unwrap();
        assert!(c.find(Locator::Id("cb-consent")).await.is_ok(), "{path}: the consent window shows");
        let (cookies, storage) = browser_storage(&c).await;
        assert!(cookies.is_empty(), "{path}: cookies before any choice: {cookies:?}");
        assert_eq!(storage, json!({ "local": 0, "session": 0, "idb": 0, "foreign": [], "scripts": storage["scripts"] }), "{path}");
        assert!(storage["foreign"].as_array().unwrap().is_empty());
    }
    // Refusing is exactly as visible as accepting: same size, colours and font.
    let style = "const s = getComputedStyle(arguments[0]); const r = arguments[0].getBoundingClientRect();
                 return [s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.borderStyle, s.padding, Math.round(r.height), Math.round(r.width / 4)];";
    let reject = c.find(Locator::Css("#cb-consent button[value='reject']")).await.unwrap();
    let accept = c.find(Locator::Css("#cb-consent button[value='accept']")).await.unwrap();
    let rs = c.execute(style, vec![serde_json::to_value(&reject).unwrap()]).await.unwrap();
    let as_ = c.execute(style, vec![serde_json::to_value(&accept).unwrap()]).await.unwrap();
    assert_eq!(rs, as_, "reject and accept look alike");
    assert!(reject.is_displayed().await.unwrap() && accept.is_displayed().await.unwrap());

    // One click on "Accept all" (from /privacy/history: we come back to it).
    accept.click().await.unwrap();
    consent_window_gone(&c).await;
    assert_eq!(c.current_url().await.unwrap(), url_of(&app, "/privacy/history"));
    let cookies = c.get_all_cookies().await.unwrap();
    let aid = cookies.iter().find(|k| k.name() == "cb_aid").expect("analytics cookie after accepting").clone();
    assert!(aid.http_only().unwrap_or(false));
    let expiry =
        |k: &fantoccini::cookies::Cookie<'_>| k.expires().and_then(|e| e.datetime()).expect("a persistent cookie").unix_timestamp();
    #[allow(clippy::disallowed_methods)]
    let wall = time::OffsetDateTime::now_utc().unix_timestamp();
    let first_expiry = expiry(&aid);
    assert!(first_expiry - wall <= 395 * 86_400 + 60, "the analytics cookie lives at most 13 months");
    assert!(first_expiry - wall > 300 * 86_400, "and it is persistent");
    let consent = cookies.iter().find(|k| k.name() == "cb_consent").unwrap();
    assert!(expiry(consent) - wall <= 183 * 86_400 + 60);
    assert_eq!(cookies.len(), 2, "only the two declared cookies");
    assert_eq!(app.state.cb.navigation().count_of(aid.value()).await.unwrap(), 1);

    // A month later (server clock) the visit is counted, and the cookie is not extended.
    app.clock.advance(30 * clearboard_core::platform::clock::DAY);
    c.goto(&app.url("/trust")).await.unwrap();
    let later = c.get_all_cookies().await.unwrap();
    let aid_later = later.iter().find(|k| k.name() == "cb_aid").unwrap();
    assert_eq!((aid_later.value(), expiry(aid_later)), (aid.value(), first_expiry), "never refreshed");
    assert_eq!(app.state.cb.navigation().count_of(aid.value()).await.unwrap(), 2);
    let (_, storage) = browser_storage(&c).await;
    assert_eq!((storage["local"].as_u64(), storage["idb"].as_u64()), (Some(0), Some(0)));
    assert!(storage["foreign"].as_array().unwrap().is_empty(), "nothing from another origin, even with consent");
    c.close().await.unwrap();

    // A fresh profile: one click on "Reject all"; no analytics cookie on any page afterwards.
    let c = client(&d).await;
    c.goto(&app.url("/")).await.unwrap();
    c.find(Locator::Css("#cb-consent button[value='reject']")).await.unwrap().click().await.unwrap();
    consent_window_gone(&c).await;
    assert_eq!(c.current_url().await.unwrap(), url_of(&app, "/"));
    for path in PUBLIC_PAGES {
        c.goto(&app.url(path)).await.unwrap();
        let names: Vec<String> = c.get_all_cookies().await.unwrap().iter().map(|k| k.name().to_string()).collect();
        assert_eq!(names, vec!["cb_consent".to_string()], "{path}");
        assert_eq!(c.find(Locator::Id("cb-consent")).await.is_ok(), *path == "/cookies", "{path}: the window only on the cookies page");
    }
    // By keyboard alone, in a fresh profile: the window comes first in the tab order (before the
    // page), refusing comes before accepting, and Enter chooses.
    c.close().await.unwrap();
    let c = client(&d).await;
    c.goto(&app.url("/join")).await.unwrap();
    let mut order = Vec::new();
    for _ in 0..8 {
        press(&c, fantoccini::key::Key::Tab).await;
        let label = c.execute("const e = document.activeElement; return (e.closest('#cb-consent') ? 'window:' : 'page:') + (e.value || e.textContent.trim())", vec![]).await.unwrap();
        let label = label.as_str().unwrap().to_string();
        order.push(label.clone());
        if label == "window:reject" {
            break;
        }
    }
    assert!(order.iter().all(|l| l.starts_with("window:")), "the window is reached before anything on the page: {order:?}");
    assert_eq!(order.last().map(String::as_str), Some("window:reject"), "{order:?}");
    press(&c, fantoccini::key::Key::Enter).await;
    // The choice posts and comes back to the same page: its URL is already /join, so wait for the
    // page without the window (cookies were read before the answer set them, once, on CI).
    consent_window_gone(&c).await;
    c.wait().for_url(&url_of(&app, "/join")).await.unwrap();
    let names: Vec<String> = c.get_all_cookies().await.unwrap().iter().map(|k| k.name().to_string()).collect();
    assert_eq!(names, vec!["cb_consent".to_string()]);
    assert!(c.find(Locator::Id("cb-consent")).await.is_err());
    // Closing the window in another fresh profile also refuses.
    c.close().await.unwrap();
    let c = client(&d).await;
    c.goto(&app.url("/signup")).await.unwrap();
    c.find(Locator::Css("#cb-consent button[value='close']")).await.unwrap().click().await.unwrap();
    consent_window_gone(&c).await;
    c.goto(&app.url("/")).await.unwrap();
    let names: Vec<String> = c.get_all_cookies().await.unwrap().iter().map(|k| k.name().to_string()).collect();
    assert_eq!(names, vec!["cb_consent".to_string()]);
    c.close().await.unwrap();
}
