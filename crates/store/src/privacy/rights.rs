//! Exports (with their revocation and one-time download codes), import locks, rights requests,
//! the disclosure log, and the purge and physical clean-up used by
//! erasure (the [`RightsStore`] port).

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::{BlobId, SubjectId};
use clearboard_core::platform::ports::{
    AuditDraft, DisclosureRow, ExportRow, HeldRecordRow, RequestEventRow, RequestRow, RightsStore, StoreResult,
};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
struct ExportRec {
    id: String,
    subject_id: String,
    request_id: Option<String>,
    state: String,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    expires_at: Option<i64>,
    blob_id: Option<String>,
    size: Option<i64>,
    attempts: i64,
    error: Option<String>,
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
    code_hash: Option<Vec<u8>>,
    code_expires_at: Option<i64>,
    code_attempts: i64,
    codes_sent: i64,
}

impl From<ExportRec> for ExportRow {
    fn from(r: ExportRec) -> Self {
        ExportRow {
            id: r.id,
            subject_id: SubjectId::from_stored(r.subject_id),
            request_id: r.request_id,
            state: r.state,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            expires_at: r.expires_at,
            blob_id: r.blob_id.map(BlobId::from_stored),
            size: r.size,
            attempts: r.attempts,
            error: r.error,
            revoked_at: r.revoked_at,
            revoked_reason: r.revoked_reason,
            code_hash: r.code_hash,
            code_expires_at: r.code_expires_at,
            code_attempts: r.code_attempts,
            codes_sent: r.codes_sent,
        }
    }
}

macro_rules! export_cols {
    () => {
        "id, subject_id, request_id, state, created_at, started_at, finished_at, expires_at, blob_id, size, attempts, error, revoked_at, revoked_reason, code_hash, code_expires_at, code_attempts, codes_sent"
    };
}

#[derive(sqlx::FromRow)]
struct RequestRec {
    id: String,
    kind: String,
    regime: String,
    channel: String,
    requester_id: String,
    subject_id: Option<String>,
    contact: Vec<u8>,
    email_bidx: Vec<u8>,
    on_behalf: String,
    state: String,
    received_at: i64,
    verified_at: Option<i64>,
    confirmed_at: Option<i64>,
    acknowledged_at: Option<i64>,
    acknowledge_by: String,
    answer_by: String,
    extended_to: Option<String>,
    closed_at: Option<i64>,
    outcome: Option<Vec<u8>>,
    verify_hash: Option<Vec<u8>>,
    verify_expires_at: Option<i64>,
    confirm_hash: Option<Vec<u8>>,
    confirm_expires_at: Option<i64>,
    document_blob: Option<String>,
    export_id: Option<String>,
}

impl From<RequestRec> for RequestRow {
    fn from(r: RequestRec) -> Self {
        RequestRow {
            id: r.id,
            kind: r.kind,
            regime: r.regime,
            channel: r.channel,
            requester_id: SubjectId::from_stored(r.requester_id),
            subject_id: r.subject_id.map(SubjectId::from_stored),
            contact: r.contact,
            email_bidx: r.email_bidx,
            on_behalf: r.on_behalf,
            state: r.state,
            received_at: r.received_at,
            verified_at: r.verified_at,
            confirmed_at: r.confirmed_at,
            acknowledged_at: r.acknowledged_at,
            acknowledge_by: r.acknowledge_by,
            answer_by: r.answer_by,
            extended_to: r.extended_to,
            closed_at: r.closed_at,
            outcome: r.outcome,
            verify_hash: r.verify_hash,
            verify_expires_at: r.verify_expires_at,
            confirm_hash: r.confirm_hash,
            confirm_expires_at: r.confirm_expires_at,
            document_blob: r.document_blob.map(BlobId::from_stored),
            export_id: r.export_id,
        }
    }
}

macro_rules! request_cols {
    () => {
        "id, kind, regime, channel, requester_id, subject_id, contact, email_bidx, on_behalf, state, received_at, verified_at, confirmed_at, acknowledged_at, acknowledge_by, answer_by, extended_to, closed_at, outcome, verify_hash, verify_expires_at, confirm_hash, confirm_expires_at, document_blob, export_id"
    };
}

#[derive(sqlx::FromRow)]
struct EventRec {
    request_id: String,
    at: i64,
    event: String,
    actor: String,
    detail: String,
}

#[derive(sqlx::FromRow)]
struct DisclosureRec {
    id: String,
    subject_id: String,
    recipient: String,
    legal_basis: String,
    scope: String,
    contact: Option<String>,
    at: i64,
    notified_at: Option<i64>,
}

