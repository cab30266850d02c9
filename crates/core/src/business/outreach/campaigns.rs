//! Campaigns: staff with the `marketing` (or `admin`) role, through the staff gate (current
//! confidentiality training), write a campaign in Markdown for a list with English and French
//! variants, preview it, test-send it to themselves, schedule it and send it.
//!
//! Sending is a job over the recipients of every region (confirmed contacts on the list, the
//! account holders who said yes among them), resumable and idempotent per recipient: each recipient is *claimed*
//! (a row per campaign and person) before the message is handed to the mail server, so a run
//! that dies mid-way leaves at most one claimed recipient per message in flight, and no later
//! run sends to anyone with a row. At send time each recipient's consent is read from the
//! ledger (the purpose guard): no consent, no mail, a `skipped` row. Every message carries
//! `List-Unsubscribe` (https and mailto), `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
//! (RFC 8058, RFC 2369), `List-Id` (RFC 2919) and a visible unsubscribe link that works
//! without signing in (C-RET-5). The job hands at most `outreach_per_second` messages per
//! second to the mail server.

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::business::outreach::contacts::aad;
use crate::business::outreach::lists::{self, PURPOSE};
use crate::business::outreach::markdown::{self, Rendered, escape};
use crate::business::outreach::tokens::{self, Kind};
use crate::identity::principal::Principal;
use crate::identity::staff::Role;
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::mail::Mail;
use crate::platform::ports::CampaignRow;

/// What staff write.
#[derive(Debug, Clone, Default)]
pub struct NewCampaign {
    pub list: String,
    pub subject: String,
    pub body_markdown: String,
    /// The French variant (the English one when left out).
    pub subject_fr: Option<String>,
    pub body_markdown_fr: Option<String>,
}

/// A campaign and its job's progress, as the staff page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignStatus {
    pub id: String,
    pub list: String,
    pub subject: String,
    /// `draft`, `scheduled`, `sending` or `sent`.
    pub status: String,
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Claimed by a run that stopped before it could say what became of the message: never
    /// sent again.
    pub interrupted: u64,
    pub created_at: String,
    pub scheduled_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// A message as a recipient gets it.
#[derive(Debug, Clone)]
pub struct Preview {
    pub subject: String,
    pub body: Rendered,
}

/// What one batch of the job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
    /// No recipient is left: the campaign is `sent`.
    pub done: bool,
}

const SUBJECT_MAX: usize = 200;
const BODY_MAX: usize = 100_000;

fn text(field: &'static str, raw: &str, max: usize) -> Result<String, CoreError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(CoreError::validation(field, format!("write 1 to {max} characters")));
    }
    Ok(t.to_string())
}

fn host(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    rest.split(['/', ':']).next().unwrap_or("localhost").to_string()
}

