//! The programmes' storage (the [`ProgrammesStore`] port): events and trainings, their
//! registrations (one table per programme: their personal data is a different category), and
//! visits to the premises. What is personal arrives sealed by core.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{
    AuditDraft, Programme, ProgrammeSessionRow, ProgrammesStore, RegistrationRow, StoreResult, VisitRow,
};
use sqlx::AssertSqlSafe;

use crate::platform::region::SqlRegionStore;

const SESSION_COLS: &str = "id, programme, title, description, starts_at, ends_at, place, capacity, trainer, created_by, created_at";
const REG_COLS: &str = "id, session_id, subject_id, email_bidx, contact, state, token_hash, created_at, confirmed_at, checked_in_at";
const VISIT_COLS: &str = "id, subject_id, contact, arrived_at, departed_at, recorded_by";

#[derive(sqlx::FromRow)]
struct SessionRec {
    id: String,
    programme: String,
    title: String,
    description: Option<String>,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    place: Option<String>,
    capacity: Option<i64>,
    trainer: Option<String>,
    created_by: String,
    created_at: i64,
}

impl From<SessionRec> for ProgrammeSessionRow {
    fn from(r: SessionRec) -> Self {
        ProgrammeSessionRow {
            id: r.id,
            programme: if r.programme == "training" { Programme::Training } else { Programme::Event },
            title: r.title,
            description: r.description,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            place: r.place,
            capacity: r.capacity,
            trainer: r.trainer,
            created_by: SubjectId::from_stored(r.created_by),
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct RegRec {
    id: String,
    session_id: String,
    subject_id: String,
    email_bidx: Vec<u8>,
    contact: Vec<u8>,
    state: String,
    token_hash: Vec<u8>,
    created_at: i64,
    confirmed_at: Option<i64>,
    checked_in_at: Option<i64>,
}

impl From<RegRec> for RegistrationRow {
    fn from(r: RegRec) -> Self {
        RegistrationRow {
            id: r.id,
            session_id: r.session_id,
            subject_id: SubjectId::from_stored(r.subject_id),
            email_bidx: r.email_bidx,
            contact: r.contact,
            state: r.state,
            token_hash: r.token_hash,
            created_at: r.created_at,
            confirmed_at: r.confirmed_at,
            checked_in_at: r.checked_in_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct VisitRec {
    id: String,
    subject_id: String,
    contact: Vec<u8>,
    arrived_at: i64,
    departed_at: Option<i64>,
    recorded_by: String,
}

impl From<VisitRec> for VisitRow {
    fn from(r: VisitRec) -> Self {
        VisitRow {
            id: r.id,
            subject_id: SubjectId::from_stored(r.subject_id),
            contact: r.contact,
            arrived_at: r.arrived_at,
            departed_at: r.departed_at,
            recorded_by: SubjectId::from_stored(r.recorded_by),
        }
    }
}

/// A statement on a programme's registrations table (a fixed name from [`Programme`]).
fn on_regs(p: Programme, sql: &str) -> AssertSqlSafe<String> {
    AssertSqlSafe(sql.replace("{regs}", p.registrations_table()).replace("{cols}", REG_COLS))
}

#[async_trait]
impl ProgrammesStore for SqlRegionStore {
    async fn insert_session(&self, s: &ProgrammeSessionRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query(AssertSqlSafe(format!("INSERT INTO programme_sessions ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")))
                .bind(&s.id).bind(s.programme.as_str()).bind(&s.title).bind(&s.description).bind(s.starts_at).bind(s.ends_at)
                .bind(&s.place).bind(s.capacity).bind(&s.trainer).bind(s.created_by.as_str()).bind(s.created_at)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn session(&self, id: &str) -> StoreResult<Option<ProgrammeSessionRow>> {
        let r: Option<SessionRec> = conn!(self.db(), c => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {SESSION_COLS} FROM programme_sessions WHERE id = $1"))).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn sessions(&self, programme: Programme) -> StoreResult<Vec<ProgrammeSessionRow>> {
        let r: Vec<SessionRec> = conn!(self.db(), c => {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {SESSION_COLS} FROM programme_sessions WHERE programme = $1 ORDER BY CASE WHEN starts_at IS NULL THEN 1 ELSE 0 END, starts_at, created_at, id"
            )))
            .bind(programme.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn insert_registration(&self, p: Programme, r: &RegistrationRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO subjects (id, kind, created_at) VALUES ($1, 'attendee', $2)").bind(r.subject_id.as_str()).bind(r.created_at).execute(&mut *t).await?;
            sqlx::query(on_regs(p, "INSERT INTO {regs} ({cols}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
                .bind(&r.id).bind(&r.session_id).bind(r.subject_id.as_str()).bind(&r.email_bidx).bind(&r.contact).bind(&r.state)
                .bind(&r.token_hash).bind(r.created_at).bind(r.confirmed_at).bind(r.checked_in_at)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn update_registrations(&self, p: Programme, rows: &[RegistrationRow], audit: Vec<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            for r in rows {
                let done = sqlx::query(on_regs(p, "UPDATE {regs} SET state = $2, confirmed_at = $3, checked_in_at = $4 WHERE id = $1"))
                    .bind(&r.id).bind(&r.state).bind(r.confirmed_at).bind(r.checked_in_at)
                    .execute(&mut *t).await?;
                if done.rows_affected() == 0 {
                    return Err(sqlx::Error::RowNotFound);
                }
            }
            for a in audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn registration(&self, p: Programme, id: &str) -> StoreResult<Option<RegistrationRow>> {
        let r: Option<RegRec> = conn!(self.db(), c => {
            sqlx::query_as(on_regs(p, "SELECT {cols} FROM {regs} WHERE id = $1")).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn registration_by_token_hash(&self, p: Programme, hash: &[u8]) -> StoreResult<Option<RegistrationRow>> {
        let r: Option<RegRec> = conn!(self.db(), c => {
            sqlx::query_as(on_regs(p, "SELECT {cols} FROM {regs} WHERE token_hash = $1")).bind(hash).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn registrations(&self, p: Programme, session_id: &str) -> StoreResult<Vec<RegistrationRow>> {
        let r: Vec<RegRec> = conn!(self.db(), c => {
            sqlx::query_as(on_regs(p, "SELECT {cols} FROM {regs} WHERE session_id = $1 ORDER BY created_at, id")).bind(session_id).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn registrations_by_bidx(&self, p: Programme, email_bidx: &[u8]) -> StoreResult<Vec<RegistrationRow>> {
        let r: Vec<RegRec> = conn!(self.db(), c => {
            sqlx::query_as(on_regs(p, "SELECT {cols} FROM {regs} WHERE email_bidx = $1 ORDER BY created_at, id")).bind(email_bidx).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn registrations_ended_before(&self, p: Programme, before: Millis) -> StoreResult<Vec<String>> {
        let r: Vec<(String,)> = conn!(self.db(), c => {
            sqlx::query_as(on_regs(p, "SELECT r.id FROM {regs} r JOIN programme_sessions s ON s.id = r.session_id WHERE COALESCE(s.ends_at, s.starts_at, r.created_at) < $1 ORDER BY r.created_at, r.id"))
                .bind(before).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(|(id,)| id).collect())
    }

    async fn delete_registrations(&self, p: Programme, ids: &[String]) -> StoreResult<Vec<SubjectId>> {
        tx!(self.db(), t => {
            let mut out = Vec::new();
            for id in ids {
                let who: Option<(String,)> = sqlx::query_as(on_regs(p, "DELETE FROM {regs} WHERE id = $1 RETURNING subject_id")).bind(id).fetch_optional(&mut *t).await?;
                out.extend(who.map(|(s,)| SubjectId::from_stored(s)));
            }
            Ok(out)
        })
    }

    async fn insert_visit(&self, v: &VisitRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO subjects (id, kind, created_at) VALUES ($1, 'attendee', $2)").bind(v.subject_id.as_str()).bind(v.arrived_at).execute(&mut *t).await?;
            sqlx::query(AssertSqlSafe(format!("INSERT INTO visits ({VISIT_COLS}) VALUES ($1, $2, $3, $4, $5, $6)")))
                .bind(&v.id).bind(v.subject_id.as_str()).bind(&v.contact).bind(v.arrived_at).bind(v.departed_at).bind(v.recorded_by.as_str())
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn update_visit(&self, v: &VisitRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let done = sqlx::query("UPDATE visits SET departed_at = $2 WHERE id = $1").bind(&v.id).bind(v.departed_at).execute(&mut *t).await?;
            if done.rows_affected() == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn visit(&self, id: &str) -> StoreResult<Option<VisitRow>> {
        let r: Option<VisitRec> = conn!(self.db(), c => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {VISIT_COLS} FROM visits WHERE id = $1"))).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn visits(&self) -> StoreResult<Vec<VisitRow>> {
        let r: Vec<VisitRec> = conn!(self.db(), c => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {VISIT_COLS} FROM visits ORDER BY arrived_at DESC, id DESC"))).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn visits_ended_before(&self, before: Millis) -> StoreResult<Vec<String>> {
        let r: Vec<(String,)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id FROM visits WHERE COALESCE(departed_at, arrived_at) < $1 ORDER BY arrived_at, id").bind(before).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(|(id,)| id).collect())
    }

    async fn delete_visits(&self, ids: &[String]) -> StoreResult<Vec<SubjectId>> {
        tx!(self.db(), t => {
            let mut out = Vec::new();
            for id in ids {
                let who: Option<(String,)> = sqlx::query_as("DELETE FROM visits WHERE id = $1 RETURNING subject_id").bind(id).fetch_optional(&mut *t).await?;
                out.extend(who.map(|(s,)| SubjectId::from_stored(s)));
            }
            Ok(out)
        })
    }
}
