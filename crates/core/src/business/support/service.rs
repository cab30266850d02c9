//! The support desk's service (`cb.support()`), its inputs and views, and what every step
//! shares: the purpose guard, sealing and opening with the requester's key, tokens and
//! references, finding a ticket in any region, sending mail through the transfer guard.

use serde::{Deserialize, Serialize};

use crate::platform::clock::{DAY, Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::mail::Mail;
use crate::platform::ports::{SupportMessageRow, TicketRow};

/// The policy purpose and category of everything here.
pub const PURPOSE: &str = "assistance";
pub const CATEGORY: &str = "assistance";
/// Ticket statuses.
pub const STATUSES: &[&str] = &["open", "waiting", "closed"];
/// Bounds of what people send.
pub const TITLE_MAX: usize = 200;
pub const MESSAGE_MAX: usize = 10_000;
pub const ATTACHMENT_MAX: usize = 5 * 1024 * 1024;
/// Staff should answer within this long of a requester's message.
pub const ANSWER_WITHIN: Millis = 2 * DAY;
/// The one answer to every accepted submission, whatever the address.
pub const RECEIVED: &str =
    "Thank you: your message is in our queue. A confirmation with a private link to follow it is on its way to the address you gave.";

/// A message for the desk from the form, the API or email.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub subject: String,
    pub message: String,
    pub attachment: Option<Vec<u8>>,
    /// `en` or `fr`.
    pub lang: String,
    /// `web_form`, `api` or `email`.
    pub channel: String,
    /// `general`, or `privacy` for a message to the privacy contact.
    pub topic: String,
    /// The signed-in account that writes, if any.
    pub account: Option<SubjectId>,
}

/// How to reach the requester, sealed in `support_tickets.contact`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub lang: String,
}

/// One message as people see it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    /// The message's id (its attachment is fetched by it).
    pub id: String,
    pub author: String,
    pub channel: String,
    pub at: String,
    pub text: String,
    pub attachment_type: Option<String>,
}

/// A ticket with its thread, in clear (for the requester, or staff who opened it).
#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    pub id: String,
    pub reference: String,
    pub status: String,
    pub topic: String,
    pub channel: String,
    pub title: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub lang: String,
    pub created_at: String,
    pub updated_at: String,
    pub due_at: Option<String>,
    pub closed_at: Option<String>,
    pub rights_request_id: Option<String>,
    pub messages: Vec<MessageView>,
}

/// A ticket in a list, without what it says (the requester's own list, the staff queue).
#[derive(Debug, Clone, Serialize)]
pub struct TicketSummary {
    pub id: String,
    pub reference: String,
    pub status: String,
    pub topic: String,
    pub channel: String,
    pub assigned: bool,
    pub created_at: String,
    pub updated_at: String,
    pub due_at: Option<String>,
    pub overdue: bool,
    pub closed_at: Option<String>,
    /// When the retention rule erases a closed ticket.
    pub erase_after: Option<String>,
}

pub struct Support<'a> {
    pub(super) cb: &'a Clearboard,
}

impl Clearboard {
    pub fn support(&self) -> Support<'_> {
        Support { cb: self }
    }
}

pub(super) fn aad<'a>(table: &'a str, column: &'a str, row: &'a str) -> clearboard_vault::Aad<'a> {
    clearboard_vault::Aad { table, column, row }
}

use crate::platform::tokens::CROCKFORD;
pub(super) use crate::platform::tokens::{new_link_token as new_token, token_hash as hash};

/// `CB-` and eight characters of Crockford's base 32 (40 random bits).
pub(super) fn new_reference() -> Result<String, CoreError> {
    let bytes = clearboard_vault::random::bytes::<5>()?;
    let mut n = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut out = [0u8; 8];
    for c in out.iter_mut().rev() {
        *c = CROCKFORD[(n & 31) as usize];
        n >>= 5;
    }
    Ok(format!("CB-{}", String::from_utf8_lossy(&out)))
}

/// The thread id of a ticket's messages (`<CB-…@ticket.clearboard>`).
pub fn thread_id(reference: &str) -> String {
    format!("<{reference}@ticket.clearboard>")
}

/// Trims and bounds a text people wrote.
pub(crate) fn text(field: &'static str, raw: &str, max: usize) -> Result<String, CoreError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(CoreError::validation(field, "this field is required"));
    }
    if t.chars().count() > max {
        return Err(CoreError::validation(field, format!("at most {max} characters")));
    }
    Ok(t.to_string())
}

