//! Participants' recovery codes (issue 13, acceptance 5): a participant has no account, so at
//! join they get a private code, shown once and stored only as its keyed hash, with which they
//! come back after their session ended to see, export and erase what they posted. And the
//! retention rule of participants' content: erased some time after their latest session ended.
//!
//! Must not: keep the code in clear anywhere, answer a wrong code differently from a code that
//! no longer opens anything, or put the code in a URL (it travels in request bodies only).

use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::boards::service::{Boards, PURPOSE};
use crate::identity::principal::Principal;
use crate::identity::sessions::SessionKind;
use crate::platform::audit::Actor;
use crate::platform::clock::Millis;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, SubjectId};
use crate::platform::ports::PurgeCount;

use crate::platform::tokens::CROCKFORD as ALPHABET;
/// 160 random bits, written as 32 characters in groups of four.
const CODE_BYTES: usize = 20;
const CODE_CHARS: usize = CODE_BYTES * 8 / 5;
/// The blind-index domain of recovery codes (the key is the deployment's blind-index key).
const HASH_DOMAIN: &str = "participant_recovery";
/// How many idle participants one retention run erases per region at most (the rest next run).
const PURGE_BATCH: i64 = 10_000;

/// A participant who just joined: their session, their board, and their recovery code (shown
/// once, never stored in clear).
pub struct Joined {
    pub token: Zeroizing<String>,
    pub principal: Principal,
    pub board: BoardId,
    pub recovery_code: Zeroizing<String>,
}

/// A participant back with their recovery code: a new session on their board.
pub struct Recovered {
    pub token: Zeroizing<String>,
    pub principal: Principal,
    pub board: BoardId,
}

/// A new recovery code: 160 random bits in Crockford base 32, `XXXX-XXXX-…` (8 groups).
pub(crate) fn new_recovery_code() -> Result<Zeroizing<String>, CoreError> {
    let raw = Zeroizing::new(clearboard_vault::random::bytes::<CODE_BYTES>()?);
    let mut out = Zeroizing::new(String::with_capacity(CODE_CHARS + CODE_CHARS / 4));
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut written = 0;
    for b in raw.iter() {
        acc = (acc << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            if written > 0 && written % 4 == 0 {
                out.push('-');
            }
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
            written += 1;
        }
        acc &= (1 << bits) - 1;
    }
    Ok(out)
}

/// The code as typed, in its canonical form: separators and spaces dropped, upper case, and
/// the letters Crockford reads as digits (O as 0, I and L as 1). `None` when it cannot be a
/// code (the caller still hashes something, so the answer takes as long).
fn canonical(code: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(CODE_CHARS));
    for c in code.chars().filter(|c| !matches!(c, '-' | ' ' | '\t')) {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || out.len() >= CODE_CHARS {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_CHARS).then_some(out)
}

