//! The test kit's SMTP server: a small RFC 5321 receiver in Rust, in process, on the test's
//! own tokio runtime, that keeps every message in memory. It is the default sink of
//! `spawn_app` and of the abuse drill; it needs nothing installed.
//!
//! It speaks what a client needs to hand over mail: `EHLO`/`HELO`, `MAIL FROM`, `RCPT TO`,
//! `DATA` (ended by `<CRLF>.<CRLF>`, with dot-unstuffing: a line starting with `.` loses that
//! first `.`), `RSET`, `NOOP`, `VRFY` (never verifies) and `QUIT`; it announces `8BITMIME`,
//! `SMTPUTF8` and `SIZE`. Commands out of order get `503`, unknown ones `502`, as a real server
//! answers. No TLS and no authentication: `smtp_url` points at it in plain `smtp://`.
//! The bytes kept for a message are exactly those received after unstuffing, line ends
//! included (what aiosmtpd keeps as `original_content`), so [`super::parse`] reads both alike.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::{ReceivedMail, parse};

/// The longest command line accepted (RFC 5321 §4.5.3.1.4 allows 512 octets; parameters of
/// extensions may add more).
const MAX_LINE: u64 = 4096;
/// The largest message accepted (announced as `SIZE`).
const MAX_MESSAGE: usize = 32 * 1024 * 1024;
/// How long a client may stay silent before the server hangs up (RFC 5321 §4.5.3.2 asks
/// for minutes; tests never wait that long).
const IDLE: Duration = Duration::from_secs(300);

/// One message as it arrived: envelope and bytes (parsed when read, so that a message the
/// parser cannot read fails the test that reads it, not the server).
struct Envelope {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

#[derive(Default)]
struct Inbox {
    mails: Mutex<Vec<Envelope>>,
    arrived: tokio::sync::Notify,
}

/// A running SMTP server that keeps every message it receives (for as long as it lives).
pub struct SmtpSink {
    pub port: u16,
    inbox: Arc<Inbox>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // The sessions live in the server task's set: they end with it.
        self.server.abort();
    }
}

impl SmtpSink {
    /// Starts a server on 127.0.0.1 with a port chosen by the OS. It accepts connections as
    /// soon as this returns.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let port = listener.local_addr().expect("the SMTP sink's address").port();
        let inbox = Arc::new(Inbox::default());
        let server = tokio::spawn(serve(listener, inbox.clone()));
        SmtpSink { port, inbox, server }
    }

    /// The URL for `smtp_url`: plain SMTP, no TLS, no authentication.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mails = self.inbox.mails.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        mails.iter().map(|e| parse(e.from.clone(), e.to.clone(), e.data.clone())).collect()
    }

    /// Waits up to `timeout` (real time) for a message to `to` (an envelope recipient,
    /// case-insensitive) that satisfies `pred`; the first one, oldest first.
    pub async fn wait_for(&self, to: &str, pred: impl Fn(&ReceivedMail) -> bool, timeout: Duration) -> Option<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so a message that arrives in between wakes us.
            let arrived = self.inbox.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(m) = super::first_match(self.messages(), to, &pred) {
                return Some(m);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return None;
            }
        }
    }
}

async fn serve(listener: TcpListener, inbox: Arc<Inbox>) {
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let inbox = inbox.clone();
                    sessions.spawn(async move {
                        // A client that goes away mid-session is not the sink's failure.
                        let _ = session(stream, &inbox).await;
                    });
                }
                // Out of file descriptors, say: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}

/// The state of one SMTP session.
#[derive(Default)]
struct Session {
    greeted: bool,
    from: Option<String>,
    to: Vec<String>,
}

impl Session {
    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }
}

