//! The consent ledger and navigational data (the [`ConsentStore`] port).

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{AuditDraft, ConsentRow, ConsentStore, PageViewRow, StoreResult};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
struct ConsentRec {
    id: String,
    consent_id: Option<String>,
    subject_id: Option<String>,
    purpose: String,
    granted: bool,
    policy_version: String,
    text_digest: String,
    purposes_digest: String,
    method: String,
    at: i64,
    proof: Vec<u8>,
}

impl From<ConsentRec> for ConsentRow {
    fn from(r: ConsentRec) -> Self {
        ConsentRow {
            id: r.id,
            consent_id: r.consent_id,
            subject_id: r.subject_id.map(SubjectId::from_stored),
            purpose: r.purpose,
            granted: r.granted,
            policy_version: r.policy_version,
            text_digest: r.text_digest,
            purposes_digest: r.purposes_digest,
            method: r.method,
            at: r.at,
            proof: r.proof,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ViewRec {
    id: String,
    visitor_id: String,
    at: i64,
    ip: Vec<u8>,
    ip_prefix: String,
    os: String,
    browser: String,
    browser_version: String,
    language: String,
    page: String,
}

impl From<ViewRec> for PageViewRow {
    fn from(r: ViewRec) -> Self {
        PageViewRow {
            id: r.id,
            visitor_id: r.visitor_id,
            at: r.at,
            ip: r.ip,
            ip_prefix: r.ip_prefix,
            os: r.os,
            browser: r.browser,
            browser_version: r.browser_version,
            language: r.language,
            page: r.page,
        }
    }
}

macro_rules! consent_cols {
    () => {
        "id, consent_id, subject_id, purpose, granted, policy_version, text_digest, purposes_digest, method, at, proof"
    };
}

#[async_trait]
impl ConsentStore for SqlRegionStore {
    async fn append_consent(&self, r: &ConsentRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query(concat!("INSERT INTO consent_ledger (", consent_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
                .bind(&r.id).bind(&r.consent_id).bind(r.subject_id.as_ref().map(SubjectId::as_str)).bind(&r.purpose).bind(r.granted)
                .bind(&r.policy_version).bind(&r.text_digest).bind(&r.purposes_digest).bind(&r.method).bind(r.at).bind(&r.proof)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn consents_of_visitor(&self, consent_id: &str) -> StoreResult<Vec<ConsentRow>> {
        let r: Vec<ConsentRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", consent_cols!(), " FROM consent_ledger WHERE consent_id = $1 ORDER BY at, seq")).bind(consent_id).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn consents_of_subject(&self, subject: &SubjectId) -> StoreResult<Vec<ConsentRow>> {
        let r: Vec<ConsentRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", consent_cols!(), " FROM consent_ledger WHERE subject_id = $1 ORDER BY at, seq")).bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn record_page_view(&self, v: &PageViewRow) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query("INSERT INTO page_views (id, visitor_id, at, ip, ip_prefix, os, browser, browser_version, language, page) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(&v.id).bind(&v.visitor_id).bind(v.at).bind(&v.ip).bind(&v.ip_prefix).bind(&v.os).bind(&v.browser).bind(&v.browser_version).bind(&v.language).bind(&v.page)
                .execute(c).await.map(|_| ())
        })
    }

    async fn page_views(&self, from: Millis, to: Millis) -> StoreResult<Vec<PageViewRow>> {
        let r: Vec<ViewRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id, visitor_id, at, ip, ip_prefix, os, browser, browser_version, language, page FROM page_views WHERE at >= $1 AND at < $2 ORDER BY at, id")
                .bind(from).bind(to).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn page_views_of(&self, visitor: &str) -> StoreResult<u64> {
        let (n,): (i64,) = conn!(self.db(), c => { sqlx::query_as("SELECT COUNT(*) FROM page_views WHERE visitor_id = $1").bind(visitor).fetch_one(c).await })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn page_views_list_of(&self, visitor: &str) -> StoreResult<Vec<PageViewRow>> {
        let r: Vec<ViewRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id, visitor_id, at, ip, ip_prefix, os, browser, browser_version, language, page FROM page_views WHERE visitor_id = $1 ORDER BY at, id")
                .bind(visitor).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn delete_visitor_consents(&self, consent_id: &str, audit: AuditDraft) -> StoreResult<u64> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let n = sqlx::query("DELETE FROM consent_ledger WHERE consent_id = $1 AND subject_id IS NULL").bind(consent_id).execute(&mut *t).await?.rows_affected();
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(n)
        })
    }

    async fn delete_page_views_of(&self, visitor: &str) -> StoreResult<u64> {
        conn!(self.db(), c => { sqlx::query("DELETE FROM page_views WHERE visitor_id = $1").bind(visitor).execute(c).await.map(|r| r.rows_affected()) })
    }

    async fn purge_page_views(&self, before: Millis) -> StoreResult<u64> {
        conn!(self.db(), c => { sqlx::query("DELETE FROM page_views WHERE at < $1").bind(before).execute(c).await.map(|r| r.rows_affected()) })
    }

    async fn count_page_views_before(&self, before: Millis) -> StoreResult<u64> {
        let (n,): (i64,) =
            conn!(self.db(), c => { sqlx::query_as("SELECT COUNT(*) FROM page_views WHERE at < $1").bind(before).fetch_one(c).await })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn purge_visitor_consents(&self, before: Millis) -> StoreResult<u64> {
        conn!(self.db(), c => {
            sqlx::query("DELETE FROM consent_ledger WHERE subject_id IS NULL AND at < $1").bind(before).execute(c).await.map(|r| r.rows_affected())
        })
    }

    async fn count_visitor_consents_before(&self, before: Millis) -> StoreResult<u64> {
        let (n,): (i64,) = conn!(self.db(), c => {
            sqlx::query_as("SELECT COUNT(*) FROM consent_ledger WHERE subject_id IS NULL AND at < $1").bind(before).fetch_one(c).await
        })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
