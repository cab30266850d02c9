//! Certified partners (C-SHARE-4, C-SHARE-7): staff whose role allows the reason `contract`
//! certify an account for a company until a date; an organisation's owner names the certified
//! partners who co-manage its contract; a partner lists the contracts it co-manages (nothing
//! about anyone) and opens one to see its contract data (the billing contact, the payment
//! method as the owner is shown it) — only while certified, only those contracts (any other is
//! not found), and only if the policy declares the `partners` recipient for contracts. Each
//! opening is a disclosure: one row in the disclosure log for the billing contact and one for
//! the owner (their access log shows it, their export holds it, their erasure tells the
//! partner's notice address).
//!
//! Must not: show a partner anything but contract data (no boards, no account, no invoices of
//! contracts it does not co-manage), or open a contract without writing the disclosure first.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::business::billing::disclose::Disclosure;
use crate::business::billing::service::{Billing, CATEGORY, PURPOSE, status_at};
use crate::business::billing::staff::{StaffContract, StaffContractView};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{DAY, Millis, date_of, midnight_ms};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{OrgId, SubjectId};
use crate::platform::ports::{CoManagerRow, ContractRow, PartnerRow};

/// The policy's recipient for certified partners.
pub const RECIPIENT: &str = "partners";

/// What staff send to certify a partner account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    /// The email of the partner's account (it must exist).
    pub email: String,
    pub company: String,
    /// The company's business address, told of erasures of people whose data it saw.
    #[serde(default)]
    pub notice_email: Option<String>,
    /// The last day of the certification (`YYYY-MM-DD`).
    pub certified_until: String,
}

/// A certified partner as customers and staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerView {
    pub id: SubjectId,
    pub company: String,
    pub certified_until: String,
}

fn shown(p: &PartnerRow) -> PartnerView {
    PartnerView { id: p.subject_id.clone(), company: p.company.clone(), certified_until: date_of(p.certified_until - 1).to_string() }
}

