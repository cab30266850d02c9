//! Sessions (R55): a token of 256 random bits, shown once to the client and stored only as
//! its SHA-256; a new token at every sign-in (the presented one is ended: no fixation); idle
//! and absolute timeouts read from the clock; sign-out, sign-out everywhere, and all sessions
//! ended on account deletion. The token names its region so a request finds its store without
//! a global lookup; the region is not a secret.
//!
//! Takes the whole context (`Clearboard`): sign-in orchestrates the directory, the region's stores
//! and key store, the blind index, throttles, the password-work bound, accounts, and exports
//! (revoked when signing out everywhere).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

use crate::identity::password;
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::{RegionId, SubjectId};
use crate::platform::ports::{AuditDraft, SessionRow};
use crate::platform::validate;

const TOKEN_PREFIX: &str = "cb1";

/// A session made but not stored yet (`Sessions::draft`).
pub(crate) struct NewSession {
    pub token: Zeroizing<String>,
    pub row: SessionRow,
    pub audit: AuditDraft,
    pub principal: Principal,
}

/// How the client holds its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser, through the session cookie.
    Cookie,
    /// An API client, through `Authorization: Bearer`.
    Bearer,
    /// Someone who joined one board by code, without an account.
    Participant,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cookie => "cookie",
            Self::Bearer => "bearer",
            Self::Participant => "participant",
        }
    }
}

/// A sign-in attempt.
pub struct SignIn<'a> {
    pub email: &'a str,
    pub password: Zeroizing<String>,
    pub kind: SessionKind,
    /// A session token the client already held (ended at sign-in).
    pub replaces: Option<&'a str>,
    /// The device cookie the client presented (cookie or `X-Device-Cookie` header), if any.
    pub device: Option<&'a str>,
}

/// A successful sign-in: the session token, who it is, and a fresh device cookie for the client.
pub struct SignedIn {
    pub token: Zeroizing<String>,
    pub principal: Principal,
    pub device_cookie: String,
}

/// A session as listed to its owner.
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    pub kind: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub current: bool,
}

pub use crate::platform::tokens::token_hash;

fn new_token(region: &RegionId) -> Result<Zeroizing<String>, CoreError> {
    let raw = Zeroizing::new(clearboard_vault::random::bytes::<32>()?);
    Ok(Zeroizing::new(format!("{TOKEN_PREFIX}.{}.{}", region.as_str(), URL_SAFE_NO_PAD.encode(*raw))))
}

fn region_of(token: &str) -> Option<&str> {
    let mut parts = token.splitn(3, '.');
    (parts.next()? == TOKEN_PREFIX).then_some(())?;
    let region = parts.next()?;
    let secret = parts.next()?;
    (secret.len() == 43 && region.len() <= 16).then_some(region)
}

pub struct Sessions<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions { cb: self }
    }
}

