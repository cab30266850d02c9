//! Invoices (issue 15): the billing run bills each running contract's current monthly period
//! once, in advance; a draft carries no number, and issuing takes the next number of the
//! seller's one continuous sequence in the same transaction (CGI art. 242 nonies A), so
//! neither concurrent runs nor a crash leave a gap (an interrupted run's drafts are issued by
//! the next). Issued invoices never change; a correction is a credit note with its own number.
//! The buyer's legally required fields (name, company, VAT id, address) are sealed with the
//! invoice's own hold key (subject `invoice:<id>`): erasing the billing contact leaves them,
//! and the end of the accounting hold (the policy's legal hold of the `contract` rule)
//! deletes the invoice and destroys that key.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::business::billing::input::Address;
use crate::business::billing::service::{Billing, PURPOSE, period_at, status_at};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{DAY, Millis, rfc3339};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{OrgId, SubjectId};
use crate::platform::ports::{ContractRow, InvoiceRow};

/// The hold when the policy names none for contracts: ten years (C. com. art. L123-22).
pub const DEFAULT_HOLD_DAYS: i64 = 3650;

/// An invoice number as printed: the seller's series and its sequence number.
pub fn number(seller: &str, seq: i64) -> String {
    format!("{}-{seq:06}", seller.to_ascii_uppercase())
}

/// The buyer as the law requires it on an invoice (no email, no phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub name: String,
    pub company: Option<String>,
    pub vat_id: Option<String>,
    pub address: Address,
}

/// One line of an invoice (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub plan: String,
    pub name_en: String,
    pub name_fr: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub vat_basis_points: i64,
    pub net: i64,
}

/// What a billing run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// Invoices issued for a period.
    pub issued: u64,
    /// Drafts left by an interrupted run, issued now.
    pub resumed: u64,
    /// Contracts whose current period was already invoiced.
    pub already: u64,
}

/// An invoice in an owner's list.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceListItem {
    pub id: String,
    pub number: String,
    pub kind: String,
    pub issued_at: String,
    pub period: crate::business::billing::service::Period,
    pub subtotal: i64,
    pub vat: i64,
    pub total: i64,
    pub currency: String,
    pub pdf_url: String,
    pub xml_url: String,
    /// How it was paid: `paid` (a transfer staff marked), a card charge's state, or none yet.
    pub payment_status: Option<String>,
}

/// An invoice opened for a document: the row, its buyer and lines.
#[derive(Debug, Clone)]
pub struct OpenInvoice {
    pub row: InvoiceRow,
    pub buyer: Buyer,
    pub lines: Vec<Line>,
    /// The number of the invoice a credit note corrects.
    pub corrects_number: Option<String>,
}

fn hold_key(id: &str) -> SubjectId {
    SubjectId::from_stored(format!("invoice:{id}"))
}

fn buyer_aad(id: &str) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "invoices", column: "buyer", row: id }
}

