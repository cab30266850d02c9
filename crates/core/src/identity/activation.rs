//! Sign-up that does not reveal who has an account (issue 11 finding 11), and activation by an
//! emailed link (C-SEC-1, C-CHILD-1 still applies before anything is written).
//!
//! When a mail server is configured, [`Accounts::register`] answers the same for a new address
//! and for one that already has an account, and does the same work either way (one Argon2id
//! hash, one message):
//! * a new address gets an inactive account and a link to activate it within
//!   `activation_ttl_ms` (48 h by default); an account not activated by then is erased (its key
//!   first) and its address freed, by the upkeep or when the address is used again;
//! * an address that has an account gets no new account; its owner is told by email that
//!   someone tried, in the account's language;
//! * an address held by an account still waiting for activation is given a new inactive
//!   account and link (the old one is erased), so nobody can hold someone else's address.
//!
//! The link carries its token in the URL fragment (never sent to a server, never in a log);
//! the page posts it. Only the token's SHA-256 is stored. Without a mail server, sign-up is
//! immediate (a first run needs none) and the web layer rate-limits it.
//! This module must not log addresses, tokens or names.
//!
//! Takes the whole context (`Clearboard`): activation orchestrates the directory, the region's
//! stores and key store, the blind index, the password-work bound, mail, and erasure of accounts
//! never activated.

use base64::Engine;
use serde_json::json;

use crate::identity::accounts::{Accounts, NewAccount, Profile};
use crate::identity::password;
use crate::platform::audit::Actor;
use crate::platform::clock::Millis;
use crate::platform::error::CoreError;
use crate::platform::ids::{RegionId, SubjectId};
use crate::platform::mail::Mail;
use crate::platform::ports::SubjectKind;
use crate::platform::validate;

/// What a registration did. The web layer answers `Created` with 201 and the profile, and
/// every `Pending` with the same 202 body, whichever it is.
#[derive(Debug)]
pub enum Registered {
    /// No mail server: the account exists and is active.
    Created(Profile),
    /// With a mail server: a message is on its way. `Some` names the new inactive account
    /// (for the consent given at sign-up); `None` when the address already had an account.
    Pending(Option<(RegionId, SubjectId)>),
}

use crate::platform::tokens::token_hash as hash;

/// Tokens are 43 URL-safe characters (256 random bits).
fn plausible(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn lang_of(locale: Option<&str>) -> &'static str {
    if locale.is_some_and(|l| l.trim() == "fr") { "fr" } else { "en" }
}

fn activation_mail(lang: &str, link: &str, date: time::Date, hours: i64) -> (String, String) {
    if lang == "fr" {
        (
            "Activez votre compte clearboard".into(),
            format!(
                "Quelqu'un, sans doute vous, a créé le {date} un compte clearboard avec cette adresse email.\n\nPour l'activer, ouvrez ce lien dans les {hours} heures :\n{link}\n\nSi ce n'était pas vous, ignorez ce message : le compte sera supprimé, avec tout ce qu'il contient, dans {hours} heures.\n"
            ),
        )
    } else {
        (
            "Activate your clearboard account".into(),
            format!(
                "Someone, probably you, created a clearboard account with this email address on {date}.\n\nTo activate it, open this link within {hours} hours:\n{link}\n\nIf it was not you, ignore this message: the account will be deleted, with everything it holds, in {hours} hours.\n"
            ),
        )
    }
}

fn someone_tried_mail(lang: &str, base_url: &str, contact: &str, date: time::Date) -> (String, String) {
    if lang == "fr" {
        (
            "Quelqu'un a essayé de créer un compte avec votre adresse".into(),
            format!(
                "Le {date}, quelqu'un a essayé de créer un compte clearboard avec cette adresse email, qui a déjà un compte. Aucun compte n'a été créé.\n\nSi c'était vous, vous avez déjà un compte : connectez-vous sur {base_url}/signin. Si vous ne connaissez plus votre mot de passe, écrivez-nous à {contact} pour le réinitialiser.\n\nSi ce n'était pas vous, vous n'avez rien à faire : votre compte est inchangé et personne d'autre ne peut utiliser cette adresse.\n"
            ),
        )
    } else {
        (
            "Someone tried to create an account with your address".into(),
            format!(
                "On {date}, someone tried to create a clearboard account with this email address, which already has an account. No account was created.\n\nIf it was you, you already have an account: sign in at {base_url}/signin. If you no longer know your password, write to {contact} to reset it.\n\nIf it was not you, you need do nothing: your account is unchanged and nobody else can use this address.\n"
            ),
        )
    }
}

