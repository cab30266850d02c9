//! `spawn_app`: a real clearboard server on 127.0.0.1:0, with a temporary data dir, a
//! simulated clock, either backend and an SMTP server that keeps what it receives (the test
//! kit's own, in Rust and in process: [`crate::smtp::SmtpSink`]). On PostgreSQL every region
//! keeps its blobs on S3 (the process's moto server, a bucket per app, a prefix per region:
//! [`crate::s3`]); on SQLite in folders under the data dir. For what needs no HTTP, the
//! in-process domain harness is [`crate::domain`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clearboard_app::{Config, Overrides};
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, SimClock};
use clearboard_web::AppState;
use clearboard_web::platform::ratelimit::Limits;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::forensics::{self, Hit};
use crate::smtp::{ReceivedMail, SmtpSink};
use crate::{canary, canary_email, logs, pg};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// 2026-11-29T12:00:00Z: tests start here and move the clock themselves.
pub const START_MS: i64 = 1_795_953_600_000;

/// A change to the configuration before the app starts.
pub type Configure = Box<dyn FnOnce(&mut Config) + Send>;

pub struct Options {
    pub limits: Limits,
    pub configure: Option<Configure>,
}

impl Default for Options {
    fn default() -> Self {
        Self { limits: Limits::relaxed(), configure: None }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    /// The metrics listener's origin (`/metrics` only).
    pub metrics_base: String,
    pub(crate) metrics_server: Option<tokio::task::JoinHandle<()>>,
    pub clock: SimClock,
    pub state: AppState,
    pub config: Config,
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pub opened: clearboard_store::Opened,
    /// The SMTP server `config.smtp_url` points at, kept across `restart` (always there; an
    /// `Option` only so that `restart` can move it to the next app).
    pub(crate) smtp: Option<SmtpSink>,
    pub(crate) pg_prefix: Option<String>,
    pub(crate) shutdown: Option<oneshot::Sender<()>>,
    pub(crate) server: Option<tokio::task::JoinHandle<()>>,
    /// The task acting on the other nodes' notices (`cluster = true` only).
    pub(crate) relay: Option<tokio::task::JoinHandle<()>>,
    /// The S3 bucket holding this app's blobs (PostgreSQL half), one prefix per region.
    pub s3_bucket: Option<String>,
    /// What the app answered, checked (`crate::catalogue`); its failures fail the test at drop.
    pub catalogue: crate::catalogue::Inspector,
}

/// The password of every staff member [`TestApp::new_staff`] makes.
pub const STAFF_PASSWORD: &str = "officer password long";

/// A person created through the API.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub token: String,
}

impl TestUser {
    /// Every personal value planted for this user (for canary scans).
    pub fn canaries(&self) -> Vec<String> {
        vec![self.email.clone(), self.password.clone(), self.first_name.clone(), self.last_name.clone(), self.phone.clone()]
    }
}

/// A client builder for the local servers of the tests (apps, emulators, moto), which speak
/// plain HTTP: it trusts no root certificate, so building it reads none. A default builder
/// loads the system's roots (`/etc/ssl/certs`, both the bundle and the folder) for every
/// client; with a client per request, that was two thirds of an HTTP test's CPU.
pub fn local_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder().tls_certs_only([])
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_with(backend, Options::default()).await
}

