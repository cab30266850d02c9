//! Staff access (C-SHARE-1, R52): the operator's employees see personal data only for a named
//! reason that their role allows, only while their confidentiality training is current, and
//! every access (allowed or refused) is written to the audit log of the person concerned,
//! whom the privacy centre will show it to.
//!
//! Takes the whole context (`Clearboard`): the staff gate reads roles from the directory, accounts
//! from every region, the policy (training) and appends to the audit chain of the person looked
//! at.

use clearboard_policy::Policy;
use serde::Serialize;
use serde_json::json;

use crate::identity::accounts::{NewAccount, Profile};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{DAY, Millis, midnight_ms};
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::{RegionId, SubjectId};
use crate::platform::ports::StaffRow;
use crate::platform::validate;

/// Staff roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Support,
    PrivacyOfficer,
    /// Manages contracts (issue 15): opens a billing contact for the reason `contract`.
    ContractManager,
    /// Works the recruitment pipeline (issue 18): opens applications and CVs for the reason
    /// `recruitment`.
    Recruiter,
    /// Writes and sends campaigns to the people who consented (outreach); opens no one's data.
    Marketing,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "support" => Some(Self::Support),
            "privacy_officer" => Some(Self::PrivacyOfficer),
            "contract_manager" => Some(Self::ContractManager),
            "recruiter" => Some(Self::Recruiter),
            "marketing" => Some(Self::Marketing),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::PrivacyOfficer => "privacy_officer",
            Self::ContractManager => "contract_manager",
            Self::Recruiter => "recruiter",
            Self::Marketing => "marketing",
            Self::Admin => "admin",
        }
    }

    /// The reasons this role may give to open someone's data (least privilege).
    pub fn allows(self, reason: Reason) -> bool {
        matches!(
            (self, reason),
            (Self::Support, Reason::SupportRequest)
                | (Self::PrivacyOfficer, Reason::SupportRequest | Reason::RightsRequest)
                | (Self::ContractManager, Reason::Contract)
                | (Self::Support, Reason::Events)
                | (Self::Recruiter, Reason::Recruitment)
                | (
                    Self::Admin,
                    Reason::SupportRequest | Reason::Contract | Reason::SecurityIncident | Reason::Events | Reason::Recruitment
                )
        )
    }
}

/// Why a staff member opens someone's data. Each reason is a purpose of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    SupportRequest,
    RightsRequest,
    Contract,
    SecurityIncident,
    /// Running events, visits and trainings (issue 18): the front desk, check-in lists,
    /// attendance and certificates. Support staff and admins (the front desk is support's).
    Events,
    /// Considering a job application (issue 18).
    Recruitment,
}

impl Reason {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "support_request" => Some(Self::SupportRequest),
            "rights_request" => Some(Self::RightsRequest),
            "contract" => Some(Self::Contract),
            "security_incident" => Some(Self::SecurityIncident),
            "events" => Some(Self::Events),
            "recruitment" => Some(Self::Recruitment),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SupportRequest => "support_request",
            Self::RightsRequest => "rights_request",
            Self::Contract => "contract",
            Self::SecurityIncident => "security_incident",
            Self::Events => "events",
            Self::Recruitment => "recruitment",
        }
    }

    /// The policy purpose this reason serves.
    pub fn purpose(self) -> &'static str {
        match self {
            Self::SupportRequest => "assistance",
            Self::RightsRequest => "rights",
            Self::Contract => "contract",
            Self::SecurityIncident => "security",
            Self::Events => "events",
            Self::Recruitment => "recruitment",
        }
    }
}

/// Whether training completed at `trained_at` is still valid at `now`.
pub fn training_current(policy: &Policy, trained_at: Option<Millis>, now: Millis) -> bool {
    let validity = i64::from(policy.training_validity_days()) * DAY;
    trained_at.is_some_and(|t| t <= now && now - t <= validity)
}

/// Where an account lives.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRef {
    pub id: SubjectId,
    pub region: RegionId,
}

pub struct Staff<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn staff(&self) -> Staff<'_> {
        Staff { cb: self }
    }
}

