//! The abuse drill (issue 11, acceptance item 9): every hardening check of the security review,
//! at volume, against the real `clearboard` binary: a child process on a temporary data dir
//! (SQLite, or PostgreSQL with `ABUSE_BACKEND=postgres`), with a real SMTP sink, the metrics
//! listener and token, and the real limits (nothing relaxed). The server is judged only by what
//! its clients see, what the process uses (`/proc/<pid>/status`) and what it leaves in its log
//! file and data dir. One block starting `ABUSE DRILL` lists each check HELD or FAILED with its
//! figures; one FAILED fails the test.
//!
//! CI runs `abuse_drill_ci` (small sizes, ~30 s on the debug binary); `drills/abuse.sh
//! [small|full]` runs the ignored `abuse_drill_full` on the release binary. Sizes and knobs are
//! `ABUSE_*` variables (drills/README.md). Checks live in `abuse_drill/leaks.rs` (what the
//! server shows or keeps: items 1, 3, 4, 6) and `abuse_drill/limits.rs` (what it bounds or
//! refuses: 2, 5, 7); bombs in `abuse_drill/bombs.rs`.
//!
//! Every answer read through `Drill::send` is also held to the error catalogue and the OpenAPI
//! document (issue 12, acceptance 3), as the test kit holds the apps it spawns.
//!
//! It must not read the stores through the app's code, relax a limit, or weaken a check to
//! make a run pass: a check the code does not meet yet is reported FAILED.

// Drills measure real processes in real time: the simulated clock has no say here.
#![allow(clippy::disallowed_methods)]

mod bombs;
mod leaks;
mod limits;
mod signups;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clearboard_testkit::catalogue::{Asked, Inspector};
use clearboard_testkit::{SmtpSink, forensics};

/// Every answer the drill reads through `Drill::send`, checked as the test kit checks the
/// answers of the apps it spawns (issue 12, acceptance 3): the server here is a child process.
static CATALOGUE: std::sync::LazyLock<Inspector> = std::sync::LazyLock::new(Inspector::new);

use super::drills::{Deployment, client, env_num, tail_of};
use super::*;

/// How much of everything: `ci` (the test CI runs), `small` (drills/abuse.sh's default) or
/// `full`; each figure can be set alone with its variable.
#[derive(Debug, Clone)]
pub(crate) struct Sizes {
    pub(crate) links: usize,
    pub(crate) unknown_paths: usize,
    pub(crate) slow_conns: usize,
    pub(crate) reauth_guesses: usize,
    pub(crate) attacker_failures: usize,
    pub(crate) concurrency: usize,
    pub(crate) sockets: usize,
    pub(crate) flood: usize,
    pub(crate) bombs: usize,
    pub(crate) bomb_parallel: usize,
    pub(crate) signups: usize,
    pub(crate) anon_cards: usize,
    pub(crate) anon_participants: usize,
    pub(crate) media_rounds: usize,
    pub(crate) export_owners: usize,
}

impl Sizes {
    fn of(profile: &str) -> Sizes {
        let pick = |name: &str, ci: u64, small: u64, full: u64| {
            let default = match profile {
                "ci" => ci,
                "full" => full,
                _ => small,
            };
            usize::try_from(env_num(name, default)).unwrap_or(usize::MAX)
        };
        Sizes {
            links: pick("ABUSE_LINKS", 5, 50, 200),
            unknown_paths: pick("ABUSE_UNKNOWN_PATHS", 300, 1000, 20_000),
            slow_conns: pick("ABUSE_SLOW_CONNS", 200, 2000, 2000),
            reauth_guesses: pick("ABUSE_REAUTH_GUESSES", 24, 256, 1024),
            attacker_failures: pick("ABUSE_ATTACKER_FAILURES", 40, 500, 2000),
            concurrency: pick("ABUSE_CONCURRENCY", 16, 32, 64).max(1),
            sockets: pick("ABUSE_SOCKETS", 40, 1500, 1500),
            flood: pick("ABUSE_FLOOD_MESSAGES", 500, 5000, 20_000),
            bombs: pick("ABUSE_BOMBS", 5, 10, 20),
            bomb_parallel: pick("ABUSE_BOMB_PARALLEL", 2, 2, 2).max(1),
            signups: pick("ABUSE_SIGNUPS", 12, 200, 400).max(4),
            anon_cards: pick("ABUSE_ANON_CARDS", 16, 200, 500),
            anon_participants: pick("ABUSE_ANON_PARTICIPANTS", 2, 4, 8).max(1),
            media_rounds: pick("ABUSE_MEDIA_ROUNDS", 1, 2, 5),
            export_owners: pick("ABUSE_EXPORT_OWNERS", 3, 6, 9).max(3),
        }
    }
}

