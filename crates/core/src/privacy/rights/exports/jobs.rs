//! The export jobs: a request queues a job, the background builder turns it into a sealed
//! archive (see `archive`), downloads are counted against [`link_ttl`], and revocation or
//! expiry deletes the archive. The shared names of the exports room (schema, format version,
//! the sealing context of an archive) live here too.
//!
//! Takes the whole context (`Clearboard`): an export orchestrates the rights store, the blob
//! store, subject keys, every category's exporter and the audit chain.

use clearboard_vault::Aad;
use serde::Serialize;
use serde_json::json;

use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{HOUR, Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, RegionId, SubjectId};
use crate::platform::ports::ExportRow;

/// The JSON Schema `data.json` follows (published at `/privacy/export-schema.json`).
pub const EXPORT_SCHEMA: &str = include_str!("export_schema.json");
/// The format version written in `data.json`.
pub const FORMAT_VERSION: u32 = 1;
/// How long an export can be downloaded once it is ready: the policy's `export_link_hours`
/// (24 in the default policy; `policy check` allows a week at most).
pub fn link_ttl(policy: &clearboard_policy::Policy) -> Millis {
    i64::from(policy.doc().limits.export_link_hours) * HOUR
}
/// A running job whose builder has not said it is alive for this long is built again: its
/// process died (a crash, a node of the cluster killed), and the person would otherwise wait
/// (and be told "already being prepared") until it expired.
const STALE_RUNNING: Millis = crate::platform::clock::MINUTE;
/// How often a builder says it is alive (its job's `started_at` moves to now), in real time.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(10);
pub(super) const PURPOSE: &str = "rights";

/// Why every export of a person was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    SignedOutEverywhere,
    PasswordChanged,
}

impl Revocation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOutEverywhere => "signed_out_everywhere",
            Self::PasswordChanged => "password_changed",
        }
    }
}

pub(super) fn export_aad(blob: &BlobId) -> Aad<'_> {
    Aad { table: "blobs", column: "export", row: blob.as_str() }
}

/// An export as shown to its owner.
#[derive(Debug, Clone, Serialize)]
pub struct ExportView {
    pub id: String,
    /// `queued`, `running`, `ready`, `failed`, `expired` or `revoked`.
    pub state: String,
    pub created_at: String,
    pub ready_at: Option<String>,
    pub expires_at: Option<String>,
    pub size: Option<i64>,
    /// Where the owner downloads the archive (a path relative to the service's URL, with no
    /// secret in it: it needs the owner's session), while it can be downloaded.
    pub download_url: Option<String>,
}

impl Clearboard {
    pub fn exports(&self) -> Exports<'_> {
        Exports { cb: self }
    }
}

pub struct Exports<'a> {
    pub(super) cb: &'a Clearboard,
}

/// Whether an export's archive can be downloaded now.
pub(super) fn live(e: &ExportRow, now: Millis) -> bool {
    e.state == "ready" && e.expires_at.is_some_and(|x| x > now)
}

