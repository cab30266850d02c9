//! The phone-marketing call list: the numbers of confirmed contacts who consent, now, to be
//! called (the ledger is read at export time). Only marketing staff (or admins) on duty
//! export it, through the staff gate; each person on the exported list gets an audit entry
//! naming the staff member and the purpose, which their access log shows.

use serde::Serialize;
use serde_json::json;

use crate::business::outreach::contacts::{Outreach, aad};
use crate::business::outreach::lists::{self, PURPOSE};
use crate::identity::principal::Principal;
use crate::identity::staff::Role;
use crate::platform::audit::Actor;
use crate::platform::error::CoreError;

/// One number to call.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CallEntry {
    pub phone: String,
    pub lang: String,
}

impl Outreach<'_> {
    /// The call list, for marketing staff on duty; every export is audited per person.
    pub async fn call_list(&self, who: &Principal) -> Result<Vec<CallEntry>, CoreError> {
        match self.cb.staff().on_duty(who).await? {
            Role::Marketing | Role::Admin => {}
            _ => return Err(CoreError::Forbidden),
        }
        lists::guard(self.cb)?;
        let mut out = Vec::new();
        for region in self.cb.regions() {
            for c in region.outreach.contacts_in("confirmed").await? {
                let Some(sealed) = c.phone.as_deref() else { continue };
                if !lists::split(&c.lists).iter().any(|l| l == lists::PHONE) || !self.consents(region, &c.subject_id, lists::PHONE).await? {
                    continue;
                }
                let key = self.cb.keys().current(region, &c.subject_id).await?;
                let phone = key.open_string(aad("phone", &c.id), sealed)?;
                let audit = self.cb.audit_draft(
                    Actor::Staff(&who.subject),
                    "outreach.call_list_exported",
                    Some(&c.subject_id),
                    Some(PURPOSE),
                    json!({ "staff": who.subject.as_str(), "fields": ["contact_phone", "contact_language"] }),
                );
                region.store.audit_append(audit).await?;
                out.push(CallEntry { phone, lang: c.lang.clone() });
            }
        }
        metrics::counter!("clearboard_outreach_call_list_exports_total").increment(1);
        Ok(out)
    }
}
