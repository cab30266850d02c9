//! The retention scheduler (C-RET-2, C-RET-3, C-RET-6): the policy's rules, applied on the clock.
//!
//! Each rule of the policy (category × trigger × period) is enforced by the enabled module that
//! stores the category (`privacy::modules`): a purge the scheduler runs, or erasure when the
//! trigger happens. `policy check` refuses a rule no enabled module enforces. Every run of a
//! purge is recorded per region (rule, due, purged, held, when). Legal holds (reason and end
//! date) keep a subject's data of a category past its rule. Backups older than the policy's
//! backup retention (never above the erasure deadline) are deleted at every run.
//!
//! Takes the whole context (`Clearboard`): the scheduler applies the policy's rules to every
//! region's stores and the backup shelf, behind the staff gate for holds, and audits each run.

use clearboard_policy::Period;
use serde::Serialize;
use serde_json::json;

use crate::identity::principal::Principal;
use crate::identity::staff::{Reason, Role};
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::{LegalHoldRow, Programme, PurgeCount, RetentionRunRow};
use crate::privacy::modules::model::Enforcement;
use crate::privacy::modules::registry;

/// The name of the backups' rule in runs and on the staff page.
pub const BACKUPS_RULE: &str = "backups:created";

/// What enforces the rule (category, trigger) in this deployment, if anything does.
pub fn enforcement(cb: &Clearboard, category: &str, trigger: &str) -> Option<Enforcement> {
    registry::enforcement(&cb.settings().disabled_modules, category, trigger)
}

/// One rule as the staff page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleStatus {
    pub rule: String,
    pub category: String,
    pub trigger: String,
    pub period: Period,
    pub enforcement: Option<Enforcement>,
    /// Items past the rule right now (all regions), held ones included.
    pub due: u64,
    pub held: u64,
}

/// A run's result for one rule in one region.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RunReport {
    pub region: String,
    pub rule: String,
    pub due: u64,
    pub purged: u64,
    pub held: u64,
    pub at: String,
}

/// A legal hold as listed to staff.
#[derive(Debug, Clone, Serialize)]
pub struct HoldInfo {
    pub id: String,
    pub region: String,
    pub subject_id: String,
    pub category: String,
    pub reason: String,
    pub until: String,
    pub created_at: String,
    pub created_by: String,
    pub released_at: Option<String>,
}