pub async fn spawn_with(backend: Backend, opts: Options) -> TestApp {
    logs::init();
    let dir = tempfile::Builder::new().prefix("clearboard-test-").tempdir().expect("temp dir");
    let mut config = Config::load(None, &Overrides::default()).unwrap_or_default();
    config.data_dir = dir.path().join("data");
    config.listen = "127.0.0.1:0".into();
    config.kek_file = None;
    let pg_prefix = match backend {
        Backend::Sqlite => {
            config.database_url = None;
            None
        }
        Backend::Postgres => {
            assert!(pg::available().await, "PostgreSQL is needed for this test (CLEARBOARD_TEST_SKIP names `postgres`)");
            let prefix = pg::new_prefix();
            config.database_url = Some(pg::url_for(&prefix));
            Some(prefix)
        }
    };
    // Every app gets a real mail server, so that whatever sends mail is tested end to end.
    // `configure` may still point smtp_url elsewhere (an unreachable server, say).
    let smtp = SmtpSink::start().await;
    config.smtp_url = Some(smtp.url());
    if let Some(f) = opts.configure {
        f(&mut config);
    }
    // The PostgreSQL half keeps its blobs on S3, so that the whole suite runs on both stores.
    let s3_bucket = match backend {
        Backend::Postgres => match crate::s3::S3Server::get_async().await {
            Some(server) => Some(server.new_bucket().await),
            None => None,
        },
        Backend::Sqlite => None,
    };
    start(backend, config, dir, pg_prefix, SimClock::at(START_MS), opts.limits, Some(smtp), s3_bucket).await
}

