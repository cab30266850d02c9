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
        let (reason, reason_fr) = hold.map_or_else(
            || ("accounting records (ten years)".to_string(), "pièces comptables (dix ans)".to_string()),
            |h| (h.reason.en.clone(), h.reason.get("fr").to_string()),
        );
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
                        // The same, for an answer in French (issue 14).
                        "fr": {
                            "what": format!(
                                "{} {} : nom, société, numéro de TVA et adresse postale de l'acheteur",
                                if inv.kind == "credit_note" { "avoir" } else { "facture" },
                                inv.number.clone().unwrap_or_default()
                            ),
                            "reason": reason_fr,
                        },
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

/// The answer to an erasure request from an address with no account, in `lang`: what went,
/// and what the law keeps (what, why, until when).
pub fn answer(erased: &[(String, u64)], billing: &ContactErasure, lang: &str) -> String {
    use crate::platform::mail_texts::piece;
    if erased.iter().all(|(_, n)| *n == 0) && billing.contracts == 0 {
        return piece("request.answer.nothing", lang, &[]);
    }
    let mut text = piece("request.answer.erased_without_account", lang, &[]);
    for (what, n) in erased.iter().filter(|(_, n)| *n > 0) {
        text.push_str(&format!("- {what}: {n}\n"));
    }
    if billing.contracts > 0 {
        text.push_str(&format!("- {}: {}\n", piece("request.answer.contracts", lang, &[]), billing.contracts));
    }
    if !billing.held.is_empty() {
        text.push_str(&piece("request.answer.kept", lang, &[]));
        for h in &billing.held {
            let words = if lang == "fr" { &h["fr"] } else { h };
            let (what, reason) = (words["what"].as_str().unwrap_or_default(), words["reason"].as_str().unwrap_or_default());
            let until = h["until"].as_str().unwrap_or_default();
            text.push_str(&piece("request.answer.kept_line", lang, &[("what", what), ("reason", reason), ("until", until)]));
        }
    }
    text
}
