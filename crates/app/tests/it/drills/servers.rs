//! Real servers as child processes: a deployment (the binary, its data dir, its PostgreSQL
//! databases), started, killed with SIGKILL and restarted as often as a drill likes.

use super::*;

/// A deployment: the binary, its storage (a data dir, and PostgreSQL databases when asked),
/// started and killed as often as the drill likes.
pub(crate) struct Deployment {
    pub(super) bin: PathBuf,
    pub(crate) dir: tempfile::TempDir,
    pub(super) database_url: Option<String>,
    pub(crate) pg_prefix: Option<String>,
    pub(super) starts: u32,
    /// Extra environment for every command (set after the drill's defaults, so it wins).
    pub(crate) env: Vec<(String, String)>,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        if let Some(p) = self.pg_prefix.take() {
            clearboard_testkit::pg::drop_prefix_blocking(p, Vec::new());
        }
    }
}

/// A running server process. Dropping it kills it.
pub(crate) struct Server {
    pub(super) child: Child,
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

    pub(super) fn command(&self) -> Command {
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
    pub(super) async fn audit_verify(&self) -> (bool, String) {
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
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}
