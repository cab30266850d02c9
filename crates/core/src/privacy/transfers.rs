//! The run-time transfer guard (C-LOC-2): every movement of a person's data out of their
//! region's stores, to another region or to a recipient outside the EU (the mail provider in
//! the default policy), is checked against the policy's transfer mechanisms. Without one it is
//! refused and audited in the person's region; a copy between regions that has one is allowed
//! and audited too. Sends to a recipient without a transfer (inside the EU) pass unaudited.
//!
//! A region is served by the policy's recipient `hosting-<region>`: its `transfer` (if any)
//! is what makes storing data there lawful.
//!
//! Takes the whole context (`Clearboard`): the guard reads the policy and appends to the
//! region's audit chain; the guarded mail send uses the mailer.

use serde_json::json;

use crate::platform::audit::Actor;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{RegionId, SubjectId};
use crate::platform::mail::{Mail, MailError};

/// The recipient that delivers every email (its transfer, if any, governs each send).
pub const MAIL_RECIPIENT: &str = "email-delivery";

/// Where data would go.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// Another region's stores (served by the recipient `hosting-<region>`).
    Region(&'a RegionId),
    /// A recipient of the policy, by id.
    Recipient(&'a str),
}

/// What the policy says of a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No transfer out of the EU: the recipient is declared without one.
    Inside,
    /// A transfer with its mechanism (the policy's transfer id).
    Lawful(String),
    /// Refused: why, in words that name no person.
    Refused(&'static str),
}

pub struct Transfers<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn transfers(&self) -> Transfers<'_> {
        Transfers { cb: self }
    }
}

impl Transfers<'_> {
    /// The policy's verdict on sending data to `to`.
    pub fn verdict(&self, to: Destination<'_>) -> Verdict {
        let policy = self.cb.policy();
        let recipient_id = match to {
            Destination::Region(r) => format!("hosting-{}", r.as_str()),
            Destination::Recipient(r) => r.to_string(),
        };
        let Some(recipient) = policy.doc().recipients.iter().find(|r| r.id == recipient_id) else {
            return Verdict::Refused("the policy declares no such recipient");
        };
        match recipient.transfer.as_deref() {
            None => Verdict::Inside,
            Some(t) => match policy.transfer(t) {
                Some(tr) if tr.mechanism.is_some() => Verdict::Lawful(tr.id.clone()),
                Some(_) => Verdict::Refused("the transfer has no mechanism in the policy"),
                None => Verdict::Refused("the recipient names a transfer the policy does not declare"),
            },
        }
    }

    /// Checks a copy or read of `subject`'s data from their region `from` to `to` (C-LOC-2):
    /// refused without a mechanism, audited either way in `from`'s chain.
    pub async fn check(&self, from: &RegionHandle, to: Destination<'_>, subject: Option<&SubjectId>) -> Result<String, CoreError> {
        if let Destination::Region(r) = to
            && r == &from.id
        {
            return Ok("same region".into());
        }
        let verdict = self.verdict(to);
        let target = match to {
            Destination::Region(r) => json!({ "region": r.as_str() }),
            Destination::Recipient(r) => json!({ "recipient": r }),
        };
        let (action, detail) = match &verdict {
            Verdict::Inside => ("transfer.allowed", json!({ "to": target, "mechanism": null })),
            Verdict::Lawful(t) => ("transfer.allowed", json!({ "to": target, "transfer": t })),
            Verdict::Refused(why) => ("transfer.refused", json!({ "to": target, "why": why })),
        };
        let audit = self.cb.audit_draft(Actor::System, action, subject, Some("transfer"), detail);
        from.store.audit_append(audit).await?;
        metrics::counter!("clearboard_transfers_total", "outcome" => action.to_string()).increment(1);
        match verdict {
            Verdict::Inside => Ok("inside the EU".into()),
            Verdict::Lawful(t) => Ok(t),
            Verdict::Refused(_) => Err(CoreError::Forbidden),
        }
    }

    /// Sends an email through the mail provider after the guard: without a mechanism for the
    /// provider's transfer nothing is sent, and the refusal is audited in the region of the
    /// person it is about (or the default region).
    pub async fn send_mail(&self, about: Option<(&RegionHandle, &SubjectId)>, mail: Mail) -> Result<(), MailError> {
        if let Verdict::Refused(why) = self.verdict(Destination::Recipient(MAIL_RECIPIENT)) {
            let region = match about {
                Some((r, _)) => Some(r),
                None => self.cb.region(&self.cb.settings().default_region).ok(),
            };
            if let Some(region) = region {
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "transfer.refused",
                    about.map(|(_, s)| s),
                    Some("transfer"),
                    json!({ "to": { "recipient": MAIL_RECIPIENT }, "why": why }),
                );
                if let Err(e) = region.store.audit_append(audit).await {
                    tracing::warn!(error = %e, "a refused transfer could not be audited");
                }
            }
            metrics::counter!("clearboard_transfers_total", "outcome" => "transfer.refused").increment(1);
            return Err(MailError::TransferRefused);
        }
        self.cb.mailer().send(mail).await
    }
}
