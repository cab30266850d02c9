//! What the `newsletter` category holds about one subject, for its exporter (C-DSR-3) and its
//! eraser (C-DSR-4): a contact's subscription (address, phone, language, lists, the proof),
//! and for anyone the campaigns sent to them and the links they opened.

use serde_json::{Value, json};

use crate::business::outreach::contacts::Outreach;
use crate::platform::clock::rfc3339;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;

impl Outreach<'_> {
    /// The subject's newsletter data, in clear.
    pub async fn export(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
        let contact = self.contact_view(region, subject).await?;
        let sends: Vec<Value> = region
            .outreach
            .sends_of(subject)
            .await?
            .into_iter()
            .map(|s| json!({ "campaign": s.campaign_id, "state": s.state, "at": rfc3339(s.at) }))
            .collect();
        let clicks: Vec<Value> = region
            .outreach
            .clicks_of(subject)
            .await?
            .into_iter()
            .map(|c| json!({ "campaign": c.campaign_id, "at": rfc3339(c.at) }))
            .collect();
        Ok(json!({ "subscription": contact, "sends": sends, "clicks": clicks }))
    }

    /// Erases the subject's newsletter data: a contact entirely (key first), an account
    /// holder's sends and clicks.
    pub async fn erase(&self, region: &RegionHandle, subject: &SubjectId) -> Result<u64, CoreError> {
        if region.outreach.contact_of_subject(subject).await?.is_some() {
            return self.erase_contact(region, subject, "erasure_request").await;
        }
        Ok(region.outreach.delete_activity_of(subject).await?)
    }
}
