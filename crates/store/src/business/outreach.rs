//! Outreach's storage (the [`OutreachStore`] port): contacts (sealed fields as core hands
//! them), campaigns, one row per campaign and recipient, clicks, and policy notices.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{AuditDraft, CampaignRow, ClickRow, ContactRow, OutreachStore, SendCounts, SendRow, StoreResult};

use crate::platform::region::SqlRegionStore;

macro_rules! contact_cols {
    () => {
        "id, subject_id, email_bidx, email, phone, lang, lists, pending_lists, state, created_at, confirmed_at, last_contact_at, confirm_hash, confirm_expires_at, confirm_sent_at, text_digest, proof"
    };
}

macro_rules! campaign_cols {
    () => {
        "id, list, subject_en, subject_fr, body_en, body_fr, state, created_by, created_at, scheduled_at, started_at, finished_at"
    };
}

#[derive(sqlx::FromRow)]
struct ContactRec {
    id: String,
    subject_id: String,
    email_bidx: Vec<u8>,
    email: Vec<u8>,
    phone: Option<Vec<u8>>,
    lang: String,
    lists: String,
    pending_lists: String,
    state: String,
    created_at: i64,
    confirmed_at: Option<i64>,
    last_contact_at: i64,
    confirm_hash: Option<Vec<u8>>,
    confirm_expires_at: Option<i64>,
    confirm_sent_at: Option<i64>,
    text_digest: String,
    proof: Vec<u8>,
}

