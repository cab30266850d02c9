//! The requests service (`cb.requests()`): what a request is (kinds, the sealed contact, the
//! queue item), its tokens and sealing contexts, and the small steps every stage shares
//! (events, reading the contact, sending mail, finding a request). The stages live beside
//! it: `intake` (submission to confirmation), `queue` (staff), `upkeep` (deadlines, records,
//! disclosures).
//!
//! Takes the whole context (`Clearboard`): a request orchestrates the rights store, the directory,
//! subject keys, mail, the staff gate, exports and erasure.

use serde::Serialize;
use serde_json::Value;

use crate::platform::clock::{HOUR, Millis};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::BlobId;
use crate::platform::mail::Mail;
use crate::platform::mail_texts;
use crate::platform::ports::{RequestEventRow, RequestRow};
use crate::privacy::rights::deadlines::Regime;

/// The kinds of request.
pub const KINDS: &[&str] = &["access", "portability", "rectification", "erasure", "restriction", "objection", "ccpa_know", "ccpa_delete"];
/// How long a verification or confirmation link works.
pub const LINK_TTL: Millis = 72 * HOUR;
pub(super) const DOCUMENT_MAX: usize = 5 * 1024 * 1024;
pub(super) const DETAILS_MAX: usize = 5000;
pub(super) const PURPOSE: &str = "rights";

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
pub(super) struct Contact {
    pub(super) email: String,
    pub(super) name: Option<String>,
    pub(super) details: Option<String>,
    pub(super) person_email: Option<String>,
    pub(super) lang: String,
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

pub(super) use crate::platform::tokens::{new_link_token as new_token, token_hash as hash};

pub(super) fn contact_aad(id: &str) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "requests", column: "contact", row: id }
}

pub(super) fn outcome_aad(id: &str) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "requests", column: "outcome", row: id }
}

pub(super) fn document_aad(blob: &BlobId) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "blobs", column: "request_document", row: blob.as_str() }
}

/// Erasure kinds: the only requests a parent's verified request can start without the account
/// holder's confirmation (C-CHILD-2).
pub(super) fn erasure_kind(kind: &str) -> bool {
    matches!(kind, "erasure" | "ccpa_delete")
}

/// Whether the person the request is about must confirm it from their own mailbox: always for
/// an agent (C-CCPA-4); for a parent, unless it is an erasure (their child's data is sent to
/// no one without the account holder's consent).
pub(super) fn needs_person(on_behalf: &str, kind: &str) -> bool {
    on_behalf == "agent" || (on_behalf == "guardian" && !erasure_kind(kind))
}

pub(super) fn regime_of(kind: &str) -> Regime {
    if kind.starts_with("ccpa_") { Regime::Ccpa } else { Regime::Gdpr }
}

pub(super) fn date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

impl Clearboard {
    pub fn requests(&self) -> Requests<'_> {
        Requests { cb: self }
    }
}

pub struct Requests<'a> {
    pub(super) cb: &'a Clearboard,
}

impl Requests<'_> {
    pub(super) fn event(id: &str, at: Millis, event: &str, actor: &str, detail: Value) -> RequestEventRow {
        RequestEventRow { request_id: id.to_string(), at, event: event.into(), actor: actor.into(), detail: detail.to_string() }
    }

    pub(super) async fn contact(&self, region: &RegionHandle, r: &RequestRow) -> Result<Contact, CoreError> {
        let key = self.cb.keys().current(region, &r.requester_id).await?;
        let plain = key.open(contact_aad(&r.id), &r.contact)?;
        serde_json::from_slice(&plain).map_err(|_| CoreError::Internal("request contact"))
    }

    /// Sends message `key` of the mail catalogue (`platform::mail_texts`) in `lang`.
    pub(super) async fn send_in(&self, to: &str, key: &str, lang: &str, args: &[(&str, &str)]) -> bool {
        let (subject, text) = mail_texts::render(key, lang, args);
        self.send(to, &subject, text).await
    }

    /// The language of the answers to `r`'s requester (issue 14): the account's preference
    /// when the requester is the account holder, else the language the request was made in.
    pub(super) async fn lang_of(&self, region: &RegionHandle, r: &RequestRow, c: &Contact) -> &'static str {
        if r.on_behalf == "self" {
            return self.person_lang(region, r, c).await;
        }
        mail_texts::lang(&c.lang)
    }

    /// The language of the account `r` is about (its preference), else the request's.
    pub(super) async fn person_lang(&self, region: &RegionHandle, r: &RequestRow, c: &Contact) -> &'static str {
        if let Some(s) = &r.subject_id
            && let Ok(Some(a)) = region.store.account(s).await
        {
            return mail_texts::lang(&a.locale);
        }
        mail_texts::lang(&c.lang)
    }

    pub(super) async fn send(&self, to: &str, subject: &str, text: String) -> bool {
        match self.cb.transfers().send_mail(None, Mail { to: to.to_string(), subject: subject.to_string(), text, ..Mail::default() }).await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "a request email could not be sent");
                false
            }
        }
    }

    pub(super) async fn get(&self, id: &str) -> Result<(RegionHandle, RequestRow), CoreError> {
        for region in self.cb.regions() {
            if let Some(r) = region.rights.request(id).await? {
                return Ok((region.clone(), r));
            }
        }
        Err(CoreError::NotFound)
    }

    pub(super) fn check_open(r: &RequestRow) -> Result<(), CoreError> {
        match r.state.as_str() {
            "open" => Ok(()),
            "unverified" => Err(CoreError::Conflict("the requester has not confirmed this request yet")),
            "awaiting_confirmation" => Err(CoreError::Conflict("the person the request is about has not confirmed it yet")),
            _ => Err(CoreError::Conflict("this request is already closed")),
        }
    }
}