/// A secret or personal value the drill planted: it must appear in no log line, and (unless
/// it is kept by design, like a board's join code) in no file of the data dir.
struct Secret {
    kind: &'static str,
    value: String,
    on_disk_allowed: bool,
}

/// The running drill: the server's addresses, the mail sink, the secrets planted so far.
pub(crate) struct Drill {
    pub(crate) base: String,
    pub(crate) metrics_base: String,
    pub(crate) metrics_token: String,
    pub(crate) http: reqwest::Client,
    pub(crate) sink: SmtpSink,
    pub(crate) pid: u32,
    /// The server's RSS once ready.
    pub(crate) rss_start_kib: u64,
    pub(crate) sizes: Sizes,
    ip: AtomicU64,
    secrets: Mutex<Vec<Secret>>,
    /// Positive controls of the final scan: values that must be found in the log, on disk.
    controls: Mutex<(Vec<String>, Vec<String>)>,
}

/// A person with an account, signed in.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) password: String,
    pub(crate) first: String,
    pub(crate) last: String,
    pub(crate) token: String,
    pub(crate) device: String,
}

/// One check's outcome: its figures and, when it failed, why.
#[derive(Debug)]
pub(crate) struct Verdict {
    pub(crate) item: &'static str,
    pub(crate) figures: Vec<String>,
    pub(crate) problems: Vec<String>,
}

impl Verdict {
    pub(crate) fn new(item: &'static str) -> Verdict {
        Verdict { item, figures: Vec::new(), problems: Vec::new() }
    }
    pub(crate) fn fig(&mut self, s: impl Into<String>) {
        self.figures.push(s.into());
    }
    /// Records a problem unless `ok`.
    pub(crate) fn check(&mut self, ok: bool, problem: impl FnOnce() -> String) {
        if !ok {
            self.problems.push(problem());
        }
    }
}

