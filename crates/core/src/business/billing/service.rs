//! The billing service (`cb.billing()`): an organisation's owner subscribes (plan, seats,
//! billing contact, payment method), changes it, cancels at the end of the period and may
//! reactivate until then; what a contract costs per period; the end of contracts
//! (`contract_ended`: the retention scheduler deletes them and destroys the contact's key).
//! Every operation passes the purpose guard (`contract` of `contract`) and is audited.
//!
//! It takes the whole context: it orchestrates the directory, the region's stores, the key
//! store, the payment provider and the clock.

use serde::Serialize;
use serde_json::{Value, json};

use crate::boards::kinds::OrgRole;
use crate::business::billing::input::{self, Contact, PaymentInput, SubscriptionInput};
use crate::business::billing::plans::{Amount, Plan};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{OrgId, SubjectId};
use crate::platform::ports::{CardReference, ContractRow, PaymentError, PurgeCount};

/// The purpose every billing operation serves, and the category it stores.
pub const PURPOSE: &str = "contract";
pub const CATEGORY: &str = "contract";

/// What a payment method keeps, sealed with the contact's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum PaymentRef {
    Card(CardReference),
    SepaDebit { iban: String, account_holder: String, mandate_reference: String },
    Transfer,
}

impl PaymentRef {
    pub fn method(&self) -> &'static str {
        match self {
            Self::Card(_) => "card",
            Self::SepaDebit { .. } => "sepa_debit",
            Self::Transfer => "transfer",
        }
    }

    /// What the subscriber is shown: never the token, the IBAN masked.
    pub fn shown(&self) -> Value {
        match self {
            Self::Card(c) => {
                json!({ "method": "card", "brand": c.brand, "last4": c.last4, "exp_month": c.exp_month, "exp_year": c.exp_year })
            }
            Self::SepaDebit { iban, account_holder, mandate_reference } => json!({
                "method": "sepa_debit", "iban": input::mask_iban(iban), "account_holder": account_holder, "mandate_reference": mandate_reference,
            }),
            Self::Transfer => json!({ "method": "transfer" }),
        }
    }
}

/// A contract as its owner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionView {
    pub id: String,
    pub org_id: OrgId,
    pub plan: Plan,
    pub seats: i64,
    /// `active`, `cancelling` (ends at `ends_at`) or `ended`.
    pub status: &'static str,
    pub current_period: Period,
    pub ends_at: Option<String>,
    /// What one period costs, in minor units of `currency`.
    pub amount: Amount,
    pub currency: String,
    pub billing_contact: Contact,
    pub payment: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub start: String,
    pub end: String,
}

/// The billing service.
pub struct Billing<'a> {
    pub(crate) cb: &'a Clearboard,
}

impl Clearboard {
    pub fn billing(&self) -> Billing<'_> {
        Billing { cb: self }
    }
}

/// One calendar month after `ms` (the day clamped to the month's last), same time of day.
pub fn add_month(ms: Millis) -> Millis {
    let secs = ms.div_euclid(1000);
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(secs) else { return ms };
    let (y, m) = if t.month() == time::Month::December { (t.year() + 1, time::Month::January) } else { (t.year(), t.month().next()) };
    let day = t.day().min(m.length(y));
    match time::Date::from_calendar_date(y, m, day) {
        Ok(d) => d.with_time(t.time()).assume_utc().unix_timestamp() * 1000 + ms.rem_euclid(1000),
        Err(_) => ms,
    }
}

/// A contract's state at `now`: `ended` once its end has passed.
pub fn status_at(row: &ContractRow, now: Millis) -> &'static str {
    match row.ended_at {
        Some(end) if now >= end => "ended",
        Some(_) => "cancelling",
        None => "active",
    }
}

/// The period that holds `now` (an active contract renews month after month).
pub fn period_at(row: &ContractRow, now: Millis) -> (Millis, Millis) {
    let (mut start, mut end) = (row.period_start, row.period_end);
    while end <= now && row.ended_at.is_none_or(|e| end < e) {
        start = end;
        end = add_month(end);
    }
    (start, end)
}

fn aad<'r>(column: &'r str, row: &'r str) -> clearboard_vault::Aad<'r> {
    clearboard_vault::Aad { table: "contracts", column, row }
}