impl crate::business::outreach::contacts::Outreach<'_> {
    /// The staff gate of campaigns: on duty (trained) and `marketing` or `admin`.
    async fn marketer(&self, who: &Principal) -> Result<(), CoreError> {
        match self.cb.staff().on_duty(who).await? {
            Role::Marketing | Role::Admin => Ok(()),
            _ => Err(CoreError::Forbidden),
        }
    }

    fn campaigns_region(&self) -> Result<&RegionHandle, CoreError> {
        self.contacts_region()
    }

    async fn load(&self, id: &str) -> Result<CampaignRow, CoreError> {
        self.campaigns_region()?.outreach.campaign(id).await?.ok_or(CoreError::NotFound)
    }

    /// Writes a campaign (a draft).
    pub async fn create_campaign(&self, who: &Principal, n: NewCampaign) -> Result<String, CoreError> {
        self.marketer(who).await?;
        lists::guard(self.cb)?;
        if !lists::EMAIL_LISTS.contains(&n.list.as_str()) {
            return Err(CoreError::validation("list", format!("choose one of: {}", lists::EMAIL_LISTS.join(", "))));
        }
        let subject_en = text("subject", &n.subject, SUBJECT_MAX)?;
        let body_en = text("body_markdown", &n.body_markdown, BODY_MAX)?;
        let subject_fr = match n.subject_fr.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => text("subject_fr", s, SUBJECT_MAX)?,
            None => subject_en.clone(),
        };
        let body_fr = match n.body_markdown_fr.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => text("body_markdown_fr", s, BODY_MAX)?,
            None => body_en.clone(),
        };
        let now = self.cb.now();
        let row = CampaignRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            list: n.list,
            subject_en: subject_en.replace(['\r', '\n'], " "),
            subject_fr: subject_fr.replace(['\r', '\n'], " "),
            body_en,
            body_fr,
            state: "draft".into(),
            created_by: who.subject.clone(),
            created_at: now,
            scheduled_at: None,
            started_at: None,
            finished_at: None,
        };
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "campaign.created",
            None,
            Some(PURPOSE),
            json!({ "campaign": row.id, "list": row.list }),
        );
        self.campaigns_region()?.outreach.insert_campaign(&row, Some(audit)).await?;
        Ok(row.id)
    }

    /// A campaign's message in `lang`, as rendered (without a recipient's links).
    pub async fn preview(&self, who: &Principal, id: &str, lang: &str) -> Result<Preview, CoreError> {
        self.marketer(who).await?;
        let c = self.load(id).await?;
        Ok(Self::rendered(&c, lists::lang(lang)))
    }

    fn rendered(c: &CampaignRow, lang: &str) -> Preview {
        let (subject, body) = if lang == "fr" { (&c.subject_fr, &c.body_fr) } else { (&c.subject_en, &c.body_en) };
        Preview { subject: subject.clone(), body: markdown::render(body) }
    }

    /// The campaign read online by its recipient (the `r` link of every message): recorded as
    /// a click, which is a contact (C-RET-4).
    pub async fn read_online(&self, token: &str) -> Result<(String, Preview), CoreError> {
        let claims = tokens::verify(self.cb, Kind::Read, token).ok_or(CoreError::LinkInvalid)?;
        let region = self.cb.region_named(&claims.region).map_err(|_| CoreError::LinkInvalid)?.clone();
        let c = self.load(&claims.what).await.map_err(|_| CoreError::LinkInvalid)?;
        let lang = match region.outreach.contact_of_subject(&claims.subject).await? {
            Some(k) => k.lang,
            None => region.store.account(&claims.subject).await?.map(|a| a.locale).unwrap_or_else(|| "en".into()),
        };
        if self.cb.keys().current(&region, &claims.subject).await.is_ok() {
            let now = self.cb.now();
            let click = crate::platform::ports::ClickRow {
                id: crate::platform::ids::new_uuid(now)?.to_string(),
                campaign_id: c.id.clone(),
                subject_id: claims.subject.clone(),
                at: now,
            };
            region.outreach.insert_click(&click).await?;
            self.touch(&region, &claims.subject).await?;
        }
        let lang = lists::lang(&lang).to_string();
        Ok((lang.clone(), Self::rendered(&c, &lang)))
    }

    /// Sends the campaign to the staff member's own address, marked as a test (nothing is
    /// recorded as a send).
    pub async fn test_send(&self, who: &Principal, id: &str, lang: &str, base_url: &str) -> Result<(), CoreError> {
        self.marketer(who).await?;
        let c = self.load(id).await?;
        let region = self.cb.region(&who.region)?.clone();
        let mut mail = self.message(&c, &region, &who.subject, lists::lang(lang), base_url).await?.ok_or(CoreError::NotFound)?;
        mail.subject = format!("[TEST] {}", mail.subject);
        self.cb.transfers().send_mail(Some((&region, &who.subject)), mail).await.map_err(|_| CoreError::Unavailable("mail"))?;
        Ok(())
    }

    /// Schedules the campaign for `at` (the job starts it then), or starts it now (`None`).
    pub async fn schedule(&self, who: &Principal, id: &str, at: Option<Millis>) -> Result<CampaignStatus, CoreError> {
        self.marketer(who).await?;
        let mut c = self.load(id).await?;
        if matches!(c.state.as_str(), "sending" | "sent") {
            return Err(CoreError::Conflict("this campaign is being sent or was sent"));
        }
        let now = self.cb.now();
        match at.filter(|t| *t > now) {
            Some(t) => {
                c.state = "scheduled".into();
                c.scheduled_at = Some(t);
            }
            None => {
                c.state = "sending".into();
                c.started_at = Some(now);
            }
        }
        self.campaigns_region()?.outreach.update_campaign(&c).await?;
        let audit = self.cb.audit_draft(
            Actor::Staff(&who.subject),
            "campaign.scheduled",
            None,
            Some(PURPOSE),
            json!({ "campaign": c.id, "state": c.state, "at": c.scheduled_at.map(rfc3339) }),
        );
        self.campaigns_region()?.store.audit_append(audit).await?;
        self.status_of(&c).await
    }

    /// A campaign's status and progress.
    pub async fn campaign_status(&self, who: &Principal, id: &str) -> Result<CampaignStatus, CoreError> {
        self.marketer(who).await?;
        let c = self.load(id).await?;
        self.status_of(&c).await
    }

    /// Every campaign, newest first.
    pub async fn campaign_list(&self, who: &Principal) -> Result<Vec<CampaignStatus>, CoreError> {
        self.marketer(who).await?;
        let mut out = Vec::new();
        for c in self.campaigns_region()?.outreach.campaigns().await? {
            out.push(self.status_of(&c).await?);
        }
        Ok(out)
    }

    async fn status_of(&self, c: &CampaignRow) -> Result<CampaignStatus, CoreError> {
        let (mut sent, mut skipped, mut failed, mut interrupted) = (0, 0, 0, 0);
        for r in self.cb.regions() {
            let n = r.outreach.send_counts(&c.id).await?;
            sent += n.sent;
            skipped += n.skipped;
            failed += n.failed;
            interrupted += n.claimed;
        }
        Ok(CampaignStatus {
            id: c.id.clone(),
            list: c.list.clone(),
            subject: c.subject_en.clone(),
            status: c.state.clone(),
            sent,
            skipped,
            failed,
            interrupted,
            created_at: rfc3339(c.created_at),
            scheduled_at: c.scheduled_at.map(rfc3339),
            started_at: c.started_at.map(rfc3339),
            finished_at: c.finished_at.map(rfc3339),
        })
    }

    /// The recipients still to handle: confirmed contacts on the list (account holders who
    /// said yes become contacts through the same double opt-in), in every region, less those
    /// with a row for the campaign.
    async fn pending(&self, c: &CampaignRow) -> Result<Vec<(RegionHandle, SubjectId)>, CoreError> {
        let mut out = Vec::new();
        for r in self.cb.regions() {
            let done: HashSet<SubjectId> = r.outreach.handled(&c.id).await?.into_iter().collect();
            for k in r.outreach.contacts_in("confirmed").await? {
                if lists::split(&k.lists).contains(&c.list) && !done.contains(&k.subject_id) {
                    out.push((r.clone(), k.subject_id));
                }
            }
        }
        Ok(out)
    }

    /// The message of `c` for one recipient in `lang` (`None` when they have no address left).
    async fn message(
        &self,
        c: &CampaignRow,
        region: &RegionHandle,
        subject: &SubjectId,
        lang: &str,
        base_url: &str,
    ) -> Result<Option<Mail>, CoreError> {
        let to = match region.outreach.contact_of_subject(subject).await? {
            Some(k) => {
                let key = self.cb.keys().current(region, subject).await?;
                key.open_string(aad("email", &k.id), &k.email)?
            }
            None => match self.cb.accounts().load(region, subject).await {
                Ok((row, dek)) => self.cb.accounts().open(&dek, &row)?.email,
                Err(CoreError::NotFound | CoreError::Erased) => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        let p = Self::rendered(c, lang);
        let unsub = tokens::make(self.cb, Kind::Unsubscribe, region.id.as_str(), subject, &c.list);
        let read = tokens::make(self.cb, Kind::Read, region.id.as_str(), subject, &c.id);
        let https = format!("{base_url}/newsletter/unsubscribe?token={unsub}");
        let online = format!("{base_url}/newsletter/read?token={read}");
        let host = host(base_url);
        let mailbox = self.cb.settings().outreach_mailbox.clone().unwrap_or_else(|| format!("unsubscribe@{host}"));
        let (unsub_words, read_words, why) = if lang == "fr" {
            (
                "Se désabonner en un clic, sans se connecter",
                "Lire en ligne",
                format!(
                    "Vous recevez ce message parce que vous avez accepté de recevoir {}.",
                    crate::business::outreach::contacts::list_name("fr", &c.list)
                ),
            )
        } else {
            (
                "Unsubscribe in one click, without signing in",
                "Read online",
                format!(
                    "You receive this message because you agreed to receive {}.",
                    crate::business::outreach::contacts::list_name("en", &c.list)
                ),
            )
        };
        let text = format!("{}\n--\n{why}\n{read_words}: {online}\n{unsub_words}: {https}\n", p.body.text);
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{}<hr>\n<p>{}</p>\n<p><a href=\"{}\">{read_words}</a> · <a href=\"{}\">{unsub_words}</a></p>\n</body></html>\n",
            escape(&p.subject),
            p.body.html,
            escape(&why),
            escape(&online),
            escape(&https)
        );
        let list_name = if c.list == lists::EVENTS { "events" } else { "news" };
        Ok(Some(Mail {
            to,
            subject: p.subject,
            text,
            html: Some(html),
            headers: vec![
                ("List-Unsubscribe".into(), format!("<{https}>, <mailto:{mailbox}?subject=unsubscribe%20{unsub}>")),
                ("List-Unsubscribe-Post".into(), "List-Unsubscribe=One-Click".into()),
                ("List-Id".into(), format!("clearboard {list_name} <{}.{host}>", c.list.replace('_', "-"))),
                ("Precedence".into(), "bulk".into()),
            ],
        }))
    }

    /// One batch of the send job of campaign `id`: at most `max` recipients handled. Starts a
    /// scheduled campaign whose time has come; a campaign neither sending nor due does nothing.
    pub async fn send_batch(&self, id: &str, base_url: &str, max: usize) -> Result<Progress, CoreError> {
        lists::guard(self.cb)?;
        let mut c = self.load(id).await?;
        let now = self.cb.now();
        match c.state.as_str() {
            "sending" => {}
            "scheduled" if c.scheduled_at.is_some_and(|t| t <= now) => {
                c.state = "sending".into();
                c.started_at = Some(now);
                self.campaigns_region()?.outreach.update_campaign(&c).await?;
            }
            "sent" => return Ok(Progress { done: true, ..Progress::default() }),
            _ => return Ok(Progress::default()),
        }
        let mut progress = Progress::default();
        let pending = self.pending(&c).await?;
        let total = pending.len();
        for (region, subject) in pending.into_iter().take(max) {
            let (region, subject) = (&region, &subject);
            let contact = region.outreach.contact_of_subject(subject).await?;
            let bounced = contact.as_ref().is_some_and(|k| k.state == "bounced");
            // The purpose guard, at send time: the ledger says whether this person consents now.
            if bounced || !self.consents(region, subject, &c.list).await? {
                if region.outreach.claim_send(&c.id, subject, self.cb.now()).await? {
                    region.outreach.finish_send(&c.id, subject, "skipped", self.cb.now()).await?;
                    progress.skipped += 1;
                }
                continue;
            }
            let lang = contact.map(|k| k.lang).unwrap_or_else(|| "en".into());
            let Some(mail) = self.message(&c, region, subject, lists::lang(&lang), base_url).await? else { continue };
            if !region.outreach.claim_send(&c.id, subject, self.cb.now()).await? {
                continue;
            }
            let state = match self.cb.transfers().send_mail(Some((region, subject)), mail).await {
                Ok(()) => {
                    progress.sent += 1;
                    "sent"
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a campaign message could not be sent");
                    progress.failed += 1;
                    "failed"
                }
            };
            region.outreach.finish_send(&c.id, subject, state, self.cb.now()).await?;
        }
        metrics::counter!("clearboard_outreach_messages_total", "outcome" => "sent").increment(progress.sent);
        metrics::counter!("clearboard_outreach_messages_total", "outcome" => "skipped").increment(progress.skipped);
        if total <= max {
            c.state = "sent".into();
            c.finished_at = Some(self.cb.now());
            self.campaigns_region()?.outreach.update_campaign(&c).await?;
            let audit = self.cb.audit_draft(Actor::System, "campaign.sent", None, Some(PURPOSE), json!({ "campaign": c.id }));
            self.campaigns_region()?.store.audit_append(audit).await?;
            progress.done = true;
        }
        Ok(progress)
    }

    /// Runs the send job of campaign `id` to its end at the configured rate (a batch of
    /// `outreach_per_second` messages, then a second's pause).
    pub async fn send_all(&self, id: &str, base_url: &str) -> Result<(), CoreError> {
        let per_second = self.cb.settings().outreach_per_second.max(1) as usize;
        loop {
            let p = self.send_batch(id, base_url, per_second).await?;
            if p.done || (p.sent + p.skipped + p.failed == 0 && !self.is_sending(id).await?) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn is_sending(&self, id: &str) -> Result<bool, CoreError> {
        Ok(self.load(id).await?.state == "sending")
    }

    /// The scheduler's tick: one batch of every campaign that is sending or due (resumes the
    /// jobs a restart interrupted).
    pub async fn tick(&self, base_url: &str) -> Result<(), CoreError> {
        let per_second = self.cb.settings().outreach_per_second.max(1) as usize;
        let now = self.cb.now();
        for c in self.campaigns_region()?.outreach.campaigns().await? {
            if c.state == "sending" || (c.state == "scheduled" && c.scheduled_at.is_some_and(|t| t <= now)) {
                self.send_batch(&c.id, base_url, per_second).await?;
            }
        }
        Ok(())
    }
}