impl Drill {
    /// A made-up client address (documentation range), new for every call: the server trusts
    /// 127.0.0.1 as a proxy, so per-address limits hold per "person" as in production.
    pub(crate) fn ip(&self) -> String {
        let n = self.ip.fetch_add(1, Ordering::Relaxed);
        format!("2001:db8:ab::{:x}:{:x}", n >> 16, n & 0xffff)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.base) }
    }

    /// A request from a new address, with a bearer token if given.
    pub(crate) fn req(&self, method: &str, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let rb = self.http.request(m, self.url(path)).header("x-forwarded-for", self.ip());
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Sends and reads the answer: (status, JSON body, or `{"text": …}` when it is not JSON;
    /// status 0 when no answer came). Every answer is checked against the error catalogue and
    /// the OpenAPI document ([`CATALOGUE`]).
    pub(crate) async fn send(rb: reqwest::RequestBuilder) -> (u16, Value) {
        let (client, req) = rb.build_split();
        let req = match req {
            Ok(r) => r,
            Err(e) => return (0, json!({ "text": e.to_string() })),
        };
        let asked = Asked { method: req.method().clone(), path: req.url().path().to_string() };
        match client.execute(req).await {
            Err(e) => (0, json!({ "text": e.to_string() })),
            Ok(res) => {
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                let bytes = res.bytes().await.unwrap_or_default();
                CATALOGUE.check(&asked, status, &headers, &bytes).ok();
                (status, serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({ "text": String::from_utf8_lossy(&bytes) })))
            }
        }
    }

    pub(crate) async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut rb = self.req(method, path, token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Drill::send(rb).await
    }

    /// Like `call`, but a status other than `want` is a broken drill (set-up steps).
    pub(crate) async fn ok(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>, want: u16) -> Value {
        let (s, v) = self.call(method, path, token, body).await;
        assert_eq!(s, want, "{method} {path}: {v}");
        v
    }

    pub(crate) fn plant(&self, kind: &'static str, value: &str, on_disk_allowed: bool) {
        if !value.is_empty() {
            self.secrets.lock().unwrap().push(Secret { kind, value: value.to_string(), on_disk_allowed });
        }
    }

    /// A value the server logs (a request id): the log scan must find it.
    pub(crate) fn control_in_log(&self, value: &str) {
        if !value.is_empty() {
            self.controls.lock().unwrap().0.push(value.to_string());
        }
    }

    /// A value the server keeps in clear by design: the raw scan must find it.
    pub(crate) fn control_on_disk(&self, value: &str) {
        self.controls.lock().unwrap().1.push(value.to_string());
    }

    pub(crate) fn sign_up_body(&self) -> Value {
        json!({
            "email": canary_email("abuse"),
            "password": format!("drill passphrase {}", canary("Pw")),
            "first_name": canary("First"),
            "last_name": canary("Last"),
            "birth_date": "1990-05-17",
        })
    }

    /// The token of the latest activation link mailed to `email` (waits up to 30 s).
    pub(crate) async fn activation_token(&self, email: &str) -> Option<String> {
        let is_link = |m: &clearboard_testkit::ReceivedMail| m.text.contains("/activate#token=");
        self.sink.wait_for(email, is_link, Duration::from_secs(30)).await?;
        let latest = self.sink.messages().into_iter().rfind(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(email)) && is_link(m))?;
        Some(latest.first_link()?.split_once("#token=")?.1.to_string())
    }

    /// Signs in: Ok((token, device cookie)) or Err(status). Waits out `503 busy`.
    pub(crate) async fn sign_in(&self, email: &str, password: &str) -> Result<(String, String), (u16, Value)> {
        for _ in 0..20 {
            let (s, v) = self.call("POST", "/api/v1/sessions", None, Some(json!({ "email": email, "password": password }))).await;
            match s {
                201 => {
                    return Ok((
                        v["token"].as_str().unwrap_or_default().to_string(),
                        v["device_cookie"].as_str().unwrap_or_default().to_string(),
                    ));
                }
                503 => tokio::time::sleep(Duration::from_millis(500)).await,
                _ => return Err((s, v)),
            }
        }
        Err((503, Value::Null))
    }

    /// Signs up (202: activation by email), follows the emailed link, signs in.
    pub(crate) async fn new_user(&self) -> User {
        let body = self.sign_up_body();
        let (s, v) = self.call("POST", "/api/v1/accounts", None, Some(body.clone())).await;
        assert_eq!(s, 202, "sign-up with a mail server answers 202: {v}");
        let email = body["email"].as_str().unwrap().to_string();
        let token = self.activation_token(&email).await.expect("an activation email");
        self.plant("activation token", &token, true);
        self.ok("POST", "/api/v1/accounts/activation", None, Some(json!({ "token": token })), 200).await;
        let password = body["password"].as_str().unwrap().to_string();
        let (token, device) = self.sign_in(&email, &password).await.expect("sign-in after activation");
        let me = self.ok("GET", "/api/v1/me", Some(&token), None, 200).await;
        let u = User {
            id: me["id"].as_str().unwrap().to_string(),
            email,
            password,
            first: body["first_name"].as_str().unwrap().to_string(),
            last: body["last_name"].as_str().unwrap().to_string(),
            token,
            device,
        };
        self.plant_user(&u);
        u
    }

    pub(crate) fn plant_user(&self, u: &User) {
        for (kind, v) in [
            ("email", &u.email),
            ("password", &u.password),
            ("first name", &u.first),
            ("last name", &u.last),
            ("session token", &u.token),
            ("device cookie", &u.device),
        ] {
            self.plant(kind, v, false);
        }
    }

    /// Reads `/proc/<pid>/status` for a field in KiB (`VmRSS`, `VmHWM`).
    pub(crate) fn proc_kib(&self, field: &str) -> Option<u64> {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        s.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
    }

    /// Resets the peak (`VmHWM`) to the current RSS (Linux: `5` into `clear_refs`).
    pub(crate) fn reset_peak(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }
}

/// The people and places every check shares.
pub(crate) struct World {
    pub(crate) alice: User,
    pub(crate) bob: User,
    pub(crate) carol: User,
    pub(crate) org: String,
    pub(crate) board: String,
}

async fn setup(d: &Drill) -> World {
    let (alice, bob, carol) = (d.new_user().await, d.new_user().await, d.new_user().await);
    let org = d.ok("POST", "/api/v1/orgs", Some(&alice.token), Some(json!({ "name": "Abuse drill team" })), 201).await;
    let org = org["id"].as_str().unwrap().to_string();
    for u in [&bob, &carol] {
        let inv =
            d.ok("POST", &format!("/api/v1/orgs/{org}/invitations"), Some(&alice.token), Some(json!({ "role": "member" })), 201).await;
        d.plant("invitation token", inv["token"].as_str().unwrap_or_default(), false);
        d.ok("POST", "/api/v1/invitations/accept", Some(&u.token), Some(json!({ "token": inv["token"] })), 200).await;
    }
    let board = d.ok("POST", "/api/v1/boards", Some(&alice.token), Some(json!({ "title": "Drill board", "org_id": org })), 201).await;
    d.plant("join code", board["join_code"].as_str().unwrap_or_default(), true);
    World { alice, bob, carol, org, board: board["id"].as_str().unwrap().to_string() }
}

