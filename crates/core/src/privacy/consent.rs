//! Consent (C-USE-3, C-COOK-1..5, C-SHARE-6): the visitor's cookie choice, the consent of
//! signed-in people to consent-based purposes, Global Privacy Control, and the ledger.
//!
//! A visitor's choice lives in the `cb_consent` cookie (a random id, the choice, the policy's
//! cookie digest, an expiry and an HMAC), and every choice is appended to the ledger with a
//! proof hash and an audit entry. A cookie that is malformed, forged, expired or made for other
//! cookie purposes counts as no choice at all. Refusing is recorded like accepting; closing the
//! window is refusing; Global Privacy Control (`Sec-GPC: 1`) withdraws and refuses without any
//! form, even after an earlier "accept".
//!
//! Takes the whole context (`Clearboard`): the ledger reads the policy (purposes, texts,
//! versions), the keyring (proof hashes), the settings (how long a choice lasts), the region's
//! consent store and the audit chain.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ports::ConsentRow;

/// The cookie purpose visitors are asked about.
pub const STATISTICS: &str = "statistics";
/// The cookie that holds a visitor's choice; its declared lifetime is how long a choice lasts.
pub const CONSENT_COOKIE: &str = "cb_consent";

/// A visitor's current, valid cookie choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorConsent {
    pub consent_id: String,
    pub statistics: bool,
    pub expires_at: Millis,
}

/// A signed-in person's consent to one consent-based purpose.
#[derive(Debug, Clone, Serialize)]
pub struct PurposeConsent {
    pub purpose: String,
    pub title: String,
    pub text: String,
    pub granted: bool,
    /// A choice was made, but under consent purposes that have changed since: ask again.
    pub ask_again: bool,
    pub since: Option<String>,
    pub method: Option<String>,
}

pub struct Consents<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn consents(&self) -> Consents<'_> {
        Consents { cb: self }
    }
}

