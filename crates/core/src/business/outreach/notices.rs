//! Written notice of significant policy changes (C-CHG-3): when the running policy version is
//! marked significant, every person who held an account before it was published receives one
//! email (a transactional notice, not marketing: no consent is asked, no unsubscribe), in their
//! language, with the summary of the change and where to read it. Each notice is claimed
//! before it is sent and recorded after (`policy_notices`), so a person is told once, even
//! across restarts; the scheduler sends at most a given number per run (a rate limit).

use serde_json::json;

use crate::business::outreach::contacts::Outreach;
use crate::platform::audit::Actor;
use crate::platform::clock::date_of;
use crate::platform::error::CoreError;
use crate::platform::mail::Mail;

/// The purpose the notice serves: running the person's account under the policy they accepted.
const PURPOSE: &str = "account";

/// What one run of the notices did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoticeRun {
    pub sent: u64,
    pub failed: u64,
    /// Account holders still to tell (beyond this run's limit).
    pub remaining: u64,
}

impl Outreach<'_> {
    /// Sends the notice of the running policy version, if it is significant, to at most `max`
    /// account holders who have not received it.
    pub async fn announce_policy(&self, base_url: &str, max: usize) -> Result<NoticeRun, CoreError> {
        let policy = self.cb.policy();
        let meta = &policy.doc().meta;
        let mut run = NoticeRun::default();
        if !meta.significant {
            return Ok(run);
        }
        policy.check(PURPOSE, "account")?;
        let version = policy.digest().to_string();
        let Some(published) = self.cb.directory().policy_versions().await?.into_iter().find(|v| v.digest == version) else {
            return Ok(run);
        };
        let mut budget = max;
        for region in self.cb.regions() {
            let told: std::collections::HashSet<_> = region.outreach.notices_of(&version).await?.into_iter().map(|(s, _, _)| s).collect();
            for (subject, created_at) in region.outreach.account_holders().await? {
                // Those who signed up under this version were shown it then.
                if created_at >= published.recorded_at || told.contains(&subject) {
                    continue;
                }
                if budget == 0 {
                    run.remaining += 1;
                    continue;
                }
                if !region.outreach.claim_notice(&version, &subject, self.cb.now()).await? {
                    continue;
                }
                budget -= 1;
                let (row, dek) = match self.cb.accounts().load(region, &subject).await {
                    Ok(x) => x,
                    Err(CoreError::NotFound | CoreError::Erased) => {
                        region.outreach.finish_notice(&version, &subject, "gone", self.cb.now()).await?;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let to = self.cb.accounts().open(&dek, &row)?.email;
                let date = &meta.published;
                let link = format!("{base_url}/privacy/history");
                let (subj, text) = if row.locale == "fr" {
                    (
                        "Notre politique de confidentialité change".to_string(),
                        format!(
                            "Bonjour,\n\nNous avons modifié notre politique de confidentialité (version du {date}). En résumé :\n\n{}\n\nLa nouvelle version et l'historique des versions : {link}\nVous serez invité à en prendre connaissance à votre prochaine connexion.\n\nCe message vous est adressé parce que vous avez un compte ; il n'est pas publicitaire.\n",
                            meta.summary.fr
                        ),
                    )
                } else {
                    (
                        "Our privacy policy is changing".to_string(),
                        format!(
                            "Hello,\n\nWe have changed our privacy policy (version of {date}). In short:\n\n{}\n\nThe new version and the history of versions: {link}\nYou will be asked to acknowledge it at your next sign-in.\n\nYou receive this message because you have an account; it is not marketing.\n",
                            meta.summary.en
                        ),
                    )
                };
                let state = match self
                    .cb
                    .transfers()
                    .send_mail(Some((region, &subject)), Mail { to, subject: subj, text, ..Mail::default() })
                    .await
                {
                    Ok(()) => {
                        run.sent += 1;
                        "sent"
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "a policy notice could not be sent");
                        run.failed += 1;
                        "failed"
                    }
                };
                region.outreach.finish_notice(&version, &subject, state, self.cb.now()).await?;
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "policy.notice_sent",
                    Some(&subject),
                    Some(PURPOSE),
                    json!({ "version": version, "state": state, "published": date_of(published.recorded_at).to_string() }),
                );
                region.store.audit_append(audit).await?;
            }
        }
        Ok(run)
    }
}