pub struct Retention<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn retention(&self) -> Retention<'_> {
        Retention { cb: self }
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Retention<'_> {
    /// Sessions whose idle or absolute timeout passed more than `period` before `now`.
    fn session_bounds(&self, period: Period, now: Millis) -> (Millis, Millis) {
        let s = self.cb.settings();
        let ended = period.before(now);
        (ended - s.session_idle_ms, ended - s.session_absolute_ms)
    }

    /// Participants whose latest session started before this have had it end more than
    /// `period` before `now` (a session lasts at most the absolute timeout).
    fn participant_bound(&self, period: Period, now: Millis) -> Millis {
        period.before(now) - self.cb.settings().session_absolute_ms
    }

    /// How long backups are kept: the policy's backup retention, never above the erasure
    /// deadline (C-RET-2).
    pub fn backup_period(&self) -> Period {
        let d = self.cb.policy().doc();
        Period::Days(d.backups.retention_days.min(d.limits.erasure_deadline_days))
    }

    /// Applies one purge in one region; returns (due, purged, held).
    async fn purge(&self, region: &RegionHandle, enforcement: Enforcement, period: Period, now: Millis) -> Result<PurgeCount, CoreError> {
        let before = period.before(now);
        Ok(match enforcement {
            Enforcement::PurgeSessions => {
                let (idle, created) = self.session_bounds(period, now);
                region.store.purge_sessions(idle, created, now).await?
            }
            Enforcement::PurgePageViews => {
                let purged = region.consents.purge_page_views(before).await?;
                PurgeCount { due: purged, purged, held: 0 }
            }
            Enforcement::PurgeVisitorConsents => {
                let purged = region.consents.purge_visitor_consents(before).await?;
                PurgeCount { due: purged, purged, held: 0 }
            }
            Enforcement::PurgeClosedRequests => {
                let purged = self.cb.requests().purge_closed(region, before).await?;
                PurgeCount { due: purged, purged, held: 0 }
            }
            Enforcement::PurgeIdleParticipants => {
                self.cb.boards().purge_idle_participants(region, self.participant_bound(period, now)).await?
            }
            Enforcement::PurgeClosedTickets => self.cb.support().purge_closed(region, before).await?,
            Enforcement::PurgeEndedContracts => self.cb.billing().purge_ended(region, before).await?,
            Enforcement::PurgeUnconfirmedContacts => {
                let purged = self.cb.outreach().purge_unconfirmed(region, before).await?;
                PurgeCount { due: purged, purged, held: 0 }
            }
            Enforcement::PurgeInactiveContacts => {
                let purged = self.cb.outreach().purge_inactive(region, before).await?;
                PurgeCount { due: purged, purged, held: 0 }
            }
            Enforcement::PurgeEndedEvents | Enforcement::PurgeEndedTrainings => {
                let p = if enforcement == Enforcement::PurgeEndedEvents { Programme::Event } else { Programme::Training };
                let purged = self.cb.programmes().purge_ended(p, region, before).await?;
                PurgeCount { due: purged, purged, held: 0 }
            }
            Enforcement::PurgeEndedVisits => {
                let purged = self.cb.programmes().purge_visits(region, before).await?;
                PurgeCount { due: purged, purged, held: 0 }
            }
            Enforcement::PurgeStaleApplications => {
                let purged = self.cb.careers().purge_stale(region, before).await?;
                PurgeCount { due: purged, purged, held: 0 }
            }
            Enforcement::AtTrigger | Enforcement::PurgeBackups => PurgeCount { due: 0, purged: 0, held: 0 },
        })
    }

    async fn record(&self, region: &RegionHandle, rule: &str, started: Millis, c: &PurgeCount) -> Result<RunReport, CoreError> {
        let run = RetentionRunRow {
            id: crate::platform::ids::new_uuid(started)?.to_string(),
            rule: rule.to_string(),
            started_at: started,
            finished_at: self.cb.now(),
            due: count(c.due),
            purged: count(c.purged),
            held: count(c.held),
        };
        region.store.record_retention_run(&run).await?;
        if c.purged > 0 || c.held > 0 {
            tracing::info!(rule = %rule, region = %region.id, purged = c.purged, held = c.held, "retention run");
        }
        Ok(RunReport {
            region: region.id.to_string(),
            rule: rule.to_string(),
            due: c.due,
            purged: c.purged,
            held: c.held,
            at: rfc3339(started),
        })
    }

    /// Applies every rule once, in every region, deletes backups past their period, and records
    /// each run.
    pub async fn run(&self) -> Result<Vec<RunReport>, CoreError> {
        let mut out = Vec::new();
        for rule in &self.cb.policy().doc().retention {
            let name = rule.name();
            match enforcement(self.cb, &rule.category, &rule.trigger) {
                Some(Enforcement::AtTrigger) => {}
                Some(e) => {
                    for r in self.cb.regions() {
                        let started = self.cb.now();
                        let c = self.purge(r, e, rule.period(), started).await?;
                        out.push(self.record(r, &name, started, &c).await?);
                    }
                }
                None => tracing::error!(rule = %name, "no enabled module enforces this retention rule"),
            }
        }
        if let Some(report) = self.prune_backups().await? {
            out.push(report);
        }
        Ok(out)
    }

    /// Deletes the backups older than [`Retention::backup_period`]; the run is recorded in the
    /// default region's log (backups hold every region).
    async fn prune_backups(&self) -> Result<Option<RunReport>, CoreError> {
        let Some(shelf) = self.cb.backups() else { return Ok(None) };
        let started = self.cb.now();
        let cutoff = self.backup_period().before(started);
        let mut c = PurgeCount { due: 0, purged: 0, held: 0 };
        for b in shelf.list().await?.into_iter().filter(|b| b.created_at <= cutoff) {
            c.due += 1;
            shelf.delete(&b.name).await?;
            c.purged += 1;
        }
        let region = self.cb.region(&self.cb.settings().default_region)?;
        let mut report = self.record(region, BACKUPS_RULE, started, &c).await?;
        report.region = "all".into();
        Ok(Some(report))
    }

    /// What each rule has due now, without purging.
    pub async fn status(&self) -> Result<Vec<RuleStatus>, CoreError> {
        let now = self.cb.now();
        let mut out = Vec::new();
        for rule in &self.cb.policy().doc().retention {
            let enf = enforcement(self.cb, &rule.category, &rule.trigger);
            let before = rule.period().before(now);
            let (mut due, mut held) = (0, 0);
            for r in self.cb.regions() {
                match enf {
                    Some(Enforcement::PurgePageViews) => due += r.consents.count_page_views_before(before).await?,
                    Some(Enforcement::PurgeVisitorConsents) => due += r.consents.count_visitor_consents_before(before).await?,
                    Some(Enforcement::PurgeClosedRequests) => {
                        due += r.rights.requests(None).await?.iter().filter(|q| q.closed_at.is_some_and(|at| at < before)).count() as u64;
                    }
                    Some(Enforcement::PurgeClosedTickets) => due += r.support.closed_before(before).await?.len() as u64,
                    Some(Enforcement::PurgeSessions) => {
                        let (idle, created) = self.session_bounds(rule.period(), now);
                        let c = r.store.count_due_sessions(idle, created, now).await?;
                        due += c.due;
                        held += c.held;
                    }
                    Some(Enforcement::PurgeIdleParticipants) => {
                        due += self.cb.boards().idle_participants(r, self.participant_bound(rule.period(), now)).await?;
                    }
                    Some(Enforcement::PurgeEndedContracts) => due += self.cb.billing().ended_before(r, before).await?,
                    Some(Enforcement::PurgeUnconfirmedContacts) => due += r.outreach.unconfirmed_before(before).await?.len() as u64,
                    Some(Enforcement::PurgeInactiveContacts) => due += r.outreach.inactive_before(before).await?.len() as u64,
                    Some(Enforcement::PurgeEndedEvents) => due += self.cb.programmes().ended_before(Programme::Event, r, before).await?,
                    Some(Enforcement::PurgeEndedTrainings) => {
                        due += self.cb.programmes().ended_before(Programme::Training, r, before).await?
                    }
                    Some(Enforcement::PurgeEndedVisits) => due += r.programmes.visits_ended_before(before).await?.len() as u64,
                    Some(Enforcement::PurgeStaleApplications) => due += r.careers.stale_applications(before).await?.len() as u64,
                    Some(Enforcement::AtTrigger | Enforcement::PurgeBackups) | None => {}
                }
            }
            out.push(RuleStatus {
                rule: rule.name(),
                category: rule.category.clone(),
                trigger: rule.trigger.clone(),
                period: rule.period(),
                enforcement: enf,
                due,
                held,
            });
        }
        if let Some(shelf) = self.cb.backups() {
            let cutoff = self.backup_period().before(now);
            let due = shelf.list().await?.iter().filter(|b| b.created_at <= cutoff).count() as u64;
            out.push(RuleStatus {
                rule: BACKUPS_RULE.into(),
                category: "backups".into(),
                trigger: "created".into(),
                period: self.backup_period(),
                enforcement: Some(Enforcement::PurgeBackups),
                due,
                held: 0,
            });
        }
        Ok(out)
    }

    /// The latest recorded runs of every region, newest first.
    pub async fn runs(&self, limit: i64) -> Result<Vec<RunReport>, CoreError> {
        let mut out = Vec::new();
        for r in self.cb.regions() {
            for run in r.store.retention_runs(limit).await? {
                let due = u64::try_from(run.due).unwrap_or(0);
                out.push((
                    run.started_at,
                    RunReport {
                        region: r.id.to_string(),
                        rule: run.rule,
                        due,
                        purged: u64::try_from(run.purged).unwrap_or(0),
                        held: u64::try_from(run.held).unwrap_or(0),
                        at: rfc3339(run.started_at),
                    },
                ));
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.0));
        Ok(out.into_iter().take(usize::try_from(limit).unwrap_or(0)).map(|(_, r)| r).collect())
    }

    /// Staff allowed to manage legal holds: privacy officers and admins with current training.
    async fn hold_manager(&self, who: &Principal) -> Result<Role, CoreError> {
        let role = self.cb.staff().on_duty(who).await?;
        if !matches!(role, Role::PrivacyOfficer | Role::Admin) {
            return Err(CoreError::Forbidden);
        }
        Ok(role)
    }

    /// Places a legal hold on a subject's data of one category until `until`.
    pub async fn place_hold(
        &self,
        who: &Principal,
        subject: &SubjectId,
        category: &str,
        reason: &str,
        until: Millis,
    ) -> Result<HoldInfo, CoreError> {
        self.hold_manager(who).await?;
        if self.cb.policy().category(category).is_none() {
            return Err(CoreError::validation("category", "name a category of the policy"));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control) {
            return Err(CoreError::validation("reason", "give the legal reason (1 to 500 characters, one line)"));
        }
        let now = self.cb.now();
        if until <= now {
            return Err(CoreError::validation("until", "the end date must be in the future"));
        }
        let mut region = None;
        for r in self.cb.regions() {
            if r.store.account(subject).await?.is_some() || r.store.subject_erased_at(subject).await?.is_some() {
                region = Some(r.clone());
                break;
            }
        }
        let region = region.ok_or(CoreError::NotFound)?;
        let row = LegalHoldRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            subject_id: subject.clone(),
            category: category.to_string(),
            reason: reason.to_string(),
            until_at: until,
            created_at: now,
            created_by: who.subject.to_string(),
            released_at: None,
        };
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "legal_hold.placed",
            Some(subject),
            Some(Reason::RightsRequest.purpose()),
            json!({ "hold": row.id, "category": category, "until": rfc3339(until) }),
        );
        region.store.put_legal_hold(&row, audit).await?;
        Ok(hold_info(region.id.as_str(), row))
    }

    /// Releases a hold early.
    pub async fn release_hold(&self, who: &Principal, id: &str) -> Result<(), CoreError> {
        self.hold_manager(who).await?;
        for r in self.cb.regions() {
            if let Some(h) = r.store.legal_holds(None).await?.into_iter().find(|h| h.id == id) {
                let audit = self.cb.audit_draft(
                    Actor::Staff(&who.subject),
                    "legal_hold.released",
                    Some(&h.subject_id),
                    Some(Reason::RightsRequest.purpose()),
                    json!({ "hold": id }),
                );
                return if r.store.release_legal_hold(id, self.cb.now(), audit).await? { Ok(()) } else { Err(CoreError::NotFound) };
            }
        }
        Err(CoreError::NotFound)
    }

    /// Every hold (any staff member may list them: they hold pseudonymous ids only).
    pub async fn holds(&self, who: &Principal) -> Result<Vec<HoldInfo>, CoreError> {
        self.cb.staff().on_duty(who).await?;
        let mut out = Vec::new();
        for r in self.cb.regions() {
            out.extend(r.store.legal_holds(None).await?.into_iter().map(|h| hold_info(r.id.as_str(), h)));
        }
        Ok(out)
    }
}

fn hold_info(region: &str, h: LegalHoldRow) -> HoldInfo {
    HoldInfo {
        id: h.id,
        region: region.to_string(),
        subject_id: h.subject_id.to_string(),
        category: h.category,
        reason: h.reason,
        until: rfc3339(h.until_at),
        created_at: rfc3339(h.created_at),
        created_by: h.created_by,
        released_at: h.released_at.map(rfc3339),
    }
}

#[cfg(test)]
mod tests {
    use crate::privacy::modules::registry;

    /// C-RET-6: every retention rule of the default policy is enforced by an enabled module.
    #[test]
    fn c_ret_6_every_default_rule_has_an_enforcement() {
        let p = clearboard_policy::Policy::default_policy().unwrap();
        let none = std::collections::BTreeSet::new();
        for r in &p.doc().retention {
            assert!(registry::enforcement(&none, &r.category, &r.trigger).is_some(), "{} is not enforced", r.name());
        }
    }
}
