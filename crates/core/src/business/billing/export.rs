//! What contracts say about a person, in clear, for their export (C-DSR-3): the contracts
//! they subscribed or are the billing contact of, with the contact and payment method as the
//! subscriber is shown them (the IBAN masked; a card is its brand, last four and expiry), and
//! each contract's issued invoices and credit notes with their buyer as the invoice holds it.

use serde_json::{Value, json};

use crate::business::billing::service::{Billing, period_at, status_at};
use crate::platform::clock::rfc3339;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{OrgId, SubjectId};

impl Billing<'_> {
    pub async fn export(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
        let now = self.cb.now();
        let mut out = Vec::new();
        for row in region.billing.contracts_of(subject).await? {
            let (start, end) = period_at(&row, now);
            let mut c = json!({
                "id": row.id, "organisation": row.org_id, "plan": row.plan, "seats": row.seats, "status": status_at(&row, now),
                "subscribed_by_you": row.owner_id == *subject, "current_period": { "start": rfc3339(start), "end": rfc3339(end) },
                "ends_at": row.ended_at.map(rfc3339), "created_at": rfc3339(row.created_at),
            });
            match self.open(region, &row).await {
                Ok((contact, payment)) => {
                    c["billing_contact"] = serde_json::to_value(contact).unwrap_or(Value::Null);
                    c["payment"] = payment.shown();
                }
                Err(CoreError::Erased) => c["billing_contact"] = json!({ "erased": true }),
                Err(e) => return Err(e),
            }
            c["invoices"] = Value::Array(self.export_invoices(region, &row.org_id, &row.id).await?);
            out.push(c);
        }
        Ok(json!({ "contracts": out }))
    }

    /// A contract's issued invoices and credit notes, each with its number, period, totals,
    /// lines and buyer (opened with the invoice's hold key; an ended hold leaves nothing).
    async fn export_invoices(&self, region: &RegionHandle, org: &OrgId, contract: &str) -> Result<Vec<Value>, CoreError> {
        let mut out = Vec::new();
        for inv in region.billing.invoices_of_org(org).await?.into_iter().filter(|i| i.status == "issued" && i.contract_id == contract) {
            let open = match self.open_invoice(region, inv).await {
                Ok(o) => o,
                Err(CoreError::Erased) => continue,
                Err(e) => return Err(e),
            };
            out.push(json!({
                "id": open.row.id, "number": open.row.number, "kind": open.row.kind, "corrects": open.corrects_number,
                "issued_at": open.row.issued_at.map(rfc3339),
                "period": { "start": rfc3339(open.row.period_start), "end": rfc3339(open.row.period_end) },
                "currency": open.row.currency, "subtotal": open.row.subtotal, "vat": open.row.vat, "total": open.row.total,
                "lines": open.lines, "buyer": open.buyer,
            }));
        }
        Ok(out)
    }
}