impl Exports<'_> {
    fn view(&self, e: &ExportRow) -> ExportView {
        let live = live(e, self.cb.now());
        ExportView {
            id: e.id.clone(),
            state: if e.state == "ready" && !live { "expired".into() } else { e.state.clone() },
            created_at: rfc3339(e.created_at),
            ready_at: e.finished_at.filter(|_| e.state == "ready").map(rfc3339),
            expires_at: e.expires_at.map(rfc3339),
            size: e.size,
            download_url: live.then(|| format!("/api/v1/me/exports/{}/download", e.id)),
        }
    }

    /// Starts an export of the signed-in person's data. One at a time: a second request while
    /// one is being prepared is refused (and changes nothing).
    pub async fn request(&self, who: &Principal) -> Result<ExportView, CoreError> {
        self.request_for(&who.region, &who.subject, None, Actor::Subject(&who.subject)).await
    }

    /// Starts an export for `subject` (self-service, or a verified access request).
    pub async fn request_for(
        &self,
        region: &RegionId,
        subject: &SubjectId,
        request_id: Option<&str>,
        actor: Actor<'_>,
    ) -> Result<ExportView, CoreError> {
        let region = self.cb.region(region)?.clone();
        self.cb.keys().current(&region, subject).await?;
        let busy = region.rights.exports_of(subject).await?.into_iter().any(|e| e.state == "queued" || e.state == "running");
        if busy {
            return Err(CoreError::Conflict("an export is already being prepared; wait for it to finish"));
        }
        let now = self.cb.now();
        let row = ExportRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            subject_id: subject.clone(),
            request_id: request_id.map(str::to_string),
            state: "queued".into(),
            created_at: now,
            started_at: None,
            finished_at: None,
            expires_at: None,
            blob_id: None,
            size: None,
            attempts: 0,
            error: None,
            revoked_at: None,
            revoked_reason: None,
            code_hash: None,
            code_expires_at: None,
            code_attempts: 0,
            codes_sent: 0,
        };
        let audit = self.cb.audit_draft(
            actor,
            "export.requested",
            Some(subject),
            Some(PURPOSE),
            json!({ "export": row.id, "request": request_id }),
        );
        region.rights.insert_export(&row, Some(audit)).await?;
        metrics::counter!("clearboard_exports_requested_total").increment(1);
        Ok(self.view(&row))
    }

    /// The person's exports, newest first.
    pub async fn list(&self, who: &Principal) -> Result<Vec<ExportView>, CoreError> {
        let region = self.cb.region(&who.region)?;
        Ok(region.rights.exports_of(&who.subject).await?.iter().map(|e| self.view(e)).collect())
    }

    /// One of the person's exports (`NotFound` for anyone else's).
    pub async fn status(&self, who: &Principal, id: &str) -> Result<ExportView, CoreError> {
        let region = self.cb.region(&who.region)?;
        match region.rights.export(id).await? {
            Some(e) if e.subject_id == who.subject => Ok(self.view(&e)),
            _ => Err(CoreError::NotFound),
        }
    }

    /// Builds every queued export, and those whose builder died (after a restart). Returns how
    /// many were built.
    pub async fn run_pending(&self) -> Result<usize, CoreError> {
        let mut n = 0;
        let now = self.cb.now();
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            for e in region.rights.exports_in(&["queued", "running"]).await? {
                if e.state == "running" && e.started_at.is_some_and(|s| now - s < STALE_RUNNING) {
                    continue;
                }
                match self.build(&region, e).await {
                    Ok(true) => n += 1,
                    Ok(false) => {}
                    Err(err) => tracing::warn!(error = %err, "an export could not be built"),
                }
            }
        }
        Ok(n)
    }

    /// Builds one export; `false` when it was revoked (or taken by another builder) meanwhile.
    async fn build(&self, region: &RegionHandle, mut e: ExportRow) -> Result<bool, CoreError> {
        let from = e.state.clone();
        e.state = "running".into();
        e.started_at = Some(self.cb.now());
        e.attempts += 1;
        if !region.rights.claim_export(&e, &from).await? {
            return Ok(false);
        }
        let job = e.clone();
        let manifest = self.write_manifest(region, &job);
        tokio::pin!(manifest);
        let mut beat = tokio::time::interval(HEARTBEAT);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first beat one period from now. (Awaiting the first tick, due at once, waited for
        // the timer's next millisecond: ~1 ms of every export, in the 1k access bench.)
        beat.reset();
        let built = loop {
            tokio::select! {
                r = &mut manifest => break r,
                _ = beat.tick() => {
                    // Alive: another node's upkeep leaves it alone. A revoked export is not
                    // renewed (its end is settled when the build finishes).
                    let mut alive = e.clone();
                    alive.started_at = Some(self.cb.now());
                    if region.rights.update_export_if(&alive, "running", None).await.unwrap_or(false) {
                        e.started_at = alive.started_at;
                    }
                }
            }
        };
        match built {
            Ok((blob, size)) => {
                let now = self.cb.now();
                e.state = "ready".into();
                e.finished_at = Some(now);
                e.expires_at = Some(now + link_ttl(self.cb.policy()));
                e.blob_id = Some(blob.clone());
                e.size = Some(i64::try_from(size).unwrap_or(i64::MAX));
                e.error = None;
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "export.ready",
                    Some(&e.subject_id),
                    Some(PURPOSE),
                    json!({ "export": e.id, "bytes": size }),
                );
                if !region.rights.update_export_if(&e, "running", Some(audit)).await? {
                    // Revoked while it was being built: the archive is not kept.
                    region.blobs.delete(&blob).await?;
                    return Ok(false);
                }
                metrics::counter!("clearboard_exports_built_total").increment(1);
                Ok(true)
            }
            Err(err) => {
                e.state = if e.attempts >= 3 { "failed".into() } else { "queued".into() };
                e.error = Some(err.code().to_string());
                region.rights.update_export_if(&e, "running", None).await?;
                Err(err)
            }
        }
    }

    /// Expires exports past their date: the archive is deleted (the row stays, as a record
    /// that an export was made). Returns how many.
    pub async fn expire(&self) -> Result<u64, CoreError> {
        let now = self.cb.now();
        let mut n = 0;
        for region in self.cb.regions() {
            for e in region.rights.exports_in(&["ready"]).await? {
                if !live(&e, now) && self.end(region, e, "expired", None).await? {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// Ends an export (`expired` or `revoked`): its row changes state only if nobody changed it
    /// meanwhile, then its archive is deleted. Returns whether it was ended here.
    pub(super) async fn end(
        &self,
        region: &RegionHandle,
        mut e: ExportRow,
        state: &str,
        reason: Option<Revocation>,
    ) -> Result<bool, CoreError> {
        let from = e.state.clone();
        let blob = e.blob_id.take();
        e.state = state.into();
        e.code_hash = None;
        e.code_expires_at = None;
        let audit = reason.map(|r| {
            e.revoked_at = Some(self.cb.now());
            e.revoked_reason = Some(r.as_str().into());
            self.cb.audit_draft(
                Actor::Subject(&e.subject_id),
                "export.revoked",
                Some(&e.subject_id),
                Some(PURPOSE),
                json!({ "export": e.id, "reason": r.as_str() }),
            )
        });
        if !region.rights.update_export_if(&e, &from, audit).await? {
            return Ok(false);
        }
        if let Some(b) = blob {
            region.blobs.delete(&b).await?;
        }
        Ok(true)
    }

    /// Revokes every export of the person that is queued, being built or ready: the archives
    /// are deleted and their downloads answer 410 (issue 11, finding 9). Called when they sign
    /// out everywhere or change their password. Returns how many.
    pub async fn revoke_all(&self, region: &RegionId, subject: &SubjectId, why: Revocation) -> Result<u64, CoreError> {
        let region = self.cb.region(region)?.clone();
        let mut n = 0;
        // A row that changed state meanwhile (built, say) is read again.
        for _ in 0..3 {
            let open: Vec<ExportRow> = region
                .rights
                .exports_of(subject)
                .await?
                .into_iter()
                .filter(|e| matches!(e.state.as_str(), "queued" | "running" | "ready"))
                .collect();
            if open.is_empty() {
                break;
            }
            for e in open {
                if self.end(&region, e, "revoked", Some(why)).await? {
                    n += 1;
                }
            }
        }
        if n > 0 {
            tracing::info!(event = "export.revoked", subject = %subject, exports = n, reason = why.as_str());
        }
        Ok(n)
    }
}
