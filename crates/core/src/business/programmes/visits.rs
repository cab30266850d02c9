//! Visits to the premises (C-DATA-5): the front desk records a visitor (names, phone, the
//! host they see) at arrival and their departure; a printable badge carries the names, the
//! host and the arrival, never the phone. The visitor is a subject with their own key; the
//! retention rule `events:visit_ended` erases the visit a short period after it ended.
//! Every step passes the staff gate with the reason `events`, in the visitor's trail.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::business::programmes::{EVENTS, Programmes, aad};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::VisitRow;

/// What the front desk records.
#[derive(Debug, Clone, Default)]
pub struct NewVisit {
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    /// Whom they visit.
    pub host: String,
}

/// Sealed in `visits.contact`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct VisitContact {
    first_name: String,
    last_name: String,
    phone: Option<String>,
    host: String,
}

/// A visit as the front desk sees it.
#[derive(Debug, Clone, Serialize)]
pub struct VisitView {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub host: String,
    pub arrived_at: String,
    pub departed_at: Option<String>,
    /// When the retention rule erases it (once the visitor has left).
    pub erase_after: Option<String>,
}

/// What a badge shows: no phone.
#[derive(Debug, Clone, Serialize)]
pub struct Badge {
    pub first_name: String,
    pub last_name: String,
    pub host: String,
    pub arrived_at: String,
}

impl Programmes<'_> {
    /// The region visits are kept in (the premises are the operator's: the default region).
    fn visits_region(&self) -> Result<RegionHandle, CoreError> {
        Ok(self.home()?.clone())
    }

    /// Records a visitor's arrival; returns the visit.
    pub async fn record_visit(&self, who: &Principal, new: NewVisit) -> Result<VisitView, CoreError> {
        self.guard(EVENTS)?;
        self.on_duty_for_events(who).await?;
        let c = VisitContact {
            first_name: crate::platform::validate::name("first_name", &new.first_name)?,
            last_name: crate::platform::validate::name("last_name", &new.last_name)?,
            phone: crate::platform::validate::phone(new.phone.as_deref())?,
            host: crate::platform::validate::name("host", &new.host)?,
        };
        let region = self.visits_region()?;
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let subject = SubjectId::new(now)?;
        let key = self.cb.keys().create(&region, &subject).await?;
        let bytes = serde_json::to_vec(&c).map_err(|_| CoreError::Internal("visit contact"))?;
        let row = VisitRow {
            id: id.clone(),
            subject_id: subject.clone(),
            contact: key.seal(aad("visits", "contact", &id), &bytes)?,
            arrived_at: now,
            departed_at: None,
            recorded_by: who.subject.clone(),
        };
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "programmes.visit_recorded",
            Some(&subject),
            Some(crate::business::programmes::PURPOSE),
            json!({ "visit": id }),
        );
        region.programmes.insert_visit(&row, Some(audit)).await?;
        self.visit_view(&region, &row).await
    }

    async fn visit_contact(&self, region: &RegionHandle, v: &VisitRow) -> Result<VisitContact, CoreError> {
        let key = self.cb.keys().current(region, &v.subject_id).await?;
        serde_json::from_slice(&key.open(aad("visits", "contact", &v.id), &v.contact)?).map_err(|_| CoreError::Internal("visit contact"))
    }

    async fn visit_view(&self, region: &RegionHandle, v: &VisitRow) -> Result<VisitView, CoreError> {
        let c = self.visit_contact(region, v).await?;
        let period =
            self.cb.policy().doc().retention.iter().find(|r| r.category == EVENTS && r.trigger == "visit_ended").map(|r| r.period());
        Ok(VisitView {
            id: v.id.clone(),
            first_name: c.first_name,
            last_name: c.last_name,
            phone: c.phone,
            host: c.host,
            arrived_at: rfc3339(v.arrived_at),
            departed_at: v.departed_at.map(rfc3339),
            erase_after: match (v.departed_at, period) {
                (Some(at), Some(p)) => Some(rfc3339(p.after(at))),
                _ => None,
            },
        })
    }

    /// The front desk's list: every visit still kept, newest first, in clear (each visitor's
    /// trail records the opening).
    pub async fn visits(&self, who: &Principal) -> Result<Vec<VisitView>, CoreError> {
        self.guard(EVENTS)?;
        let region = self.visits_region()?;
        let rows = region.programmes.visits().await?;
        let subjects: Vec<SubjectId> = rows.iter().map(|v| v.subject_id.clone()).collect();
        self.gated(who, EVENTS, &region, &subjects, "staff.visits_opened", json!({})).await?;
        let mut out = Vec::new();
        for v in &rows {
            out.push(self.visit_view(&region, v).await?);
        }
        Ok(out)
    }

    async fn one_visit(&self, who: &Principal, id: &str, action: &str) -> Result<(RegionHandle, VisitRow), CoreError> {
        self.guard(EVENTS)?;
        let region = self.visits_region()?;
        let gate = self.on_duty_for_events(who).await;
        if matches!(gate, Err(CoreError::Forbidden)) {
            return Err(CoreError::Forbidden);
        }
        let v = region.programmes.visit(id).await?.ok_or(CoreError::NotFound)?;
        self.gated(who, EVENTS, &region, std::slice::from_ref(&v.subject_id), action, json!({ "visit": v.id })).await?;
        Ok((region, v))
    }

    /// Records the visitor's departure (once).
    pub async fn depart(&self, who: &Principal, id: &str) -> Result<VisitView, CoreError> {
        let (region, mut v) = self.one_visit(who, id, "programmes.visit_ended").await?;
        if v.departed_at.is_none() {
            v.departed_at = Some(self.cb.now());
            region.programmes.update_visit(&v, None).await?;
        }
        self.visit_view(&region, &v).await
    }

    /// The badge of a visit: names, host and arrival; never the phone.
    pub async fn badge(&self, who: &Principal, id: &str) -> Result<Badge, CoreError> {
        let (region, v) = self.one_visit(who, id, "staff.badge_printed").await?;
        let c = self.visit_contact(&region, &v).await?;
        Ok(Badge { first_name: c.first_name, last_name: c.last_name, host: c.host, arrived_at: rfc3339(v.arrived_at) })
    }
}
