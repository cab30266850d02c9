//! A real SMTP server for tests: Python's `aiosmtpd` (PyPI, pinned), one process per test app,
//! writing every message it receives as a JSON file into a folder the test reads.
//!
//! The server runs from a virtual environment made on first use (by `crate::tools`) under
//! `target/test-tools/smtp-venv` (`python3 -m venv`, then `pip install aiosmtpd==1.4.6`; about
//! 5–10 s once, then nothing). nextest runs every test in its own process, so many processes
//! may want the venv at once: one takes a lock file and builds it in a scratch folder that it
//! renames into place when complete; the others wait for it. Without python3, venv or pip the
//! sink is unavailable: [`SmtpSink::start`] returns `None` and tests that need mail skip, except
//! with `CI=true` (or `1`), where that is a failure.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

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

/// The sink's venv (`target/test-tools/smtp-venv`), made by the test kit's tool installer.
const SINK_TOOL: crate::tools::PyTool = crate::tools::PyTool { name: "smtp", requirement: AIOSMTPD, script: "python" };

/// The venv's python, making the venv if needed (once per machine, whatever the number of
/// test processes asking at the same time). `None` means the mail tests skip; with `CI=true`
/// a missing sink is a failure ([`crate::tools::require`]).
fn venv_python() -> Option<PathBuf> {
    static PYTHON: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PYTHON.get_or_init(|| crate::tools::require(SINK_TOOL)).clone()
}

/// A running SMTP server that keeps every message it receives.
pub struct SmtpSink {
    pub port: u16,
    /// Where the messages are written, one JSON file each.
    pub dir: PathBuf,
    child: Child,
    // Closing it tells the server to stop (see SINK_PY).
    stdin: Option<ChildStdin>,
    _tmp: tempfile::TempDir,
}

impl std::fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink").field("port", &self.port).field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The `Subject` header, RFC 2047 words decoded.
    pub subject: String,
    /// The body, transfer encoding undone, as UTF-8 with `\n` line ends.
    pub text: String,
    /// The headers, unfolded, in order (values as on the wire, not decoded).
    pub headers: Vec<(String, String)>,
    /// The message exactly as received.
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    /// The first header of that name (case-insensitive), as on the wire.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first `http://` or `https://` link in the text.
    pub fn first_link(&self) -> Option<String> {
        first_link(&self.text)
    }
}

impl SmtpSink {
    /// Starts a sink (making the venv on first use). `None` when python3, venv or pip is not
    /// there, outside CI. Blocking: from async code use [`SmtpSink::start_async`].
    // Real waits for real processes: the app's simulated clock has no say here.
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Option<SmtpSink> {
        let python = venv_python()?;
        let tmp = tempfile::Builder::new().prefix("clearboard-smtp-").tempdir().expect("temp dir for the SMTP sink");
        let script = tmp.path().join("sink.py");
        std::fs::write(&script, SINK_PY).expect("write the SMTP sink script");
        let dir = tmp.path().join("messages");
        std::fs::create_dir_all(&dir).expect("create the SMTP sink folder");
        let log = std::fs::File::create(tmp.path().join("sink.log")).expect("create the SMTP sink log");
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start the SMTP sink");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("the sink's stdout");
        // The first line is the port, printed once the server answers (or nothing: it failed).
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let Ok(port) = line.trim().parse::<u16>() else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(tmp.path().join("sink.log")).unwrap_or_default();
            panic!("the SMTP sink did not start: {log}");
        };
        let sink = SmtpSink { port, dir, child, stdin, _tmp: tmp };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the SMTP sink on port {port} does not accept connections");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(sink)
    }

    /// [`SmtpSink::start`] off the async workers (the first call may build the venv).
    pub async fn start_async() -> Option<SmtpSink> {
        match tokio::task::spawn_blocking(SmtpSink::start).await {
            Ok(sink) => sink,
            // Keep the original message (CI's "unavailable" explanation, say).
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("the SMTP sink start task: {e}"),
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
    // Real waits for real processes: the app's simulated clock has no say here.
    #[allow(clippy::disallowed_methods)]
    pub async fn wait_for(&self, to: &str, pred: impl Fn(&ReceivedMail) -> bool, timeout: Duration) -> Option<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(m) = self.messages().into_iter().find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)) && pred(m)) {
                return Some(m);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The first `http://` or `https://` link in a text, without trailing punctuation.
pub fn first_link(text: &str) -> Option<String> {
    let start = [text.find("https://"), text.find("http://")].into_iter().flatten().min()?;
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'')).unwrap_or(rest.len());
    let link = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
    Some(link.to_string())
}

