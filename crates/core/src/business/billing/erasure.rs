//! Erasure of a billing contact through the rights engine (C-DSR-4, C-RET-3; issue 15,
//! acceptance 4): the contracts whose contact has the erased person's email (blind index) are
//! closed — the contact's key destroyed first, then the row — and what the law still keeps is
//! said: each issued invoice's buyer fields (name, company, VAT number, postal address), sealed
//! with the invoice's own hold key, until the accounting hold ends (the policy's legal hold of
//! the contract rule), when the retention scheduler deletes them with that key.

use serde::Serialize;
use serde_json::{Value, json};

use crate::business::billing::service::{Billing, CATEGORY};
use crate::platform::audit::Actor;
use crate::platform::clock::date_of;
use crate::platform::error::CoreError;

/// What erasing a billing contact did, for the receipt.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContactErasure {
    /// Contracts closed (their contact's key destroyed, their row deleted).
    pub contracts: u64,
    /// What the accounting hold keeps: one entry per issued invoice (what, why, until when).
    pub held: Vec<Value>,
}

impl Billing<'_> {
    /// Erases the billing contact of every contract whose contact has the email of `bidx`.
    pub async fn erase_contact_by_address(&self, bidx: &[u8], actor: Actor<'_>) -> Result<ContactErasure, CoreError> {
        let mut out = ContactErasure::default();
        let hold = self.cb.policy().doc().retention.iter().find(|r| r.category == CATEGORY).and_then(|r| r.legal_hold.clone());
        let reason = hold.map_or_else(|| "accounting records (ten years)".to_string(), |h| h.reason.en.clone());
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            for c in region.billing.contracts_of_contact_email(bidx).await? {
                for inv in region.billing.invoices_of_org(&c.org_id).await? {
                    if inv.contract_id != c.id || inv.status != "issued" {
                        continue;
                    }
                    out.held.push(json!({
                        "category": CATEGORY,
                        "what": format!(
                            "{} {}: the buyer's name, company, VAT number and postal address",
                            if inv.kind == "credit_note" { "credit note" } else { "invoice" },
                            inv.number.clone().unwrap_or_default()
                        ),
                        "reason": reason,
                        "until": date_of(inv.hold_until).to_string(),
                    }));
                }
                self.close(&region, &c, actor.clone()).await?;
                out.contracts += 1;
            }
        }
        Ok(out)
    }
}

/// The answer to an erasure request from an address with no account: what went, and what
/// the law keeps (what, why, until when).
pub fn answer(erased: &[(&str, u64)], billing: &ContactErasure) -> String {
    if erased.iter().all(|(_, n)| *n == 0) && billing.contracts == 0 {
        return "We searched our records and hold no account or data under this address.\n".to_string();
    }
    let mut text = String::from("We hold no account under this address. What we held is erased, with the keys that sealed it:\n");
    for (what, n) in erased.iter().filter(|(_, n)| *n > 0) {
        text.push_str(&format!("- {what}: {n}\n"));
    }
    if billing.contracts > 0 {
        text.push_str(&format!("- contracts you were the billing contact of: {}\n", billing.contracts));
    }
    if !billing.held.is_empty() {
        text.push_str("\nWhat the law requires us to keep, and until when:\n");
        for h in &billing.held {
            text.push_str(&format!(
                "- {} ({}), until {}\n",
                h["what"].as_str().unwrap_or_default(),
                h["reason"].as_str().unwrap_or_default(),
                h["until"].as_str().unwrap_or_default()
            ));
        }
    }
    text
}
