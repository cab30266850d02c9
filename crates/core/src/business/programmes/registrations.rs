//! Registrations for events and trainings, from anyone: the same answer and the same work
//! whatever the address (C-DATA-5, C-DATA-6). The attendee becomes a subject with their own
//! key, which seals their names, email and phone (events) or postal address (trainings). The
//! emailed private link (its token in the URL fragment) confirms the registration, gives the
//! calendar file, and cancels it: a cancellation erases the registration at once (key first)
//! and promotes the first person on the waiting list, who is told by email.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::business::programmes::sessions::SessionView;
use crate::business::programmes::{Programmes, aad, category};
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::{Programme, ProgrammeSessionRow, RegistrationRow};
use crate::platform::tokens::{new_link_token, token_hash};

pub const ADDRESS_MAX: usize = 500;
/// The one answer to every accepted registration, whatever the address.
pub const RECEIVED: &str = "Thank you: to complete your registration, open the link we are sending to the address you gave.";

/// What a person sends to register.
#[derive(Debug, Clone, Default)]
pub struct NewRegistration {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Events: optional.
    pub phone: Option<String>,
    /// Trainings: required (the certificate and the invoice are addressed to it).
    pub postal_address: Option<String>,
    /// `en` or `fr`.
    pub lang: String,
    /// Events: "invite me to future events": the address is handed to outreach's event-invitation
    /// list, which asks for confirmation from the mailbox (double opt-in) before anything is
    /// sent to it.
    pub invitations: bool,
}

/// What is sealed in a registration's `contact`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub postal_address: Option<String>,
    pub lang: String,
}

/// A registration in clear (for the person through their link, or staff who opened it).
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationView {
    pub id: String,
    pub session_id: String,
    pub state: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub postal_address: Option<String>,
    pub created_at: String,
    pub confirmed_at: Option<String>,
    /// Events: checked in. Trainings: marked present by the trainer.
    pub checked_in_at: Option<String>,
}

/// Where the private link of a registration leads.
pub fn link_path(p: Programme) -> &'static str {
    match p {
        Programme::Event => "/events/registration",
        Programme::Training => "/trainings/registration",
    }
}

fn lang_of(l: &str) -> &'static str {
    if l == "fr" { "fr" } else { "en" }
}

