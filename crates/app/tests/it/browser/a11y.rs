//! Accessibility in real Chromium (issue 14, acceptance 4): axe-core finds no WCAG 2.2 AA
//! violation on any page state (the public website, the sign-in and sign-up forms, the boards
//! list, a board with cards and its states, phone size, the privacy centre, staff pages), and
//! a keyboard-only journey goes from sign-in to a voted card.
//!
//! axe-core comes from the npm registry at test time (`npm pack axe-core@4`, unpacked once
//! under `target/test-tools/`); without npm or the registry the test fails and says so, unless
//! `CLEARBOARD_TEST_SKIP=axe-core` (never with `CI=true`). To audit a new page state, add a
//! [`State`] to the lists below: a path, and the script that puts the page in that state.

use super::*;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::Clock;
use fantoccini::key::Key;

const LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The npm package and the major version the audit runs.
const AXE: &str = "axe-core@4";

/// axe-core's source (`axe.min.js`), installed once per machine; `None` only when skipping is
/// allowed (`CLEARBOARD_TEST_SKIP=axe-core`, outside CI).
fn axe_source() -> Option<String> {
    static SOURCE: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    match SOURCE.get_or_init(install_axe) {
        Ok(s) => Some(s.clone()),
        Err(why) => {
            clearboard_testkit::deps::missing(
                "axe-core",
                &format!("{AXE} is unavailable ({why})"),
                "it needs npm (Debian: apt-get install npm) and access to the npm registry",
                "the axe-core accessibility audit",
            );
            None
        }
    }
}