impl From<ContactRec> for ContactRow {
    fn from(r: ContactRec) -> Self {
        ContactRow {
            id: r.id,
            subject_id: SubjectId::from_stored(r.subject_id),
            email_bidx: r.email_bidx,
            email: r.email,
            phone: r.phone,
            lang: r.lang,
            lists: r.lists,
            pending_lists: r.pending_lists,
            state: r.state,
            created_at: r.created_at,
            confirmed_at: r.confirmed_at,
            last_contact_at: r.last_contact_at,
            confirm_hash: r.confirm_hash,
            confirm_expires_at: r.confirm_expires_at,
            confirm_sent_at: r.confirm_sent_at,
            text_digest: r.text_digest,
            proof: r.proof,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CampaignRec {
    id: String,
    list: String,
    subject_en: String,
    subject_fr: String,
    body_en: String,
    body_fr: String,
    state: String,
    created_by: String,
    created_at: i64,
    scheduled_at: Option<i64>,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

impl From<CampaignRec> for CampaignRow {
    fn from(r: CampaignRec) -> Self {
        CampaignRow {
            id: r.id,
            list: r.list,
            subject_en: r.subject_en,
            subject_fr: r.subject_fr,
            body_en: r.body_en,
            body_fr: r.body_fr,
            state: r.state,
            created_by: SubjectId::from_stored(r.created_by),
            created_at: r.created_at,
            scheduled_at: r.scheduled_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

fn ids(rows: Vec<(String,)>) -> Vec<SubjectId> {
    rows.into_iter().map(|(s,)| SubjectId::from_stored(s)).collect()
}

#[async_trait]
impl OutreachStore for SqlRegionStore {
    async fn insert_contact(&self, c: &ContactRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO subjects (id, kind, created_at) VALUES ($1, 'contact', $2)").bind(c.subject_id.as_str()).bind(c.created_at).execute(&mut *t).await?;
            sqlx::query(concat!("INSERT INTO outreach_contacts (", contact_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"))
                .bind(&c.id).bind(c.subject_id.as_str()).bind(&c.email_bidx).bind(&c.email).bind(&c.phone).bind(&c.lang).bind(&c.lists)
                .bind(&c.pending_lists).bind(&c.state).bind(c.created_at).bind(c.confirmed_at).bind(c.last_contact_at).bind(&c.confirm_hash)
                .bind(c.confirm_expires_at).bind(c.confirm_sent_at).bind(&c.text_digest).bind(&c.proof)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn update_contact(&self, c: &ContactRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("UPDATE outreach_contacts SET email = $2, phone = $3, lang = $4, lists = $5, pending_lists = $6, state = $7, confirmed_at = $8, last_contact_at = $9, confirm_hash = $10, confirm_expires_at = $11, confirm_sent_at = $12, text_digest = $13, proof = $14 WHERE id = $1")
                .bind(&c.id).bind(&c.email).bind(&c.phone).bind(&c.lang).bind(&c.lists).bind(&c.pending_lists).bind(&c.state)
                .bind(c.confirmed_at).bind(c.last_contact_at).bind(&c.confirm_hash).bind(c.confirm_expires_at).bind(c.confirm_sent_at)
                .bind(&c.text_digest).bind(&c.proof)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn contact_by_email(&self, email_bidx: &[u8]) -> StoreResult<Option<ContactRow>> {
        let r: Option<ContactRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contact_cols!(), " FROM outreach_contacts WHERE email_bidx = $1")).bind(email_bidx).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn contact_by_confirm_hash(&self, hash: &[u8]) -> StoreResult<Option<ContactRow>> {
        let r: Option<ContactRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contact_cols!(), " FROM outreach_contacts WHERE confirm_hash = $1")).bind(hash).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn contact_of_subject(&self, subject: &SubjectId) -> StoreResult<Option<ContactRow>> {
        let r: Option<ContactRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contact_cols!(), " FROM outreach_contacts WHERE subject_id = $1")).bind(subject.as_str()).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn contacts_in(&self, state: &str) -> StoreResult<Vec<ContactRow>> {
        let r: Vec<ContactRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", contact_cols!(), " FROM outreach_contacts WHERE state = $1 ORDER BY created_at, id")).bind(state).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn unconfirmed_before(&self, before: Millis) -> StoreResult<Vec<SubjectId>> {
        let r: Vec<(String,)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT subject_id FROM outreach_contacts WHERE state = 'pending' AND created_at < $1 ORDER BY created_at").bind(before).fetch_all(c).await
        })?;
        Ok(ids(r))
    }

    async fn inactive_before(&self, before: Millis) -> StoreResult<Vec<SubjectId>> {
        let r: Vec<(String,)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT subject_id FROM outreach_contacts WHERE last_contact_at < $1 ORDER BY last_contact_at").bind(before).fetch_all(c).await
        })?;
        Ok(ids(r))
    }

    async fn delete_contact(&self, subject: &SubjectId, at: Millis, audit: Option<AuditDraft>) -> StoreResult<u64> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        let s = subject.as_str();
        tx!(self.db(), t => {
            let mut n = 0u64;
            for sql in [
                "DELETE FROM outreach_contacts WHERE subject_id = $1",
                "DELETE FROM outreach_sends WHERE subject_id = $1",
                "DELETE FROM outreach_clicks WHERE subject_id = $1",
                "DELETE FROM consent_ledger WHERE subject_id = $1",
            ] {
                n += sqlx::query(sql).bind(s).execute(&mut *t).await?.rows_affected();
            }
            sqlx::query("UPDATE subjects SET erased_at = $2 WHERE id = $1 AND erased_at IS NULL").bind(s).bind(at).execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(n)
        })
    }

    async fn insert_campaign(&self, c: &CampaignRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query(concat!("INSERT INTO outreach_campaigns (", campaign_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
                .bind(&c.id).bind(&c.list).bind(&c.subject_en).bind(&c.subject_fr).bind(&c.body_en).bind(&c.body_fr).bind(&c.state)
                .bind(c.created_by.as_str()).bind(c.created_at).bind(c.scheduled_at).bind(c.started_at).bind(c.finished_at)
                .execute(&mut *t).await?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn update_campaign(&self, c: &CampaignRow) -> StoreResult<()> {
        conn!(self.db(), x => {
            sqlx::query("UPDATE outreach_campaigns SET subject_en = $2, subject_fr = $3, body_en = $4, body_fr = $5, state = $6, scheduled_at = $7, started_at = $8, finished_at = $9 WHERE id = $1")
                .bind(&c.id).bind(&c.subject_en).bind(&c.subject_fr).bind(&c.body_en).bind(&c.body_fr).bind(&c.state)
                .bind(c.scheduled_at).bind(c.started_at).bind(c.finished_at)
                .execute(x).await.map(|_| ())
        })
    }

    async fn campaign(&self, id: &str) -> StoreResult<Option<CampaignRow>> {
        let r: Option<CampaignRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", campaign_cols!(), " FROM outreach_campaigns WHERE id = $1")).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn campaigns(&self) -> StoreResult<Vec<CampaignRow>> {
        let r: Vec<CampaignRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", campaign_cols!(), " FROM outreach_campaigns ORDER BY created_at DESC, id DESC")).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn claim_send(&self, campaign: &str, subject: &SubjectId, at: Millis) -> StoreResult<bool> {
        conn!(self.db(), c => {
            sqlx::query("INSERT INTO outreach_sends (campaign_id, subject_id, state, at) VALUES ($1, $2, 'claimed', $3) ON CONFLICT DO NOTHING")
                .bind(campaign).bind(subject.as_str()).bind(at).execute(c).await.map(|r| r.rows_affected() == 1)
        })
    }

    async fn finish_send(&self, campaign: &str, subject: &SubjectId, state: &str, at: Millis) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query("UPDATE outreach_sends SET state = $3, at = $4 WHERE campaign_id = $1 AND subject_id = $2")
                .bind(campaign).bind(subject.as_str()).bind(state).bind(at).execute(c).await.map(|_| ())
        })
    }

    async fn send_counts(&self, campaign: &str) -> StoreResult<SendCounts> {
        let rows: Vec<(String, i64)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT state, COUNT(*) FROM outreach_sends WHERE campaign_id = $1 GROUP BY state").bind(campaign).fetch_all(c).await
        })?;
        let mut out = SendCounts::default();
        for (state, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match state.as_str() {
                "claimed" => out.claimed += n,
                "sent" => out.sent += n,
                "skipped" => out.skipped += n,
                _ => out.failed += n,
            }
        }
        Ok(out)
    }

    async fn handled(&self, campaign: &str) -> StoreResult<Vec<SubjectId>> {
        let r: Vec<(String,)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT subject_id FROM outreach_sends WHERE campaign_id = $1").bind(campaign).fetch_all(c).await
        })?;
        Ok(ids(r))
    }

    async fn sends_of(&self, subject: &SubjectId) -> StoreResult<Vec<SendRow>> {
        let rows: Vec<(String, String, String, i64)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT campaign_id, subject_id, state, at FROM outreach_sends WHERE subject_id = $1 ORDER BY at, campaign_id").bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(campaign_id, s, state, at)| SendRow { campaign_id, subject_id: SubjectId::from_stored(s), state, at })
            .collect())
    }

    async fn insert_click(&self, k: &ClickRow) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query("INSERT INTO outreach_clicks (id, campaign_id, subject_id, at) VALUES ($1, $2, $3, $4)")
                .bind(&k.id).bind(&k.campaign_id).bind(k.subject_id.as_str()).bind(k.at).execute(c).await.map(|_| ())
        })
    }

    async fn clicks_of(&self, subject: &SubjectId) -> StoreResult<Vec<ClickRow>> {
        let rows: Vec<(String, String, String, i64)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id, campaign_id, subject_id, at FROM outreach_clicks WHERE subject_id = $1 ORDER BY at, id").bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, campaign_id, s, at)| ClickRow { id, campaign_id, subject_id: SubjectId::from_stored(s), at })
            .collect())
    }

    async fn delete_activity_of(&self, subject: &SubjectId) -> StoreResult<u64> {
        let s = subject.as_str();
        tx!(self.db(), t => {
            let mut n = sqlx::query("DELETE FROM outreach_sends WHERE subject_id = $1").bind(s).execute(&mut *t).await?.rows_affected();
            n += sqlx::query("DELETE FROM outreach_clicks WHERE subject_id = $1").bind(s).execute(&mut *t).await?.rows_affected();
            Ok(n)
        })
    }

    async fn account_holders(&self) -> StoreResult<Vec<(SubjectId, Millis)>> {
        let rows: Vec<(String, i64)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT subject_id, created_at FROM accounts ORDER BY created_at, subject_id").fetch_all(c).await
        })?;
        Ok(rows.into_iter().map(|(s, at)| (SubjectId::from_stored(s), at)).collect())
    }

    async fn claim_notice(&self, version: &str, subject: &SubjectId, at: Millis) -> StoreResult<bool> {
        conn!(self.db(), c => {
            sqlx::query("INSERT INTO policy_notices (version, subject_id, state, at) VALUES ($1, $2, 'claimed', $3) ON CONFLICT DO NOTHING")
                .bind(version).bind(subject.as_str()).bind(at).execute(c).await.map(|r| r.rows_affected() == 1)
        })
    }

    async fn finish_notice(&self, version: &str, subject: &SubjectId, state: &str, at: Millis) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query("UPDATE policy_notices SET state = $3, at = $4 WHERE version = $1 AND subject_id = $2")
                .bind(version).bind(subject.as_str()).bind(state).bind(at).execute(c).await.map(|_| ())
        })
    }

    async fn notices_of(&self, version: &str) -> StoreResult<Vec<(SubjectId, String, Millis)>> {
        let rows: Vec<(String, String, i64)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT subject_id, state, at FROM policy_notices WHERE version = $1 ORDER BY at, subject_id").bind(version).fetch_all(c).await
        })?;
        Ok(rows.into_iter().map(|(s, state, at)| (SubjectId::from_stored(s), state, at)).collect())
    }
}