/// Points every region without a blob setting of its own at `bucket` (prefix: the region).
fn blobs_on_s3(config: &mut Config, bucket: &str) {
    let Some(server) = crate::s3::S3Server::get() else { return };
    for r in &config.regions {
        let rc = config.region.entry(r.clone()).or_default();
        if rc.blob_url.is_none() && rc.blob_dir.is_none() {
            rc.blob_url = Some(server.blob_url(bucket, r));
            rc.blob_access_key_id = Some(crate::s3::ACCESS_KEY_ID.into());
            rc.blob_secret_access_key = Some(crate::s3::SECRET_ACCESS_KEY.into());
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn start(
    backend: Backend,
    mut config: Config,
    dir: tempfile::TempDir,
    pg_prefix: Option<String>,
    clock: SimClock,
    limits: Limits,
    smtp: Option<SmtpSink>,
    s3_bucket: Option<String>,
) -> TestApp {
    if let Some(bucket) = &s3_bucket {
        blobs_on_s3(&mut config, bucket);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    config.public_url = Some(format!("http://{addr}"));
    let app = clearboard_app::build(&config, Arc::new(clock.clone()) as Arc<dyn Clock>, clearboard_app::metrics_handle(), limits)
        .await
        .expect("build the app");
    let state = app.state.clone();
    let opened = app.opened;
    let relay = app.relay;
    let (tx, rx) = oneshot::channel::<()>();
    let serve_state = state.clone();
    // Every answer is checked against the error catalogue and the OpenAPI document.
    let catalogue = crate::catalogue::Inspector::new();
    let wrap = catalogue.clone();
    let server = tokio::spawn(async move {
        let limits = clearboard_app::ServeLimits::default();
        let _ = clearboard_app::serve_wrapped(serve_state, listener, limits, move |r| wrap.around(r), async move {
            let _ = rx.await;
        })
        .await;
    });
    // `/metrics` has its own listener (never the public one, unless a token is configured).
    let mlistener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind metrics");
    let maddr = mlistener.local_addr().expect("metrics addr");
    let mstate = state.clone();
    let metrics_server = tokio::spawn(async move {
        let _ = clearboard_app::serve_metrics(mstate, mlistener, std::future::pending()).await;
    });
    TestApp {
        addr,
        metrics_base: format!("http://{maddr}"),
        metrics_server: Some(metrics_server),
        base: format!("http://{addr}"),
        clock,
        state,
        config,
        backend,
        dir,
        opened,
        smtp,
        pg_prefix,
        shutdown: Some(tx),
        server: Some(server),
        relay,
        catalogue,
        s3_bucket,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(m) = self.metrics_server.take() {
            m.abort();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            s.abort();
        }
        if let Some(r) = self.relay.take() {
            r.abort();
        }
        if let Some(prefix) = self.pg_prefix.take() {
            pg::drop_prefix_blocking(prefix, crate::domain::pools(&self.opened));
        }
        if !std::thread::panicking() {
            self.catalogue.assert_clean();
        }
    }
}

impl TestApp {
    /// Stops the server, its metrics listener and its stores (before a restart).
    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            s.abort();
            let _ = s.await;
        }
        if let Some(m) = self.metrics_server.take() {
            m.abort();
        }
        if let Some(r) = self.relay.take() {
            r.abort();
        }
        self.opened.close().await;
    }

    /// Stops this server and starts another on the same storage and clock, with the
    /// configuration changed by `configure` (a restart with a new policy file, say).
    pub async fn restart(mut self, configure: impl FnOnce(&mut Config)) -> TestApp {
        self.stop().await;
        let mut config = self.config.clone();
        configure(&mut config);
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        let prefix = self.pg_prefix.take();
        let clock = self.clock.clone();
        let smtp = self.smtp.take();
        let bucket = self.s3_bucket.take();
        start(self.backend, config, dir, prefix, clock, Limits::relaxed(), smtp, bucket).await
    }

    /// Stops this server, runs `between` on the stopped storage (a restore, say), and starts
    /// again on the same storage, clock and configuration.
    pub async fn restart_after<F, Fut>(mut self, between: F) -> TestApp
    where
        F: FnOnce(Config) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        self.stop().await;
        between(self.config.clone()).await;
        let config = self.config.clone();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        let prefix = self.pg_prefix.take();
        let clock = self.clock.clone();
        let smtp = self.smtp.take();
        let bucket = self.s3_bucket.take();
        start(self.backend, config, dir, prefix, clock, Limits::relaxed(), smtp, bucket).await
    }

    /// The SMTP sink the app sends to (whatever `smtp_url` a test configured instead).
    pub fn mail_sink(&self) -> &SmtpSink {
        self.smtp.as_ref().expect("every test app has its SMTP sink")
    }

    /// Every message the app has sent to its sink so far.
    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.mail_sink().messages()
    }

    /// Waits up to `timeout` for a message to `to` that satisfies `pred` (`None` on timeout).
    pub async fn wait_for_mail(
        &self,
        to: &str,
        pred: impl Fn(&ReceivedMail) -> bool,
        timeout: std::time::Duration,
    ) -> Option<ReceivedMail> {
        // A floor of 30 s: a wait ends as soon as the message arrives, and the whole suite on
        // two cores can delay a background send by more than a test's own estimate.
        self.mail_sink().wait_for(to, pred, timeout.max(std::time::Duration::from_secs(30))).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An API client: no cookies, no redirects.
    pub fn http(&self) -> reqwest::Client {
        local_client().redirect(reqwest::redirect::Policy::none()).build().expect("client")
    }

    /// A browser-like client: keeps cookies, sends same-origin headers, follows no redirects.
    pub fn browser(&self) -> reqwest::Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("sec-fetch-site", reqwest::header::HeaderValue::from_static("same-origin"));
        h.insert("origin", reqwest::header::HeaderValue::from_str(&self.base).expect("origin"));
        local_client().cookie_store(true).default_headers(h).redirect(reqwest::redirect::Policy::none()).build().expect("client")
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> reqwest::Response {
        let mut rb = self.http().post(self.url(path)).json(body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut rb = self.http().get(self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb.send().await.expect("request")
    }

    /// A valid sign-up body full of fresh canaries.
    pub fn sign_up_body(&self) -> Value {
        json!({
            "email": canary_email("mail"),
            "password": format!("pw {} long enough", canary("Pass")),
            "first_name": canary("First"),
            "last_name": canary("Last"),
            "phone": format!("+33 6 {} {} {} {}", rnd2(), rnd2(), rnd2(), rnd2()),
            "birth_date": "1990-05-17",
        })
    }

    /// Signs up and signs in a new person made of canaries.
    pub async fn new_user(&self) -> TestUser {
        self.new_user_with(self.sign_up_body()).await
    }

    /// Signs up with `body` and signs in. With a mail server (the test kit's SMTP sink), sign-up
    /// answers 202 and mails an activation link: this reads the link from the sink and follows
    /// it (as the person would) before signing in. Without one, sign-up answers 201 at once.
    pub async fn new_user_with(&self, body: Value) -> TestUser {
        let res = self.post_json("/api/v1/accounts", &body, None).await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        let email = body["email"].as_str().unwrap();
        let password = body["password"].as_str().unwrap();
        let id = match status {
            201 => serde_json::from_str::<Value>(&text).expect("json")["id"].as_str().unwrap().to_string(),
            202 => {
                self.activate_from_mail(email).await;
                String::new()
            }
            _ => panic!("sign-up failed ({status}): {text}"),
        };
        let token = self.sign_in(email, password).await;
        let id = if id.is_empty() {
            let me: Value = self.get("/api/v1/me", Some(&token)).await.json().await.expect("json");
            me["id"].as_str().unwrap().to_string()
        } else {
            id
        };
        TestUser {
            id,
            email: email.to_string(),
            password: password.to_string(),
            first_name: body["first_name"].as_str().unwrap().to_string(),
            last_name: body["last_name"].as_str().unwrap().to_string(),
            phone: body["phone"].as_str().unwrap_or_default().to_string(),
            token,
        }
    }

    /// Signs up with `body` and returns the new profile, following the activation email when
    /// sign-up needs one (a mail server is configured: 202), as a person would.
    pub async fn sign_up(&self, body: &Value) -> Value {
        let res = self.post_json("/api/v1/accounts", body, None).await;
        match res.status().as_u16() {
            201 => res.json().await.expect("json"),
            202 => {
                let (email, password) = (body["email"].as_str().unwrap(), body["password"].as_str().unwrap());
                self.activate_from_mail(email).await;
                let token = self.sign_in(email, password).await;
                self.get("/api/v1/me", Some(&token)).await.json().await.expect("json")
            }
            s => panic!("sign-up failed ({s}): {}", res.text().await.unwrap_or_default()),
        }
    }

    /// Whether sign-up needs an emailed activation (the app has a mail server).
    pub fn signs_up_by_mail(&self) -> bool {
        self.config.smtp_url.as_deref().is_some_and(|u| !u.trim().is_empty())
    }

    /// The token of the latest activation link mailed to `email` (waits up to 10 s for one).
    pub async fn activation_token(&self, email: &str) -> Option<String> {
        let is_activation = |m: &ReceivedMail| m.text.contains("/activate#token=");
        self.wait_for_mail(email, is_activation, std::time::Duration::from_secs(10)).await?;
        let latest = self.mails().into_iter().rfind(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(email)) && is_activation(m))?;
        let link = latest.first_link()?;
        Some(link.split_once("#token=")?.1.to_string())
    }

    /// Follows the activation link mailed to `email` through the API; panics without one.
    pub async fn activate_from_mail(&self, email: &str) {
        let token = self.activation_token(email).await.expect("an activation email with a link");
        let res = self.post_json("/api/v1/accounts/activation", &json!({ "token": token }), None).await;
        assert_eq!(res.status(), 200, "activation failed: {}", res.text().await.unwrap_or_default());
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let res = self.post_json("/api/v1/sessions", &json!({ "email": email, "password": password }), None).await;
        let status = res.status();
        if status != 201 {
            panic!("sign-in failed ({status}): {}", res.text().await.unwrap_or_default());
        }
        let v: Value = res.json().await.expect("json");
        v["token"].as_str().unwrap().to_string()
    }

    /// A staff member with `role`, trained on `trained_on` (never: `None`), signed in. The
    /// password is [`STAFF_PASSWORD`]; pass a canary as `first_name` where a test looks for it.
    pub async fn new_staff(&self, tag: &str, first_name: &str, role: Role, trained_on: Option<time::Date>) -> TestUser {
        let email = canary_email(tag);
        let input = NewAccount {
            email: email.clone(),
            password: zeroize::Zeroizing::new(STAFF_PASSWORD.into()),
            first_name: first_name.into(),
            last_name: "Staff".into(),
            ..Default::default()
        };
        self.state.cb.staff().add(input, role, trained_on).await.expect("a staff member is added");
        let token = self.sign_in(&email, STAFF_PASSWORD).await;
        TestUser {
            id: String::new(),
            email,
            password: STAFF_PASSWORD.into(),
            first_name: first_name.into(),
            last_name: "Staff".into(),
            phone: String::new(),
            token,
        }
    }

    /// The HTML of a page as a browser signed in with `token` gets it.
    pub async fn page_text(&self, path: &str, token: &str) -> String {
        let res =
            self.browser().get(self.url(path)).header("authorization", format!("Bearer {token}")).send().await.expect("the page answers");
        res.text().await.expect("the page has a body")
    }

    /// Every file that holds this app's data: the data dir and, on PostgreSQL, the files of
    /// its databases and the cluster's WAL (after a checkpoint), and copies of its S3 blobs.
    pub async fn storage_paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.config.data_dir.clone()];
        if let Some(prefix) = &self.pg_prefix {
            paths.extend(pg::files_of_prefix(prefix).await);
        }
        // Blobs on S3: copies of every object, read through the port.
        paths.extend(self.remote_blob_copies(None).await);
        paths
    }

    /// The files of one region only: its folder (database, WAL, blobs) and key store under the
    /// data dir, on PostgreSQL the folders of its two databases (not the cluster's WAL,
    /// which every database shares), and copies of its blobs when they are on S3.
    pub async fn region_storage_paths(&self, region: &str) -> Vec<PathBuf> {
        let mut paths = vec![self.config.data_dir.join("regions").join(region)];
        for suffix in ["", "-wal", "-shm", "-journal"] {
            paths.push(self.config.data_dir.join("keys").join(format!("{region}.db{suffix}")));
        }
        if let Some(prefix) = &self.pg_prefix {
            for suffix in ["", "_keys"] {
                paths
                    .extend(pg::database_files(&format!("{prefix}_{region}{suffix}")).await.into_iter().filter(|p| !p.ends_with("pg_wal")));
            }
        }
        paths.extend(self.remote_blob_copies(Some(region)).await);
        paths.retain(|p| p.exists());
        paths
    }

    /// Scans every storage file for the needles.
    pub async fn scan_storage(&self, needles: &[String]) -> Vec<Hit> {
        let paths = self.storage_paths().await;
        forensics::scan(&paths, needles)
    }
}

fn rnd2() -> String {
    let b = clearboard_vault::random::bytes::<1>().unwrap_or([0]);
    format!("{:02}", b[0] % 100)
}

impl TestApp {
    /// Positive control for forensic scans: writes the needles in clear into a scratch table
    /// of the directory database (SQLite file and WAL, or PostgreSQL heap and WAL).
    pub async fn plant_in_clear(&self, needles: &[String]) {
        match self.opened.directory.db() {
            clearboard_store::Db::Sqlite(p, _) => {
                sqlx::query("CREATE TABLE IF NOT EXISTS forensic_control (v TEXT)").execute(p).await.unwrap();
                for n in needles {
                    sqlx::query("INSERT INTO forensic_control (v) VALUES ($1)").bind(n).execute(p).await.unwrap();
                }
            }
            clearboard_store::Db::Postgres(p) => {
                sqlx::query("CREATE TABLE IF NOT EXISTS forensic_control (v TEXT)").execute(p).await.unwrap();
                for n in needles {
                    sqlx::query("INSERT INTO forensic_control (v) VALUES ($1)").bind(n).execute(p).await.unwrap();
                }
            }
        }
    }
}
