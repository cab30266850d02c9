//! Upkeep of requests: overdue alerts, closed records erased with their requester's key after
//! the policy's `rights_requests:request_closed` rule (two years in the default policy), and
//! the disclosure log (what was given to which recipient, and why).

use serde_json::json;

use crate::platform::audit::Actor;
use crate::platform::clock::Millis;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{RegionId, SubjectId};
use crate::platform::ports::RequestRow;
use crate::privacy::rights::deadlines::{self};
use crate::privacy::rights::requests::service::{Requests, date};

impl Requests<'_> {
    /// Open requests past their due date; each is alerted once (audit entry, log, metric).
    pub async fn overdue(&self) -> Result<Vec<String>, CoreError> {
        let mut out = Vec::new();
        for region in self.cb.regions() {
            for r in region.rights.requests(None).await?.into_iter().filter(|r| r.closed_at.is_none()) {
                let due = r.extended_to.clone().unwrap_or_else(|| r.answer_by.clone());
                if date(&due).is_some_and(|d| deadlines::is_overdue(d, self.cb.now())) {
                    let events = region.rights.request_events(&r.id).await?;
                    if !events.iter().any(|e| e.event == "overdue_alert") {
                        tracing::warn!(request = %r.id, due = %due, "a rights request is overdue");
                        metrics::counter!("clearboard_requests_overdue_total").increment(1);
                        let ev = Self::event(&r.id, self.cb.now(), "overdue_alert", "system", json!({ "due": due }));
                        region.rights.update_request(&r, &ev, None).await?;
                    }
                    out.push(r.id.clone());
                }
            }
        }
        Ok(out)
    }

    /// Requests closed longer ago than the policy's rule for request records are erased with
    /// their requester's key; links not used in time expire (unverified requests close as
    /// `expired`).
    pub async fn upkeep(&self) -> Result<(u64, u64), CoreError> {
        let now = self.cb.now();
        let mut expired = 0;
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            for mut r in region.rights.requests(Some(&["unverified", "awaiting_confirmation"])).await? {
                let gone = match r.state.as_str() {
                    "unverified" => r.verify_expires_at.is_some_and(|x| x <= now),
                    _ => r.confirm_expires_at.is_some_and(|x| x <= now),
                };
                if gone {
                    r.state = "expired".into();
                    r.closed_at = Some(now);
                    r.verify_hash = None;
                    r.confirm_hash = None;
                    if let Some(b) = r.document_blob.take() {
                        region.blobs.delete(&b).await?;
                    }
                    let ev = Self::event(&r.id, now, "expired", "system", json!({}));
                    region.rights.update_request(&r, &ev, None).await?;
                    expired += 1;
                }
            }
        }
        let mut purged = 0;
        match self.cb.policy().retention_period("rights_requests", "request_closed") {
            Some(period) => {
                for region in self.cb.regions().cloned().collect::<Vec<_>>() {
                    purged += self.purge_closed(&region, period.before(now)).await?;
                }
            }
            None => tracing::error!("the policy has no rule for request records: none is erased"),
        }
        Ok((expired, purged))
    }

    /// Erases the records of requests closed before `before` in one region, with their
    /// requester's key (the retention rule `rights_requests:request_closed`, C-RET-6).
    pub async fn purge_closed(&self, region: &RegionHandle, before: Millis) -> Result<u64, CoreError> {
        let mut purged = 0;
        for requester in region.rights.purge_requests_closed_before(before).await? {
            self.cb.keys().shred(region, &requester).await?;
            purged += 1;
        }
        Ok(purged)
    }

    /// Records a disclosure of a person's data to a recipient named in the policy (C-SHARE-5,
    /// C-SHARE-7) and tells the person beforehand, unless a recorded legal reason forbids it.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_disclosure(
        &self,
        staff: &SubjectId,
        subject: &SubjectId,
        recipient: &str,
        legal_basis: &str,
        scope: &str,
        contact: Option<&str>,
        withhold_reason: Option<&str>,
    ) -> Result<String, CoreError> {
        self.cb.staff().member_id(staff).await?;
        if !self.cb.policy().doc().recipients.iter().any(|r| r.id == recipient) {
            return Err(CoreError::validation("recipient", "name a recipient declared in the policy"));
        }
        if legal_basis.trim().len() < 3 || scope.trim().is_empty() {
            return Err(CoreError::validation("legal_basis", "give the legal basis and the scope of the disclosure"));
        }
        let contact = match contact.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(
                crate::platform::validate::email(c)
                    .map_err(|_| CoreError::validation("contact", "the recipient's contact address is not valid"))?,
            ),
            None => None,
        };
        let mut region = None;
        for r in self.cb.regions() {
            if r.store.account(subject).await?.is_some() {
                region = Some(r.clone());
                break;
            }
        }
        let region = region.ok_or(CoreError::NotFound)?;
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let row = crate::platform::ports::DisclosureRow {
            id: id.clone(),
            subject_id: subject.clone(),
            recipient: recipient.into(),
            legal_basis: legal_basis.trim().into(),
            scope: scope.trim().into(),
            contact,
            at: now,
            notified_at: None,
        };
        let audit = self.cb.audit_draft(
            Actor::Staff(staff),
            "data.disclosed",
            Some(subject),
            Some("legal_obligation"),
            json!({ "recipient": recipient, "legal_basis": row.legal_basis, "scope": row.scope, "notice_withheld": withhold_reason }),
        );
        region.rights.insert_disclosure(&row, audit).await?;
        if withhold_reason.is_none() {
            let me = crate::identity::principal::Principal { subject: subject.clone(), region: region.id.clone(), token_hash: vec![] };
            if let Ok(p) = self.cb.accounts().me(&me).await {
                let lang = crate::platform::mail_texts::lang(&p.locale);
                let args = [("recipient", recipient), ("scope", row.scope.as_str()), ("basis", row.legal_basis.as_str())];
                self.send_in(&p.email, "disclosure.notice", lang, &args).await;
            }
        }
        Ok(id)
    }

    /// The request records of a region (for tests and the staff page).
    pub async fn all(&self, region: &RegionId) -> Result<Vec<RequestRow>, CoreError> {
        Ok(self.cb.region(region)?.rights.requests(None).await?)
    }
}
