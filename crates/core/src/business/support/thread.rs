//! The requester's side of a ticket: through the private link (its token arrives in a POST
//! body, never in a path), or signed in (the account's tickets: written while signed in, or
//! from the account's address). A reply reopens the ticket and sets when staff should answer.

use serde_json::json;

use crate::business::support::intake::clean_attachment;
use crate::business::support::service::{ANSWER_WITHIN, MESSAGE_MAX, PURPOSE, Support, TicketSummary, TicketView, text};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::TicketRow;

impl Support<'_> {
    /// The ticket a private link opens.
    pub async fn by_token(&self, token: &str) -> Result<TicketView, CoreError> {
        self.guard()?;
        let (region, t) = self.find_by_token(token).await?;
        self.view(&region, &t).await
    }

    /// The requester answers through the private link.
    pub async fn reply_by_token(&self, token: &str, message: &str, attachment: Option<Vec<u8>>) -> Result<TicketView, CoreError> {
        self.guard()?;
        let (region, t) = self.find_by_token(token).await?;
        self.add_requester_message(&region, t, message, "web_form", attachment).await
    }

    /// Adds a requester's message to ticket `t` (reopening it) and returns the ticket.
    pub(super) async fn add_requester_message(
        &self,
        region: &RegionHandle,
        mut t: TicketRow,
        message: &str,
        channel: &str,
        attachment: Option<Vec<u8>>,
    ) -> Result<TicketView, CoreError> {
        let message = text("message", message, MESSAGE_MAX)?;
        let attachment = match attachment.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => Some(clean_attachment(a)?),
            None => None,
        };
        let key = self.cb.keys().current(region, &t.requester_id).await?;
        let m = self.requester_message(region, &t, &key, &message, channel, attachment).await?;
        let now = self.cb.now();
        t.status = "open".into();
        t.closed_at = None;
        t.updated_at = now;
        t.due_at = Some(now + ANSWER_WITHIN);
        let audit = self.cb.audit_draft(
            Actor::Subject(&t.requester_id),
            "support.requester_replied",
            Some(&t.requester_id),
            Some(PURPOSE),
            json!({ "ticket": t.id, "channel": channel }),
        );
        region.support.update_ticket(&t, Some(&m), Some(audit)).await?;
        self.view(region, &t).await
    }

    /// The signed-in person's tickets (written signed in, or from their account's address),
    /// newest first.
    pub async fn mine(&self, who: &Principal) -> Result<Vec<TicketSummary>, CoreError> {
        self.guard()?;
        Ok(self.of_account(who).await?.iter().map(|(_, t)| self.summary(t)).collect())
    }

    /// One of the signed-in person's tickets with its thread; `NotFound` for anyone else's.
    pub async fn my_ticket(&self, who: &Principal, id: &str) -> Result<TicketView, CoreError> {
        self.guard()?;
        let (region, t) = self.of_account(who).await?.into_iter().find(|(_, t)| t.id == id).ok_or(CoreError::NotFound)?;
        self.view(&region, &t).await
    }

    /// The signed-in person answers one of their tickets.
    pub async fn reply_as_account(&self, who: &Principal, id: &str, message: &str) -> Result<TicketView, CoreError> {
        self.guard()?;
        let (region, t) = self.of_account(who).await?.into_iter().find(|(_, t)| t.id == id).ok_or(CoreError::NotFound)?;
        self.add_requester_message(&region, t, message, "api", None).await
    }

    pub(super) async fn of_account(&self, who: &Principal) -> Result<Vec<(RegionHandle, TicketRow)>, CoreError> {
        let home = self.cb.region(&who.region)?;
        let Some(account) = home.store.account(&who.subject).await? else { return Err(CoreError::Unauthenticated) };
        let mut out = Vec::new();
        for region in self.cb.regions() {
            for t in region.support.tickets_of(Some(&who.subject), &account.email_bidx).await? {
                out.push((region.clone(), t));
            }
        }
        Ok(out)
    }
}
