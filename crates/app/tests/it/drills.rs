//! Reliability drills (issue 7) against real servers, seen only through their public surfaces
//! (the HTTP API and the CLI), never by reading the stores:
//!
//! - **API fuzzing**: schemathesis (PyPI, pinned, in a venv made on first use) generates
//!   requests from `/api/v1/openapi.json`, signed in with a real bearer session; zero server
//!   errors and zero responses that contradict the document.
//! - **Crash safety**: the real binary under a mixed write load (cards, consent choices,
//!   erasures of throwaway accounts, exports) is killed with SIGKILL at random moments and
//!   restarted on the same storage; every acknowledged write must be there, the service ready,
//!   `clearboard audit verify` clean, no person half erased, interrupted exports resumed.
//! - **Soak** (ignored here; `drills/soak.sh`): the same load for minutes against one server,
//!   zero errors and bounded memory growth.
//!
//! CI runs short versions; the scripts in `drills/` run the long ones through env variables
//! (`FUZZ_MAX_EXAMPLES`, `CRASH_KILLS`, `SOAK_MINUTES`, …, see drills/README.md).

// Drills measure real processes in real time: the simulated clock has no say here.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clearboard_testkit::tools::{self, PyTool};

use super::*;

pub(crate) fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// A small deterministic generator (xorshift64*): the seed is printed so that a run's choices
/// can be replayed (its timing cannot).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn seeded(seed: u64) -> Self {
        Self(seed.max(1))
    }
    fn fresh() -> u64 {
        let b = clearboard_vault::random::bytes::<8>().unwrap_or([7; 8]);
        u64::from_le_bytes(b) | 1
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }
}

// ---------------------------------------------------------------------------------------------
// 1. API fuzzing
// ---------------------------------------------------------------------------------------------

/// Pinned: a new version may bring new checks, which is a change to review, not a surprise.
const SCHEMATHESIS: PyTool = PyTool { name: "schemathesis", requirement: "schemathesis==4.32.5", script: "schemathesis" };

/// Operations left out of the authenticated run, and why.
const FUZZ_EXCLUDED_OPERATIONS: &[(&str, &str)] = &[
    // They end the very session the run is signed in with, after which every other operation
    // would only see 401; sessions.rs tests them.
    ("DELETE /api/v1/sessions", "signs out everywhere"),
    ("DELETE /api/v1/sessions/current", "signs out"),
    // A WebSocket upgrade: schemathesis speaks plain HTTP, so every case would be an upgrade
    // refusal; boards.rs and the WebSocket tests drive it with a real client.
    ("GET /api/v1/boards/{id}/ws", "WebSocket upgrade"),
];

