//! A request's way in: submission (the same answer whatever the address), verification by
//! emailed link (acknowledged at once), the account holder's confirmation of what an agent or
//! a parent asked, and staff entry of a request received by email.

use serde_json::json;

use crate::platform::audit::Actor;
use crate::platform::clock::DAY;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, SubjectId};
use crate::platform::mail_texts;
use crate::platform::ports::RequestRow;
use crate::privacy::rights::deadlines::{self};
use crate::privacy::rights::requests::service::{
    Contact, DETAILS_MAX, DOCUMENT_MAX, KINDS, LINK_TTL, NewRequest, PURPOSE, Requests, contact_aad, document_aad, erasure_kind, hash,
    needs_person, new_token, regime_of,
};

impl Requests<'_> {
    /// Receives a request. The result is the same whether or not the address is known.
    pub async fn submit(&self, new: NewRequest, base_url: &str) -> Result<String, CoreError> {
        if !KINDS.contains(&new.kind.as_str()) {
            return Err(CoreError::validation("kind", format!("choose one of: {}", KINDS.join(", "))));
        }
        let email = crate::platform::validate::email(&new.email)?;
        let on_behalf = match new.on_behalf.as_str() {
            "" | "self" => "self",
            "agent" => "agent",
            "guardian" => "guardian",
            "lost_address" => "lost_address",
            _ => return Err(CoreError::validation("on_behalf", "say `self`, `agent`, `guardian` or `lost_address`")),
        };
        let person_email = match (on_behalf, new.person_email.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
            ("self", _) => None,
            (_, Some(p)) => Some(
                crate::platform::validate::email(p)
                    .map_err(|_| CoreError::validation("person_email", "the person's email address is not valid"))?,
            ),
            ("agent", None) => {
                return Err(CoreError::validation("person_email", "an agent must give the email address of the person they act for"));
            }
            ("lost_address", None) => {
                return Err(CoreError::validation("person_email", "give the address of your account, the one you no longer control"));
            }
            (_, None) => None,
        };
        // A parent's request other than erasure waits for the account holder's own
        // confirmation, which goes to the account's address: it must be given.
        if on_behalf == "guardian" && !erasure_kind(&new.kind) && person_email.is_none() {
            return Err(CoreError::validation(
                "person_email",
                "for anything but erasure, give the email address of your child's account: its holder must confirm the request from that mailbox",
            ));
        }
        // C-ID-1: a document only when a link to the address on file is not enough.
        let has_document = new.document.as_ref().is_some_and(|d| !d.is_empty());
        if on_behalf == "self" && has_document {
            return Err(CoreError::validation(
                "document",
                "no document is needed: we check that the request is yours with a link to your address; if you no longer control the address of your account, say `lost_address`",
            ));
        }
        if on_behalf != "self" && !has_document {
            let what = match on_behalf {
                "agent" => "the person's signed permission",
                "guardian" => "a document showing parental responsibility",
                _ => "a proof of your identity (it is read only by trained staff and deleted when the request closes)",
            };
            return Err(CoreError::validation("document", format!("attach {what}")));
        }
        if new.document.as_ref().is_some_and(|d| d.len() > DOCUMENT_MAX) {
            return Err(CoreError::TooLarge { max_bytes: DOCUMENT_MAX });
        }
        let details = new.details.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_string);
        if details.as_ref().is_some_and(|d| d.chars().count() > DETAILS_MAX) {
            return Err(CoreError::validation("details", format!("at most {DETAILS_MAX} characters")));
        }
        let name = new.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(200).collect::<String>());
        let channel = match new.channel.as_str() {
            "web_form" | "api" | "email" => new.channel.clone(),
            _ => "api".into(),
        };
        // The request concerns the person's address (the agent's own address is only a contact).
        let concerned = person_email.clone().unwrap_or_else(|| email.clone());
        let bidx = self.cb.inner.blind.email(&concerned).to_vec();
        // The region: where an account with this address lives, else the default. (Nothing of
        // this shows in the answer.)
        let region_id = match self.cb.directory().find_email(&bidx).await? {
            Some((r, _)) => r,
            None => self.cb.settings().default_region.clone(),
        };
        let region = self.cb.region(&region_id)?.clone();
        for open in region.rights.open_requests_by_email(&bidx).await? {
            if open.kind == new.kind {
                return Err(CoreError::Conflict(
                    "a request of this kind for this address is already in progress; answer the email we sent, or wait for our reply",
                ));
            }
        }
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let requester = SubjectId::new(now)?;
        let key = self.cb.keys().create(&region, &requester).await?;
        let lang = if new.lang == "fr" { "fr" } else { "en" }.to_string();
        let contact = Contact { email: email.clone(), name, details, person_email, lang: lang.clone() };
        let sealed = key.seal(contact_aad(&id), &serde_json::to_vec(&contact).map_err(|_| CoreError::Internal("contact"))?)?;
        let document_blob = match &new.document {
            Some(d) if !d.is_empty() => {
                let blob = BlobId::new(now)?;
                region.blobs.put(&blob, &clearboard_vault::stream::seal(&key, document_aad(&blob), d)?).await?;
                Some(blob)
            }
            _ => None,
        };
        let regime = regime_of(&new.kind);
        let d = deadlines::deadlines(regime, now, self.cb.policy().doc().limits.request_answer_days, &[]);
        let token = new_token()?;
        let row = RequestRow {
            id: id.clone(),
            kind: new.kind.clone(),
            regime: regime.as_str().into(),
            channel,
            requester_id: requester.clone(),
            subject_id: None,
            contact: sealed,
            email_bidx: bidx,
            on_behalf: on_behalf.into(),
            state: "unverified".into(),
            received_at: now,
            verified_at: None,
            confirmed_at: None,
            acknowledged_at: None,
            acknowledge_by: d.acknowledge_by.to_string(),
            answer_by: d.answer_by.to_string(),
            extended_to: None,
            closed_at: None,
            outcome: None,
            verify_hash: Some(hash(&token)),
            verify_expires_at: Some(now + LINK_TTL),
            confirm_hash: None,
            confirm_expires_at: None,
            document_blob,
            export_id: None,
        };
        let ev =
            Self::event(&id, now, "received", "requester", json!({ "kind": row.kind, "channel": row.channel, "on_behalf": on_behalf }));
        let audit = self.cb.audit_draft(
            Actor::System,
            "request.received",
            Some(&requester),
            Some(PURPOSE),
            json!({ "request": id, "kind": row.kind }),
        );
        region.rights.insert_request(&row, &ev, Some(audit)).await?;
        let link = format!("{base_url}/privacy/requests/verify?token={token}");
        let date = crate::platform::clock::date_of(now).to_string();
        let kind = mail_texts::kind_name(&lang, &row.kind);
        self.send_in(&email, "request.verify", &lang, &[("kind", &kind), ("date", &date), ("link", &link)]).await;
        metrics::counter!("clearboard_requests_received_total").increment(1);
        Ok(id)
    }

    /// The requester opened the verification link. Returns the request's new state.
    pub async fn verify(&self, token: &str, base_url: &str) -> Result<String, CoreError> {
        let h = hash(token);
        let mut found = None;
        for region in self.cb.regions() {
            if let Some(r) = region.rights.request_by_verify_hash(&h).await? {
                found = Some((region.clone(), r));
                break;
            }
        }
        let Some((region, mut r)) = found else { return Err(CoreError::LinkInvalid) };
        let now = self.cb.now();
        if r.verify_expires_at.is_none_or(|x| x <= now) || r.closed_at.is_some() {
            return Err(CoreError::LinkInvalid);
        }
        let c = self.contact(&region, &r).await?;
        r.verify_hash = None;
        r.verify_expires_at = None;
        r.verified_at = Some(now);
        // The account the request is about, if any (only now, after verification).
        r.subject_id = match self.cb.directory().find_email(&r.email_bidx).await? {
            Some((reg, s)) if reg == region.id => Some(s),
            _ => None,
        };
        let mut ev_name = "verified";
        if needs_person(&r.on_behalf, &r.kind) {
            // The person must confirm too (C-CCPA-4 for agents; a parent's request for anything
            // but erasure, issue 11).
            let token = new_token()?;
            r.confirm_hash = Some(hash(&token));
            r.confirm_expires_at = Some(now + 7 * DAY);
            r.state = "awaiting_confirmation".into();
            if let Some(person) = &c.person_email {
                let link = format!("{base_url}/privacy/requests/confirm?token={token}");
                let key = if r.on_behalf == "guardian" { "request.person_confirm.guardian" } else { "request.person_confirm.agent" };
                let lang = self.person_lang(&region, &r, &c).await;
                let date = crate::platform::clock::date_of(r.received_at).to_string();
                let kind = mail_texts::kind_name(lang, &r.kind);
                self.send_in(person, key, lang, &[("date", &date), ("kind", &kind), ("link", &link)]).await;
            }
        } else {
            if r.on_behalf == "lost_address"
                && let Some(person) = &c.person_email
            {
                // The address on file is told, so its real holder learns of it (C-ID-1): nothing
                // is done before trained staff have checked the proof of identity.
                let lang = self.person_lang(&region, &r, &c).await;
                let date = crate::platform::clock::date_of(r.received_at).to_string();
                let kind = mail_texts::kind_name(lang, &r.kind);
                let contact = self.cb.policy().doc().controller.privacy_contact.clone();
                self.send_in(person, "request.lost_address", lang, &[("date", &date), ("kind", &kind), ("contact", &contact)]).await;
            }
            r.state = "open".into();
            r.acknowledged_at = Some(now);
            ev_name = "verified_and_acknowledged";
            self.acknowledge(&region, &c, &r).await;
        }
        let ev = Self::event(&r.id, now, ev_name, "requester", json!({ "account_matched": r.subject_id.is_some() }));
        let state = r.state.clone();
        region.rights.update_request(&r, &ev, None).await?;
        Ok(state)
    }

    pub(super) async fn acknowledge(&self, region: &RegionHandle, c: &Contact, r: &RequestRow) {
        let lang = self.lang_of(region, r, c).await;
        let kind = mail_texts::kind_name(lang, &r.kind);
        let date = r.extended_to.as_deref().unwrap_or(&r.answer_by);
        self.send_in(&c.email, "request.acknowledged", lang, &[("kind", &kind), ("date", date)]).await;
    }

    /// Where and in which language request `r`'s requester is answered (for the export
    /// download codes of `exports::download`).
    pub(crate) async fn reply_address(&self, region: &RegionHandle, r: &RequestRow) -> Result<(String, String), CoreError> {
        let c = self.contact(region, r).await?;
        Ok((c.email, c.lang))
    }

    /// The person an agent acts for confirms the request.
    pub async fn confirm(&self, token: &str) -> Result<String, CoreError> {
        let h = hash(token);
        let mut found = None;
        for region in self.cb.regions() {
            if let Some(r) = region.rights.request_by_confirm_hash(&h).await? {
                found = Some((region.clone(), r));
                break;
            }
        }
        let Some((region, mut r)) = found else { return Err(CoreError::LinkInvalid) };
        let now = self.cb.now();
        if r.confirm_expires_at.is_none_or(|x| x <= now) || r.closed_at.is_some() {
            return Err(CoreError::LinkInvalid);
        }
        r.confirm_hash = None;
        r.confirm_expires_at = None;
        r.confirmed_at = Some(now);
        r.acknowledged_at = Some(now);
        r.state = "open".into();
        let c = self.contact(&region, &r).await?;
        self.acknowledge(&region, &c, &r).await;
        let ev = Self::event(&r.id, now, "confirmed_by_person", "person", json!({}));
        region.rights.update_request(&r, &ev, None).await?;
        Ok(r.state)
    }

    /// Staff entry of a request received by email (C-DSR-2): same path as the web form.
    pub async fn enter_for(&self, staff: &SubjectId, new: NewRequest, base_url: &str) -> Result<String, CoreError> {
        self.cb.staff().member_id(staff).await?;
        self.submit(NewRequest { channel: "email".into(), ..new }, base_url).await
    }
}