pub(crate) fn proof(r: &ConsentRow) -> Vec<u8> {
    let mut h = Sha256::new();
    for part in [
        r.id.as_str(),
        r.consent_id.as_deref().unwrap_or(""),
        r.subject_id.as_ref().map(|s| s.as_str()).unwrap_or(""),
        &r.purpose,
        &r.policy_version,
        &r.text_digest,
        &r.purposes_digest,
        &r.method,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.update([u8::from(r.granted)]);
    h.update(r.at.to_be_bytes());
    h.finalize().to_vec()
}

/// The MAC of a consent cookie's body under `key`.
fn cookie_mac(key: &[u8], body: &str) -> Vec<u8> {
    let mut m = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    m.update(b"cb-consent-v1|");
    m.update(body.as_bytes());
    m.finalize().into_bytes()[..16].to_vec()
}

/// Parses a `cb_consent` cookie value: anything not MACed with `key`, expired at `now`, made for
/// other cookie purposes (`digest8`) or malformed is `None` (no choice) — never an error or a
/// panic (a fuzz target holds it to that).
pub fn parse_cookie(value: &str, key: &[u8], digest8: &str, now: Millis) -> Option<VisitorConsent> {
    if value.len() > 200 {
        return None;
    }
    let (body, mac) = value.rsplit_once('.')?;
    let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
    let expected = cookie_mac(key, body);
    if expected.is_empty() || mac.len() != expected.len() || !bool::from(subtle::ConstantTimeEq::ct_eq(mac.as_slice(), expected.as_slice()))
    {
        return None;
    }
    let mut parts = body.split('.');
    if parts.next()? != "v1" {
        return None;
    }
    let consent_id = parts.next()?.to_string();
    let statistics = match parts.next()? {
        "s1" => true,
        "s0" => false,
        _ => return None,
    };
    let digest = parts.next()?;
    let expires_at: Millis = parts.next()?.parse().ok()?;
    if parts.next().is_some() || digest != digest8 || expires_at <= now || consent_id.len() != 22 {
        return None;
    }
    Some(VisitorConsent { consent_id, statistics, expires_at })
}

/// Makes a cookie value [`parse_cookie`] accepts (for tests and fuzzing seeds).
pub fn make_cookie(key: &[u8], consent_id: &str, statistics: bool, digest8: &str, expires_at: Millis) -> String {
    let body = format!("v1.{consent_id}.s{}.{digest8}.{expires_at}", u8::from(statistics));
    format!("{body}.{}", URL_SAFE_NO_PAD.encode(cookie_mac(key, &body)))
}

impl Consents<'_> {
    fn digest8(&self) -> String {
        self.cb.policy().cookie_consent_digest()[..8].to_string()
    }

    /// When a choice made at `now` must be asked again: the declared lifetime of the consent
    /// cookie, in calendar months (C-COOK-5). Without the declaration (which `policy check`
    /// refuses) a choice lasts nothing, so the visitor is asked again.
    pub fn valid_until(&self, now: Millis) -> Millis {
        self.cb.policy().cookie(CONSENT_COOKIE).and_then(|c| c.expires_at(now)).unwrap_or(now)
    }

    /// Encodes a choice as the `cb_consent` cookie value.
    pub fn encode(&self, c: &VisitorConsent) -> String {
        make_cookie(&*self.cb.keyring().cookie_key_material(), &c.consent_id, c.statistics, &self.digest8(), c.expires_at)
    }

    /// Reads a `cb_consent` cookie; anything not made by us, expired, or made for other cookie
    /// purposes is `None` (no choice): it is never an error.
    pub fn decode(&self, value: &str) -> Option<VisitorConsent> {
        parse_cookie(value, &*self.cb.keyring().cookie_key_material(), &self.digest8(), self.cb.now())
    }

    /// The digest of the cookie text a visitor is shown in `lang` (part of the proof).
    fn text_digest(&self, lang: &str) -> String {
        let mut h = Sha256::new();
        for c in self.cb.policy().doc().cookies.iter().filter(|c| c.kind.needs_consent()) {
            h.update(c.purpose.get(lang).as_bytes());
        }
        hex::encode(h.finalize())
    }

    fn visitor_region(&self) -> Result<&RegionHandle, CoreError> {
        self.cb.region(&self.cb.settings().default_region)
    }

    /// Records a visitor's choice (banner, settings, GPC) and returns the new choice.
    pub async fn record_visitor(
        &self,
        existing: Option<&VisitorConsent>,
        statistics: bool,
        method: &str,
        lang: &str,
    ) -> Result<VisitorConsent, CoreError> {
        let now = self.cb.now();
        // The same choice again, while the recorded one is valid: nothing new to prove, and the
        // expiry is never pushed back (C-COOK-5). One visitor cannot fill the ledger.
        if let Some(e) = existing.filter(|e| e.statistics == statistics && e.expires_at > now) {
            return Ok(e.clone());
        }
        let consent_id = match existing {
            Some(e) => e.consent_id.clone(),
            None => URL_SAFE_NO_PAD.encode(clearboard_vault::random::bytes::<16>()?),
        };
        let mut row = ConsentRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            consent_id: Some(consent_id.clone()),
            subject_id: None,
            purpose: STATISTICS.into(),
            granted: statistics,
            policy_version: self.cb.policy().digest().to_string(),
            text_digest: self.text_digest(lang),
            purposes_digest: self.cb.policy().cookie_consent_digest(),
            method: method.to_string(),
            at: now,
            proof: Vec::new(),
        };
        row.proof = proof(&row);
        let audit = self.cb.audit_draft(
            Actor::System,
            if statistics { "consent.given" } else { "consent.refused" },
            None,
            Some(STATISTICS),
            json!({ "consent_record": row.id, "method": method, "proof": hex::encode(&row.proof) }),
        );
        self.visitor_region()?.consents.append_consent(&row, Some(audit)).await?;
        metrics::counter!("clearboard_consent_choices_total", "choice" => if statistics { "accept" } else { "reject" }, "method" => method.to_string()).increment(1);
        Ok(VisitorConsent { consent_id, statistics, expires_at: self.valid_until(now) })
    }

    /// The ledger of a visitor's choices (shown to them on the cookies page).
    pub async fn visitor_ledger(&self, consent_id: &str) -> Result<Vec<ConsentRow>, CoreError> {
        Ok(self.visitor_region()?.consents.consents_of_visitor(consent_id).await?)
    }

    /// The consent-based purposes and the person's current choice for each (never pre-ticked:
    /// no record means no).
    pub async fn of_subject(&self, who: &Principal, lang: &str) -> Result<Vec<PurposeConsent>, CoreError> {
        let region = self.cb.region(&who.region)?;
        let rows = region.consents.consents_of_subject(&who.subject).await?;
        let digest = self.cb.policy().consent_purposes_digest();
        Ok(self
            .cb
            .policy()
            .user_consent_purposes()
            .map(|p| {
                let last = rows.iter().rev().find(|r| r.purpose == p.id);
                // A choice made under other consent purposes (another digest) or other wording
                // no longer counts: the person is asked again and nothing optional happens
                // until they answer (issue 13, acceptance 6).
                let current = last.is_some_and(|r| r.purposes_digest == digest);
                PurposeConsent {
                    purpose: p.id.clone(),
                    title: p.title.get(lang).to_string(),
                    text: p.consent_text.as_ref().map(|t| t.get(lang).to_string()).unwrap_or_default(),
                    granted: current
                        && last.is_some_and(|r| r.granted && r.text_digest == self.purpose_text_digest(&p.id, lang).unwrap_or_default()),
                    ask_again: last.is_some() && !current,
                    since: last.map(|r| rfc3339(r.at)),
                    method: last.map(|r| r.method.clone()),
                }
            })
            .collect())
    }

    fn purpose_text_digest(&self, purpose: &str, lang: &str) -> Option<String> {
        let p = self.cb.policy().purpose(purpose)?;
        Some(hex::encode(Sha256::digest(p.consent_text.as_ref()?.get(lang).as_bytes())))
    }

    /// Gives or withdraws consent to a consent-based purpose (C-USE-3): as easy one way as the
    /// other; recorded with its proof and audited.
    pub async fn set_subject(&self, who: &Principal, purpose: &str, granted: bool, method: &str, lang: &str) -> Result<(), CoreError> {
        if !self.cb.policy().user_consent_purposes().any(|p| p.id == purpose) {
            return Err(CoreError::validation("purpose", "name a purpose of the policy that is based on consent"));
        }
        let region = self.cb.region(&who.region)?;
        let now = self.cb.now();
        let mut row = ConsentRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            consent_id: None,
            subject_id: Some(who.subject.clone()),
            purpose: purpose.to_string(),
            granted,
            policy_version: self.cb.policy().digest().to_string(),
            text_digest: self.purpose_text_digest(purpose, lang).unwrap_or_default(),
            purposes_digest: self.cb.policy().consent_purposes_digest(),
            method: method.to_string(),
            at: now,
            proof: Vec::new(),
        };
        row.proof = proof(&row);
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            if granted { "consent.given" } else { "consent.withdrawn" },
            Some(&who.subject),
            Some(purpose),
            json!({ "consent_record": row.id, "method": method, "proof": hex::encode(&row.proof) }),
        );
        region.consents.append_consent(&row, Some(audit)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_cover_every_field() {
        let base = ConsentRow {
            id: "a".into(),
            consent_id: Some("c".into()),
            subject_id: None,
            purpose: "statistics".into(),
            granted: true,
            policy_version: "v".into(),
            text_digest: "t".into(),
            purposes_digest: "d".into(),
            method: "banner".into(),
            at: 1,
            proof: vec![],
        };
        let p0 = proof(&base);
        for changed in [
            ConsentRow { granted: false, ..base.clone() },
            ConsentRow { method: "gpc".into(), ..base.clone() },
            ConsentRow { at: 2, ..base.clone() },
            ConsentRow { text_digest: "u".into(), ..base.clone() },
            ConsentRow { purposes_digest: "e".into(), ..base.clone() },
            ConsentRow { policy_version: "w".into(), ..base.clone() },
        ] {
            assert_ne!(proof(&changed), p0);
        }
    }
}
