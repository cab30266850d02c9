//! The integrations' storage (the [`IntegrationStore`] port): connections with their sealed
//! tokens, authorizations on their way, import jobs. What is personal arrives sealed by core;
//! this file stores bytes, ids, states and dates.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{AuditDraft, ConnectionRow, GrantRow, ImportRow, IntegrationStore, StoreResult};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
struct ConnectionRec {
    subject_id: String,
    provider: String,
    scopes: String,
    tokens: Vec<u8>,
    connected_at: i64,
    last_used_at: Option<i64>,
    updated_at: i64,
}

impl From<ConnectionRec> for ConnectionRow {
    fn from(r: ConnectionRec) -> Self {
        ConnectionRow {
            subject_id: SubjectId::from_stored(r.subject_id),
            provider: r.provider,
            scopes: r.scopes,
            tokens: r.tokens,
            connected_at: r.connected_at,
            last_used_at: r.last_used_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct GrantRec {
    state_hash: Vec<u8>,
    subject_id: String,
    provider: String,
    verifier: Vec<u8>,
    created_at: i64,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct ImportRec {
    id: String,
    subject_id: String,
    provider: String,
    board_id: String,
    status: String,
    total: i64,
    done: i64,
    failed: i64,
    results: Vec<u8>,
    created_at: i64,
    updated_at: i64,
}

impl From<ImportRec> for ImportRow {
    fn from(r: ImportRec) -> Self {
        ImportRow {
            id: r.id,
            subject_id: SubjectId::from_stored(r.subject_id),
            provider: r.provider,
            board_id: r.board_id,
            status: r.status,
            total: r.total,
            done: r.done,
            failed: r.failed,
            results: r.results,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const CONNECTION_COLS: &str = "subject_id, provider, scopes, tokens, connected_at, last_used_at, updated_at";
const IMPORT_COLS: &str = "id, subject_id, provider, board_id, status, total, done, failed, results, created_at, updated_at";

#[async_trait]
impl IntegrationStore for SqlRegionStore {
    async fn put_grant(&self, g: &GrantRow) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query("INSERT INTO integration_grants (state_hash, subject_id, provider, verifier, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&g.state_hash).bind(g.subject_id.as_str()).bind(&g.provider).bind(&g.verifier).bind(g.created_at).bind(g.expires_at)
                .execute(c).await.map(|_| ())
        })
    }

    async fn take_grant(&self, state_hash: &[u8]) -> StoreResult<Option<GrantRow>> {
        let r: Option<GrantRec> = tx!(self.db(), t => {
            let r: Option<GrantRec> = sqlx::query_as("SELECT state_hash, subject_id, provider, verifier, created_at, expires_at FROM integration_grants WHERE state_hash = $1")
                .bind(state_hash).fetch_optional(&mut *t).await?;
            sqlx::query("DELETE FROM integration_grants WHERE state_hash = $1").bind(state_hash).execute(&mut *t).await?;
            Ok(r)
        })?;
        Ok(r.map(|r| GrantRow {
            state_hash: r.state_hash,
            subject_id: SubjectId::from_stored(r.subject_id),
            provider: r.provider,
            verifier: r.verifier,
            created_at: r.created_at,
            expires_at: r.expires_at,
        }))
    }

    async fn purge_grants(&self, before: Millis) -> StoreResult<u64> {
        conn!(self.db(), c => {
            sqlx::query("DELETE FROM integration_grants WHERE expires_at < $1").bind(before).execute(c).await.map(|r| r.rows_affected())
        })
    }

    async fn put_connection(&self, r: &ConnectionRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("DELETE FROM integration_connections WHERE subject_id = $1 AND provider = $2").bind(r.subject_id.as_str()).bind(&r.provider).execute(&mut *t).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO integration_connections ({CONNECTION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")))
                .bind(r.subject_id.as_str()).bind(&r.provider).bind(&r.scopes).bind(&r.tokens).bind(r.connected_at).bind(r.last_used_at).bind(r.updated_at)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn connection(&self, subject: &SubjectId, provider: &str) -> StoreResult<Option<ConnectionRow>> {
        let r: Option<ConnectionRec> = conn!(self.db(), c => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {CONNECTION_COLS} FROM integration_connections WHERE subject_id = $1 AND provider = $2")))
                .bind(subject.as_str()).bind(provider).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn connections_of(&self, subject: &SubjectId) -> StoreResult<Vec<ConnectionRow>> {
        let r: Vec<ConnectionRec> = conn!(self.db(), c => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {CONNECTION_COLS} FROM integration_connections WHERE subject_id = $1 ORDER BY provider")))
                .bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn delete_connection(&self, subject: &SubjectId, provider: &str, audit: Option<AuditDraft>) -> StoreResult<bool> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let done = sqlx::query("DELETE FROM integration_connections WHERE subject_id = $1 AND provider = $2").bind(subject.as_str()).bind(provider).execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(done.rows_affected() > 0)
        })
    }

    async fn put_import(&self, r: &ImportRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("DELETE FROM integration_imports WHERE id = $1").bind(&r.id).execute(&mut *t).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO integration_imports ({IMPORT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")))
                .bind(&r.id).bind(r.subject_id.as_str()).bind(&r.provider).bind(&r.board_id).bind(&r.status)
                .bind(r.total).bind(r.done).bind(r.failed).bind(&r.results).bind(r.created_at).bind(r.updated_at)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn import(&self, id: &str) -> StoreResult<Option<ImportRow>> {
        let r: Option<ImportRec> = conn!(self.db(), c => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {IMPORT_COLS} FROM integration_imports WHERE id = $1"))).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn imports_of(&self, subject: &SubjectId) -> StoreResult<Vec<ImportRow>> {
        let r: Vec<ImportRec> = conn!(self.db(), c => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {IMPORT_COLS} FROM integration_imports WHERE subject_id = $1 ORDER BY created_at, id")))
                .bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn delete_records_of(&self, subject: &SubjectId) -> StoreResult<u64> {
        tx!(self.db(), t => {
            let a = sqlx::query("DELETE FROM integration_imports WHERE subject_id = $1").bind(subject.as_str()).execute(&mut *t).await?;
            let b = sqlx::query("DELETE FROM integration_grants WHERE subject_id = $1").bind(subject.as_str()).execute(&mut *t).await?;
            Ok(a.rows_affected() + b.rows_affected())
        })
    }
}