async fn session(stream: TcpStream, inbox: &Inbox) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 clearboard-test-sink ESMTP ready\r\n").await?;
    let mut s = Session::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = match tokio::time::timeout(IDLE, (&mut r).take(MAX_LINE).read_until(b'\n', &mut line)).await {
            Ok(n) => n?,
            Err(_) => return w.write_all(b"421 4.4.2 idle too long, closing\r\n").await,
        };
        if n == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") {
            return w.write_all(b"500 5.5.2 line too long, closing\r\n").await;
        }
        let command = String::from_utf8_lossy(trim_eol(&line)).into_owned();
        let (verb, arg) = command.split_once(' ').unwrap_or((command.as_str(), ""));
        let reply = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                s.greeted = true;
                s.reset();
                format!("250-clearboard-test-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE {MAX_MESSAGE}")
            }
            "HELO" => {
                s.greeted = true;
                s.reset();
                "250 clearboard-test-sink".into()
            }
            "MAIL" if !s.greeted => "503 5.5.1 say EHLO or HELO first".into(),
            "MAIL" if s.from.is_some() => "503 5.5.1 a transaction is already open".into(),
            "MAIL" => match path(arg, "FROM:") {
                Some(addr) => {
                    s.from = Some(addr);
                    "250 2.1.0 sender ok".into()
                }
                None => "501 5.5.4 syntax: MAIL FROM:<address>".into(),
            },
            "RCPT" if s.from.is_none() => "503 5.5.1 MAIL first".into(),
            "RCPT" => match path(arg, "TO:").filter(|a| !a.is_empty()) {
                Some(addr) => {
                    s.to.push(addr);
                    "250 2.1.5 recipient ok".into()
                }
                None => "501 5.5.4 syntax: RCPT TO:<address>".into(),
            },
            "DATA" if s.to.is_empty() => "503 5.5.1 RCPT first".into(),
            "DATA" if !arg.is_empty() => "501 5.5.4 DATA takes no argument".into(),
            "DATA" => {
                w.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await?;
                let Some(data) = read_data(&mut r).await? else { return Ok(()) };
                let reply = if data.len() > MAX_MESSAGE {
                    "552 5.3.4 message too big"
                } else {
                    let from = s.from.take().unwrap_or_default();
                    let to = std::mem::take(&mut s.to);
                    inbox.mails.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Envelope { from, to, data });
                    inbox.arrived.notify_waiters();
                    "250 2.0.0 queued"
                };
                s.reset();
                reply.into()
            }
            "RSET" => {
                s.reset();
                "250 2.0.0 reset".into()
            }
            "NOOP" => "250 2.0.0 ok".into(),
            "VRFY" => "252 2.1.5 cannot verify, but will accept".into(),
            "QUIT" => return w.write_all(b"221 2.0.0 bye\r\n").await,
            "" => "500 5.5.2 empty command".into(),
            _ => "502 5.5.1 command not implemented".into(),
        };
        // One write per reply, as real servers do: a reply split in two small writes waits for
        // the client's delayed ACK of the first (Nagle), about 40 ms per command.
        w.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

