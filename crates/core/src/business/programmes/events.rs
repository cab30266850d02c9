//! Events for staff: the check-in list of a session (names opened for the reason `events`,
//! each opening in the attendee's audit trail) and checking someone in at the door. Works
//! the same for a training's attendance list (`trainings` marks attendance with the same
//! step).

use serde::Serialize;
use serde_json::json;

use crate::business::programmes::registrations::RegistrationView;
use crate::business::programmes::sessions::SessionView;
use crate::business::programmes::{Programmes, category};
use crate::identity::principal::Principal;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::{Programme, RegistrationRow};

/// A session with its registrations, for staff.
#[derive(Debug, Clone, Serialize)]
pub struct AttendanceList {
    pub session: SessionView,
    /// When the retention rule erases these registrations.
    pub erase_after: Option<String>,
    pub registrations: Vec<RegistrationView>,
}

impl Programmes<'_> {
    /// Every session of a programme, for staff (past ones too), without anyone's data.
    pub async fn sessions_for_staff(&self, who: &Principal, p: Programme) -> Result<Vec<SessionView>, CoreError> {
        self.guard(category(p))?;
        self.publisher(who).await?;
        let mut out = Vec::new();
        for s in self.home()?.programmes.sessions(p).await? {
            out.push(self.view_of(&s).await?);
        }
        Ok(out)
    }

    /// The check-in (or attendance) list of a session: every registration that is not
    /// pending, in clear. The opening is written to each attendee's trail, and so is a refusal.
    pub async fn attendance_list(&self, who: &Principal, p: Programme, session_id: &str) -> Result<AttendanceList, CoreError> {
        self.guard(category(p))?;
        let s = self.session_row(p, session_id).await?;
        let mut rows: Vec<(RegionHandle, RegistrationRow)> = Vec::new();
        for region in self.cb.regions() {
            for r in region.programmes.registrations(p, &s.id).await? {
                if r.state != "pending" {
                    rows.push((region.clone(), r));
                }
            }
        }
        for region in self.cb.regions() {
            let subjects: Vec<_> = rows.iter().filter(|(r, _)| r.id == region.id).map(|(_, x)| x.subject_id.clone()).collect();
            if !subjects.is_empty() || region.id == self.cb.settings().default_region {
                self.gated(who, category(p), region, &subjects, "staff.attendance_list_opened", json!({ "session": s.id })).await?;
            }
        }
        let mut registrations = Vec::new();
        for (region, r) in &rows {
            registrations.push(self.registration_view(p, region, r).await?);
        }
        registrations.sort_by(|a, b| {
            (a.state != "registered", &a.last_name, &a.first_name).cmp(&(b.state != "registered", &b.last_name, &b.first_name))
        });
        Ok(AttendanceList {
            erase_after: self.erase_after(&s).map(crate::platform::clock::rfc3339),
            session: self.view_of(&s).await?,
            registrations,
        })
    }

    /// Checks an attendee in at the door (events) or marks them present (trainings); `false`
    /// undoes it. Only a registered attendee (not a waiting or pending one) can be.
    pub async fn check_in(
        &self,
        who: &Principal,
        p: Programme,
        registration_id: &str,
        present: bool,
    ) -> Result<RegistrationView, CoreError> {
        self.guard(category(p))?;
        let mut found = None;
        for region in self.cb.regions() {
            if let Some(r) = region.programmes.registration(p, registration_id).await? {
                found = Some((region.clone(), r));
                break;
            }
        }
        let (region, mut r) = found.ok_or(CoreError::NotFound)?;
        let action = match p {
            Programme::Event => "programmes.checked_in",
            Programme::Training => "programmes.attendance_marked",
        };
        self.gated(
            who,
            category(p),
            &region,
            std::slice::from_ref(&r.subject_id),
            action,
            json!({ "registration": r.id, "present": present }),
        )
        .await?;
        if r.state != "registered" {
            return Err(CoreError::Conflict("only a registered attendee can be checked in"));
        }
        r.checked_in_at = if present { Some(r.checked_in_at.unwrap_or(self.cb.now())) } else { None };
        region.programmes.update_registrations(p, std::slice::from_ref(&r), vec![]).await?;
        self.registration_view(p, &region, &r).await
    }
}