/// `npm pack` into a scratch folder, unpacked there, renamed into place when complete (so a
/// concurrent test process never reads half a file).
fn install_axe() -> Result<String, String> {
    let tools = clearboard_testkit::tools::tools_dir();
    let home = tools.join("axe-core-4");
    let file = home.join("package/axe.min.js");
    if let Ok(s) = std::fs::read_to_string(&file) {
        return Ok(s);
    }
    let scratch = tools.join(format!("axe-core-4.build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let run = |cmd: &mut Command| -> Result<String, String> {
        let out = cmd.current_dir(&scratch).stderr(Stdio::piped()).output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    eprintln!("installing {AXE} into {} (once per machine)", home.display());
    let packed = run(Command::new("npm").args(["pack", AXE, "--silent"]))?;
    let tarball = packed.lines().last().unwrap_or_default().to_string();
    run(Command::new("tar").args(["xzf", &tarball]))?;
    if !scratch.join("package/axe.min.js").is_file() {
        return Err(format!("{tarball} holds no package/axe.min.js"));
    }
    if std::fs::rename(&scratch, &home).is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// One page state to audit: a name, the path to open (or `None`: the page as the previous
/// state left it), and a script that puts the page in that state (run after load).
pub(super) struct State {
    pub name: String,
    pub path: Option<String>,
    pub setup: &'static str,
    /// A boolean expression the page must satisfy before the audit (its content has loaded).
    pub ready: &'static str,
}

impl State {
    fn page(path: &str) -> Self {
        Self { name: path.to_string(), path: Some(path.to_string()), setup: "", ready: "true" }
    }
}

/// Runs axe-core on the current page with the WCAG 2.0, 2.1 and 2.2 A and AA rules; the
/// violations, one readable line per element.
pub(super) async fn axe(c: &fantoccini::Client, source: &str) -> Vec<String> {
    c.execute(&format!("{source}\n;return true;"), vec![]).await.expect("axe-core loads into the page");
    let run = "const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] })
          .then(r => done(r.violations.flatMap(v => v.nodes.map(n => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' ')))))
          .catch(e => done(['axe failed: ' + e]));";
    let found = c.execute_async(run, vec![]).await.expect("axe.run answers");
    serde_json::from_value(found).expect("a list of violations")
}

/// Audits each state in turn on one browser; returns every violation, named by its state.
pub(super) async fn audit(c: &fantoccini::Client, app: &TestApp, source: &str, states: &[State]) -> Vec<String> {
    let mut all = Vec::new();
    for s in states {
        if let Some(p) = &s.path {
            c.goto(&app.url(p)).await.unwrap();
        }
        if !s.setup.is_empty() {
            c.execute(s.setup, vec![]).await.unwrap_or_else(|e| panic!("{}: the setup script failed: {e}", s.name));
        }
        assert!(wait_for(c, s.ready, LIMIT).await.is_some(), "{}: the page did not get ready ({})", s.name, s.ready);
        // Transitions and fonts settle before colours are measured.
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        for v in axe(c, source).await {
            all.push(format!("[{}] {v}", s.name));
        }
    }
    all
}

const BOARD_READY: &str = "document.getElementById('status').textContent !== '' && document.querySelectorAll('.idea').length >= 2";

// C-SCOPE-1: both surfaces, every page state, WCAG 2.2 AA.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_wcag_violation_on_any_page_state() {
    let Some(d) = driver().await else { return };
    let Some(source) = axe_source() else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let (alice, _bob, board) = two_on_a_board(&app, "Audited board").await;
    let board_id = board["id"].as_str().unwrap().to_string();
    // Placed apart, as the page places new cards (the API's default spot is the same for all).
    for (i, text) in ["A first idea", "A second idea, longer, that wraps on two lines at least"].into_iter().enumerate() {
        let body = json!({ "kind": "text", "text": text, "x": 40 + 260 * i, "y": 40 });
        let r = app.post_json(&format!("/api/v1/boards/{board_id}/cards"), &body, Some(&alice.token)).await;
        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
        assert_eq!(app.post_json(&format!("/api/v1/cards/{id}/votes"), &json!({}), Some(&alice.token)).await.status(), 200);
    }
    let c = client(&d).await;
    let mut found = Vec::new();

    // A first visit: the consent window is open on the landing page.
    let first = State { name: "/ (consent window open)".into(), ..State::page("/") };
    found.extend(audit(&c, &app, &source, &[first]).await);
    // A positive control: the audit sees a violation planted in the page.
    c.execute("const i = document.createElement('img'); i.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; i.id = 'planted'; document.querySelector('main').appendChild(i);", vec![])
        .await
        .unwrap();
    let planted = axe(&c, &source).await;
    assert!(
        planted.iter().any(|v| v.starts_with("image-alt") && v.contains("#planted")),
        "axe sees a planted image without text: {planted:?}"
    );
    refuse_cookies(&c).await;
    let public: Vec<State> = [
        "/",
        "/signin",
        "/signup",
        "/join",
        "/privacy",
        "/privacy/history",
        "/cookies",
        "/trust",
        "/privacy/requests",
        "/contact",
        "/newsletter",
        "/careers",
        "/events",
        "/trainings",
        "/no-such-page",
    ]
    .iter()
    .map(|p| State::page(p))
    .collect();
    found.extend(audit(&c, &app, &source, &public).await);

    sign_in_page(&c, &app, &alice.email, &alice.password).await;
    let board_path = format!("/app/boards/{board_id}");
    let signed_in = vec![
        State::page("/app"),
        State::page("/me"),
        State::page("/me/privacy"),
        State::page("/app/support"),
        State { name: "board with cards".into(), path: Some(board_path.clone()), setup: "", ready: BOARD_READY },
        State {
            name: "board: a card's comments open".into(),
            path: None,
            setup: "document.querySelector('.idea .actions button:last-child').click();",
            ready: "document.querySelector('.idea .comments:not([hidden])')",
        },
        State { name: "board: editing a card".into(), path: Some(board_path.clone()), setup: "", ready: BOARD_READY },
        State {
            name: "board: editing a card (open)".into(),
            path: None,
            setup: "Array.from(document.querySelectorAll('.idea .actions button')).find(b => b.textContent === 'Edit').click();",
            ready: "document.querySelector('.idea .edit textarea')",
        },
    ];
    found.extend(audit(&c, &app, &source, &signed_in).await);
    // Phone size (390 × 844): the board and the boards list.
    c.set_window_size(390, 844).await.unwrap();
    let phone = vec![
        State { name: "board at 390×844".into(), path: Some(board_path.clone()), setup: "", ready: BOARD_READY },
        State { name: "/app at 390×844".into(), ..State::page("/app") },
        State { name: "/ at 390×844".into(), ..State::page("/") },
    ];
    found.extend(audit(&c, &app, &source, &phone).await);
    c.close().await.unwrap();

    // Staff pages, each as a staff member whose role opens it, trained today.
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let consoles: [(Role, &str, &[&str]); 3] = [
        (Role::PrivacyOfficer, "axe-officer", &["/staff/requests", "/staff/retention", "/staff/statistics"]),
        (
            Role::Admin,
            "axe-admin",
            &["/staff/support", "/staff/contracts", "/staff/events", "/staff/trainings", "/staff/visits", "/staff/recruitment"],
        ),
        (Role::Marketing, "axe-marketing", &["/staff/campaigns"]),
    ];
    for (role, tag, paths) in consoles {
        let staff = app.new_staff(tag, "Ada", role, Some(today)).await;
        let states: Vec<State> = paths.iter().map(|p| State::page(p)).collect();
        for path in paths {
            let res = app.browser().get(app.url(path)).bearer_auth(&staff.token).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path} is a page a {role:?} can open");
        }
        let c = client(&d).await;
        c.goto(&app.url("/")).await.unwrap();
        refuse_cookies(&c).await;
        sign_in_page(&c, &app, &staff.email, &staff.password).await;
        found.extend(audit(&c, &app, &source, &states).await);
        c.close().await.unwrap();
    }

    assert!(found.is_empty(), "axe-core found {} WCAG 2.2 AA violations:\n{}", found.len(), found.join("\n"));
}

