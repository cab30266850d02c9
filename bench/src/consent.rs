//! The consent window's weight and time to interactive, next to two widely used consent
//! managers installed from npm at bench time: vanilla-cookieconsent 3.1.0 and Klaro 0.7.22.
//!
//! Weight: ours is the `<section id="cb-consent">` that the server puts into a page for a
//! visitor who has not chosen yet, plus the rules of the served `app.css` whose selector
//! mentions `consent`; no script. The peers' weight is the files a site must ship. Sizes are
//! raw and gzip level 9 (flate2), each file compressed on its own.
//!
//! Time to interactive in headless Chromium, fresh profile per run: the same probe (a
//! MutationObserver injected through the DevTools protocol before any page script runs, so it
//! also works under clearboard's strict CSP) records when the window's reject button is in the
//! DOM and the first animation frame in which it is displayed. For ours, the navigation
//! timing's `domInteractive` and `domContentLoadedEventEnd` are reported too.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::header;
use clearboard_core::platform::clock::{Clock, SystemClock};
use serde_json::{Value, json};

const VCC: &str = "vanilla-cookieconsent";
const VCC_VERSION: &str = "3.1.0";
const KLARO: &str = "klaro";
const KLARO_VERSION: &str = "0.7.22";
/// The goal from the issue: at most 5 KB (5,000 bytes) gzip, JS + CSS.
const GOAL_BYTES: usize = 5_000;

/// The reject button of each window: what a visitor must be able to click.
const OURS_SELECTOR: &str = "#cb-consent button[value='reject']";
const VCC_SELECTOR: &str = "#cc-main .cm__btn[data-role='necessary']";
const KLARO_SELECTOR: &str = ".klaro .cookie-notice .cn-decline";

