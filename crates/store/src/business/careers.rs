//! Job posts and applications (the [`CareersStore`] port). What is personal arrives sealed by
//! core; this file stores bytes, ids, states and dates.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::{BlobId, SubjectId};
use clearboard_core::platform::ports::{ApplicationRow, AuditDraft, CareersStore, JobPostRow, StoreResult};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
struct JobRec {
    id: String,
    title: String,
    title_fr: Option<String>,
    description: String,
    description_fr: Option<String>,
    place: Option<String>,
    status: String,
    created_by: String,
    created_at: i64,
    closed_at: Option<i64>,
}

impl From<JobRec> for JobPostRow {
    fn from(r: JobRec) -> Self {
        JobPostRow {
            id: r.id,
            title: r.title,
            title_fr: r.title_fr,
            description: r.description,
            description_fr: r.description_fr,
            place: r.place,
            status: r.status,
            created_by: SubjectId::from_stored(r.created_by),
            created_at: r.created_at,
            closed_at: r.closed_at,
        }
    }
}

macro_rules! job_cols {
    () => {
        "id, title, title_fr, description, description_fr, place, status, created_by, created_at, closed_at"
    };
}

#[derive(sqlx::FromRow)]
struct AppRec {
    id: String,
    job_id: String,
    applicant_id: String,
    email_bidx: Vec<u8>,
    contact: Vec<u8>,
    cover_letter: Vec<u8>,
    cv_blob: String,
    status: String,
    talent_pool: bool,
    consent_proof: Option<Vec<u8>>,
    token_hash: Vec<u8>,
    created_at: i64,
    updated_at: i64,
    last_contact_at: i64,
}

impl From<AppRec> for ApplicationRow {
    fn from(r: AppRec) -> Self {
        ApplicationRow {
            id: r.id,
            job_id: r.job_id,
            applicant_id: SubjectId::from_stored(r.applicant_id),
            email_bidx: r.email_bidx,
            contact: r.contact,
            cover_letter: r.cover_letter,
            cv_blob: BlobId::from_stored(r.cv_blob),
            status: r.status,
            talent_pool: r.talent_pool,
            consent_proof: r.consent_proof,
            token_hash: r.token_hash,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_contact_at: r.last_contact_at,
        }
    }
}

macro_rules! app_cols {
    () => {
        "id, job_id, applicant_id, email_bidx, contact, cover_letter, cv_blob, status, talent_pool, consent_proof, token_hash, created_at, updated_at, last_contact_at"
    };
}

#[async_trait]
impl CareersStore for SqlRegionStore {
    async fn insert_job(&self, j: &JobPostRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query(concat!("INSERT INTO job_posts (", job_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
                .bind(&j.id).bind(&j.title).bind(&j.title_fr).bind(&j.description).bind(&j.description_fr).bind(&j.place)
                .bind(&j.status).bind(j.created_by.as_str()).bind(j.created_at).bind(j.closed_at)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn job(&self, id: &str) -> StoreResult<Option<JobPostRow>> {
        let r: Option<JobRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", job_cols!(), " FROM job_posts WHERE id = $1")).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn jobs(&self, status: Option<&str>) -> StoreResult<Vec<JobPostRow>> {
        let r: Vec<JobRec> = conn!(self.db(), c => {
            match status {
                Some(s) => sqlx::query_as(concat!("SELECT ", job_cols!(), " FROM job_posts WHERE status = $1 ORDER BY created_at DESC, id DESC")).bind(s).fetch_all(c).await,
                None => sqlx::query_as(concat!("SELECT ", job_cols!(), " FROM job_posts ORDER BY created_at DESC, id DESC")).fetch_all(c).await,
            }
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn insert_application(&self, a: &ApplicationRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO subjects (id, kind, created_at) VALUES ($1, 'applicant', $2)").bind(a.applicant_id.as_str()).bind(a.created_at).execute(&mut *t).await?;
            sqlx::query(concat!("INSERT INTO job_applications (", app_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"))
                .bind(&a.id).bind(&a.job_id).bind(a.applicant_id.as_str()).bind(&a.email_bidx).bind(&a.contact).bind(&a.cover_letter)
                .bind(a.cv_blob.as_str()).bind(&a.status).bind(a.talent_pool).bind(&a.consent_proof).bind(&a.token_hash)
                .bind(a.created_at).bind(a.updated_at).bind(a.last_contact_at)
                .execute(&mut *t).await?;
            if let Some(d) = audit {
                append_audit!(t, pg, chain, ring, d)?;
            }
            Ok(())
        })
    }

    async fn update_application(&self, a: &ApplicationRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let done = sqlx::query("UPDATE job_applications SET status = $2, talent_pool = $3, consent_proof = $4, updated_at = $5, last_contact_at = $6 WHERE id = $1")
                .bind(&a.id).bind(&a.status).bind(a.talent_pool).bind(&a.consent_proof).bind(a.updated_at).bind(a.last_contact_at)
                .execute(&mut *t).await?;
            if done.rows_affected() == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
            if let Some(d) = audit {
                append_audit!(t, pg, chain, ring, d)?;
            }
            Ok(())
        })
    }

    async fn application(&self, id: &str) -> StoreResult<Option<ApplicationRow>> {
        let r: Option<AppRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", app_cols!(), " FROM job_applications WHERE id = $1")).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn application_by_token_hash(&self, hash: &[u8]) -> StoreResult<Option<ApplicationRow>> {
        let r: Option<AppRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", app_cols!(), " FROM job_applications WHERE token_hash = $1")).bind(hash).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn applications(&self, job: Option<&str>) -> StoreResult<Vec<ApplicationRow>> {
        let r: Vec<AppRec> = conn!(self.db(), c => {
            match job {
                Some(j) => sqlx::query_as(concat!("SELECT ", app_cols!(), " FROM job_applications WHERE job_id = $1 ORDER BY created_at, id")).bind(j).fetch_all(c).await,
                None => sqlx::query_as(concat!("SELECT ", app_cols!(), " FROM job_applications ORDER BY created_at, id")).fetch_all(c).await,
            }
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn applications_by_address(&self, email_bidx: &[u8]) -> StoreResult<Vec<ApplicationRow>> {
        let r: Vec<AppRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", app_cols!(), " FROM job_applications WHERE email_bidx = $1 ORDER BY created_at DESC, id DESC"))
                .bind(email_bidx).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn delete_application(&self, id: &str) -> StoreResult<Option<(SubjectId, BlobId)>> {
        tx!(self.db(), t => {
            let who: Option<(String, String)> = sqlx::query_as("SELECT applicant_id, cv_blob FROM job_applications WHERE id = $1").bind(id).fetch_optional(&mut *t).await?;
            let Some((applicant, blob)) = who else { return Ok(None) };
            sqlx::query("DELETE FROM job_applications WHERE id = $1").bind(id).execute(&mut *t).await?;
            Ok(Some((SubjectId::from_stored(applicant), BlobId::from_stored(blob))))
        })
    }

    async fn stale_applications(&self, before: Millis) -> StoreResult<Vec<String>> {
        let r: Vec<(String,)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id FROM job_applications WHERE talent_pool = $1 AND last_contact_at < $2 ORDER BY last_contact_at, id").bind(false).bind(before).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(|(id,)| id).collect())
    }
}
