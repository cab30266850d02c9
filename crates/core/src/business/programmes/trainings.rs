//! Trainings: attendance is marked by the trainer with the check-in step (`events`), and a
//! PDF certificate of attendance (in English and French, with the person's name, the
//! training's title, dates, trainer and the organiser) is given to the attendee through their
//! private link, or to staff for the reason `events` (the opening in the attendee's trail).
//! Only someone marked present gets one.

use serde_json::json;

use crate::business::programmes::registrations::Contact;
use crate::business::programmes::{Programmes, TRAININGS};
use crate::identity::principal::Principal;
use crate::platform::clock::date_of;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::{Programme, ProgrammeSessionRow, RegistrationRow};

/// The lines of a certificate of attendance (also what a reader extracts from the PDF).
pub fn certificate_lines(c: &Contact, s: &ProgrammeSessionRow, organiser: &str) -> Vec<(f32, String)> {
    let day = |ms: Option<i64>| ms.map(|m| date_of(m).to_string()).unwrap_or_default();
    let (from, to) = (day(s.starts_at), day(s.ends_at.or(s.starts_at)));
    let mut out = vec![
        (18.0, "CERTIFICATE OF ATTENDANCE / ATTESTATION DE PRÉSENCE".to_string()),
        (11.0, String::new()),
        (11.0, format!("{organiser} certifies that / certifie que")),
        (16.0, format!("{} {}", c.first_name, c.last_name)),
        (11.0, "attended the training / a suivi la formation".to_string()),
        (14.0, s.title.clone()),
        (11.0, format!("From / Du {from} to / au {to}")),
    ];
    if let Some(p) = &s.place {
        out.push((11.0, format!("Place / Lieu: {p}")));
    }
    if let Some(t) = &s.trainer {
        out.push((11.0, format!("Trainer / Formateur: {t}")));
    }
    out
}

impl Programmes<'_> {
    fn certificate_of(&self, c: &Contact, s: &ProgrammeSessionRow, r: &RegistrationRow) -> Result<Vec<u8>, CoreError> {
        if r.checked_in_at.is_none() {
            return Err(CoreError::Conflict("a certificate is given to attendees marked present"));
        }
        let organiser = self.cb.policy().doc().controller.name.clone();
        Ok(crate::platform::pdf::one_page(&format!("Certificate of attendance: {}", s.title), &certificate_lines(c, s, &organiser)))
    }

    /// The attendee's certificate, through their private link.
    pub async fn certificate_by_token(&self, token: &str) -> Result<Vec<u8>, CoreError> {
        self.guard(TRAININGS)?;
        let (region, r) = self.find_by_token(Programme::Training, token).await?;
        let s = self.session_row(Programme::Training, &r.session_id).await?;
        let c = self.contact(Programme::Training, &region, &r).await?;
        self.certificate_of(&c, &s, &r)
    }

    /// A certificate for staff (the reason `events`; the opening is in the attendee's trail).
    pub async fn certificate(&self, who: &Principal, registration_id: &str) -> Result<Vec<u8>, CoreError> {
        self.guard(TRAININGS)?;
        let (region, r) = self.training_registration(registration_id).await?;
        self.gated(
            who,
            TRAININGS,
            &region,
            std::slice::from_ref(&r.subject_id),
            "staff.certificate_opened",
            json!({ "registration": r.id }),
        )
        .await?;
        let s = self.session_row(Programme::Training, &r.session_id).await?;
        let c = self.contact(Programme::Training, &region, &r).await?;
        self.certificate_of(&c, &s, &r)
    }

    async fn training_registration(&self, id: &str) -> Result<(RegionHandle, RegistrationRow), CoreError> {
        for region in self.cb.regions() {
            if let Some(r) = region.programmes.registration(Programme::Training, id).await? {
                return Ok((region.clone(), r));
            }
        }
        Err(CoreError::NotFound)
    }
}
