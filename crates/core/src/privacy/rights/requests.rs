//! Rights requests from anyone (C-DSR-2, C-CCPA-1..4, C-CHILD-2): by the web form, the API or
//! staff entry of an emailed request; for oneself, through an authorised agent (signed
//! permission, stored encrypted, deleted when the request closes, plus the person's own
//! confirmation), or by a parent or guardian for a child.
//!
//! * A parent's request is for erasure (C-CHILD-2); anything else about a child's account
//!   waits, like an agent's, for the account holder to confirm from their own mailbox.
//! * Access answers hold no link to the archive: the account holder signs in; an agent or a
//!   parent re-verifies their address with a one-time code (see `exports::download`).
//! * Verification: a one-time link sent to the address given. The answer to the submission is
//!   the same, byte for byte, whether or not the address belongs to an account, and the same
//!   work is done either way (the account is looked up only once the link is used).
//! * Deadlines (see `deadlines`): the policy's days, never later than the GDPR's calendar month
//!   (+2 months with reasons sent in time) or the CCPA's 45 days (+45); acknowledgement at
//!   verification, well inside 10 business days. Overdue requests raise an alert.
//! * Staff work a queue with due dates; a refusal needs a reason and tells the person they may
//!   complain to the supervisory authority. Completing an access, portability or CCPA
//!   right-to-know request builds the export; completing an erasure runs it and sends the
//!   signed receipt.
//! * Records: minimal (the contact is sealed with the requester's own key), kept 24 months
//!   after closing, then erased with that key.

use base64::Engine;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::platform::audit::Actor;
use crate::platform::clock::{DAY, HOUR, Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, RegionId, SubjectId};
use crate::platform::mail::Mail;
use crate::platform::ports::{RequestEventRow, RequestRow};
use crate::privacy::rights::deadlines::{self, Regime};

/// The kinds of request.
pub const KINDS: &[&str] = &["access", "portability", "rectification", "erasure", "restriction", "objection", "ccpa_know", "ccpa_delete"];
/// How long a verification or confirmation link works.
pub const LINK_TTL: Millis = 72 * HOUR;
/// Closed requests are kept this long, then erased (C-DSR-2: 24 months).
pub const RECORD_TTL: Millis = 730 * DAY;
const DOCUMENT_MAX: usize = 5 * 1024 * 1024;
const DETAILS_MAX: usize = 5000;
const PURPOSE: &str = "rights";

/// What someone asks.
#[derive(Debug, Clone, Default)]
pub struct NewRequest {
    pub kind: String,
    /// Where to reach the requester (the person, their agent or their parent).
    pub email: String,
    pub name: Option<String>,
    pub details: Option<String>,
    /// `self`, `agent` or `guardian`.
    pub on_behalf: String,
    /// For an agent or a guardian: the email of the person (or the child's account).
    pub person_email: Option<String>,
    /// For an agent: the signed permission; for a guardian: proof of parental responsibility.
    pub document: Option<Vec<u8>>,
    /// `web_form`, `api` or `email` (staff entry).
    pub channel: String,
    pub lang: String,
}

/// The sealed part of a request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
struct Contact {
    email: String,
    name: Option<String>,
    details: Option<String>,
    person_email: Option<String>,
    lang: String,
}

/// A request in the staff queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    pub id: String,
    pub kind: String,
    pub regime: String,
    pub channel: String,
    pub on_behalf: String,
    pub state: String,
    pub received_at: String,
    pub acknowledge_by: String,
    pub answer_by: String,
    pub extended_to: Option<String>,
    pub due: String,
    pub overdue: bool,
    pub matched_account: bool,
    pub has_document: bool,
    pub events: Vec<Value>,
}

/// The one answer given to every submission (same bytes whether the address is known or not).
pub const RECEIVED: &str = "Thank you. If this address can receive email, a message with a link to confirm the request is on its way; the request goes ahead once it is confirmed. We answer within the deadline the law and our policy set, counted from today.";

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> Result<String, CoreError> {
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(clearboard_vault::random::bytes::<32>()?))
}

fn contact_aad(id: &str) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "requests", column: "contact", row: id }
}

fn outcome_aad(id: &str) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "requests", column: "outcome", row: id }
}

fn document_aad(blob: &BlobId) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "blobs", column: "request_document", row: blob.as_str() }
}

