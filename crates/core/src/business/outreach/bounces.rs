//! Hard bounces reported back by the mail system: a delivery status notification (RFC 3464,
//! `multipart/report; report-type=delivery-status`) piped to `clearboard outreach bounce`. Each
//! recipient whose `Action` is `failed` with a permanent `Status` (5.x.x) is a hard bounce: no
//! more mail to that address. Transient failures (4.x.x) and delays change nothing.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_permanent_failures_are_hard_bounces() {
        let dsn = "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; gone@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\nFinal-Recipient: rfc822;<full@example.test>\r\nAction: delayed\r\nStatus: 4.2.2\r\n\r\nOriginal-Recipient: rfc822; alias@example.test\r\nFinal-Recipient: rfc822; moved@example.test\r\nAction: failed\r\nStatus: 5.7.1\r\n";
        assert_eq!(hard_bounces(dsn), vec!["gone@example.test".to_string(), "moved@example.test".to_string()]);
        assert!(hard_bounces("not a report").is_empty());
    }
}