/// Parses a message as received: headers (unfolded), the subject (RFC 2047), the body (transfer
/// encoding undone, CRLF made LF). Only what lettre sends for a single text part is handled.
pub fn parse(from: String, to: Vec<String>, raw: Vec<u8>) -> ReceivedMail {
    let (head, body) = match find(&raw, b"\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match find(&raw, b"\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (&raw[..], &[][..]),
        },
    };
    // SMTP ends the data with CRLF . CRLF, and lettre always writes that first CRLF itself, so
    // it ends the transmission, not the text.
    let body = body.strip_suffix(b"\r\n").unwrap_or(body);
    let head = String::from_utf8_lossy(head).replace("\r\n", "\n");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split('\n') {
        if line.starts_with([' ', '\t']) {
            // A folded line continues the previous header (RFC 5322 §2.2.3: unfold by
            // removing the line break only).
            if let Some((_, v)) = headers.last_mut() {
                v.push_str(line);
            }
        } else if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_string(), v.trim_start().to_string()));
        }
    }
    let get = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let subject = get("subject").map(|s| decode_words(s.trim())).unwrap_or_default();
    let cte = get("content-transfer-encoding").unwrap_or_default().trim().to_ascii_lowercase();
    let bytes = match cte.as_str() {
        "quoted-printable" => decode_qp(body),
        "base64" => {
            let clean: Vec<u8> = body.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(clean).expect("a base64 body")
        }
        // 7bit, 8bit, binary or none: the bytes are the text.
        _ => body.to_vec(),
    };
    let charset = get("content-type").and_then(|ct| param(&ct, "charset")).unwrap_or_else(|| "us-ascii".into());
    let text = decode_charset(&charset, &bytes).replace("\r\n", "\n");
    ReceivedMail { from, to, subject, text, headers, raw }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn decode_charset(charset: &str, bytes: &[u8]) -> String {
    match charset.to_ascii_lowercase().as_str() {
        // Latin-1 bytes are the first 256 code points.
        "iso-8859-1" | "latin1" => bytes.iter().map(|&b| char::from(b)).collect(),
        _ => String::from_utf8(bytes.to_vec()).expect("the text is valid UTF-8"),
    }
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` bytes, `=` at the end of a line is a soft break.
fn decode_qp(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        let rest = &body[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if rest.len() >= 2 && rest[0].is_ascii_hexdigit() && rest[1].is_ascii_hexdigit() {
            out.push(u8::from_str_radix(std::str::from_utf8(&rest[..2]).expect("hex"), 16).expect("hex"));
            i += 3;
        } else {
            // Not valid QP: keep the byte as it is (a lenient decoder, as RFC 2045 suggests).
            out.push(b);
            i += 1;
        }
    }
    out
}

/// RFC 2047 encoded words (`=?charset?B|Q?…?=`). White space between two adjacent encoded
/// words is dropped, and their bytes are joined before decoding (so a character split across
/// two words still decodes); everything else is kept as it is.
pub fn decode_words(value: &str) -> String {
    fn flush(out: &mut String, words: &mut Option<(String, Vec<u8>)>) {
        if let Some((charset, bytes)) = words.take() {
            out.push_str(&decode_charset(&charset, &bytes));
        }
    }
    let mut out = String::new();
    let mut rest = value;
    let mut pending_space = String::new();
    // Set while the last token was an encoded word: its charset and the bytes so far.
    let mut words: Option<(String, Vec<u8>)> = None;
    while let Some(c) = rest.chars().next() {
        if let Some((charset, bytes, len)) = encoded_word(rest) {
            match &mut words {
                Some((cs, acc)) if cs.eq_ignore_ascii_case(&charset) => acc.extend(bytes),
                Some(_) => {
                    flush(&mut out, &mut words);
                    words = Some((charset, bytes));
                }
                None => {
                    out.push_str(&pending_space);
                    words = Some((charset, bytes));
                }
            }
            pending_space.clear();
            rest = &rest[len..];
            continue;
        }
        if c == ' ' || c == '\t' {
            pending_space.push(c);
        } else {
            flush(&mut out, &mut words);
            out.push_str(&pending_space);
            pending_space.clear();
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut out, &mut words);
    out.push_str(&pending_space);
    out
}

/// Reads one encoded word at the start of `s`: its charset, its bytes, the length consumed.
fn encoded_word(s: &str) -> Option<(String, Vec<u8>, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, after) = inner.split_once('?')?;
    let (enc, after) = after.split_once('?')?;
    let end = after.find("?=")?;
    let payload = &after[..end];
    if payload.contains([' ', '\t']) || charset.is_empty() || charset.contains([' ', '\t']) || enc.len() != 1 {
        return None;
    }
    let len = 2 + charset.len() + 1 + enc.len() + 1 + end + 2;
    let bytes = match enc {
        "B" | "b" => base64::engine::general_purpose::STANDARD.decode(payload).ok()?,
        "Q" | "q" => decode_qp(payload.replace('_', " ").as_bytes()),
        _ => return None,
    };
    // RFC 2231 allows `charset*language`.
    let charset = charset.split('*').next().unwrap_or(charset).to_string();
    Some((charset, bytes, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words() {
        assert_eq!(decode_words("=?utf-8?b?VsOpcmlmaWNhdGlvbg==?= =?utf-8?b?IOKAlCBkb25uw6llcw==?="), "Vérification — données");
        assert_eq!(decode_words("=?UTF-8?Q?V=C3=A9rification_ok?= plain"), "Vérification ok plain");
        assert_eq!(decode_words("plain  text"), "plain  text");
        assert_eq!(decode_words("a =?utf-8?q?b?= c"), "a b c");
        // One character split across two words.
        assert_eq!(decode_words("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?="), "café");
    }

    #[test]
    fn quoted_printable() {
        assert_eq!(decode_qp(b"caf=C3=A9 =\r\nsuite\r\n"), "café suite\r\n".as_bytes());
    }

    #[test]
    fn links() {
        assert_eq!(first_link("Open https://x.test/a?b=1. Then").as_deref(), Some("https://x.test/a?b=1"));
        assert_eq!(first_link("<http://127.0.0.1:9/v/abc>").as_deref(), Some("http://127.0.0.1:9/v/abc"));
        assert_eq!(first_link("none"), None);
    }
}
