//! Careers' service (`cb.careers()`), its inputs and views, and what every step shares: the
//! purpose guard, sealing and opening with the applicant's key, finding an application in any
//! region, the retention date, sending mail through the transfer guard.

use serde::{Deserialize, Serialize};

use crate::platform::clock::rfc3339;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::mail::Mail;
use crate::platform::ports::{ApplicationRow, JobPostRow};

/// The policy purpose and category of everything here.
pub const PURPOSE: &str = "recruitment";
pub const CATEGORY: &str = "job_applications";
/// The consent-based purpose of keeping an application for later openings.
pub const TALENT_POOL: &str = "talent_pool";
/// The pipeline's statuses, in order.
pub const STATUSES: &[&str] = &["new", "reviewing", "interview", "offer", "rejected"];
/// Bounds of what people send.
pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const LETTER_MAX: usize = 10_000;
pub use crate::platform::media::pdf::MAX_PDF as CV_MAX;
/// The one answer to every accepted application, whatever the address.
pub const RECEIVED: &str =
    "Thank you: your application is in. A confirmation with a private link to follow it is on its way to the address you gave.";
pub const RECEIVED_FR: &str = "Merci : votre candidature est bien arrivée. Une confirmation avec un lien privé pour la suivre part vers l'adresse que vous avez donnée.";

/// A job post as staff write it.
#[derive(Debug, Clone, Default)]
pub struct NewJob {
    pub title: String,
    pub title_fr: Option<String>,
    pub description: Option<String>,
    pub description_fr: Option<String>,
    pub place: Option<String>,
}

/// An application from the form or the API.
#[derive(Debug, Clone, Default)]
pub struct NewApplication {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub cover_letter: String,
    pub cv: Vec<u8>,
    /// The optional talent-pool consent (never pre-ticked).
    pub talent_pool: bool,
    /// `en` or `fr`.
    pub lang: String,
}

/// How to reach the applicant, sealed in `job_applications.contact`: the same fields as a
/// support requester's (names, email, phone, language).
pub use crate::business::support::service::Contact;

/// The proof of a talent-pool choice (sealed in `job_applications.consent_proof`): the exact
/// words shown, their digest, the policy version, how and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsentProof {
    pub purpose: String,
    pub granted: bool,
    pub text: String,
    pub text_digest: String,
    pub policy_version: String,
    pub method: String,
    pub at: String,
}

/// A job post in one language.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub place: Option<String>,
    pub status: String,
    pub created_at: String,
}

/// An application in a list, without what it says (the staff pipeline).
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationSummary {
    pub id: String,
    pub job_id: String,
    pub status: String,
    pub talent_pool: bool,
    pub created_at: String,
    pub last_contact_at: String,
    /// When the retention rule erases it (none while the candidate is in the talent pool).
    pub erase_after: Option<String>,
}

/// An application in clear (for the candidate, or staff who opened it).
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    pub id: String,
    pub job_id: String,
    pub job_title: String,
    pub status: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub lang: String,
    pub cover_letter: String,
    pub talent_pool: bool,
    pub talent_pool_proof: Option<ConsentProof>,
    pub created_at: String,
    pub updated_at: String,
    pub last_contact_at: String,
    pub erase_after: Option<String>,
}

pub struct Careers<'a> {
    pub(super) cb: &'a Clearboard,
}

impl Clearboard {
    pub fn careers(&self) -> Careers<'_> {
        Careers { cb: self }
    }
}

pub(super) fn aad<'a>(column: &'a str, row: &'a str) -> clearboard_vault::Aad<'a> {
    clearboard_vault::Aad { table: "job_applications", column, row }
}

/// Blobs are sealed under the table `blobs` (as board media and pictures are), the column
/// `cv` and the blob's name.
pub(super) fn cv_aad(blob: &str) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "blobs", column: "cv", row: blob }
}

pub(super) fn job_view(j: &JobPostRow, lang: &str) -> JobView {
    let fr = lang == "fr";
    JobView {
        id: j.id.clone(),
        title: j.title_fr.clone().filter(|_| fr).unwrap_or_else(|| j.title.clone()),
        description: j.description_fr.clone().filter(|_| fr).unwrap_or_else(|| j.description.clone()),
        place: j.place.clone(),
        status: j.status.clone(),
        created_at: rfc3339(j.created_at),
    }
}