fn gzip9(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

/// `npm pack` of one package into `bench/.peers/consent/`, unpacked beside it (once).
fn ensure_peer(name: &str, version: &str) -> PathBuf {
    let root = super::repo_root().join("bench/.peers/consent");
    let dir = root.join(format!("{name}-{version}"));
    if !dir.join("package.json").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let tgz = root.join(format!("{name}-{version}.tgz"));
        if !tgz.exists() {
            let ok = Command::new("npm")
                .current_dir(&root)
                .args(["pack", "--silent", &format!("{name}@{version}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok && tgz.exists(), "npm pack {name}@{version} failed (needs npm and the npm registry)");
        }
        let ok =
            Command::new("tar").arg("-xzf").arg(&tgz).arg("-C").arg(&dir).arg("--strip-components=1").status().is_ok_and(|s| s.success());
        assert!(ok, "could not unpack {}", tgz.display());
    }
    let pkg: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    assert_eq!(pkg["version"], json!(version), "{} holds another version of {name}", dir.display());
    dir
}

fn file_sizes(dir: &Path, files: &[&str]) -> (Vec<Value>, usize, usize) {
    let (mut rows, mut raw, mut gz) = (Vec::new(), 0, 0);
    for f in files {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        let g = gzip9(&bytes);
        raw += bytes.len();
        gz += g;
        rows.push(json!({ "file": f, "raw_bytes": bytes.len(), "gzip_bytes": g }));
    }
    (rows, raw, gz)
}

/// The rules of a stylesheet whose selector mentions `consent` (inside at-rules too), as served.
fn consent_rules(css: &str) -> Vec<String> {
    let mut clean = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        clean.push_str(&rest[..i]);
        rest = rest[i + 2..].find("*/").map_or("", |j| &rest[i + 2 + j + 2..]);
    }
    clean.push_str(rest);
    select_rules(&clean)
}

fn select_rules(css: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut open) = (0usize, 0usize, 0usize);
    for (i, c) in css.char_indices() {
        match c {
            '{' => {
                if depth == 0 {
                    open = i;
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let prelude = css[start..open].trim();
                    let body = &css[open + 1..i];
                    if prelude.starts_with('@') && body.contains('{') {
                        let inner = select_rules(body);
                        if !inner.is_empty() {
                            out.push(format!("{prelude} {{\n{}\n}}", inner.join("\n")));
                        }
                    } else if prelude.contains("consent") {
                        out.push(css[start..=i].trim().to_string());
                    }
                    start = i + 1;
                }
            }
            ';' if depth == 0 => start = i + 1,
            _ => {}
        }
    }
    out
}

/// clearboard in this process, on a fresh data directory (as the sign-in bench does).
async fn start_clearboard() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config =
        clearboard_app::Config { data_dir: dir.path().join("data"), public_url: Some(format!("http://{addr}")), ..Default::default() };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = clearboard_app::build(&config, clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await.unwrap();
    let state = app.state.clone();
    tokio::spawn(async move { clearboard_app::serve(state, listener, std::future::pending()).await });
    (dir, format!("http://{addr}"))
}

async fn ours_weight(base: &str) -> Value {
    let http = reqwest::Client::new();
    let res = http.get(format!("{base}/")).header("accept-language", "en").header("accept-encoding", "gzip, br").send().await.unwrap();
    assert!(res.status().is_success());
    let encoding = res.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("identity").to_string();
    let page = res.text().await.unwrap();
    let start = page.find("<section id=\"cb-consent\"").expect("the consent window is on a first visit's page");
    let end = start + page[start..].find("</section>").unwrap() + "</section>".len();
    let html = &page[start..end];
    assert!(html.contains("Reject all") && !html.contains("<script"), "an English window without script");
    let css = http.get(format!("{base}/assets/app.css")).send().await.unwrap().text().await.unwrap();
    let rules = consent_rules(&css);
    let css_part = rules.join("\n");
    let (hr, hg, cr, cg) = (html.len(), gzip9(html.as_bytes()), css_part.len(), gzip9(css_part.as_bytes()));
    // What the window adds to the compressed page and stylesheet it lives in (if they were
    // served compressed): the difference with the same text without it.
    let page_without = format!("{}{}", &page[..start], &page[end..]);
    let css_without = rules.iter().fold(css.clone(), |acc, r| acc.replacen(r.as_str(), "", 1));
    json!({
        "html_raw_bytes": hr, "html_gzip_bytes": hg,
        "css_raw_bytes": cr, "css_gzip_bytes": cg, "css_rules": rules.len(),
        "js_raw_bytes": 0, "js_gzip_bytes": 0,
        "total_raw_bytes": hr + cr, "total_gzip_bytes": hg + cg,
        "page_raw_bytes": page.len(), "page_gzip_bytes": gzip9(page.as_bytes()),
        "html_marginal_gzip_bytes": gzip9(page.as_bytes()) - gzip9(page_without.as_bytes()),
        "app_css_raw_bytes": css.len(), "app_css_gzip_bytes": gzip9(css.as_bytes()),
        "css_marginal_gzip_bytes": gzip9(css.as_bytes()) - gzip9(css_without.as_bytes()),
        "served_content_encoding": encoding,
    })
}

// ---------------------------------------------------------------------------------------------
// Time to interactive

/// Injected before any script of the page: when the button first is in the DOM, then the first
/// animation frame in which it is displayed (not `display: none`, not `visibility: hidden`).
fn probe(selector: &str) -> String {
    format!(
        r#"(() => {{
  const sel = {sel};
  const frame = () => {{
    const b = document.querySelector(sel);
    if (b && b.checkVisibility({{ visibilityProperty: true }}) && b.getBoundingClientRect().width > 0) {{ window.__cbShown = performance.now(); return; }}
    requestAnimationFrame(frame);
  }};
  const obs = new MutationObserver(() => {{
    if (window.__cbReady === undefined && document.querySelector(sel)) {{
      window.__cbReady = performance.now();
      obs.disconnect();
      requestAnimationFrame(frame);
    }}
  }});
  obs.observe(document, {{ childList: true, subtree: true }});
}})();"#,
        sel = json!(selector)
    )
}

