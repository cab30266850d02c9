//! The lists people subscribe to, the policy purpose and category they serve, and the rules
//! shared by the rest of outreach.

use sha2::{Digest, Sha256};

use crate::platform::clock::MINUTE;
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;

/// The consent-based purpose every list serves.
pub const PURPOSE: &str = "marketing";
/// The policy category of contacts, sends and clicks.
pub const CATEGORY: &str = "newsletter";
pub const NEWSLETTER: &str = "newsletter";
pub const EVENTS: &str = "event_invitations";
pub const PHONE: &str = "phone";
/// Every list.
pub const LISTS: &[&str] = &[NEWSLETTER, EVENTS, PHONE];
/// The lists campaigns are emailed to.
pub const EMAIL_LISTS: &[&str] = &[NEWSLETTER, EVENTS];
/// The retention rules of the policy this module enforces.
pub const TRIGGER_INACTIVE: &str = "last_contact";
pub const TRIGGER_UNCONFIRMED: &str = "not_confirmed";
/// At most one confirmation message per address in this window (whatever is asked).
pub const RESEND_AFTER: i64 = 10 * MINUTE;

/// The purpose guard of every outreach operation (C-USE-1).
pub fn guard(cb: &Clearboard) -> Result<(), CoreError> {
    cb.policy().check(PURPOSE, CATEGORY)?;
    Ok(())
}

/// The exact consent text shown next to the subscription form in `lang`: the policy's own
/// words for the marketing purpose.
pub fn consent_text(cb: &Clearboard, lang: &str) -> String {
    cb.policy().purpose(PURPOSE).and_then(|p| p.consent_text.as_ref()).map(|t| t.get(lang).to_string()).unwrap_or_default()
}

pub fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// How long a confirmation link works: the policy's window for unconfirmed subscriptions.
pub fn confirmation_window(cb: &Clearboard) -> clearboard_policy::Period {
    cb.policy().retention_period(CATEGORY, TRIGGER_UNCONFIRMED).unwrap_or(clearboard_policy::Period::Days(7))
}

/// `en` or `fr`.
pub fn lang(raw: &str) -> &'static str {
    if raw.trim().eq_ignore_ascii_case("fr") { "fr" } else { "en" }
}

/// A list of lists, comma-separated, sorted, without duplicates.
pub fn join(lists: &[String]) -> String {
    let mut v: Vec<&str> = lists.iter().map(String::as_str).filter(|l| !l.is_empty()).collect();
    v.sort_unstable();
    v.dedup();
    v.join(",")
}

pub fn split(lists: &str) -> Vec<String> {
    lists.split(',').filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// The lists a subscription asks for: known ones only; the newsletter when none is named.
pub fn parse(asked: &[String]) -> Result<Vec<String>, CoreError> {
    if asked.is_empty() {
        return Ok(vec![NEWSLETTER.to_string()]);
    }
    let mut out = Vec::new();
    for l in asked {
        let l = l.trim();
        if !LISTS.contains(&l) {
            return Err(CoreError::validation("lists", format!("choose among: {}", LISTS.join(", "))));
        }
        out.push(l.to_string());
    }
    Ok(split(&join(&out)))
}

/// The ledger's method for a choice about one list (`double_opt_in:newsletter`).
pub fn method(how: &str, list: &str) -> String {
    format!("{how}:{list}")
}
