//! A message's way in: the contact form, the API and email all come here. The answer and the
//! work are the same whatever the address (the directory is asked only where to store the
//! ticket: the region of an account with this address, else the default). A message to the
//! privacy contact that asks for a right also becomes a rights request (C-CONTACT-1).

use serde_json::json;

use crate::business::support::service::{
    ANSWER_WITHIN, ATTACHMENT_MAX, Contact, MESSAGE_MAX, NewTicket, PURPOSE, Support, TITLE_MAX, aad, hash, new_reference, new_token, text,
};
use crate::platform::audit::Actor;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, SubjectId};
use crate::platform::ports::{SupportMessageRow, TicketRow};
use crate::privacy::rights::requests::NewRequest;

/// Which right a message to the privacy contact asks for, if it asks for one (English and
/// French words; the first that matches, erasure before access).
pub fn rights_kind(message: &str) -> Option<&'static str> {
    let m = message.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| m.contains(w));
    if any(&["erase", "erasure", "delete my", "deletion", "forgotten", "effacer", "effacement", "supprimer", "suppression", "oubli"]) {
        Some("erasure")
    } else if any(&["portability", "portabilité", "machine-readable", "transfer my data", "transférer mes données"]) {
        Some("portability")
    } else if any(&["rectif", "correct my", "corriger", "is wrong", "est erronée", "sont erronées"]) {
        Some("rectification")
    } else if any(&["restrict", "limitation", "limiter"]) {
        Some("restriction")
    } else if any(&["object to", "objection", "m'oppose", "opposition", "stop using", "arrêter d'utiliser"]) {
        Some("objection")
    } else if any(&[
        "access to my",
        "copy of my",
        "what data",
        "which data",
        "my personal data",
        "accès à mes",
        "copie de mes",
        "quelles données",
        "mes données personnelles",
    ]) {
        Some("access")
    } else {
        None
    }
}

/// Cleans an attachment: an image typed by its content and rebuilt from the allow-list of
/// board media (EXIF, GPS, comments and trailing bytes gone). Returns its type and bytes.
pub fn clean_attachment(bytes: &[u8]) -> Result<(&'static str, Vec<u8>), CoreError> {
    if bytes.len() > ATTACHMENT_MAX {
        return Err(CoreError::TooLarge { max_bytes: ATTACHMENT_MAX });
    }
    let (kind, clean) = crate::platform::media::sanitise_image(bytes)?;
    Ok((kind.mime(), clean))
}

