//! The staff's side of the desk: the queue (no personal data in it), opening a ticket for a
//! reason (written to the requester's audit trail, and so is a refusal), replies by email with
//! the ticket's reference, canned answers in English and French, status and assignee. Every
//! step passes the staff gate: a role that allows `support_request` and current
//! confidentiality training (C-SHARE-1).

use serde::Serialize;
use serde_json::json;

use crate::business::support::service::{CATEGORY, MESSAGE_MAX, PURPOSE, STATUSES, Support, TicketSummary, TicketView, aad, text};
use crate::identity::principal::Principal;
use crate::identity::staff::{Reason, Role};
use crate::platform::audit::Actor;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::{SupportMessageRow, TicketRow};

/// A canned answer: its id and its words in English and French.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Canned {
    pub id: &'static str,
    pub en: &'static str,
    pub fr: &'static str,
}

/// The canned answers staff may send (in the requester's language).
pub const CANNED: &[Canned] = &[
    Canned {
        id: "received",
        en: "Thank you for your message. We are looking into it and will come back to you shortly.",
        fr: "Merci pour votre message. Nous l'examinons et revenons vers vous très vite.",
    },
    Canned {
        id: "need_details",
        en: "To help you, we need a few more details: what were you doing, what did you expect, and what happened instead?",
        fr: "Pour vous aider, il nous faut quelques précisions : que faisiez-vous, qu'attendiez-vous, et que s'est-il passé à la place ?",
    },
    Canned {
        id: "solved",
        en: "We believe this is now solved. If anything is still wrong, just reply to this message; otherwise we will close your request.",
        fr: "Nous pensons que c'est désormais résolu. Si quelque chose ne va toujours pas, répondez simplement à ce message ; sinon, nous clôturerons votre demande.",
    },
];

/// What staff change on a ticket.
#[derive(Debug, Clone, Default)]
pub struct TicketUpdate {
    /// `open`, `waiting` or `closed`.
    pub status: Option<String>,
    /// `true` takes the ticket, `false` leaves it unassigned.
    pub assign_to_me: Option<bool>,
}