/// Every folder 0700 and every file 0600 under `root` (C-SEC-1; issue 11, item 8).
fn private_tree(root: &Path, v: &mut Verdict, when: &str) {
    use std::os::unix::fs::PermissionsExt;
    let (mut dirs, mut files, mut bad) = (0, 0, Vec::new());
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(meta) = std::fs::metadata(&dir) else { continue };
        dirs += 1;
        if meta.permissions().mode() & 0o777 != 0o700 {
            bad.push(format!("{} is {:o}", dir.display(), meta.permissions().mode() & 0o777));
        }
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
            } else {
                files += 1;
                if m.permissions().mode() & 0o777 != 0o600 {
                    bad.push(format!("{} is {:o}", e.path().display(), m.permissions().mode() & 0o777));
                }
            }
        }
    }
    v.fig(format!("{when}: {dirs} folders, {files} files, {} not private", bad.len()));
    v.check(bad.is_empty(), || format!("{when}: {}", bad.iter().take(10).cloned().collect::<Vec<_>>().join("; ")));
    // At least the key-encryption key and the regions' folders (on PostgreSQL the databases
    // are elsewhere).
    v.check(dirs >= 3 && files >= 1, || format!("{when}: too little to judge ({dirs} folders, {files} files)"));
}

/// The end: every planted secret looked for in every log line of the run and in the raw files
/// of the data dir (and, on PostgreSQL, the databases' files). Hits go to the check that
/// planted the secret; the rest to the scan's own line.
async fn final_scan(d: &Drill, dep: &Deployment, verdicts: &mut [Verdict]) -> Verdict {
    let mut scan = Verdict::new("0. secrets at rest and in logs");
    let secrets: Vec<(&'static str, String, bool)> =
        d.secrets.lock().unwrap().iter().map(|s| (s.kind, s.value.clone(), s.on_disk_allowed)).collect();
    let mut log = Vec::new();
    for e in std::fs::read_dir(dep.dir.path()).unwrap().flatten() {
        if e.file_name().to_string_lossy().ends_with(".log") {
            log.extend(std::fs::read(e.path()).unwrap_or_default());
        }
    }
    let lines = log.iter().filter(|b| **b == b'\n').count();
    let needles: Vec<String> = secrets.iter().map(|s| s.1.clone()).collect();
    let log_hits = forensics::scan_bytes(&log, &needles);
    let mut paths = vec![dep.data_dir()];
    if let Some(prefix) = &dep.pg_prefix {
        for suffix in ["", "_eu", "_eu_keys", "_us", "_us_keys"] {
            paths.extend(clearboard_testkit::pg::database_files(&format!("{prefix}{suffix}")).await);
        }
    }
    let disk_needles: Vec<String> = secrets.iter().filter(|s| !s.2).map(|s| s.1.clone()).collect();
    let disk_hits = forensics::scan(&paths, &disk_needles);
    let files = forensics::all_files(&paths).len();
    let kind_of = |needle: &str| secrets.iter().find(|s| s.1 == needle).map_or("?", |s| s.0);
    // Which check owns a kind of secret.
    let owner = |kind: &str| match kind {
        "invitation token" | "join code" | "metrics token" | "participant token" | "recovery code" => Some("1."),
        "media marker" => Some("3."),
        "export download" => Some("6."),
        _ => None,
    };
    // (owning check or none, description) → hits
    let mut by_kind: std::collections::BTreeMap<(Option<&str>, String), usize> = Default::default();
    for (needle, enc) in &log_hits {
        let kind = kind_of(needle);
        *by_kind.entry((owner(kind), format!("{kind} in the log ({enc})"))).or_default() += 1;
    }
    for h in &disk_hits {
        let kind = kind_of(&h.needle);
        *by_kind
            .entry((
                owner(kind),
                format!("{kind} in {} ({})", h.path.strip_prefix(dep.dir.path()).unwrap_or(&h.path).display(), h.encoding),
            ))
            .or_default() += 1;
    }
    for ((own, what), n) in &by_kind {
        let problem = format!("{n} × {what}");
        match own.and_then(|p| verdicts.iter_mut().find(|v| v.item.starts_with(p))) {
            Some(v) => v.problems.push(problem),
            None => scan.problems.push(problem),
        }
    }
    for (prefix, what) in [
        ("1.", "link secrets (invitation tokens, join codes, participant tokens, the metrics token)"),
        ("3.", "media markers"),
        ("6.", "export download tokens"),
    ] {
        let n = secrets.iter().filter(|s| owner(s.0) == Some(prefix)).count();
        let hits: usize = by_kind.iter().filter(|((o, _), _)| *o == Some(prefix)).map(|(_, n)| n).sum();
        if let Some(v) = verdicts.iter_mut().find(|v| v.item.starts_with(prefix)) {
            v.fig(format!(
                "final scan: {n} {what} looked for in every log line{}: {hits} found",
                if prefix == "1." { " and (join codes aside) the data dir" } else { " and the data dir" }
            ));
        }
    }
    // Positive controls: the scans find what is there (a request id in the log, a join code,
    // kept in clear by design, in the data dir).
    let (in_log, on_disk) = d.controls.lock().unwrap().clone();
    let log_found = in_log.iter().filter(|c| !forensics::scan_bytes(&log, std::slice::from_ref(c)).is_empty()).count();
    let disk_found = on_disk.iter().filter(|c| !forensics::scan(&paths, std::slice::from_ref(c)).is_empty()).count();
    scan.check(log_found > 0 && disk_found == on_disk.len(), || {
        format!(
            "positive controls: {log_found} of {} request ids found in the log, {disk_found} of {} join codes in the data dir",
            in_log.len(),
            on_disk.len()
        )
    });
    let kinds: std::collections::BTreeSet<&str> = secrets.iter().map(|s| s.0).collect();
    scan.fig(format!("{} secrets of {} kinds planted; log: {lines} lines, {} bytes, {} hits; data dir: {files} files, {} hits; positive controls found: {log_found}/{} in the log, {disk_found}/{} on disk", secrets.len(), kinds.len(), log.len(), log_hits.len(), disk_hits.len(), in_log.len(), on_disk.len()));
    scan.check(lines > 100, || format!("the log has only {lines} lines: is the server logging?"));
    scan
}

fn summary(profile: &str, bin: &Path, backend: Backend, secs: f64, verdicts: &[Verdict]) -> String {
    let failed = verdicts.iter().filter(|v| !v.problems.is_empty()).count();
    let mut s = format!(
        "ABUSE DRILL: {} checks, {} HELD, {failed} FAILED ({profile} sizes, {}, {backend:?}, {secs:.0} s)\n",
        verdicts.len(),
        verdicts.len() - failed,
        bin.display()
    );
    for v in verdicts {
        let verdict = if v.problems.is_empty() { "HELD  " } else { "FAILED" };
        s.push_str(&format!("  {verdict} {}\n", v.item));
        for f in &v.figures {
            s.push_str(&format!("           {f}\n"));
        }
        for p in &v.problems {
            s.push_str(&format!("         ! {p}\n"));
        }
    }
    s
}

async fn drill(profile: &str, bin: PathBuf) {
    let sizes = Sizes::of(profile);
    let backend = match std::env::var("ABUSE_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    if backend == Backend::Postgres {
        assert!(clearboard_testkit::pg::available().await, "ABUSE_BACKEND=postgres needs PostgreSQL at TEST_POSTGRES_URL");
    }
    let started = Instant::now();
    let sink = SmtpSink::start().await;
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let metrics_token = canary("MetricsToken");
    let mut dep = Deployment::new(bin.clone(), backend).await;
    dep.env = vec![
        ("CLEARBOARD_SMTP_URL".into(), sink.url()),
        ("CLEARBOARD_METRICS_LISTEN".into(), format!("127.0.0.1:{metrics_port}")),
        ("CLEARBOARD_METRICS_TOKEN".into(), metrics_token.clone()),
        ("CLEARBOARD_LOG_LEVEL".into(), std::env::var("ABUSE_LOG_LEVEL").unwrap_or_else(|_| "debug".into())),
    ];
    let header_timeout = match std::env::var("ABUSE_HEADER_TIMEOUT").ok().and_then(|v| v.parse::<u64>().ok()) {
        Some(s) => {
            dep.env.push(("CLEARBOARD_HEADER_TIMEOUT_SECONDS".into(), s.to_string()));
            Duration::from_secs(s)
        }
        None => Duration::from_secs(u64::from(clearboard_app::Config::default().header_timeout_seconds)),
    };
    eprintln!("abuse drill: {} ({profile} sizes, {backend:?}): {sizes:?}", bin.display());
    let server = dep.start(Duration::from_secs(60)).await;
    let mut perms = Verdict::new("8. a fresh data dir is private (0700 folders, 0600 files)");
    private_tree(&dep.data_dir(), &mut perms, "fresh");
    let d = Drill {
        base: server.base.clone(),
        metrics_base: format!("http://127.0.0.1:{metrics_port}"),
        metrics_token: metrics_token.clone(),
        http: client(),
        sink,
        pid: server.pid,
        rss_start_kib: server.rss_kib().unwrap_or(0),
        sizes: sizes.clone(),
        ip: AtomicU64::new(1),
        secrets: Mutex::new(Vec::new()),
        controls: Mutex::new((Vec::new(), Vec::new())),
    };
    d.plant("metrics token", &metrics_token, false);
    let world = setup(&d).await;
    let mut verdicts = Vec::new();
    let phase = |name: &str| {
        eprintln!("  {:>6.1} s  server RSS {:>5} MiB  {name}", started.elapsed().as_secs_f64(), d.proc_kib("VmRSS").unwrap_or(0) / 1024)
    };
    phase("7. sign-ups");
    verdicts.push(signups::sign_ups(&d).await);
    phase("1. links and /metrics");
    verdicts.push(leaks::links_and_metrics(&d, &world).await);
    // The slow connections wait out the header timeout while the next checks run.
    let slow = tokio::spawn(limits::slow_connections(server.base.clone(), sizes.slow_conns, header_timeout));
    phase("3. media");
    verdicts.push(leaks::media(&d, &world).await);
    phase("4. anonymity");
    verdicts.push(leaks::anonymity(&d, &world).await);
    phase("6. export links");
    let (v6, export_zip) = leaks::export_links(&d, &world).await;
    verdicts.push(v6);
    phase("5. abuse");
    let slow = slow.await.unwrap();
    verdicts.push(limits::abuse(&d, &world, slow).await);
    phase("2. import bombs");
    verdicts.push(limits::bombs(&d, export_zip).await);
    let alive = d.proc_kib("VmRSS").is_some();
    phase("scans (the server stopped)");
    drop(server);
    private_tree(&dep.data_dir(), &mut perms, "after the run");
    verdicts.push(perms);
    let mut catalogue = Verdict::new("catalogue: every answer read is the error catalogue's, every success the documented one (issue 12)");
    let seen = CATALOGUE.errors_seen();
    let codes: std::collections::BTreeSet<&str> = seen.iter().map(|(_, c)| c.as_str()).collect();
    catalogue.fig(format!(
        "{} error answers checked, {} codes: {}",
        seen.len(),
        codes.len(),
        codes.into_iter().collect::<Vec<_>>().join(", ")
    ));
    for f in CATALOGUE.failures().into_iter().take(20) {
        catalogue.check(false, || f);
    }
    verdicts.push(catalogue);
    verdicts.sort_by_key(|v| v.item);
    let scan = final_scan(&d, &dep, &mut verdicts).await;
    verdicts.insert(0, scan);
    let report = summary(profile, &bin, backend, started.elapsed().as_secs_f64(), &verdicts);
    eprintln!("\n{report}");
    if let Ok(path) = std::env::var("ABUSE_REPORT") {
        std::fs::write(path, &report).unwrap();
    }
    assert!(alive, "the server died during the drill: {}", tail_of(&dep.dir.path().join("serve-1.log")));
    assert!(verdicts.iter().all(|v| v.problems.is_empty()), "the abuse drill found checks that do not hold (see ABUSE DRILL above)");
}

/// CI: every check, small sizes, the debug binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn abuse_drill_ci() {
    drill("ci", PathBuf::from(env!("CARGO_BIN_EXE_clearboard"))).await;
}

/// `drills/abuse.sh [small|full]`: `ABUSE_SIZE` and `ABUSE_BIN` (the release binary).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "minutes long: run by drills/abuse.sh"]
async fn abuse_drill_full() {
    let profile = std::env::var("ABUSE_SIZE").unwrap_or_else(|_| "full".into());
    let bin = std::env::var("ABUSE_BIN").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_clearboard")));
    drill(&profile, bin).await;
}
