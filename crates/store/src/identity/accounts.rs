//! Accounts, sessions and activations of a region (the `IdentityStore` port). Personal
//! fields arrive sealed; sessions are stored by token hash only. Purging sessions keeps those
//! of subjects under a legal hold on the `security` category.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::{BlobId, SubjectId};
use clearboard_core::platform::ports::{AccountRow, AuditDraft, IdentityStore, PurgeCount, SessionRow, StoreResult, SubjectKind};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
struct AccountRec {
    subject_id: String,
    email_bidx: Vec<u8>,
    email: Vec<u8>,
    first_name: Vec<u8>,
    last_name: Vec<u8>,
    phone: Option<Vec<u8>>,
    password_hash: Vec<u8>,
    picture_blob: Option<String>,
    locale: String,
    created_at: i64,
    updated_at: i64,
}

impl From<AccountRec> for AccountRow {
    fn from(r: AccountRec) -> Self {
        AccountRow {
            subject_id: SubjectId::from_stored(r.subject_id),
            email_bidx: r.email_bidx,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            phone: r.phone,
            password_hash: r.password_hash,
            picture_blob: r.picture_blob.map(BlobId::from_stored),
            locale: r.locale,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SessionRec {
    token_hash: Vec<u8>,
    subject_id: String,
    kind: String,
    created_at: i64,
    last_seen_at: i64,
}

impl From<SessionRec> for SessionRow {
    fn from(r: SessionRec) -> Self {
        SessionRow {
            token_hash: r.token_hash,
            subject_id: SubjectId::from_stored(r.subject_id),
            kind: r.kind,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
        }
    }
}

macro_rules! account_columns {
    () => {
        "subject_id, email_bidx, email, first_name, last_name, phone, password_hash, picture_blob, locale, created_at, updated_at"
    };
}
const SELECT_ACCOUNT: &str = concat!("SELECT ", account_columns!(), " FROM accounts WHERE subject_id = $1");
const SELECT_ACCOUNT_BY_EMAIL: &str = concat!("SELECT ", account_columns!(), " FROM accounts WHERE email_bidx = $1");
/// A session's row (its token's hash, subject, kind, created, last seen); a join inserts it too.
pub(crate) const INSERT_SESSION: &str =
    "INSERT INTO sessions (token_hash, subject_id, kind, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)";
const INSERT_SUBJECT: &str = "INSERT INTO subjects (id, kind, created_at) VALUES ($1, $2, $3)";
const INSERT_ACCOUNT: &str =
    concat!("INSERT INTO accounts (", account_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
const UPDATE_ACCOUNT: &str = "UPDATE accounts SET email_bidx = $2, email = $3, first_name = $4, last_name = $5, phone = $6, password_hash = $7, picture_blob = $8, locale = $9, updated_at = $10 WHERE subject_id = $1";
const SESSION_COLUMNS: &str = "SELECT token_hash, subject_id, kind, created_at, last_seen_at FROM sessions";

/// Subjects whose `security` data is under an active legal hold at `$3`.
macro_rules! held_subjects {
    () => {
        "SELECT subject_id FROM legal_holds WHERE category = 'security' AND released_at IS NULL AND until_at > $3"
    };
}
const COUNT_HELD_SESSIONS: &str =
    concat!("SELECT COUNT(*) FROM sessions WHERE (last_seen_at <= $1 OR created_at <= $2) AND subject_id IN (", held_subjects!(), ")");

/// Binds `$1`..`$9` of `INSERT_ACCOUNT` and `UPDATE_ACCOUNT`: the id and every field but the
/// times (in `account_columns!` order).
macro_rules! bind_account {
    ($q:expr, $row:expr) => {
        $q.bind($row.subject_id.as_str())
            .bind(&$row.email_bidx)
            .bind(&$row.email)
            .bind(&$row.first_name)
            .bind(&$row.last_name)
            .bind(&$row.phone)
            .bind(&$row.password_hash)
            .bind($row.picture_blob.as_ref().map(BlobId::as_str))
            .bind(&$row.locale)
    };
}

#[async_trait]
impl IdentityStore for SqlRegionStore {
    async fn create_account(&self, kind: SubjectKind, row: &AccountRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        tx!(&self.db, t => {
            sqlx::query(INSERT_SUBJECT).bind(row.subject_id.as_str()).bind(kind.as_str()).bind(row.created_at).execute(&mut *t).await?;
            bind_account!(sqlx::query(INSERT_ACCOUNT), row).bind(row.created_at).bind(row.updated_at).execute(&mut *t).await?;
            append_audit!(t, pg, &self.chain, &self.ring, audit)?;
            Ok(())
        })
    }

    async fn account(&self, id: &SubjectId) -> StoreResult<Option<AccountRow>> {
        let rec: Option<AccountRec> = conn!(&self.db, c => { sqlx::query_as(SELECT_ACCOUNT).bind(id.as_str()).fetch_optional(c).await })?;
        Ok(rec.map(Into::into))
    }

    async fn account_by_email(&self, email_bidx: &[u8]) -> StoreResult<Option<AccountRow>> {
        let rec: Option<AccountRec> =
            conn!(&self.db, c => { sqlx::query_as(SELECT_ACCOUNT_BY_EMAIL).bind(email_bidx).fetch_optional(c).await })?;
        Ok(rec.map(Into::into))
    }

    async fn update_account(&self, row: &AccountRow, revoke_sessions_except: Option<&[u8]>, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        tx!(&self.db, t => {
            let n = bind_account!(sqlx::query(UPDATE_ACCOUNT), row)
                .bind(row.updated_at)
                .execute(&mut *t)
                .await?
                .rows_affected();
            if n != 1 {
                return Err(sqlx::Error::RowNotFound);
            }
            if let Some(keep) = revoke_sessions_except {
                sqlx::query("DELETE FROM sessions WHERE subject_id = $1 AND token_hash <> $2")
                    .bind(row.subject_id.as_str())
                    .bind(keep)
                    .execute(&mut *t)
                    .await?;
            }
            append_audit!(t, pg, &self.chain, &self.ring, audit)?;
            Ok(())
        })
    }

    async fn delete_account(&self, id: &SubjectId, at: Millis, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        tx!(&self.db, t => {
            sqlx::query("DELETE FROM sessions WHERE subject_id = $1").bind(id.as_str()).execute(&mut *t).await?;
            sqlx::query("DELETE FROM policy_acks WHERE subject_id = $1").bind(id.as_str()).execute(&mut *t).await?;
            sqlx::query("DELETE FROM accounts WHERE subject_id = $1").bind(id.as_str()).execute(&mut *t).await?;
            sqlx::query("DELETE FROM account_activations WHERE subject_id = $1").bind(id.as_str()).execute(&mut *t).await?;
            sqlx::query("UPDATE subjects SET erased_at = $2 WHERE id = $1 AND erased_at IS NULL").bind(id.as_str()).bind(at).execute(&mut *t).await?;
            append_audit!(t, pg, &self.chain, &self.ring, audit)?;
            Ok(())
        })
    }

    async fn subject_erased_at(&self, id: &SubjectId) -> StoreResult<Option<Millis>> {
        let v: Option<(Option<i64>,)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT erased_at FROM subjects WHERE id = $1").bind(id.as_str()).fetch_optional(c).await
        })?;
        Ok(v.and_then(|(e,)| e))
    }

    async fn insert_session(&self, row: &SessionRow, replaces: Option<&[u8]>, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.pg();
        tx!(&self.db, t => {
            if let Some(old) = replaces {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(old).execute(&mut *t).await?;
            }
            sqlx::query(INSERT_SESSION)
                .bind(&row.token_hash)
                .bind(row.subject_id.as_str())
                .bind(&row.kind)
                .bind(row.created_at)
                .bind(row.last_seen_at)
                .execute(&mut *t)
                .await?;
            if let Some(a) = audit {
                append_audit!(t, pg, &self.chain, &self.ring, a)?;
            }
            Ok(())
        })
    }

    async fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>> {
        let rec: Option<SessionRec> = conn!(&self.db, c => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SESSION_COLUMNS} WHERE token_hash = $1"))).bind(token_hash).fetch_optional(c).await
        })?;
        Ok(rec.map(Into::into))
    }