impl Careers<'_> {
    /// The purpose guard: the policy must allow `recruitment` on `job_applications`.
    pub(super) fn guard(&self) -> Result<(), CoreError> {
        Ok(self.cb.policy().check(PURPOSE, CATEGORY)?)
    }

    pub(super) async fn find(&self, id: &str) -> Result<(RegionHandle, ApplicationRow), CoreError> {
        for region in self.cb.regions() {
            if let Some(a) = region.careers.application(id).await? {
                return Ok((region.clone(), a));
            }
        }
        Err(CoreError::NotFound)
    }

    pub(super) async fn find_by_token(&self, token: &str) -> Result<(RegionHandle, ApplicationRow), CoreError> {
        let h = crate::platform::tokens::token_hash(token.trim());
        for region in self.cb.regions() {
            if let Some(a) = region.careers.application_by_token_hash(&h).await? {
                return Ok((region.clone(), a));
            }
        }
        Err(CoreError::LinkInvalid)
    }

    /// When the retention rule erases an application: two years (the policy's period) after
    /// the last contact, except while the candidate consents to the talent pool.
    pub(super) fn erase_after(&self, a: &ApplicationRow) -> Option<String> {
        if a.talent_pool {
            return None;
        }
        let rule = self.cb.policy().doc().retention.iter().find(|r| r.category == CATEGORY && r.trigger == "last_contact")?;
        Some(rfc3339(rule.period().after(a.last_contact_at)))
    }

    pub(super) fn summary(&self, a: &ApplicationRow) -> ApplicationSummary {
        ApplicationSummary {
            id: a.id.clone(),
            job_id: a.job_id.clone(),
            status: a.status.clone(),
            talent_pool: a.talent_pool,
            created_at: rfc3339(a.created_at),
            last_contact_at: rfc3339(a.last_contact_at),
            erase_after: self.erase_after(a),
        }
    }

    pub(super) async fn contact(&self, region: &RegionHandle, a: &ApplicationRow) -> Result<Contact, CoreError> {
        let key = self.cb.keys().current(region, &a.applicant_id).await?;
        serde_json::from_slice(&key.open(aad("contact", &a.id), &a.contact)?).map_err(|_| CoreError::Internal("application contact"))
    }

    /// The application in clear.
    pub(super) async fn view(&self, region: &RegionHandle, a: &ApplicationRow) -> Result<ApplicationView, CoreError> {
        let key = self.cb.keys().current(region, &a.applicant_id).await?;
        let c: Contact = serde_json::from_slice(&key.open(aad("contact", &a.id), &a.contact)?)
            .map_err(|_| CoreError::Internal("application contact"))?;
        let proof = match &a.consent_proof {
            Some(p) => {
                Some(serde_json::from_slice(&key.open(aad("consent_proof", &a.id), p)?).map_err(|_| CoreError::Internal("consent proof"))?)
            }
            None => None,
        };
        let job_title = region.careers.job(&a.job_id).await?.map(|j| job_view(&j, &c.lang).title).unwrap_or_default();
        Ok(ApplicationView {
            id: a.id.clone(),
            job_id: a.job_id.clone(),
            job_title,
            status: a.status.clone(),
            cover_letter: key.open_string(aad("cover_letter", &a.id), &a.cover_letter)?,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            lang: c.lang,
            talent_pool: a.talent_pool,
            talent_pool_proof: proof,
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
            last_contact_at: rfc3339(a.last_contact_at),
            erase_after: self.erase_after(a),
        })
    }

    /// The CV in clear (it was rewritten without its metadata before it was sealed).
    pub(super) async fn cv_bytes(&self, region: &RegionHandle, a: &ApplicationRow) -> Result<Vec<u8>, CoreError> {
        let key = self.cb.keys().current(region, &a.applicant_id).await?;
        let sealed = region.blobs.get(&a.cv_blob).await?.ok_or(CoreError::NotFound)?;
        Ok(clearboard_vault::stream::open(&key, cv_aad(a.cv_blob.as_str()), &sealed)?.to_vec())
    }

    /// Sends a message about application `a` through the transfer guard; a failure is logged
    /// (no address, no text) and reported as `false`.
    pub(super) async fn send(&self, region: &RegionHandle, a: &ApplicationRow, to: &str, subject: String, text: String) -> bool {
        let mail = Mail { to: to.to_string(), subject, text, ..Mail::default() };
        match self.cb.transfers().send_mail(Some((region, &a.applicant_id)), mail).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "a careers email could not be sent");
                false
            }
        }
    }
}
