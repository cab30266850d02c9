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
    _profile: tempfile::TempDir,
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
            return Some(Driver { child, port, _profile: tempfile::tempdir().unwrap() });
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn client(d: &Driver) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--user-data-dir={}", d._profile.path().display())]
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