    async fn touch_session(&self, token_hash: &[u8], at: Millis) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2").bind(token_hash).bind(at).execute(c).await.map(|_| ())
        })
    }

    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<bool> {
        conn!(&self.db, c => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(c).await.map(|r| r.rows_affected() > 0)
        })
    }

    async fn delete_sessions_of(&self, subject: &SubjectId, except: Option<&[u8]>, audit: Option<AuditDraft>) -> StoreResult<u64> {
        let pg = self.pg();
        tx!(&self.db, t => {
            let n = match except {
                Some(keep) => sqlx::query("DELETE FROM sessions WHERE subject_id = $1 AND token_hash <> $2").bind(subject.as_str()).bind(keep).execute(&mut *t).await?,
                None => sqlx::query("DELETE FROM sessions WHERE subject_id = $1").bind(subject.as_str()).execute(&mut *t).await?,
            }
            .rows_affected();
            if let Some(a) = audit {
                append_audit!(t, pg, &self.chain, &self.ring, a)?;
            }
            Ok(n)
        })
    }

    async fn purge_sessions(&self, idle_before: Millis, created_before: Millis, now: Millis) -> StoreResult<PurgeCount> {
        tx!(&self.db, t => {
            let (held,): (i64,) = sqlx::query_as(COUNT_HELD_SESSIONS).bind(idle_before).bind(created_before).bind(now).fetch_one(&mut *t).await?;
            let purged = sqlx::query(concat!("DELETE FROM sessions WHERE (last_seen_at <= $1 OR created_at <= $2) AND subject_id NOT IN (", held_subjects!(), ")"))
                .bind(idle_before)
                .bind(created_before)
                .bind(now)
                .execute(&mut *t)
                .await?
                .rows_affected();
            let held = u64::try_from(held).unwrap_or(0);
            Ok(PurgeCount { due: purged + held, purged, held })
        })
    }

    async fn count_due_sessions(&self, idle_before: Millis, created_before: Millis, now: Millis) -> StoreResult<PurgeCount> {
        let (due, held): (i64, i64) = conn!(&self.db, c => {
            let (due,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
                .bind(idle_before)
                .bind(created_before)
                .fetch_one(&mut *c)
                .await?;
            let (held,): (i64,) = sqlx::query_as(COUNT_HELD_SESSIONS).bind(idle_before).bind(created_before).bind(now).fetch_one(c).await?;
            Ok((due, held))
        })?;
        Ok(PurgeCount { due: u64::try_from(due).unwrap_or(0), purged: 0, held: u64::try_from(held).unwrap_or(0) })
    }

    async fn put_activation(&self, subject: &SubjectId, token_hash: &[u8], expires_at: Millis, at: Millis) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("INSERT INTO account_activations (subject_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4)")
                .bind(subject.as_str())
                .bind(token_hash)
                .bind(expires_at)
                .bind(at)
                .execute(c)
                .await
                .map(|_| ())
        })
    }

    async fn activation_pending(&self, subject: &SubjectId) -> StoreResult<Option<Millis>> {
        let v: Option<(i64,)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT expires_at FROM account_activations WHERE subject_id = $1").bind(subject.as_str()).fetch_optional(c).await
        })?;
        Ok(v.map(|(e,)| e))
    }

    async fn take_activation(&self, token_hash: &[u8]) -> StoreResult<Option<(SubjectId, Millis)>> {
        tx!(&self.db, t => {
            let v: Option<(String, i64)> = sqlx::query_as("SELECT subject_id, expires_at FROM account_activations WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&mut *t)
                .await?;
            if v.is_some() {
                sqlx::query("DELETE FROM account_activations WHERE token_hash = $1").bind(token_hash).execute(&mut *t).await?;
            }
            Ok(v.map(|(s, e)| (SubjectId::from_stored(s), e)))
        })
    }

    async fn delete_activation(&self, subject: &SubjectId) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("DELETE FROM account_activations WHERE subject_id = $1").bind(subject.as_str()).execute(c).await.map(|_| ())
        })
    }

    async fn expired_activations(&self, now: Millis) -> StoreResult<Vec<SubjectId>> {
        let v: Vec<(String,)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT subject_id FROM account_activations WHERE expires_at <= $1 ORDER BY expires_at LIMIT 1000").bind(now).fetch_all(c).await
        })?;
        Ok(v.into_iter().map(|(s,)| SubjectId::from_stored(s)).collect())
    }

    async fn sessions_of(&self, subject: &SubjectId) -> StoreResult<Vec<SessionRow>> {
        let recs: Vec<SessionRec> = conn!(&self.db, c => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SESSION_COLUMNS} WHERE subject_id = $1 ORDER BY created_at"))).bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(recs.into_iter().map(Into::into).collect())
    }
}
