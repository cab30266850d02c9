//! The directory: email blind index → (region, subject), staff roles, and the directory's own
//! audit chain. It holds no plaintext personal data.

use std::sync::Arc;

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::{BoardId, OrgId, RegionId, SubjectId};
use clearboard_core::platform::ports::{AuditDraft, Directory, PolicyVersionRow, StaffRow, StoreResult};
use clearboard_vault::Keyring;
use clearboard_vault::audit::{Checkpoint, Entry, Record};

use crate::platform::db::{Backend, Db};

#[derive(Debug, Clone)]
pub struct SqlDirectory {
    db: Db,
    chain: String,
    ring: Arc<Keyring>,
}

impl SqlDirectory {
    pub fn new(db: Db, chain: String, ring: Arc<Keyring>) -> Self {
        Self { db, chain, ring }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    fn pg(&self) -> bool {
        self.db.backend() == Backend::Postgres
    }
}

#[derive(sqlx::FromRow)]
struct StaffRec {
    subject_id: String,
    region: String,
    role: String,
    trained_at: Option<i64>,
    created_at: i64,
}

impl From<StaffRec> for StaffRow {
    fn from(r: StaffRec) -> Self {
        StaffRow {
            subject_id: SubjectId::from_stored(r.subject_id),
            region: RegionId::new(&r.region),
            role: r.role,
            trained_at: r.trained_at,
            created_at: r.created_at,
        }
    }
}

#[async_trait]
impl Directory for SqlDirectory {
    async fn ping(&self) -> StoreResult<()> {
        conn!(&self.db, c => { sqlx::query("SELECT 1").execute(c).await.map(|_| ()) })
    }

