//! How a person's rights records read where they are shown to them (the privacy centre and
//! their export): their requests with the date each is due, their consents, and the
//! disclosures of their data. One wording for both, so an export says exactly what the centre shows.

use serde_json::{Value, json};

use crate::platform::clock::rfc3339;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::memo;

/// The person's rights requests: id, kind, state, when received, when due (extended or not).
pub(crate) async fn requests_of(region: &RegionHandle, subject: &SubjectId) -> Result<Vec<Value>, CoreError> {
    memo::records(region, subject, "requests", || async {
        Ok(region
            .rights
            .requests_about(subject)
            .await?
            .into_iter()
            .map(|r| json!({ "id": r.id, "kind": r.kind, "state": r.state, "received_at": rfc3339(r.received_at), "answer_by": r.extended_to.unwrap_or(r.answer_by) }))
            .collect())
    })
    .await
}

/// The person's consents to consent-based purposes: what, granted or not, how, when, under
/// which version of the policy.
pub(crate) async fn consents_of(region: &RegionHandle, subject: &SubjectId) -> Result<Vec<Value>, CoreError> {
    memo::records(region, subject, "consents", || async {
        Ok(region
            .consents
            .consents_of_subject(subject)
            .await?
            .into_iter()
            .map(|r| json!({ "purpose": r.purpose, "granted": r.granted, "method": r.method, "at": rfc3339(r.at), "policy_version": r.policy_version }))
            .collect())
    })
    .await
}

/// Every disclosure of the person's data: to whom, on which legal basis, what, when.
pub(crate) async fn disclosures_of(region: &RegionHandle, subject: &SubjectId) -> Result<Vec<Value>, CoreError> {
    Ok(region
        .rights
        .disclosures_of(subject)
        .await?
        .into_iter()
        .map(|d| json!({ "recipient": d.recipient, "legal_basis": d.legal_basis, "scope": d.scope, "at": rfc3339(d.at) }))
        .collect())
}
