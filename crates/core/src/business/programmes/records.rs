//! The records of the `events` and `trainings` categories: an account holder's registrations
//! (made from the account's address) in their export (C-DSR-3) and erased with their account
//! (C-DSR-4); someone without an account, verified from an address, has the registrations
//! made from it erased; and the retention rules (Indico's way, automatic, not pretix's
//! manual shredder): `events:event_ended` and `trainings:training_ended` erase a session's
//! registrations with their keys the policy's period after it ended, `events:visit_ended`
//! erases a visit a short period after the visitor left.

use serde_json::{Value, json};

use crate::business::programmes::Programmes;
use crate::platform::audit::Actor;
use crate::platform::clock::Millis;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::Programme;

impl Programmes<'_> {
    /// Every registration made from an account's address, in clear, with its session.
    pub async fn export_of(&self, p: Programme, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
        let Some(account) = crate::platform::memo::account(region, subject).await? else { return Ok(json!({ "registrations": [] })) };
        let mut out = Vec::new();
        for r in self.cb.regions() {
            for row in r.programmes.registrations_by_bidx(p, &account.email_bidx).await? {
                let v = match self.registration_view(p, r, &row).await {
                    Ok(v) => v,
                    // A registration whose key is gone holds nothing readable any more.
                    Err(CoreError::Erased) => continue,
                    Err(e) => return Err(e),
                };
                let session = self.session(p, &row.session_id).await.ok();
                out.push(json!({ "registration": v, "session": session }));
            }
        }
        Ok(json!({ "registrations": out }))
    }

    /// Erases every registration made from an account's address; returns how many went.
    pub async fn erase_of(&self, p: Programme, region: &RegionHandle, subject: &SubjectId) -> Result<u64, CoreError> {
        let Some(account) = region.store.account(subject).await? else { return Ok(0) };
        self.erase_from(p, &account.email_bidx).await
    }

    /// Erases every registration (events and trainings) made from an address, for someone
    /// whose erasure request was verified from it. Returns how many went.
    pub async fn erase_by_address(&self, email_bidx: &[u8]) -> Result<u64, CoreError> {
        Ok(self.erase_from(Programme::Event, email_bidx).await? + self.erase_from(Programme::Training, email_bidx).await?)
    }

    async fn erase_from(&self, p: Programme, email_bidx: &[u8]) -> Result<u64, CoreError> {
        let mut erased = 0;
        for r in self.cb.regions() {
            let ids: Vec<String> = r.programmes.registrations_by_bidx(p, email_bidx).await?.into_iter().map(|x| x.id).collect();
            if !ids.is_empty() {
                erased += self.erase_registrations(p, r, &ids, "programmes.registration_erased").await?;
            }
        }
        Ok(erased)
    }

    /// The registrations past the rule in one region (sessions ended before `before`).
    pub async fn ended_before(&self, p: Programme, region: &RegionHandle, before: Millis) -> Result<u64, CoreError> {
        Ok(region.programmes.registrations_ended_before(p, before).await?.len() as u64)
    }

    /// Erases the registrations of sessions that ended before `before` (the retention rule).
    pub async fn purge_ended(&self, p: Programme, region: &RegionHandle, before: Millis) -> Result<u64, CoreError> {
        let ids = region.programmes.registrations_ended_before(p, before).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        self.erase_registrations(p, region, &ids, "programmes.registration_expired").await
    }

    /// Erases the visits that ended before `before`, each visitor's key first.
    pub async fn purge_visits(&self, region: &RegionHandle, before: Millis) -> Result<u64, CoreError> {
        let ids = region.programmes.visits_ended_before(before).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let mut subjects = Vec::new();
        for id in &ids {
            if let Some(v) = region.programmes.visit(id).await? {
                subjects.push(v.subject_id);
            }
        }
        for s in &subjects {
            self.cb.keys().shred(region, s).await?;
        }
        let gone = region.programmes.delete_visits(&ids).await?;
        for s in &gone {
            let audit = self.cb.audit_draft(
                Actor::System,
                "programmes.visit_expired",
                Some(s),
                Some(crate::business::programmes::PURPOSE),
                json!({ "key_destroyed": true }),
            );
            region.store.audit_append(audit).await?;
        }
        Ok(gone.len() as u64)
    }
}
