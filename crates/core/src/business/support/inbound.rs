//! Email in: one RFC 5322 message, as a mail server hands it to `clearboard support inbound`
//! (or the LMTP listener). Parsed here (headers unfolded, RFC 2047 words, MIME parts,
//! base64 and quoted-printable, UTF-8 or Latin-1), threaded by the private link's token
//! quoted in it, or by the ticket reference in its subject or its `References`/`In-Reply-To`
//! thread id when it comes from the ticket's own address; otherwise it opens a new ticket (a message to the privacy contact asking for a
//! right also becomes a rights request). Only the new text is kept, sealed: the raw message,
//! its headers and its quoted history are dropped.

use base64::Engine;
use serde::Serialize;

use crate::business::support::service::{NewTicket, Support};
use crate::platform::error::CoreError;

/// The largest message accepted.
pub const RAW_MAX: usize = 12 * 1024 * 1024;

/// What a parsed message holds that the desk uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub from: String,
    pub from_name: String,
    /// The To and Cc addresses.
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    /// `In-Reply-To` and `References`, where a reply carries the ticket's thread id.
    pub thread: String,
}

/// What became of an inbound message (ids only).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Delivered {
    pub ticket: String,
    /// `threaded` (added to a ticket) or `new_ticket`.
    pub outcome: &'static str,
}

fn split_head(raw: &str) -> (&str, &str) {
    for sep in ["\r\n\r\n", "\n\n"] {
        if let Some(i) = raw.find(sep) {
            return (&raw[..i], &raw[i + sep.len()..]);
        }
    }
    (raw, "")
}

