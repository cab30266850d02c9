//! Events and training sessions as staff publish them and the public pages show them: title,
//! description, dates, place or online, capacity, trainer; the seats left; the calendar file
//! (RFC 5545), which holds the session only, never an attendee. Sessions hold no personal
//! data and live in the default region.

use serde::Serialize;
use serde_json::json;

use crate::business::programmes::Programmes;
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::{Programme, ProgrammeSessionRow};

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5_000;
pub const PLACE_MAX: usize = 300;
pub const CAPACITY_MAX: i64 = 100_000;

/// What staff publish.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    pub title: String,
    pub starts_at: Option<Millis>,
    pub ends_at: Option<Millis>,
    pub description: Option<String>,
    /// A place, or `online`.
    pub place: Option<String>,
    pub capacity: Option<i64>,
    /// A price in the seller's currency: only free sessions (none or zero) for now.
    pub price: Option<String>,
    pub trainer: Option<String>,
}

/// A session as the public pages and staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: String,
    pub programme: &'static str,
    pub title: String,
    pub description: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub place: Option<String>,
    pub online: bool,
    pub capacity: Option<i64>,
    pub trainer: Option<String>,
    /// Seats not yet taken by confirmed registrations (`None`: no limit).
    pub seats_left: Option<i64>,
    /// Whether it has not ended: registrations are open.
    pub open: bool,
}

fn optional(field: &'static str, raw: Option<&str>, max: usize) -> Result<Option<String>, CoreError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > max => Err(CoreError::validation(field, format!("at most {max} characters"))),
        Some(s) if s.chars().any(char::is_control) && field != "description" => Err(CoreError::validation(field, "one line")),
        Some(s) => Ok(Some(s.to_string())),
    }
}

/// Whether a price means "free" (absent, or zero in any notation).
fn free(price: Option<&str>) -> bool {
    price.map(str::trim).is_none_or(|p| p.is_empty() || p.trim_matches(|c: char| c == '0' || c == '.' || c == ',').is_empty())
}

