//! The retention scheduler (C-RET-3, C-RET-6): the policy's rules, applied on the clock.
//!
//! Each rule of the policy (category × trigger × days) maps to what enforces it in this
//! version of the software: a purge the scheduler runs, the erasure flow (data that goes when
//! its trigger happens), or nothing because the software does not collect that category yet.
//! Every run of a purge is recorded per region (rule, due, purged, held, when). Legal holds
//! (reason and end date) keep a subject's data of a category past its rule.
//!
//! Takes the whole context (`Clearboard`): the scheduler applies the policy's rules to every
//! region's stores, behind the staff gate for holds, and audits each run.

use serde::Serialize;
use serde_json::json;

use crate::identity::principal::Principal;
use crate::identity::staff::{Reason, Role};
use crate::platform::audit::Actor;
use crate::platform::clock::{DAY, Millis, rfc3339};
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::{LegalHoldRow, PurgeCount, RetentionRunRow};

/// What enforces a retention rule in this version of the software.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// The scheduler purges expired sign-in sessions.
    PurgeSessions,
    /// The scheduler purges page views older than the rule.
    PurgePageViews,
    /// The data goes when its trigger happens (account deletion erases it at once).
    AtTrigger,
    /// The software does not store this category yet, so there is nothing to purge.
    NotCollected,
}

/// The enforcement of a (category, trigger) rule, or `None` when the software cannot enforce it.
pub fn enforcement(category: &str, trigger: &str) -> Option<Enforcement> {
    match (category, trigger) {
        ("security", "session_ended") => Some(Enforcement::PurgeSessions),
        ("account", "account_deleted") | ("user_content", "account_deleted") => Some(Enforcement::AtTrigger),
        ("contract", "contract_ended")
        | ("assistance", "request_closed")
        | ("events", "last_contact")
        | ("trainings", "last_contact")
        | ("job_applications", "last_contact") => Some(Enforcement::NotCollected),
        ("navigation", "collected") => Some(Enforcement::PurgePageViews),
        _ => None,
    }
}

/// One rule as the staff page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleStatus {
    pub rule: String,
    pub category: String,
    pub trigger: String,
    pub days: u32,
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

impl Retention<'_> {
    fn session_bounds(&self, days: u32, now: Millis) -> (Millis, Millis) {
        let s = self.cb.settings();
        let grace = i64::from(days) * DAY;
        (now - grace - s.session_idle_ms, now - grace - s.session_absolute_ms)
    }

    /// Applies every enforceable rule once, in every region, and records each run.
    pub async fn run(&self) -> Result<Vec<RunReport>, CoreError> {
        let mut out = Vec::new();
        for rule in &self.cb.policy().doc().retention {
            let name = format!("{}:{}", rule.category, rule.trigger);
            match enforcement(&rule.category, &rule.trigger) {
                Some(Enforcement::PurgeSessions) => {
                    for r in self.cb.regions() {
                        let started = self.cb.now();
                        let (idle, created) = self.session_bounds(rule.days, started);
                        let PurgeCount { due, purged, held } = r.store.purge_sessions(idle, created, started).await?;
                        let finished = self.cb.now();
                        let run = RetentionRunRow {
                            id: crate::platform::ids::new_uuid(started)?.to_string(),
                            rule: name.clone(),
                            started_at: started,
                            finished_at: finished,
                            due: i64::try_from(due).unwrap_or(i64::MAX),
                            purged: i64::try_from(purged).unwrap_or(i64::MAX),
                            held: i64::try_from(held).unwrap_or(i64::MAX),
                        };
                        r.store.record_retention_run(&run).await?;
                        if purged > 0 || held > 0 {
                            tracing::info!(rule = %name, region = %r.id, purged, held, "retention run");
                        }
                        out.push(RunReport { region: r.id.to_string(), rule: name.clone(), due, purged, held, at: rfc3339(started) });
                    }
                }
                Some(Enforcement::PurgePageViews) => {
                    for r in self.cb.regions() {
                        let started = self.cb.now();
                        let before = started - i64::from(rule.days) * DAY;
                        let purged = r.consents.purge_page_views(before).await?;
                        let run = RetentionRunRow {
                            id: crate::platform::ids::new_uuid(started)?.to_string(),
                            rule: name.clone(),
                            started_at: started,
                            finished_at: self.cb.now(),
                            due: i64::try_from(purged).unwrap_or(i64::MAX),
                            purged: i64::try_from(purged).unwrap_or(i64::MAX),
                            held: 0,
                        };
                        r.store.record_retention_run(&run).await?;
                        out.push(RunReport {
                            region: r.id.to_string(),
                            rule: name.clone(),
                            due: purged,
                            purged,
                            held: 0,
                            at: rfc3339(started),
                        });
                    }
                }
                Some(Enforcement::AtTrigger | Enforcement::NotCollected) => {}
                None => tracing::error!(rule = %name, "this retention rule has no enforcement in this version of clearboard"),
            }
        }
        Ok(out)
    }

    /// What each rule has due now, without purging.
    pub async fn status(&self) -> Result<Vec<RuleStatus>, CoreError> {
        let now = self.cb.now();
        let mut out = Vec::new();
        for rule in &self.cb.policy().doc().retention {
            let enf = enforcement(&rule.category, &rule.trigger);
            let (mut due, mut held) = (0, 0);
            if enf == Some(Enforcement::PurgePageViews) {
                for r in self.cb.regions() {
                    due += r.consents.count_page_views_before(now - i64::from(rule.days) * DAY).await?;
                }
            }
            if enf == Some(Enforcement::PurgeSessions) {
                for r in self.cb.regions() {
                    let (idle, created) = self.session_bounds(rule.days, now);
                    let c = r.store.count_due_sessions(idle, created, now).await?;
                    due += c.due;
                    held += c.held;
                }
            }
            out.push(RuleStatus {
                rule: format!("{}:{}", rule.category, rule.trigger),
                category: rule.category.clone(),
                trigger: rule.trigger.clone(),
                days: rule.days,
                enforcement: enf,
                due,
                held,
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
    use super::*;

    /// Every retention rule of the default policy is enforced by something in this version.
    #[test]
    fn every_default_rule_has_an_enforcement() {
        let p = clearboard_policy::Policy::default_policy().unwrap();
        for r in &p.doc().retention {
            assert!(enforcement(&r.category, &r.trigger).is_some(), "{}:{} is not enforced", r.category, r.trigger);
        }
    }
}