impl Billing<'_> {
    fn hold_days(&self) -> i64 {
        self.cb
            .policy()
            .doc()
            .retention
            .iter()
            .find(|r| r.category == crate::business::billing::service::CATEGORY)
            .and_then(|r| r.legal_hold.as_ref())
            .map_or(DEFAULT_HOLD_DAYS, |h| i64::from(h.days))
    }

    /// Bills every running contract's current period once, in every region; first issues the
    /// drafts an interrupted run left.
    pub async fn run(&self) -> Result<RunReport, CoreError> {
        self.cb.policy().check(PURPOSE, crate::business::billing::service::CATEGORY)?;
        let mut report = RunReport::default();
        let now = self.cb.now();
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            for d in region.billing.drafts().await? {
                if self.issue(&region, &d).await? {
                    report.resumed += 1;
                }
            }
            for c in region.billing.contracts().await? {
                if status_at(&c, now) == "ended" {
                    continue;
                }
                let (start, end) = period_at(&c, now);
                match self.draft(&region, &c, start, end).await? {
                    Some(d) => {
                        if self.issue(&region, &d).await? {
                            report.issued += 1;
                            if c.payment_method == "card" {
                                self.charge_card(&region, &c, &d).await?;
                            }
                        }
                    }
                    None => report.already += 1,
                }
            }
        }
        if report.issued + report.resumed > 0 {
            tracing::info!(issued = report.issued, resumed = report.resumed, "billing run");
        }
        metrics::counter!("clearboard_invoices_issued_total").increment(report.issued + report.resumed);
        Ok(report)
    }

    /// Charges an issued invoice on the contract's card through the payment provider (its
    /// idempotency key is the invoice's, so a rerun never charges twice); the outcome (the
    /// provider's payment id and state, or why it failed) is written to the audit log.
    async fn charge_card(&self, region: &RegionHandle, c: &ContractRow, inv: &InvoiceRow) -> Result<(), CoreError> {
        let Ok((_, crate::business::billing::service::PaymentRef::Card(card))) = self.open(region, c).await else { return Ok(()) };
        let req =
            crate::platform::ports::ChargeRequest { invoice: inv.id.clone(), amount: inv.total, currency: inv.currency.clone(), card };
        let provider = self.cb.payments().id();
        let (reference, status, why) = match self.cb.payments().charge(&req).await {
            Ok(ch) => (ch.id, ch.status, None),
            Err(e) => {
                tracing::warn!(invoice = %inv.id, error = %e, "an invoice's card charge failed");
                (String::new(), "failed".to_string(), Some(e.to_string()))
            }
        };
        let audit = self.cb.audit_draft(
            Actor::System,
            "invoice.charged",
            None,
            Some(PURPOSE),
            json!({ "invoice": inv.id, "provider": provider, "payment": reference, "status": status, "why": why }),
        );
        let row = crate::platform::ports::PaymentRow {
            invoice_id: inv.id.clone(),
            provider: provider.into(),
            reference,
            status,
            recorded_by: "system".into(),
            at: self.cb.now(),
        };
        region.billing.put_payment(&row, audit).await?;
        Ok(())
    }

    /// The buyer of a contract, from its billing contact.
    async fn buyer(&self, region: &RegionHandle, c: &ContractRow) -> Result<Buyer, CoreError> {
        let (contact, _) = self.open(region, c).await?;
        Ok(Buyer {
            name: format!("{} {}", contact.first_name, contact.last_name),
            company: contact.company,
            vat_id: contact.vat_id,
            address: contact.address,
        })
    }

    /// A draft for one period of a contract; `None` when that period is invoiced already.
    async fn draft(&self, region: &RegionHandle, c: &ContractRow, start: Millis, end: Millis) -> Result<Option<InvoiceRow>, CoreError> {
        let Ok(plan) = self.plan(&c.plan).cloned() else {
            tracing::warn!(contract = %c.id, "a contract's plan is no longer offered; it is not billed");
            return Ok(None);
        };
        let buyer = match self.buyer(region, c).await {
            Ok(b) => b,
            Err(CoreError::Erased) => return Ok(None),
            Err(e) => return Err(e),
        };
        let amount = plan.period_amount(c.seats);
        let line = Line {
            plan: plan.id.clone(),
            name_en: plan.name.en.clone(),
            name_fr: plan.name.fr.clone(),
            quantity: c.seats,
            unit_price: plan.price_per_seat,
            vat_basis_points: plan.vat_basis_points,
            net: amount.subtotal,
        };
        let now = self.cb.now();
        let row = InvoiceRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            contract_id: c.id.clone(),
            org_id: c.org_id.clone(),
            seller: region.id.to_string(),
            seq: None,
            number: None,
            kind: "invoice".into(),
            corrects: String::new(),
            adjusts: String::new(),
            status: "draft".into(),
            period_start: start,
            period_end: end,
            currency: plan.currency.clone(),
            lines: serde_json::to_string(&[line]).map_err(|_| CoreError::Internal("invoice lines"))?,
            subtotal: amount.subtotal,
            vat: amount.vat,
            total: amount.total,
            buyer: Vec::new(),
            hold_until: now + self.hold_days() * DAY,
            issued_at: None,
            created_at: now,
        };
        self.store_draft(region, row, &buyer).await
    }

    /// Seals the buyer with a new hold key of the invoice's own and stores the draft.
    async fn store_draft(&self, region: &RegionHandle, mut row: InvoiceRow, buyer: &Buyer) -> Result<Option<InvoiceRow>, CoreError> {
        let key = self.cb.keys().create(region, &hold_key(&row.id)).await?;
        row.buyer = key.seal(buyer_aad(&row.id), &serde_json::to_vec(buyer).map_err(|_| CoreError::Internal("buyer"))?)?;
        if region.billing.create_draft(&row).await? {
            Ok(Some(row))
        } else {
            region.keys.discard(&hold_key(&row.id)).await?;
            Ok(None)
        }
    }

    /// Issues a draft with the next number; `false` if another run issued it first.
    async fn issue(&self, region: &RegionHandle, d: &InvoiceRow) -> Result<bool, CoreError> {
        let audit = self.cb.audit_draft(
            Actor::System,
            if d.kind == "credit_note" { "credit_note.issued" } else { "invoice.issued" },
            None,
            Some(PURPOSE),
            json!({ "invoice": d.id, "contract": d.contract_id, "org": d.org_id, "total": d.total, "currency": d.currency }),
        );
        Ok(region.billing.issue(&d.id, self.cb.now(), &number, audit).await?.is_some())
    }

    /// After a change of seats or plan in a period already invoiced: the difference for the
    /// rest of the period (to the millisecond, rounded half up), as an invoice when it costs
    /// more or a credit note of the period's invoice when it costs less, issued at once.
    pub(crate) async fn prorate(&self, region: &RegionHandle, before: &ContractRow, after: &ContractRow) -> Result<(), CoreError> {
        let now = self.cb.now();
        let (start, end) = period_at(after, now);
        let invoiced = region.billing.invoices_of_org(&after.org_id).await?.into_iter().find(|i| {
            i.contract_id == after.id && i.kind == "invoice" && i.adjusts.is_empty() && i.status == "issued" && i.period_start == start
        });
        // Not invoiced yet: the run bills the new amount for the whole period.
        let Some(invoiced) = invoiced else { return Ok(()) };
        let (Ok(old_plan), Ok(new_plan)) = (self.plan(&before.plan).cloned(), self.plan(&after.plan).cloned()) else { return Ok(()) };
        let (old, new) = (old_plan.period_amount(before.seats).subtotal, new_plan.period_amount(after.seats).subtotal);
        let (left, len) = (i128::from(end - now), i128::from(end - start));
        if new == old || left <= 0 || len <= 0 {
            return Ok(());
        }
        let net = (i128::from((new - old).abs()) * left * 2 + len) / (2 * len);
        let net = i64::try_from(net).map_err(|_| CoreError::Internal("proration"))?;
        if net == 0 {
            return Ok(());
        }
        let days = (end - now + DAY - 1) / DAY;
        let credit = new < old;
        let line = Line {
            plan: new_plan.id.clone(),
            name_en: format!(
                "Change from {} × {} to {} × {}, {days} day(s) left in the period",
                before.seats, old_plan.name.en, after.seats, new_plan.name.en
            ),
            name_fr: format!(
                "Passage de {} × {} à {} × {}, {days} jour(s) restant(s) sur la période",
                before.seats, old_plan.name.fr, after.seats, new_plan.name.fr
            ),
            quantity: 1,
            unit_price: net,
            vat_basis_points: new_plan.vat_basis_points,
            net,
        };
        let buyer = self.buyer(region, after).await?;
        let vat = crate::business::billing::plans::vat_of(net, new_plan.vat_basis_points);
        let row = InvoiceRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            contract_id: after.id.clone(),
            org_id: after.org_id.clone(),
            seller: region.id.to_string(),
            seq: None,
            number: None,
            kind: if credit { "credit_note" } else { "invoice" }.into(),
            corrects: if credit { invoiced.id.clone() } else { String::new() },
            adjusts: crate::platform::ids::new_uuid(now)?.to_string(),
            status: "draft".into(),
            period_start: start,
            period_end: end,
            currency: new_plan.currency.clone(),
            lines: serde_json::to_string(&[line]).map_err(|_| CoreError::Internal("invoice lines"))?,
            subtotal: net,
            vat,
            total: net + vat,
            buyer: Vec::new(),
            hold_until: now + self.hold_days() * DAY,
            issued_at: None,
            created_at: now,
        };
        if let Some(d) = self.store_draft(region, row, &buyer).await? {
            self.issue(region, &d).await?;
        }
        Ok(())
    }

    /// Corrects an issued invoice with a credit note of its whole amount (the invoice itself
    /// never changes); returns the credit note, issued.
    pub async fn credit(&self, region: &RegionHandle, invoice: &str) -> Result<InvoiceRow, CoreError> {
        let inv = region.billing.invoice(invoice).await?.ok_or(CoreError::NotFound)?;
        if inv.status != "issued" || inv.kind != "invoice" {
            return Err(CoreError::Conflict("only an issued invoice can be credited"));
        }
        let buyer = self.open_buyer(region, &inv).await?;
        let now = self.cb.now();
        let note = InvoiceRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            seq: None,
            number: None,
            kind: "credit_note".into(),
            corrects: inv.id.clone(),
            status: "draft".into(),
            buyer: Vec::new(),
            hold_until: now + self.hold_days() * DAY,
            issued_at: None,
            created_at: now,
            ..inv.clone()
        };
        let note = self.store_draft(region, note, &buyer).await?.ok_or(CoreError::Conflict("this invoice is credited already"))?;
        self.issue(region, &note).await?;
        region.billing.invoice(&note.id).await?.ok_or(CoreError::Internal("a credit note vanished"))
    }

    async fn open_buyer(&self, region: &RegionHandle, inv: &InvoiceRow) -> Result<Buyer, CoreError> {
        let key = self.cb.keys().current(region, &hold_key(&inv.id)).await?;
        let b = key.open(buyer_aad(&inv.id), &inv.buyer)?;
        serde_json::from_slice(&b).map_err(|_| CoreError::Internal("an invoice's buyer does not read back"))
    }

    /// An issued invoice with its buyer and lines.
    pub async fn open_invoice(&self, region: &RegionHandle, inv: InvoiceRow) -> Result<OpenInvoice, CoreError> {
        let buyer = self.open_buyer(region, &inv).await?;
        let lines: Vec<Line> = serde_json::from_str(&inv.lines).map_err(|_| CoreError::Internal("invoice lines"))?;
        let corrects_number =
            if inv.corrects.is_empty() { None } else { region.billing.invoice(&inv.corrects).await?.and_then(|i| i.number) };
        Ok(OpenInvoice { row: inv, buyer, lines, corrects_number })
    }

    /// The organisation's issued invoices and credit notes, to its owner.
    pub async fn invoices(&self, who: &Principal, org: &OrgId) -> Result<Vec<InvoiceListItem>, CoreError> {
        self.cb.policy().check(PURPOSE, crate::business::billing::service::CATEGORY)?;
        let region = self.owned(who, org).await?;
        let mut out = Vec::new();
        for i in region.billing.invoices_of_org(org).await?.into_iter().filter(|i| i.status == "issued") {
            let payment_status = region.billing.payment_of(&i.id).await?.map(|p| p.status);
            out.push(InvoiceListItem {
                payment_status,
                pdf_url: format!("/api/v1/invoices/{}/pdf", i.id),
                xml_url: format!("/api/v1/invoices/{}/xml", i.id),
                number: i.number.clone().unwrap_or_default(),
                issued_at: i.issued_at.map(rfc3339).unwrap_or_default(),
                period: crate::business::billing::service::Period { start: rfc3339(i.period_start), end: rfc3339(i.period_end) },
                id: i.id,
                kind: i.kind,
                subtotal: i.subtotal,
                vat: i.vat,
                total: i.total,
                currency: i.currency,
            });
        }
        Ok(out)
    }

    /// One issued invoice, to the owner of its organisation (anyone else: not found).
    pub async fn invoice_for(&self, who: &Principal, id: &str) -> Result<OpenInvoice, CoreError> {
        self.cb.policy().check(PURPOSE, crate::business::billing::service::CATEGORY)?;
        let region = self.cb.region(&who.region)?.clone();
        let inv = region.billing.invoice(id).await?.filter(|i| i.status == "issued").ok_or(CoreError::NotFound)?;
        match self.owned(who, &inv.org_id).await {
            Ok(_) => {}
            Err(CoreError::Forbidden) => return Err(CoreError::NotFound),
            Err(e) => return Err(e),
        }
        self.open_invoice(&region, inv).await
    }

    /// The end of the accounting hold: invoices held until `now` or earlier are deleted and
    /// their hold keys destroyed.
    pub async fn purge_held(&self, region: &RegionHandle, now: Millis) -> Result<u64, CoreError> {
        let ids = region.billing.purge_invoices(now).await?;
        for id in &ids {
            self.cb.keys().shred(region, &hold_key(id)).await?;
        }
        if !ids.is_empty() {
            let audit = self.cb.audit_draft(Actor::System, "invoices.hold_ended", None, Some(PURPOSE), json!({ "invoices": ids.len() }));
            region.store.audit_append(audit).await?;
        }
        Ok(ids.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_the_series_and_six_digits() {
        assert_eq!(number("eu", 1), "EU-000001");
        assert_eq!(number("us", 1_234_567), "US-1234567");
    }
}