/// Erasure kinds: the only requests a parent's verified request can start without the account
/// holder's confirmation (C-CHILD-2).
fn erasure_kind(kind: &str) -> bool {
    matches!(kind, "erasure" | "ccpa_delete")
}

/// Whether the person the request is about must confirm it from their own mailbox: always for
/// an agent (C-CCPA-4); for a parent, unless it is an erasure (their child's data is sent to
/// no one without the account holder's consent).
fn needs_person(on_behalf: &str, kind: &str) -> bool {
    on_behalf == "agent" || (on_behalf == "guardian" && !erasure_kind(kind))
}

fn regime_of(kind: &str) -> Regime {
    if kind.starts_with("ccpa_") { Regime::Ccpa } else { Regime::Gdpr }
}

fn date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

impl Clearboard {
    pub fn requests(&self) -> Requests<'_> {
        Requests { cb: self }
    }
}

pub struct Requests<'a> {
    cb: &'a Clearboard,
}

impl Requests<'_> {
    fn event(id: &str, at: Millis, event: &str, actor: &str, detail: Value) -> RequestEventRow {
        RequestEventRow { request_id: id.to_string(), at, event: event.into(), actor: actor.into(), detail: detail.to_string() }
    }

    async fn contact(&self, region: &RegionHandle, r: &RequestRow) -> Result<Contact, CoreError> {
        let key = self.cb.keys().current(region, &r.requester_id).await?;
        let plain = key.open(contact_aad(&r.id), &r.contact)?;
        serde_json::from_slice(&plain).map_err(|_| CoreError::Internal("request contact"))
    }

    async fn send(&self, to: &str, subject: &str, text: String) -> bool {
        match self.cb.mailer().send(Mail { to: to.to_string(), subject: subject.to_string(), text }).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "a request email could not be sent");
                false
            }
        }
    }

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
            _ => return Err(CoreError::validation("on_behalf", "say `self`, `agent` or `guardian`")),
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
        if on_behalf != "self" && new.document.as_ref().is_none_or(Vec::is_empty) {
            let what = if on_behalf == "agent" { "the person's signed permission" } else { "a document showing parental responsibility" };
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
        let text = format!(
            "We received a request ({}) made with this email address on {}.\n\nTo confirm that it is yours, open this link within 72 hours:\n{link}\n\nIf you did not make this request, ignore this message: nothing will happen.\n",
            row.kind,
            crate::platform::clock::date_of(now)
        );
        self.send(&email, "Confirm your privacy request", text).await;
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
                let who = if r.on_behalf == "guardian" {
                    "Someone says they are your parent or legal guardian and"
                } else {
                    "Someone says they act for you and"
                };
                let text = format!(
                    "{who} asked us, on {}, for a privacy request ({}) about your account.\n\nNothing is done, and none of your data is sent to them, unless you confirm. If you agree, confirm within 7 days:\n{link}\n\nIf you do not, ignore this message: nothing will be done and their documents will be deleted.\n",
                    crate::platform::clock::date_of(r.received_at),
                    r.kind
                );
                self.send(person, "Did you authorise this privacy request?", text).await;
            }
        } else {
            r.state = "open".into();
            r.acknowledged_at = Some(now);
            ev_name = "verified_and_acknowledged";
            self.acknowledge(&c, &r).await;
        }
        let ev = Self::event(&r.id, now, ev_name, "requester", json!({ "account_matched": r.subject_id.is_some() }));
        let state = r.state.clone();
        region.rights.update_request(&r, &ev, None).await?;
        Ok(state)
    }

    async fn acknowledge(&self, c: &Contact, r: &RequestRow) {
        let text = format!(
            "Your request ({}) is confirmed and in our queue. We will answer by {} at the latest. If we need more time, which the law allows only for complex requests, we will tell you why before that date.\n",
            r.kind,
            r.extended_to.as_deref().unwrap_or(&r.answer_by)
        );
        self.send(&c.email, "We are working on your privacy request", text).await;
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
        self.acknowledge(&c, &r).await;
        let ev = Self::event(&r.id, now, "confirmed_by_person", "person", json!({}));
        region.rights.update_request(&r, &ev, None).await?;
        Ok(r.state)
    }

    fn item(&self, r: &RequestRow, events: Vec<Value>) -> QueueItem {
        let due = r.extended_to.clone().unwrap_or_else(|| r.answer_by.clone());
        let overdue = r.closed_at.is_none() && date(&due).is_some_and(|d| deadlines::is_overdue(d, self.cb.now()));
        QueueItem {
            id: r.id.clone(),
            kind: r.kind.clone(),
            regime: r.regime.clone(),
            channel: r.channel.clone(),
            on_behalf: r.on_behalf.clone(),
            state: r.state.clone(),
            received_at: rfc3339(r.received_at),
            acknowledge_by: r.acknowledge_by.clone(),
            answer_by: r.answer_by.clone(),
            extended_to: r.extended_to.clone(),
            due,
            overdue,
            matched_account: r.subject_id.is_some(),
            has_document: r.document_blob.is_some(),
            events,
        }
    }

    /// The staff queue: every request not closed, soonest due first.
    pub async fn queue(&self, staff: &SubjectId) -> Result<Vec<QueueItem>, CoreError> {
        self.cb.staff().member_id(staff).await?;
        let mut out = Vec::new();
        for region in self.cb.regions() {
            for r in region.rights.requests(None).await?.into_iter().filter(|r| r.closed_at.is_none()) {
                let events = region
                    .rights
                    .request_events(&r.id)
                    .await?
                    .into_iter()
                    .map(|e| json!({ "at": rfc3339(e.at), "event": e.event, "actor": e.actor }))
                    .collect();
                out.push(self.item(&r, events));
            }
        }
        out.sort_by(|a, b| a.due.cmp(&b.due).then(a.received_at.cmp(&b.received_at)));
        Ok(out)
    }

    /// One request, for staff (with its contact details, whose access is audited).
    pub async fn detail(&self, staff: &SubjectId, id: &str) -> Result<Value, CoreError> {
        self.cb.staff().member_id(staff).await?;
        let (region, r) = self.get(id).await?;
        let c = self.contact(&region, &r).await?;
        let audit =
            self.cb.audit_draft(Actor::Staff(staff), "request.viewed", Some(&r.requester_id), Some(PURPOSE), json!({ "request": id }));
        region.store.audit_append(audit).await?;
        let events = region
            .rights
            .request_events(&r.id)
            .await?
            .into_iter()
            .map(|e| json!({ "at": rfc3339(e.at), "event": e.event, "actor": e.actor }))
            .collect();
        Ok(
            json!({ "request": self.item(&r, events), "contact": { "email": c.email, "name": c.name, "details": c.details, "person_email": c.person_email } }),
        )
    }

    async fn get(&self, id: &str) -> Result<(RegionHandle, RequestRow), CoreError> {
        for region in self.cb.regions() {
            if let Some(r) = region.rights.request(id).await? {
                return Ok((region.clone(), r));
            }
        }
        Err(CoreError::NotFound)
    }

    fn check_open(r: &RequestRow) -> Result<(), CoreError> {
        match r.state.as_str() {
            "open" => Ok(()),
            "unverified" => Err(CoreError::Conflict("the requester has not confirmed this request yet")),
            "awaiting_confirmation" => Err(CoreError::Conflict("the person the request is about has not confirmed it yet")),
            _ => Err(CoreError::Conflict("this request is already closed")),
        }
    }

    /// Extends the deadline (once, with reasons, before the current deadline passes); the
    /// person is told why.
    pub async fn extend(&self, staff: &SubjectId, id: &str, reason: &str) -> Result<QueueItem, CoreError> {
        self.cb.staff().member_id(staff).await?;
        let reason = reason.trim();
        if reason.len() < 10 {
            return Err(CoreError::validation("reason", "give the reasons for the extension (they are sent to the person)"));
        }
        let (region, mut r) = self.get(id).await?;
        if r.closed_at.is_some() {
            return Err(CoreError::Conflict("this request is already closed"));
        }
        let regime = if r.regime == "ccpa" { Regime::Ccpa } else { Regime::Gdpr };
        let d = deadlines::deadlines(regime, r.received_at, self.cb.policy().doc().limits.request_answer_days, &[]);
        let new_due = deadlines::extend(regime, &d, r.extended_to.is_some(), self.cb.now()).map_err(|e| match e {
            deadlines::ExtensionError::TooLate => {
                CoreError::Conflict("too late: an extension must be decided and explained before the deadline")
            }
            deadlines::ExtensionError::AlreadyExtended => CoreError::Conflict("this request was already extended once"),
        })?;
        r.extended_to = Some(new_due.to_string());
        let c = self.contact(&region, &r).await?;
        let text = format!(
            "We need more time to answer your request ({}). We will answer by {new_due} at the latest. The reasons:\n\n{reason}\n",
            r.kind
        );
        self.send(&c.email, "Your privacy request: more time needed", text).await;
        let ev = Self::event(&r.id, self.cb.now(), "extended", "staff", json!({ "to": new_due.to_string() }));
        let audit =
            self.cb.audit_draft(Actor::Staff(staff), "request.extended", Some(&r.requester_id), Some(PURPOSE), json!({ "request": id }));
        region.rights.update_request(&r, &ev, Some(audit)).await?;
        Ok(self.item(&r, vec![]))
    }

    /// Refuses a request: a reason is required, and the answer tells the person they may
    /// complain to the supervisory authority.
    pub async fn refuse(&self, staff: &SubjectId, id: &str, reason: &str) -> Result<QueueItem, CoreError> {
        self.cb.staff().member_id(staff).await?;
        let reason = reason.trim();
        if reason.len() < 10 {
            return Err(CoreError::validation("reason", "a refusal needs its reason (it is sent to the person)"));
        }
        let (region, mut r) = self.get(id).await?;
        if r.closed_at.is_some() {
            return Err(CoreError::Conflict("this request is already closed"));
        }
        let c = self.contact(&region, &r).await?;
        let authority = self.cb.policy().doc().controller.supervisory_authority.get(&c.lang).to_string();
        let text = format!(
            "We cannot do what you asked ({}). The reason:\n\n{reason}\n\nYou may complain to a supervisory authority ({authority}) and seek a judicial remedy.\n",
            r.kind
        );
        self.send(&c.email, "Your privacy request", text).await;
        self.close(&region, &mut r, "refused", reason, staff).await?;
        Ok(self.item(&r, vec![]))
    }

    async fn close(&self, region: &RegionHandle, r: &mut RequestRow, state: &str, note: &str, staff: &SubjectId) -> Result<(), CoreError> {
        let now = self.cb.now();
        let key = self.cb.keys().current(region, &r.requester_id).await?;
        r.outcome = Some(key.seal(outcome_aad(&r.id), note.as_bytes())?);
        r.state = state.into();
        r.closed_at = Some(now);
        // The agent's or guardian's document is deleted when the request closes (C-CCPA-4).
        if let Some(b) = r.document_blob.take() {
            region.blobs.delete(&b).await?;
        }
        let ev = Self::event(&r.id, now, state, "staff", json!({}));
        let audit = self.cb.audit_draft(
            Actor::Staff(staff),
            &format!("request.{state}"),
            Some(&r.requester_id),
            Some(PURPOSE),
            json!({ "request": r.id, "kind": r.kind }),
        );
        region.rights.update_request(r, &ev, Some(audit)).await?;
        Ok(())
    }

    /// Completes a request. Access, portability and CCPA right to know: the export is built
    /// and its link sent; erasure and CCPA delete: the account is erased and the signed
    /// receipt sent; other kinds: staff did the work and say what in `note`.
    pub async fn complete(&self, staff: &SubjectId, id: &str, note: &str, base_url: &str) -> Result<Value, CoreError> {
        self.cb.staff().member_id(staff).await?;
        let (region, mut r) = self.get(id).await?;
        Self::check_open(&r)?;
        let c = self.contact(&region, &r).await?;
        let mut answer = json!({});
        let text = match (r.kind.as_str(), r.subject_id.clone()) {
            ("access" | "portability", Some(s)) => {
                let v = self.cb.exports().request_for(&region.id, &s, Some(&r.id), Actor::Staff(staff)).await?;
                self.cb.exports().run_pending().await?;
                let st = self
                    .cb
                    .exports()
                    .status(
                        &crate::identity::principal::Principal { subject: s.clone(), region: region.id.clone(), token_hash: vec![] },
                        &v.id,
                    )
                    .await?;
                r.export_id = Some(v.id.clone());
                answer = json!({ "export": st });
                // No link opens the archive (issue 11, finding 9): the account holder signs in;
                // an agent or a parent proves the address again with a one-time code.
                if r.on_behalf == "self" {
                    crate::privacy::rights::exports::answer_for_owner(&c.lang, base_url)
                } else {
                    crate::privacy::rights::exports::answer_for_requester(&c.lang, base_url, &r.id)
                }
            }
            ("ccpa_know", Some(s)) => {
                let know = self.right_to_know(&region, &s).await?;
                answer = know.clone();
                format!(
                    "What we collected, used and disclosed about you in the last 12 months, from our own records:\n\n{}\n",
                    serde_json::to_string_pretty(&know).unwrap_or_default()
                )
            }
            ("erasure" | "ccpa_delete", Some(s)) => {
                let receipt = self
                    .cb
                    .erasure()
                    .erase_account(&region.id, &s, &format!("request:{}", r.channel), Some(&r.id), Actor::Staff(staff))
                    .await?;
                answer = json!({ "receipt": receipt });
                format!(
                    "Your account and the data about you are erased. Your signed receipt (verify it with our published key at {base_url}/.well-known/clearboard-receipts.json):\n\n{}\n\nSignature: {}\n",
                    serde_json::to_string_pretty(&receipt.receipt).unwrap_or_default(),
                    receipt.signature
                )
            }
            (_, None) if ["access", "portability", "ccpa_know", "erasure", "ccpa_delete"].contains(&r.kind.as_str()) => {
                "We searched our records and hold no account or data under this address.\n".to_string()
            }
            _ => {
                if note.trim().len() < 10 {
                    return Err(CoreError::validation("note", "say what was done (it is sent to the person)"));
                }
                format!("Your request ({}) is done:\n\n{}\n", r.kind, note.trim())
            }
        };
        self.send(&c.email, "Your privacy request: our answer", text).await;
        self.close(&region, &mut r, "completed", note, staff).await?;
        Ok(json!({ "request": self.item(&r, vec![]), "answer": answer }))
    }

    /// CCPA right to know (C-CCPA-1): categories collected, used and disclosed in the last 12
    /// months, from the system's own records (catalog, stored data, audit log, disclosure log).
    pub async fn right_to_know(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
        let since = self.cb.now() - 365 * DAY;
        let p = self.cb.policy();
        let mut collected = Vec::new();
        for c in &p.doc().categories {
            if crate::privacy::rights::categories::handling(&c.id) != Some(crate::privacy::rights::categories::Handling::Stored) {
                continue;
            }
            let data = crate::privacy::rights::categories::export_category(self.cb, region, subject, &c.id).await?;
            let has = match &data {
                Value::Object(m) => m.values().any(|v| match v {
                    Value::Array(a) => !a.is_empty(),
                    Value::Null => false,
                    _ => true,
                }),
                _ => false,
            };
            if has {
                let purposes: Vec<&str> =
                    p.doc().purposes.iter().filter(|pu| pu.categories.contains(&c.id)).map(|pu| pu.id.as_str()).collect();
                collected.push(json!({ "category": c.id, "ccpa_category": c.ccpa, "source": c.source.en, "used_for": purposes }));
            }
        }
        let disclosed: Vec<Value> = region
            .rights
            .disclosures_of(subject)
            .await?
            .into_iter()
            .filter(|d| d.at >= since)
            .map(|d| json!({ "recipient": d.recipient, "scope": d.scope, "legal_basis": d.legal_basis, "at": rfc3339(d.at) }))
            .collect();
        let accessed = region.store.audit_about(subject).await?.into_iter().filter(|e| e.at_ms >= since).count();
        Ok(json!({
            "period": { "from": rfc3339(since), "to": rfc3339(self.cb.now()) },
            "collected": collected,
            "disclosed_for_a_business_purpose": disclosed,
            "sold": [],
            "shared_for_cross_context_advertising": [],
            "audit_entries_in_period": accessed,
        }))
    }

    /// Staff entry of a request received by email (C-DSR-2): same path as the web form.
    pub async fn enter_for(&self, staff: &SubjectId, new: NewRequest, base_url: &str) -> Result<String, CoreError> {
        self.cb.staff().member_id(staff).await?;
        self.submit(NewRequest { channel: "email".into(), ..new }, base_url).await
    }

    /// Open requests past their due date; each is alerted once (audit entry, log, metric).
    pub async fn overdue(&self) -> Result<Vec<String>, CoreError> {
        let mut out = Vec::new();
        for region in self.cb.regions() {
            for r in region.rights.requests(None).await?.into_iter().filter(|r| r.closed_at.is_none()) {
                let due = r.extended_to.clone().unwrap_or_else(|| r.answer_by.clone());
                if date(&due).is_some_and(|d| deadlines::is_overdue(d, self.cb.now())) {
                    let events = region.rights.request_events(&r.id).await?;
                    if !events.iter().any(|e| e.event == "overdue_alert") {
                        tracing::warn!(request = %r.id, due = %due, "a rights request is overdue");
                        metrics::counter!("clearboard_requests_overdue_total").increment(1);
                        let ev = Self::event(&r.id, self.cb.now(), "overdue_alert", "system", json!({ "due": due }));
                        region.rights.update_request(&r, &ev, None).await?;
                    }
                    out.push(r.id.clone());
                }
            }
        }
        Ok(out)
    }

    /// Requests closed more than 24 months ago are erased with their requester's key; links
    /// not used in time expire (unverified requests close as `expired`).
    pub async fn upkeep(&self) -> Result<(u64, u64), CoreError> {
        let now = self.cb.now();
        let mut expired = 0;
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            for mut r in region.rights.requests(Some(&["unverified", "awaiting_confirmation"])).await? {
                let gone = match r.state.as_str() {
                    "unverified" => r.verify_expires_at.is_some_and(|x| x <= now),
                    _ => r.confirm_expires_at.is_some_and(|x| x <= now),
                };
                if gone {
                    r.state = "expired".into();
                    r.closed_at = Some(now);
                    r.verify_hash = None;
                    r.confirm_hash = None;
                    if let Some(b) = r.document_blob.take() {
                        region.blobs.delete(&b).await?;
                    }
                    let ev = Self::event(&r.id, now, "expired", "system", json!({}));
                    region.rights.update_request(&r, &ev, None).await?;
                    expired += 1;
                }
            }
        }
        let mut purged = 0;
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            for requester in region.rights.purge_requests_closed_before(now - RECORD_TTL).await? {
                self.cb.keys().shred(&region, &requester).await?;
                purged += 1;
            }
        }
        Ok((expired, purged))
    }

    /// Records a disclosure of a person's data to a recipient named in the policy (C-SHARE-5,
    /// C-SHARE-7) and tells the person beforehand, unless a recorded legal reason forbids it.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_disclosure(
        &self,
        staff: &SubjectId,
        subject: &SubjectId,
        recipient: &str,
        legal_basis: &str,
        scope: &str,
        contact: Option<&str>,
        withhold_reason: Option<&str>,
    ) -> Result<String, CoreError> {
        self.cb.staff().member_id(staff).await?;
        if !self.cb.policy().doc().recipients.iter().any(|r| r.id == recipient) {
            return Err(CoreError::validation("recipient", "name a recipient declared in the policy"));
        }
        if legal_basis.trim().len() < 3 || scope.trim().is_empty() {
            return Err(CoreError::validation("legal_basis", "give the legal basis and the scope of the disclosure"));
        }
        let contact = match contact.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(
                crate::platform::validate::email(c)
                    .map_err(|_| CoreError::validation("contact", "the recipient's contact address is not valid"))?,
            ),
            None => None,
        };
        let mut region = None;
        for r in self.cb.regions() {
            if r.store.account(subject).await?.is_some() {
                region = Some(r.clone());
                break;
            }
        }
        let region = region.ok_or(CoreError::NotFound)?;
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let row = crate::platform::ports::DisclosureRow {
            id: id.clone(),
            subject_id: subject.clone(),
            recipient: recipient.into(),
            legal_basis: legal_basis.trim().into(),
            scope: scope.trim().into(),
            contact,
            at: now,
            notified_at: None,
        };
        let audit = self.cb.audit_draft(
            Actor::Staff(staff),
            "data.disclosed",
            Some(subject),
            Some("legal_obligation"),
            json!({ "recipient": recipient, "legal_basis": row.legal_basis, "scope": row.scope, "notice_withheld": withhold_reason }),
        );
        region.rights.insert_disclosure(&row, audit).await?;
        if withhold_reason.is_none() {
            let me = crate::identity::principal::Principal { subject: subject.clone(), region: region.id.clone(), token_hash: vec![] };
            if let Ok(p) = self.cb.accounts().me(&me).await {
                let text = format!(
                    "We are required to disclose data about you to {recipient} ({}), on the legal basis: {}.

You can see every disclosure in your privacy centre.
",
                    row.scope, row.legal_basis
                );
                self.send(&p.email, "Notice: a disclosure of your data", text).await;
            }
        }
        Ok(id)
    }

    /// The request records of a region (for tests and the staff page).
    pub async fn all(&self, region: &RegionId) -> Result<Vec<RequestRow>, CoreError> {
        Ok(self.cb.region(region)?.rights.requests(None).await?)
    }
}
