//! Erasure (C-RET-2, C-DSR-4, C-CCPA-2): one pipeline for every channel (self-service after
//! re-authentication, a verified request, a parent for a child).
//!
//! 1. Sign out everywhere.
//! 2. Copy what an active legal hold keeps into the held-records store, sealed with a key of
//!    the hold's own (reason and end date stay with it).
//! 3. Destroy the person's key: from this instant nothing sealed with it can be read, in the
//!    live stores, in exports, or in any backup, whatever the data size.
//! 4. Delete rows and blobs: account, sessions, consents, acknowledgements, exports, cards,
//!    comments, reactions, participation, organisations they were the last member of.
//! 5. Physical clean-up: WAL checkpoint with truncation and VACUUM of the region database and
//!    the key store (SQLite), VACUUM and CHECKPOINT (PostgreSQL).
//! 6. Tell recipients from the disclosure log.
//! 7. A receipt signed with the service's published Ed25519 key: what was erased where, the
//!    key destroyed, what a hold keeps, why and until when, and when backups age out.
//!
//! Tombstones (in the key store, which is never backed up) are replayed on restore before the
//! service accepts traffic, so a restored backup cannot bring an erased person back.
//!
//! Takes the whole context (`Clearboard`): erasure orchestrates every room: sessions, legal holds,
//! keys, rows and blobs of every port, the directory, physical clean-up, recipients by mail, the
//! signed receipt.

use serde::Serialize;
use serde_json::{Value, json};

use crate::platform::audit::Actor;
use crate::platform::clock::{DAY, Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{RegionId, SubjectId};
use crate::platform::mail::Mail;
use crate::platform::ports::HeldRecordRow;

const PURPOSE: &str = "rights";

/// A receipt: the signed body (canonical JSON: keys sorted, no spaces) and its signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignedReceipt {
    pub receipt: Value,
    /// Ed25519 over the exact bytes of `receipt` serialised as compact JSON with sorted keys.
    pub signature: String,
    pub key_id: String,
    pub algorithm: &'static str,
}

impl SignedReceipt {
    /// The exact bytes that were signed.
    pub fn signed_bytes(receipt: &Value) -> Vec<u8> {
        // serde_json's map is ordered by key (no `preserve_order`), so this is canonical.
        serde_json::to_vec(receipt).unwrap_or_default()
    }
}

/// What a replay of tombstones did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplayReport {
    pub tombstones: usize,
    pub subjects_purged: usize,
    pub rows_deleted: u64,
    pub blobs_deleted: u64,
}

impl Clearboard {
    pub fn erasure(&self) -> Erasure<'_> {
        Erasure { cb: self }
    }

    /// The published receipt-verification key: (key id, base64url Ed25519 public key).
    pub fn receipt_key(&self) -> (String, String) {
        let s = self.keyring().receipt_signer();
        (s.key_id(), s.public_key())
    }

    /// Signs a receipt body.
    pub fn sign_receipt(&self, receipt: Value) -> SignedReceipt {
        let s = self.keyring().receipt_signer();
        let signature = s.sign(&SignedReceipt::signed_bytes(&receipt));
        SignedReceipt { receipt, signature, key_id: s.key_id(), algorithm: "Ed25519" }
    }
}

pub struct Erasure<'a> {
    cb: &'a Clearboard,
}