impl From<DisclosureRec> for DisclosureRow {
    fn from(r: DisclosureRec) -> Self {
        DisclosureRow {
            id: r.id,
            subject_id: SubjectId::from_stored(r.subject_id),
            recipient: r.recipient,
            legal_basis: r.legal_basis,
            scope: r.scope,
            contact: r.contact,
            at: r.at,
            notified_at: r.notified_at,
        }
    }
}

/// Binds the mutable columns of a request, in `request_cols!` order after `id`.
macro_rules! bind_request {
    ($q:expr, $r:expr) => {
        $q.bind(&$r.kind)
            .bind(&$r.regime)
            .bind(&$r.channel)
            .bind($r.requester_id.as_str())
            .bind($r.subject_id.as_ref().map(SubjectId::as_str))
            .bind(&$r.contact)
            .bind(&$r.email_bidx)
            .bind(&$r.on_behalf)
            .bind(&$r.state)
            .bind($r.received_at)
            .bind($r.verified_at)
            .bind($r.confirmed_at)
            .bind($r.acknowledged_at)
            .bind(&$r.acknowledge_by)
            .bind(&$r.answer_by)
            .bind(&$r.extended_to)
            .bind($r.closed_at)
            .bind(&$r.outcome)
            .bind(&$r.verify_hash)
            .bind($r.verify_expires_at)
            .bind(&$r.confirm_hash)
            .bind($r.confirm_expires_at)
            .bind($r.document_blob.as_ref().map(BlobId::as_str))
            .bind(&$r.export_id)
    };
}

/// Binds the mutable columns of an export, in `export_cols!` order after `created_at`.
macro_rules! bind_export {
    ($q:expr, $e:expr) => {
        $q.bind($e.started_at)
            .bind($e.finished_at)
            .bind($e.expires_at)
            .bind($e.blob_id.as_ref().map(BlobId::as_str))
            .bind($e.size)
            .bind($e.attempts)
            .bind(&$e.error)
            .bind($e.revoked_at)
            .bind(&$e.revoked_reason)
            .bind(&$e.code_hash)
            .bind($e.code_expires_at)
            .bind($e.code_attempts)
            .bind($e.codes_sent)
    };
}

macro_rules! update_export_sql {
    () => {
        "UPDATE exports SET started_at = $2, finished_at = $3, expires_at = $4, blob_id = $5, size = $6, attempts = $7, error = $8, revoked_at = $9, \
         revoked_reason = $10, code_hash = $11, code_expires_at = $12, code_attempts = $13, codes_sent = $14, state = $15 WHERE id = $1"
    };
}
const UPDATE_EXPORT: &str = update_export_sql!();
/// Only while the row is still in the state read (a revocation and a builder never overwrite
/// each other's work).
const UPDATE_EXPORT_IF: &str = concat!(update_export_sql!(), " AND state = $16");

impl SqlRegionStore {
    /// Updates an export's mutable columns, only while it is in state `from` when given; a
    /// `lease` (a builder's claim, built again if a crash loses it) does not wait for the disk.
    async fn update_export_where(&self, e: &ExportRow, from: Option<&str>, audit: Option<AuditDraft>, lease: bool) -> StoreResult<bool> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            // A lease (a builder's claim) on PostgreSQL: the commit returns before its WAL is
            // flushed (issue 21: the flush was ~1-3 ms on every export's path); SQLite's WAL in
            // NORMAL mode never waits for it.
            if lease && pg {
                sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *t).await?;
            }
            let sql = if from.is_some() { UPDATE_EXPORT_IF } else { UPDATE_EXPORT };
            let q = bind_export!(sqlx::query(sql).bind(&e.id), e).bind(&e.state);
            let q = match from { Some(f) => q.bind(f), None => q };
            let changed = q.execute(&mut *t).await?.rows_affected() > 0;
            if changed && let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(changed)
        })
    }
}

const INSERT_EVENT: &str = "INSERT INTO request_events (request_id, at, event, actor, detail) VALUES ($1, $2, $3, $4, $5)";

