//! Job posts and applications. Staff with the `recruiter` role publish posts (public text);
//! anyone applies. An application does the same work and gets the same answer whatever the
//! address; the CV must be a PDF by its bytes and is rewritten without its metadata before
//! it is sealed with the applicant's own key; the talent-pool consent is recorded with its
//! proof only when ticked.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::business::programmes::careers::service::{
    CATEGORY, Careers, ConsentProof, Contact, DESCRIPTION_MAX, JobView, LETTER_MAX, NewApplication, NewJob, PURPOSE, TALENT_POOL,
    TITLE_MAX, aad, cv_aad, job_view,
};
use crate::business::support::service::text;
use crate::identity::principal::Principal;
use crate::identity::staff::Reason;
use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, SubjectId};
use crate::platform::ports::{ApplicationRow, JobPostRow};
use crate::platform::tokens::{new_link_token, token_hash};

fn optional(field: &'static str, raw: Option<&str>, max: usize) -> Result<Option<String>, CoreError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(text(field, s, max)?)),
        None => Ok(None),
    }
}

impl Careers<'_> {
    /// Staff on duty for recruitment: a role that allows the reason and current training (a
    /// refusal for training is audited by the gate; one for the role is audited here).
    pub(super) async fn on_pipeline(&self, who: &Principal) -> Result<(), CoreError> {
        let role = self.cb.staff().on_duty(who).await?;
        if !role.allows(Reason::Recruitment) {
            let audit = self.cb.audit_draft(
                Actor::Staff(&who.subject),
                "staff.access_refused",
                Some(&who.subject),
                Some(PURPOSE),
                json!({ "outcome": "forbidden", "reason": Reason::Recruitment.as_str(), "category": CATEGORY }),
            );
            if let Ok(region) = self.cb.region(&who.region) {
                region.store.audit_append(audit).await?;
            }
            return Err(CoreError::Forbidden);
        }
        Ok(())
    }

    /// Publishes a job post (staff with the recruiter role); returns its id.
    pub async fn create_job(&self, who: &Principal, new: NewJob) -> Result<String, CoreError> {
        self.guard()?;
        self.on_pipeline(who).await?;
        let title = text("title", &new.title, TITLE_MAX)?;
        let now = self.cb.now();
        let job = JobPostRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            title,
            title_fr: optional("title_fr", new.title_fr.as_deref(), TITLE_MAX)?,
            description: optional("description", new.description.as_deref(), DESCRIPTION_MAX)?.unwrap_or_default(),
            description_fr: optional("description_fr", new.description_fr.as_deref(), DESCRIPTION_MAX)?,
            place: optional("place", new.place.as_deref(), TITLE_MAX)?,
            status: "open".into(),
            created_by: who.subject.clone(),
            created_at: now,
            closed_at: None,
        };
        let region = self.cb.region(&self.cb.settings().default_region)?;
        let audit = self.cb.audit_draft(Actor::Staff(&who.subject), "careers.job_published", None, Some(PURPOSE), json!({ "job": job.id }));
        region.careers.insert_job(&job, Some(audit)).await?;
        Ok(job.id)
    }

    /// The open job posts of every region, newest first, in a language.
    pub async fn jobs(&self, lang: &str) -> Result<Vec<JobView>, CoreError> {
        let mut out = Vec::new();
        for region in self.cb.regions() {
            out.extend(region.careers.jobs(Some("open")).await?.iter().map(|j| job_view(j, lang)));
        }
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(out)
    }

    /// The talent-pool proof: the words shown in the candidate's language, as the policy has
    /// them, with their digest and the policy version.
    pub(super) fn proof(&self, granted: bool, lang: &str, method: &str) -> Result<ConsentProof, CoreError> {
        let p = self.cb.policy().purpose(TALENT_POOL).and_then(|p| p.consent_text.as_ref()).ok_or(CoreError::Forbidden)?;
        let words = p.get(lang).to_string();
        Ok(ConsentProof {
            purpose: TALENT_POOL.into(),
            granted,
            text_digest: hex::encode(Sha256::digest(words.as_bytes())),
            text: words,
            policy_version: self.cb.policy().digest().to_string(),
            method: method.into(),
            at: rfc3339(self.cb.now()),
        })
    }

    pub(super) fn seal_proof(&self, key: &clearboard_vault::Dek, id: &str, proof: &ConsentProof) -> Result<Vec<u8>, CoreError> {
        let bytes = serde_json::to_vec(proof).map_err(|_| CoreError::Internal("consent proof"))?;
        Ok(key.seal(aad("consent_proof", id), &bytes)?)
    }

    /// Receives an application to an open post; returns its id (never shown to the sender: the
    /// answer is the same for every address).
    pub async fn apply(&self, job_id: &str, new: NewApplication, base_url: &str) -> Result<String, CoreError> {
        self.guard()?;
        let first_name = crate::platform::validate::name("first_name", &new.first_name)?;
        let last_name = crate::platform::validate::name("last_name", &new.last_name)?;
        let email = crate::platform::validate::email(&new.email)?;
        let phone = crate::platform::validate::phone(new.phone.as_deref())?
            .ok_or_else(|| CoreError::validation("phone", "a phone number is required"))?;
        let letter = text("cover_letter", &new.cover_letter, LETTER_MAX)?;
        if new.cv.is_empty() {
            return Err(CoreError::validation("cv", "attach your CV as a PDF"));
        }
        let cv = crate::platform::media::pdf::sanitise_pdf(&new.cv)?;
        let lang = if new.lang == "fr" { "fr" } else { "en" }.to_string();
        let mut found = None;
        for region in self.cb.regions() {
            if let Some(j) = region.careers.job(job_id).await?.filter(|j| j.status == "open") {
                found = Some((region.clone(), j));
                break;
            }
        }
        let (region, job) = found.ok_or(CoreError::NotFound)?;
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let applicant = SubjectId::new(now)?;
        let key = self.cb.keys().create(&region, &applicant).await?;
        let contact = Contact { first_name: first_name.clone(), last_name, email: email.clone(), phone: Some(phone), lang: lang.clone() };
        let contact_bytes = serde_json::to_vec(&contact).map_err(|_| CoreError::Internal("application contact"))?;
        let blob = BlobId::new(now)?;
        region.blobs.put(&blob, &clearboard_vault::stream::seal(&key, cv_aad(blob.as_str()), &cv)?).await?;
        let token = new_link_token()?;
        let consent_proof = match new.talent_pool {
            true => Some(self.seal_proof(&key, &id, &self.proof(true, &lang, "application_form")?)?),
            false => None,
        };
        let row = ApplicationRow {
            id: id.clone(),
            job_id: job.id.clone(),
            applicant_id: applicant.clone(),
            email_bidx: self.cb.blind_email(&email),
            contact: key.seal(aad("contact", &id), &contact_bytes)?,
            cover_letter: key.seal(aad("cover_letter", &id), letter.as_bytes())?,
            cv_blob: blob,
            status: "new".into(),
            talent_pool: new.talent_pool,
            consent_proof,
            token_hash: token_hash(&token),
            created_at: now,
            updated_at: now,
            last_contact_at: now,
        };
        let audit = self.cb.audit_draft(
            Actor::System,
            "careers.application_received",
            Some(&applicant),
            Some(PURPOSE),
            json!({ "application": id, "job": job.id, "talent_pool": new.talent_pool }),
        );
        region.careers.insert_application(&row, Some(audit)).await?;
        metrics::counter!("clearboard_job_applications_total").increment(1);
        let title = job_view(&job, &lang).title;
        let link = format!("{base_url}/careers/application#{token}");
        let (subject, body) = if lang == "fr" {
            (
                format!("Votre candidature : {title}"),
                format!(
                    "Bonjour {first_name},\n\nNous avons bien reçu votre candidature au poste « {title} ». Nous vous écrirons à chaque étape.\n\nCe lien privé (ne le transmettez à personne) vous permet de la consulter, d'en télécharger une copie, de retirer votre accord pour notre vivier de talents ou de l'effacer :\n{link}\n\nSans votre accord pour le vivier, votre candidature est effacée deux ans après notre dernier contact.\n"
                ),
            )
        } else {
            (
                format!("Your application: {title}"),
                format!(
                    "Hello {first_name},\n\nWe received your application for \"{title}\". We will write to you at each step.\n\nThis private link (do not share it) lets you see it, download a copy, withdraw your agreement to our talent pool, or erase it:\n{link}\n\nWithout your agreement to the talent pool, your application is erased two years after our last contact.\n"
                ),
            )
        };
        self.send(&region, &row, &email, subject, body).await;
        Ok(id)
    }
}
