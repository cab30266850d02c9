//! The payment of an invoice: staff mark a bank transfer received (the `transfer` provider
//! takes no cards); a card provider's signed webhook updates a charge's state. Each is a row of
//! `invoice_payments` (issued invoices never change) with its audit entry.

use serde_json::{Value, json};

use crate::business::billing::service::{Billing, PURPOSE};
use crate::business::billing::webhooks::{self, WebhookError};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::error::CoreError;
use crate::platform::ports::PaymentRow;

impl Billing<'_> {
    /// Staff whose role allows the reason `contract` mark an issued invoice paid by bank
    /// transfer, with the bank statement's reference.
    pub async fn mark_paid(&self, staff: &Principal, invoice: &str, reference: &str) -> Result<PaymentRow, CoreError> {
        self.staff_gate(staff).await?;
        let reference = reference.trim();
        if reference.is_empty() || reference.len() > 100 || reference.chars().any(char::is_control) {
            return Err(CoreError::validation("reference", "the bank statement's reference of the transfer (100 characters at most)"));
        }
        for region in self.cb.regions() {
            let Some(inv) = region.billing.invoice(invoice).await? else { continue };
            if inv.status != "issued" || inv.kind != "invoice" {
                return Err(CoreError::Conflict("only an issued invoice can be paid"));
            }
            let row = PaymentRow {
                invoice_id: inv.id.clone(),
                provider: "transfer".into(),
                reference: reference.into(),
                status: "paid".into(),
                recorded_by: staff.subject.to_string(),
                at: self.cb.now(),
            };
            let audit =
                self.cb.audit_draft(Actor::Staff(&staff.subject), "invoice.marked_paid", None, Some(PURPOSE), json!({ "invoice": inv.id }));
            region.billing.put_payment(&row, audit).await?;
            return Ok(row);
        }
        Err(CoreError::NotFound)
    }

    /// A card provider's webhook: the signature checked (`Stripe-Signature`, tolerance),
    /// then a payment intent's outcome recorded on its invoice. Returns the event's type.
    pub async fn payment_webhook(&self, signature: &str, payload: &[u8]) -> Result<String, CoreError> {
        let secret = self.cb.settings().payment_webhook_secret.clone().ok_or(CoreError::NotFound)?;
        webhooks::verify(&secret, signature, payload, self.cb.now(), webhooks::TOLERANCE_SECONDS).map_err(|e| match e {
            WebhookError::Malformed => CoreError::validation("Stripe-Signature", "no t= and v1= in the signature header"),
            WebhookError::Mismatch | WebhookError::Stale => CoreError::validation("Stripe-Signature", "the signature does not verify"),
        })?;
        let event: Value = serde_json::from_slice(payload).map_err(|_| CoreError::validation("body", "an event as JSON"))?;
        let kind = event["type"].as_str().unwrap_or_default().to_string();
        let status = match kind.as_str() {
            "payment_intent.succeeded" => "succeeded",
            "payment_intent.payment_failed" => "failed",
            "payment_intent.processing" => "processing",
            _ => return Ok(kind),
        };
        let Some(pi) = event.pointer("/data/object/id").and_then(Value::as_str) else { return Ok(kind) };
        for region in self.cb.regions() {
            if let Some(p) = region.billing.payment_by_reference(pi).await? {
                let row = PaymentRow { status: status.into(), at: self.cb.now(), ..p };
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "invoice.payment_updated",
                    None,
                    Some(PURPOSE),
                    json!({ "invoice": row.invoice_id, "payment": pi, "status": status, "event": event["id"] }),
                );
                region.billing.put_payment(&row, audit).await?;
            }
        }
        Ok(kind)
    }
}