impl Programmes<'_> {
    /// The region that holds sessions (they are public: the default one).
    pub(crate) fn home(&self) -> Result<&RegionHandle, CoreError> {
        self.cb.region(&self.cb.settings().default_region)
    }

    /// Staff publish an event or a training session; returns its id.
    pub async fn publish(&self, who: &Principal, p: Programme, new: NewSession) -> Result<String, CoreError> {
        self.guard(crate::business::programmes::category(p))?;
        self.publisher(who).await?;
        let title =
            optional("title", Some(&new.title), TITLE_MAX)?.ok_or_else(|| CoreError::validation("title", "this field is required"))?;
        let description = optional("description", new.description.as_deref(), DESCRIPTION_MAX)?;
        let place = optional("place", new.place.as_deref(), PLACE_MAX)?;
        let trainer = optional("trainer", new.trainer.as_deref(), 200)?;
        if let (Some(s), Some(e)) = (new.starts_at, new.ends_at)
            && e < s
        {
            return Err(CoreError::validation("ends_at", "the end comes after the start"));
        }
        if new.capacity.is_some_and(|c| !(1..=CAPACITY_MAX).contains(&c)) {
            return Err(CoreError::validation("capacity", format!("between 1 and {CAPACITY_MAX}")));
        }
        if !free(new.price.as_deref()) {
            // A paid session would issue an invoice through billing, which programmes do not
            // reach yet: refuse rather than take registrations nobody will bill.
            return Err(CoreError::validation("price", "only free sessions can be published for now (no invoice can be issued yet)"));
        }
        let now = self.cb.now();
        let row = ProgrammeSessionRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            programme: p,
            title,
            description,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            place,
            capacity: new.capacity,
            trainer,
            created_by: who.subject.clone(),
            created_at: now,
        };
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "programmes.session_published",
            None,
            Some(crate::business::programmes::PURPOSE),
            json!({ "session": row.id, "programme": p.as_str() }),
        );
        self.home()?.programmes.insert_session(&row, Some(audit)).await?;
        Ok(row.id)
    }

    pub(crate) async fn session_row(&self, p: Programme, id: &str) -> Result<ProgrammeSessionRow, CoreError> {
        match self.home()?.programmes.session(id).await? {
            Some(s) if s.programme == p => Ok(s),
            _ => Err(CoreError::NotFound),
        }
    }

    pub(crate) async fn view_of(&self, s: &ProgrammeSessionRow) -> Result<SessionView, CoreError> {
        let taken = self.taken(s).await?;
        Ok(SessionView {
            id: s.id.clone(),
            programme: s.programme.as_str(),
            title: s.title.clone(),
            description: s.description.clone(),
            starts_at: s.starts_at.map(rfc3339),
            ends_at: s.ends_at.map(rfc3339),
            online: s.place.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("online")),
            place: s.place.clone(),
            capacity: s.capacity,
            trainer: s.trainer.clone(),
            seats_left: s.capacity.map(|c| (c - taken).max(0)),
            open: s.ended_at().is_none_or(|e| e >= self.cb.now()),
        })
    }

    /// Confirmed registrations of a session, in every region.
    pub(crate) async fn taken(&self, s: &ProgrammeSessionRow) -> Result<i64, CoreError> {
        let mut n = 0;
        for r in self.cb.regions() {
            n += r.programmes.registrations(s.programme, &s.id).await?.iter().filter(|x| x.state == "registered").count() as i64;
        }
        Ok(n)
    }

    /// The sessions still to come (or undated), for the public page.
    pub async fn upcoming(&self, p: Programme) -> Result<Vec<SessionView>, CoreError> {
        self.guard(crate::business::programmes::category(p))?;
        let mut out = Vec::new();
        for s in self.home()?.programmes.sessions(p).await? {
            let v = self.view_of(&s).await?;
            if v.open {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// One session.
    pub async fn session(&self, p: Programme, id: &str) -> Result<SessionView, CoreError> {
        let s = self.session_row(p, id).await?;
        self.view_of(&s).await
    }

    /// The calendar file of a session (RFC 5545): the session only, no attendee.
    pub async fn calendar(&self, p: Programme, id: &str) -> Result<String, CoreError> {
        let s = self.session_row(p, id).await?;
        let start = s.starts_at.ok_or_else(|| CoreError::validation("starts_at", "this session has no date yet"))?;
        Ok(ics(&s, start, self.cb.now(), &self.cb.policy().doc().controller.name))
    }
}

/// `20260105T090000Z`.
fn ics_time(ms: Millis) -> String {
    rfc3339(ms).replace(['-', ':'], "").split('.').next().unwrap_or_default().trim_end_matches('Z').to_string() + "Z"
}

/// Escapes a text value (RFC 5545 §3.3.11) and folds lines at 75 octets (§3.1).
fn ics_text(name: &str, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace(['\r', '\n'], "\\n");
    let line = format!("{name}:{escaped}");
    let mut out = String::new();
    let mut len = 0;
    for c in line.chars() {
        if len + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += c.len_utf8();
    }
    out + "\r\n"
}

pub fn ics(s: &ProgrammeSessionRow, start: Millis, now: Millis, organiser: &str) -> String {
    let end = s.ends_at.unwrap_or(start + crate::platform::clock::HOUR);
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//clearboard//programmes//EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\n",
    );
    out.push_str(&format!("UID:{}@clearboard\r\n", s.id));
    out.push_str(&format!("DTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\n", ics_time(now), ics_time(start), ics_time(end)));
    out.push_str(&ics_text("SUMMARY", &s.title));
    if let Some(d) = &s.description {
        out.push_str(&ics_text("DESCRIPTION", d));
    }
    if let Some(p) = &s.place {
        out.push_str(&ics_text("LOCATION", p));
    }
    out.push_str(&ics_text("X-ORGANISER", organiser));
    out.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::ids::SubjectId;

    #[test]
    fn prices_other_than_zero_are_not_free() {
        assert!(free(None) && free(Some("")) && free(Some("0")) && free(Some("0.00")) && free(Some("0,0")));
        assert!(!free(Some("12")) && !free(Some("0.50")) && !free(Some("10 EUR")));
    }

    #[test]
    fn calendar_files_follow_rfc_5545() {
        let s = ProgrammeSessionRow {
            id: "0190-abc".into(),
            programme: Programme::Event,
            title: "Atelier; rétro, 2026".into(),
            description: Some("Line one\nLine two".into()),
            starts_at: Some(1_767_600_000_000),
            ends_at: Some(1_767_607_200_000),
            place: Some("Paris".into()),
            capacity: None,
            trainer: None,
            created_by: SubjectId::from_stored("x".into()),
            created_at: 0,
        };
        let c = ics(&s, 1_767_600_000_000, 1_767_500_000_000, "Example SAS");
        assert!(c.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && c.ends_with("END:VCALENDAR\r\n"), "{c}");
        assert!(c.contains("DTSTART:20260105T080000Z\r\n") && c.contains("DTEND:20260105T100000Z\r\n"), "{c}");
        assert!(c.contains("SUMMARY:Atelier\\; rétro\\, 2026\r\n") && c.contains("DESCRIPTION:Line one\\nLine two\r\n"), "{c}");
        assert!(c.lines().all(|l| l.len() <= 75), "{c}");
    }
}
