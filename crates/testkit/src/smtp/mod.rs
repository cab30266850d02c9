//! SMTP for tests: what a received message looks like ([`ReceivedMail`]: envelope, headers,
//! subject and text decoded), and the servers that receive them.
//!
//! - [`SmtpSink`] (`sink.rs`): the default, a small SMTP server in Rust on the test's own tokio
//!   runtime (no process, no Python, nothing to install). Every `spawn_app` has one, and so does
//!   the abuse drill.
//! - [`AiosmtpdSink`] (`aiosmtpd.rs`): Python's aiosmtpd, an SMTP implementation that is not
//!   ours, kept for the one test where that is the point (`it/mail.rs`: our mailer and our
//!   sink agree with an independent server on every byte). It needs python3 with venv and PyPI;
//!   without them that test fails and says how to install them, unless
//!   `CLEARBOARD_TEST_SKIP=aiosmtpd`.

use base64::Engine;

mod aiosmtpd;
mod sink;

pub use aiosmtpd::AiosmtpdSink;
pub use sink::SmtpSink;

/// One received message, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The `Subject` header, RFC 2047 words decoded.
    pub subject: String,
    /// The body (the plain-text part of a multipart message), transfer encoding undone, as
    /// UTF-8 with `\n` line ends.
    pub text: String,
    /// The HTML part of a `multipart/alternative` message, decoded.
    pub html: Option<String>,
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

/// The first of `messages` to `to` (an envelope recipient, case-insensitive) that satisfies
/// `pred`.
fn first_match(messages: Vec<ReceivedMail>, to: &str, pred: &impl Fn(&ReceivedMail) -> bool) -> Option<ReceivedMail> {
    messages.into_iter().find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)) && pred(m))
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
/// encoding undone, CRLF made LF). What lettre sends is handled: a single text part, or a
/// `multipart/alternative` of a plain-text and an HTML part (`text` is the plain one).
pub fn parse(from: String, to: Vec<String>, raw: Vec<u8>) -> ReceivedMail {
    let (headers, body) = split_head(&raw);
    // SMTP ends the data with CRLF . CRLF, and lettre always writes that first CRLF itself, so
    // it ends the transmission, not the text.
    let body = body.strip_suffix(b"\r\n").unwrap_or(body);
    let get = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let subject = get("subject").map(|s| decode_words(s.trim())).unwrap_or_default();
    let ct = get("content-type").unwrap_or_default();
    let (text, html) = match param(&ct, "boundary").filter(|_| ct.trim_start().to_ascii_lowercase().starts_with("multipart/")) {
        Some(boundary) => {
            let (mut text, mut html) = (String::new(), None);
            let delimiter = format!("--{boundary}");
            let whole = String::from_utf8_lossy(body).replace("\r\n", "\n");
            for part in whole.split(delimiter.as_str()).skip(1) {
                if part.starts_with("--") {
                    break;
                }
                let part = part.strip_prefix('\n').unwrap_or(part);
                let part = part.strip_suffix('\n').unwrap_or(part);
                let (h, b) = split_head(part.as_bytes());
                let pct =
                    h.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.to_ascii_lowercase()).unwrap_or_default();
                let decoded = decode_body(&h, b);
                if pct.starts_with("text/html") {
                    html = Some(decoded);
                } else if pct.starts_with("text/plain") {
                    text = decoded;
                }
            }
            (text, html)
        }
        None => (decode_body(&headers, body), None),
    };
    ReceivedMail { from, to, subject, text, html, headers, raw }
}

/// The headers (unfolded, in order) and the body of a message or a MIME part.
fn split_head(raw: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    let (head, body) = match find(raw, b"\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match find(raw, b"\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, &[][..]),
        },
    };
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
    (headers, body)
}

/// A body with its transfer encoding undone, in its charset, with `\n` line ends.
fn decode_body(headers: &[(String, String)], body: &[u8]) -> String {
    let get = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
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
    decode_charset(&charset, &bytes).replace("\r\n", "\n")
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
