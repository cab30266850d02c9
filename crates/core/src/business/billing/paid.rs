//! The payment of an invoice: staff mark a bank transfer received (the `transfer` provider
//! takes no cards); a card provider's signed webhook updates a charge's state. Each is a row of
//! `invoice_payments` (issued invoices never change) with its audit entry.

use serde_json::{Value, json};

use crate::business::billing::service::PaymentRef;
use crate::business::billing::service::{Billing, PURPOSE};
use crate::business::billing::webhooks::{self, WebhookError};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::error::CoreError;
use crate::platform::ports::{ContractRow, PaymentRow};

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
    /// then the event applied. A payment intent's outcome (`payment_intent.succeeded`,
    /// `.payment_failed`, `.processing`) and a refund (`charge.refunded`: `refunded`, or
    /// `partially_refunded` while less than the charge was returned) are recorded on the
    /// invoice the intent charged; `payment_method.detached` (the card removed at the
    /// provider) takes that card off every contract that pays with it: the contract falls back
    /// to bank transfer until its owner gives a new card, so no run charges a card that is gone.
    /// Any other event is acknowledged and ignored, logged by its type only. Returns the type.
    pub async fn payment_webhook(&self, signature: &str, payload: &[u8]) -> Result<String, CoreError> {
        let secret = self.cb.settings().payment_webhook_secret.clone().ok_or(CoreError::NotFound)?;
        webhooks::verify(&secret, signature, payload, self.cb.now(), webhooks::TOLERANCE_SECONDS).map_err(|e| match e {
            WebhookError::Malformed => CoreError::validation("Stripe-Signature", "no t= and v1= in the signature header"),
            WebhookError::Mismatch | WebhookError::Stale => CoreError::validation("Stripe-Signature", "the signature does not verify"),
        })?;
        let event: Value = serde_json::from_slice(payload).map_err(|_| CoreError::validation("body", "an event as JSON"))?;
        let kind = event["type"].as_str().unwrap_or_default().to_string();
        let object = &event["data"]["object"];
        let (intent, status) = match kind.as_str() {
            "payment_intent.succeeded" => (object["id"].as_str(), "succeeded"),
            "payment_intent.payment_failed" => (object["id"].as_str(), "failed"),
            "payment_intent.processing" => (object["id"].as_str(), "processing"),
            "charge.refunded" => {
                let whole = object["amount_refunded"].as_i64().is_some_and(|r| Some(r) >= object["amount"].as_i64());
                (object["payment_intent"].as_str(), if whole { "refunded" } else { "partially_refunded" })
            }
            "payment_method.detached" => {
                if let Some(pm) = object["id"].as_str() {
                    self.card_detached(pm, &event).await?;
                }
                return Ok(kind);
            }
            _ => {
                // Signed by the provider, but only its type is logged, and only if it looks like one.
                let shown = if kind.len() <= 64 && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_') {
                    kind.as_str()
                } else {
                    "(not a type)"
                };
                tracing::info!(event = shown, "payment webhook acknowledged and ignored");
                return Ok(kind);
            }
        };
        let Some(pi) = intent else { return Ok(kind) };
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

    /// The card `pm` was detached at the provider: every contract paying with it falls back
    /// to bank transfer (audited in the billing contact's trail).
    async fn card_detached(&self, pm: &str, event: &Value) -> Result<(), CoreError> {
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            for row in region.billing.contracts().await?.into_iter().filter(|c| c.payment_method == "card") {
                let Ok((_, PaymentRef::Card(card))) = self.open(&region, &row).await else { continue };
                if card.token != pm {
                    continue;
                }
                let dek = self.cb.keys().current(&region, &row.contact_id).await?;
                let payment = serde_json::to_vec(&PaymentRef::Transfer).map_err(|_| CoreError::Internal("payment"))?;
                let aad = clearboard_vault::Aad { table: "contracts", column: "payment", row: &row.id };
                let next = ContractRow {
                    payment_method: "transfer".into(),
                    payment: Some(dek.seal(aad, &payment)?),
                    updated_at: self.cb.now(),
                    version: row.version + 1,
                    ..row.clone()
                };
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "contract.card_detached",
                    Some(&row.contact_id),
                    Some(PURPOSE),
                    json!({ "contract": row.id, "org": row.org_id, "method": "transfer", "event": event["id"] }),
                );
                region.billing.update_contract(&next, audit).await?;
            }
        }
        Ok(())
    }
}
