//! HAProxy in front of real server processes (issue 20): the configuration the deployment
//! guide quotes (`drills/cluster/haproxy.cfg`), its node lines replaced by the nodes given,
//! run in the foreground. Used by the failover test and the cluster drill. HAProxy is Debian's
//! `haproxy` package; a missing one fails the test (with `CI=true`, `.ci/run` installs it)
//! unless `CLEARBOARD_TEST_SKIP` names `haproxy`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The configuration file of the repository.
pub fn config_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../drills/cluster/haproxy.cfg")
}

/// Replaces the lines between `# <name>:begin` and `# <name>:end` by `lines`.
fn fill(text: &str, name: &str, lines: &str) -> String {
    let (head, rest) = text.split_once(&format!("    # {name}:begin\n")).expect("the begin line");
    let (_, tail) = rest.split_once(&format!("    # {name}:end\n")).expect("the end line");
    format!("{head}{lines}{tail}")
}

/// The configuration for clearboard `nodes` (named node1, node2, … in order) and Garage
/// nodes' S3 addresses (garage1, …; none: the S3 frontend has no server).
pub fn config(nodes: &[SocketAddr], garage: &[SocketAddr]) -> String {
    let text = std::fs::read_to_string(config_path()).expect("read drills/cluster/haproxy.cfg");
    let servers: String = nodes.iter().enumerate().map(|(i, a)| format!("    server node{} {a} check\n", i + 1)).collect();
    let s3: String = garage.iter().enumerate().map(|(i, a)| format!("    server garage{} {a} check\n", i + 1)).collect();
    fill(&fill(&text, "nodes", &servers), "garage", &s3)
}

/// The `haproxy` binary, or `None` when it is missing and the test may skip (see the module).
pub fn binary() -> Option<PathBuf> {
    for dir in std::env::var("PATH").unwrap_or_default().split(':').chain(["/usr/sbin", "/usr/local/sbin"]) {
        let p = PathBuf::from(dir).join("haproxy");
        if p.is_file() {
            return Some(p);
        }
    }
    crate::deps::missing("haproxy", "haproxy is not installed", "apt-get install haproxy", "the tests behind HAProxy");
    None
}

/// The status `GET /readyz` gets at `addr` (plain HTTP/1.0: no client to configure).
async fn readyz(addr: SocketAddr) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n").await.ok()?;
    let mut head = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(2), s.read_exact(&mut head)).await.ok()?.ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// A free port of the loopback interface.
pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address")
}

/// A running HAProxy. Dropping it stops it.
pub struct Haproxy {
    child: Child,
    pub addr: SocketAddr,
    pub base: String,
    /// The S3 frontend (to the Garage nodes given).
    pub s3: SocketAddr,
    dir: tempfile::TempDir,
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Haproxy {
    /// Starts HAProxy in front of `nodes` and waits until it reaches one of them
    /// (`/readyz` 200 through it; with no node, until its S3 frontend listens). `None`: HAProxy is missing and the test may skip.
    pub async fn start(nodes: &[SocketAddr]) -> Option<Haproxy> {
        Self::start_with_s3(nodes, &[]).await
    }

    /// [`Haproxy::start`], with S3 in front of Garage nodes too. (Waits in real time: a
    /// process starts on the machine's clock, not the simulated one.)
    #[allow(clippy::disallowed_methods)]
    pub async fn start_with_s3(nodes: &[SocketAddr], garage: &[SocketAddr]) -> Option<Haproxy> {
        let bin = binary()?;
        let dir = tempfile::Builder::new().prefix("clearboard-haproxy-").tempdir().expect("temp dir");
        let cfg = dir.path().join("haproxy.cfg");
        std::fs::write(&cfg, config(nodes, garage)).expect("write the configuration");
        let (addr, s3) = (free_addr(), free_addr());
        let log = std::fs::File::create(dir.path().join("haproxy.log")).expect("the log file");
        let child = Command::new(bin)
            .args(["-db", "-f"])
            .arg(&cfg)
            .env("CB_LISTEN", addr.to_string())
            .env("CB_S3_LISTEN", s3.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log file"))
            .stderr(log)
            .spawn()
            .expect("start haproxy");
        let mut proxy = Haproxy { child, addr, base: format!("http://{addr}"), s3, dir };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = proxy.child.try_wait() {
                panic!("haproxy exited ({status}): {}", proxy.log());
            }
            if nodes.is_empty() {
                // S3 only: ready once it listens.
                if tokio::net::TcpStream::connect(proxy.s3).await.is_ok() {
                    return Some(proxy);
                }
            } else if readyz(proxy.addr).await == Some(200) {
                return Some(proxy);
            }
            assert!(started.elapsed() < Duration::from_secs(15), "haproxy reached no node within 15 s: {}", proxy.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What HAProxy wrote (warnings, node state changes).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default()
    }
}