impl Sessions<'_> {
    fn alive(&self, row: &SessionRow, now: Millis) -> bool {
        let s = self.cb.settings();
        now - row.last_seen_at < s.session_idle_ms && now - row.created_at < s.session_absolute_ms
    }

    /// Signs in with email and password from a client without a device cookie.
    pub async fn sign_in(
        &self,
        email: &str,
        password: Zeroizing<String>,
        kind: SessionKind,
        replaces: Option<&str>,
    ) -> Result<(Zeroizing<String>, Principal), CoreError> {
        let s = self.sign_in_with(SignIn { email, password, kind, replaces, device: None }).await?;
        Ok((s.token, s.principal))
    }

    /// Signs in with email and password. `replaces` is a token the client already held: it is
    /// ended, so every sign-in yields a fresh token. Throttled after OWASP's device cookies
    /// (see `throttle`): a valid device cookie of this account puts the attempt on that
    /// device's own counter, anything else on the account's "untrusted clients" counter, so
    /// failures elsewhere never lock the owner's known device out. An account waiting for its
    /// activation link answers as a wrong password would.
    pub async fn sign_in_with(&self, a: SignIn<'_>) -> Result<SignedIn, CoreError> {
        use crate::platform::throttle::{Kind, device};
        let t = self.cb.throttle();
        let now = self.cb.now();
        let email = validate::email(a.email).map_err(|_| CoreError::InvalidCredentials)?;
        let bidx = self.cb.inner.blind.email(&email);
        let mut found = None;
        if let Some((region_id, subject)) = self.cb.directory().find_email(&bidx).await? {
            let region = self.cb.region(&region_id)?.clone();
            if let Some(row) = region.store.account(&subject).await?.filter(|r| r.email_bidx == bidx) {
                found = Some((region, row));
            }
        }
        let device_key = match (&found, a.device) {
            (Some((_, row)), Some(cookie)) => {
                device::check(&self.cb.inner.blind, &row.subject_id, cookie, now, t.rules().device_cookie_ttl_ms)
            }
            _ => None,
        };
        // Admitted before the (slow) password check, so guesses sent all at once are bounded by
        // the rule as well as guesses sent one by one.
        let admitted = match &device_key {
            Some(d) => t.begin(Kind::SignInDevice, d, now).await?,
            None => t.begin(Kind::SignInUntrusted, &bidx, now).await?,
        };
        let attempt = match admitted {
            Ok(a) => a,
            Err(secs) => {
                tracing::info!(event = "auth.sign_in", outcome = "throttled", trusted_device = device_key.is_some());
                return Err(CoreError::Throttled { retry_after_secs: secs });
            }
        };
        let fail = async |attempt: crate::platform::throttle::Attempt, reason: &'static str| {
            if let Err(e) = attempt.failed(self.cb.now()).await {
                return e;
            }
            tracing::info!(event = "auth.sign_in", outcome = "failure", reason, trusted_device = device_key.is_some());
            metrics::counter!("clearboard_sign_in_failures_total").increment(1);
            CoreError::InvalidCredentials
        };
        let Some((region, row)) = found else {
            password::verify_dummy(&self.cb.inner.work, a.password).await?;
            return Err(fail(attempt, "unknown_account").await);
        };
        let subject = row.subject_id.clone();
        let dek = self.cb.keys().current(&region, &subject).await?;
        if !self.cb.accounts().password_matches(&dek, &row, a.password).await? {
            tracing::info!(event = "auth.sign_in", subject = %subject, "wrong password");
            return Err(fail(attempt, "wrong_password").await);
        }
        if region.store.activation_pending(&subject).await?.is_some() {
            // The right password of an account not yet activated: not a guess, not counted.
            tracing::info!(event = "auth.sign_in", outcome = "refused", reason = "not_activated", subject = %subject);
            return Err(CoreError::InvalidCredentials);
        }
        attempt.succeeded(self.cb.now()).await?;
        if let Some(d) = &device_key {
            t.clear(Kind::SignInDevice, d, self.cb.now()).await?;
        }
        let (token, principal) = self.start(&region, &subject, a.kind, a.replaces).await?;
        let device_cookie = device::issue(&self.cb.inner.blind, &subject, now)?;
        tracing::info!(event = "auth.sign_in", outcome = "success", subject = %subject, trusted_device = device_key.is_some());
        metrics::counter!("clearboard_sign_ins_total").increment(1);
        Ok(SignedIn { token, principal, device_cookie })
    }

    /// A new session for `subject`, not stored yet: its token (shown once), its row, the audit
    /// entry that records it and the principal it makes. `start` stores it on its own; a join
    /// stores it in the transaction that creates the participant (one write, not two).
    pub(crate) fn draft(&self, region: &RegionId, subject: &SubjectId, kind: SessionKind) -> Result<NewSession, CoreError> {
        let token = new_token(region)?;
        let now = self.cb.now();
        let row = SessionRow {
            token_hash: token_hash(&token),
            subject_id: subject.clone(),
            kind: kind.as_str().to_string(),
            created_at: now,
            last_seen_at: now,
        };
        let audit = self.cb.audit_draft(
            Actor::Subject(subject),
            "session.started",
            Some(subject),
            Some("security"),
            json!({ "kind": kind.as_str() }),
        );
        let principal = Principal { subject: subject.clone(), region: region.clone(), token_hash: row.token_hash.clone() };
        Ok(NewSession { token, row, audit, principal })
    }

    /// Starts a session for a subject whose identity is established (sign-in, a participant's
    /// recovery). `replaces` is a token the client held: it is ended (no session fixation).
    pub async fn start(
        &self,
        region: &crate::platform::context::RegionHandle,
        subject: &SubjectId,
        kind: SessionKind,
        replaces: Option<&str>,
    ) -> Result<(Zeroizing<String>, Principal), CoreError> {
        let s = self.draft(&region.id, subject, kind)?;
        // Rotation: a token presented at sign-in is ended, whoever it belonged to.
        let replaced = replaces.filter(|t| region_of(t) == Some(region.id.as_str())).map(token_hash);
        if let Some(other) = replaces.filter(|t| region_of(t).is_some_and(|r| r != region.id.as_str()))
            && let Some(r) = region_of(other).and_then(|r| self.cb.region_named(r).ok())
        {
            let _ = r.store.delete_session(&token_hash(other)).await;
        }
        region.store.insert_session(&s.row, replaced.as_deref(), Some(s.audit)).await?;
        Ok((s.token, s.principal))
    }

    /// Checks a token; refreshes its last-use time at most once per `session_touch_ms`.
    pub async fn authenticate(&self, token: &str) -> Result<Principal, CoreError> {
        let region = region_of(token).ok_or(CoreError::Unauthenticated)?;
        let region = self.cb.region_named(region).map_err(|_| CoreError::Unauthenticated)?;
        let hash = token_hash(token);
        let row = region.store.session(&hash).await?.ok_or(CoreError::Unauthenticated)?;
        let now = self.cb.now();
        if !self.alive(&row, now) {
            // Refused, not deleted here: the retention scheduler purges expired sessions and
            // respects legal holds on them.
            return Err(CoreError::Unauthenticated);
        }
        if now - row.last_seen_at >= self.cb.settings().session_touch_ms {
            region.store.touch_session(&hash, now).await?;
        }
        Ok(Principal { subject: row.subject_id, region: region.id.clone(), token_hash: hash })
    }

    /// Whether the session behind a principal is still alive (for long-lived connections).
    pub async fn still_valid(&self, who: &Principal) -> Result<bool, CoreError> {
        let region = self.cb.region(&who.region)?;
        let now = self.cb.now();
        Ok(region.store.session(&who.token_hash).await?.is_some_and(|row| self.alive(&row, now)))
    }

    /// Sessions of `subject` ended: their board sockets, on this node and the others, check
    /// their access now rather than at their next periodic check.
    fn ended(&self, subject: &crate::platform::ids::SubjectId) {
        self.cb.inner.hub.recheck(subject);
        self.cb.inner.hub.notify(crate::platform::bus::Notice::SessionsEnded { subject: subject.clone() });
    }

    /// Ends the current session.
    pub async fn sign_out(&self, who: &Principal) -> Result<(), CoreError> {
        let region = self.cb.region(&who.region)?;
        region.store.delete_session(&who.token_hash).await?;
        self.ended(&who.subject);
        tracing::info!(event = "auth.sign_out", subject = %who.subject);
        Ok(())
    }

    /// Ends every session of the person, this one included, and revokes their exports.
    pub async fn sign_out_everywhere(&self, who: &Principal) -> Result<u64, CoreError> {
        let region = self.cb.region(&who.region)?;
        let audit =
            self.cb.audit_draft(Actor::Subject(&who.subject), "session.revoked_all", Some(&who.subject), Some("security"), json!({}));
        let n = region.store.delete_sessions_of(&who.subject, None, Some(audit)).await?;
        self.ended(&who.subject);
        // Issue 11, finding 9: an export made before is revoked with the sessions.
        self.cb.exports().revoke_all(&who.region, &who.subject, crate::privacy::rights::exports::Revocation::SignedOutEverywhere).await?;
        tracing::info!(event = "auth.sign_out_everywhere", subject = %who.subject, sessions = n);
        Ok(n)
    }

    /// The person's live sessions.
    pub async fn list(&self, who: &Principal) -> Result<Vec<SessionInfo>, CoreError> {
        let region = self.cb.region(&who.region)?;
        let now = self.cb.now();
        Ok(region
            .store
            .sessions_of(&who.subject)
            .await?
            .into_iter()
            .filter(|s| self.alive(s, now))
            .map(|s| SessionInfo {
                current: s.token_hash == who.token_hash,
                kind: s.kind,
                created_at: rfc3339(s.created_at),
                last_seen_at: rfc3339(s.last_seen_at),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_256_random_bits_and_name_their_region() {
        let t = new_token(&RegionId::new("eu")).unwrap();
        assert_eq!(region_of(&t), Some("eu"));
        let secret = t.rsplit('.').next().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(secret).unwrap().len(), 32);
        assert_ne!(*t, *new_token(&RegionId::new("eu")).unwrap());
        assert_eq!(region_of("cb1.eu.short"), None);
        assert_eq!(region_of("xx.eu.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), None);
        assert_eq!(token_hash(&t).len(), 32);
    }
}
