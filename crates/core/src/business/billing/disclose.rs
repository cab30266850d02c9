//! A disclosure of a contract's data to a recipient of the policy (C-SHARE-7): one row in the
//! disclosure log for the contract's billing contact and one for its owner (when another
//! subject), each with its audit entry, so the person's access log, privacy centre and export
//! show it and their erasure tells the recipient's notice address. Written before the data
//! leaves.

use serde_json::Value;

use crate::business::billing::service::Billing;
use crate::platform::audit::Actor;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::{ContractRow, DisclosureRow};

/// What is disclosed, to whom, why.
pub(crate) struct Disclosure<'d> {
    pub recipient: &'static str,
    pub legal_basis: String,
    pub scope: String,
    /// The recipient's business address for erasure notices.
    pub contact: Option<String>,
    pub actor: Actor<'d>,
    pub purpose: &'d str,
    /// The audit entry's detail (ids only).
    pub detail: Value,
}

impl Billing<'_> {
    /// Logs `d` for the contract's people; returns how many rows were written.
    pub(crate) async fn disclose(&self, region: &RegionHandle, c: &ContractRow, d: Disclosure<'_>) -> Result<u64, CoreError> {
        let now = self.cb.now();
        let mut people = vec![c.contact_id.clone()];
        if c.owner_id != c.contact_id {
            people.push(c.owner_id.clone());
        }
        for person in &people {
            let row = DisclosureRow {
                id: crate::platform::ids::new_uuid(now)?.to_string(),
                subject_id: person.clone(),
                recipient: d.recipient.into(),
                legal_basis: d.legal_basis.clone(),
                scope: d.scope.clone(),
                contact: d.contact.clone(),
                at: now,
                notified_at: None,
            };
            let audit = self.cb.audit_draft(d.actor.clone(), "data.disclosed", Some(person), Some(d.purpose), d.detail.clone());
            region.rights.insert_disclosure(&row, audit).await?;
        }
        Ok(people.len() as u64)
    }
}