fn vcc_page() -> String {
    r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vanilla-cookieconsent</title>
<link rel="stylesheet" href="/vcc/cookieconsent.css">
</head>
<body>
<h1>A page</h1>
<p>With vanilla-cookieconsent, configured for one optional purpose.</p>
<script src="/vcc/cookieconsent.umd.js"></script>
<script>
CookieConsent.run({
  hideFromBots: false,
  categories: { necessary: { enabled: true, readOnly: true }, analytics: {} },
  language: { default: 'en', translations: { en: {
    consentModal: { title: 'Cookies', description: 'We use essential cookies to run this site. With your permission we would also count visits.', acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all' },
    preferencesModal: { title: 'Settings', sections: [] }
  } } }
});
</script>
</body>
</html>"#
        .to_string()
}

fn klaro_page() -> String {
    r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Klaro</title>
<script>
window.klaroConfig = {
  version: 1,
  mustConsent: false,
  acceptAll: true,
  privacyPolicy: '/privacy',
  translations: { en: {
    purposes: { analytics: 'Analytics' },
    analytics: { title: 'Analytics', description: 'Counts visits.' }
  } },
  services: [ { name: 'analytics', purposes: ['analytics'], cookies: ['_pk_id'], default: false } ]
};
</script>
<script defer src="/klaro/klaro.js"></script>
</head>
<body>
<h1>A page</h1>
<p>With Klaro, configured for one optional service.</p>
</body>
</html>"#
        .to_string()
}

/// The peers' pages and files, from memory, on a local port.
async fn start_peer_server(vcc: &Path, klaro: &Path) -> String {
    use axum::response::IntoResponse;
    use axum::routing::get;
    fn serve(body: Vec<u8>, mime: &'static str) -> axum::routing::MethodRouter {
        let body = axum::body::Bytes::from(body);
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "no-store")], body).into_response() }
        })
    }
    let read = |p: PathBuf| std::fs::read(p).unwrap();
    let app = axum::Router::new()
        .route("/vcc/", serve(vcc_page().into_bytes(), "text/html; charset=utf-8"))
        .route("/vcc/cookieconsent.umd.js", serve(read(vcc.join("dist/cookieconsent.umd.js")), "text/javascript"))
        .route("/vcc/cookieconsent.css", serve(read(vcc.join("dist/cookieconsent.css")), "text/css"))
        .route("/klaro/", serve(klaro_page().into_bytes(), "text/html; charset=utf-8"))
        .route("/klaro/klaro.js", serve(read(klaro.join("dist/klaro.js")), "text/javascript"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn version_of(bin: &str) -> Option<String> {
    let out = Command::new(bin).arg("--version").stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

async fn driver() -> Option<Driver> {
    let port = super::free_port();
    let child = Command::new("chromedriver").arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()?;
    let d = Driver { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(d);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// One page load in a fresh browser with a fresh profile; `None` if the window never showed.
async fn measure(d: &Driver, url: &str, selector: &str) -> Option<Value> {
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1400,1000", format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let wd = format!("http://127.0.0.1:{}", d.port);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = fantoccini::ClientBuilder::new(connector).capabilities(caps).connect(&wd).await.expect("WebDriver session");
    let sid = c.session_id().await.unwrap().unwrap();
    let res = reqwest::Client::new()
        .post(format!("{wd}/session/{sid}/goog/cdp/execute"))
        .json(&json!({ "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": { "source": probe(selector) } }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "chromedriver refused the DevTools command: {}", res.text().await.unwrap_or_default());
    c.goto(url).await.unwrap();
    let started = Instant::now();
    let mut out: Option<Value> = None;
    let mut shown_at = None;
    while started.elapsed() < Duration::from_secs(10) {
        let v = c
            .execute(
                "const n = performance.getEntriesByType('navigation')[0];
                 const p = performance.getEntriesByName('first-contentful-paint')[0];
                 return { ready: window.__cbReady ?? null, shown: window.__cbShown ?? null,
                          dom_interactive: n.domInteractive, dcl_end: n.domContentLoadedEventEnd,
                          load_end: n.loadEventEnd, fcp: p ? p.startTime : null };",
                vec![],
            )
            .await
            .unwrap();
        if !v["shown"].is_null() {
            // The paint entry is reported a little after the frame: wait for it, briefly.
            let since = *shown_at.get_or_insert_with(Instant::now);
            let done = !v["fcp"].is_null() || since.elapsed() > Duration::from_secs(2);
            out = Some(v);
            if done {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if out.is_some() {
        // What the probe saw is what WebDriver sees: the button is there and displayed.
        let b = c.find(fantoccini::Locator::Css(selector)).await.unwrap();
        assert!(b.is_displayed().await.unwrap(), "{selector} is not displayed on {url}");
    } else {
        eprintln!("consent: {selector} was not displayed within 10 s on {url}");
    }
    c.close().await.unwrap();
    drop(profile);
    out
}

/// Nearest-rank percentile.
fn pct(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rank = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

fn stats(samples: &[Value], key: &str) -> Value {
    let v: Vec<f64> = samples.iter().filter_map(|s| s[key].as_f64()).collect();
    if v.is_empty() {
        return Value::Null;
    }
    json!({ "median_ms": pct(&v, 0.5), "p90_ms": pct(&v, 0.9), "n": v.len() })
}

struct Target {
    key: &'static str,
    url: String,
    selector: &'static str,
    samples: Vec<Value>,
}

async fn time_to_interactive(base: &str, peers: &str, runs: usize) -> Value {
    let (Some(chromium), Some(chromedriver)) = (version_of("/usr/bin/chromium"), version_of("chromedriver")) else {
        println!(
            "consent: Chromium or chromedriver is not installed (apt-get install chromium chromium-driver): time to interactive not measured"
        );
        return Value::Null;
    };
    let Some(d) = driver().await else {
        println!("consent: chromedriver did not start: time to interactive not measured");
        return Value::Null;
    };
    let mut targets = [
        Target { key: "clearboard", url: format!("{base}/"), selector: OURS_SELECTOR, samples: vec![] },
        Target { key: "vanilla_cookieconsent", url: format!("{peers}/vcc/"), selector: VCC_SELECTOR, samples: vec![] },
        Target { key: "klaro", url: format!("{peers}/klaro/"), selector: KLARO_SELECTOR, samples: vec![] },
    ];
    // One unrecorded load each (disk caches of the browser binary), then rounds in a rotating
    // order so that drift on this shared machine hits all three alike.
    for t in &targets {
        let _ = measure(&d, &t.url, t.selector).await;
    }
    for round in 0..runs {
        for k in 0..targets.len() {
            let t = &mut targets[(round + k) % 3];
            if let Some(v) = measure(&d, &t.url, t.selector).await {
                t.samples.push(v);
            }
        }
    }
    let mut out = serde_json::Map::new();
    for t in &targets {
        out.insert(
            t.key.into(),
            json!({
                "url_path": t.url.split_once("//").and_then(|(_, r)| r.split_once('/')).map(|(_, p)| format!("/{p}")),
                "selector": t.selector,
                "button_in_dom": stats(&t.samples, "ready"),
                "button_displayed": stats(&t.samples, "shown"),
                "dom_interactive": stats(&t.samples, "dom_interactive"),
                "dom_content_loaded_end": stats(&t.samples, "dcl_end"),
                "load_event_end": stats(&t.samples, "load_end"),
                "first_contentful_paint": stats(&t.samples, "fcp"),
                "samples": t.samples,
            }),
        );
    }
    json!({ "chromium": chromium, "chromedriver": chromedriver, "runs": runs, "per_target": out })
}

fn med(tti: &Value, key: &str, what: &str) -> Option<f64> {
    tti["per_target"][key][what]["median_ms"].as_f64()
}

fn p90(tti: &Value, key: &str, what: &str) -> Option<f64> {
    tti["per_target"][key][what]["p90_ms"].as_f64()
}

pub async fn run() -> Value {
    let runs: usize = std::env::var("CONSENT_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let vcc = ensure_peer(VCC, VCC_VERSION);
    let klaro = ensure_peer(KLARO, KLARO_VERSION);
    let (_data, base) = start_clearboard().await;
    super::wait_http(&format!("{base}/readyz")).await;

    // Weight.
    let ours = ours_weight(&base).await;
    let ours_gz = ours["total_gzip_bytes"].as_u64().unwrap() as usize;
    let vcc_files = ["dist/cookieconsent.umd.js", "dist/cookieconsent.css"];
    let klaro_files = ["dist/klaro.js"];
    let (vcc_rows, vcc_raw, vcc_gz) = file_sizes(&vcc, &vcc_files);
    let (klaro_rows, klaro_raw, klaro_gz) = file_sizes(&klaro, &klaro_files);
    // For reference only: Klaro's variants without translations and without CSS.
    let (_, klaro_nt_raw, klaro_nt_gz) = file_sizes(&klaro, &["dist/klaro-no-translations.js"]);
    let (_, klaro_nc_raw, klaro_nc_gz) = file_sizes(&klaro, &["dist/klaro-no-css.js", "dist/klaro.min.css"]);
    println!("consent weight (gzip -9)     {:>7} {:>8} {:>8} {:>8} {:>10}", "HTML", "CSS", "JS", "total", "ratio");
    println!(
        "clearboard (baseline)        {:>7} {:>8} {:>8} {:>8} {:>10}",
        ours["html_gzip_bytes"].as_u64().unwrap(),
        ours["css_gzip_bytes"].as_u64().unwrap(),
        0,
        ours_gz,
        "1.00"
    );
    let vcc_js_gz = vcc_rows[0]["gzip_bytes"].as_u64().unwrap();
    let vcc_css_gz = vcc_rows[1]["gzip_bytes"].as_u64().unwrap();
    println!(
        "vanilla-cookieconsent {VCC_VERSION}  {:>7} {:>8} {:>8} {:>8} {:>10.1}",
        "-",
        vcc_css_gz,
        vcc_js_gz,
        vcc_gz,
        vcc_gz as f64 / ours_gz as f64
    );
    println!(
        "klaro {KLARO_VERSION}                 {:>7} {:>8} {:>8} {:>8} {:>10.1}",
        "-",
        "(in JS)",
        klaro_gz,
        klaro_gz,
        klaro_gz as f64 / ours_gz as f64
    );
    println!(
        "raw: clearboard {} B, vanilla-cookieconsent {vcc_raw} B, klaro {klaro_raw} B; goal <= {GOAL_BYTES} B gzip: {}",
        ours["total_raw_bytes"],
        if ours_gz <= GOAL_BYTES { "met" } else { "NOT met" }
    );

    // Time to interactive.
    let peers = start_peer_server(&vcc, &klaro).await;
    let tti = time_to_interactive(&base, &peers, runs).await;
    let mut ratios = serde_json::Map::new();
    if !tti.is_null() {
        let ours_di = med(&tti, "clearboard", "dom_interactive").unwrap_or(f64::NAN);
        let ours_ready = med(&tti, "clearboard", "button_in_dom").unwrap_or(f64::NAN);
        let ours_shown = med(&tti, "clearboard", "button_displayed").unwrap_or(f64::NAN);
        println!("time to interactive in Chromium, {runs} runs each, fresh profile each; median / p90 ms; ratio to clearboard's median");
        println!(
            "clearboard: domInteractive {:.1} / {:.1}; domContentLoadedEventEnd {:.1} / {:.1}",
            ours_di,
            p90(&tti, "clearboard", "dom_interactive").unwrap_or(f64::NAN),
            med(&tti, "clearboard", "dom_content_loaded_end").unwrap_or(f64::NAN),
            p90(&tti, "clearboard", "dom_content_loaded_end").unwrap_or(f64::NAN)
        );
        for key in ["clearboard", "vanilla_cookieconsent", "klaro"] {
            let (r, s) = (med(&tti, key, "button_in_dom").unwrap_or(f64::NAN), med(&tti, key, "button_displayed").unwrap_or(f64::NAN));
            println!(
                "{key:<22} reject button in DOM {r:>7.1} / {:>7.1} (x{:.2})   displayed {s:>7.1} / {:>7.1} (x{:.2})",
                p90(&tti, key, "button_in_dom").unwrap_or(f64::NAN),
                r / ours_ready,
                p90(&tti, key, "button_displayed").unwrap_or(f64::NAN),
                s / ours_shown
            );
            ratios.insert(
                key.into(),
                json!({ "button_in_dom": r / ours_ready, "button_displayed": s / ours_shown, "button_in_dom_vs_our_dom_interactive": r / ours_di }),
            );
        }
    }

    json!({
        "benchmark": "consent",
        "date": clearboard_core::platform::clock::rfc3339(SystemClock.now_ms()),
        "baseline": "clearboard's consent window (server-rendered HTML form + its app.css rules, no script), measured in the same run",
        "goal": "window weight (JS + CSS, gzip) <= 5 KB",
        "goal_bytes": GOAL_BYTES,
        "goal_met": ours_gz <= GOAL_BYTES,
        "gzip": "flate2 level 9, each file on its own (a gzip header each)",
        "weight": {
            "clearboard": ours,
            "vanilla_cookieconsent": { "package": format!("{VCC}@{VCC_VERSION}"), "files": vcc_rows, "total_raw_bytes": vcc_raw, "total_gzip_bytes": vcc_gz, "gzip_ratio_to_ours": vcc_gz as f64 / ours_gz as f64 },
            "klaro": { "package": format!("{KLARO}@{KLARO_VERSION}"), "files": klaro_rows, "total_raw_bytes": klaro_raw, "total_gzip_bytes": klaro_gz, "gzip_ratio_to_ours": klaro_gz as f64 / ours_gz as f64,
                       "note": "dist/klaro.js is the file Klaro's README says to include ('CSS included'); it also bundles its UI translations (25 languages)",
                       "variants": [
                           { "files": ["dist/klaro-no-translations.js"], "raw_bytes": klaro_nt_raw, "gzip_bytes": klaro_nt_gz, "note": "as large: this release's build still contains the translations" },
                           { "files": ["dist/klaro-no-css.js", "dist/klaro.min.css"], "raw_bytes": klaro_nc_raw, "gzip_bytes": klaro_nc_gz },
                       ] },
        },
        "time_to_interactive": tti,
        "time_to_interactive_ratios_to_ours": ratios,
        "runs": runs,
    })
}