/// The message of a `DATA` command: lines up to the one that is only `.`, each unstuffed and
/// kept with its line end. `None` when the client left before the end. Past `MAX_MESSAGE`
/// bytes the rest is read and dropped, so the answer (552) still comes at the end.
async fn read_data<R: AsyncRead + Unpin>(r: &mut BufReader<R>) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    let mut too_big = false;
    loop {
        line.clear();
        let n = match tokio::time::timeout(IDLE, r.read_until(b'\n', &mut line)).await {
            Ok(n) => n?,
            Err(_) => return Ok(None),
        };
        if n == 0 || !line.ends_with(b"\n") {
            return Ok(None);
        }
        if trim_eol(&line) == b"." {
            break;
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        if data.len() + unstuffed.len() > MAX_MESSAGE {
            too_big = true;
        }
        if !too_big {
            data.extend_from_slice(unstuffed);
        }
    }
    if too_big {
        // One byte past the bound says "too big" without keeping the rest.
        data.resize(MAX_MESSAGE + 1, 0);
    }
    Ok(Some(data))
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The address of `FROM:<a@b> PARAMS` or `TO:<a@b>` (the null sender `<>` is empty), without
/// the angle brackets or parameters such as `BODY=8BITMIME` and `SMTPUTF8`.
fn path(arg: &str, keyword: &str) -> Option<String> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raw client: sends each line and reads the whole reply (multi-line replies too).
    struct Client {
        r: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
        w: tokio::net::tcp::OwnedWriteHalf,
    }

    impl Client {
        async fn connect(port: u16) -> (Client, String) {
            let (r, w) = TcpStream::connect(("127.0.0.1", port)).await.unwrap().into_split();
            let mut c = Client { r: BufReader::new(r).lines(), w };
            let greeting = c.reply().await;
            (c, greeting)
        }

        async fn reply(&mut self) -> String {
            let mut all = String::new();
            loop {
                let line = self.r.next_line().await.unwrap().expect("a reply");
                all.push_str(&line);
                all.push('\n');
                if line.as_bytes().get(3) != Some(&b'-') {
                    return all;
                }
            }
        }

        async fn send(&mut self, line: &str) -> String {
            self.w.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
            self.reply().await
        }
    }

    #[tokio::test]
    async fn a_session_with_dot_unstuffing_reset_and_order_errors() {
        let sink = SmtpSink::start().await;
        let (mut c, greeting) = Client::connect(sink.port).await;
        assert!(greeting.starts_with("220 "), "{greeting}");
        assert!(c.send("MAIL FROM:<a@x.test>").await.starts_with("503"), "EHLO first");
        let ehlo = c.send("EHLO client.test").await;
        assert!(ehlo.contains("250-8BITMIME") && ehlo.contains("SMTPUTF8") && ehlo.lines().last().unwrap().starts_with("250 "), "{ehlo}");
        assert!(c.send("RCPT TO:<b@x.test>").await.starts_with("503"), "MAIL first");
        assert!(c.send("DATA").await.starts_with("503"), "RCPT first");
        assert!(c.send("MAIL FROM:<a@x.test> BODY=8BITMIME SMTPUTF8").await.starts_with("250"));
        assert!(c.send("MAIL FROM:<a@x.test>").await.starts_with("503"), "one transaction at a time");
        assert!(c.send("RCPT TO:<dropped@x.test>").await.starts_with("250"));
        assert!(c.send("RSET").await.starts_with("250"));
        assert!(c.send("RCPT TO:<b@x.test>").await.starts_with("503"), "RSET ended the transaction");
        assert!(c.send("NOOP").await.starts_with("250"));
        assert!(c.send("VRFY b@x.test").await.starts_with("252"));
        assert!(c.send("STARTTLS").await.starts_with("502"));
        assert!(c.send("MAIL FROM:<>").await.starts_with("250"), "the null sender");
        assert!(c.send("RCPT TO:<b@x.test>").await.starts_with("250"));
        assert!(c.send("RCPT TO:<C@x.test>").await.starts_with("250"));
        assert!(c.send("DATA").await.starts_with("354"));
        let body = "Subject: hi\r\n\r\n..starts with a dot\r\n.\r\n";
        c.w.write_all(body.as_bytes()).await.unwrap();
        assert!(c.reply().await.starts_with("250"));
        assert!(c.send("QUIT").await.starts_with("221"));

        let m = sink.wait_for("c@x.test", |_| true, Duration::from_secs(5)).await.expect("the message");
        assert_eq!((m.from.as_str(), m.to.clone()), ("", vec!["b@x.test".to_string(), "C@x.test".to_string()]));
        assert_eq!(m.subject, "hi");
        assert_eq!(m.raw, b"Subject: hi\r\n\r\n.starts with a dot\r\n", "unstuffed, line ends kept, the final dot line dropped");
        assert_eq!(sink.messages().len(), 1);
        assert!(sink.wait_for("nobody@x.test", |_| true, Duration::from_millis(50)).await.is_none());
    }

    #[test]
    fn paths() {
        assert_eq!(path("FROM:<a@b.test> SIZE=10", "FROM:").as_deref(), Some("a@b.test"));
        assert_eq!(path("from: <a@b.test>", "FROM:").as_deref(), Some("a@b.test"));
        assert_eq!(path("TO:a@b.test", "TO:"), None);
        assert_eq!(path("FROM:<>", "FROM:").as_deref(), Some(""));
        assert_eq!(path("", "TO:"), None);
    }
}
