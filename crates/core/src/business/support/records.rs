//! The records of the `assistance` category: the export of a person's tickets (C-DSR-3), their
//! erasure (keys destroyed first, then rows and blobs), and the retention rule
//! `assistance:request_closed` (C-DATA-4): closed tickets are erased with their requester's
//! key once the policy's period has passed; open and waiting ones are kept, and so are those
//! under a legal hold on the category until the hold ends (C-RET-3's holds, counted as held).

use serde_json::{Value, json};

use crate::business::support::service::{CATEGORY, PURPOSE, Support};
use crate::platform::audit::Actor;
use crate::platform::clock::Millis;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::PurgeCount;

impl Support<'_> {
    /// Every ticket of an account holder (written signed in or from the account's address),
    /// in clear, with its thread.
    pub async fn export_of(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
        let Some(account) = crate::platform::memo::account(region, subject).await? else { return Ok(json!({ "tickets": [] })) };
        let mut tickets = Vec::new();
        for r in self.cb.regions() {
            for t in r.support.tickets_of(Some(subject), &account.email_bidx).await? {
                match self.view(r, &t).await {
                    Ok(v) => tickets.push(serde_json::to_value(v).map_err(|_| CoreError::Internal("ticket export"))?),
                    // A ticket whose key is gone holds nothing readable any more.
                    Err(CoreError::Erased) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(json!({ "tickets": tickets }))
    }

    /// Erases every ticket of an account holder: each requester's key first, then the rows
    /// and the attachments. Returns how many tickets went.
    pub async fn erase_of(&self, region: &RegionHandle, subject: &SubjectId) -> Result<u64, CoreError> {
        let Some(account) = region.store.account(subject).await? else { return Ok(0) };
        let mut erased = 0;
        for r in self.cb.regions() {
            let ids: Vec<String> = r.support.tickets_of(Some(subject), &account.email_bidx).await?.into_iter().map(|t| t.id).collect();
            erased += self.erase_tickets(r, &ids, "rights").await?;
        }
        Ok(erased)
    }

    /// Erases every ticket sent from an address (its blind index), for someone without an
    /// account whose erasure request was verified from that address. Returns how many went.
    pub async fn erase_by_address(&self, email_bidx: &[u8]) -> Result<u64, CoreError> {
        let mut erased = 0;
        for r in self.cb.regions() {
            let ids: Vec<String> = r.support.tickets_of(None, email_bidx).await?.into_iter().map(|t| t.id).collect();
            erased += self.erase_tickets(r, &ids, "rights").await?;
        }
        Ok(erased)
    }

    /// Erases closed tickets closed before `before` in one region (the retention rule), but
    /// those of a requester (or of the account holder who wrote them) under an active legal
    /// hold on the `assistance` category: those are counted as held and kept until it ends.
    pub async fn purge_closed(&self, region: &RegionHandle, before: Millis) -> Result<PurgeCount, CoreError> {
        let now = self.cb.now();
        let held: std::collections::BTreeSet<SubjectId> =
            region.store.legal_holds(Some(now)).await?.into_iter().filter(|h| h.category == CATEGORY).map(|h| h.subject_id).collect();
        let due = region.support.closed_before(before).await?;
        let mut ids = Vec::new();
        let mut kept = 0;
        for id in &due {
            let Some(t) = region.support.ticket(id).await? else { continue };
            if held.contains(&t.requester_id) || t.account_id.as_ref().is_some_and(|a| held.contains(a)) {
                kept += 1;
            } else {
                ids.push(id.clone());
            }
        }
        let purged = self.erase_tickets(region, &ids, PURPOSE).await?;
        Ok(PurgeCount { due: due.len() as u64, purged, held: kept })
    }

    async fn erase_tickets(&self, region: &RegionHandle, ids: &[String], purpose: &str) -> Result<u64, CoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut requesters = Vec::new();
        for id in ids {
            if let Some(t) = region.support.ticket(id).await? {
                requesters.push(t.requester_id);
            }
        }
        for s in &requesters {
            self.cb.keys().shred(region, s).await?;
        }
        let gone = region.support.delete_tickets(ids).await?;
        for b in &gone.blobs {
            region.blobs.delete(b).await?;
        }
        for s in &gone.requesters {
            let audit =
                self.cb.audit_draft(Actor::System, "support.ticket_erased", Some(s), Some(purpose), json!({ "key_destroyed": true }));
            region.store.audit_append(audit).await?;
        }
        Ok(gone.tickets)
    }
}
