//! Contacts: subscribing (the same answer whatever the address), confirming from the mailbox
//! (double opt-in; the ledger keeps the proof), unsubscribing in one click (C-RET-5), hard
//! bounces, what each recipient consents to at send time (the purpose guard reads the
//! ledger), and the scheduler's purges: unconfirmed subscriptions after the policy's window,
//! contacts without collection or contact for the policy's period (C-RET-4).
//!
//! A contact is a subject of their own (kind `contact`) with their own key, in the default
//! region; their address, phone and proof are sealed with it, so erasing one is
//! crypto-shredding first. Takes the whole context (`Clearboard`): keys, the consent ledger,
//! the mailer, the policy, the audit chain.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::business::outreach::lists::{self, PURPOSE};
use crate::business::outreach::tokens::{self, Kind};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::mail::Mail;
use crate::platform::ports::{ConsentRow, ContactRow, StoreError};
use crate::platform::validate;

/// A subscription as asked (web form, API, sign-up box, profile).
#[derive(Debug, Clone, Default)]
pub struct Subscribe {
    pub email: String,
    pub lang: String,
    pub lists: Vec<String>,
    /// Only with the `phone` list: a number is kept only with that consent.
    pub phone: Option<String>,
    /// `web_form`, `api`, `signup` or `profile`.
    pub method: String,
}

/// One request for a subscription, as the proof keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Asked {
    pub at: Millis,
    pub method: String,
    pub lists: Vec<String>,
    pub lang: String,
    /// The exact text shown, and its digest.
    pub text: String,
    pub text_digest: String,
    pub policy_version: String,
}

/// The sealed proof of a contact's subscriptions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Proof {
    pub asked: Vec<Asked>,
    /// (when, which lists) each confirmation from the mailbox.
    pub confirmed: Vec<(Millis, Vec<String>)>,
    /// A number given with a request not confirmed yet: kept only once confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_phone: Option<String>,
}

/// A contact in clear.
#[derive(Debug, Clone, Serialize)]
pub struct ContactView {
    pub email: String,
    pub phone: Option<String>,
    pub lang: String,
    pub lists: Vec<String>,
    pub pending_lists: Vec<String>,
    pub state: String,
    pub created_at: String,
    pub confirmed_at: Option<String>,
    pub last_contact_at: String,
    pub proof: Proof,
}

/// What a confirmation or an unsubscription did (for the page that follows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub lang: String,
    pub lists: Vec<String>,
}

pub struct Outreach<'a> {
    pub(crate) cb: &'a Clearboard,
}

impl Clearboard {
    pub fn outreach(&self) -> Outreach<'_> {
        Outreach { cb: self }
    }
}

pub(crate) fn aad<'a>(column: &'a str, id: &'a str) -> clearboard_vault::Aad<'a> {
    clearboard_vault::Aad { table: "outreach_contacts", column, row: id }
}

use crate::platform::tokens::{new_link_token as new_token, token_hash as hash};

fn confirm_mail(lang: &str, link: &str, lists: &[String]) -> (String, String) {
    let names: Vec<&str> = lists.iter().map(|l| list_name(lang, l)).collect();
    if lang == "fr" {
        (
            "Confirmez votre abonnement".into(),
            format!(
                "Bonjour,\n\nQuelqu'un, sans doute vous, a demandé à recevoir : {}.\n\nPour confirmer, ouvrez ce lien puis validez :\n{link}\n\nSans confirmation, nous ne vous enverrons rien d'autre et votre adresse sera supprimée.\n",
                names.join(", ")
            ),
        )
    } else {
        (
            "Confirm your subscription".into(),
            format!(
                "Hello,\n\nSomeone, probably you, asked to receive: {}.\n\nTo confirm, open this link and confirm:\n{link}\n\nWithout a confirmation we send you nothing else and your address is deleted.\n",
                names.join(", ")
            ),
        )
    }
}

/// The name of a list in `lang`.
pub fn list_name(lang: &str, list: &str) -> &'static str {
    match (lang, list) {
        ("fr", "newsletter") => "nos actualités",
        ("fr", "event_invitations") => "nos invitations à des événements",
        ("fr", _) => "nos appels téléphoniques",
        (_, "newsletter") => "our news",
        (_, "event_invitations") => "our event invitations",
        _ => "our phone calls",
    }
}

