//! Proof documents (C-ID-1, C-CCPA-4): identity is checked by the least intrusive means that
//! suffices, a link to the address on file; a document is asked only when that is not enough
//! (an agent's signed permission, a parent's proof of parental responsibility, a person who no
//! longer controls the address on their account). Such a document is stored sealed with the
//! requester's key, read only by trained staff whose role allows rights requests, through the
//! staff gate (each opening, or refusal, written to the audit trail of the person the request
//! is about), checked before the request can be completed, and deleted when it closes
//! (`queue::close`, `upkeep`).
//!
//! Must not: show a document to anyone outside the gate, or let a request that rests on a
//! document be completed before a staff member has opened it.

use serde_json::json;

use crate::identity::principal::Principal;
use crate::identity::staff::Reason;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::RequestRow;
use crate::privacy::rights::requests::service::{Requests, document_aad};

/// The request event that records a staff member opened the document.
const OPENED: &str = "document_opened";

impl Requests<'_> {
    /// A staff member opens a request's proof document for `reason`, through the staff gate:
    /// a role that allows the reason, current confidentiality training, and a purpose of the
    /// policy that covers request records. Every opening and every refusal of a staff member
    /// is written to the audit trail of the person the request is about (the matched account,
    /// else the requester). A closed request's document is gone (`NotFound`).
    pub async fn open_document(&self, who: &Principal, id: &str, reason: Reason) -> Result<clearboard_vault::SecretBytes, CoreError> {
        let gate = self.cb.staff().gate(who, reason, "rights_requests").await;
        // Only staff learn whether the request exists.
        if matches!(gate, Err(CoreError::Forbidden)) {
            return Err(CoreError::Forbidden);
        }
        let (region, r) = self.get(id).await?;
        let person = r.subject_id.clone().unwrap_or_else(|| r.requester_id.clone());
        let detail = json!({ "request": r.id, "category": "rights_requests", "field": "proof_document" });
        let audit = self.cb.staff().access_audit(who, &person, reason, &gate, "staff.document_opened", detail);
        region.store.audit_append(audit).await?;
        gate?;
        let blob = r.document_blob.clone().ok_or(CoreError::NotFound)?;
        let sealed = region.blobs.get(&blob).await?.ok_or(CoreError::NotFound)?;
        let key = self.cb.keys().current(&region, &r.requester_id).await?;
        let plain = clearboard_vault::stream::open(&key, document_aad(&blob), &sealed)?;
        let ev = Self::event(&r.id, self.cb.now(), OPENED, "staff", json!({ "reason": reason.as_str() }));
        region.rights.update_request(&r, &ev, None).await?;
        tracing::info!(event = "staff.document_opened", staff = %who.subject, request = %r.id, reason = reason.as_str());
        Ok(plain)
    }

    /// A request that rests on a document may be completed only once a staff member opened
    /// it through the gate (C-ID-1): the document is what the identity check rests on.
    pub(super) async fn check_document_reviewed(&self, region: &RegionHandle, r: &RequestRow) -> Result<(), CoreError> {
        if r.document_blob.is_none() {
            return Ok(());
        }
        if region.rights.request_events(&r.id).await?.iter().any(|e| e.event == OPENED) {
            Ok(())
        } else {
            Err(CoreError::Conflict("this request rests on a proof document: open it through the staff gate and check it first"))
        }
    }
}
