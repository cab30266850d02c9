//! Python's aiosmtpd (PyPI, pinned) as an SMTP server for the one test where an independent
//! implementation is the point: one process per sink, writing every message it receives as a
//! JSON file into a folder the test reads. The default sink is ours, in Rust (`sink.rs`).
//!
//! The server runs from a virtual environment made on first use (by `crate::tools`) under
//! `target/test-tools/aiosmtpd-venv` (`python3 -m venv`, then `pip install aiosmtpd==1.4.6`; about
//! 5–10 s once, then nothing). Without python3, venv or pip the test that asks for it fails
//! and says how to install them, unless `CLEARBOARD_TEST_SKIP` names `aiosmtpd`;
//! then it prints that it skipped ([`crate::tools::require`]).

use std::path::PathBuf;
use std::process::{Child, ChildStdin};
use std::time::{Duration, Instant};

use base64::Engine;

use super::{ReceivedMail, parse};

/// The pinned server. Changing it makes a new venv (the marker file holds this string).
const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// The sink: an aiosmtpd `Controller` on 127.0.0.1 with a free port chosen by the OS. The port
/// is printed on stdout once the server answers. It stops when its stdin closes, so it cannot
/// outlive the test process even if that process is killed.
const SINK_PY: &str = r#"
import base64, itertools, json, os, sys, time
from aiosmtpd.controller import Controller

OUT = sys.argv[1]
COUNTER = itertools.count()

class Sink:
    async def handle_DATA(self, server, session, envelope):
        n = next(COUNTER)
        doc = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            # The bytes as received (after SMTP dot-unstuffing), lossless.
            "data": base64.b64encode(envelope.original_content).decode("ascii"),
        }
        name = "%020d-%06d.json" % (time.time_ns(), n)
        tmp = os.path.join(OUT, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f)
            f.flush()
            os.fsync(f.fileno())
        # Readers list *.json only: a message appears whole or not at all.
        os.replace(tmp, os.path.join(OUT, name))
        return "250 OK"

class AnyPort(Controller):
    # Port 0 lets the OS pick a free port; learn it before the readiness self-test connects.
    # (Relies on aiosmtpd 1.4's Controller internals, hence the pinned version.)
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

controller = AnyPort(Sink(), hostname="127.0.0.1", port=0)
controller.start()
print(controller.port, flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
"#;

/// The server's venv (`target/test-tools/aiosmtpd-venv`), made by the test kit's tool
/// installer; its name is also its key in `CLEARBOARD_TEST_SKIP`.
const SINK_TOOL: crate::tools::PyTool = crate::tools::PyTool { name: "aiosmtpd", requirement: AIOSMTPD, script: "python" };

/// The venv's python, making the venv if needed (once per machine, whatever the number of
/// test processes asking at the same time). `None` only when skipped knowingly
/// ([`crate::tools::require`]).
fn venv_python() -> Option<PathBuf> {
    static PYTHON: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PYTHON.get_or_init(|| crate::tools::require(SINK_TOOL)).clone()
}

/// A running aiosmtpd that keeps every message it receives.
pub struct AiosmtpdSink {
    pub port: u16,
    /// Where the messages are written, one JSON file each.
    pub dir: PathBuf,
    child: Child,
    // Closing it tells the server to stop (see SINK_PY).
    stdin: Option<ChildStdin>,
    _tmp: tempfile::TempDir,
}

impl std::fmt::Debug for AiosmtpdSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiosmtpdSink").field("port", &self.port).field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Drop for AiosmtpdSink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl AiosmtpdSink {
    /// Starts a server (making the venv on first use); `None` only when the venv cannot be
    /// made and `CLEARBOARD_TEST_SKIP` names `aiosmtpd` (otherwise that fails). Blocking: from
    /// async code use [`AiosmtpdSink::start_async`].
    // Real waits for real processes: the app's simulated clock has no say here.
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Option<AiosmtpdSink> {
        let python = venv_python()?;
        let tmp = tempfile::Builder::new().prefix("clearboard-smtp-").tempdir().expect("temp dir for the SMTP sink");
        let script = tmp.path().join("sink.py");
        std::fs::write(&script, SINK_PY).expect("write the SMTP sink script");
        let dir = tmp.path().join("messages");
        std::fs::create_dir_all(&dir).expect("create the SMTP sink folder");
        let (child, stdin, port) = crate::tools::start_server(&python, &script, &[&dir], &tmp.path().join("sink.log"), "aiosmtpd");
        let sink = AiosmtpdSink { port, dir, child, stdin, _tmp: tmp };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd on port {port} does not accept connections");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(sink)
    }

    /// [`AiosmtpdSink::start`] off the async workers (the first call may build the venv).
    pub async fn start_async() -> Option<AiosmtpdSink> {
        match tokio::task::spawn_blocking(AiosmtpdSink::start).await {
            Ok(sink) => sink,
            // Keep the original message (how to install what is missing).
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("the aiosmtpd start task: {e}"),
        }
    }

    /// The URL for `smtp_url`: plain SMTP, no TLS, no authentication.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("read the SMTP sink folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p).expect("read a received message")).expect("a sink file is JSON");
                let raw = base64::engine::general_purpose::STANDARD.decode(v["data"].as_str().unwrap_or_default()).expect("base64 data");
                let to = v["to"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
                parse(v["from"].as_str().unwrap_or_default().to_string(), to, raw)
            })
            .collect()
    }

    /// Waits up to `timeout` for a message to `to` (an envelope recipient, case-insensitive)
    /// that satisfies `pred`; the first one, oldest first.
    // Real waits for a real process: the app's simulated clock has no say here.
    #[allow(clippy::disallowed_methods)]
    pub async fn wait_for(&self, to: &str, pred: impl Fn(&ReceivedMail) -> bool, timeout: Duration) -> Option<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(m) = super::first_match(self.messages(), to, &pred) {
                return Some(m);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
