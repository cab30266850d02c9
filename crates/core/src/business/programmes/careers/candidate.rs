//! The candidate's side, through the private link of the acknowledgement (its token travels
//! in the URL fragment, then in a request body): see the application, download a copy of it
//! with the CV (C-DSR-3), withdraw the talent-pool consent as easily as it was given (C-USE-3),
//! or erase the application at once (C-DSR-4).

use base64::Engine;
use serde_json::{Value, json};

use crate::business::programmes::careers::service::{ApplicationView, Careers, TALENT_POOL};
use crate::platform::audit::Actor;
use crate::platform::error::CoreError;

impl Careers<'_> {
    /// The application the link opens.
    pub async fn by_token(&self, token: &str) -> Result<ApplicationView, CoreError> {
        self.guard()?;
        let (region, a) = self.find_by_token(token).await?;
        self.view(&region, &a).await
    }

    /// A copy of the application: everything held, in clear, with the CV (base64).
    pub async fn export_by_token(&self, token: &str) -> Result<Value, CoreError> {
        self.guard()?;
        let (region, a) = self.find_by_token(token).await?;
        let view = self.view(&region, &a).await?;
        let cv = self.cv_bytes(&region, &a).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&a.applicant_id),
            "careers.application_exported",
            Some(&a.applicant_id),
            Some("rights"),
            json!({ "application": a.id }),
        );
        region.store.audit_append(audit).await?;
        Ok(json!({ "application": view, "cv_pdf_base64": base64::engine::general_purpose::STANDARD.encode(cv) }))
    }

    /// Withdraws the talent-pool consent: the application then follows the two-year rule.
    pub async fn withdraw_talent_pool(&self, token: &str) -> Result<ApplicationView, CoreError> {
        self.guard()?;
        let (region, mut a) = self.find_by_token(token).await?;
        if a.talent_pool {
            let c = self.contact(&region, &a).await?;
            let key = self.cb.keys().current(&region, &a.applicant_id).await?;
            let proof = self.proof(false, &c.lang, "private_link")?;
            a.consent_proof = Some(self.seal_proof(&key, &a.id, &proof)?);
            a.talent_pool = false;
            a.updated_at = self.cb.now();
            let audit = self.cb.audit_draft(
                Actor::Subject(&a.applicant_id),
                "consent.withdrawn",
                Some(&a.applicant_id),
                Some(TALENT_POOL),
                json!({ "application": a.id }),
            );
            region.careers.update_application(&a, Some(audit)).await?;
        }
        self.view(&region, &a).await
    }

    /// Erases the application at once: its key first, then the row and the CV.
    pub async fn erase_by_token(&self, token: &str) -> Result<u64, CoreError> {
        let (region, a) = self.find_by_token(token).await?;
        self.erase_applications(&region, &[a.id], "rights").await
    }
}
