//! Certified partners and the contracts they co-manage (the [`PartnerStore`] port, C-SHARE-4).
//! Holds no rule: who may certify, name or open is decided in core.

use async_trait::async_trait;
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{AuditDraft, CoManagerRow, PartnerRow, PartnerStore, StoreResult};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
struct PartnerRec {
    subject_id: String,
    company: String,
    notice_email: Option<String>,
    certified_until: i64,
    certified_by: String,
    created_at: i64,
}

impl From<PartnerRec> for PartnerRow {
    fn from(r: PartnerRec) -> Self {
        PartnerRow {
            subject_id: SubjectId::from_stored(r.subject_id),
            company: r.company,
            notice_email: r.notice_email,
            certified_until: r.certified_until,
            certified_by: SubjectId::from_stored(r.certified_by),
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CoManagerRec {
    contract_id: String,
    partner_id: String,
    partner_region: String,
    granted_by: String,
    granted_at: i64,
}

impl From<CoManagerRec> for CoManagerRow {
    fn from(r: CoManagerRec) -> Self {
        CoManagerRow {
            contract_id: r.contract_id,
            partner_id: SubjectId::from_stored(r.partner_id),
            partner_region: r.partner_region,
            granted_by: SubjectId::from_stored(r.granted_by),
            granted_at: r.granted_at,
        }
    }
}

macro_rules! partner_cols {
    () => {
        "SELECT subject_id, company, notice_email, certified_until, certified_by, created_at FROM partners"
    };
}

macro_rules! co_cols {
    () => {
        "SELECT contract_id, partner_id, partner_region, granted_by, granted_at FROM contract_partners"
    };
}

impl SqlRegionStore {
    async fn co_managers_where(&self, sql: &'static str, arg: &str) -> StoreResult<Vec<CoManagerRow>> {
        let r: Vec<CoManagerRec> = conn!(self.db(), c => { sqlx::query_as(sql).bind(arg).fetch_all(c).await })?;
        Ok(r.into_iter().map(Into::into).collect())
    }
}

#[async_trait]
impl PartnerStore for SqlRegionStore {
    async fn put_partner(&self, r: &PartnerRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query(
                "INSERT INTO partners (subject_id, company, notice_email, certified_until, certified_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (subject_id) DO UPDATE SET company = excluded.company, notice_email = excluded.notice_email, \
                 certified_until = excluded.certified_until, certified_by = excluded.certified_by",
            )
            .bind(r.subject_id.as_str()).bind(&r.company).bind(&r.notice_email).bind(r.certified_until).bind(r.certified_by.as_str()).bind(r.created_at)
            .execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(())
        })
    }

    async fn partner(&self, subject: &SubjectId) -> StoreResult<Option<PartnerRow>> {
        let r: Option<PartnerRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!(partner_cols!(), " WHERE subject_id = $1")).bind(subject.as_str()).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn partners(&self) -> StoreResult<Vec<PartnerRow>> {
        let r: Vec<PartnerRec> =
            conn!(self.db(), c => { sqlx::query_as(concat!(partner_cols!(), " ORDER BY company, subject_id")).fetch_all(c).await })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn add_co_manager(&self, r: &CoManagerRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let n = sqlx::query(
                "INSERT INTO contract_partners (contract_id, partner_id, partner_region, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (contract_id, partner_id) DO NOTHING",
            )
            .bind(&r.contract_id).bind(r.partner_id.as_str()).bind(&r.partner_region).bind(r.granted_by.as_str()).bind(r.granted_at)
            .execute(&mut *t).await?.rows_affected();
            if n == 1 {
                append_audit!(t, pg, chain, ring, audit)?;
            }
            Ok(())
        })
    }

    async fn remove_co_manager(&self, contract: &str, partner: &SubjectId, audit: AuditDraft) -> StoreResult<bool> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let n = sqlx::query("DELETE FROM contract_partners WHERE contract_id = $1 AND partner_id = $2")
                .bind(contract).bind(partner.as_str()).execute(&mut *t).await?.rows_affected();
            if n == 1 {
                append_audit!(t, pg, chain, ring, audit)?;
            }
            Ok(n == 1)
        })
    }

    async fn co_managers(&self, contract: &str) -> StoreResult<Vec<CoManagerRow>> {
        self.co_managers_where(concat!(co_cols!(), " WHERE contract_id = $1 ORDER BY granted_at, partner_id"), contract).await
    }

    async fn co_managed_by(&self, partner: &SubjectId) -> StoreResult<Vec<CoManagerRow>> {
        self.co_managers_where(concat!(co_cols!(), " WHERE partner_id = $1 ORDER BY granted_at, contract_id"), partner.as_str()).await
    }
}
