//! Support tickets and their threads (the [`SupportStore`] port). What is personal arrives
//! sealed by core; this file stores bytes, ids, states and dates.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::{BlobId, SubjectId};
use clearboard_core::platform::ports::{AuditDraft, DeletedTickets, StoreResult, SupportMessageRow, SupportStore, TicketRow};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
struct TicketRec {
    id: String,
    reference: String,
    requester_id: String,
    account_id: Option<String>,
    email_bidx: Vec<u8>,
    contact: Vec<u8>,
    title: Vec<u8>,
    status: String,
    assignee_id: Option<String>,
    channel: String,
    topic: String,
    rights_request_id: Option<String>,
    token_hash: Vec<u8>,
    created_at: i64,
    updated_at: i64,
    due_at: Option<i64>,
    closed_at: Option<i64>,
}

impl From<TicketRec> for TicketRow {
    fn from(r: TicketRec) -> Self {
        TicketRow {
            id: r.id,
            reference: r.reference,
            requester_id: SubjectId::from_stored(r.requester_id),
            account_id: r.account_id.map(SubjectId::from_stored),
            email_bidx: r.email_bidx,
            contact: r.contact,
            title: r.title,
            status: r.status,
            assignee_id: r.assignee_id.map(SubjectId::from_stored),
            channel: r.channel,
            topic: r.topic,
            rights_request_id: r.rights_request_id,
            token_hash: r.token_hash,
            created_at: r.created_at,
            updated_at: r.updated_at,
            due_at: r.due_at,
            closed_at: r.closed_at,
        }
    }
}

macro_rules! ticket_cols {
    () => {
        "id, reference, requester_id, account_id, email_bidx, contact, title, status, assignee_id, channel, topic, rights_request_id, token_hash, created_at, updated_at, due_at, closed_at"
    };
}

#[derive(sqlx::FromRow)]
struct MessageRec {
    id: String,
    ticket_id: String,
    author: String,
    staff_id: Option<String>,
    channel: String,
    body: Vec<u8>,
    attachment_blob: Option<String>,
    attachment_type: Option<String>,
    at: i64,
}

impl From<MessageRec> for SupportMessageRow {
    fn from(r: MessageRec) -> Self {
        SupportMessageRow {
            id: r.id,
            ticket_id: r.ticket_id,
            author: r.author,
            staff_id: r.staff_id.map(SubjectId::from_stored),
            channel: r.channel,
            body: r.body,
            attachment_blob: r.attachment_blob.map(BlobId::from_stored),
            attachment_type: r.attachment_type,
            at: r.at,
        }
    }
}

/// A message takes the next number of its ticket's thread (the thread's order, even within
/// one millisecond).
const INSERT_MESSAGE: &str = "INSERT INTO support_messages (id, ticket_id, seq, author, staff_id, channel, body, attachment_blob, attachment_type, at) VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM support_messages WHERE ticket_id = $2), $3, $4, $5, $6, $7, $8, $9)";
const MESSAGE_COLS: &str = "id, ticket_id, author, staff_id, channel, body, attachment_blob, attachment_type, at";

macro_rules! insert_message {
    ($t:ident, $m:expr) => {
        sqlx::query(INSERT_MESSAGE)
            .bind(&$m.id)
            .bind(&$m.ticket_id)
            .bind(&$m.author)
            .bind($m.staff_id.as_ref().map(SubjectId::as_str))
            .bind(&$m.channel)
            .bind(&$m.body)
            .bind($m.attachment_blob.as_ref().map(BlobId::as_str))
            .bind(&$m.attachment_type)
            .bind($m.at)
            .execute(&mut *$t)
            .await
    };
}