impl Erasure<'_> {
    /// Erases an account holder everywhere and returns the signed receipt. The caller has
    /// verified who asks (re-authentication, or a verified request).
    pub async fn erase_account(
        &self,
        region_id: &RegionId,
        subject: &SubjectId,
        channel: &str,
        request_id: Option<&str>,
        actor: Actor<'_>,
    ) -> Result<SignedReceipt, CoreError> {
        let region = self.cb.region(region_id)?.clone();
        let started = self.cb.now();
        let account = region.store.account(subject).await?;
        // 1. Sign out everywhere.
        let sessions = region.store.delete_sessions_of(subject, None, None).await?;
        // 2. What legal holds keep, sealed with the hold's own key, before the person's key goes.
        let mut held = self.keep_held(&region, subject).await?;
        // Connected services: revoked at the provider and deleted while the key that seals
        // their tokens still opens them (C-3P-1).
        let integrations = self.cb.integrations().erase_of(&region, subject).await?;
        // 3. Destroy the key (tombstone recorded atomically).
        self.cb.keys().shred(&region, subject).await?;
        let key_destroyed_at = self.cb.now();
        // 4. Rows and blobs.
        let contributions = self.cb.boards().erase_contributions_counted(&region, subject).await?;
        // The person's support tickets (each sealed with its own requester key, destroyed first).
        let tickets = self.cb.support().erase_of(&region, subject).await?;
        // Registrations for events and trainings made from the account's address (each
        // sealed with its own attendee key, destroyed first).
        let registrations = self.cb.programmes().erase_of(crate::platform::ports::Programme::Event, &region, subject).await?
            + self.cb.programmes().erase_of(crate::platform::ports::Programme::Training, &region, subject).await?;
        // Job applications sent from the account's address (each with its applicant's key).
        let applications = self.cb.careers().erase_of(&region, subject).await?;
        // The contracts they are the billing contact of (that contact's key destroyed first);
        // the invoices' legally required buyer fields stay under the accounting hold.
        let contracts = match &account {
            Some(a) => self.cb.billing().erase_contact_by_address(&a.email_bidx, actor.clone()).await?,
            None => Default::default(),
        };
        held.extend(contracts.held);
        let mut blobs = contributions.blobs;
        let export_blobs = region.rights.delete_exports_of(subject).await?;
        let exports = export_blobs.len();
        for b in &export_blobs {
            region.blobs.delete(b).await?;
        }
        blobs += export_blobs.len() as u64;
        if let Some(p) = account.as_ref().and_then(|a| a.picture_blob.clone()) {
            region.blobs.delete(&p).await?;
            blobs += 1;
        }
        let audit = self.cb.audit_draft(
            actor,
            "account.deleted",
            Some(subject),
            Some(PURPOSE),
            json!({ "channel": channel, "request": request_id, "key_destroyed": true }),
        );
        if account.is_some() {
            region.store.delete_account(subject, self.cb.now(), audit).await?;
        } else {
            region.store.audit_append(audit).await?;
        }
        let purged = region.rights.purge_subject(subject, self.cb.now()).await?;
        if let Some(a) = &account {
            self.cb.directory().release_email(&a.email_bidx, subject).await?;
        }
        // 5. Physical clean-up.
        let mut cleanup = region.rights.compact().await?;
        cleanup.extend(region.keys.compact().await?);
        // 6. Recipients.
        // The recipients are told in the language of the person who asked (issue 14).
        let lang = crate::platform::mail_texts::lang(account.as_ref().map_or("en", |a| a.locale.as_str()));
        let notified = self.notify_recipients(&region, subject, lang).await?;
        // 7. Receipt.
        let p = self.cb.policy().doc();
        let backup_days = i64::from(p.backups.retention_days.min(p.limits.erasure_deadline_days));
        let body = json!({
            "type": "clearboard-erasure-receipt",
            "version": 1,
            "receipt_id": crate::platform::ids::new_uuid(self.cb.now())?.to_string(),
            "subject": subject.as_str(),
            "region": region.id.as_str(),
            "channel": channel,
            "request": request_id,
            "requested_at": rfc3339(started),
            "key_destroyed_at": rfc3339(key_destroyed_at),
            "completed_at": rfc3339(self.cb.now()),
            "policy_version": self.cb.policy().digest(),
            "erased": {
                "account": account.is_some(),
                "sessions": sessions,
                "cards": contributions.cards,
                "comments": contributions.comments,
                "likes": contributions.likes,
                "votes": contributions.votes,
                "participation": contributions.participant,
                "organisations_deleted": contributions.orgs_deleted,
                "boards_deleted": contributions.boards_deleted,
                "exports": exports,
                "support_tickets": tickets,
                "programme_registrations": registrations,
                "integrations": integrations,
                "job_applications": applications,
                "contracts": contracts.contracts,
                "blobs": blobs,
                "other_records": purged,
            },
            "stores": [
                format!("region database `{}`: rows deleted", region.id.as_str()),
                format!("blob store `{}`: files deleted", region.id.as_str()),
                format!("key store `{}`: data-encryption key destroyed (tombstone kept, no personal data)", region.id.as_str()),
                "directory: email index released".to_string(),
            ],
            "cleanup": cleanup,
            "held": held,
            "recipients_notified": notified,
            "backups": {
                "statement": "Backups never contain keys: from the key's destruction, the person's data in every backup is unreadable; restores replay erasures before serving; backups age out.",
                "last_backup_expires_by": crate::platform::clock::date_of(key_destroyed_at + backup_days * DAY).to_string(),
            },
            "kept_without_personal_data": [
                "audit log entries naming only the pseudonymous id above",
                "this receipt",
                "the tombstone of the destroyed key",
            ],
        });
        let signed = self.cb.sign_receipt(body);
        let id = signed.receipt["receipt_id"].as_str().unwrap_or_default().to_string();
        let text = String::from_utf8(SignedReceipt::signed_bytes(&signed.receipt)).unwrap_or_default();
        region.rights.put_receipt(&id, subject, self.cb.now(), &text, &signed.signature).await?;
        tracing::info!(subject = %subject, elapsed_ms = self.cb.now() - started, "account deleted, key destroyed, erasure complete");
        metrics::counter!("clearboard_erasures_total").increment(1);
        Ok(signed)
    }

    /// Copies the categories under an active legal hold into the held-records store, sealed
    /// with a key of the hold's own; returns what the receipt says about them.
    async fn keep_held(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Vec<Value>, CoreError> {
        let now = self.cb.now();
        let mut out = Vec::new();
        for h in region.store.legal_holds(Some(now)).await?.into_iter().filter(|h| &h.subject_id == subject) {
            let data = match crate::privacy::rights::categories::export_category(self.cb, region, subject, &h.category).await {
                Ok(v) => v,
                Err(CoreError::Validation { .. }) => Value::Null,
                Err(e) => return Err(e),
            };
            let owner = SubjectId::from_stored(format!("hold:{}", h.id));
            let key = match self.cb.keys().current(region, &owner).await {
                Ok(k) => k,
                Err(_) => self.cb.keys().create(region, &owner).await?,
            };
            let id = crate::platform::ids::new_uuid(now)?.to_string();
            let bytes = serde_json::to_vec(&data).map_err(|_| CoreError::Internal("held json"))?;
            let sealed = key.seal(clearboard_vault::Aad { table: "held_records", column: "data", row: &id }, &bytes)?;
            region
                .rights
                .put_held_record(&HeldRecordRow {
                    id,
                    hold_id: h.id.clone(),
                    subject_id: subject.clone(),
                    category: h.category.clone(),
                    data: sealed,
                    created_at: now,
                    until_at: h.until_at,
                })
                .await?;
            out.push(
                json!({ "category": h.category, "reason": h.reason, "until": crate::platform::clock::date_of(h.until_at).to_string() }),
            );
        }
        Ok(out)
    }

    /// Tells every recipient the person's data was disclosed to (Art. 19); returns who was told.
    async fn notify_recipients(&self, region: &RegionHandle, subject: &SubjectId, lang: &str) -> Result<Vec<Value>, CoreError> {
        let mut out = Vec::new();
        for d in region.rights.disclosures_of(subject).await? {
            let Some(contact) = d.contact.clone() else {
                out.push(json!({ "recipient": d.recipient, "disclosed_at": rfc3339(d.at), "notified": false, "why": "no contact address on record" }));
                continue;
            };
            let date = crate::platform::clock::date_of(d.at).to_string();
            let args =
                [("subject", subject.as_str()), ("scope", d.scope.as_str()), ("date", date.as_str()), ("basis", d.legal_basis.as_str())];
            let (title, text) = crate::platform::mail_texts::render("erasure.recipient_notice", lang, &args);
            let mail = Mail { to: contact, subject: title, text, ..Mail::default() };
            match self.cb.transfers().send_mail(Some((region, subject)), mail).await {
                Ok(()) => {
                    region.rights.mark_disclosure_notified(&d.id, self.cb.now()).await?;
                    out.push(json!({ "recipient": d.recipient, "disclosed_at": rfc3339(d.at), "notified": true }));
                }
                Err(e) => {
                    out.push(json!({ "recipient": d.recipient, "disclosed_at": rfc3339(d.at), "notified": false, "why": e.to_string() }))
                }
            }
        }
        Ok(out)
    }

    /// Replays every tombstone against the region databases and blob stores: whatever a
    /// restored backup brought back of an erased person is deleted again. Run before serving.
    pub async fn replay_tombstones(&self) -> Result<ReplayReport, CoreError> {
        let mut report = ReplayReport::default();
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            let stones: Vec<SubjectId> = region.keys.tombstones().await?.into_iter().map(|(s, _)| s).collect();
            report.tombstones += stones.len();
            let present = region.rights.subjects_present(&stones).await?;
            for s in &present {
                let account = region.store.account(s).await?;
                let c = self.cb.boards().erase_contributions_counted(&region, s).await?;
                report.blobs_deleted += c.blobs;
                for b in region.rights.delete_exports_of(s).await? {
                    region.blobs.delete(&b).await?;
                    report.blobs_deleted += 1;
                }
                if let Some(a) = &account {
                    if let Some(p) = &a.picture_blob {
                        region.blobs.delete(p).await?;
                        report.blobs_deleted += 1;
                    }
                    let _ = self.cb.directory().release_email(&a.email_bidx, s).await;
                }
                report.rows_deleted += c.cards + c.comments + c.likes + c.votes;
                report.rows_deleted += region.rights.purge_subject(s, self.cb.now()).await?;
                report.subjects_purged += 1;
            }
            if !present.is_empty() {
                region.rights.compact().await?;
                let audit =
                    self.cb.audit_draft(Actor::System, "tombstones.replayed", None, Some(PURPOSE), json!({ "subjects": present.len() }));
                region.store.audit_append(audit).await?;
            }
        }
        Ok(report)
    }

    /// Ends legal holds that ran out: their held records are deleted and their keys destroyed.
    pub async fn release_expired_holds(&self) -> Result<usize, CoreError> {
        let mut n = 0;
        for region in self.cb.regions() {
            for hold in region.rights.purge_held_records(self.cb.now()).await? {
                self.cb.keys().shred(region, &SubjectId::from_stored(format!("hold:{hold}"))).await?;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// Days a receipt's backups statement promises, for display.
pub fn backup_horizon(cb: &Clearboard, at: Millis) -> String {
    let p = cb.policy().doc();
    crate::platform::clock::date_of(at + i64::from(p.backups.retention_days.min(p.limits.erasure_deadline_days)) * DAY).to_string()
}