#[async_trait]
impl RightsStore for SqlRegionStore {
    async fn insert_export(&self, e: &ExportRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let q = sqlx::query(concat!("INSERT INTO exports (", export_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"))
                .bind(&e.id).bind(e.subject_id.as_str()).bind(&e.request_id).bind(&e.state).bind(e.created_at);
            bind_export!(q, e).execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn update_export(&self, e: &ExportRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        self.update_export_where(e, None, audit, false).await.map(|_| ())
    }

    async fn update_export_if(&self, e: &ExportRow, from: &str, audit: Option<AuditDraft>) -> StoreResult<bool> {
        self.update_export_where(e, Some(from), audit, false).await
    }

    async fn claim_export(&self, e: &ExportRow, from: &str) -> StoreResult<bool> {
        self.update_export_where(e, Some(from), None, true).await
    }

    async fn export(&self, id: &str) -> StoreResult<Option<ExportRow>> {
        let r: Option<ExportRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", export_cols!(), " FROM exports WHERE id = $1")).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn exports_of(&self, subject: &SubjectId) -> StoreResult<Vec<ExportRow>> {
        let r: Vec<ExportRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", export_cols!(), " FROM exports WHERE subject_id = $1 ORDER BY created_at DESC, id DESC")).bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn exports_in(&self, states: &[&str]) -> StoreResult<Vec<ExportRow>> {
        let mut out = Vec::new();
        for s in states {
            let r: Vec<ExportRec> = conn!(self.db(), c => {
                sqlx::query_as(concat!("SELECT ", export_cols!(), " FROM exports WHERE state = $1 ORDER BY created_at, id")).bind(*s).fetch_all(c).await
            })?;
            out.extend(r.into_iter().map(ExportRow::from));
        }
        Ok(out)
    }

    async fn delete_exports_of(&self, subject: &SubjectId) -> StoreResult<Vec<BlobId>> {
        tx!(self.db(), t => {
            let blobs: Vec<(Option<String>,)> = sqlx::query_as("SELECT blob_id FROM exports WHERE subject_id = $1").bind(subject.as_str()).fetch_all(&mut *t).await?;
            sqlx::query("DELETE FROM exports WHERE subject_id = $1").bind(subject.as_str()).execute(&mut *t).await?;
            Ok(blobs.into_iter().filter_map(|(b,)| b.map(BlobId::from_stored)).collect())
        })
    }

    async fn try_lock_import(&self, subject: &SubjectId, now: Millis, stale_before: Millis) -> StoreResult<bool> {
        conn!(self.db(), c => {
            sqlx::query("INSERT INTO import_locks (subject_id, started_at) VALUES ($1, $2) ON CONFLICT (subject_id) DO UPDATE SET started_at = excluded.started_at WHERE import_locks.started_at < $3")
                .bind(subject.as_str()).bind(now).bind(stale_before).execute(c).await.map(|r| r.rows_affected() > 0)
        })
    }

    async fn unlock_import(&self, subject: &SubjectId) -> StoreResult<()> {
        conn!(self.db(), c => { sqlx::query("DELETE FROM import_locks WHERE subject_id = $1").bind(subject.as_str()).execute(c).await.map(|_| ()) })
    }

    async fn insert_request(&self, r: &RequestRow, ev: &RequestEventRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO subjects (id, kind, created_at) VALUES ($1, 'requester', $2)").bind(r.requester_id.as_str()).bind(r.received_at).execute(&mut *t).await?;
            let q = sqlx::query(concat!("INSERT INTO requests (", request_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)")).bind(&r.id);
            bind_request!(q, r).execute(&mut *t).await?;
            sqlx::query(INSERT_EVENT).bind(&ev.request_id).bind(ev.at).bind(&ev.event).bind(&ev.actor).bind(&ev.detail).execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn update_request(&self, r: &RequestRow, ev: &RequestEventRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let q = sqlx::query(
                "UPDATE requests SET kind = $2, regime = $3, channel = $4, requester_id = $5, subject_id = $6, contact = $7, email_bidx = $8, on_behalf = $9, state = $10, \
                 received_at = $11, verified_at = $12, confirmed_at = $13, acknowledged_at = $14, acknowledge_by = $15, answer_by = $16, extended_to = $17, closed_at = $18, \
                 outcome = $19, verify_hash = $20, verify_expires_at = $21, confirm_hash = $22, confirm_expires_at = $23, document_blob = $24, export_id = $25 WHERE id = $1",
            )
            .bind(&r.id);
            bind_request!(q, r).execute(&mut *t).await?;
            sqlx::query(INSERT_EVENT).bind(&ev.request_id).bind(ev.at).bind(&ev.event).bind(&ev.actor).bind(&ev.detail).execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn request(&self, id: &str) -> StoreResult<Option<RequestRow>> {
        let r: Option<RequestRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", request_cols!(), " FROM requests WHERE id = $1")).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn request_by_verify_hash(&self, hash: &[u8]) -> StoreResult<Option<RequestRow>> {
        let r: Option<RequestRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", request_cols!(), " FROM requests WHERE verify_hash = $1")).bind(hash).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn request_by_confirm_hash(&self, hash: &[u8]) -> StoreResult<Option<RequestRow>> {
        let r: Option<RequestRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", request_cols!(), " FROM requests WHERE confirm_hash = $1")).bind(hash).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn open_requests_by_email(&self, email_bidx: &[u8]) -> StoreResult<Vec<RequestRow>> {
        let r: Vec<RequestRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", request_cols!(), " FROM requests WHERE email_bidx = $1 AND closed_at IS NULL ORDER BY received_at, id")).bind(email_bidx).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn requests(&self, states: Option<&[&str]>) -> StoreResult<Vec<RequestRow>> {
        let r: Vec<RequestRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", request_cols!(), " FROM requests ORDER BY received_at, id")).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(RequestRow::from).filter(|r| states.is_none_or(|s| s.contains(&r.state.as_str()))).collect())
    }

    async fn requests_about(&self, subject: &SubjectId) -> StoreResult<Vec<RequestRow>> {
        let r: Vec<RequestRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", request_cols!(), " FROM requests WHERE subject_id = $1 ORDER BY received_at, id")).bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn request_events(&self, id: &str) -> StoreResult<Vec<RequestEventRow>> {
        let r: Vec<EventRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT request_id, at, event, actor, detail FROM request_events WHERE request_id = $1 ORDER BY seq").bind(id).fetch_all(c).await
        })?;
        Ok(r.into_iter()
            .map(|e| RequestEventRow { request_id: e.request_id, at: e.at, event: e.event, actor: e.actor, detail: e.detail })
            .collect())
    }

    async fn purge_requests_closed_before(&self, before: Millis) -> StoreResult<Vec<SubjectId>> {
        tx!(self.db(), t => {
            let gone: Vec<(String, String)> = sqlx::query_as("SELECT id, requester_id FROM requests WHERE closed_at IS NOT NULL AND closed_at < $1").bind(before).fetch_all(&mut *t).await?;
            for (id, _) in &gone {
                sqlx::query("DELETE FROM request_events WHERE request_id = $1").bind(id).execute(&mut *t).await?;
                sqlx::query("DELETE FROM requests WHERE id = $1").bind(id).execute(&mut *t).await?;
            }
            Ok(gone.into_iter().map(|(_, r)| SubjectId::from_stored(r)).collect())
        })
    }

    async fn insert_disclosure(&self, d: &DisclosureRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO disclosures (id, subject_id, recipient, legal_basis, scope, contact, at, notified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(&d.id).bind(d.subject_id.as_str()).bind(&d.recipient).bind(&d.legal_basis).bind(&d.scope).bind(&d.contact).bind(d.at).bind(d.notified_at)
                .execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(())
        })
    }

    async fn disclosures_of(&self, subject: &SubjectId) -> StoreResult<Vec<DisclosureRow>> {
        let r: Vec<DisclosureRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id, subject_id, recipient, legal_basis, scope, contact, at, notified_at FROM disclosures WHERE subject_id = $1 ORDER BY at, id").bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn disclosures_since(&self, since: Millis) -> StoreResult<Vec<DisclosureRow>> {
        let r: Vec<DisclosureRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id, subject_id, recipient, legal_basis, scope, contact, at, notified_at FROM disclosures WHERE at >= $1 ORDER BY at, id").bind(since).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn mark_disclosure_notified(&self, id: &str, at: Millis) -> StoreResult<()> {
        conn!(self.db(), c => { sqlx::query("UPDATE disclosures SET notified_at = $2 WHERE id = $1").bind(id).bind(at).execute(c).await.map(|_| ()) })
    }

    async fn purge_subject(&self, subject: &SubjectId, at: Millis) -> StoreResult<u64> {
        let s = subject.as_str();
        tx!(self.db(), t => {
            let mut n = 0u64;
            for sql in [
                "DELETE FROM sessions WHERE subject_id = $1",
                "DELETE FROM policy_acks WHERE subject_id = $1",
                "DELETE FROM consent_ledger WHERE subject_id = $1",
                "DELETE FROM exports WHERE subject_id = $1",
                "DELETE FROM import_locks WHERE subject_id = $1",
                "DELETE FROM accounts WHERE subject_id = $1",
                "DELETE FROM account_activations WHERE subject_id = $1",
                // A contract whose billing contact was erased (key destroyed) is unreadable; its
                // co-managers go with it. An erased partner account is certified no more.
                "DELETE FROM contract_partners WHERE contract_id IN (SELECT id FROM contracts WHERE contact_id = $1)",
                "DELETE FROM contracts WHERE contact_id = $1",
                "DELETE FROM contract_partners WHERE partner_id = $1",
                "DELETE FROM partners WHERE subject_id = $1",
                "DELETE FROM outreach_contacts WHERE subject_id = $1",
                "DELETE FROM outreach_sends WHERE subject_id = $1",
                "DELETE FROM outreach_clicks WHERE subject_id = $1",
                "DELETE FROM policy_notices WHERE subject_id = $1",
            ] {
                n += sqlx::query(sql).bind(s).execute(&mut *t).await?.rows_affected();
            }
            // A requester's own request records go with them.
            let reqs: Vec<(String,)> = sqlx::query_as("SELECT id FROM requests WHERE requester_id = $1").bind(s).fetch_all(&mut *t).await?;
            for (id,) in reqs {
                sqlx::query("DELETE FROM request_events WHERE request_id = $1").bind(&id).execute(&mut *t).await?;
                n += sqlx::query("DELETE FROM requests WHERE id = $1").bind(&id).execute(&mut *t).await?.rows_affected();
            }
            sqlx::query("UPDATE subjects SET erased_at = $2 WHERE id = $1 AND erased_at IS NULL").bind(s).bind(at).execute(&mut *t).await?;
            Ok(n)
        })
    }

    async fn subjects_present(&self, ids: &[SubjectId]) -> StoreResult<Vec<SubjectId>> {
        let mut out = Vec::new();
        for id in ids {
            let (n,): (i64,) = conn!(self.db(), c => {
                sqlx::query_as("SELECT (SELECT COUNT(*) FROM accounts WHERE subject_id = $1) + (SELECT COUNT(*) FROM subjects WHERE id = $1 AND erased_at IS NULL) + (SELECT COUNT(*) FROM cards WHERE author_id = $1) + (SELECT COUNT(*) FROM participants WHERE subject_id = $1)")
                    .bind(id.as_str()).fetch_one(c).await
            })?;
            if n > 0 {
                out.push(id.clone());
            }
        }
        Ok(out)
    }

    async fn put_held_record(&self, r: &HeldRecordRow) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query("INSERT INTO held_records (id, hold_id, subject_id, category, data, created_at, until_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&r.id).bind(&r.hold_id).bind(r.subject_id.as_str()).bind(&r.category).bind(&r.data).bind(r.created_at).bind(r.until_at)
                .execute(c).await.map(|_| ())
        })
    }

    async fn held_records_of(&self, subject: &SubjectId) -> StoreResult<Vec<HeldRecordRow>> {
        let r: Vec<(String, String, String, String, Vec<u8>, i64, i64)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id, hold_id, subject_id, category, data, created_at, until_at FROM held_records WHERE subject_id = $1 ORDER BY created_at, id").bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter()
            .map(|(id, hold_id, s, category, data, created_at, until_at)| HeldRecordRow {
                id,
                hold_id,
                subject_id: SubjectId::from_stored(s),
                category,
                data,
                created_at,
                until_at,
            })
            .collect())
    }

