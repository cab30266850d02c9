//! Per-recipient links: `u` (unsubscribe from a list) and `r` (read a campaign online, which
//! counts as a contact). A token names the region, the subject and what it is for, and is
//! MACed with a key derived from the keyring: nothing is stored, nothing can be forged, and it
//! says nothing about the person (the subject id is pseudonymous).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::platform::context::Clearboard;
use crate::platform::ids::SubjectId;

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unsubscribe,
    Read,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Self::Unsubscribe => "u1",
            Self::Read => "r1",
        }
    }
}

/// A verified token's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub region: String,
    pub subject: SubjectId,
    /// The list (unsubscribe) or the campaign (read).
    pub what: String,
}

fn mac(cb: &Clearboard, body: &str) -> Vec<u8> {
    let key = cb.keyring().cookie_key_material();
    let mut m = match <Hmac<Sha256> as KeyInit>::new_from_slice(&*key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    m.update(b"cb-outreach-link-v1|");
    m.update(body.as_bytes());
    m.finalize().into_bytes()[..18].to_vec()
}

fn clean(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A token of `kind` for `subject` of `region`, about `what`.
pub fn make(cb: &Clearboard, kind: Kind, region: &str, subject: &SubjectId, what: &str) -> String {
    let body = format!("{}.{region}.{}.{what}", kind.tag(), subject.as_str());
    format!("{body}.{}", URL_SAFE_NO_PAD.encode(mac(cb, &body)))
}

/// The claims of a token of `kind`, or `None` for anything else (never an error or a panic).
pub fn verify(cb: &Clearboard, kind: Kind, token: &str) -> Option<Claims> {
    if token.len() > 300 {
        return None;
    }
    let (body, tag) = token.rsplit_once('.')?;
    let given = URL_SAFE_NO_PAD.decode(tag).ok()?;
    let expected = mac(cb, body);
    if expected.is_empty()
        || given.len() != expected.len()
        || !bool::from(subtle::ConstantTimeEq::ct_eq(given.as_slice(), expected.as_slice()))
    {
        return None;
    }
    let mut parts = body.split('.');
    if parts.next()? != kind.tag() {
        return None;
    }
    let (region, subject, what) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !clean(region) || !clean(subject) || !clean(what) {
        return None;
    }
    Some(Claims { region: region.to_string(), subject: SubjectId::from_stored(subject.to_string()), what: what.to_string() })
}
