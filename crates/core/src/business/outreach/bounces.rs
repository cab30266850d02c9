//! Hard bounces reported back by the mail system: a delivery status notification (RFC 3464,
//! `multipart/report; report-type=delivery-status`) piped to `clearboard outreach bounce`. Each
//! recipient whose `Action` is `failed` with a permanent `Status` (5.x.x) is a hard bounce: no
//! more mail to that address. Transient failures (4.x.x) and delays change nothing.
//!
//! Also the `mailto:` half of `List-Unsubscribe`: a message to that mailbox, piped to
//! `clearboard outreach unsubscribe`, whose subject is `unsubscribe <token>`, unsubscribes at
//! once (RFC 2369), like the one-click POST.

use crate::business::outreach::contacts::Outreach;
use crate::platform::error::CoreError;

/// The addresses a DSN reports as permanently failed (without duplicates, in order).
pub fn hard_bounces(dsn: &str) -> Vec<String> {
    let text = dsn.replace("\r\n", "\n");
    let mut out: Vec<String> = Vec::new();
    // Per-recipient fields come in groups separated by blank lines (RFC 3464 §2.3).
    for group in text.split("\n\n") {
        let (mut recipient, mut failed, mut permanent) = (None, false, false);
        for line in group.lines() {
            let Some((name, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "final-recipient" | "original-recipient" if recipient.is_none() || name.trim().eq_ignore_ascii_case("final-recipient") => {
                    let addr = value.split_once(';').map_or(value, |(_, a)| a).trim().trim_matches(['<', '>']);
                    if addr.contains('@') {
                        recipient = Some(addr.to_string());
                    }
                }
                "action" => failed = value.eq_ignore_ascii_case("failed"),
                "status" => permanent = value.starts_with('5'),
                _ => {}
            }
        }
        if let Some(r) = recipient.filter(|_| failed && permanent)
            && !out.iter().any(|o| o.eq_ignore_ascii_case(&r))
        {
            out.push(r);
        }
    }
    out
}

impl Outreach<'_> {
    /// Records the hard bounces of a DSN; returns how many addresses it named (known or not:
    /// the count says nothing about who is subscribed).
    pub async fn record_dsn(&self, dsn: &str) -> Result<usize, CoreError> {
        let addresses = hard_bounces(dsn);
        for a in &addresses {
            self.hard_bounce(a).await?;
        }
        Ok(addresses.len())
    }
}

/// The unsubscribe token of a message sent to the `List-Unsubscribe` mailbox: its `Subject`
/// header is `unsubscribe <token>` (as the mailto link asks).
pub fn unsubscribe_token(message: &str) -> Option<String> {
    let head = message.replace("\r\n", "\n");
    let head = head.split("\n\n").next().unwrap_or("");
    let subject =
        head.lines().find_map(|l| l.split_once(':').filter(|(n, _)| n.trim().eq_ignore_ascii_case("subject")).map(|(_, v)| v.trim()))?;
    let (word, token) = subject.split_once(char::is_whitespace)?;
    word.eq_ignore_ascii_case("unsubscribe").then(|| token.trim().to_string()).filter(|t| !t.is_empty() && !t.contains(char::is_whitespace))
}

impl Outreach<'_> {
    /// Unsubscribes the sender of a message to the `List-Unsubscribe` mailbox.
    pub async fn unsubscribe_by_mail(&self, message: &str) -> Result<(), CoreError> {
        let token = unsubscribe_token(message).ok_or(CoreError::LinkInvalid)?;
        self.unsubscribe(&token, "mailto").await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_permanent_failures_are_hard_bounces() {
        let dsn = "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; gone@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\nFinal-Recipient: rfc822;<full@example.test>\r\nAction: delayed\r\nStatus: 4.2.2\r\n\r\nOriginal-Recipient: rfc822; alias@example.test\r\nFinal-Recipient: rfc822; moved@example.test\r\nAction: failed\r\nStatus: 5.7.1\r\n";
        assert_eq!(hard_bounces(dsn), vec!["gone@example.test".to_string(), "moved@example.test".to_string()]);
        assert!(hard_bounces("not a report").is_empty());
    }

    #[test]
    fn the_mailto_subject_carries_the_token() {
        assert_eq!(
            unsubscribe_token("From: a@b.test\r\nSubject: unsubscribe u1.eu.x.newsletter.AbC\r\n\r\nbody").as_deref(),
            Some("u1.eu.x.newsletter.AbC")
        );
        assert_eq!(unsubscribe_token("Subject: hello there\n\n"), None);
        assert_eq!(unsubscribe_token("no headers at all"), None);
    }
}