#[async_trait]
impl SupportStore for SqlRegionStore {
    async fn insert_ticket(&self, r: &TicketRow, first: &SupportMessageRow, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO subjects (id, kind, created_at) VALUES ($1, 'requester', $2)").bind(r.requester_id.as_str()).bind(r.created_at).execute(&mut *t).await?;
            sqlx::query(concat!("INSERT INTO support_tickets (", ticket_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"))
                .bind(&r.id).bind(&r.reference).bind(r.requester_id.as_str()).bind(r.account_id.as_ref().map(SubjectId::as_str))
                .bind(&r.email_bidx).bind(&r.contact).bind(&r.title).bind(&r.status).bind(r.assignee_id.as_ref().map(SubjectId::as_str))
                .bind(&r.channel).bind(&r.topic).bind(&r.rights_request_id).bind(&r.token_hash)
                .bind(r.created_at).bind(r.updated_at).bind(r.due_at).bind(r.closed_at)
                .execute(&mut *t).await?;
            insert_message!(t, first)?;
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn update_ticket(&self, r: &TicketRow, message: Option<&SupportMessageRow>, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.db().backend() == crate::platform::db::Backend::Postgres;
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let done = sqlx::query("UPDATE support_tickets SET status = $2, assignee_id = $3, rights_request_id = $4, updated_at = $5, due_at = $6, closed_at = $7, account_id = $8 WHERE id = $1")
                .bind(&r.id).bind(&r.status).bind(r.assignee_id.as_ref().map(SubjectId::as_str)).bind(&r.rights_request_id)
                .bind(r.updated_at).bind(r.due_at).bind(r.closed_at).bind(r.account_id.as_ref().map(SubjectId::as_str))
                .execute(&mut *t).await?;
            if done.rows_affected() == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
            if let Some(m) = message {
                insert_message!(t, m)?;
            }
            if let Some(a) = audit {
                append_audit!(t, pg, chain, ring, a)?;
            }
            Ok(())
        })
    }

    async fn ticket(&self, id: &str) -> StoreResult<Option<TicketRow>> {
        let r: Option<TicketRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", ticket_cols!(), " FROM support_tickets WHERE id = $1")).bind(id).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn ticket_by_token_hash(&self, hash: &[u8]) -> StoreResult<Option<TicketRow>> {
        let r: Option<TicketRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", ticket_cols!(), " FROM support_tickets WHERE token_hash = $1")).bind(hash).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn ticket_by_reference(&self, reference: &str) -> StoreResult<Option<TicketRow>> {
        let r: Option<TicketRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", ticket_cols!(), " FROM support_tickets WHERE reference = $1")).bind(reference).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn tickets(&self, status: Option<&str>) -> StoreResult<Vec<TicketRow>> {
        let r: Vec<TicketRec> = conn!(self.db(), c => {
            match status {
                Some(s) => sqlx::query_as(concat!("SELECT ", ticket_cols!(), " FROM support_tickets WHERE status = $1 ORDER BY created_at, id")).bind(s).fetch_all(c).await,
                None => sqlx::query_as(concat!("SELECT ", ticket_cols!(), " FROM support_tickets ORDER BY created_at, id")).fetch_all(c).await,
            }
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn tickets_of(&self, account: Option<&SubjectId>, email_bidx: &[u8]) -> StoreResult<Vec<TicketRow>> {
        let r: Vec<TicketRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", ticket_cols!(), " FROM support_tickets WHERE account_id = $1 OR email_bidx = $2 ORDER BY created_at DESC, id DESC"))
                .bind(account.map(SubjectId::as_str)).bind(email_bidx).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn messages(&self, ticket_id: &str) -> StoreResult<Vec<SupportMessageRow>> {
        let r: Vec<MessageRec> = conn!(self.db(), c => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {MESSAGE_COLS} FROM support_messages WHERE ticket_id = $1 ORDER BY seq"))).bind(ticket_id).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn delete_tickets(&self, ids: &[String]) -> StoreResult<DeletedTickets> {
        tx!(self.db(), t => {
            let mut out = DeletedTickets::default();
            for id in ids {
                let who: Option<(String,)> = sqlx::query_as("SELECT requester_id FROM support_tickets WHERE id = $1").bind(id).fetch_optional(&mut *t).await?;
                let Some((requester,)) = who else { continue };
                let blobs: Vec<(Option<String>,)> = sqlx::query_as("SELECT attachment_blob FROM support_messages WHERE ticket_id = $1").bind(id).fetch_all(&mut *t).await?;
                sqlx::query("DELETE FROM support_messages WHERE ticket_id = $1").bind(id).execute(&mut *t).await?;
                sqlx::query("DELETE FROM support_tickets WHERE id = $1").bind(id).execute(&mut *t).await?;
                out.tickets += 1;
                out.requesters.push(SubjectId::from_stored(requester));
                out.blobs.extend(blobs.into_iter().filter_map(|(b,)| b.map(BlobId::from_stored)));
            }
            Ok(out)
        })
    }

    async fn closed_before(&self, before: Millis) -> StoreResult<Vec<String>> {
        let r: Vec<(String,)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id FROM support_tickets WHERE closed_at IS NOT NULL AND closed_at < $1 ORDER BY closed_at, id").bind(before).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(|(id,)| id).collect())
    }
}