/// What has the keyboard focus: its id, else its value (the consent window's buttons), else
/// its link, else its accessible name, else its text.
async fn focus(c: &fantoccini::Client) -> String {
    let js = "const e = document.activeElement; return e ? (e.id || e.getAttribute('value') || e.getAttribute('href') || e.getAttribute('aria-label') || e.textContent.trim()) : ''";
    c.execute(js, vec![]).await.unwrap().as_str().unwrap_or_default().to_string()
}

/// Shift+Tab, as a keyboard would.
async fn shift_tab(c: &fantoccini::Client) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let (shift, tab): (char, char) = (Key::Shift.into(), Key::Tab.into());
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: shift })
        .then(KeyAction::Down { value: tab })
        .then(KeyAction::Up { value: tab })
        .then(KeyAction::Up { value: shift });
    c.perform_actions(keys).await.unwrap();
}

/// Presses Tab until `want` has the focus; how many presses it took.
async fn tab_to(c: &fantoccini::Client, want: &str, max: usize) -> usize {
    for n in 1..=max {
        press(c, Key::Tab).await;
        if focus(c).await == want {
            return n;
        }
    }
    panic!("{want} not reached within {max} Tab presses (focus on {:?})", focus(c).await);
}

/// Types into whatever has the focus.
async fn type_text(c: &fantoccini::Client, text: &str) {
    c.active_element().await.unwrap().send_keys(text).await.unwrap();
}

