//! The privacy centre's overview (C-DSR-1, access transparency): everything held about the
//! signed-in person, category by category, with why (purposes and legal bases), who receives
//! it, how long it is kept and where it came from; their consents, requests, exports, the
//! disclosures of their data and the audit entries about them (who accessed what, when, why).
//!
//! Takes the whole context (`Clearboard`): the centre gathers what every room holds about the
//! person (consents, exports, requests, the policy).

use serde_json::{Value, json};

use crate::identity::principal::Principal;
use crate::platform::clock::rfc3339;
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::memo;
use crate::privacy::rights::categories::{export_category, stored};
use crate::privacy::rights::records;

impl Clearboard {
    pub fn privacy_centre(&self) -> PrivacyCentre<'_> {
        PrivacyCentre { cb: self }
    }
}

pub struct PrivacyCentre<'a> {
    cb: &'a Clearboard,
}

impl PrivacyCentre<'_> {
    /// The overview, in `lang` where texts come from the policy.
    pub async fn overview(&self, who: &Principal) -> Result<Value, CoreError> {
        self.overview_in(who, "en").await
    }

    /// Some twenty reads in a line, each module's own: the person's account row, key and records
    /// are read once, and the reads keep one connection per database (`memo`).
    pub async fn overview_in(&self, who: &Principal, lang: &str) -> Result<Value, CoreError> {
        memo::scoped(&who.region, &who.subject, self.gather(who, lang)).await
    }

    async fn gather(&self, who: &Principal, lang: &str) -> Result<Value, CoreError> {
        let region = self.cb.region(&who.region)?;
        let p = self.cb.policy();
        let mut categories = Vec::new();
        for c in &p.doc().categories {
            let stored = stored(self.cb, &c.id);
            let purposes: Vec<&clearboard_policy::model::Purpose> =
                p.doc().purposes.iter().filter(|pu| pu.categories.contains(&c.id)).collect();
            if purposes.iter().all(|pu| !pu.data_subjects.iter().any(|d| d == "users" || d == "participants")) && !stored {
                continue;
            }
            let data = if stored { export_category(self.cb, region, &who.subject, &c.id).await? } else { Value::Null };
            categories.push(json!({
                "id": c.id,
                "title": c.title.get(lang),
                "description": c.description.get(lang),
                "source": c.source.get(lang),
                "stored": stored,
                "data": data,
                "purposes": purposes.iter().map(|pu| json!({
                    "id": pu.id,
                    "title": pu.title.get(lang),
                    "legal_basis": pu.legal_basis.map(|b| b.label(lang)),
                    "recipients": p.recipients_for(&pu.id).filter(|r| r.categories.contains(&c.id)).map(|r| json!({ "name": r.name.get(lang), "kind": r.kind.label(lang), "location": r.location.get(lang) })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "retention": p.retention_of(&c.id).map(|r| json!({ "period": r.period().iso8601(), "from": r.trigger, "description": r.description.get(lang) })).collect::<Vec<_>>(),
            }));
        }
        let consents = self.cb.consents().of_subject(who, lang).await?;
        let audit: Vec<Value> = region
            .store
            .audit_about(&who.subject)
            .await?
            .into_iter()
            .rev()
            .take(500)
            .map(|e| json!({ "at": rfc3339(e.at_ms), "who": e.actor, "what": e.action, "why": e.purpose }))
            .collect();
        let requests = records::requests_of(region, &who.subject).await?;
        let disclosures = records::disclosures_of(region, &who.subject).await?;
        let holds: Vec<Value> = region
            .store
            .legal_holds(Some(self.cb.now()))
            .await?
            .into_iter()
            .filter(|h| h.subject_id == who.subject)
            .map(
                |h| json!({ "category": h.category, "reason": h.reason, "until": crate::platform::clock::date_of(h.until_at).to_string() }),
            )
            .collect();
        Ok(json!({
            "subject": who.subject,
            "region": who.region,
            "categories": categories,
            "consents": consents,
            "exports": self.cb.exports().list(who).await?,
            "requests": requests,
            "disclosures": disclosures,
            "legal_holds": holds,
            "access_log": audit,
            // C-SCOPE-2, C-3P-1: the services the person may connect or has, with the scopes
            // and the last use.
            "integrations": self.cb.integrations().list(who).await?,
        }))
    }
}
