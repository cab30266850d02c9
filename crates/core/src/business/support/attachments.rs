//! A ticket's attachments (screenshots, sniffed and rebuilt at intake, sealed with the
//! requester's key): opened by the requester through the private link or signed in, by staff
//! through the gate with a reason (written to the requester's audit trail like opening the
//! ticket), and written into the requester's export (C-DSR-3).

use crate::business::support::service::{Support, aad};
use crate::identity::principal::Principal;
use crate::identity::staff::Reason;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::media::file_ext;
use crate::platform::ports::TicketRow;

/// One attachment in clear.
pub struct Attachment {
    /// The message it came with.
    pub message_id: String,
    /// Its type, decided by its content at intake.
    pub mime: String,
    pub bytes: clearboard_vault::SecretBytes,
}

impl Attachment {
    /// Its name in an export (`media/support-<message>.<ext>`).
    pub fn file_name(&self) -> String {
        format!("media/support-{}.{}", self.message_id, file_ext(&self.mime))
    }
}

impl Support<'_> {
    /// The attachment of message `message_id` of ticket `t`; `NotFound` when the message has none.
    async fn attachment_in(&self, region: &RegionHandle, t: &TicketRow, message_id: &str) -> Result<Attachment, CoreError> {
        let m = region.support.messages(&t.id).await?.into_iter().find(|m| m.id == message_id).ok_or(CoreError::NotFound)?;
        let (Some(blob), Some(mime)) = (m.attachment_blob, m.attachment_type) else { return Err(CoreError::NotFound) };
        let key = self.cb.keys().current(region, &t.requester_id).await?;
        let sealed = region.blobs.get(&blob).await?.ok_or(CoreError::NotFound)?;
        let bytes = clearboard_vault::stream::open(&key, aad("support_messages", "attachment", blob.as_str()), &sealed)?;
        Ok(Attachment { message_id: m.id, mime, bytes })
    }

    /// What the private link's holder attached (or anyone on the thread attached).
    pub async fn attachment_by_token(&self, token: &str, message_id: &str) -> Result<Attachment, CoreError> {
        self.guard()?;
        let (region, t) = self.find_by_token(token).await?;
        self.attachment_in(&region, &t, message_id).await
    }

    /// An attachment of one of the signed-in person's tickets; `NotFound` for anyone else's.
    pub async fn my_attachment(&self, who: &Principal, ticket_id: &str, message_id: &str) -> Result<Attachment, CoreError> {
        self.guard()?;
        let (region, t) = self.of_account(who).await?.into_iter().find(|(_, t)| t.id == ticket_id).ok_or(CoreError::NotFound)?;
        self.attachment_in(&region, &t, message_id).await
    }

    /// Staff open an attachment: the gate, a reason, the requester's audit trail.
    pub async fn staff_attachment(
        &self,
        who: &Principal,
        ticket_id: &str,
        message_id: &str,
        reason: &str,
    ) -> Result<Attachment, CoreError> {
        self.guard()?;
        let reason =
            Reason::parse(reason).ok_or_else(|| CoreError::validation("reason", "give the reason: support_request or rights_request"))?;
        let (region, t) = self.gated(who, reason, ticket_id, "staff.attachment_opened").await?;
        tracing::info!(event = "staff.access", staff = %who.subject, subject = %t.requester_id, reason = reason.as_str());
        self.attachment_in(&region, &t, message_id).await
    }

    /// Every attachment of an account holder's tickets, in clear, for their export.
    pub async fn attachments_of(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Vec<Attachment>, CoreError> {
        let Some(account) = crate::platform::memo::account(region, subject).await? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for r in self.cb.regions() {
            for t in r.support.tickets_of(Some(subject), &account.email_bidx).await? {
                for m in r.support.messages(&t.id).await?.into_iter().filter(|m| m.attachment_blob.is_some()) {
                    match self.attachment_in(r, &t, &m.id).await {
                        Ok(a) => out.push(a),
                        // A ticket whose key is gone holds nothing readable any more.
                        Err(CoreError::Erased) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(out)
    }
}
