//! The signature of a card provider's webhooks (Stripe's scheme): the `Stripe-Signature`
//! header carries `t=<unix seconds>` and one or more `v1=<hex>`, each the HMAC-SHA256, keyed
//! by the endpoint's secret, of `<t>.<raw body>`. An event is accepted only if one `v1`
//! matches (compared in constant time) and `t` is within the tolerance of now, so a captured
//! event cannot be replayed later. Pure: the web layer hands the raw body and the header.

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::platform::clock::Millis;

/// Stripe's default tolerance.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("no Stripe-Signature header, or no t= and v1= in it")]
    Malformed,
    #[error("no signature matches")]
    Mismatch,
    #[error("the signature's time is outside the tolerance")]
    Stale,
}

/// The hex HMAC-SHA256 of `<t>.<payload>` keyed by `secret`.
pub fn signature(secret: &str, t: i64, payload: &[u8]) -> String {
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a `Stripe-Signature` header against the raw body at `now`.
pub fn verify(secret: &str, header: &str, payload: &[u8], now: Millis, tolerance_seconds: i64) -> Result<(), WebhookError> {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.to_string()),
            _ => {}
        }
    }
    let t = t.ok_or(WebhookError::Malformed)?;
    if sigs.is_empty() {
        return Err(WebhookError::Malformed);
    }
    let want = signature(secret, t, payload);
    let matches = sigs.iter().any(|s| s.len() == want.len() && bool::from(subtle::ConstantTimeEq::ct_eq(s.as_bytes(), want.as_bytes())));
    if !matches {
        return Err(WebhookError::Mismatch);
    }
    if (now.div_euclid(1000) - t).abs() > tolerance_seconds {
        return Err(WebhookError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripes_scheme_signed_fresh_and_untampered() {
        let (secret, body, t) = ("whsec_test", br#"{"id":"evt_1"}"#.as_slice(), 1_700_000_000);
        let header = format!("t={t},v1={},v0=ignored", signature(secret, t, body));
        assert_eq!(verify(secret, &header, body, t * 1000 + 5_000, TOLERANCE_SECONDS), Ok(()));
        assert_eq!(verify(secret, &header, b"{\"id\":\"evt_2\"}", t * 1000, TOLERANCE_SECONDS), Err(WebhookError::Mismatch));
        assert_eq!(verify("whsec_other", &header, body, t * 1000, TOLERANCE_SECONDS), Err(WebhookError::Mismatch));
        assert_eq!(verify(secret, &header, body, (t + 301) * 1000, TOLERANCE_SECONDS), Err(WebhookError::Stale));
        assert_eq!(verify(secret, "v1=abc", body, t * 1000, TOLERANCE_SECONDS), Err(WebhookError::Malformed));
        // A second secret's signature among several (secrets being rolled) is accepted.
        let rolled = format!("t={t},v1={},v1={}", signature("whsec_old", t, body), signature(secret, t, body));
        assert_eq!(verify(secret, &rolled, body, t * 1000, TOLERANCE_SECONDS), Ok(()));
    }
}