/// Checks that cannot apply to this API, and why. Everything else in `--checks all` runs,
/// `not_a_server_error` and `response_schema_conformance` first among them.
const FUZZ_EXCLUDED_CHECKS: &[(&str, &str)] = &[
    // "Schema-valid input must get a 2xx": the document cannot say that a random (valid) UUID
    // names nothing (404), that a generated password is not the account's (401), that a
    // generated birth date is under 16 (422), that an address is taken (409) or that a purpose
    // is not consent-based (422). These are business rules, not schema violations.
    ("positive_data_acceptance", "business rules the schema cannot express"),
    // Needs several signed-in identities to swap between; the role matrix in boards.rs
    // (`access_matrix…`) covers object-level authorisation instead.
    ("object_level_authorization", "needs several identities; boards.rs covers it"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_fuzz_with_schemathesis() {
    let Some(script) = tokio::task::spawn_blocking(|| tools::require(SCHEMATHESIS)).await.unwrap() else {
        return;
    };
    let backend = match std::env::var("FUZZ_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let app = spawn_app(backend).await;
    let user = app.new_user().await;
    // Something to find: a board with a card (generated ids rarely hit them, but list and
    // export routes do).
    let board: Value = app.post_json("/api/v1/boards", &json!({ "title": "Fuzzed" }), Some(&user.token)).await.json().await.unwrap();
    let board_id = board["id"].as_str().unwrap().to_string();
    let res =
        app.post_json(&format!("/api/v1/boards/{board_id}/cards"), &json!({ "kind": "text", "text": "fuzz me" }), Some(&user.token)).await;
    assert_eq!(res.status(), 201);
    let card: Value = res.json().await.unwrap();
    let orgs: Value = app.get("/api/v1/orgs", Some(&user.token)).await.json().await.unwrap();
    let org_id = orgs["orgs"][0]["id"].as_str().or_else(|| orgs[0]["id"].as_str()).unwrap_or_default().to_string();
    let export: Value = app.post_json("/api/v1/me/exports", &json!({}), Some(&user.token)).await.json().await.unwrap();
    // Real ids for the path parameters, so that the generated cases reach the handlers'
    // logic instead of stopping at 404 (schemathesis still mutates them in negative cases).
    let config = format!(
        r#"
[[operations]]
include-path-regex = '^/api/v1/boards/\{{id\}}'
parameters = {{ "path.id" = "{board_id}" }}

[[operations]]
include-path-regex = '^/api/v1/cards/\{{id\}}'
parameters = {{ "path.id" = "{card}" }}

[[operations]]
include-path-regex = '^/api/v1/orgs/\{{id\}}'
parameters = {{ "path.id" = "{org_id}", "path.member" = "{me}" }}

[[operations]]
include-path-regex = '^/api/v1/me/exports/\{{id\}}'
parameters = {{ "path.id" = "{export}" }}
"#,
        card = card["id"].as_str().unwrap(),
        me = user.id,
        export = export["id"].as_str().unwrap_or_default(),
    );

    let examples = env_num("FUZZ_MAX_EXAMPLES", 5);
    let seed = env_num("FUZZ_SEED", Rng::fresh() % 1_000_000_000);
    let max_time = std::env::var("FUZZ_MAX_TIME").ok();
    let work = tempfile::Builder::new().prefix("clearboard-fuzz-").tempdir().unwrap();
    let report = work.path().join("report");
    let config_file = work.path().join("schemathesis.toml");
    std::fs::write(&config_file, config).unwrap();
    let mut cmd = tools::command(&script);
    cmd.current_dir(work.path())
        .arg("--config-file")
        .arg(&config_file)
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--url", &app.base])
        .args(["--header", &format!("Authorization: Bearer {}", user.token)])
        .args(["--checks", "all"])
        .args(["--exclude-checks", &FUZZ_EXCLUDED_CHECKS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(",")])
        .args(["--max-examples", &examples.to_string()])
        .args(["--seed", &seed.to_string()])
        .args(["--workers", "2"])
        .args(["--request-timeout", "20"])
        .args(["--generation-database", "none"])
        .args(["--suppress-health-check", "all"])
        .args(["--report", "junit"])
        .args(["--report-dir", report.to_str().unwrap()])
        .args(["--no-color"])
        .stdin(Stdio::null());
    for (op, _) in FUZZ_EXCLUDED_OPERATIONS {
        cmd.args(["--exclude-name", op]);
    }
    if let Some(t) = &max_time {
        cmd.args(["--max-time", t]);
    }
    eprintln!(
        "schemathesis: {examples} examples per operation, seed {seed}{}",
        max_time.as_ref().map(|t| format!(", up to {t} s of fuzzing")).unwrap_or_default()
    );
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let keep = std::env::var("FUZZ_OUTPUT").ok();
    if let Some(path) = &keep {
        std::fs::write(path, format!("{stdout}\n{stderr}")).unwrap();
    }
    eprintln!("schemathesis finished in {:.1} s with {:?}", started.elapsed().as_secs_f64(), out.status.code());
    // The summary is the tail of the output; failures are above it.
    let tail: Vec<&str> = stdout.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
    eprintln!("{}", tail.join("\n"));
    assert!(
        out.status.success(),
        "schemathesis found problems (seed {seed}; rerun with FUZZ_SEED={seed}):\n{}\n{stderr}",
        if stdout.len() > 60_000 {
            format!(
                "{}\n… (cut; set FUZZ_OUTPUT=FILE for all of it)",
                &stdout[..stdout.char_indices().nth(60_000).map(|(i, _)| i).unwrap_or(stdout.len())]
            )
        } else {
            stdout.clone()
        }
    );
    // Guard against a run that tested nothing (a filter gone wrong, an unreachable schema).
    let tested = stdout.lines().find_map(|l| l.trim().strip_prefix("Tested: ")).and_then(|n| n.trim().parse::<u32>().ok()).unwrap_or(0);
    assert!(tested >= 50, "schemathesis tested only {tested} operations:\n{stdout}");
}

// ---------------------------------------------------------------------------------------------
// Real servers as child processes
// ---------------------------------------------------------------------------------------------

/// A deployment: the binary, its storage (a data dir, and PostgreSQL databases when asked),
/// started and killed as often as the drill likes.
pub(crate) struct Deployment {
    bin: PathBuf,
    pub(crate) dir: tempfile::TempDir,
    database_url: Option<String>,
    pub(crate) pg_prefix: Option<String>,
    starts: u32,
    /// Extra environment for every command (set after the drill's defaults, so it wins).
    pub(crate) env: Vec<(String, String)>,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        if let Some(p) = self.pg_prefix.take() {
            clearboard_testkit::pg::drop_prefix_blocking(p);
        }
    }
}

/// A running server process. Dropping it kills it.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    pub(crate) pid: u32,
    pub(crate) log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// SIGKILL: no shutdown hook, no flush, no goodbye.
    pub(crate) fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Resident set size in KiB (Linux).
    pub(crate) fn rss_kib(&self) -> Option<u64> {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Deployment {
    pub(crate) async fn new(bin: PathBuf, backend: Backend) -> Deployment {
        let dir = tempfile::Builder::new().prefix("clearboard-drill-").tempdir().unwrap();
        let (database_url, pg_prefix) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let p = clearboard_testkit::pg::new_prefix();
                (Some(clearboard_testkit::pg::url_for(&p)), Some(p))
            }
        };
        Deployment { bin, dir, database_url, pg_prefix, starts: 0, env: Vec::new() }
    }

    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        for (k, _) in std::env::vars() {
            if k.starts_with("CLEARBOARD_") {
                c.env_remove(k);
            }
        }
        c.arg("--data-dir").arg(self.data_dir());
        if let Some(u) = &self.database_url {
            c.env("CLEARBOARD_DATABASE_URL", u);
        }
        // The drill's clients all come from 127.0.0.1 and name a made-up address each in
        // X-Forwarded-For, so that the sign-up and sign-in rate limits (per address) hold for
        // each of them as they would for real people.
        c.env("CLEARBOARD_TRUSTED_PROXIES", "[\"127.0.0.1\"]");
        // Several servers run at once: each gets its own metrics port.
        c.env("CLEARBOARD_METRICS_LISTEN", "127.0.0.1:0");
        c.env("CLEARBOARD_LOG_LEVEL", std::env::var("DRILL_LOG_LEVEL").unwrap_or_else(|_| "warn".into()));
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c.stdin(Stdio::null());
        c
    }

    /// Starts the server and waits until `/readyz` answers 200 (panics after `within`).
    pub(crate) async fn start(&mut self, within: Duration) -> Server {
        self.starts += 1;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = self.dir.path().join(format!("serve-{}.log", self.starts));
        let mut cmd = self.command();
        let file = std::fs::File::create(&log).unwrap();
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")]).stdout(file.try_clone().unwrap()).stderr(file);
        let child = cmd.spawn().expect("start the clearboard binary");
        let pid = child.id();
        let mut server = Server { child, base: format!("http://127.0.0.1:{port}"), pid, log };
        let http = client();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited during start ({status}): {}", tail_of(&server.log));
            }
            if let Ok(r) = http.get(format!("{}/readyz", server.base)).send().await
                && r.status() == 200
            {
                return server;
            }
            assert!(started.elapsed() < within, "the server was not ready within {within:?}: {}", tail_of(&server.log));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `clearboard audit verify` on this deployment (exit status and output).
    async fn audit_verify(&self) -> (bool, String) {
        let mut cmd = self.command();
        cmd.args(["audit", "verify"]);
        let out = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().expect("run audit verify");
        (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

pub(crate) fn tail_of(path: &Path) -> String {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

// ---------------------------------------------------------------------------------------------
// The mixed load and what it was told
// ---------------------------------------------------------------------------------------------

/// What a request came to.
enum Outcome {
    /// A 2xx and its JSON body (Null when there is none): acknowledged.
    Ok(Value),
    /// The server answered something else; nothing is acknowledged.
    Refused(u16, String),
    /// No answer (killed, reset, timed out): the write may or may not have happened.
    InDoubt(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Worker(usize),
    Throwaway(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Deleted {
    No,
    Yes,
    /// A delete was in flight at the kill.
    Maybe,
}

#[derive(Debug, Clone)]
struct CardRec {
    owner: Owner,
    text: String,
    /// A change in flight at the kill: the card may hold either text.
    in_doubt_text: Option<String>,
    deleted: Deleted,
    /// The restart after which it was acknowledged (checked in full once, sampled after).
    cycle: u32,
}

#[derive(Debug, Clone, Default)]
struct ConsentRec {
    granted: Option<bool>,
    in_doubt: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Life {
    Alive,
    /// DELETE /api/v1/me was in flight at the kill.
    Erasing,
    /// Acknowledged: the key is destroyed, everything must be gone.
    Erased,
}

#[derive(Debug, Clone)]
struct Throwaway {
    email: String,
    password: String,
    token: Option<String>,
    card: Option<String>,
    life: Life,
    cycle: u32,
}

#[derive(Debug, Clone)]
struct ExportRec {
    worker: usize,
    id: String,
    ready: bool,
}

#[derive(Debug, Default)]
struct Ledger {
    cards: HashMap<String, CardRec>,
    consents: HashMap<usize, ConsentRec>,
    exports: Vec<ExportRec>,
    throwaways: Vec<Throwaway>,
    acked: HashMap<&'static str, u64>,
    /// Things seen at restarts that are not failures (interrupted erasures, say).
    observed: HashMap<&'static str, u64>,
}

impl Ledger {
    fn ack(&mut self, kind: &'static str) {
        *self.acked.entry(kind).or_default() += 1;
    }
}

#[derive(Debug, Clone)]
struct Person {
    token: String,
}

/// The people and places of the load: a host who owns an organisation and its board, and one
/// member per worker; throwaway people join, post and erase themselves.
struct World {
    host: Person,
    org: String,
    board: String,
    workers: Vec<Person>,
    http: reqwest::Client,
    ip_counter: AtomicU64,
}

#[derive(Debug, Default, Clone)]
struct Tally {
    requests: u64,
    errors: Vec<String>,
}

impl World {
    /// A made-up client address (documentation range), new for every call.
    fn next_ip(&self) -> String {
        let n = self.ip_counter.fetch_add(1, Ordering::Relaxed);
        format!("2001:db8::{:x}:{:x}", n >> 16, n & 0xffff)
    }

    async fn call(&self, base: &str, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Outcome {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.http.request(m, format!("{base}{path}")).header("x-forwarded-for", self.next_ip());
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        match rb.send().await {
            Err(e) => Outcome::InDoubt(e.to_string()),
            Ok(res) => {
                let status = res.status().as_u16();
                match res.bytes().await {
                    Err(e) if (200..300).contains(&status) => Outcome::InDoubt(format!("{status} with an unreadable body: {e}")),
                    Err(e) => Outcome::Refused(status, e.to_string()),
                    Ok(bytes) if (200..300).contains(&status) => Outcome::Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null)),
                    Ok(bytes) => Outcome::Refused(status, String::from_utf8_lossy(&bytes).chars().take(300).collect()),
                }
            }
        }
    }

    async fn sign_up(http: &reqwest::Client, base: &str, tag: &str, ip: String) -> Person {
        let email = format!("{}@example.test", canary(tag).to_lowercase());
        let password = format!("drill password {}", canary("P"));
        let body = json!({ "email": email, "password": password, "first_name": canary("F"), "last_name": canary("L"), "birth_date": "1990-05-17" });
        let res = http.post(format!("{base}/api/v1/accounts")).header("x-forwarded-for", &ip).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 201, "sign-up: {}", res.text().await.unwrap_or_default());
        let res = http
            .post(format!("{base}/api/v1/sessions"))
            .header("x-forwarded-for", &ip)
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        Person { token: v["token"].as_str().unwrap().to_string() }
    }

    async fn setup(base: &str, workers: usize) -> World {
        let http = client();
        let host = Self::sign_up(&http, base, "Host", "2001:db8:1::1".into()).await;
        let org: Value = http
            .post(format!("{base}/api/v1/orgs"))
            .bearer_auth(&host.token)
            .json(&json!({ "name": "Drill team" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let org = org["id"].as_str().expect("org id").to_string();
        let board: Value = http
            .post(format!("{base}/api/v1/boards"))
            .bearer_auth(&host.token)
            .json(&json!({ "title": "Drill board", "org_id": org }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let board = board["id"].as_str().expect("board id").to_string();
        let mut people = Vec::new();
        for i in 0..workers {
            let p = Self::sign_up(&http, base, "Worker", format!("2001:db8:2::{i:x}")).await;
            let inv: Value = http
                .post(format!("{base}/api/v1/orgs/{org}/invitations"))
                .bearer_auth(&host.token)
                .json(&json!({ "role": "member" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let res = http
                .post(format!("{base}/api/v1/invitations/accept"))
                .bearer_auth(&p.token)
                .json(&json!({ "token": inv["token"] }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            people.push(p);
        }
        World { host, org, board, workers: people, http, ip_counter: AtomicU64::new(1) }
    }
}

/// The mix of operations. `reads` adds read traffic (the soak); the crash drill only writes
/// and reads back afterwards.
#[derive(Debug, Clone, Copy)]
struct Mix {
    reads: bool,
    /// Per worker: above this many live cards, a create becomes a delete (keeps boards bounded).
    max_cards: usize,
}

/// What every worker of one run shares: the world, the server, the cycle, the mix, the ledger,
/// and the flags that stop the run and say the server is being killed.
#[derive(Clone)]
struct Workload {
    world: Arc<World>,
    base: String,
    cycle: u32,
    mix: Mix,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    killed: Arc<AtomicBool>,
}

/// One worker's loop: random operations until `stop`, or until a request gets no answer (the
/// server was killed). Every acknowledged write goes into the ledger; every write in flight
/// when the answer did not come is marked in doubt.
async fn worker_loop(run: Workload, w: usize, seed: u64) -> Tally {
    let Workload { world, base, cycle, mix, ledger, stop, killed } = run;
    let mut rng = Rng::seeded(seed);
    let mut tally = Tally::default();
    let me = world.workers[w].clone();
    let mut n = 0u64;
    // An answer that is not an acknowledgement, where one was expected: an error, unless the
    // server is being killed.
    macro_rules! refused {
        ($what:expr, $status:expr, $body:expr) => {{
            tally.errors.push(format!("worker {w}: {}: {} {}", $what, $status, $body));
        }};
    }
    macro_rules! in_doubt {
        ($what:expr, $why:expr) => {{
            if !killed.load(Ordering::SeqCst) {
                tally.errors.push(format!("worker {w}: {}: no answer while the server was up: {}", $what, $why));
            }
            return tally;
        }};
    }
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        tally.requests += 1;
        let roll = rng.below(100);
        let own_cards: Vec<String> = {
            let l = ledger.lock().unwrap();
            l.cards
                .iter()
                .filter(|(_, c)| c.owner == Owner::Worker(w) && c.deleted == Deleted::No && c.in_doubt_text.is_none())
                .map(|(id, _)| id.clone())
                .collect()
        };
        let pick = |rng: &mut Rng| -> Option<String> {
            if own_cards.is_empty() {
                None
            } else {
                let mut ids = own_cards.clone();
                ids.sort();
                Some(ids[rng.below(ids.len() as u64) as usize].clone())
            }
        };
        if mix.reads && roll < 30 {
            // Reads: a card, the board, my consents, my profile.
            let path = match rng.below(4) {
                0 => pick(&mut rng).map(|id| format!("/api/v1/cards/{id}")).unwrap_or_else(|| "/api/v1/me".into()),
                1 => format!("/api/v1/boards/{}", world.board),
                2 => "/api/v1/me/consents".into(),
                _ => "/api/v1/me".into(),
            };
            match world.call(&base, "GET", &path, Some(&me.token), None).await {
                Outcome::Ok(_) => {}
                Outcome::Refused(s, b) => refused!(format!("GET {path}"), s, b),
                Outcome::InDoubt(e) => in_doubt!(format!("GET {path}"), e),
            }
            continue;
        }
        let roll = rng.below(100);
        if roll < 40 || (roll < 60 && own_cards.is_empty()) {
            // Create a card, or delete one when this worker has enough.
            if own_cards.len() >= mix.max_cards {
                let id = pick(&mut rng).unwrap();
                ledger.lock().unwrap().cards.get_mut(&id).unwrap().deleted = Deleted::Maybe;
                match world.call(&base, "DELETE", &format!("/api/v1/cards/{id}"), Some(&me.token), None).await {
                    Outcome::Ok(_) => {
                        let mut l = ledger.lock().unwrap();
                        l.cards.get_mut(&id).unwrap().deleted = Deleted::Yes;
                        l.ack("card deleted");
                    }
                    Outcome::Refused(s, b) => {
                        ledger.lock().unwrap().cards.get_mut(&id).unwrap().deleted = Deleted::No;
                        refused!("delete a card", s, b)
                    }
                    Outcome::InDoubt(e) => in_doubt!("delete a card", e),
                }
                continue;
            }
            let text = format!("w{w} c{cycle} n{n} {}", canary("Card"));
            match world
                .call(
                    &base,
                    "POST",
                    &format!("/api/v1/boards/{}/cards", world.board),
                    Some(&me.token),
                    Some(json!({ "kind": "text", "text": text })),
                )
                .await
            {
                Outcome::Ok(v) => {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let mut l = ledger.lock().unwrap();
                    l.cards.insert(id, CardRec { owner: Owner::Worker(w), text, in_doubt_text: None, deleted: Deleted::No, cycle });
                    l.ack("card created");
                }
                Outcome::Refused(s, b) => refused!("create a card", s, b),
                Outcome::InDoubt(e) => in_doubt!("create a card", e),
            }
        } else if roll < 60 {
            // Change a card's text (one writer per card, so the last acknowledged text wins).
            let id = pick(&mut rng).unwrap();
            let text = format!("w{w} c{cycle} n{n} edited {}", canary("Edit"));
            ledger.lock().unwrap().cards.get_mut(&id).unwrap().in_doubt_text = Some(text.clone());
            match world.call(&base, "PATCH", &format!("/api/v1/cards/{id}"), Some(&me.token), Some(json!({ "text": text }))).await {
                Outcome::Ok(_) => {
                    let mut l = ledger.lock().unwrap();
                    let c = l.cards.get_mut(&id).unwrap();
                    c.text = text;
                    c.in_doubt_text = None;
                    l.ack("card changed");
                }
                Outcome::Refused(s, b) => {
                    ledger.lock().unwrap().cards.get_mut(&id).unwrap().in_doubt_text = None;
                    refused!("change a card", s, b)
                }
                Outcome::InDoubt(e) => in_doubt!("change a card", e),
            }
        } else if roll < 78 {
            // A consent choice (given or withdrawn), recorded with its proof.
            let granted = rng.below(2) == 0;
            ledger.lock().unwrap().consents.entry(w).or_default().in_doubt = Some(granted);
            match world
                .call(&base, "PUT", "/api/v1/me/consents", Some(&me.token), Some(json!({ "purpose": "marketing", "granted": granted })))
                .await
            {
                Outcome::Ok(_) => {
                    let mut l = ledger.lock().unwrap();
                    let c = l.consents.entry(w).or_default();
                    c.granted = Some(granted);
                    c.in_doubt = None;
                    l.ack("consent recorded");
                }
                Outcome::Refused(s, b) => {
                    ledger.lock().unwrap().consents.entry(w).or_default().in_doubt = None;
                    refused!("record a consent", s, b)
                }
                Outcome::InDoubt(e) => in_doubt!("record a consent", e),
            }
        } else if roll < 88 {
            // An export of all my data (409 while another of mine is being prepared).
            match world.call(&base, "POST", "/api/v1/me/exports", Some(&me.token), None).await {
                Outcome::Ok(v) => {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let mut l = ledger.lock().unwrap();
                    l.exports.push(ExportRec { worker: w, id, ready: false });
                    l.ack("export requested");
                }
                Outcome::Refused(409, _) => {}
                Outcome::Refused(s, b) => refused!("request an export", s, b),
                Outcome::InDoubt(e) => in_doubt!("request an export", e),
            }
        } else {
            // A throwaway person: signs up, joins the team, posts a card, erases themselves.
            let email = format!("{}@example.test", canary("Gone").to_lowercase());
            let password = format!("throwaway password {}", canary("P"));
            let body = json!({ "email": email, "password": password, "first_name": canary("F"), "last_name": canary("L"), "birth_date": "1990-05-17" });
            match world.call(&base, "POST", "/api/v1/accounts", None, Some(body)).await {
                Outcome::Ok(_) => {}
                Outcome::Refused(s, b) => {
                    refused!("sign up", s, b);
                    continue;
                }
                Outcome::InDoubt(e) => in_doubt!("sign up", e),
            }
            let t = {
                let mut l = ledger.lock().unwrap();
                l.ack("account created");
                l.throwaways.push(Throwaway {
                    email: email.clone(),
                    password: password.clone(),
                    token: None,
                    card: None,
                    life: Life::Alive,
                    cycle,
                });
                l.throwaways.len() - 1
            };
            let token =
                match world.call(&base, "POST", "/api/v1/sessions", None, Some(json!({ "email": email, "password": password }))).await {
                    Outcome::Ok(v) => v["token"].as_str().unwrap_or_default().to_string(),
                    Outcome::Refused(s, b) => {
                        refused!("sign in", s, b);
                        continue;
                    }
                    Outcome::InDoubt(e) => in_doubt!("sign in", e),
                };
            {
                let mut l = ledger.lock().unwrap();
                l.throwaways[t].token = Some(token.clone());
                l.ack("session opened");
            }
            let inv = match world
                .call(
                    &base,
                    "POST",
                    &format!("/api/v1/orgs/{}/invitations", world.org),
                    Some(&world.host.token),
                    Some(json!({ "role": "member" })),
                )
                .await
            {
                Outcome::Ok(v) => v["token"].as_str().unwrap_or_default().to_string(),
                Outcome::Refused(s, b) => {
                    refused!("invite", s, b);
                    continue;
                }
                Outcome::InDoubt(e) => in_doubt!("invite", e),
            };
            match world.call(&base, "POST", "/api/v1/invitations/accept", Some(&token), Some(json!({ "token": inv }))).await {
                Outcome::Ok(_) => {}
                Outcome::Refused(s, b) => {
                    refused!("accept an invitation", s, b);
                    continue;
                }
                Outcome::InDoubt(e) => in_doubt!("accept an invitation", e),
            }
            let text = format!("t{t} {}", canary("GoneCard"));
            match world
                .call(
                    &base,
                    "POST",
                    &format!("/api/v1/boards/{}/cards", world.board),
                    Some(&token),
                    Some(json!({ "kind": "text", "text": text })),
                )
                .await
            {
                Outcome::Ok(v) => {
                    let id = v["id"].as_str().unwrap_or_default().to_string();
                    let mut l = ledger.lock().unwrap();
                    l.cards
                        .insert(id.clone(), CardRec { owner: Owner::Throwaway(t), text, in_doubt_text: None, deleted: Deleted::No, cycle });
                    l.throwaways[t].card = Some(id);
                    l.ack("card created");
                }
                Outcome::Refused(s, b) => {
                    refused!("create a card (throwaway)", s, b);
                    continue;
                }
                Outcome::InDoubt(e) => in_doubt!("create a card (throwaway)", e),
            }
            ledger.lock().unwrap().throwaways[t].life = Life::Erasing;
            match world.call(&base, "DELETE", "/api/v1/me", Some(&token), Some(json!({ "password": password }))).await {
                Outcome::Ok(v) => {
                    let mut l = ledger.lock().unwrap();
                    if v["deleted"] == true && v["key_destroyed"] == true {
                        l.throwaways[t].life = Life::Erased;
                        l.ack("erasure");
                    } else {
                        drop(l);
                        refused!("erase an account", 200, v);
                    }
                }
                Outcome::Refused(s, b) => {
                    ledger.lock().unwrap().throwaways[t].life = Life::Alive;
                    refused!("erase an account", s, b)
                }
                Outcome::InDoubt(e) => in_doubt!("erase an account", e),
            }
        }
    }
    tally
}

/// Runs the workers against `base` until `stop` is set; returns their tallies.
fn spawn_workers(run: &Workload, rng: &mut Rng) -> Vec<tokio::task::JoinHandle<Tally>> {
    (0..run.world.workers.len()).map(|w| tokio::spawn(worker_loop(run.clone(), w, rng.next()))).collect()
}

// ---------------------------------------------------------------------------------------------
// 2. Crash safety
// ---------------------------------------------------------------------------------------------

/// What a restart must show. Returns the problems found (empty: all good) and how many
/// acknowledged writes were read back.
async fn check_after_restart(
    world: &World,
    base: &str,
    ledger: &Arc<Mutex<Ledger>>,
    cycle: u32,
    full: bool,
    rng: &mut Rng,
) -> (Vec<String>, u64) {
    let mut problems = Vec::new();
    let mut checked = 0u64;
    let http = &world.http;
    let host = world.host.token.as_str();
    // Acknowledged sign-ins: every worker's session still works.
    for (i, p) in world.workers.iter().enumerate() {
        match world.call(base, "GET", "/api/v1/me", Some(&p.token), None).await {
            Outcome::Ok(_) => checked += 1,
            Outcome::Refused(s, b) => problems.push(format!("worker {i}'s acknowledged session is gone: {s} {b}")),
            Outcome::InDoubt(e) => problems.push(format!("GET /api/v1/me: {e}")),
        }
    }
    // Cards: this cycle's in full (and everything when `full`), a sample of older ones.
    let cards: Vec<(String, CardRec)> = {
        let l = ledger.lock().unwrap();
        let mut all: Vec<(String, CardRec)> = l.cards.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    };
    let throwaways: Vec<Throwaway> = ledger.lock().unwrap().throwaways.clone();
    let mut sample: Vec<(String, CardRec)> = Vec::new();
    let older: Vec<&(String, CardRec)> = cards.iter().filter(|(_, c)| c.cycle + 1 < cycle).collect();
    for (id, c) in &cards {
        if full || c.cycle + 1 >= cycle || c.deleted != Deleted::No || c.in_doubt_text.is_some() {
            sample.push((id.clone(), c.clone()));
        }
    }
    for _ in 0..40.min(older.len()) {
        let (id, c) = older[rng.below(older.len() as u64) as usize];
        sample.push((id.clone(), c.clone()));
    }
    for (id, c) in sample {
        // Whether the owner's erasure settles it: acknowledged (must be gone) or in doubt
        // (decided below, with the account).
        let owner_life = match c.owner {
            Owner::Throwaway(t) => Some(throwaways[t].life.clone()),
            Owner::Worker(_) => None,
        };
        if matches!(owner_life, Some(Life::Erasing)) {
            continue;
        }
        let res = http.get(format!("{base}/api/v1/cards/{id}")).bearer_auth(host).send().await;
        let Ok(res) = res else {
            problems.push(format!("GET card {id}: no answer"));
            continue;
        };
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        checked += 1;
        match (owner_life, &c.deleted) {
            (Some(Life::Erased), _) => {
                if status != 404 {
                    problems.push(format!("card {id} of an erased person is still visible ({status}): half-erased person"));
                }
            }
            (_, Deleted::Yes) => {
                if status != 404 {
                    problems.push(format!("card {id} whose deletion was acknowledged is back ({status})"));
                }
            }
            (_, Deleted::Maybe) => {
                let mut l = ledger.lock().unwrap();
                let rec = l.cards.get_mut(&id).unwrap();
                match status {
                    404 => rec.deleted = Deleted::Yes,
                    200 => rec.deleted = Deleted::No,
                    s => problems.push(format!("card {id} (deletion in doubt): {s}")),
                }
            }
            (_, Deleted::No) => {
                if status != 200 {
                    problems.push(format!("acknowledged card {id} is lost ({status}, acknowledged in cycle {})", c.cycle));
                    continue;
                }
                let text = body["text"].as_str().unwrap_or_default();
                if text == c.text {
                    if c.in_doubt_text.is_some() {
                        ledger.lock().unwrap().cards.get_mut(&id).unwrap().in_doubt_text = None;
                    }
                } else if c.in_doubt_text.as_deref() == Some(text) {
                    let mut l = ledger.lock().unwrap();
                    let rec = l.cards.get_mut(&id).unwrap();
                    rec.text = text.to_string();
                    rec.in_doubt_text = None;
                } else {
                    problems.push(format!(
                        "card {id}: text is {text:?}, the last acknowledged was {:?} (in doubt: {:?})",
                        c.text, c.in_doubt_text
                    ));
                }
            }
        }
    }
    // Consent choices: the latest acknowledged (or the one in flight at the kill).
    let consents: Vec<(usize, ConsentRec)> = ledger.lock().unwrap().consents.iter().map(|(k, v)| (*k, v.clone())).collect();
    for (w, c) in consents {
        let Outcome::Ok(v) = world.call(base, "GET", "/api/v1/me/consents", Some(&world.workers[w].token), None).await else {
            problems.push(format!("worker {w}: cannot read consents"));
            continue;
        };
        checked += 1;
        let got =
            v["consents"].as_array().and_then(|a| a.iter().find(|x| x["purpose"] == "marketing")).and_then(|m| m["granted"].as_bool());
        // Before any acknowledged choice the answer from sign-up stands: no (or no record).
        let ok = got == c.granted || (c.in_doubt.is_some() && got == c.in_doubt) || (c.granted.is_none() && got != Some(true));
        if !ok {
            problems.push(format!("worker {w}: marketing consent is {got:?}, acknowledged {:?} (in doubt {:?})", c.granted, c.in_doubt));
        } else {
            let mut l = ledger.lock().unwrap();
            let rec = l.consents.get_mut(&w).unwrap();
            if got.is_some() {
                rec.granted = got;
            }
            rec.in_doubt = None;
        }
    }
    // Erasures: acknowledged ones are complete; interrupted ones are all or nothing.
    for (t, p) in throwaways.iter().enumerate() {
        if !(full || p.cycle + 1 >= cycle || p.life == Life::Erasing || rng.below(10) == 0) {
            continue;
        }
        let signin = world.call(base, "POST", "/api/v1/sessions", None, Some(json!({ "email": p.email, "password": p.password }))).await;
        let can_sign_in = match &signin {
            Outcome::Ok(_) => true,
            Outcome::Refused(401, _) => false,
            Outcome::Refused(s, b) => {
                problems.push(format!("throwaway {t}: sign-in answered {s} {b}"));
                continue;
            }
            Outcome::InDoubt(e) => {
                problems.push(format!("throwaway {t}: sign-in: {e}"));
                continue;
            }
        };
        let token_works = match &p.token {
            Some(tok) => matches!(world.call(base, "GET", "/api/v1/me", Some(tok), None).await, Outcome::Ok(_)),
            None => can_sign_in,
        };
        let card_visible = match &p.card {
            Some(id) => {
                http.get(format!("{base}/api/v1/cards/{id}")).bearer_auth(host).send().await.map(|r| r.status() == 200).unwrap_or(false)
            }
            None => can_sign_in,
        };
        checked += 1;
        match p.life {
            Life::Erased => {
                if can_sign_in || token_works || card_visible {
                    problems.push(format!("throwaway {t}: erasure acknowledged but sign-in {can_sign_in}, old session {token_works}, card visible {card_visible}"));
                }
            }
            Life::Erasing => {
                // All or nothing: the account and its card are both there, or both gone (the
                // tombstone replayed at start finishes an erasure whose key was destroyed).
                // The old session may be ended either way: an erasure signs out everywhere
                // first, before it destroys the key, so a kill between the two leaves an
                // intact account whose sessions have ended (the person signs in and retries).
                if can_sign_in == card_visible && (can_sign_in || !token_works) {
                    let mut l = ledger.lock().unwrap();
                    if can_sign_in && !token_works {
                        l.throwaways[t].token = None;
                        *l.observed.entry("erasure interrupted before the key: intact, signed out").or_default() += 1;
                    }
                    if !can_sign_in {
                        *l.observed.entry("erasure interrupted and completed").or_default() += 1;
                    }
                    l.throwaways[t].life = if can_sign_in { Life::Alive } else { Life::Erased };
                } else {
                    problems.push(format!("throwaway {t}: half erased after an interrupted erasure: sign-in {can_sign_in}, old session {token_works}, card visible {card_visible}"));
                }
            }
            Life::Alive => {
                if !can_sign_in || (p.token.is_some() && !token_works) || (p.card.is_some() && !card_visible) {
                    problems.push(format!("throwaway {t}: an acknowledged account lost something: sign-in {can_sign_in}, session {token_works}, card {card_visible}"));
                }
            }
        }
    }
    (problems, checked)
}

/// Exports: every acknowledged one is there and not failed; queued ones become ready within
/// `wait`. Returns (problems, exports still `running` after the wait: the builder died with the
/// process and the 10-minute staleness guard holds them back).
async fn check_exports(world: &World, base: &str, ledger: &Arc<Mutex<Ledger>>, wait: Duration) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let started = Instant::now();
    let mut settled: Option<Instant> = None;
    loop {
        let pending: Vec<(usize, ExportRec)> =
            ledger.lock().unwrap().exports.iter().enumerate().filter(|(_, e)| !e.ready).map(|(i, e)| (i, e.clone())).collect();
        let mut running = Vec::new();
        let mut queued = 0;
        for (i, e) in &pending {
            match world.call(base, "GET", &format!("/api/v1/me/exports/{}", e.id), Some(&world.workers[e.worker].token), None).await {
                Outcome::Ok(v) => match v["state"].as_str().unwrap_or_default() {
                    "ready" => ledger.lock().unwrap().exports[*i].ready = true,
                    "queued" => queued += 1,
                    "running" => running.push(e.id.clone()),
                    s => {
                        problems.push(format!("export {} is {s}", e.id));
                        ledger.lock().unwrap().exports[*i].ready = true;
                    }
                },
                Outcome::Refused(s, b) => {
                    problems.push(format!("acknowledged export {} is lost: {s} {b}", e.id));
                    ledger.lock().unwrap().exports[*i].ready = true;
                }
                Outcome::InDoubt(e) => problems.push(format!("export status: {e}")),
            }
        }
        // Once nothing is queued, a `running` export is either being built right now (it
        // finishes within moments) or was left by the killed process: give it two seconds.
        if queued > 0 || running.is_empty() {
            settled = None;
        } else if settled.is_none() {
            settled = Some(Instant::now());
        }
        let settled_long = settled.is_some_and(|s| s.elapsed() > Duration::from_secs(2));
        if (queued == 0 && (running.is_empty() || settled_long)) || started.elapsed() > wait || !problems.is_empty() {
            if queued > 0 {
                problems.push(format!("{queued} queued export(s) not built within {wait:?}"));
            }
            return (problems, running);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[derive(Debug, Default)]
struct CrashFigures {
    kills: u32,
    requests: u64,
    acknowledged: u64,
    read_back: u64,
    deferred_exports: usize,
    seconds: f64,
}

/// The crash drill on one backend: `kills` times, a mixed load for a random while, SIGKILL,
/// restart, checks.
async fn crash_drill(backend: Backend) -> CrashFigures {
    let kills = u32::try_from(env_num("CRASH_KILLS", 3)).unwrap_or(3);
    let workers = env_num("CRASH_WORKERS", 4) as usize;
    let max_window = env_num("CRASH_MAX_WINDOW_MS", 2500);
    let seed = env_num("CRASH_SEED", Rng::fresh() % 1_000_000_000);
    eprintln!("crash drill on {backend:?}: {kills} kills, {workers} workers, seed {seed} (CRASH_SEED={seed} repeats the choices)");
    let mut rng = Rng::seeded(seed);
    let started = Instant::now();
    let mut dep = Deployment::new(PathBuf::from(env!("CARGO_BIN_EXE_clearboard")), backend).await;
    let mut server = dep.start(Duration::from_secs(60)).await;
    let world = Arc::new(World::setup(&server.base, workers).await);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut figures = CrashFigures::default();
    let mut deferred: Vec<String> = Vec::new();
    let mix = Mix { reads: false, max_cards: 200 };
    for cycle in 1..=kills {
        let stop = Arc::new(AtomicBool::new(false));
        let killed = Arc::new(AtomicBool::new(false));
        let run = Workload {
            world: world.clone(),
            base: server.base.clone(),
            cycle,
            mix,
            ledger: ledger.clone(),
            stop: stop.clone(),
            killed: killed.clone(),
        };
        let handles = spawn_workers(&run, &mut rng);
        let window = Duration::from_millis(rng.between(150, max_window));
        tokio::time::sleep(window).await;
        killed.store(true, Ordering::SeqCst);
        server.kill9();
        stop.store(true, Ordering::SeqCst);
        let mut errors = Vec::new();
        for h in handles {
            let t = h.await.unwrap();
            figures.requests += t.requests;
            errors.extend(t.errors);
        }
        assert!(errors.is_empty(), "cycle {cycle}: errors under load before the kill:\n{}", errors.join("\n"));
        figures.kills += 1;
        // Restart on the same storage: stores open, erasures replayed, ready.
        server = dep.start(Duration::from_secs(60)).await;
        let full = cycle == kills;
        let (mut problems, checked) = check_after_restart(&world, &server.base, &ledger, cycle, full, &mut rng).await;
        figures.read_back += checked;
        let (export_problems, running) = check_exports(&world, &server.base, &ledger, Duration::from_secs(30)).await;
        problems.extend(export_problems);
        for id in running {
            if !deferred.contains(&id) {
                deferred.push(id);
            }
        }
        let (ok, out) = dep.audit_verify().await;
        if !ok {
            problems.push(format!("audit verify failed after kill {cycle}:\n{out}"));
        }
        assert!(
            problems.is_empty(),
            "after kill {cycle} (window {window:?}, seed {seed}):\n{}\nserver log:\n{}",
            problems.join("\n"),
            tail_of(&server.log)
        );
        if kills >= 10 && cycle % 10 == 0 {
            let l = ledger.lock().unwrap();
            eprintln!(
                "  {cycle}/{kills} kills, {} acknowledged writes so far, {:.0} s",
                l.acked.values().sum::<u64>(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    // Exports whose builder was killed mid-build wait for the 10-minute staleness guard
    // (`STALE_RUNNING` in core/src/exports.rs): prove they resume by running the upkeep on
    // the same storage with a clock 11 minutes ahead.
    let still: Vec<String> = {
        let l = ledger.lock().unwrap();
        l.exports.iter().filter(|e| !e.ready && deferred.contains(&e.id)).map(|e| e.id.clone()).collect()
    };
    figures.deferred_exports = deferred.len();
    drop(server);
    if !still.is_empty() {
        eprintln!("{} export(s) were interrupted mid-build; resuming them with the clock 11 minutes ahead", still.len());
        let mut config = clearboard_app::Config::load(None, &clearboard_app::Overrides::default()).unwrap_or_default();
        config.data_dir = dep.data_dir();
        config.database_url = dep.database_url.clone();
        config.kek_file = None;
        config.smtp_url = None;
        let now = i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap();
        let clock = clearboard_core::platform::clock::SimClock::at(now + 11 * 60_000);
        let app = clearboard_app::build(
            &config,
            Arc::new(clock) as Arc<dyn clearboard_core::platform::clock::Clock>,
            None,
            clearboard_web::platform::ratelimit::Limits::relaxed(),
        )
        .await
        .unwrap();
        let built = app.state.cb.exports().run_pending().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = app.state.clone();
        let serving = tokio::spawn(async move {
            let _ = clearboard_app::serve(state, listener, async move {
                let _ = rx.await;
            })
            .await;
        });
        let (problems, running) = check_exports(&world, &base, &ledger, Duration::from_secs(30)).await;
        let _ = tx.send(());
        let _ = serving.await;
        app.opened.close().await;
        assert!(
            problems.is_empty() && running.is_empty(),
            "interrupted exports did not resume ({built} built): {problems:?}, still running: {running:?}"
        );
    }
    figures.acknowledged = ledger.lock().unwrap().acked.values().sum();
    figures.seconds = started.elapsed().as_secs_f64();
    let l = ledger.lock().unwrap();
    let mut kinds: Vec<_> = l.acked.iter().collect();
    kinds.sort();
    eprintln!(
        "CRASH DRILL {backend:?}: {} kills, {} requests, {} acknowledged writes ({}), {} read back, {} exports interrupted mid-build (resumed), {}, 0 failures, {:.1} s",
        figures.kills,
        figures.requests,
        figures.acknowledged,
        kinds.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "),
        figures.read_back,
        figures.deferred_exports,
        l.observed.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "),
        figures.seconds
    );
    drop(l);
    figures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_safety_kill_9_sqlite() {
    let f = crash_drill(Backend::Sqlite).await;
    assert!(f.acknowledged > 0 && f.read_back > 0, "the drill wrote or read nothing: {f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_safety_kill_9_postgres() {
    if !clearboard_testkit::pg::available().await {
        return;
    }
    let f = crash_drill(Backend::Postgres).await;
    assert!(f.acknowledged > 0 && f.read_back > 0, "the drill wrote or read nothing: {f:?}");
}

// ---------------------------------------------------------------------------------------------
// 3. Soak (drills/soak.sh)
// ---------------------------------------------------------------------------------------------

/// Mixed load for `SOAK_MINUTES` against `SOAK_BIN` (the release binary; the debug one by
/// default): zero errors, RSS growth from the end of the warm-up to the end under 5%.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes long: run by drills/soak.sh"]
async fn soak() {
    let minutes = env_num("SOAK_MINUTES", 10);
    let workers = env_num("SOAK_WORKERS", 4) as usize;
    let sample_every = Duration::from_secs(env_num("SOAK_SAMPLE_SECONDS", 5));
    let backend = match std::env::var("SOAK_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let bin = std::env::var("SOAK_BIN").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_clearboard")));
    let total = Duration::from_secs(minutes * 60);
    // Warm-up: a fifth of the run, at most two minutes.
    let warmup = (total / 5).min(Duration::from_secs(120));
    let mut dep = Deployment::new(bin.clone(), backend).await;
    let server = dep.start(Duration::from_secs(60)).await;
    let world = Arc::new(World::setup(&server.base, workers).await);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let killed = Arc::new(AtomicBool::new(false));
    let seed = env_num("SOAK_SEED", Rng::fresh() % 1_000_000_000);
    let mut rng = Rng::seeded(seed);
    eprintln!("soak: {} for {minutes} min on {backend:?}, {workers} workers, warm-up {warmup:?}, seed {seed}", bin.display());
    let mix = Mix { reads: true, max_cards: 40 };
    let run = Workload {
        world: world.clone(),
        base: server.base.clone(),
        cycle: 1,
        mix,
        ledger: ledger.clone(),
        stop: stop.clone(),
        killed: killed.clone(),
    };
    let handles = spawn_workers(&run, &mut rng);
    let started = Instant::now();
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let csv = std::env::var("SOAK_CSV").ok();
    while started.elapsed() < total {
        tokio::time::sleep(sample_every).await;
        let rss = server.rss_kib().expect("the server is alive");
        samples.push((started.elapsed().as_secs_f64(), rss));
        if samples.len().is_multiple_of(12) {
            let acked: u64 = ledger.lock().unwrap().acked.values().sum();
            eprintln!("  {:>5.0} s  RSS {:>7} KiB  {acked} acknowledged writes", started.elapsed().as_secs_f64(), rss);
        }
    }
    stop.store(true, Ordering::SeqCst);
    let mut requests = 0;
    let mut errors = Vec::new();
    for h in handles {
        let t = h.await.unwrap();
        requests += t.requests;
        errors.extend(t.errors);
    }
    let (check_problems, _) = check_exports(&world, &server.base, &ledger, Duration::from_secs(60)).await;
    let at_warmup = samples.iter().find(|(t, _)| *t >= warmup.as_secs_f64()).map(|s| s.1).unwrap_or(samples[0].1);
    let end = samples.last().unwrap().1;
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let growth = (end as f64 - at_warmup as f64) / at_warmup as f64 * 100.0;
    let acked: u64 = ledger.lock().unwrap().acked.values().sum();
    let secs = started.elapsed().as_secs_f64();
    if let Some(path) = csv {
        let mut s = String::from("seconds,rss_kib\n");
        for (t, r) in &samples {
            s.push_str(&format!("{t:.1},{r}\n"));
        }
        std::fs::write(path, s).unwrap();
    }
    eprintln!(
        "SOAK: {minutes} min, {requests} requests ({:.0}/s), {acked} acknowledged writes, {} errors; RSS after warm-up {at_warmup} KiB, at the end {end} KiB, peak {peak} KiB, growth {growth:+.2}%",
        requests as f64 / secs,
        errors.len() + check_problems.len()
    );
    assert!(
        errors.is_empty() && check_problems.is_empty(),
        "errors during the soak:\n{}\n{}",
        errors.iter().take(50).cloned().collect::<Vec<_>>().join("\n"),
        check_problems.join("\n")
    );
    assert!(growth < 5.0, "RSS grew {growth:.2}% after the warm-up ({at_warmup} → {end} KiB)");
    drop(server);
    drop(dep);
}