impl Boards<'_> {
    /// The keyed hash a recovery code is stored as (HMAC-SHA-256 with the deployment's
    /// blind-index key: a stolen table cannot be checked against guesses without the key).
    fn recovery_hash(&self, canonical_code: &str) -> Vec<u8> {
        self.cb.inner.blind.of(HASH_DOMAIN, canonical_code).to_vec()
    }

    /// A new recovery code and its keyed hash.
    pub(crate) fn issue_recovery_code(&self) -> Result<(Zeroizing<String>, Vec<u8>), CoreError> {
        let code = new_recovery_code()?;
        let canonical = canonical(&code).ok_or(CoreError::Internal("a new recovery code is not canonical"))?;
        Ok((code, self.recovery_hash(&canonical)))
    }

    /// A participant comes back with their recovery code after their session ended: a new
    /// participant session on their board. A wrong, malformed or spent code (its participant
    /// erased) is refused the same way (`InvalidCredentials`), after the same work: the hash is
    /// computed and every region asked whatever the code looks like. Callers rate-limit.
    pub async fn recover(&self, code: &str) -> Result<Recovered, CoreError> {
        self.guard()?;
        let canonical = canonical(code);
        let well_formed = canonical.is_some();
        let hash = self.recovery_hash(canonical.as_deref().map_or("-", |c| c.as_str()));
        let mut found = None;
        for region in self.cb.regions() {
            if let Some(p) = region.boards.participant_by_recovery(&hash).await?
                && found.is_none()
            {
                found = Some((region.clone(), p));
            }
        }
        let Some((region, p)) = found.filter(|_| well_formed) else { return Err(CoreError::InvalidCredentials) };
        if region.store.subject_erased_at(&p.subject_id).await?.is_some() {
            return Err(CoreError::InvalidCredentials);
        }
        let now = self.cb.now();
        region.boards.touch_participant(&p.subject_id, now).await?;
        let (token, principal) = self.cb.sessions().start(&region, &p.subject_id, SessionKind::Participant, None).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&p.subject_id),
            "participant.recovered",
            Some(&p.subject_id),
            Some("rights"),
            json!({ "board": p.board_id }),
        );
        region.store.audit_append(audit).await?;
        Ok(Recovered { token, principal, board: p.board_id })
    }

    /// What a participant posted, in clear, as their export (C-DSR-3): their pseudonym and
    /// board, cards, comments, likes and votes. `NotFound` for anyone who is not a participant.
    pub async fn participant_content(&self, who: &Principal) -> Result<Value, CoreError> {
        let region = self.cb.region(&who.region)?.clone();
        if region.boards.participant(&who.subject).await?.is_none() {
            return Err(CoreError::NotFound);
        }
        let content = crate::privacy::modules::boards::export_user_content(self.cb, &region, &who.subject).await?;
        let audit =
            self.cb.audit_draft(Actor::Subject(&who.subject), "participant.exported", Some(&who.subject), Some("rights"), json!({}));
        region.store.audit_append(audit).await?;
        Ok(json!({ "exported_at": crate::platform::clock::rfc3339(self.cb.now()), "user_content": content }))
    }

    /// The retention rule of participants' content: erases every participant whose latest
    /// session started before `started_before` (the caller puts the rule's period and the
    /// longest a session lasts before it), unless a legal hold on `user_content` keeps them.
    pub(crate) async fn purge_idle_participants(&self, region: &RegionHandle, started_before: Millis) -> Result<PurgeCount, CoreError> {
        let now = self.cb.now();
        let held: std::collections::BTreeSet<SubjectId> =
            region.store.legal_holds(Some(now)).await?.into_iter().filter(|h| h.category == "user_content").map(|h| h.subject_id).collect();
        let due = region.boards.participants_idle_before(started_before, PURGE_BATCH).await?;
        let mut c = PurgeCount { due: due.len() as u64, purged: 0, held: 0 };
        for subject in due {
            if held.contains(&subject) {
                c.held += 1;
                continue;
            }
            self.erase_participant_subject(region, &subject, Actor::System, "retention").await?;
            c.purged += 1;
        }
        Ok(c)
    }

    /// How many participants the retention rule would erase now, held ones included.
    pub(crate) async fn idle_participants(&self, region: &RegionHandle, started_before: Millis) -> Result<u64, CoreError> {
        Ok(region.boards.participants_idle_before(started_before, PURGE_BATCH).await?.len() as u64)
    }

    /// Erases a participant: sessions, then their key (crypto-shredding), then what they
    /// posted and their row, audited as `why` (`rights` when they ask, `retention` when the
    /// rule does).
    pub(crate) async fn erase_participant_subject(
        &self,
        region: &RegionHandle,
        subject: &SubjectId,
        actor: Actor<'_>,
        why: &str,
    ) -> Result<(), CoreError> {
        let p = region.boards.participant(subject).await?.ok_or(CoreError::NotFound)?;
        // The key first: from here what they wrote cannot be read, whatever happens next.
        self.cb.keys().shred(region, subject).await?;
        // The rule ends the hosting purpose; a participant's own request is a right they use.
        let purpose = if why == "retention" { PURPOSE } else { "rights" };
        let audit =
            self.cb.audit_draft(actor, "participant.erased", Some(subject), Some(purpose), json!({ "board": p.board_id, "by": why }));
        // Their sessions, contributions, participation and the record of it: one write.
        self.erase_contributions_with(region, subject, true, Some(audit)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_160_bits_in_groups_and_read_back() {
        let a = new_recovery_code().unwrap();
        let b = new_recovery_code().unwrap();
        assert_ne!(*a, *b);
        assert_eq!(a.len(), 32 + 7);
        assert_eq!(a.split('-').count(), 8);
        let c = canonical(&a).unwrap();
        assert_eq!(c.len(), 32);
        // Typed in lower case, without dashes, with O for 0: the same code.
        let typed = a.replace('-', " ").to_lowercase().replace('0', "o");
        assert_eq!(*canonical(&typed).unwrap(), *c);
        let longer = format!("{}0", a.as_str());
        let foreign = format!("U{}", &c[1..]);
        for bad in ["", "ABCD", longer.as_str(), foreign.as_str(), "é"] {
            assert!(canonical(bad).is_none(), "{bad}");
        }
    }
}