impl Billing<'_> {
    /// The purpose guard and the recipient guard: the policy must declare `partners` as a
    /// recipient of contract data for the purpose `contract`.
    fn partner_guard(&self) -> Result<(), CoreError> {
        self.cb.policy().check(PURPOSE, CATEGORY)?;
        let declared = self.cb.policy().recipients_for(PURPOSE).any(|r| r.id == RECIPIENT && r.categories.iter().any(|c| c == CATEGORY));
        if declared {
            Ok(())
        } else {
            Err(clearboard_policy::Denied { purpose: format!("{PURPOSE} (recipient {RECIPIENT})"), category: CATEGORY.into() }.into())
        }
    }

    /// A partner certified at `now`, wherever its account lives.
    async fn certified(&self, id: &SubjectId, now: Millis) -> Result<Option<(RegionHandle, PartnerRow)>, CoreError> {
        for region in self.cb.regions() {
            if let Some(p) = region.billing.partner(id).await? {
                return Ok((p.certified_until > now).then(|| (region.clone(), p)));
            }
        }
        Ok(None)
    }

    /// Certifies an account as a partner of a company (or renews it), by staff through the
    /// gate; written to the partner's audit trail.
    pub async fn certify_partner(&self, staff: &Principal, input: &PartnerInput) -> Result<PartnerView, CoreError> {
        self.staff_gate(staff).await?;
        self.partner_guard()?;
        let email = crate::platform::validate::email(&input.email)?;
        let company = crate::platform::validate::name("company", &input.company)?;
        let notice_email = match input.notice_email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(e) => {
                Some(crate::platform::validate::email(e).map_err(|_| CoreError::validation("notice_email", "not an email address"))?)
            }
            None => None,
        };
        let until = time::Date::parse(input.certified_until.trim(), time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| CoreError::validation("certified_until", "the last day of the certification, as YYYY-MM-DD"))?;
        let now = self.cb.now();
        let certified_until = midnight_ms(until) + DAY;
        if certified_until <= now {
            return Err(CoreError::validation("certified_until", "the certification must end in the future"));
        }
        let bidx = self.cb.inner.blind.email(&email);
        let (region, subject) = self
            .cb
            .directory()
            .find_email(&bidx)
            .await?
            .ok_or_else(|| CoreError::validation("email", "no account has this address: the partner signs up first"))?;
        let region = self.cb.region(&region)?.clone();
        let row = PartnerRow {
            subject_id: subject.clone(),
            company,
            notice_email,
            certified_until,
            certified_by: staff.subject.clone(),
            created_at: now,
        };
        let audit = self.cb.audit_draft(
            Actor::Staff(&staff.subject),
            "partner.certified",
            Some(&subject),
            Some(PURPOSE),
            json!({ "until": date_of(certified_until - 1).to_string() }),
        );
        region.billing.put_partner(&row, audit).await?;
        Ok(shown(&row))
    }

    /// The partners certified today, for an owner to choose from.
    pub async fn partners_on_offer(&self) -> Result<Vec<PartnerView>, CoreError> {
        self.partner_guard()?;
        let now = self.cb.now();
        let mut out = Vec::new();
        for region in self.cb.regions() {
            out.extend(region.billing.partners().await?.iter().filter(|p| p.certified_until > now).map(shown));
        }
        Ok(out)
    }

    /// The owner names a certified partner co-manager of the organisation's contract (from
    /// then on it sees the contract's data); `Ok(list)` of the co-managers.
    pub async fn name_partner(&self, who: &Principal, org: &OrgId, partner: &SubjectId) -> Result<Vec<PartnerView>, CoreError> {
        self.partner_guard()?;
        let region = self.owned(who, org).await?;
        let contract = region.billing.contract_of_org(org).await?.ok_or(CoreError::NotFound)?;
        let now = self.cb.now();
        let (partner_region, _) = self
            .certified(partner, now)
            .await?
            .ok_or_else(|| CoreError::validation("partner", "choose one of the partners of GET /api/v1/partners"))?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "contract.partner_named",
            Some(&contract.contact_id),
            Some(PURPOSE),
            json!({ "contract": contract.id, "partner": partner }),
        );
        let row = CoManagerRow {
            contract_id: contract.id.clone(),
            partner_id: partner.clone(),
            partner_region: partner_region.id.to_string(),
            granted_by: who.subject.clone(),
            granted_at: now,
        };
        region.billing.add_co_manager(&row, audit).await?;
        self.co_managers_of(&region, &contract).await
    }

    /// The owner withdraws a partner from the contract; it sees nothing of it any more.
    pub async fn remove_partner(&self, who: &Principal, org: &OrgId, partner: &SubjectId) -> Result<Vec<PartnerView>, CoreError> {
        self.cb.policy().check(PURPOSE, CATEGORY)?;
        let region = self.owned(who, org).await?;
        let contract = region.billing.contract_of_org(org).await?.ok_or(CoreError::NotFound)?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "contract.partner_removed",
            Some(&contract.contact_id),
            Some(PURPOSE),
            json!({ "contract": contract.id, "partner": partner }),
        );
        if !region.billing.remove_co_manager(&contract.id, partner, audit).await? {
            return Err(CoreError::NotFound);
        }
        self.co_managers_of(&region, &contract).await
    }

    /// The partners co-managing a contract (to its owner).
    pub async fn contract_partners(&self, who: &Principal, org: &OrgId) -> Result<Vec<PartnerView>, CoreError> {
        self.cb.policy().check(PURPOSE, CATEGORY)?;
        let region = self.owned(who, org).await?;
        let contract = region.billing.contract_of_org(org).await?.ok_or(CoreError::NotFound)?;
        self.co_managers_of(&region, &contract).await
    }

    async fn co_managers_of(&self, region: &RegionHandle, contract: &ContractRow) -> Result<Vec<PartnerView>, CoreError> {
        let mut out = Vec::new();
        for c in region.billing.co_managers(&contract.id).await? {
            for r in self.cb.regions() {
                if let Some(p) = region_partner(r, &c.partner_id).await? {
                    out.push(shown(&p));
                    break;
                }
            }
        }
        Ok(out)
    }

    /// `who` as a partner certified now; anyone else is refused.
    async fn as_partner(&self, who: &Principal) -> Result<PartnerRow, CoreError> {
        self.partner_guard()?;
        let region = self.cb.region(&who.region)?;
        match region.billing.partner(&who.subject).await? {
            Some(p) if p.certified_until > self.cb.now() => Ok(p),
            _ => Err(CoreError::Forbidden),
        }
    }

    /// The contracts a partner co-manages, in every region, without anyone's personal data.
    pub async fn partner_contracts(&self, who: &Principal) -> Result<Vec<StaffContract>, CoreError> {
        self.as_partner(who).await?;
        let now = self.cb.now();
        let mut out = Vec::new();
        for region in self.cb.regions() {
            for c in region.billing.co_managed_by(&who.subject).await? {
                if let Some(row) = region.billing.contract(&c.contract_id).await? {
                    out.push(crate::business::billing::staff::row(region.id.as_str(), &row, now));
                }
            }
        }
        Ok(out)
    }

    /// One contract the partner co-manages, with its contract data; any other is not found.
    /// The disclosure is written (for the billing contact and the owner) before anything is
    /// shown.
    pub async fn partner_contract(&self, who: &Principal, id: &str) -> Result<StaffContractView, CoreError> {
        let partner = self.as_partner(who).await?;
        let now = self.cb.now();
        for region in self.cb.regions() {
            let co = region.billing.co_managed_by(&who.subject).await?;
            if !co.iter().any(|c| c.contract_id == id) {
                continue;
            }
            let Some(c) = region.billing.contract(id).await? else { continue };
            if status_at(&c, now) == "ended" {
                return Err(CoreError::NotFound);
            }
            let (contact, payment) = self.open(region, &c).await?;
            let d = Disclosure {
                recipient: RECIPIENT,
                legal_basis: "contract: co-management by a certified partner named by the organisation's owner".into(),
                scope: format!("contract {}: billing contact, plan, seats and payment method as shown to the owner (IBAN masked)", c.id),
                contact: partner.notice_email.clone(),
                actor: Actor::Subject(&who.subject),
                purpose: PURPOSE,
                detail: json!({ "recipient": RECIPIENT, "partner": who.subject, "contract": c.id, "category": CATEGORY }),
            };
            let n = self.disclose(region, &c, d).await?;
            metrics::counter!("clearboard_partner_disclosures_total").increment(n);
            return Ok(StaffContractView {
                contract: crate::business::billing::staff::row(region.id.as_str(), &c, now),
                billing_contact: contact,
                payment: payment.shown(),
            });
        }
        Err(CoreError::NotFound)
    }
}

async fn region_partner(region: &RegionHandle, id: &SubjectId) -> Result<Option<PartnerRow>, CoreError> {
    Ok(region.billing.partner(id).await?)
}
