//! The staff queue: requests with their due dates, the detail of one, and what staff do with
//! it: extend (with reasons, in time), refuse (with reasons and the right to complain), or
//! complete (an export built, an erasure run with its signed receipt, a right-to-know answer).

use serde_json::{Value, json};

use crate::platform::audit::Actor;
use crate::platform::clock::{DAY, rfc3339};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::mail_texts;
use crate::platform::ports::RequestRow;
use crate::privacy::rights::deadlines::{self, Regime};
use crate::privacy::rights::requests::service::{PURPOSE, QueueItem, Requests, date, outcome_aad};

impl Requests<'_> {
    pub(super) fn item(&self, r: &RequestRow, events: Vec<Value>) -> QueueItem {
        let due = r.extended_to.clone().unwrap_or_else(|| r.answer_by.clone());
        let overdue = r.closed_at.is_none() && date(&due).is_some_and(|d| deadlines::is_overdue(d, self.cb.now()));
        QueueItem {
            id: r.id.clone(),
            kind: r.kind.clone(),
            regime: r.regime.clone(),
            channel: r.channel.clone(),
            on_behalf: r.on_behalf.clone(),
            state: r.state.clone(),
            received_at: rfc3339(r.received_at),
            acknowledge_by: r.acknowledge_by.clone(),
            answer_by: r.answer_by.clone(),
            extended_to: r.extended_to.clone(),
            due,
            overdue,
            matched_account: r.subject_id.is_some(),
            has_document: r.document_blob.is_some(),
            events,
        }
    }

    /// The staff queue: every request not closed, soonest due first.
    pub async fn queue(&self, staff: &SubjectId) -> Result<Vec<QueueItem>, CoreError> {
        self.cb.staff().member_id(staff).await?;
        let mut out = Vec::new();
        for region in self.cb.regions() {
            for r in region.rights.requests(None).await?.into_iter().filter(|r| r.closed_at.is_none()) {
                let events = events_of(region, &r.id).await?;
                out.push(self.item(&r, events));
            }
        }
        out.sort_by(|a, b| a.due.cmp(&b.due).then(a.received_at.cmp(&b.received_at)));
        Ok(out)
    }

    /// One request, for staff (with its contact details, whose access is audited).
    pub async fn detail(&self, staff: &SubjectId, id: &str) -> Result<Value, CoreError> {
        self.cb.staff().member_id(staff).await?;
        let (region, r) = self.get(id).await?;
        let c = self.contact(&region, &r).await?;
        let audit =
            self.cb.audit_draft(Actor::Staff(staff), "request.viewed", Some(&r.requester_id), Some(PURPOSE), json!({ "request": id }));
        region.store.audit_append(audit).await?;
        let events = events_of(&region, &r.id).await?;
        Ok(
            json!({ "request": self.item(&r, events), "contact": { "email": c.email, "name": c.name, "details": c.details, "person_email": c.person_email } }),
        )
    }

    /// What every staff decision on a request checks first: the staff member, the reasons
    /// (sent to the person, so at least a sentence; `missing` says what they are for), and a
    /// request still open.
    pub(super) async fn open_for_decision<'r>(
        &self,
        staff: &SubjectId,
        id: &str,
        reason: &'r str,
        missing: &'static str,
    ) -> Result<(&'r str, RegionHandle, RequestRow), CoreError> {
        self.cb.staff().member_id(staff).await?;
        let reason = reason.trim();
        if reason.len() < 10 {
            return Err(CoreError::validation("reason", missing));
        }
        let (region, r) = self.get(id).await?;
        if r.closed_at.is_some() {
            return Err(CoreError::Conflict("this request is already closed"));
        }
        Ok((reason, region, r))
    }

    /// Extends the deadline (once, with reasons, before the current deadline passes); the
    /// person is told why.
    pub async fn extend(&self, staff: &SubjectId, id: &str, reason: &str) -> Result<QueueItem, CoreError> {
        let (reason, region, mut r) =
            self.open_for_decision(staff, id, reason, "give the reasons for the extension (they are sent to the person)").await?;
        let regime = if r.regime == "ccpa" { Regime::Ccpa } else { Regime::Gdpr };
        let d = deadlines::deadlines(regime, r.received_at, self.cb.policy().doc().limits.request_answer_days, &[]);
        let new_due = deadlines::extend(regime, &d, r.extended_to.is_some(), self.cb.now()).map_err(|e| match e {
            deadlines::ExtensionError::TooLate => {
                CoreError::Conflict("too late: an extension must be decided and explained before the deadline")
            }
            deadlines::ExtensionError::AlreadyExtended => CoreError::Conflict("this request was already extended once"),
        })?;
        r.extended_to = Some(new_due.to_string());
        let c = self.contact(&region, &r).await?;
        let lang = self.lang_of(&region, &r, &c).await;
        let (kind, due) = (mail_texts::kind_name(lang, &r.kind), new_due.to_string());
        self.send_in(&c.email, "request.extended", lang, &[("kind", &kind), ("date", &due), ("reason", reason)]).await;
        let ev = Self::event(&r.id, self.cb.now(), "extended", "staff", json!({ "to": new_due.to_string() }));
        let audit =
            self.cb.audit_draft(Actor::Staff(staff), "request.extended", Some(&r.requester_id), Some(PURPOSE), json!({ "request": id }));
        region.rights.update_request(&r, &ev, Some(audit)).await?;
        Ok(self.item(&r, vec![]))
    }

    /// Refuses a request: a reason is required, and the answer tells the person they may
    /// complain to the supervisory authority.
    pub async fn refuse(&self, staff: &SubjectId, id: &str, reason: &str) -> Result<QueueItem, CoreError> {
        let (reason, region, mut r) =
            self.open_for_decision(staff, id, reason, "a refusal needs its reason (it is sent to the person)").await?;
        if r.kind == "ccpa_delete" {
            // C-CCPA-5: only for one of the two stated exceptions (`ccpa`).
            return Err(CoreError::validation(
                "exception",
                "a CCPA deletion is refused only for a stated legal obligation (`legal_obligation`) or because the data is needed to provide the Services the person still uses (`needed_to_provide_services`)",
            ));
        }
        let c = self.contact(&region, &r).await?;
        let lang = self.lang_of(&region, &r, &c).await;
        let authority = self.cb.policy().doc().controller.supervisory_authority.get(lang).to_string();
        let kind = mail_texts::kind_name(lang, &r.kind);
        self.send_in(&c.email, "request.refused", lang, &[("kind", &kind), ("reason", reason), ("authority", &authority)]).await;
        self.close(&region, &mut r, "refused", reason, staff).await?;
        Ok(self.item(&r, vec![]))
    }

    pub(super) async fn close(
        &self,
        region: &RegionHandle,
        r: &mut RequestRow,
        state: &str,
        note: &str,
        staff: &SubjectId,
    ) -> Result<(), CoreError> {
        let now = self.cb.now();
        let key = self.cb.keys().current(region, &r.requester_id).await?;
        r.outcome = Some(key.seal(outcome_aad(&r.id), note.as_bytes())?);
        r.state = state.into();
        r.closed_at = Some(now);
        // The agent's or guardian's document is deleted when the request closes (C-CCPA-4).
        if let Some(b) = r.document_blob.take() {
            region.blobs.delete(&b).await?;
        }
        let ev = Self::event(&r.id, now, state, "staff", json!({}));
        let audit = self.cb.audit_draft(
            Actor::Staff(staff),
            &format!("request.{state}"),
            Some(&r.requester_id),
            Some(PURPOSE),
            json!({ "request": r.id, "kind": r.kind }),
        );
        region.rights.update_request(r, &ev, Some(audit)).await?;
        Ok(())
    }

    /// Completes a request. Access, portability and CCPA right to know: the export is built
    /// and its link sent; erasure and CCPA delete: the account is erased and the signed
    /// receipt sent; other kinds: staff did the work and say what in `note`.
    pub async fn complete(&self, staff: &SubjectId, id: &str, note: &str, base_url: &str) -> Result<Value, CoreError> {
        self.cb.staff().member_id(staff).await?;
        let (region, mut r) = self.get(id).await?;
        Self::check_open(&r)?;
        self.check_document_reviewed(&region, &r).await?;
        let c = self.contact(&region, &r).await?;
        // Read before an erasure takes the account (and its preference) away.
        let lang = self.lang_of(&region, &r, &c).await;
        let mut answer = json!({});
        let text = match (r.kind.as_str(), r.subject_id.clone()) {
            ("access" | "portability", Some(s)) => {
                let v = self.cb.exports().request_for(&region.id, &s, Some(&r.id), Actor::Staff(staff)).await?;
                self.cb.exports().run_pending().await?;
                let st = self
                    .cb
                    .exports()
                    .status(
                        &crate::identity::principal::Principal { subject: s.clone(), region: region.id.clone(), token_hash: vec![] },
                        &v.id,
                    )
                    .await?;
                r.export_id = Some(v.id.clone());
                answer = json!({ "export": st });
                // No link opens the archive (issue 11, finding 9): the account holder signs in;
                // an agent or a parent proves the address again with a one-time code.
                if r.on_behalf == "self" {
                    crate::privacy::rights::exports::answer_for_owner(lang, base_url, self.cb.policy().doc().limits.export_link_hours)
                } else {
                    crate::privacy::rights::exports::answer_for_requester(
                        lang,
                        base_url,
                        &r.id,
                        self.cb.policy().doc().limits.export_link_hours,
                    )
                }
            }
            ("ccpa_know", Some(s)) => {
                let know = self.right_to_know(&region, &s).await?;
                answer = know.clone();
                mail_texts::piece("request.answer.know", lang, &[("facts", &serde_json::to_string_pretty(&know).unwrap_or_default())])
            }
            ("erasure" | "ccpa_delete", Some(s)) => {
                let receipt = self
                    .cb
                    .erasure()
                    .erase_account(&region.id, &s, &format!("request:{}", r.channel), Some(&r.id), Actor::Staff(staff))
                    .await?;
                answer = json!({ "receipt": receipt });
                let pretty = serde_json::to_string_pretty(&receipt.receipt).unwrap_or_default();
                mail_texts::piece(
                    "request.answer.erased",
                    lang,
                    &[("base_url", base_url), ("receipt", &pretty), ("signature", &receipt.signature)],
                )
            }
            // Someone without an account who wrote to the support desk, registered for an event or
            // a training, applied for a job or was a billing contact from this (verified) address:
            // all of it goes; the invoices' legally required fields stay under the accounting hold.
            ("erasure" | "ccpa_delete", None) => {
                let tickets = self.cb.support().erase_by_address(&r.email_bidx).await?;
                let registrations = self.cb.programmes().erase_by_address(&r.email_bidx).await?;
                let applications = self.cb.careers().erase_by_address(&r.email_bidx).await?;
                let billing = self.cb.billing().erase_contact_by_address(&r.email_bidx, Actor::Staff(staff)).await?;
                answer = json!({ "support_tickets": tickets, "programme_registrations": registrations, "job_applications": applications, "contracts": billing.contracts, "held": billing.held });
                let erased = [
                    (mail_texts::piece("request.answer.support_tickets", lang, &[]), tickets),
                    (mail_texts::piece("request.answer.registrations", lang, &[]), registrations),
                    (mail_texts::piece("request.answer.applications", lang, &[]), applications),
                ];
                crate::business::billing::erasure::answer(&erased, &billing, lang)
            }
            (_, None) if ["access", "portability", "ccpa_know", "erasure", "ccpa_delete"].contains(&r.kind.as_str()) => {
                mail_texts::piece("request.answer.nothing", lang, &[])
            }
            _ => {
                if note.trim().len() < 10 {
                    return Err(CoreError::validation("note", "say what was done (it is sent to the person)"));
                }
                mail_texts::piece("request.answer.done", lang, &[("kind", &mail_texts::kind_name(lang, &r.kind)), ("note", note.trim())])
            }
        };
        self.send(&c.email, &mail_texts::subject("request.answer", lang), text).await;
        self.close(&region, &mut r, "completed", note, staff).await?;
        Ok(json!({ "request": self.item(&r, vec![]), "answer": answer }))
    }

    /// CCPA right to know (C-CCPA-1): categories collected, used and disclosed in the last 12
    /// months, from the system's own records (catalog, stored data, audit log, disclosure log).
    pub async fn right_to_know(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
        let since = self.cb.now() - 365 * DAY;
        let p = self.cb.policy();
        let mut collected = Vec::new();
        for c in &p.doc().categories {
            if !crate::privacy::rights::categories::stored(self.cb, &c.id) {
                continue;
            }
            let data = crate::privacy::rights::categories::export_category(self.cb, region, subject, &c.id).await?;
            let has = match &data {
                Value::Object(m) => m.values().any(|v| match v {
                    Value::Array(a) => !a.is_empty(),
                    Value::Null => false,
                    _ => true,
                }),
                _ => false,
            };
            if has {
                let purposes: Vec<&str> =
                    p.doc().purposes.iter().filter(|pu| pu.categories.contains(&c.id)).map(|pu| pu.id.as_str()).collect();
                collected.push(json!({ "category": c.id, "ccpa_category": c.ccpa, "source": c.source.en, "used_for": purposes }));
            }
        }
        let disclosed: Vec<Value> = region
            .rights
            .disclosures_of(subject)
            .await?
            .into_iter()
            .filter(|d| d.at >= since)
            .map(|d| json!({ "recipient": d.recipient, "scope": d.scope, "legal_basis": d.legal_basis, "at": rfc3339(d.at) }))
            .collect();
        let accessed = region.store.audit_about(subject).await?.into_iter().filter(|e| e.at_ms >= since).count();
        Ok(json!({
            "period": { "from": rfc3339(since), "to": rfc3339(self.cb.now()) },
            "collected": collected,
            "disclosed_for_a_business_purpose": disclosed,
            "sold": [],
            "shared_for_cross_context_advertising": [],
            "audit_entries_in_period": accessed,
        }))
    }
}

/// A request's events as staff see them: when, what, by whom (no personal data).
async fn events_of(region: &RegionHandle, id: &str) -> Result<Vec<Value>, CoreError> {
    Ok(region
        .rights
        .request_events(id)
        .await?
        .into_iter()
        .map(|e| json!({ "at": rfc3339(e.at), "event": e.event, "actor": e.actor }))
        .collect())
}