    async fn claim_email(&self, bidx: &[u8], region: &RegionId, subject: &SubjectId, at: Millis) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("INSERT INTO email_index (bidx, region, subject_id, created_at) VALUES ($1, $2, $3, $4)")
                .bind(bidx)
                .bind(region.as_str())
                .bind(subject.as_str())
                .bind(at)
                .execute(c)
                .await
                .map(|_| ())
        })
    }

    async fn find_email(&self, bidx: &[u8]) -> StoreResult<Option<(RegionId, SubjectId)>> {
        let row: Option<(String, String)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT region, subject_id FROM email_index WHERE bidx = $1").bind(bidx).fetch_optional(c).await
        })?;
        Ok(row.map(|(r, s)| (RegionId::new(&r), SubjectId::from_stored(s))))
    }

    async fn release_email(&self, bidx: &[u8], subject: &SubjectId) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("DELETE FROM email_index WHERE bidx = $1 AND subject_id = $2").bind(bidx).bind(subject.as_str()).execute(c).await.map(|_| ())
        })
    }

    async fn put_staff(&self, row: &StaffRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        tx!(&self.db, t => {
            sqlx::query(
                "INSERT INTO staff (subject_id, region, role, trained_at, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (subject_id) DO UPDATE SET role = excluded.role, trained_at = excluded.trained_at",
            )
            .bind(row.subject_id.as_str())
            .bind(row.region.as_str())
            .bind(&row.role)
            .bind(row.trained_at)
            .bind(row.created_at)
            .execute(&mut *t)
            .await?;
            append_audit!(t, pg, &self.chain, &self.ring, audit)?;
            Ok(())
        })
    }

    async fn staff(&self, subject: &SubjectId) -> StoreResult<Option<StaffRow>> {
        let rec: Option<StaffRec> = conn!(&self.db, c => {
            sqlx::query_as("SELECT subject_id, region, role, trained_at, created_at FROM staff WHERE subject_id = $1").bind(subject.as_str()).fetch_optional(c).await
        })?;
        Ok(rec.map(Into::into))
    }

    async fn list_staff(&self) -> StoreResult<Vec<StaffRow>> {
        let recs: Vec<StaffRec> = conn!(&self.db, c => {
            sqlx::query_as("SELECT subject_id, region, role, trained_at, created_at FROM staff ORDER BY created_at").fetch_all(c).await
        })?;
        Ok(recs.into_iter().map(Into::into).collect())
    }

    async fn remove_staff(&self, subject: &SubjectId, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        tx!(&self.db, t => {
            sqlx::query("DELETE FROM staff WHERE subject_id = $1").bind(subject.as_str()).execute(&mut *t).await?;
            append_audit!(t, pg, &self.chain, &self.ring, audit)?;
            Ok(())
        })
    }

    async fn index_org(&self, org: &OrgId, region: &RegionId) -> StoreResult<()> {
        conn!(&self.db, c => { sqlx::query("INSERT INTO org_index (org_id, region) VALUES ($1, $2)").bind(org.as_str()).bind(region.as_str()).execute(c).await.map(|_| ()) })
    }

    async fn org_region(&self, org: &OrgId) -> StoreResult<Option<RegionId>> {
        let r: Option<(String,)> = conn!(&self.db, c => { sqlx::query_as("SELECT region FROM org_index WHERE org_id = $1").bind(org.as_str()).fetch_optional(c).await })?;
        Ok(r.map(|(r,)| RegionId::new(&r)))
    }

    async fn index_board(&self, board: &BoardId, org: &OrgId, region: &RegionId, join_code: &str) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("INSERT INTO board_index (board_id, org_id, region, join_code) VALUES ($1, $2, $3, $4)")
                .bind(board.as_str()).bind(org.as_str()).bind(region.as_str()).bind(join_code).execute(c).await.map(|_| ())
        })
    }

    async fn board_location(&self, board: &BoardId) -> StoreResult<Option<(OrgId, RegionId)>> {
        let r: Option<(String, String)> = conn!(&self.db, c => { sqlx::query_as("SELECT org_id, region FROM board_index WHERE board_id = $1").bind(board.as_str()).fetch_optional(c).await })?;
        Ok(r.map(|(o, r)| (OrgId::from_stored(o), RegionId::new(&r))))
    }

    async fn board_by_code(&self, code: &str) -> StoreResult<Option<(BoardId, RegionId)>> {
        let r: Option<(String, String)> = conn!(&self.db, c => { sqlx::query_as("SELECT board_id, region FROM board_index WHERE join_code = $1").bind(code).fetch_optional(c).await })?;
        Ok(r.map(|(b, r)| (BoardId::from_stored(b), RegionId::new(&r))))
    }

    async fn rekey_board_code(&self, board: &BoardId, join_code: &str) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("UPDATE board_index SET join_code = $2 WHERE board_id = $1").bind(board.as_str()).bind(join_code).execute(c).await.map(|_| ())
        })
    }

    async fn unindex_board(&self, board: &BoardId) -> StoreResult<()> {
        conn!(&self.db, c => { sqlx::query("DELETE FROM board_index WHERE board_id = $1").bind(board.as_str()).execute(c).await.map(|_| ()) })
    }

    async fn unindex_org(&self, org: &OrgId) -> StoreResult<()> {
        tx!(&self.db, t => {
            sqlx::query("DELETE FROM board_index WHERE org_id = $1").bind(org.as_str()).execute(&mut *t).await?;
            sqlx::query("DELETE FROM org_index WHERE org_id = $1").bind(org.as_str()).execute(&mut *t).await?;
            Ok(())
        })
    }

    async fn record_policy_version(&self, v: &PolicyVersionRow) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query(
                "INSERT INTO policy_versions (digest, published_on, recorded_at, significant, summary_en, summary_fr, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (digest) DO NOTHING",
            )
            .bind(&v.digest)
            .bind(&v.published_on)
            .bind(v.recorded_at)
            .bind(v.significant)
            .bind(&v.summary_en)
            .bind(&v.summary_fr)
            .bind(&v.body)
            .execute(c)
            .await
            .map(|_| ())
        })
    }

    async fn policy_versions(&self) -> StoreResult<Vec<PolicyVersionRow>> {
        let rows: Vec<(String, String, i64, bool, String, String, String)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT digest, published_on, recorded_at, significant, summary_en, summary_fr, body FROM policy_versions ORDER BY recorded_at, digest").fetch_all(c).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(digest, published_on, recorded_at, significant, summary_en, summary_fr, body)| PolicyVersionRow {
                digest,
                published_on,
                recorded_at,
                significant,
                summary_en,
                summary_fr,
                body,
            })
            .collect())
    }

    async fn audit_append(&self, draft: AuditDraft) -> StoreResult<Entry> {
        let pg = self.pg();
        tx!(&self.db, t => { append_audit!(t, pg, &self.chain, &self.ring, draft) })
    }

    async fn audit_chain(&self) -> StoreResult<(Vec<Record>, Option<Checkpoint>)> {
        crate::platform::region::load_chain(&self.db, &self.chain).await
    }
}
