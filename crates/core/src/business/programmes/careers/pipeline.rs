//! The recruitment pipeline (staff): the list of applications (no personal data in it),
//! opening one or downloading its CV for the reason `recruitment` (written to the applicant's
//! audit trail, and so is a refusal), and the decisions (`reviewing`, `interview`, `offer`,
//! `rejected`), each emailed to the candidate in their language. Every step passes the staff
//! gate: the `recruiter` role (or admin) and current confidentiality training (C-SHARE-1).

use serde_json::json;

use crate::business::programmes::careers::service::{ApplicationSummary, ApplicationView, CATEGORY, Careers, PURPOSE, STATUSES, job_view};
use crate::identity::principal::Principal;
use crate::identity::staff::Reason;
use crate::platform::audit::Actor;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ports::ApplicationRow;

/// What a decision tells the candidate, in English and French (`{job}` is the post's title).
fn decision_words(status: &str, fr: bool) -> &'static str {
    match (status, fr) {
        ("reviewing", false) => "Your application for \"{job}\" is being reviewed by our team.",
        ("reviewing", true) => "Votre candidature au poste « {job} » est en cours d'examen par notre équipe.",
        ("interview", false) => "We would like to meet you about \"{job}\": we will write to you shortly to agree on a time.",
        ("interview", true) => {
            "Nous aimerions vous rencontrer au sujet du poste « {job} » : nous vous écrirons très vite pour convenir d'un moment."
        }
        ("offer", false) => "Good news: we would like to make you an offer for \"{job}\". We will send you its details.",
        ("offer", true) => {
            "Bonne nouvelle : nous souhaitons vous faire une offre pour le poste « {job} ». Nous vous en enverrons le détail."
        }
        ("rejected", false) => {
            "Thank you for your interest in \"{job}\". We will not take your application further. Unless you agreed to our talent pool, it is erased two years after this message; you can erase it sooner with the private link of our first message."
        }
        ("rejected", true) => {
            "Merci de l'intérêt que vous portez au poste « {job} ». Nous ne donnerons pas suite à votre candidature. Sauf si vous avez accepté notre vivier de talents, elle sera effacée deux ans après ce message ; vous pouvez l'effacer plus tôt avec le lien privé de notre premier message."
        }
        (_, false) => "Your application for \"{job}\" has moved on.",
        (_, true) => "Votre candidature au poste « {job} » a avancé.",
    }
}

impl Careers<'_> {
    /// The pipeline: applications (to one post when given), oldest first. No names or letters:
    /// opening one is a separate, audited step.
    pub async fn pipeline(&self, who: &Principal, job: Option<&str>) -> Result<Vec<ApplicationSummary>, CoreError> {
        self.guard()?;
        self.on_pipeline(who).await?;
        let mut out = Vec::new();
        for region in self.cb.regions() {
            out.extend(region.careers.applications(job).await?.iter().map(|a| self.summary(a)));
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(out)
    }

    /// Every post, open or closed, in a language (for the pipeline's page).
    pub async fn all_jobs(
        &self,
        who: &Principal,
        lang: &str,
    ) -> Result<Vec<crate::business::programmes::careers::service::JobView>, CoreError> {
        self.on_pipeline(who).await?;
        let mut out = Vec::new();
        for region in self.cb.regions() {
            out.extend(region.careers.jobs(None).await?.iter().map(|j| job_view(j, lang)));
        }
        Ok(out)
    }

    /// The staff gate for one application: writes `action` (or the refusal) to the applicant's
    /// audit trail, then answers the gate's verdict. People who are not staff learn nothing.
    async fn gated(&self, who: &Principal, reason: &str, id: &str, action: &str) -> Result<(RegionHandle, ApplicationRow), CoreError> {
        self.guard()?;
        let reason = Reason::parse(reason)
            .filter(|r| *r == Reason::Recruitment)
            .ok_or_else(|| CoreError::validation("reason", "give the reason: recruitment"))?;
        let gate = self.cb.staff().gate(who, reason, CATEGORY).await;
        if matches!(gate, Err(CoreError::Forbidden)) && self.cb.staff().member_record(who).await.is_err() {
            return Err(CoreError::Forbidden);
        }
        let (region, a) = self.find(id).await?;
        let audit =
            self.cb.staff().access_audit(who, &a.applicant_id, reason, &gate, action, json!({ "category": CATEGORY, "application": a.id }));
        region.store.audit_append(audit).await?;
        gate?;
        tracing::info!(event = "staff.access", staff = %who.subject, subject = %a.applicant_id, reason = reason.as_str());
        Ok((region, a))
    }

    /// A staff member opens an application for a reason.
    pub async fn open(&self, who: &Principal, id: &str, reason: &str) -> Result<ApplicationView, CoreError> {
        let (region, a) = self.gated(who, reason, id, "staff.application_opened").await?;
        self.view(&region, &a).await
    }

    /// A staff member downloads a CV for a reason: the PDF as rewritten at intake (no
    /// metadata), opened with the applicant's key.
    pub async fn cv(&self, who: &Principal, id: &str, reason: &str) -> Result<Vec<u8>, CoreError> {
        let (region, a) = self.gated(who, reason, id, "staff.cv_downloaded").await?;
        self.cv_bytes(&region, &a).await
    }

    /// A decision on an application: its new status, emailed to the candidate (a contact: the
    /// two-year clock starts again).
    pub async fn decide(&self, who: &Principal, id: &str, status: &str) -> Result<ApplicationSummary, CoreError> {
        if !STATUSES.contains(&status) || status == "new" {
            return Err(CoreError::validation("status", format!("choose one of: {}", STATUSES[1..].join(", "))));
        }
        let (region, mut a) = self.gated(who, "recruitment", id, "staff.application_decided").await?;
        let c = self.contact(&region, &a).await?;
        let now = self.cb.now();
        a.status = status.to_string();
        a.updated_at = now;
        a.last_contact_at = now;
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "careers.decision",
            Some(&a.applicant_id),
            Some(PURPOSE),
            json!({ "application": a.id, "status": status }),
        );
        region.careers.update_application(&a, Some(audit)).await?;
        let fr = c.lang == "fr";
        let job = region.careers.job(&a.job_id).await?.map(|j| job_view(&j, &c.lang).title).unwrap_or_default();
        let words = decision_words(status, fr).replace("{job}", &job);
        let (subject, body) = if fr {
            (format!("Votre candidature : {job}"), format!("Bonjour {},\n\n{words}\n", c.first_name))
        } else {
            (format!("Your application: {job}"), format!("Hello {},\n\n{words}\n", c.first_name))
        };
        self.send(&region, &a, &c.email, subject, body).await;
        Ok(self.summary(&a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decision_has_words_in_both_languages() {
        for s in &STATUSES[1..] {
            for fr in [false, true] {
                let w = decision_words(s, fr);
                assert!(w.contains("{job}"), "{s} {fr}");
                assert_ne!(w, decision_words("other", fr), "{s} {fr}");
            }
        }
    }
}