/// Acceptance 4, second half: from sign-in to a voted card with the keyboard alone (keys sent
/// to the focused element; no clicks, no scripts that act), and "Add an idea" within ten Tab
/// presses of the board's top.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_from_sign_in_to_a_voted_card() {
    let Some(d) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let (alice, bob, board) = two_on_a_board(&app, "Keyboard board").await;
    let board_id = board["id"].as_str().unwrap().to_string();
    // Others' cards before ours: the canvas holds many focusable things ahead of the form.
    for i in 0..12 {
        let body = json!({ "kind": "text", "text": format!("Earlier idea {i}"), "x": 40 + 240 * (i % 4), "y": 40 + 200 * (i / 4) });
        assert_eq!(app.post_json(&format!("/api/v1/boards/{board_id}/cards"), &body, Some(&alice.token)).await.status(), 201);
    }
    let c = client(&d).await;
    c.goto(&app.url("/signin")).await.unwrap();
    // The consent window comes first: refuse with the keyboard.
    tab_to(&c, "reject", 6).await;
    press(&c, Key::Enter).await;
    c.wait().for_url(&url_of(&app, "/signin")).await.unwrap();
    assert!(wait_for(&c, "document.readyState === 'complete' && !document.getElementById('cb-consent')", LIMIT).await.is_some());
    // The skip link is the first stop, and it leads to the content.
    assert_eq!(tab_to(&c, "#main", 1).await, 1, "the skip link comes first");
    press(&c, Key::Enter).await;
    tab_to(&c, "email", 4).await;
    type_text(&c, &alice.email).await;
    tab_to(&c, "password", 2).await;
    type_text(&c, &alice.password).await;
    press(&c, Key::Enter).await;
    // Signed in, on the boards list.
    c.wait().for_url(&url_of(&app, "/app")).await.unwrap();
    let link = format!("/app/boards/{board_id}");
    tab_to(&c, &link, 15).await;
    press(&c, Key::Enter).await;
    c.wait().for_url(&url_of(&app, &link)).await.unwrap();
    assert!(wait_for(&c, "document.querySelectorAll('.idea').length === 12", LIMIT).await.is_some());
    // "Add an idea" within ten Tab presses: the skip link to it, then its text field.
    let mut presses = tab_to(&c, "#add-card", 3).await;
    press(&c, Key::Enter).await;
    presses += tab_to(&c, "card-text", 7).await;
    eprintln!("{presses} Tab presses from the top of the board to \"Add an idea\" (73 before the skip link)");
    assert!(presses <= 10, "{presses} Tab presses to reach \"Add an idea\"");
    type_text(&c, "My keyboard idea").await;
    tab_to(&c, "add-card-button", 6).await;
    press(&c, Key::Enter).await;
    let mine = card_with_text("My keyboard idea");
    assert!(wait_for(&c, &mine, LIMIT).await.is_some(), "the card is added");
    let card_id = c.execute(&format!("return ({mine}).getAttribute('data-id')"), vec![]).await.unwrap().as_str().unwrap().to_string();
    let label = c.execute(&format!("return ({mine}).getAttribute('aria-label')"), vec![]).await.unwrap();
    let label = label.as_str().unwrap_or_default().to_string();
    assert!(label.contains("My keyboard idea") && label.contains("0 votes"), "the card's accessible name: {label:?}");
    // Back from the form into the canvas (the newest card is the last one in it), to its
    // vote button, found by its name.
    let mut reached = false;
    for _ in 0..60 {
        shift_tab(&c).await;
        let at = c
            .execute(
                "const e = document.activeElement; const card = e.closest('.idea'); return [card ? card.getAttribute('data-id') : '', e.getAttribute('aria-label') || '']",
                vec![],
            )
            .await
            .unwrap();
        if at[0] == json!(card_id) && at[1] == json!("Vote, 0 votes") {
            reached = true;
            break;
        }
    }
    assert!(reached, "the vote button of the new card is reachable by the keyboard");
    press(&c, Key::Enter).await;
    let voted = format!("({mine}).querySelector('[aria-pressed=true]') && ({mine}).getAttribute('aria-label').includes('1 vote')");
    assert!(wait_for(&c, &voted, LIMIT).await.is_some(), "the card is voted");
    let still = c.execute("return document.activeElement.getAttribute('aria-label') || ''", vec![]).await.unwrap();
    assert!(still.as_str().unwrap_or_default().starts_with("Vote, 1 vote"), "the focus stays on the vote button: {still}");
    // Someone else's change is announced in the polite live region; one's own is not.
    let own = c.execute("return document.getElementById('cb-announce').textContent", vec![]).await.unwrap();
    assert_eq!(own, json!(""), "nothing announced of one's own card and vote");
    let body = json!({ "kind": "text", "text": "An idea from Bob" });
    assert_eq!(app.post_json(&format!("/api/v1/boards/{board_id}/cards"), &body, Some(&bob.token)).await.status(), 201);
    let region = "(() => { const r = document.getElementById('cb-announce'); return r && r.getAttribute('aria-live') === 'polite' && r.textContent.startsWith('New card by ') && r.textContent.endsWith(': An idea from Bob'); })()";
    assert!(wait_for(&c, region, LIMIT).await.is_some(), "Bob's card is announced");
    let api = app.get(&format!("/api/v1/boards/{board_id}"), Some(&alice.token)).await.json::<Value>().await.unwrap();
    let card = api["cards"].as_array().unwrap().iter().find(|k| k["id"] == json!(card_id)).unwrap().clone();
    assert_eq!(card["votes"], json!(1), "{card}");
    c.close().await.unwrap();
}