    async fn purge_held_records(&self, now: Millis) -> StoreResult<Vec<String>> {
        tx!(self.db(), t => {
            let holds: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT hold_id FROM held_records WHERE until_at < $1").bind(now).fetch_all(&mut *t).await?;
            sqlx::query("DELETE FROM held_records WHERE until_at < $1").bind(now).execute(&mut *t).await?;
            Ok(holds.into_iter().map(|(h,)| h).collect())
        })
    }

    async fn put_receipt(&self, id: &str, subject: &SubjectId, at: Millis, body: &str, signature: &str) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query("INSERT INTO erasure_receipts (id, subject_id, at, body, signature) VALUES ($1, $2, $3, $4, $5)")
                .bind(id).bind(subject.as_str()).bind(at).bind(body).bind(signature).execute(c).await.map(|_| ())
        })
    }

    async fn receipts_of(&self, subject: &SubjectId) -> StoreResult<Vec<(String, Millis, String, String)>> {
        conn!(self.db(), c => {
            sqlx::query_as("SELECT id, at, body, signature FROM erasure_receipts WHERE subject_id = $1 ORDER BY at, id").bind(subject.as_str()).fetch_all(c).await
        })
    }

    async fn compact(&self) -> StoreResult<Vec<String>> {
        crate::platform::db::compact(self.db(), "region database").await
    }
}
