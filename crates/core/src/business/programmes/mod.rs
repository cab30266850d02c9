//! The programmes (issue 18; C-DATA-5, C-DATA-6, C-DATA-7): events, visits to the premises,
//! trainings and careers (`careers`: job posts, applications with their CV, the recruitment
//! pipeline, the talent pool), one file per programme, plugged into the policy frame like every module
//! (`privacy::modules::programmes`).
//!
//! * Sessions (`sessions`): staff publish events and trainings (title, dates, place or online,
//!   capacity, trainer); the public pages list what is coming and give each a calendar file.
//! * Registrations (`registrations`): anyone registers (names, email, and a phone for an
//!   event or a postal address for a training) with the same answer whatever the address; the
//!   attendee becomes a subject with their own key, which seals everything personal. A
//!   private link (its token in the URL fragment) confirms the registration from the mailbox,
//!   gives the calendar file and cancels; a cancellation erases the registration at once and
//!   promotes the first on the waiting list.
//! * Events (`events`): the check-in list for staff. Trainings (`trainings`): attendance
//!   marked by the trainer and a PDF certificate of attendance. Only free sessions: a paid
//!   one would issue an invoice through billing, which is not wired yet, so publishing a
//!   price is refused.
//! * Visits (`visits`): the front desk records visitors (names, phone, host, arrival and
//!   departure) and prints a badge without the phone.
//! * Records (`records`): exports, erasure (by account or by address) and the retention
//!   rules `events:event_ended`, `events:visit_ended`, `trainings:training_ended`.
//!
//! Staff pass the staff gate with the reason `events` (support and admins; marketing may
//! publish sessions, which hold no personal data), and every opening of someone's data, or
//! refusal, is written to that person's audit trail.
//!
//! Takes the whole context (`Clearboard`): sessions and registrations live in any region,
//! mail goes through the transfer guard, staff through the gate.

pub mod careers;
pub mod events;
pub mod records;
pub mod registrations;
pub mod sessions;
pub mod trainings;
pub mod visits;

use serde_json::json;

use crate::identity::principal::Principal;
use crate::identity::staff::{Reason, Role};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::mail::Mail;
use crate::platform::ports::Programme;

/// The policy purpose of everything here, and the categories.
pub const PURPOSE: &str = "events";
pub const EVENTS: &str = "events";
pub const TRAININGS: &str = "trainings";

/// The policy category of a programme's registrations.
pub fn category(p: Programme) -> &'static str {
    match p {
        Programme::Event => EVENTS,
        Programme::Training => TRAININGS,
    }
}

pub struct Programmes<'a> {
    pub(crate) cb: &'a Clearboard,
}

impl Clearboard {
    pub fn programmes(&self) -> Programmes<'_> {
        Programmes { cb: self }
    }
}

pub(crate) fn aad<'a>(table: &'a str, column: &'a str, row: &'a str) -> clearboard_vault::Aad<'a> {
    clearboard_vault::Aad { table, column, row }
}

impl Programmes<'_> {
    /// The purpose guard: the policy must allow `events` on the category.
    pub(crate) fn guard(&self, category: &str) -> Result<(), CoreError> {
        Ok(self.cb.policy().check(PURPOSE, category)?)
    }

    /// Staff who publish sessions (no personal data): support, marketing and admins on duty.
    pub(crate) async fn publisher(&self, who: &Principal) -> Result<Role, CoreError> {
        let role = self.cb.staff().on_duty(who).await?;
        if !matches!(role, Role::Support | Role::Marketing | Role::Admin) {
            return Err(CoreError::Forbidden);
        }
        Ok(role)
    }

    /// The staff gate for opening the data of the people `subjects` (in `region`): written,
    /// allowed or refused, to each one's audit trail; people who are not staff learn nothing.
    pub(crate) async fn gated(
        &self,
        who: &Principal,
        category: &str,
        region: &RegionHandle,
        subjects: &[SubjectId],
        action: &str,
        detail: serde_json::Value,
    ) -> Result<(), CoreError> {
        let gate = self.cb.staff().gate(who, Reason::Events, category).await;
        if matches!(gate, Err(CoreError::Forbidden)) {
            return Err(CoreError::Forbidden);
        }
        for s in subjects {
            let mut d = detail.clone();
            if let Some(m) = d.as_object_mut() {
                m.insert("category".into(), json!(category));
            }
            let audit = self.cb.staff().access_audit(who, s, Reason::Events, &gate, action, d);
            region.store.audit_append(audit).await?;
        }
        if gate.is_ok() {
            tracing::info!(event = "staff.access", staff = %who.subject, people = subjects.len(), reason = "events");
        }
        gate.map(|_| ())
    }

    /// The staff gate when no one's data is opened yet (lists): a refusal is written to the
    /// staff member's own trail by the gate itself when training is out of date.
    pub(crate) async fn on_duty_for_events(&self, who: &Principal) -> Result<(), CoreError> {
        let role = self.cb.staff().on_duty(who).await?;
        if !role.allows(Reason::Events) {
            return Err(CoreError::Forbidden);
        }
        Ok(())
    }

    /// Sends a message about a subject through the transfer guard; a failure is logged (no
    /// address, no text) and reported as `false`.
    pub(crate) async fn send(&self, region: &RegionHandle, subject: &SubjectId, to: &str, subject_line: String, text: String) -> bool {
        let mail = Mail { to: to.to_string(), subject: subject_line, text, ..Mail::default() };
        match self.cb.transfers().send_mail(Some((region, subject)), mail).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "a programmes email could not be sent");
                false
            }
        }
    }
}
