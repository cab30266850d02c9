//! Contracts for staff (`/staff/contracts`): a role that allows the reason `contract`
//! (`contract_manager`, `admin`) with current confidentiality training (the staff gate: a
//! refusal for missing training is written to the staff member's audit trail) lists the
//! contracts without anyone's personal data, and opens one contract's billing contact only
//! for that reason, each opening written to the contact's audit trail (C-SHARE-1).

use serde::Serialize;
use serde_json::json;

use crate::business::billing::input::Contact;
use crate::business::billing::service::{Billing, CATEGORY, PURPOSE, period_at, status_at};
use crate::identity::principal::Principal;
use crate::identity::staff::Reason;
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::error::CoreError;
use crate::platform::ports::ContractRow;

/// A contract in the staff list: nothing about a person.
#[derive(Debug, Clone, Serialize)]
pub struct StaffContract {
    pub id: String,
    pub region: String,
    pub org_id: String,
    pub plan: String,
    pub seats: i64,
    pub status: &'static str,
    pub payment_method: String,
    pub period_end: String,
    pub ends_at: Option<String>,
}

/// A contract opened by staff, with its billing contact.
#[derive(Debug, Clone, Serialize)]
pub struct StaffContractView {
    #[serde(flatten)]
    pub contract: StaffContract,
    pub billing_contact: Contact,
    pub payment: serde_json::Value,
}

pub(crate) fn row(region: &str, c: &ContractRow, now: Millis) -> StaffContract {
    let (_, end) = period_at(c, now);
    StaffContract {
        id: c.id.clone(),
        region: region.to_string(),
        org_id: c.org_id.to_string(),
        plan: c.plan.clone(),
        seats: c.seats,
        status: status_at(c, now),
        payment_method: c.payment_method.clone(),
        period_end: rfc3339(end),
        ends_at: c.ended_at.map(rfc3339),
    }
}

impl Billing<'_> {
    /// The staff gate for contracts: on duty (training current) and a role that allows the
    /// reason `contract`, which the policy allows on contracts.
    pub(crate) async fn staff_gate(&self, who: &Principal) -> Result<(), CoreError> {
        let role = self.cb.staff().on_duty(who).await?;
        if !role.allows(Reason::Contract) {
            return Err(CoreError::Forbidden);
        }
        Ok(self.cb.policy().check(Reason::Contract.purpose(), CATEGORY)?)
    }

    /// Every contract, in every region, without personal data.
    pub async fn staff_contracts(&self, who: &Principal) -> Result<Vec<StaffContract>, CoreError> {
        self.staff_gate(who).await?;
        let now = self.cb.now();
        let mut out = Vec::new();
        for region in self.cb.regions() {
            for c in region.billing.contracts().await? {
                out.push(row(region.id.as_str(), &c, now));
            }
        }
        Ok(out)
    }

    /// One contract with its billing contact, for the reason `contract`; the opening is
    /// written to the contact's audit trail.
    pub async fn staff_contract(&self, who: &Principal, id: &str) -> Result<StaffContractView, CoreError> {
        self.staff_gate(who).await?;
        let now = self.cb.now();
        for region in self.cb.regions() {
            let Some(c) = region.billing.contract(id).await? else { continue };
            let (contact, payment) = self.open(region, &c).await?;
            let audit = self.cb.audit_draft(
                Actor::Staff(&who.subject),
                "staff.contract_viewed",
                Some(&c.contact_id),
                Some(PURPOSE),
                json!({ "reason": Reason::Contract.as_str(), "contract": c.id, "category": CATEGORY }),
            );
            region.store.audit_append(audit).await?;
            return Ok(StaffContractView {
                contract: row(region.id.as_str(), &c, now),
                billing_contact: contact,
                payment: payment.shown(),
            });
        }
        Err(CoreError::NotFound)
    }
}
