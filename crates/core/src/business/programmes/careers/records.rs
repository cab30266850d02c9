//! The records of the `job_applications` category: the export of a person's applications
//! (C-DSR-3), their erasure (each applicant's key destroyed first, then the row and the CV),
//! and the retention rule `job_applications:last_contact` (C-DATA-7): applications outside
//! the talent pool are erased with their key two years after the last contact; those in it
//! are kept until the candidate withdraws the consent.

use base64::Engine;
use serde_json::{Value, json};

use crate::business::programmes::careers::service::{Careers, PURPOSE};
use crate::platform::audit::Actor;
use crate::platform::clock::Millis;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;

impl Careers<'_> {
    /// Every application sent from an account holder's address, in clear, with its CV.
    pub async fn export_of(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
        let Some(account) = crate::platform::memo::account(region, subject).await? else { return Ok(json!({ "applications": [] })) };
        let mut applications = Vec::new();
        for r in self.cb.regions() {
            for a in r.careers.applications_by_address(&account.email_bidx).await? {
                let view = match self.view(r, &a).await {
                    Ok(v) => v,
                    // An application whose key is gone holds nothing readable any more.
                    Err(CoreError::Erased) => continue,
                    Err(e) => return Err(e),
                };
                let cv = self.cv_bytes(r, &a).await?;
                let mut v = serde_json::to_value(view).map_err(|_| CoreError::Internal("application export"))?;
                v["cv_pdf_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(cv));
                applications.push(v);
            }
        }
        Ok(json!({ "applications": applications }))
    }

    /// Erases every application sent from an account holder's address. Returns how many went.
    pub async fn erase_of(&self, region: &RegionHandle, subject: &SubjectId) -> Result<u64, CoreError> {
        let Some(account) = region.store.account(subject).await? else { return Ok(0) };
        self.erase_by_address(&account.email_bidx).await
    }

    /// Erases every application sent from an address (its blind index), for someone whose
    /// erasure request was verified from that address. Returns how many went.
    pub async fn erase_by_address(&self, email_bidx: &[u8]) -> Result<u64, CoreError> {
        let mut erased = 0;
        for r in self.cb.regions() {
            let ids: Vec<String> = r.careers.applications_by_address(email_bidx).await?.into_iter().map(|a| a.id).collect();
            erased += self.erase_applications(r, &ids, "rights").await?;
        }
        Ok(erased)
    }

    /// The retention rule in one region: erases applications outside the talent pool whose
    /// last contact is before `before`.
    pub async fn purge_stale(&self, region: &RegionHandle, before: Millis) -> Result<u64, CoreError> {
        let ids = region.careers.stale_applications(before).await?;
        self.erase_applications(region, &ids, PURPOSE).await
    }

    pub(super) async fn erase_applications(&self, region: &RegionHandle, ids: &[String], purpose: &str) -> Result<u64, CoreError> {
        let mut erased = 0;
        for id in ids {
            let Some(a) = region.careers.application(id).await? else { continue };
            self.cb.keys().shred(region, &a.applicant_id).await?;
            if let Some((applicant, blob)) = region.careers.delete_application(id).await? {
                region.blobs.delete(&blob).await?;
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "careers.application_erased",
                    Some(&applicant),
                    Some(purpose),
                    json!({ "key_destroyed": true }),
                );
                region.store.audit_append(audit).await?;
                erased += 1;
            }
        }
        Ok(erased)
    }
}
