//! The support desk's inbound mail listener (`support.inbound_listen`): a small LMTP server
//! (RFC 2033) that a mail server (Postfix `lmtp:`, Dovecot, …) hands messages to, as the
//! other way in besides the pipe command `clearboard support inbound`. It only moves bytes:
//! each message goes to `Support::inbound` (which parses, threads and seals it; the raw message
//! is not kept), and each recipient gets the answer of that delivery. Lines, messages,
//! recipients, connections and idle time are bounded; nothing of a message is logged.

use std::sync::Arc;
use std::time::Duration;

use clearboard_core::Clearboard;
use clearboard_core::CoreError;
use clearboard_core::business::support::inbound::RAW_MAX;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 16;
/// Recipients of one message.
pub const MAX_RECIPIENTS: usize = 20;
/// The longest a client may stay silent.
pub const IDLE: Duration = Duration::from_secs(60);
const LINE_MAX: u64 = 64 * 1024;

/// Serves LMTP on `listener` until the task is dropped.
pub async fn serve(cb: Clearboard, listener: TcpListener, base_url: String) {
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            let mut s = stream;
            let _ = s.write_all(b"421 4.3.2 too many connections, try again later\r\n").await;
            continue;
        };
        let (cb, base) = (cb.clone(), base_url.clone());
        tokio::spawn(async move {
            if let Err(e) = session(&cb, stream, &base).await {
                tracing::debug!(error = %e, "an LMTP session ended early");
            }
            drop(permit);
        });
    }
}

/// One line (without its CRLF), bounded in length and time; `None` at the end of the stream.
async fn line(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let n = tokio::time::timeout(IDLE, (&mut *r).take(LINE_MAX).read_until(b'\n', &mut buf))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
    if n == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(buf))
}

/// What one delivery answers each recipient.
fn answer(result: &Result<(), CoreError>) -> String {
    match result {
        Ok(()) => "250 2.0.0 delivered to the support desk\r\n".into(),
        Err(CoreError::TooLarge { .. }) => "552 5.3.4 message too large\r\n".into(),
        Err(e) if e.code().is_server_error() => "451 4.3.0 temporary failure, try again later\r\n".into(),
        Err(e) => format!("550 5.6.0 refused: {}\r\n", e.code().as_str()),
    }
}

async fn session(cb: &Clearboard, stream: TcpStream, base_url: &str) -> std::io::Result<()> {
    let (read, mut w) = stream.into_split();
    let mut r = BufReader::new(read);
    w.write_all(b"220 clearboard LMTP ready\r\n").await?;
    let (mut greeted, mut from, mut rcpts) = (false, false, 0usize);
    while let Some(l) = line(&mut r).await? {
        let text = String::from_utf8_lossy(&l);
        let verb = text.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "LHLO" => {
                greeted = true;
                format!("250-clearboard\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE {RAW_MAX}\r\n")
            }
            "MAIL" if !greeted => "503 5.5.1 LHLO first\r\n".into(),
            "MAIL" => {
                (from, rcpts) = (true, 0);
                "250 2.1.0 OK\r\n".into()
            }
            "RCPT" if !from => "503 5.5.1 MAIL first\r\n".into(),
            "RCPT" if rcpts >= MAX_RECIPIENTS => "452 4.5.3 too many recipients\r\n".into(),
            "RCPT" => {
                rcpts += 1;
                "250 2.1.5 OK\r\n".into()
            }
            "DATA" if rcpts == 0 => "503 5.5.1 RCPT first\r\n".into(),
            "DATA" => {
                w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let (raw, too_large) = data(&mut r).await?;
                let result = if too_large {
                    Err(CoreError::TooLarge { max_bytes: RAW_MAX })
                } else {
                    cb.support().inbound(&raw, base_url).await.map(|_| ())
                };
                let n = rcpts;
                (from, rcpts) = (false, 0);
                answer(&result).repeat(n)
            }
            "RSET" => {
                (from, rcpts) = (false, 0);
                "250 2.0.0 OK\r\n".into()
            }
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "QUIT" => {
                w.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => "500 5.5.2 unknown command\r\n".into(),
        };
        w.write_all(reply.as_bytes()).await?;
    }
    Ok(())
}

/// The message after DATA, dot-unstuffed, up to the lone dot; past [`RAW_MAX`] the rest is
/// read and dropped.
async fn data(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> std::io::Result<(Vec<u8>, bool)> {
    let mut raw = Vec::new();
    let mut too_large = false;
    loop {
        let Some(l) = line(r).await? else { return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no end of data")) };
        if l == b"." {
            return Ok((raw, too_large));
        }
        let l = l.strip_prefix(b".").unwrap_or(&l);
        if raw.len() + l.len() + 2 > RAW_MAX {
            too_large = true;
            raw.clear();
            continue;
        }
        if !too_large {
            raw.extend_from_slice(l);
            raw.extend_from_slice(b"\r\n");
        }
    }
}
