//! Refusing a CCPA deletion (C-CCPA-5): a `ccpa_delete` request may be refused only for one of
//! two stated reasons, each checked against the system's own records, and the answer (in the
//! requester's language) says which:
//!
//! - `legal_obligation`: a legal hold (placed by a privacy officer with its legal reason and end
//!   date, `retention`) keeps the person's data; the answer quotes each hold's reason and date.
//! - `needed_to_provide_services`: the person still uses the Services, which deleting their
//!   account would end. Precisely: their account was signed into after they confirmed the
//!   request (a session started after its verification). The answer says when, and that
//!   deleting the account themselves (self-service, immediate) or asking again once they stop
//!   using it deletes everything.
//!
//! Any other refusal of a CCPA deletion is itself refused. Must not: refuse on a reason the
//! records do not bear out.

use serde_json::json;

use crate::platform::clock::{date_of, rfc3339};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::RequestRow;
use crate::privacy::rights::requests::service::{QueueItem, Requests};

/// The two reasons a CCPA deletion may be refused for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteException {
    LegalObligation,
    NeededToProvideServices,
}

impl DeleteException {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "legal_obligation" => Some(Self::LegalObligation),
            "needed_to_provide_services" => Some(Self::NeededToProvideServices),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LegalObligation => "legal_obligation",
            Self::NeededToProvideServices => "needed_to_provide_services",
        }
    }
}

/// What the refusal of a CCPA deletion is told to whom asked: which exception, and the facts
/// it rests on.
fn answer(lang: &str, exception: DeleteException, facts: &str, note: &str) -> String {
    let fr = lang == "fr";
    let why = match (exception, fr) {
        (DeleteException::NeededToProvideServices, false) => "the information is needed to provide the Services you still use",
        (DeleteException::NeededToProvideServices, true) => {
            "ces informations sont nécessaires pour fournir les Services que vous utilisez encore"
        }
        (DeleteException::LegalObligation, false) => "a legal obligation requires us to keep it",
        (DeleteException::LegalObligation, true) => "une obligation légale nous impose de les conserver",
    };
    if fr {
        format!(
            "Nous ne pouvons pas supprimer vos informations personnelles au titre du California Consumer Privacy Act (CCPA), pour cette raison : {why} ({}).\n\n{facts}\n\n{note}\n\nExercer ce droit ne change ni votre prix, ni votre niveau de service, ni vos fonctionnalités. Vous pouvez saisir le procureur général de Californie ou la California Privacy Protection Agency.\n",
            exception.as_str()
        )
    } else {
        format!(
            "We cannot delete your personal information under the California Consumer Privacy Act (CCPA) for this reason: {why} ({}).\n\n{facts}\n\n{note}\n\nUsing this right does not change your price, service level or features. You may complain to the California Attorney General or the California Privacy Protection Agency.\n",
            exception.as_str()
        )
    }
}

impl Requests<'_> {
    /// Refuses a CCPA deletion with one of its two exceptions, after checking that the records
    /// bear it out; the answer says which and why (C-CCPA-5).
    pub async fn refuse_ccpa_delete(
        &self,
        staff: &SubjectId,
        id: &str,
        exception: DeleteException,
        note: &str,
    ) -> Result<QueueItem, CoreError> {
        let (note, region, mut r) =
            self.open_for_decision(staff, id, note, "explain the refusal in a sentence (it is sent to the person)").await?;
        if r.kind != "ccpa_delete" {
            return Err(CoreError::Conflict("these exceptions are for CCPA deletions; refuse other requests with their reason"));
        }
        Self::check_open(&r)?;
        let Some(subject) = r.subject_id.clone() else {
            return Err(CoreError::Conflict("no account matches this request: there is nothing to keep, so nothing to refuse"));
        };
        let c = self.contact(&region, &r).await?;
        let lang = self.lang_of(&region, &r, &c).await;
        let facts = match exception {
            DeleteException::NeededToProvideServices => self.still_used(&region, &r, &subject, lang).await?,
            DeleteException::LegalObligation => self.held(&region, &subject, lang).await?,
        };
        let subject = crate::platform::mail_texts::subject("request.ccpa_refused", lang);
        self.send(&c.email, &subject, answer(lang, exception, &facts, note)).await;
        let recorded = format!("{}: {note}", exception.as_str());
        self.close(&region, &mut r, "refused", &recorded, staff).await?;
        let ev = Self::event(&r.id, self.cb.now(), "ccpa_delete_exception", "staff", json!({ "exception": exception.as_str() }));
        region.rights.update_request(&r, &ev, None).await?;
        Ok(self.item(&r, vec![]))
    }

    /// The person still uses the Services: a session of their account started after they
    /// confirmed the request. The facts, in their language.
    async fn still_used(&self, region: &RegionHandle, r: &RequestRow, subject: &SubjectId, lang: &str) -> Result<String, CoreError> {
        let since = r.verified_at.unwrap_or(r.received_at);
        let last = region.store.sessions_of(subject).await?.into_iter().map(|s| s.created_at).filter(|at| *at > since).max();
        let Some(at) = last else {
            return Err(CoreError::Conflict(
                "the person has not used the Services since confirming the request (no sign-in since): this exception does not apply",
            ));
        };
        Ok(if lang == "fr" {
            format!(
                "Votre compte a servi à vous connecter le {} (UTC), après votre demande du {}. Pour tout supprimer, supprimez votre compte vous-même depuis votre profil (l'effacement est immédiat), ou renouvelez votre demande lorsque vous n'utiliserez plus les Services.",
                rfc3339(at),
                date_of(r.received_at)
            )
        } else {
            format!(
                "Your account was signed into on {} (UTC), after you asked on {}. To have everything deleted, delete your account yourself from your profile (it is erased at once), or ask again once you no longer use the Services.",
                rfc3339(at),
                date_of(r.received_at)
            )
        })
    }

    /// The legal holds that keep the person's data now, with their reasons and end dates.
    async fn held(&self, region: &RegionHandle, subject: &SubjectId, lang: &str) -> Result<String, CoreError> {
        let holds: Vec<String> = region
            .store
            .legal_holds(Some(self.cb.now()))
            .await?
            .into_iter()
            .filter(|h| &h.subject_id == subject)
            .map(|h| {
                if lang == "fr" {
                    format!("- {} : {}, jusqu'au {}", h.category, h.reason, date_of(h.until_at))
                } else {
                    format!("- {}: {}, until {}", h.category, h.reason, date_of(h.until_at))
                }
            })
            .collect();
        if holds.is_empty() {
            return Err(CoreError::Conflict(
                "no legal hold keeps this person's data: a privacy officer places one, with its legal reason, first",
            ));
        }
        let head = if lang == "fr" { "Ce que nous devons conserver, et pourquoi :" } else { "What we must keep, and why:" };
        Ok(format!("{head}\n{}", holds.join("\n")))
    }
}