impl Support<'_> {
    /// Receives a message for the desk; returns the new ticket's id (never shown to the
    /// sender: the answer is the same for every address).
    pub async fn submit(&self, new: NewTicket, base_url: &str) -> Result<String, CoreError> {
        self.guard()?;
        let first_name = crate::platform::validate::name("first_name", &new.first_name)?;
        let last_name = crate::platform::validate::name("last_name", &new.last_name)?;
        let email = crate::platform::validate::email(&new.email)?;
        let phone = crate::platform::validate::phone(new.phone.as_deref())?;
        let title = text("subject", &new.subject, TITLE_MAX)?;
        let message = text("message", &new.message, MESSAGE_MAX)?;
        let attachment = match new.attachment.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => Some(clean_attachment(a)?),
            None => None,
        };
        let lang = if new.lang == "fr" { "fr" } else { "en" }.to_string();
        let channel = match new.channel.as_str() {
            "web_form" | "email" => new.channel.clone(),
            _ => "api".to_string(),
        };
        let topic = if new.topic == "privacy" { "privacy" } else { "general" }.to_string();
        let bidx = self.cb.blind_email(&email);
        let region_id = match self.cb.directory().find_email(&bidx).await? {
            Some((r, _)) => r,
            None => self.cb.settings().default_region.clone(),
        };
        let region = self.cb.region(&region_id)?.clone();
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let requester = SubjectId::new(now)?;
        let key = self.cb.keys().create(&region, &requester).await?;
        let contact =
            Contact { first_name: first_name.clone(), last_name: last_name.clone(), email: email.clone(), phone, lang: lang.clone() };
        let contact_bytes = serde_json::to_vec(&contact).map_err(|_| CoreError::Internal("ticket contact"))?;
        let token = new_token()?;
        let mut ticket = TicketRow {
            id: id.clone(),
            reference: new_reference()?,
            requester_id: requester.clone(),
            account_id: new.account.clone(),
            email_bidx: bidx,
            contact: key.seal(aad("support_tickets", "contact", &id), &contact_bytes)?,
            title: key.seal(aad("support_tickets", "title", &id), title.as_bytes())?,
            status: "open".into(),
            assignee_id: None,
            channel: channel.clone(),
            topic: topic.clone(),
            rights_request_id: None,
            token_hash: hash(&token),
            created_at: now,
            updated_at: now,
            due_at: Some(now + ANSWER_WITHIN),
            closed_at: None,
        };
        let first = self.requester_message(&region, &ticket, &key, &message, &channel, attachment).await?;
        let audit = self.cb.audit_draft(
            Actor::System,
            "support.ticket_received",
            Some(&requester),
            Some(PURPOSE),
            json!({ "ticket": id, "channel": channel, "topic": topic }),
        );
        region.support.insert_ticket(&ticket, &first, Some(audit)).await?;
        metrics::counter!("clearboard_support_tickets_total", "channel" => channel.clone()).increment(1);
        let link = format!("{base_url}/support/ticket#{token}");
        let (subject, body) = if lang == "fr" {
            (
                format!("[{}] Nous avons bien reçu votre message", ticket.reference),
                format!(
                    "Bonjour {first_name},\n\nNous avons bien reçu votre message « {title} » (référence {}). Nous vous répondrons par e-mail.\n\nPour suivre votre demande ou y répondre, ouvrez ce lien privé (ne le transmettez à personne) :\n{link}\n\nVous pouvez aussi répondre à cet e-mail en gardant la référence {} dans l'objet.\n",
                    ticket.reference, ticket.reference
                ),
            )
        } else {
            (
                format!("[{}] We received your message", ticket.reference),
                format!(
                    "Hello {first_name},\n\nWe received your message \"{title}\" (reference {}). We will answer by email.\n\nTo follow your request or add to it, open this private link (do not share it):\n{link}\n\nYou can also reply to this email, keeping the reference {} in the subject.\n",
                    ticket.reference, ticket.reference
                ),
            )
        };
        self.send(&region, &ticket, &email, subject, body).await;
        if ticket.topic == "privacy" {
            self.route_privacy(&region, &mut ticket, &contact, &message, base_url).await?;
        }
        Ok(id)
    }

    /// Builds a requester's message (sealed, with its cleaned attachment sealed in the blob
    /// store) for ticket `t`.
    pub(super) async fn requester_message(
        &self,
        region: &RegionHandle,
        t: &TicketRow,
        key: &clearboard_vault::Dek,
        body: &str,
        channel: &str,
        attachment: Option<(&'static str, Vec<u8>)>,
    ) -> Result<SupportMessageRow, CoreError> {
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let (blob, kind) = match attachment {
            Some((kind, bytes)) => {
                let blob = BlobId::new(now)?;
                region
                    .blobs
                    .put(&blob, &clearboard_vault::stream::seal(key, aad("support_messages", "attachment", blob.as_str()), &bytes)?)
                    .await?;
                (Some(blob), Some(kind.to_string()))
            }
            None => (None, None),
        };
        Ok(SupportMessageRow {
            id: id.clone(),
            ticket_id: t.id.clone(),
            author: "requester".into(),
            staff_id: None,
            channel: channel.to_string(),
            body: key.seal(aad("support_messages", "body", &id), body.as_bytes())?,
            attachment_blob: blob,
            attachment_type: kind,
            at: now,
        })
    }

    /// A message to the privacy contact: when it asks for a right, the rights engine receives
    /// it (its own verification link goes to the same address) and the ticket names it.
    async fn route_privacy(
        &self,
        region: &RegionHandle,
        t: &mut TicketRow,
        c: &Contact,
        message: &str,
        base_url: &str,
    ) -> Result<(), CoreError> {
        let Some(kind) = rights_kind(message) else { return Ok(()) };
        let new = NewRequest {
            kind: kind.to_string(),
            email: c.email.clone(),
            name: Some(format!("{} {}", c.first_name, c.last_name)),
            details: Some(message.chars().take(2000).collect()),
            on_behalf: "self".into(),
            channel: if t.channel == "email" { "email" } else { "web_form" }.into(),
            lang: c.lang.clone(),
            ..Default::default()
        };
        match self.cb.requests().submit(new, base_url).await {
            Ok(request) => {
                t.rights_request_id = Some(request.clone());
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "support.routed_to_rights",
                    Some(&t.requester_id),
                    Some("rights"),
                    json!({ "ticket": t.id, "request": request, "kind": kind }),
                );
                region.support.update_ticket(t, None, Some(audit)).await?;
            }
            // One running request per kind and address: the ticket stays, staff see it.
            Err(CoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_messages_are_recognised_in_english_and_french() {
        assert_eq!(rights_kind("Please delete my account and everything about me"), Some("erasure"));
        assert_eq!(rights_kind("Je souhaite l'effacement de mes données"), Some("erasure"));
        assert_eq!(rights_kind("I want a copy of my data"), Some("access"));
        assert_eq!(rights_kind("Quelles données avez-vous sur moi ?"), Some("access"));
        assert_eq!(rights_kind("My surname is wrong, please rectify it"), Some("rectification"));
        assert_eq!(rights_kind("I object to the use of my address"), Some("objection"));
        assert_eq!(rights_kind("How do I add an image to a card?"), None);
    }
}