impl Accounts<'_> {
    /// Public sign-up (see the module header). `base_url` is the public origin for the link.
    pub async fn register(&self, input: NewAccount, base_url: &str) -> Result<Registered, CoreError> {
        let cb = self.cb();
        if !cb.mailer().configured() {
            return self.sign_up(input).await.map(Registered::Created);
        }
        // The same checks, in the same order, as the immediate sign-up: nothing about the
        // address is looked up before the input is known to be valid.
        let born = validate::birth_date(input.birth_date.as_deref().unwrap_or_default())?;
        let clear = self.validate_new(&input)?;
        validate::old_enough(born, cb.clock().today(), cb.policy().minimum_age())?;
        let lang = lang_of(input.locale.as_deref());
        let bidx = cb.inner.blind.email(&clear.email);
        if let Some((region_id, holder)) = cb.directory().find_email(&bidx).await? {
            let region = cb.region(&region_id)?.clone();
            let account = region.store.account(&holder).await?;
            let pending = region.store.activation_pending(&holder).await?.is_some();
            match account {
                Some(row) if !pending => {
                    // Spend the hash the new-address path spends, then tell the owner.
                    password::hash(&cb.inner.work, input.password).await?;
                    let dek = cb.keys().current(&region, &holder).await?;
                    let owner = self.open(&dek, &row)?;
                    let (subject, text) =
                        someone_tried_mail(&row.locale, base_url, &cb.policy().doc().controller.privacy_contact, cb.clock().today());
                    self.send(owner.email, subject, text).await;
                    tracing::info!(event = "account.sign_up", outcome = "address_taken", subject = %holder);
                    return Ok(Registered::Pending(None));
                }
                _ => {
                    // Waiting for activation (or half-erased): whoever holds the mailbox gets
                    // a fresh link; the old inactive account goes.
                    cb.erasure().erase_account(&region_id, &holder, "activation_replaced", None, Actor::System).await?;
                }
            }
        }
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(clearboard_vault::random::bytes::<32>()?);
        let ttl = cb.settings().activation_ttl_ms;
        let expires_at = cb.now() + ttl;
        let email = clear.email.clone();
        let created = self.create(input, clear, SubjectKind::Account, Some((&hash(&token), expires_at))).await;
        let profile = match created {
            Ok(p) => p,
            // Taken in the meantime by a concurrent sign-up: the same answer.
            Err(CoreError::EmailTaken) => return Ok(Registered::Pending(None)),
            Err(e) => return Err(e),
        };
        let link = format!("{}/activate#token={token}", base_url.trim_end_matches('/'));
        let (subject, text) = activation_mail(lang, &link, cb.clock().today(), ttl / crate::platform::clock::HOUR);
        self.send(email, subject, text).await;
        tracing::info!(event = "account.sign_up", outcome = "pending_activation", subject = %profile.id);
        Ok(Registered::Pending(Some((profile.region, profile.id))))
    }

    async fn send(&self, to: String, subject: String, text: String) {
        if let Err(e) = self.cb().transfers().send_mail(None, Mail { to, subject, text, ..Mail::default() }).await {
            tracing::warn!(error = %e, "a sign-up email could not be sent");
        }
    }

    /// Activates the account behind an emailed token. An expired link erases its account.
    pub async fn activate(&self, token: &str) -> Result<(RegionId, SubjectId), CoreError> {
        let cb = self.cb();
        let token = token.trim();
        if !plausible(token) {
            return Err(CoreError::LinkInvalid);
        }
        let h = hash(token);
        for region in cb.regions() {
            let Some((subject, expires_at)) = region.store.take_activation(&h).await? else { continue };
            if expires_at <= cb.now() {
                self.erase_unactivated(&region.id, &subject).await?;
                return Err(CoreError::LinkInvalid);
            }
            let audit = cb.audit_draft(Actor::Subject(&subject), "account.activated", Some(&subject), Some("account"), json!({}));
            region.store.audit_append(audit).await?;
            tracing::info!(event = "account.activated", subject = %subject);
            metrics::counter!("clearboard_accounts_activated_total").increment(1);
            return Ok((region.id.clone(), subject));
        }
        Err(CoreError::LinkInvalid)
    }

    async fn erase_unactivated(&self, region: &RegionId, subject: &SubjectId) -> Result<(), CoreError> {
        let cb = self.cb();
        let handle = cb.region(region)?;
        if handle.store.account(subject).await?.is_some() {
            cb.erasure().erase_account(region, subject, "activation_expired", None, Actor::System).await?;
        } else {
            handle.store.delete_activation(subject).await?;
            let _ = handle.keys.discard(subject).await;
        }
        Ok(())
    }

    /// Erases every account whose activation link expired by now (upkeep). Returns how many.
    pub async fn purge_unactivated(&self) -> Result<u64, CoreError> {
        let cb = self.cb();
        let now: Millis = cb.now();
        let mut n = 0;
        let regions: Vec<RegionId> = cb.region_ids().cloned().collect();
        for r in regions {
            let expired = cb.region(&r)?.store.expired_activations(now).await?;
            for subject in expired {
                self.erase_unactivated(&r, &subject).await?;
                n += 1;
            }
        }
        if n > 0 {
            tracing::info!(accounts = n, "unactivated accounts erased");
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_exist_in_both_languages_and_carry_the_link() {
        let d = time::macros::date!(2026 - 11 - 29);
        let (s_en, t_en) = activation_mail("en", "https://x/activate#token=T", d, 48);
        let (s_fr, t_fr) = activation_mail("fr", "https://x/activate#token=T", d, 48);
        assert_ne!(s_en, s_fr);
        assert!(t_en.contains("#token=T") && t_fr.contains("#token=T") && t_fr.contains("48 heures"));
        let (_, t) = someone_tried_mail("fr", "https://x", "dpo@x", d);
        assert!(t.contains("https://x/signin") && t.contains("dpo@x"));
        assert!(plausible(&"a".repeat(43)) && !plausible("a/b") && !plausible(&"a".repeat(44)));
        assert_eq!(lang_of(Some("fr")), "fr");
        assert_eq!(lang_of(None), "en");
    }
}
