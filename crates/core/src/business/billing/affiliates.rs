//! The contract feed to companies of the group (C-SHARE-2, C-SHARE-7): for each affiliate of
//! the configuration, one batch per region of the running contracts' data — plan, seats,
//! state, period, payment method's kind and the billing contact (names, company, VAT id,
//! email, phone, country) — POSTed to its endpoint through the `AffiliateFeed` port, for one
//! purpose the policy declares for the `affiliates` recipient and the affiliate is configured
//! for. Other Data only: nothing of boards, cards, comments or media (User Information) is
//! read here. Every contract in a batch is in the disclosure log (its billing contact and its
//! owner) before the batch leaves, with the affiliate's notice address for erasure notices.
//!
//! Must not: send for a purpose the policy does not declare for affiliates, send User
//! Information, log a body.

use serde::Serialize;
use serde_json::{Value, json};

use crate::business::billing::disclose::Disclosure;
use crate::business::billing::service::{Billing, CATEGORY, status_at};
use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::{Affiliate, ContractRow};

/// The policy's recipient for companies of the group.
pub const RECIPIENT: &str = "affiliates";

/// What one feed run did for one affiliate.
#[derive(Debug, Clone, Serialize)]
pub struct FeedReport {
    pub affiliate: String,
    pub purpose: String,
    /// Contracts delivered (each in the disclosure log).
    pub contracts: u64,
    pub batches: u64,
    /// Why nothing (or not everything) was delivered.
    pub refused: Option<String>,
}

impl Billing<'_> {
    /// Why `purpose` may not be fed to `a`, if it may not: the affiliate must be configured
    /// for it, and the policy must declare the `affiliates` recipient for it and for contracts,
    /// and the purpose itself must cover contracts.
    pub fn feed_refusal(&self, a: &Affiliate, purpose: &str) -> Option<String> {
        if !a.purposes.iter().any(|p| p == purpose) {
            return Some(format!("the affiliate `{}` is not configured for the purpose `{purpose}`", a.id));
        }
        let policy = self.cb.policy();
        let declared = policy.recipients_for(purpose).any(|r| r.id == RECIPIENT && r.categories.iter().any(|c| c == CATEGORY));
        if !declared {
            return Some(format!("the policy declares no `{RECIPIENT}` recipient of contracts for the purpose `{purpose}`"));
        }
        policy.check(purpose, CATEGORY).err().map(|_| format!("the purpose `{purpose}` does not cover contracts"))
    }

    /// Feeds every configured affiliate, for `purpose`, the data of the running contracts.
    pub async fn feed_affiliates(&self, purpose: &str) -> Result<Vec<FeedReport>, CoreError> {
        let mut out = Vec::new();
        for a in &self.cb.settings().affiliates {
            let mut r = FeedReport { affiliate: a.id.clone(), purpose: purpose.into(), contracts: 0, batches: 0, refused: None };
            if let Some(why) = self.feed_refusal(a, purpose) {
                tracing::warn!(affiliate = %a.id, %why, "affiliate feed refused");
                r.refused = Some(why);
                out.push(r);
                continue;
            }
            for region in self.cb.regions().cloned().collect::<Vec<_>>() {
                match self.feed_region(&region, a, purpose).await {
                    Ok(0) => {}
                    Ok(n) => {
                        r.contracts += n;
                        r.batches += 1;
                    }
                    Err(why) => {
                        tracing::warn!(affiliate = %a.id, region = %region.id, %why, "affiliate feed not delivered");
                        r.refused = Some(why);
                    }
                }
            }
            metrics::counter!("clearboard_affiliate_disclosures_total").increment(r.contracts);
            out.push(r);
        }
        Ok(out)
    }

    /// One region's batch to one affiliate; the number of contracts delivered.
    async fn feed_region(&self, region: &RegionHandle, a: &Affiliate, purpose: &str) -> Result<u64, String> {
        let now = self.cb.now();
        let contracts = region.billing.contracts().await.map_err(|e| e.to_string())?;
        let mut items = Vec::new();
        let mut sent: Vec<&ContractRow> = Vec::new();
        for c in contracts.iter().filter(|c| status_at(c, now) != "ended") {
            let (contact, payment) = match self.open(region, c).await {
                Ok(x) => x,
                Err(CoreError::Erased) => continue,
                Err(e) => return Err(e.to_string()),
            };
            items.push(json!({
                "contract": c.id, "organisation": c.org_id, "plan": c.plan, "seats": c.seats, "status": status_at(c, now),
                "period_end": rfc3339(c.period_end), "payment_method": payment.method(),
                "billing_contact": {
                    "first_name": contact.first_name, "last_name": contact.last_name, "company": contact.company,
                    "vat_id": contact.vat_id, "email": contact.email, "phone": contact.phone, "country": contact.address.country,
                },
            }));
            sent.push(c);
        }
        if items.is_empty() {
            return Ok(0);
        }
        let batch = crate::platform::ids::new_uuid(now).map_err(|e| e.to_string())?.to_string();
        // The disclosures first: a batch that leaves is always in the log.
        for c in &sent {
            self.log_feed(region, a, purpose, c, &batch).await.map_err(|e| e.to_string())?;
        }
        let body: Value = json!({
            "feed": "clearboard-contracts", "version": 1, "batch": batch, "purpose": purpose, "region": region.id.as_str(),
            "generated_at": rfc3339(now), "contracts": items,
        });
        let bytes = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
        self.cb.affiliate_feed().deliver(a, &batch, bytes).await?;
        Ok(sent.len() as u64)
    }

    async fn log_feed(&self, region: &RegionHandle, a: &Affiliate, purpose: &str, c: &ContractRow, batch: &str) -> Result<(), CoreError> {
        let d = Disclosure {
            recipient: RECIPIENT,
            legal_basis: format!("{purpose}: intra-group agreement with {}", a.company),
            scope: format!("contract {}: billing contact, plan, seats, state and payment method's kind (batch {batch})", c.id),
            contact: a.notice_email.clone(),
            actor: Actor::System,
            purpose,
            detail: json!({ "recipient": RECIPIENT, "affiliate": a.id, "contract": c.id, "category": CATEGORY, "batch": batch }),
        };
        self.disclose(region, c, d).await?;
        Ok(())
    }
}