impl Programmes<'_> {
    /// Registers someone for a session; the answer is the same whatever the address (the
    /// private link goes to the mailbox). An address already registered is told so by email.
    pub async fn register(&self, p: Programme, session_id: &str, new: NewRegistration, base_url: &str) -> Result<(), CoreError> {
        self.guard(category(p))?;
        let first_name = crate::platform::validate::name("first_name", &new.first_name)?;
        let last_name = crate::platform::validate::name("last_name", &new.last_name)?;
        let email = crate::platform::validate::email(&new.email)?;
        let (phone, postal_address) = match p {
            Programme::Event => (crate::platform::validate::phone(new.phone.as_deref())?, None),
            Programme::Training => (None, Some(postal(new.postal_address.as_deref())?)),
        };
        let session = self.session_row(p, session_id).await?;
        if session.ended_at().is_some_and(|e| e < self.cb.now()) {
            return Err(CoreError::validation("session", "this session is over"));
        }
        let lang = lang_of(&new.lang).to_string();
        let bidx = self.cb.blind_email(&email);
        let region_id = match self.cb.directory().find_email(&bidx).await? {
            Some((r, _)) => r,
            None => self.cb.settings().default_region.clone(),
        };
        let region = self.cb.region(&region_id)?.clone();
        let already = region.programmes.registrations_by_bidx(p, &bidx).await?.into_iter().any(|r| r.session_id == session.id);
        if already {
            let (subject, text) = if lang == "fr" {
                (
                    "Vous êtes déjà inscrit".to_string(),
                    format!(
                        "Bonjour,\n\nCette adresse est déjà inscrite à « {} ». Le lien de notre premier message permet de confirmer, de télécharger le fichier de calendrier ou d'annuler.\n",
                        session.title
                    ),
                )
            } else {
                (
                    "You are already registered".to_string(),
                    format!(
                        "Hello,\n\nThis address is already registered for \"{}\". The link in our first message confirms, gives the calendar file or cancels.\n",
                        session.title
                    ),
                )
            };
            self.send_plain(&email, subject, text).await;
            return Ok(());
        }
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let subject_id = SubjectId::new(now)?;
        let key = self.cb.keys().create(&region, &subject_id).await?;
        let contact =
            Contact { first_name: first_name.clone(), last_name, email: email.clone(), phone, postal_address, lang: lang.clone() };
        let bytes = serde_json::to_vec(&contact).map_err(|_| CoreError::Internal("registration contact"))?;
        let token = new_link_token()?;
        let row = RegistrationRow {
            id: id.clone(),
            session_id: session.id.clone(),
            subject_id: subject_id.clone(),
            email_bidx: bidx,
            contact: key.seal(aad(p.registrations_table(), "contact", &id), &bytes)?,
            state: "pending".into(),
            token_hash: token_hash(&token),
            created_at: now,
            confirmed_at: None,
            checked_in_at: None,
        };
        let audit = self.cb.audit_draft(
            Actor::System,
            "programmes.registration_received",
            Some(&subject_id),
            Some(crate::business::programmes::PURPOSE),
            json!({ "registration": id, "programme": p.as_str(), "session": session.id }),
        );
        region.programmes.insert_registration(p, &row, Some(audit)).await?;
        metrics::counter!("clearboard_programme_registrations_total", "programme" => p.as_str()).increment(1);
        let link = format!("{base_url}{}#{token}", link_path(p));
        let (subject, text) = if lang == "fr" {
            (
                format!("Confirmez votre inscription : {}", session.title),
                format!(
                    "Bonjour {first_name},\n\nPour confirmer votre inscription à « {} », ouvrez ce lien privé (ne le transmettez à personne) :\n{link}\n\nLe même lien donne le fichier de calendrier et permet d'annuler.\n",
                    session.title
                ),
            )
        } else {
            (
                format!("Confirm your registration: {}", session.title),
                format!(
                    "Hello {first_name},\n\nTo confirm your registration for \"{}\", open this private link (do not share it):\n{link}\n\nThe same link gives the calendar file and cancels.\n",
                    session.title
                ),
            )
        };
        self.send(&region, &subject_id, &email, subject, text).await;
        if new.invitations && p == Programme::Event {
            self.cb.policy().check("marketing", crate::business::programmes::EVENTS)?;
            let ask = crate::business::outreach::contacts::Subscribe {
                email,
                lang,
                lists: vec![crate::business::outreach::lists::EVENTS.to_string()],
                phone: None,
                method: "web_form".into(),
            };
            self.cb.outreach().subscribe(ask, base_url).await?;
        }
        Ok(())
    }

    async fn send_plain(&self, to: &str, subject: String, text: String) {
        let mail = crate::platform::mail::Mail { to: to.to_string(), subject, text, ..Default::default() };
        if let Err(e) = self.cb.transfers().send_mail(None, mail).await {
            tracing::warn!(error = %e, "a programmes email could not be sent");
        }
    }

    /// The registration a private link opens.
    pub(crate) async fn find_by_token(&self, p: Programme, token: &str) -> Result<(RegionHandle, RegistrationRow), CoreError> {
        let h = token_hash(token.trim());
        for region in self.cb.regions() {
            if let Some(r) = region.programmes.registration_by_token_hash(p, &h).await? {
                return Ok((region.clone(), r));
            }
        }
        Err(CoreError::LinkInvalid)
    }

    pub(crate) async fn contact(&self, p: Programme, region: &RegionHandle, r: &RegistrationRow) -> Result<Contact, CoreError> {
        let key = self.cb.keys().current(region, &r.subject_id).await?;
        let plain = key.open(aad(p.registrations_table(), "contact", &r.id), &r.contact)?;
        serde_json::from_slice(&plain).map_err(|_| CoreError::Internal("registration contact"))
    }

    pub(crate) async fn registration_view(
        &self,
        p: Programme,
        region: &RegionHandle,
        r: &RegistrationRow,
    ) -> Result<RegistrationView, CoreError> {
        let c = self.contact(p, region, r).await?;
        Ok(RegistrationView {
            id: r.id.clone(),
            session_id: r.session_id.clone(),
            state: r.state.clone(),
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            postal_address: c.postal_address,
            created_at: rfc3339(r.created_at),
            confirmed_at: r.confirmed_at.map(rfc3339),
            checked_in_at: r.checked_in_at.map(rfc3339),
        })
    }

    /// What a private link shows: the session and the registration.
    pub async fn by_token(&self, p: Programme, token: &str) -> Result<(SessionView, RegistrationView), CoreError> {
        self.guard(category(p))?;
        let (region, r) = self.find_by_token(p, token).await?;
        let s = self.session_row(p, &r.session_id).await?;
        Ok((self.view_of(&s).await?, self.registration_view(p, &region, &r).await?))
    }

    /// Confirms a registration from the mailbox: a seat if one is left, else the waiting
    /// list. Confirming twice changes nothing.
    pub async fn confirm(&self, p: Programme, token: &str, base_url: &str) -> Result<(SessionView, RegistrationView), CoreError> {
        self.guard(category(p))?;
        let (region, mut r) = self.find_by_token(p, token).await?;
        let s = self.session_row(p, &r.session_id).await?;
        if r.state == "pending" {
            let full = s.capacity.is_some_and(|c| c <= 0) || self.full(&s).await?;
            r.state = if full { "waiting" } else { "registered" }.into();
            r.confirmed_at = Some(self.cb.now());
            let audit = self.cb.audit_draft(
                Actor::System,
                "programmes.registration_confirmed",
                Some(&r.subject_id),
                Some(crate::business::programmes::PURPOSE),
                json!({ "registration": r.id, "state": r.state }),
            );
            region.programmes.update_registrations(p, std::slice::from_ref(&r), vec![audit]).await?;
            self.tell_state(p, &region, &r, &s, base_url, token).await?;
        }
        Ok((self.view_of(&s).await?, self.registration_view(p, &region, &r).await?))
    }

    async fn full(&self, s: &ProgrammeSessionRow) -> Result<bool, CoreError> {
        Ok(match s.capacity {
            Some(c) => self.taken(s).await? >= c,
            None => false,
        })
    }

    /// Tells the attendee their registration's state (registered, or on the waiting list).
    async fn tell_state(
        &self,
        p: Programme,
        region: &RegionHandle,
        r: &RegistrationRow,
        s: &ProgrammeSessionRow,
        base_url: &str,
        token: &str,
    ) -> Result<(), CoreError> {
        let c = self.contact(p, region, r).await?;
        let link = if token.is_empty() { String::new() } else { format!("{base_url}{}#{token}", link_path(p)) };
        let when = s.starts_at.map(rfc3339).unwrap_or_default();
        let calendar = format!("{base_url}/api/v1/{}s/{}/calendar.ics", p.as_str(), s.id);
        let (subject, text) = match (c.lang.as_str(), r.state.as_str()) {
            ("fr", "waiting") => (
                format!("Liste d'attente : {}", s.title),
                format!(
                    "Bonjour {},\n\n« {} » est complet : vous êtes sur la liste d'attente. Nous vous écrirons si une place se libère.\n{link}\n",
                    c.first_name, s.title
                ),
            ),
            ("fr", _) => (
                format!("Inscription confirmée : {}", s.title),
                format!(
                    "Bonjour {},\n\nVotre inscription à « {} » ({when}) est confirmée.\nFichier de calendrier : {calendar}\nPour annuler : {}\n",
                    c.first_name,
                    s.title,
                    if link.is_empty() { "le lien de notre premier message".to_string() } else { link.clone() }
                ),
            ),
            (_, "waiting") => (
                format!("Waiting list: {}", s.title),
                format!(
                    "Hello {},\n\n\"{}\" is full: you are on the waiting list. We will write if a seat frees up.\n{link}\n",
                    c.first_name, s.title
                ),
            ),
            _ => (
                format!("Registration confirmed: {}", s.title),
                format!(
                    "Hello {},\n\nYour registration for \"{}\" ({when}) is confirmed.\nCalendar file: {calendar}\nTo cancel: {}\n",
                    c.first_name,
                    s.title,
                    if link.is_empty() { "the link in our first message".to_string() } else { link.clone() }
                ),
            ),
        };
        self.send(region, &r.subject_id, &c.email, subject, text).await;
        Ok(())
    }

    /// Cancels a registration: it is erased at once (key first), and the first person on the
    /// waiting list takes the seat it frees.
    pub async fn cancel(&self, p: Programme, token: &str, base_url: &str) -> Result<(), CoreError> {
        self.guard(category(p))?;
        let (region, r) = self.find_by_token(p, token).await?;
        let s = self.session_row(p, &r.session_id).await?;
        let freed = r.state == "registered";
        self.erase_registrations(p, &region, std::slice::from_ref(&r.id), "programmes.registration_cancelled").await?;
        if freed {
            self.promote(p, &s, base_url).await?;
        }
        Ok(())
    }

    /// Gives free seats to the waiting list, oldest first, and tells each promoted person.
    pub(crate) async fn promote(&self, p: Programme, s: &ProgrammeSessionRow, base_url: &str) -> Result<u64, CoreError> {
        let mut promoted = 0;
        loop {
            if self.full(s).await? {
                return Ok(promoted);
            }
            let mut first: Option<(RegionHandle, RegistrationRow)> = None;
            for region in self.cb.regions() {
                for r in region.programmes.registrations(p, &s.id).await? {
                    if r.state == "waiting"
                        && first.as_ref().is_none_or(|(_, f)| (r.confirmed_at, r.created_at) < (f.confirmed_at, f.created_at))
                    {
                        first = Some((region.clone(), r));
                    }
                }
            }
            let Some((region, mut r)) = first else { return Ok(promoted) };
            r.state = "registered".into();
            let audit = self.cb.audit_draft(
                Actor::System,
                "programmes.promoted_from_waiting_list",
                Some(&r.subject_id),
                Some(crate::business::programmes::PURPOSE),
                json!({ "registration": r.id }),
            );
            region.programmes.update_registrations(p, std::slice::from_ref(&r), vec![audit]).await?;
            self.tell_state(p, &region, &r, s, base_url, "").await?;
            promoted += 1;
        }
    }

    /// Erases registrations in one region: each attendee's key first, then the rows, with an
    /// entry in each one's trail. Returns how many went.
    pub(crate) async fn erase_registrations(
        &self,
        p: Programme,
        region: &RegionHandle,
        ids: &[String],
        action: &str,
    ) -> Result<u64, CoreError> {
        let mut subjects = Vec::new();
        for id in ids {
            if let Some(r) = region.programmes.registration(p, id).await? {
                subjects.push(r.subject_id);
            }
        }
        for s in &subjects {
            self.cb.keys().shred(region, s).await?;
        }
        let gone = region.programmes.delete_registrations(p, ids).await?;
        for s in &gone {
            let audit = self.cb.audit_draft(
                Actor::System,
                action,
                Some(s),
                Some(crate::business::programmes::PURPOSE),
                json!({ "programme": p.as_str(), "key_destroyed": true }),
            );
            region.store.audit_append(audit).await?;
        }
        Ok(gone.len() as u64)
    }

    /// When a session's registrations are erased by the retention rule.
    pub fn erase_after(&self, s: &ProgrammeSessionRow) -> Option<Millis> {
        let trigger = match s.programme {
            Programme::Event => "event_ended",
            Programme::Training => "training_ended",
        };
        let rule = self.cb.policy().doc().retention.iter().find(|r| r.category == category(s.programme) && r.trigger == trigger)?;
        s.ended_at().map(|e| rule.period().after(e))
    }
}

/// A postal address: required for a training, up to a few lines.
fn postal(raw: Option<&str>) -> Result<String, CoreError> {
    let a = raw.map(str::trim).unwrap_or_default();
    if a.is_empty() {
        return Err(CoreError::validation("postal_address", "this field is required"));
    }
    if a.chars().count() > ADDRESS_MAX || a.lines().count() > 6 || a.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(CoreError::validation("postal_address", format!("at most {ADDRESS_MAX} characters on six lines")));
    }
    Ok(a.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"))
}