impl Support<'_> {
    /// The purpose guard: the policy must allow `assistance` on `assistance`.
    pub(super) fn guard(&self) -> Result<(), CoreError> {
        Ok(self.cb.policy().check(PURPOSE, CATEGORY)?)
    }

    pub(super) async fn find(&self, id: &str) -> Result<(RegionHandle, TicketRow), CoreError> {
        for region in self.cb.regions() {
            if let Some(t) = region.support.ticket(id).await? {
                return Ok((region.clone(), t));
            }
        }
        Err(CoreError::NotFound)
    }

    pub(super) async fn find_by_token(&self, token: &str) -> Result<(RegionHandle, TicketRow), CoreError> {
        let h = hash(token.trim());
        for region in self.cb.regions() {
            if let Some(t) = region.support.ticket_by_token_hash(&h).await? {
                return Ok((region.clone(), t));
            }
        }
        Err(CoreError::LinkInvalid)
    }

    pub(super) async fn contact(&self, region: &RegionHandle, t: &TicketRow) -> Result<Contact, CoreError> {
        let key = self.cb.keys().current(region, &t.requester_id).await?;
        let plain = key.open(aad("support_tickets", "contact", &t.id), &t.contact)?;
        serde_json::from_slice(&plain).map_err(|_| CoreError::Internal("ticket contact"))
    }

    /// The ticket and its thread in clear.
    pub(super) async fn view(&self, region: &RegionHandle, t: &TicketRow) -> Result<TicketView, CoreError> {
        let key = self.cb.keys().current(region, &t.requester_id).await?;
        let c: Contact = serde_json::from_slice(&key.open(aad("support_tickets", "contact", &t.id), &t.contact)?)
            .map_err(|_| CoreError::Internal("ticket contact"))?;
        let title = key.open_string(aad("support_tickets", "title", &t.id), &t.title)?;
        let mut messages = Vec::new();
        for m in region.support.messages(&t.id).await? {
            messages.push(self.message_view(&key, &m)?);
        }
        Ok(TicketView {
            id: t.id.clone(),
            reference: t.reference.clone(),
            status: t.status.clone(),
            topic: t.topic.clone(),
            channel: t.channel.clone(),
            title,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            lang: c.lang,
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
            due_at: t.due_at.map(rfc3339),
            closed_at: t.closed_at.map(rfc3339),
            rights_request_id: t.rights_request_id.clone(),
            messages,
        })
    }

    fn message_view(&self, key: &clearboard_vault::Dek, m: &SupportMessageRow) -> Result<MessageView, CoreError> {
        Ok(MessageView {
            id: m.id.clone(),
            author: m.author.clone(),
            channel: m.channel.clone(),
            at: rfc3339(m.at),
            text: key.open_string(aad("support_messages", "body", &m.id), &m.body)?,
            attachment_type: m.attachment_type.clone(),
        })
    }

    pub(super) fn summary(&self, t: &TicketRow) -> TicketSummary {
        let now = self.cb.now();
        let period =
            self.cb.policy().doc().retention.iter().find(|r| r.category == CATEGORY && r.trigger == "request_closed").map(|r| r.period());
        TicketSummary {
            id: t.id.clone(),
            reference: t.reference.clone(),
            status: t.status.clone(),
            topic: t.topic.clone(),
            channel: t.channel.clone(),
            assigned: t.assignee_id.is_some(),
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
            due_at: t.due_at.map(rfc3339),
            overdue: t.status == "open" && t.due_at.is_some_and(|d| d < now),
            closed_at: t.closed_at.map(rfc3339),
            erase_after: match (t.closed_at, period) {
                (Some(at), Some(p)) => Some(rfc3339(p.after(at))),
                _ => None,
            },
        }
    }

    /// Sends a message about ticket `t` through the transfer guard; a failure is logged (no
    /// address, no text) and reported as `false`.
    pub(super) async fn send(&self, region: &RegionHandle, t: &TicketRow, to: &str, subject: String, text: String) -> bool {
        // The ticket's thread id: replies quote it in `References`, so they thread even when a
        // client rewrites the subject (a reference, nothing about the person).
        let headers = vec![("References".to_string(), thread_id(&t.reference))];
        let mail = Mail { to: to.to_string(), subject, text, html: None, headers };
        match self.cb.transfers().send_mail(Some((region, &t.requester_id)), mail).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "a support email could not be sent");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_short_and_unambiguous() {
        let r = new_reference().unwrap();
        assert_eq!(r.len(), 11, "{r}");
        assert!(
            r.starts_with("CB-") && r[3..].chars().all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c))),
            "{r}"
        );
        assert_ne!(new_reference().unwrap(), new_reference().unwrap());
    }

    #[test]
    fn texts_are_required_and_bounded() {
        assert_eq!(text("subject", "  hello ", 10).unwrap(), "hello");
        assert_eq!(text("subject", "   ", 10).unwrap_err().field(), Some("subject"));
        assert!(text("message", &"x".repeat(11), 10).is_err());
    }
}