impl Billing<'_> {
    fn guard(&self) -> Result<(), CoreError> {
        Ok(self.cb.policy().check(PURPOSE, CATEGORY)?)
    }

    /// The plans on offer.
    pub fn plans(&self) -> &[Plan] {
        &self.cb.settings().plans
    }

    pub(crate) fn plan(&self, id: &str) -> Result<&Plan, CoreError> {
        self.plans()
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| CoreError::validation("plan", "choose one of the plans of GET /api/v1/plans"))
    }

    /// The organisation's region if `who` is its owner: another organisation is not found,
    /// a member who is not its owner is refused.
    pub(crate) async fn owned(&self, who: &Principal, org: &OrgId) -> Result<RegionHandle, CoreError> {
        let region = self.cb.directory().org_region(org).await?.ok_or(CoreError::NotFound)?;
        if region != who.region {
            return Err(CoreError::NotFound);
        }
        let region = self.cb.region(&region)?.clone();
        let m = region.boards.member(org, &who.subject).await?.ok_or(CoreError::NotFound)?;
        if m.role != OrgRole::Owner {
            return Err(CoreError::Forbidden);
        }
        Ok(region)
    }

    async fn payment_ref(&self, p: &PaymentInput, previous: Option<&PaymentRef>) -> Result<PaymentRef, CoreError> {
        Ok(match p {
            PaymentInput::Card { token } => {
                let token = input::card_token(token)?;
                match self.cb.payments().card(&token).await {
                    Ok(c) => PaymentRef::Card(c),
                    Err(PaymentError::NoCards) => {
                        return Err(CoreError::validation("payment.method", "cards are not taken here: choose sepa_debit or transfer"));
                    }
                    Err(PaymentError::UnknownToken) => {
                        return Err(CoreError::validation("payment.token", "the payment provider does not know this card token"));
                    }
                    Err(PaymentError::Declined(_)) => {
                        return Err(CoreError::validation("payment.token", "the payment provider refused this card"));
                    }
                    Err(PaymentError::Unavailable(why)) => {
                        tracing::warn!(provider = self.cb.payments().id(), %why, "payment provider unavailable");
                        return Err(CoreError::Unavailable("the payment provider does not answer; try again later"));
                    }
                }
            }
            PaymentInput::SepaDebit { iban, account_holder } => {
                let iban = input::iban(iban)?;
                let account_holder = crate::platform::validate::name("payment.account_holder", account_holder)?;
                // The same account keeps its mandate; another account gets a new one.
                let mandate_reference = match previous {
                    Some(PaymentRef::SepaDebit { iban: old, mandate_reference, .. }) if *old == iban => mandate_reference.clone(),
                    _ => format!("CB-{}", hex::encode_upper(clearboard_vault::random::bytes::<8>()?)),
                };
                PaymentRef::SepaDebit { iban, account_holder, mandate_reference }
            }
            PaymentInput::Transfer => PaymentRef::Transfer,
        })
    }

    pub(crate) async fn open(&self, region: &RegionHandle, row: &ContractRow) -> Result<(Contact, PaymentRef), CoreError> {
        let dek = self.cb.keys().current(region, &row.contact_id).await?;
        let contact = dek.open(aad("contact", &row.id), &row.contact)?;
        let contact: Contact =
            serde_json::from_slice(&contact).map_err(|_| CoreError::Internal("a contract's contact does not read back"))?;
        let payment = match &row.payment {
            Some(p) => {
                let p = dek.open(aad("payment", &row.id), p)?;
                serde_json::from_slice(&p).map_err(|_| CoreError::Internal("a contract's payment does not read back"))?
            }
            None => PaymentRef::Transfer,
        };
        Ok((contact, payment))
    }

    fn view(&self, row: &ContractRow, contact: Contact, payment: &PaymentRef) -> Result<SubscriptionView, CoreError> {
        let now = self.cb.now();
        let plan = self.plan(&row.plan).cloned().unwrap_or_else(|_| Plan {
            id: row.plan.clone(),
            name: crate::business::billing::plans::Words { en: row.plan.clone(), fr: row.plan.clone() },
            price_per_seat: 0,
            currency: "EUR".into(),
            vat_basis_points: 0,
        });
        let (start, end) = period_at(row, now);
        Ok(SubscriptionView {
            id: row.id.clone(),
            org_id: row.org_id.clone(),
            amount: plan.period_amount(row.seats),
            currency: plan.currency.clone(),
            plan,
            seats: row.seats,
            status: status_at(row, now),
            current_period: Period { start: rfc3339(start), end: rfc3339(end) },
            ends_at: row.ended_at.map(rfc3339),
            billing_contact: contact,
            payment: payment.shown(),
        })
    }

    /// Subscribes the organisation, or changes its subscription (plan, seats, contact,
    /// payment); a contract cancelled but not yet ended is reactivated. A contract that has
    /// ended is closed first (its contact's key destroyed) and a new one begins.
    pub async fn subscribe(&self, who: &Principal, org: &OrgId, input: &SubscriptionInput) -> Result<SubscriptionView, CoreError> {
        self.guard()?;
        let region = self.owned(who, org).await?;
        let plan = self.plan(&input.plan)?.clone();
        if !(1..=input::MAX_SEATS).contains(&input.seats) {
            return Err(CoreError::validation("seats", format!("between 1 and {}", input::MAX_SEATS)));
        }
        let contact = input.billing_contact.clean()?;
        let now = self.cb.now();
        let existing = region.billing.contract_of_org(org).await?;
        if let Some(old) = existing.as_ref().filter(|r| status_at(r, now) == "ended") {
            self.close(&region, old, Actor::Subject(&who.subject)).await?;
        }
        match existing.filter(|r| status_at(r, now) != "ended") {
            None => self.create(&region, who, org, &plan, input.seats, contact, &input.payment).await,
            Some(row) => {
                let (_, previous) = self.open(&region, &row).await?;
                let payment = self.payment_ref(&input.payment, Some(&previous)).await?;
                let dek = self.cb.keys().current(&region, &row.contact_id).await?;
                let (start, end) = period_at(&row, now);
                let reactivated = row.ended_at.is_some();
                let next = ContractRow {
                    plan: plan.id.clone(),
                    seats: input.seats,
                    status: "active".into(),
                    payment_method: payment.method().into(),
                    contact: dek
                        .seal(aad("contact", &row.id), &serde_json::to_vec(&contact).map_err(|_| CoreError::Internal("contact"))?)?,
                    payment: Some(
                        dek.seal(aad("payment", &row.id), &serde_json::to_vec(&payment).map_err(|_| CoreError::Internal("payment"))?)?,
                    ),
                    period_start: start,
                    period_end: end,
                    ended_at: None,
                    updated_at: now,
                    version: row.version + 1,
                    contact_bidx: Some(self.cb.inner.blind.email(&contact.email).to_vec()),
                    ..row.clone()
                };
                let audit = self.cb.audit_draft(
                    Actor::Subject(&who.subject),
                    "contract.changed",
                    Some(&row.contact_id),
                    Some(PURPOSE),
                    json!({ "contract": row.id, "org": org, "plan": plan.id, "seats": input.seats, "method": payment.method(), "reactivated": reactivated }),
                );
                region.billing.update_contract(&next, audit).await?;
                self.prorate(&region, &row, &next).await?;
                self.view(&next, contact, &payment)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn create(
        &self,
        region: &RegionHandle,
        who: &Principal,
        org: &OrgId,
        plan: &Plan,
        seats: i64,
        contact: Contact,
        payment: &PaymentInput,
    ) -> Result<SubscriptionView, CoreError> {
        let payment = self.payment_ref(payment, None).await?;
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let contact_id = SubjectId::new(now)?;
        let dek = self.cb.keys().create(region, &contact_id).await?;
        let sealed = |column: &str, v: Vec<u8>| dek.seal(aad(column, &id), &v);
        let row = ContractRow {
            id: id.clone(),
            org_id: org.clone(),
            owner_id: who.subject.clone(),
            contact_id: contact_id.clone(),
            plan: plan.id.clone(),
            seats,
            status: "active".into(),
            payment_method: payment.method().into(),
            contact: sealed("contact", serde_json::to_vec(&contact).map_err(|_| CoreError::Internal("contact"))?)?,
            payment: Some(sealed("payment", serde_json::to_vec(&payment).map_err(|_| CoreError::Internal("payment"))?)?),
            period_start: now,
            period_end: add_month(now),
            ended_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
            contact_bidx: Some(self.cb.inner.blind.email(&contact.email).to_vec()),
        };
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "contract.created",
            Some(&contact_id),
            Some(PURPOSE),
            json!({ "contract": id, "org": org, "plan": plan.id, "seats": seats, "method": payment.method() }),
        );
        if let Err(e) = region.billing.create_contract(&row, audit).await {
            let _ = region.keys.discard(&contact_id).await;
            return Err(e.into());
        }
        metrics::counter!("clearboard_contracts_created_total").increment(1);
        self.view(&row, contact, &payment)
    }

    /// The organisation's subscription, to its owner.
    pub async fn subscription(&self, who: &Principal, org: &OrgId) -> Result<SubscriptionView, CoreError> {
        self.guard()?;
        let region = self.owned(who, org).await?;
        let row = region.billing.contract_of_org(org).await?.ok_or(CoreError::NotFound)?;
        let (contact, payment) = self.open(&region, &row).await?;
        self.view(&row, contact, &payment)
    }

    /// Cancels at the end of the current period (the contract then ends: `contract_ended`).
    pub async fn cancel(&self, who: &Principal, org: &OrgId) -> Result<SubscriptionView, CoreError> {
        self.guard()?;
        let region = self.owned(who, org).await?;
        let row = region.billing.contract_of_org(org).await?.ok_or(CoreError::NotFound)?;
        let now = self.cb.now();
        if status_at(&row, now) != "active" {
            let (contact, payment) = self.open(&region, &row).await?;
            return self.view(&row, contact, &payment);
        }
        let (start, end) = period_at(&row, now);
        let next = ContractRow {
            status: "cancelling".into(),
            period_start: start,
            period_end: end,
            ended_at: Some(end),
            updated_at: now,
            version: row.version + 1,
            ..row.clone()
        };
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "contract.cancelled",
            Some(&row.contact_id),
            Some(PURPOSE),
            json!({ "contract": row.id, "org": org, "ends_at": rfc3339(end) }),
        );
        region.billing.update_contract(&next, audit).await?;
        let (contact, payment) = self.open(&region, &next).await?;
        self.view(&next, contact, &payment)
    }

    /// Deletes an ended contract: its contact's key first (crypto-shredding), then the row.
    pub(crate) async fn close(&self, region: &RegionHandle, row: &ContractRow, actor: Actor<'_>) -> Result<(), CoreError> {
        self.cb.keys().shred(region, &row.contact_id).await?;
        let audit = self.cb.audit_draft(
            actor,
            "contract.deleted",
            Some(&row.contact_id),
            Some(PURPOSE),
            json!({ "contract": row.id, "org": row.org_id }),
        );
        region.billing.delete_contract(&row.id, self.cb.now(), audit).await?;
        Ok(())
    }

    /// Retention (`contract` at `contract_ended`): contracts that ended at or before `before`
    /// are deleted with their contact's key.
    pub async fn purge_ended(&self, region: &RegionHandle, before: Millis) -> Result<PurgeCount, CoreError> {
        let due = region.billing.contracts_ended_before(before).await?;
        let mut c = PurgeCount { due: due.len() as u64, purged: 0, held: 0 };
        for row in &due {
            self.close(region, row, Actor::System).await?;
            c.purged += 1;
        }
        // Invoices stay under the accounting hold after their contract went; when it ends
        // they go with their hold keys.
        let held = self.purge_held(region, self.cb.now()).await?;
        c.due += held;
        c.purged += held;
        Ok(c)
    }

    /// How many contracts the rule has due (for `/staff/retention`).
    pub async fn ended_before(&self, region: &RegionHandle, before: Millis) -> Result<u64, CoreError> {
        Ok(region.billing.contracts_ended_before(before).await?.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_calendar_months() {
        let at = |y, m, d| crate::platform::clock::midnight_ms(time::Date::from_calendar_date(y, m, d).unwrap()) + 3_600_000;
        assert_eq!(add_month(at(2026, time::Month::January, 31)), at(2026, time::Month::February, 28));
        assert_eq!(add_month(at(2026, time::Month::December, 5)), at(2027, time::Month::January, 5));
        assert_eq!(add_month(at(2028, time::Month::January, 30)), at(2028, time::Month::February, 29));
    }
}
