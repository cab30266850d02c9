//! Policy versions and acknowledgements (C-CHG-1, C-CHG-2).
//!
//! A version is the SHA-256 of the policy file. At start the running version is recorded in
//! the public history. When the latest version marked significant was published after a
//! person's account was created and they have not acknowledged it, every authenticated request
//! is refused with `policy_ack_required` until they do. An acknowledgement is not consent:
//! consent-based purposes are asked again through the consent ledger when they change.
//!
//! Takes the whole context (`Clearboard`): versions live in the directory, acknowledgements in the
//! region's store and the in-memory cache, and each acknowledgement is audited.

use serde::Serialize;
use serde_json::json;

use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::platform::ports::PolicyVersionRow;

/// A published version as shown in the history.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: String,
    pub published_on: String,
    pub recorded_at: String,
    pub significant: bool,
    pub summary_en: String,
    pub summary_fr: String,
    pub current: bool,
}

pub struct PolicyVersions<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn policy_versions(&self) -> PolicyVersions<'_> {
        PolicyVersions { cb: self }
    }
}

fn info(row: &PolicyVersionRow, current: &str) -> VersionInfo {
    VersionInfo {
        version: row.digest.clone(),
        published_on: row.published_on.clone(),
        recorded_at: rfc3339(row.recorded_at),
        significant: row.significant,
        summary_en: row.summary_en.clone(),
        summary_fr: row.summary_fr.clone(),
        current: row.digest == current,
    }
}

impl PolicyVersions<'_> {
    /// Records the running policy in the history (first time only). Called at start.
    pub async fn record_current(&self) -> Result<(), CoreError> {
        let p = self.cb.policy();
        let meta = &p.doc().meta;
        let row = PolicyVersionRow {
            digest: p.digest().to_string(),
            published_on: meta.published.clone(),
            recorded_at: self.cb.now(),
            significant: meta.significant,
            summary_en: meta.summary.en.clone(),
            summary_fr: meta.summary.fr.clone(),
            body: p.text().to_string(),
        };
        self.cb.directory().record_policy_version(&row).await?;
        self.cb.inner.acks.forget_latest();
        self.cb.inner.hub.notify(crate::platform::bus::Notice::PolicyRecorded);
        Ok(())
    }

    /// The public history, newest first.
    pub async fn history(&self) -> Result<Vec<VersionInfo>, CoreError> {
        let current = self.cb.policy().digest().to_string();
        let mut rows: Vec<VersionInfo> = self.cb.directory().policy_versions().await?.iter().map(|r| info(r, &current)).collect();
        rows.reverse();
        Ok(rows)
    }

    /// The text of a version.
    pub async fn text_of(&self, digest: &str) -> Result<Option<String>, CoreError> {
        Ok(self.cb.directory().policy_versions().await?.into_iter().find(|r| r.digest == digest).map(|r| r.body))
    }

    async fn latest_significant(&self) -> Result<Option<(String, Millis)>, CoreError> {
        if let Some(v) = self.cb.inner.acks.latest() {
            return Ok(v);
        }
        let v = self
            .cb
            .directory()
            .policy_versions()
            .await?
            .into_iter()
            .filter(|r| r.significant)
            .max_by_key(|r| r.recorded_at)
            .map(|r| (r.digest, r.recorded_at));
        self.cb.inner.acks.set_latest(v.clone());
        Ok(v)
    }

    /// The version the person must acknowledge before going on, if any.
    pub async fn ack_required(&self, who: &Principal) -> Result<Option<VersionInfo>, CoreError> {
        let Some((digest, recorded_at)) = self.latest_significant().await? else {
            return Ok(None);
        };
        if self.cb.inner.acks.knows(&who.subject) {
            return Ok(None);
        }
        let region = self.cb.region(&who.region)?;
        let created_at = region.store.account(&who.subject).await?.map(|a| a.created_at).unwrap_or(Millis::MAX);
        if created_at >= recorded_at || region.store.has_ack(&who.subject, &digest).await? {
            self.cb.inner.acks.remember(&who.subject);
            return Ok(None);
        }
        let rows = self.cb.directory().policy_versions().await?;
        Ok(rows.iter().find(|r| r.digest == digest).map(|r| info(r, self.cb.policy().digest())))
    }

    /// Records that the person acknowledged `version` (the one required, or the current one).
    pub async fn acknowledge(&self, who: &Principal, version: &str, method: &str) -> Result<Millis, CoreError> {
        let current = self.cb.policy().digest();
        let required = self.latest_significant().await?.map(|(d, _)| d);
        if version != current && Some(version) != required.as_deref() {
            return Err(CoreError::validation("version", "acknowledge the current policy version (see /privacy/history)"));
        }
        let region = self.cb.region(&who.region)?;
        let now = self.cb.now();
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "policy.acknowledged",
            Some(&who.subject),
            Some("account"),
            json!({ "version": version, "method": method }),
        );
        region.store.record_ack(&who.subject, version, method, now, Some(audit)).await?;
        if Some(version) == required.as_deref() {
            self.cb.inner.acks.remember(&who.subject);
        }
        Ok(now)
    }

    /// Records, at sign-up, that the person was shown the current version.
    pub(crate) async fn record_at_sign_up(
        &self,
        region: &crate::platform::context::RegionHandle,
        subject: &SubjectId,
    ) -> Result<(), CoreError> {
        region.store.record_ack(subject, self.cb.policy().digest(), "sign_up", self.cb.now(), None).await?;
        Ok(())
    }
}