impl Outreach<'_> {
    pub(crate) fn contacts_region(&self) -> Result<&RegionHandle, CoreError> {
        self.cb.region(&self.cb.settings().default_region)
    }

    pub(crate) fn open_proof(&self, key: &clearboard_vault::Dek, c: &ContactRow) -> Result<Proof, CoreError> {
        let raw = key.open(aad("proof", &c.id), &c.proof)?;
        serde_json::from_slice(&raw).map_err(|_| CoreError::Internal("a contact's proof"))
    }

    fn seal_proof(&self, key: &clearboard_vault::Dek, id: &str, p: &Proof) -> Result<Vec<u8>, CoreError> {
        let bytes = serde_json::to_vec(p).map_err(|_| CoreError::Internal("a contact's proof"))?;
        Ok(key.seal(aad("proof", id), &bytes)?)
    }

    /// Asks for a subscription. Whatever the address (unknown, pending, confirmed, an account
    /// holder's), the answer is the same `Ok(())`; the mailbox receives a confirmation link,
    /// at most once per [`lists::RESEND_AFTER`]. Nothing else is sent before it is confirmed.
    pub async fn subscribe(&self, s: Subscribe, base_url: &str) -> Result<(), CoreError> {
        lists::guard(self.cb)?;
        let email = validate::email(&s.email)?;
        let lang = lists::lang(&s.lang);
        let asked = lists::parse(&s.lists)?;
        let phone = validate::phone(s.phone.as_deref())?;
        match (&phone, asked.iter().any(|l| l == lists::PHONE)) {
            (Some(_), false) => {
                return Err(CoreError::validation(
                    "phone",
                    "a phone number is kept only if you agree to be called: choose the phone list, or leave the number out",
                ));
            }
            (None, true) => return Err(CoreError::validation("phone", "give the number we may call")),
            _ => {}
        }
        let method = match s.method.as_str() {
            "web_form" | "api" | "signup" | "profile" => s.method.clone(),
            _ => "api".into(),
        };
        let region = self.contacts_region()?.clone();
        let now = self.cb.now();
        let bidx = self.cb.blind_email(&email);
        let text = lists::consent_text(self.cb, lang);
        let request = Asked {
            at: now,
            method: method.clone(),
            lists: asked.clone(),
            lang: lang.into(),
            text_digest: lists::digest(&text),
            text,
            policy_version: self.cb.policy().digest().to_string(),
        };
        let token = new_token()?;
        let expires = lists::confirmation_window(self.cb).after(now);
        match region.outreach.contact_by_email(&bidx).await? {
            Some(mut c) => {
                if c.confirm_sent_at.is_some_and(|t| now - t < lists::RESEND_AFTER) {
                    return Ok(());
                }
                let key = self.cb.keys().current(&region, &c.subject_id).await?;
                let mut proof = self.open_proof(&key, &c)?;
                proof.pending_phone = phone.clone();
                c.text_digest = request.text_digest.clone();
                proof.asked.push(request);
                c.proof = self.seal_proof(&key, &c.id, &proof)?;
                c.pending_lists = lists::join(&asked);
                c.lang = lang.into();
                c.confirm_hash = Some(hash(&token));
                c.confirm_expires_at = Some(expires);
                c.confirm_sent_at = Some(now);
                region.outreach.update_contact(&c, None).await?;
            }
            None => {
                let subject = SubjectId::new(now)?;
                let key = self.cb.keys().create(&region, &subject).await?;
                let id = crate::platform::ids::new_uuid(now)?.to_string();
                let text_digest = request.text_digest.clone();
                let proof = Proof { asked: vec![request], confirmed: Vec::new(), pending_phone: phone.clone() };
                let row = ContactRow {
                    email_bidx: bidx,
                    email: key.seal_str(aad("email", &id), &email)?,
                    phone: None,
                    lang: lang.into(),
                    lists: String::new(),
                    pending_lists: lists::join(&asked),
                    state: "pending".into(),
                    created_at: now,
                    confirmed_at: None,
                    last_contact_at: now,
                    confirm_hash: Some(hash(&token)),
                    confirm_expires_at: Some(expires),
                    confirm_sent_at: Some(now),
                    text_digest,
                    proof: self.seal_proof(&key, &id, &proof)?,
                    subject_id: subject.clone(),
                    id,
                };
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "outreach.subscription_asked",
                    Some(&subject),
                    Some(PURPOSE),
                    json!({ "method": method, "lists": asked }),
                );
                match region.outreach.insert_contact(&row, Some(audit)).await {
                    Ok(()) => {}
                    // The same address at the same moment: the other request sends the link.
                    Err(StoreError::Conflict) => {
                        region.keys.discard(&subject).await?;
                        return Ok(());
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let link = format!("{base_url}/newsletter/confirm?token={token}");
        let (subject, text) = confirm_mail(lang, &link, &asked);
        if let Err(e) = self.cb.transfers().send_mail(None, Mail { to: email, subject, text, ..Mail::default() }).await {
            tracing::warn!(error = %e, "a subscription confirmation could not be sent");
        }
        metrics::counter!("clearboard_outreach_subscriptions_asked_total").increment(1);
        Ok(())
    }

    /// Whether a confirmation token is valid now (the page asks before confirming, so that a
    /// link scanner opening it confirms nothing).
    pub async fn confirmation_pending(&self, token: &str) -> Result<Outcome, CoreError> {
        let region = self.contacts_region()?;
        let c = region.outreach.contact_by_confirm_hash(&hash(token)).await?.ok_or(CoreError::LinkInvalid)?;
        if c.confirm_expires_at.is_none_or(|t| t <= self.cb.now()) {
            return Err(CoreError::LinkInvalid);
        }
        Ok(Outcome { lang: c.lang.clone(), lists: lists::split(&c.pending_lists) })
    }

    /// Confirms a subscription from the link mailed to the address: the lists asked become
    /// active, the ledger records each consent (time, the text's digest, the method, the
    /// policy version) and the proof keeps the confirmation time next to the exact text.
    pub async fn confirm(&self, token: &str) -> Result<Outcome, CoreError> {
        lists::guard(self.cb)?;
        let region = self.contacts_region()?.clone();
        let mut c = region.outreach.contact_by_confirm_hash(&hash(token)).await?.ok_or(CoreError::LinkInvalid)?;
        let now = self.cb.now();
        if c.confirm_expires_at.is_none_or(|t| t <= now) {
            return Err(CoreError::LinkInvalid);
        }
        let key = self.cb.keys().current(&region, &c.subject_id).await?;
        let mut proof = self.open_proof(&key, &c)?;
        let pending = lists::split(&c.pending_lists);
        let asked = proof.asked.last().cloned().ok_or(CoreError::Internal("a subscription without its request"))?;
        for list in &pending {
            let mut row = ConsentRow {
                id: crate::platform::ids::new_uuid(now)?.to_string(),
                consent_id: None,
                subject_id: Some(c.subject_id.clone()),
                purpose: PURPOSE.into(),
                granted: true,
                policy_version: asked.policy_version.clone(),
                text_digest: asked.text_digest.clone(),
                purposes_digest: self.cb.policy().consent_purposes_digest(),
                method: lists::method(&format!("double_opt_in_{}", asked.method), list),
                at: now,
                proof: Vec::new(),
            };
            row.proof = crate::privacy::consent::proof(&row);
            let audit = self.cb.audit_draft(
                Actor::Subject(&c.subject_id),
                "consent.given",
                Some(&c.subject_id),
                Some(PURPOSE),
                json!({ "consent_record": row.id, "method": row.method, "proof": hex::encode(&row.proof) }),
            );
            region.consents.append_consent(&row, Some(audit)).await?;
        }
        if pending.iter().any(|l| l == lists::PHONE)
            && let Some(p) = proof.pending_phone.take()
        {
            c.phone = Some(key.seal_str(aad("phone", &c.id), &p)?);
        }
        let mut active = lists::split(&c.lists);
        active.extend(pending.iter().cloned());
        proof.confirmed.push((now, pending.clone()));
        c.proof = self.seal_proof(&key, &c.id, &proof)?;
        c.lists = lists::join(&active);
        c.pending_lists = String::new();
        c.state = "confirmed".into();
        c.confirmed_at = Some(now);
        c.last_contact_at = now;
        c.confirm_hash = None;
        c.confirm_expires_at = None;
        region.outreach.update_contact(&c, None).await?;
        metrics::counter!("clearboard_outreach_subscriptions_confirmed_total").increment(1);
        Ok(Outcome { lang: c.lang, lists: pending })
    }

    /// Who an unsubscribe token is for, without changing anything (the page shown by GET).
    pub async fn unsubscribe_target(&self, token: &str) -> Result<Outcome, CoreError> {
        let claims = tokens::verify(self.cb, Kind::Unsubscribe, token).ok_or(CoreError::LinkInvalid)?;
        let region = self.cb.region_named(&claims.region).map_err(|_| CoreError::LinkInvalid)?;
        let lang = match region.outreach.contact_of_subject(&claims.subject).await? {
            Some(c) => c.lang,
            None => region.store.account(&claims.subject).await?.map(|a| a.locale).unwrap_or_else(|| "en".into()),
        };
        Ok(Outcome { lang: lists::lang(&lang).into(), lists: vec![claims.what] })
    }

    /// Unsubscribes the token's recipient from its list at once, without a session (C-RET-5):
    /// the withdrawal goes to the ledger and the next campaign skips them. Idempotent.
    pub async fn unsubscribe(&self, token: &str, how: &str) -> Result<Outcome, CoreError> {
        let claims = tokens::verify(self.cb, Kind::Unsubscribe, token).ok_or(CoreError::LinkInvalid)?;
        let region = self.cb.region_named(&claims.region).map_err(|_| CoreError::LinkInvalid)?.clone();
        let list = claims.what.clone();
        let target = self.unsubscribe_target(token).await?;
        if self.cb.keys().current(&region, &claims.subject).await.is_err() {
            // Erased meanwhile: nothing is left to send to.
            return Ok(target);
        }
        if self.consents(&region, &claims.subject, &list).await? {
            let now = self.cb.now();
            let mut row = ConsentRow {
                id: crate::platform::ids::new_uuid(now)?.to_string(),
                consent_id: None,
                subject_id: Some(claims.subject.clone()),
                purpose: PURPOSE.into(),
                granted: false,
                policy_version: self.cb.policy().digest().to_string(),
                text_digest: String::new(),
                purposes_digest: self.cb.policy().consent_purposes_digest(),
                method: lists::method(
                    match how {
                        "one_click" => "unsubscribe_one_click",
                        "mailto" => "unsubscribe_mailto",
                        _ => "unsubscribe_page",
                    },
                    &list,
                ),
                at: now,
                proof: Vec::new(),
            };
            row.proof = crate::privacy::consent::proof(&row);
            let audit = self.cb.audit_draft(
                Actor::Subject(&claims.subject),
                "consent.withdrawn",
                Some(&claims.subject),
                Some(PURPOSE),
                json!({ "consent_record": row.id, "method": row.method, "proof": hex::encode(&row.proof) }),
            );
            region.consents.append_consent(&row, Some(audit)).await?;
            let how: &'static str = match how {
                "one_click" => "one_click",
                "mailto" => "mailto",
                _ => "page",
            };
            metrics::counter!("clearboard_outreach_unsubscribed_total", "how" => how).increment(1);
        }
        if let Some(mut c) = region.outreach.contact_of_subject(&claims.subject).await? {
            let before = c.lists.clone();
            c.lists = lists::join(&lists::split(&c.lists).into_iter().filter(|l| *l != list).collect::<Vec<_>>());
            if list == lists::PHONE {
                c.phone = None;
            }
            if c.lists != before {
                region.outreach.update_contact(&c, None).await?;
            }
        }
        Ok(target)
    }

    /// Follows an account holder's choice about the marketing purpose (the sign-up box, the
    /// profile, the privacy centre): a "yes" starts the double opt-in for their address (news
    /// and event invitations; nothing is sent before they confirm from their mailbox), a "no"
    /// withdraws every list of that address at once. Other purposes change nothing.
    pub async fn follow_consent(
        &self,
        who: &Principal,
        purpose: &str,
        granted: bool,
        method: &str,
        base_url: &str,
    ) -> Result<(), CoreError> {
        if purpose != PURPOSE {
            return Ok(());
        }
        let region = self.cb.region(&who.region)?;
        let (row, dek) = self.cb.accounts().load(region, &who.subject).await?;
        let email = self.cb.accounts().open(&dek, &row)?.email;
        if granted {
            let lists = vec![lists::NEWSLETTER.to_string(), lists::EVENTS.to_string()];
            let method = if method == "sign_up" { "signup" } else { "profile" };
            return self.subscribe(Subscribe { email, lang: row.locale, lists, phone: None, method: method.into() }, base_url).await;
        }
        let contacts = self.contacts_region()?.clone();
        let Some(c) = contacts.outreach.contact_by_email(&self.cb.blind_email(&email)).await? else { return Ok(()) };
        for list in lists::split(&c.lists) {
            let token = tokens::make(self.cb, Kind::Unsubscribe, contacts.id.as_str(), &c.subject_id, &list);
            self.unsubscribe(&token, "page").await?;
        }
        // A confirmation still pending is void too.
        if let Some(mut c) = contacts.outreach.contact_of_subject(&c.subject_id).await? {
            c.pending_lists = String::new();
            c.confirm_hash = None;
            c.confirm_expires_at = None;
            contacts.outreach.update_contact(&c, None).await?;
        }
        Ok(())
    }

    /// Whether `subject` consents, now, to receive `list`: the last choice of the ledger that
    /// applies to it (a choice about that list, or an account holder's choice about the whole
    /// purpose) is a "yes" given under the current consent purposes. No record means no.
    pub async fn consents(&self, region: &RegionHandle, subject: &SubjectId, list: &str) -> Result<bool, CoreError> {
        let rows = region.consents.consents_of_subject(subject).await?;
        let digest = self.cb.policy().consent_purposes_digest();
        let suffix = format!(":{list}");
        let last = rows.iter().rev().find(|r| r.purpose == PURPOSE && (r.method.ends_with(&suffix) || !r.method.contains(':')));
        Ok(last.is_some_and(|r| r.granted && r.purposes_digest == digest))
    }

    /// A hard bounce reported for `email` (an inbound DSN or the provider's report): no more
    /// mail to that address. Returns whether a contact was found (the caller answers the same).
    pub async fn hard_bounce(&self, email: &str) -> Result<bool, CoreError> {
        let region = self.contacts_region()?.clone();
        let Ok(email) = validate::email(email) else { return Ok(false) };
        let Some(mut c) = region.outreach.contact_by_email(&self.cb.blind_email(&email)).await? else { return Ok(false) };
        c.state = "bounced".into();
        let audit = self.cb.audit_draft(Actor::System, "outreach.hard_bounce", Some(&c.subject_id), Some(PURPOSE), json!({}));
        region.outreach.update_contact(&c, Some(audit)).await?;
        Ok(true)
    }

    /// Records a contact (a click on a link of a message, a reply): the three-year clock of
    /// C-RET-4 starts again.
    pub async fn touch(&self, region: &RegionHandle, subject: &SubjectId) -> Result<(), CoreError> {
        if let Some(mut c) = region.outreach.contact_of_subject(subject).await? {
            c.last_contact_at = self.cb.now();
            region.outreach.update_contact(&c, None).await?;
        }
        Ok(())
    }

    /// A contact in clear (export, privacy centre).
    pub async fn contact_view(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Option<ContactView>, CoreError> {
        let Some(c) = region.outreach.contact_of_subject(subject).await? else { return Ok(None) };
        let key = self.cb.keys().current(region, subject).await?;
        Ok(Some(ContactView {
            email: key.open_string(aad("email", &c.id), &c.email)?,
            phone: c.phone.as_deref().map(|p| key.open_string(aad("phone", &c.id), p)).transpose()?,
            proof: self.open_proof(&key, &c)?,
            lang: c.lang,
            lists: lists::split(&c.lists),
            pending_lists: lists::split(&c.pending_lists),
            state: c.state,
            created_at: rfc3339(c.created_at),
            confirmed_at: c.confirmed_at.map(rfc3339),
            last_contact_at: rfc3339(c.last_contact_at),
        }))
    }

    /// Erases a contact: their key first (crypto-shredding), then their rows.
    pub async fn erase_contact(&self, region: &RegionHandle, subject: &SubjectId, why: &str) -> Result<u64, CoreError> {
        self.cb.keys().shred(region, subject).await?;
        let audit = self.cb.audit_draft(Actor::System, "outreach.contact_erased", Some(subject), Some(PURPOSE), json!({ "why": why }));
        Ok(region.outreach.delete_contact(subject, self.cb.now(), Some(audit)).await?)
    }

    /// The scheduler: erases subscriptions never confirmed and asked before `before`.
    pub async fn purge_unconfirmed(&self, region: &RegionHandle, before: Millis) -> Result<u64, CoreError> {
        let mut n = 0;
        for s in region.outreach.unconfirmed_before(before).await? {
            self.erase_contact(region, &s, "not_confirmed").await?;
            n += 1;
        }
        Ok(n)
    }

    /// The scheduler (C-RET-4): erases contacts whose last collection or contact is before
    /// `before`.
    pub async fn purge_inactive(&self, region: &RegionHandle, before: Millis) -> Result<u64, CoreError> {
        let mut n = 0;
        for s in region.outreach.inactive_before(before).await? {
            self.erase_contact(region, &s, "last_contact").await?;
            n += 1;
        }
        Ok(n)
    }
}