/// Header lines unfolded, names lower-cased.
fn headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    out
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A header parameter (`boundary`, `charset`), unquoted.
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn charset_decode(bytes: &[u8], charset: &str) -> String {
    let c = charset.to_ascii_lowercase();
    if c.contains("8859-1") || c.contains("latin1") || c.contains("1252") {
        bytes.iter().map(|b| char::from(*b)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Quoted-printable; `underscore` for RFC 2047's Q encoding.
fn quoted_printable(s: &str, underscore: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'=' if i + 1 < b.len() && (b[i + 1] == b'\n' || b[i + 1] == b'\r') => {
                i += 1;
                if b[i] == b'\r' && i + 1 < b.len() && b[i + 1] == b'\n' {
                    i += 1;
                }
            }
            b'=' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'='),
            },
            b'_' if underscore => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn base64_bytes(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(clean.trim_end_matches('=')).unwrap_or_default()
}

/// One encoded word after its `=?`: charset, encoding, text, and how many bytes it took.
fn encoded_word(after: &str) -> Option<(&str, &str, &str, usize)> {
    let (charset, r) = after.split_once('?')?;
    let (enc, r) = r.split_once('?')?;
    let end = r.find("?=")?;
    Some((charset, enc, &r[..end], charset.len() + 1 + enc.len() + 1 + end + 2))
}

/// RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?iso-8859-1?Q?…?=`) in a header value.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        let after = &rest[start + 2..];
        let parts = encoded_word(after).map(|(c, e, t, n)| (c, e, t, start + 2 + n));
        let Some((charset, enc, text, consumed)) = parts else { break };
        if !(last_was_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let bytes = if enc.eq_ignore_ascii_case("b") { base64_bytes(text) } else { quoted_printable(text, true) };
        out.push_str(&charset_decode(&bytes, charset));
        rest = &rest[consumed..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}

/// The text of a MIME entity: the first text/plain part (or HTML with its tags dropped).
fn entity_text(head: &[(String, String)], body: &str, depth: u8) -> Option<String> {
    let ctype = header(head, "content-type").unwrap_or("text/plain");
    let lower = ctype.to_ascii_lowercase();
    if lower.starts_with("multipart/") {
        let boundary = param(ctype, "boundary")?;
        if depth > 4 {
            return None;
        }
        let delimiter = format!("--{boundary}");
        let parts: Vec<&str> = body.split(delimiter.as_str()).skip(1).take_while(|p| !p.starts_with("--")).collect();
        let mut html = None;
        for part in parts {
            let part = part.trim_start_matches(['\r', '\n']);
            let (h, b) = split_head(part);
            let h = headers(h);
            let ct = header(&h, "content-type").unwrap_or("text/plain").to_ascii_lowercase();
            if header(&h, "content-disposition").is_some_and(|d| d.to_ascii_lowercase().starts_with("attachment")) {
                continue;
            }
            if ct.starts_with("text/plain") || ct.starts_with("multipart/") {
                if let Some(t) = entity_text(&h, b, depth + 1) {
                    return Some(t);
                }
            } else if ct.starts_with("text/html") && html.is_none() {
                html = entity_text(&h, b, depth + 1);
            }
        }
        return html;
    }
    if !(lower.starts_with("text/plain") || lower.starts_with("text/html")) {
        return None;
    }
    let cte = header(head, "content-transfer-encoding").unwrap_or("7bit").to_ascii_lowercase();
    let bytes = match cte.as_str() {
        "base64" => base64_bytes(body),
        "quoted-printable" => quoted_printable(body, false),
        _ => body.as_bytes().to_vec(),
    };
    let text = charset_decode(&bytes, &param(ctype, "charset").unwrap_or_else(|| "utf-8".into()));
    if lower.starts_with("text/html") {
        let mut plain = String::new();
        let mut in_tag = false;
        for c in text.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        return Some(plain);
    }
    Some(text)
}

/// An address from a header value (`Name <a@b>` or `a@b`) and its display name.
fn mailbox(value: &str) -> (String, String) {
    let decoded = decode_words(value);
    match (decoded.find('<'), decoded.rfind('>')) {
        (Some(a), Some(b)) if a < b => (decoded[a + 1..b].trim().to_string(), decoded[..a].trim().trim_matches('"').trim().to_string()),
        _ => (decoded.trim().to_string(), String::new()),
    }
}

/// Parses one message.
pub fn parse(raw: &[u8]) -> Result<Parsed, CoreError> {
    if raw.len() > RAW_MAX {
        return Err(CoreError::TooLarge { max_bytes: RAW_MAX });
    }
    let raw = String::from_utf8_lossy(raw);
    let (head, body) = split_head(&raw);
    let h = headers(head);
    let (from, from_name) = mailbox(header(&h, "from").ok_or_else(|| CoreError::validation("from", "the message has no From header"))?);
    let to = h
        .iter()
        .filter(|(k, _)| k == "to" || k == "cc")
        .flat_map(|(_, v)| v.split(',').map(|a| mailbox(a).0.to_ascii_lowercase()).collect::<Vec<_>>())
        .collect();
    let subject = decode_words(header(&h, "subject").unwrap_or(""));
    let text = entity_text(&h, body, 0).unwrap_or_default().replace("\r\n", "\n");
    let thread = ["in-reply-to", "references"].iter().filter_map(|n| header(&h, n)).collect::<Vec<_>>().join(" ");
    Ok(Parsed { from, from_name, to, subject, text, thread })
}

/// The private link's token quoted in a message, if any.
pub fn token_in(text: &str) -> Option<String> {
    let at = text.find("/support/ticket#")? + "/support/ticket#".len();
    let token: String = text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    (token.len() == 43).then_some(token)
}

/// The ticket reference (`CB-` and eight characters) in a subject, if any.
pub fn reference_in(subject: &str) -> Option<String> {
    subject.match_indices("CB-").find_map(|(i, _)| {
        let r: String = subject[i + 3..].chars().take(8).collect();
        (r.len() == 8 && r.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())).then(|| format!("CB-{r}"))
    })
}

/// The new text of a reply: quoted history, the "… wrote:" line before it and any private
/// link are dropped.
pub fn new_text(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let intro = (t.starts_with("On ") && t.ends_with("wrote:")) || (t.starts_with("Le ") && t.ends_with("a écrit :"));
        if intro || t.starts_with("-----Original Message") {
            break;
        }
        if t.starts_with('>') || t.contains("/support/ticket#") {
            continue;
        }
        out.push(line);
    }
    out.join("\n").trim().to_string()
}

impl Support<'_> {
    /// Delivers one inbound message.
    pub async fn inbound(&self, raw: &[u8], base_url: &str) -> Result<Delivered, CoreError> {
        self.guard()?;
        let p = parse(raw)?;
        let from =
            crate::platform::validate::email(&p.from).map_err(|_| CoreError::validation("from", "the sender's address is not valid"))?;
        let body = new_text(&p.text);
        if let Some(token) = token_in(&p.text)
            && let Ok((region, t)) = self.find_by_token(&token).await
        {
            let id = t.id.clone();
            self.add_requester_message(&region, t, &body, "email", None).await?;
            return Ok(Delivered { ticket: id, outcome: "threaded" });
        }
        // The reference in the subject, or in the thread id our messages carry (a client that
        // rewrote the subject still quotes it in `References`).
        if let Some(reference) = reference_in(&p.subject).or_else(|| reference_in(&p.thread)) {
            let bidx = self.cb.blind_email(&from);
            for region in self.cb.regions() {
                if let Some(t) = region.support.ticket_by_reference(&reference).await?
                    && t.email_bidx == bidx
                {
                    let id = t.id.clone();
                    self.add_requester_message(region, t, &body, "email", None).await?;
                    return Ok(Delivered { ticket: id, outcome: "threaded" });
                }
            }
        }
        let privacy = self.cb.policy().doc().controller.privacy_contact.to_ascii_lowercase();
        let (first, last) = match p.from_name.split_once(' ') {
            Some((f, l)) if !f.trim().is_empty() && !l.trim().is_empty() => (f.trim().to_string(), l.trim().to_string()),
            _ => (from.split('@').next().unwrap_or("-").to_string(), "-".to_string()),
        };
        let subject = if p.subject.trim().is_empty() { "(no subject)".to_string() } else { p.subject.chars().take(200).collect() };
        // Answered in the language of the sender's account, if the address has one (issue 14).
        let lang = match self.cb.directory().find_email(&self.cb.blind_email(&from)).await? {
            Some((r, s)) => match self.cb.region(&r) {
                Ok(h) => h.store.account(&s).await?.map(|a| crate::platform::mail_texts::lang(&a.locale)).unwrap_or("en"),
                Err(_) => "en",
            },
            None => "en",
        };
        let new = NewTicket {
            first_name: first,
            last_name: last,
            email: from,
            phone: None,
            subject,
            message: body,
            attachment: None,
            lang: lang.into(),
            channel: "email".into(),
            topic: if p.to.contains(&privacy) { "privacy" } else { "general" }.into(),
            account: None,
        };
        let id = self.submit(new, base_url).await?;
        Ok(Delivered { ticket: id, outcome: "new_ticket" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLY: &str = "From: =?utf-8?Q?Z=C3=A9lie_Martin?= <zelie@example.test>\r\nTo: support@example.org,\r\n privacy@example.org\r\nSubject: Re: [CB-7K3M9Q2A] We received\r\n your message\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nMerci, =C3=A7a marche !\r\n\r\nOn Mon, 30 Nov 2026, clearboard wrote:\r\n> To follow: https://x.test/support/ticket#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>Merci</p>\r\n--b1--\r\n";

    #[test]
    fn a_mime_reply_is_parsed() {
        let p = parse(REPLY.as_bytes()).unwrap();
        assert_eq!(p.from, "zelie@example.test");
        assert_eq!(p.from_name, "Zélie Martin");
        assert_eq!(p.to, vec!["support@example.org".to_string(), "privacy@example.org".to_string()]);
        assert_eq!(p.subject, "Re: [CB-7K3M9Q2A] We received your message");
        assert!(p.text.starts_with("Merci, ça marche !"), "{:?}", p.text);
        assert_eq!(reference_in(&p.subject).as_deref(), Some("CB-7K3M9Q2A"));
        assert_eq!(token_in(&p.text).as_deref(), Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        assert_eq!(new_text(&p.text), "Merci, ça marche !");
    }

    #[test]
    fn encodings_and_single_parts() {
        assert_eq!(decode_words("=?iso-8859-1?Q?Andr=E9?= =?utf-8?B?w6lsw6g=?= x"), "Andréélè x");
        let b64 = format!(
            "From: a@example.test\nSubject: hi\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{}\n",
            base64::engine::general_purpose::STANDARD.encode("Bonjour, où est mon tableau ?")
        );
        assert_eq!(parse(b64.as_bytes()).unwrap().text.trim(), "Bonjour, où est mon tableau ?");
        assert_eq!(quoted_printable("a=\r\nb=3Dc", false), b"ab=c");
        assert!(parse(b"Subject: no sender\n\nhello").is_err());
        assert_eq!(reference_in("no reference here"), None);
        assert_eq!(token_in("https://x/support/ticket#short"), None);
    }
}