impl Support<'_> {
    /// Staff on duty for the desk: a role that allows the reason and current training (a
    /// refusal for training is audited by the gate).
    async fn on_desk(&self, who: &Principal) -> Result<Role, CoreError> {
        let role = self.cb.staff().on_duty(who).await?;
        if !role.allows(Reason::SupportRequest) {
            return Err(CoreError::Forbidden);
        }
        Ok(role)
    }

    /// The canned answers, for staff on duty at the desk.
    pub async fn canned(&self, who: &Principal) -> Result<&'static [Canned], CoreError> {
        self.on_desk(who).await?;
        Ok(CANNED)
    }

    /// The queue: tickets in a status (`all` or none: every ticket), open ones soonest due
    /// first. No names, titles or messages: opening a ticket is a separate, audited step.
    pub async fn queue(&self, who: &Principal, status: Option<&str>) -> Result<Vec<TicketSummary>, CoreError> {
        self.guard()?;
        self.on_desk(who).await?;
        let status = match status.map(str::trim).filter(|s| !s.is_empty() && *s != "all") {
            Some(s) if STATUSES.contains(&s) => Some(s),
            Some(_) => return Err(CoreError::validation("status", format!("choose all or one of: {}", STATUSES.join(", ")))),
            None => None,
        };
        let mut out = Vec::new();
        for region in self.cb.regions() {
            out.extend(region.support.tickets(status).await?.iter().map(|t| self.summary(t)));
        }
        out.sort_by(|a, b| (a.status != "open", &a.due_at, &a.created_at).cmp(&(b.status != "open", &b.due_at, &b.created_at)));
        Ok(out)
    }

    /// A staff member opens a ticket for a reason. Allowed or refused, it is written to the
    /// requester's audit trail (people who are not staff learn nothing, not even whether the
    /// ticket exists).
    pub async fn open(&self, who: &Principal, id: &str, reason: &str) -> Result<TicketView, CoreError> {
        self.guard()?;
        let reason =
            Reason::parse(reason).ok_or_else(|| CoreError::validation("reason", "give the reason: support_request or rights_request"))?;
        let (region, t) = self.gated(who, reason, id, "staff.ticket_opened").await?;
        tracing::info!(event = "staff.access", staff = %who.subject, subject = %t.requester_id, reason = reason.as_str());
        self.view(&region, &t).await
    }

    /// The staff gate for one ticket: writes `action` (or the refusal) to the requester's
    /// audit trail, then answers the gate's verdict.
    pub(super) async fn gated(
        &self,
        who: &Principal,
        reason: Reason,
        id: &str,
        action: &str,
    ) -> Result<(RegionHandle, TicketRow), CoreError> {
        let gate = self.cb.staff().gate(who, reason, CATEGORY).await;
        if matches!(gate, Err(CoreError::Forbidden)) {
            return Err(CoreError::Forbidden);
        }
        let (region, t) = self.find(id).await?;
        let (action, outcome) = match &gate {
            Ok(_) => (action, "allowed"),
            Err(e) => ("staff.access_refused", e.code().as_str()),
        };
        // In the requester's trail, and in the account's when the ticket is an account
        // holder's, written signed in or from their address (the privacy centre shows them
        // who opened what, and why).
        let account = match &t.account_id {
            Some(a) => Some(a.clone()),
            None => self.cb.directory().find_email(&t.email_bidx).await?.filter(|(r, _)| *r == region.id).map(|(_, s)| s),
        };
        for subject in std::iter::once(&t.requester_id).chain(account.as_ref()) {
            let audit = self.cb.audit_draft(
                Actor::Staff(&who.subject),
                action,
                Some(subject),
                Some(reason.purpose()),
                json!({ "reason": reason.as_str(), "outcome": outcome, "category": CATEGORY, "ticket": t.id }),
            );
            region.store.audit_append(audit).await?;
        }
        gate?;
        Ok((region, t))
    }

    /// A staff reply: written in the thread (sealed with the requester's key) and emailed with
    /// the ticket's reference. `canned` names one of [`CANNED`], sent in the requester's
    /// language; otherwise `body` is the text.
    pub async fn reply(&self, who: &Principal, id: &str, body: Option<&str>, canned: Option<&str>) -> Result<TicketView, CoreError> {
        self.guard()?;
        let (region, mut t) = self.gated(who, Reason::SupportRequest, id, "staff.ticket_opened").await?;
        let c = self.contact(&region, &t).await?;
        let text = match canned.map(str::trim).filter(|c| !c.is_empty()) {
            Some(cid) => {
                let a =
                    CANNED.iter().find(|a| a.id == cid).ok_or_else(|| CoreError::validation("canned", "no canned answer has this id"))?;
                (if c.lang == "fr" { a.fr } else { a.en }).to_string()
            }
            None => text("body", body.unwrap_or(""), MESSAGE_MAX)?,
        };
        let now = self.cb.now();
        let mid = crate::platform::ids::new_uuid(now)?.to_string();
        let key = self.cb.keys().current(&region, &t.requester_id).await?;
        let m = SupportMessageRow {
            id: mid.clone(),
            ticket_id: t.id.clone(),
            author: "staff".into(),
            staff_id: Some(who.subject.clone()),
            channel: "desk".into(),
            body: key.seal(aad("support_messages", "body", &mid), text.as_bytes())?,
            attachment_blob: None,
            attachment_type: None,
            at: now,
        };
        t.status = "waiting".into();
        t.updated_at = now;
        t.due_at = None;
        t.closed_at = None;
        if t.assignee_id.is_none() {
            t.assignee_id = Some(who.subject.clone());
        }
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "support.staff_replied",
            Some(&t.requester_id),
            Some(PURPOSE),
            json!({ "ticket": t.id, "message": mid }),
        );
        region.support.update_ticket(&t, Some(&m), Some(audit)).await?;
        let title = key.open_string(aad("support_tickets", "title", &t.id), &t.title)?;
        let (subject, mail) = if c.lang == "fr" {
            (
                format!("[{}] Re : {title}", t.reference),
                format!(
                    "Bonjour {},\n\n{text}\n\n--\nRéférence {} : pour nous répondre, répondez à cet e-mail en gardant la référence dans l'objet, ou utilisez le lien privé de notre premier message.\n",
                    c.first_name, t.reference
                ),
            )
        } else {
            (
                format!("[{}] Re: {title}", t.reference),
                format!(
                    "Hello {},\n\n{text}\n\n--\nReference {}: to answer, reply to this email keeping the reference in the subject, or use the private link of our first message.\n",
                    c.first_name, t.reference
                ),
            )
        };
        self.send(&region, &t, &c.email, subject, mail).await;
        self.view(&region, &t).await
    }

    /// Changes a ticket's status or assignee; returns its summary.
    pub async fn update(&self, who: &Principal, id: &str, change: TicketUpdate) -> Result<TicketSummary, CoreError> {
        self.guard()?;
        self.on_desk(who).await?;
        let (region, mut t) = self.find(id).await?;
        let now = self.cb.now();
        if let Some(s) = change.status.as_deref() {
            if !STATUSES.contains(&s) {
                return Err(CoreError::validation("status", format!("choose one of: {}", STATUSES.join(", "))));
            }
            if s != t.status {
                t.closed_at = (s == "closed").then_some(now);
                if s == "closed" {
                    t.due_at = None;
                }
                t.status = s.to_string();
            }
        }
        match change.assign_to_me {
            Some(true) => t.assignee_id = Some(who.subject.clone()),
            Some(false) => t.assignee_id = None,
            None => {}
        }
        t.updated_at = now;
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "support.ticket_updated",
            Some(&t.requester_id),
            Some(PURPOSE),
            json!({ "ticket": t.id, "status": t.status, "assigned": t.assignee_id.is_some() }),
        );
        region.support.update_ticket(&t, None, Some(audit)).await?;
        Ok(self.summary(&t))
    }
}