impl Staff<'_> {
    /// Makes someone a staff member (creating their account if the email is new).
    pub async fn add(&self, input: NewAccount, role: Role, trained_on: Option<time::Date>) -> Result<AccountRef, CoreError> {
        let email = validate::email(&input.email)?;
        let bidx = self.cb.inner.blind.email(&email);
        let (region, subject) = match self.cb.directory().find_email(&bidx).await? {
            Some(found) => found,
            None => {
                let p = self.cb.accounts().create_for_staff(input).await?;
                (p.region, p.id)
            }
        };
        let row = StaffRow {
            subject_id: subject.clone(),
            region: region.clone(),
            role: role.as_str().to_string(),
            trained_at: trained_on.map(midnight_ms),
            created_at: self.cb.now(),
        };
        let audit = self.cb.audit_draft(
            Actor::Cli,
            "staff.granted",
            Some(&subject),
            Some("security"),
            json!({ "role": role.as_str(), "trained": row.trained_at.is_some() }),
        );
        self.cb.directory().put_staff(&row, audit).await?;
        Ok(AccountRef { id: subject, region })
    }

    /// Records a completed confidentiality training.
    pub async fn record_training(&self, email: &str, trained_on: time::Date) -> Result<(), CoreError> {
        let bidx = self.cb.inner.blind.email(&validate::email(email)?);
        let (_, subject) = self.cb.directory().find_email(&bidx).await?.ok_or(CoreError::NotFound)?;
        let mut row = self.cb.directory().staff(&subject).await?.ok_or(CoreError::NotFound)?;
        row.trained_at = Some(midnight_ms(trained_on));
        let audit = self.cb.audit_draft(Actor::Cli, "staff.training_recorded", Some(&subject), Some("security"), json!({}));
        self.cb.directory().put_staff(&row, audit).await?;
        Ok(())
    }

    pub async fn list(&self) -> Result<Vec<StaffRow>, CoreError> {
        Ok(self.cb.directory().list_staff().await?)
    }

    /// The staff record of the signed-in person, whatever their training (to tell them where
    /// they stand); `Forbidden` if they are not staff. Everything else goes through
    /// [`Staff::on_duty`].
    pub async fn member_record(&self, who: &Principal) -> Result<(StaffRow, Role), CoreError> {
        self.member(who).await
    }

    async fn member(&self, who: &Principal) -> Result<(StaffRow, Role), CoreError> {
        let row = self.cb.directory().staff(&who.subject).await?.ok_or(CoreError::Forbidden)?;
        let role = Role::parse(&row.role).ok_or(CoreError::Forbidden)?;
        Ok((row, role))
    }

    /// The one gate of every staff endpoint that shows or changes anything (queues, retention,
    /// holds, statistics, requests): staff membership and current confidentiality training
    /// (C-SHARE-1). A refusal for missing training is written to the audit trail.
    pub async fn on_duty(&self, who: &Principal) -> Result<Role, CoreError> {
        let (row, role) = self.member(who).await?;
        if !training_current(self.cb.policy(), row.trained_at, self.cb.now()) {
            let audit = self.cb.audit_draft(
                Actor::Staff(&who.subject),
                "staff.access_refused",
                Some(&who.subject),
                None,
                json!({ "outcome": "staff_training_required" }),
            );
            if let Ok(region) = self.cb.region(&who.region) {
                region.store.audit_append(audit).await?;
            }
            return Err(CoreError::StaffTrainingRequired);
        }
        Ok(role)
    }

    /// Staff who may work rights requests: a role that allows the `rights_request` reason and
    /// current confidentiality training.
    pub async fn member_id(&self, subject: &SubjectId) -> Result<Role, CoreError> {
        let row = self.cb.directory().staff(subject).await?.ok_or(CoreError::Forbidden)?;
        let role = Role::parse(&row.role).ok_or(CoreError::Forbidden)?;
        if !role.allows(Reason::RightsRequest) {
            return Err(CoreError::Forbidden);
        }
        if !training_current(self.cb.policy(), row.trained_at, self.cb.now()) {
            return Err(CoreError::StaffTrainingRequired);
        }
        Ok(role)
    }

    /// The gate every staff access passes: role allows the reason, training is current, the
    /// policy allows the purpose on the category. Refusals are returned, not yet audited: the
    /// caller writes them to the audit trail of the person concerned.
    pub(crate) async fn gate(&self, who: &Principal, reason: Reason, category: &str) -> Result<Role, CoreError> {
        let (row, role) = self.member(who).await?;
        if !role.allows(reason) {
            return Err(CoreError::Forbidden);
        }
        if !training_current(self.cb.policy(), row.trained_at, self.cb.now()) {
            return Err(CoreError::StaffTrainingRequired);
        }
        self.cb.policy().check(reason.purpose(), category)?;
        Ok(role)
    }

    /// The audit entry of a staff access that passed the gate (`allowed`, as `action`) or was
    /// refused by it (`staff.access_refused`, with the refusal's code), for the trail of the
    /// person concerned; `detail` says what was opened.
    pub(crate) fn access_audit(
        &self,
        who: &Principal,
        target: &SubjectId,
        reason: Reason,
        gate: &Result<Role, CoreError>,
        action: &str,
        mut detail: serde_json::Value,
    ) -> crate::platform::ports::AuditDraft {
        let (action, outcome) = match gate {
            Ok(_) => (action, "allowed"),
            Err(e) => ("staff.access_refused", e.code().as_str()),
        };
        if let Some(m) = detail.as_object_mut() {
            m.insert("reason".into(), json!(reason.as_str()));
            m.insert("outcome".into(), json!(outcome));
        }
        self.cb.audit_draft(Actor::Staff(&who.subject), action, Some(target), Some(reason.purpose()), detail)
    }

    async fn find_region_of(&self, target: &SubjectId) -> Result<RegionId, CoreError> {
        for r in self.cb.regions() {
            if r.store.account(target).await?.is_some() {
                return Ok(r.id.clone());
            }
        }
        Err(CoreError::NotFound)
    }

    /// A staff member opens a person's account profile for a reason.
    pub async fn view_account(&self, who: &Principal, target: &SubjectId, reason: Reason) -> Result<Profile, CoreError> {
        let gate = self.gate(who, reason, "account").await;
        // Only real staff get as far as learning whether the target exists.
        if matches!(gate, Err(CoreError::Forbidden)) {
            return Err(CoreError::Forbidden);
        }
        let region_id = self.find_region_of(target).await?;
        let region = self.cb.region(&region_id)?;
        let audit = self.access_audit(who, target, reason, &gate, "staff.account_viewed", json!({ "category": "account" }));
        region.store.audit_append(audit).await?;
        gate?;
        tracing::info!(event = "staff.access", staff = %who.subject, subject = %target, reason = reason.as_str());
        self.cb.accounts().profile(&region_id, target).await
    }

    /// A staff member finds an account by email, for a reason.
    pub async fn find_account(&self, who: &Principal, email: &str, reason: Reason) -> Result<AccountRef, CoreError> {
        let gate = self.gate(who, reason, "account").await;
        if let Err(e) = gate {
            if !matches!(e, CoreError::Forbidden) {
                let audit = self.cb.audit_draft(
                    Actor::Staff(&who.subject),
                    "staff.access_refused",
                    None,
                    Some(reason.purpose()),
                    json!({ "reason": reason.as_str(), "outcome": e.code(), "operation": "find_account" }),
                );
                self.cb.directory().audit_append(audit).await?;
            }
            return Err(e);
        }
        let bidx = self.cb.inner.blind.email(&validate::email(email)?);
        let (region, id) = self.cb.directory().find_email(&bidx).await?.ok_or(CoreError::NotFound)?;
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "staff.account_found",
            Some(&id),
            Some(reason.purpose()),
            json!({ "reason": reason.as_str() }),
        );
        self.cb.region(&region)?.store.audit_append(audit).await?;
        Ok(AccountRef { id, region })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_expires_after_the_policy_validity() {
        let p = Policy::default_policy().unwrap();
        let t0 = 1_700_000_000_000;
        assert!(!training_current(&p, None, t0));
        assert!(training_current(&p, Some(t0), t0 + 365 * DAY));
        assert!(!training_current(&p, Some(t0), t0 + 366 * DAY));
        assert!(!training_current(&p, Some(t0 + DAY), t0), "a future training date does not count");
    }

    #[test]
    fn roles_follow_least_privilege() {
        assert!(Role::Support.allows(Reason::SupportRequest));
        assert!(!Role::Support.allows(Reason::RightsRequest));
        assert!(!Role::Support.allows(Reason::Contract));
        assert!(Role::PrivacyOfficer.allows(Reason::RightsRequest));
        assert!(!Role::PrivacyOfficer.allows(Reason::Contract));
        assert!(Role::Admin.allows(Reason::SecurityIncident));
        assert!(Role::Recruiter.allows(Reason::Recruitment));
        assert!(!Role::Recruiter.allows(Reason::SupportRequest) && !Role::Support.allows(Reason::Recruitment));
    }
}
