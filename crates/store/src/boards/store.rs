//! The `BoardStore` port on a region's database: one SQL text for both backends, each change
//! to a board's content advancing its sequence number in the same transaction.

use async_trait::async_trait;
use clearboard_core::boards::kinds::{CardStatus, OrgRole};
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::{BlobId, BoardId, CardId, CommentId, OrgId, SubjectId};
use clearboard_core::platform::ports::{
    AuditDraft, BoardAccessRow, BoardRow, BoardStore, CardAttachments, CardChange, CardRow, ChangeRow, CommentRow, ErasedContributions,
    InvitationRow, MemberRow, OrgRow, ParticipantRow, Reactions, Seq, SessionRow, StoreError, StoreResult,
};
use futures_util::TryStreamExt;

use crate::boards::rows::{BoardRec, CardRec, CommentRec, InvitationRec, MemberRec, OrgRec, ParticipantRec, VOTES_USED, typed};
use crate::platform::region::SqlRegionStore;

#[async_trait]
impl BoardStore for SqlRegionStore {
    async fn create_org(&self, org: &OrgRow, owner: &MemberRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO organisations (id, name, personal, created_at) VALUES ($1, $2, $3, $4)")
                .bind(org.id.as_str()).bind(&org.name).bind(org.personal).bind(org.created_at).execute(&mut *t).await?;
            sqlx::query("INSERT INTO memberships (org_id, subject_id, role, joined_at) VALUES ($1, $2, $3, $4)")
                .bind(owner.org_id.as_str()).bind(owner.subject_id.as_str()).bind(owner.role.as_str()).bind(owner.joined_at).execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(())
        })
    }

    async fn org(&self, id: &OrgId) -> StoreResult<Option<OrgRow>> {
        let r: Option<OrgRec> = conn!(self.db(), c => { sqlx::query_as("SELECT id, name, personal, created_at FROM organisations WHERE id = $1").bind(id.as_str()).fetch_optional(c).await })?;
        Ok(r.map(Into::into))
    }

    async fn update_org_name(&self, id: &OrgId, name: &[u8]) -> StoreResult<()> {
        conn!(self.db(), c => { sqlx::query("UPDATE organisations SET name = $2 WHERE id = $1").bind(id.as_str()).bind(name).execute(c).await.map(|_| ()) })
    }

    async fn orgs_of(&self, subject: &SubjectId) -> StoreResult<Vec<(OrgRow, OrgRole)>> {
        let rows: Vec<(String, Vec<u8>, bool, i64, String)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT o.id, o.name, o.personal, o.created_at, m.role FROM organisations o JOIN memberships m ON m.org_id = o.id WHERE m.subject_id = $1 ORDER BY o.personal DESC, o.created_at")
                .bind(subject.as_str()).fetch_all(c).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, name, personal, created_at, role)| {
                Ok((OrgRow { id: OrgId::from_stored(id), name, personal, created_at }, typed(OrgRole::parse, &role, "memberships.role")?))
            })
            .collect::<StoreResult<_>>()?)
    }

    async fn members(&self, org: &OrgId) -> StoreResult<Vec<MemberRow>> {
        let r: Vec<MemberRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT org_id, subject_id, role, joined_at FROM memberships WHERE org_id = $1 ORDER BY joined_at, subject_id").bind(org.as_str()).fetch_all(c).await
        })?;
        r.into_iter().map(TryInto::try_into).collect()
    }

    async fn member(&self, org: &OrgId, subject: &SubjectId) -> StoreResult<Option<MemberRow>> {
        let r: Option<MemberRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT org_id, subject_id, role, joined_at FROM memberships WHERE org_id = $1 AND subject_id = $2").bind(org.as_str()).bind(subject.as_str()).fetch_optional(c).await
        })?;
        r.map(TryInto::try_into).transpose()
    }

    async fn put_member(&self, m: &MemberRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO memberships (org_id, subject_id, role, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, subject_id) DO UPDATE SET role = excluded.role")
                .bind(m.org_id.as_str()).bind(m.subject_id.as_str()).bind(m.role.as_str()).bind(m.joined_at).execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(())
        })
    }

    async fn remove_member(&self, org: &OrgId, subject: &SubjectId, audit: AuditDraft) -> StoreResult<bool> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let n = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND subject_id = $2").bind(org.as_str()).bind(subject.as_str()).execute(&mut *t).await?.rows_affected();
            if n > 0 {
                append_audit!(t, pg, chain, ring, audit)?;
            }
            Ok(n > 0)
        })
    }

    async fn create_invitation(&self, i: &InvitationRow) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query(concat!("INSERT INTO invitations (", invitation_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
                .bind(&i.id).bind(i.org_id.as_str()).bind(&i.token_hash).bind(i.role.as_str()).bind(i.created_by.as_ref().map(SubjectId::as_str))
                .bind(i.created_at).bind(i.expires_at).bind(i.revoked_at).bind(&i.email_bidx).bind(i.accepted_at).bind(i.accepted_by.as_ref().map(SubjectId::as_str))
                .execute(c).await.map(|_| ())
        })
    }

    async fn invitation_by_hash(&self, hash: &[u8]) -> StoreResult<Option<InvitationRow>> {
        let r: Option<InvitationRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", invitation_cols!(), " FROM invitations WHERE token_hash = $1")).bind(hash).fetch_optional(c).await
        })?;
        r.map(TryInto::try_into).transpose()
    }

    async fn invitations_of(&self, org: &OrgId) -> StoreResult<Vec<InvitationRow>> {
        let r: Vec<InvitationRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", invitation_cols!(), " FROM invitations WHERE org_id = $1 ORDER BY created_at DESC, id")).bind(org.as_str()).fetch_all(c).await
        })?;
        r.into_iter().map(TryInto::try_into).collect()
    }

    async fn revoke_invitation(&self, id: &str, at: Millis) -> StoreResult<bool> {
        conn!(self.db(), c => {
            sqlx::query("UPDATE invitations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL AND accepted_at IS NULL").bind(id).bind(at).execute(c).await.map(|r| r.rows_affected() > 0)
        })
    }

    async fn accept_invitation(&self, id: &str, m: &MemberRow, audit: AuditDraft) -> StoreResult<bool> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            let n = sqlx::query("UPDATE invitations SET accepted_at = $2, accepted_by = $3 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2")
                .bind(id).bind(m.joined_at).bind(m.subject_id.as_str()).execute(&mut *t).await?.rows_affected();
            if n == 0 {
                return Ok(false);
            }
            sqlx::query("INSERT INTO memberships (org_id, subject_id, role, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, subject_id) DO NOTHING")
                .bind(m.org_id.as_str()).bind(m.subject_id.as_str()).bind(m.role.as_str()).bind(m.joined_at).execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(true)
        })
    }

    async fn delete_org(&self, id: &OrgId, audit: AuditDraft) -> StoreResult<(Vec<BlobId>, Vec<SubjectId>)> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        let at = audit.at_ms;
        let (blobs, parts) = tx!(self.db(), t => {
            sqlx::query("UPDATE subjects SET erased_at = $2 WHERE erased_at IS NULL AND id IN (SELECT p.subject_id FROM participants p JOIN boards b ON b.id = p.board_id WHERE b.org_id = $1)")
                .bind(id.as_str()).bind(at).execute(&mut *t).await?;
            let out = purge_org_boards!(t, id.as_str())?;
            sqlx::query("DELETE FROM invitations WHERE org_id = $1").bind(id.as_str()).execute(&mut *t).await?;
            sqlx::query("DELETE FROM memberships WHERE org_id = $1").bind(id.as_str()).execute(&mut *t).await?;
            sqlx::query("DELETE FROM organisations WHERE id = $1").bind(id.as_str()).execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(out)
        })?;
        Ok((blobs.into_iter().map(BlobId::from_stored).collect(), parts.into_iter().map(SubjectId::from_stored).collect()))
    }

    async fn create_board(&self, b: &BoardRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query(concat!("INSERT INTO boards (", board_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"))
                .bind(b.id.as_str()).bind(b.org_id.as_str()).bind(&b.title).bind(&b.legend).bind(b.created_by.as_ref().map(SubjectId::as_str))
                .bind(b.created_at).bind(b.updated_at).bind(b.locked).bind(b.controlled).bind(b.anonymous).bind(b.vote_tokens).bind(&b.join_code).bind(b.seq)
                .bind(b.votes_hidden).bind(b.timer_ends_at).bind(b.timer_left_ms).bind(b.timer_pauses).bind(&b.zones)
                .execute(&mut *t).await?;
            append_audit!(t, pg, chain, ring, audit)?;
            Ok(())
        })
    }

    async fn board(&self, id: &BoardId) -> StoreResult<Option<BoardRow>> {
        let r: Option<BoardRec> = conn!(self.db(), c => { sqlx::query_as(concat!("SELECT ", board_cols!(), " FROM boards WHERE id = $1")).bind(id.as_str()).fetch_optional(c).await })?;
        Ok(r.map(Into::into))
    }

    async fn board_access(&self, board: &BoardId, subject: &SubjectId) -> StoreResult<Option<BoardAccessRow>> {
        self.read_board_access(board, subject).await
    }

    async fn boards_of_org(&self, org: &OrgId) -> StoreResult<Vec<BoardRow>> {
        let r: Vec<BoardRec> = conn!(self.db(), c => { sqlx::query_as(concat!("SELECT ", board_cols!(), " FROM boards WHERE org_id = $1 ORDER BY created_at")).bind(org.as_str()).fetch_all(c).await })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn delete_board(&self, board: &BoardId, audit: AuditDraft) -> StoreResult<(Vec<BlobId>, Vec<SubjectId>)> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        let at = audit.at_ms;
        let b = board.as_str();
        let (blobs, parts) = tx!(self.db(), t => {
            let blobs: Vec<(Option<String>,)> = sqlx::query_as("SELECT blob_id FROM cards WHERE board_id = $1").bind(b).fetch_all(&mut *t).await?;
            let parts: Vec<(String,)> = sqlx::query_as("SELECT subject_id FROM participants WHERE board_id = $1").bind(b).fetch_all(&mut *t).await?;
            sqlx::query("UPDATE subjects SET erased_at = $2 WHERE erased_at IS NULL AND id IN (SELECT subject_id FROM participants WHERE board_id = $1)")
                .bind(b).bind(at).execute(&mut *t).await?;
            for sql in [
                "DELETE FROM comments WHERE card_id IN (SELECT id FROM cards WHERE board_id = $1)",
                "DELETE FROM card_likes WHERE card_id IN (SELECT id FROM cards WHERE board_id = $1)",
                "DELETE FROM card_votes WHERE board_id = $1",
                "DELETE FROM board_changes WHERE board_id = $1",
                "DELETE FROM cards WHERE board_id = $1",
                "DELETE FROM sessions WHERE subject_id IN (SELECT subject_id FROM participants WHERE board_id = $1)",
                "DELETE FROM participants WHERE board_id = $1",
                "DELETE FROM boards WHERE id = $1",
            ] {
                sqlx::query(sql).bind(b).execute(&mut *t).await?;
            }
            append_audit!(t, pg, chain, ring, audit)?;
            Ok((blobs, parts))
        })?;
        Ok((
            blobs.into_iter().filter_map(|(b,)| b.map(BlobId::from_stored)).collect(),
            parts.into_iter().map(|(p,)| SubjectId::from_stored(p)).collect(),
        ))
    }

    async fn update_board(&self, b: &BoardRow) -> StoreResult<Seq> {
        tx!(self.db(), t => {
            sqlx::query("UPDATE boards SET title = $2, legend = $3, updated_at = $4, locked = $5, controlled = $6, anonymous = $7, vote_tokens = $8, votes_hidden = $9, timer_ends_at = $10, timer_left_ms = $11, timer_pauses = $12, zones = $13 WHERE id = $1")
                .bind(b.id.as_str()).bind(&b.title).bind(&b.legend).bind(b.updated_at).bind(b.locked).bind(b.controlled).bind(b.anonymous).bind(b.vote_tokens)
                .bind(b.votes_hidden).bind(b.timer_ends_at).bind(b.timer_left_ms).bind(b.timer_pauses).bind(&b.zones)
                .execute(&mut *t).await?;
            bump!(t, b.id.as_str(), "board", None, None)
        })
    }

    async fn bump_board(&self, board: &BoardId) -> StoreResult<Seq> {
        tx!(self.db(), t => { bump!(t, board.as_str(), "resync", None, None) })
    }

    async fn set_join_code(&self, board: &BoardId, code: &str) -> StoreResult<Seq> {
        tx!(self.db(), t => {
            sqlx::query("UPDATE boards SET join_code = $2 WHERE id = $1").bind(board.as_str()).bind(code).execute(&mut *t).await?;
            bump!(t, board.as_str())
        })
    }

    async fn changes_after(&self, board: &BoardId, after: Seq, limit: i64) -> StoreResult<Vec<ChangeRow>> {
        self.logged_changes(board, after, limit).await
    }

    async fn board_seqs(&self, boards: &[BoardId]) -> StoreResult<Vec<(BoardId, Seq)>> {
        let mut out = Vec::with_capacity(boards.len());
        // Well under both backends' limits on bound parameters.
        for chunk in boards.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id, seq FROM boards WHERE id IN ({})", marks.join(", "));
            let rows: Vec<(String, i64)> = conn!(self.db(), c => {
                // Only numbered placeholders are formatted in; the ids are bound.
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for b in chunk {
                    q = q.bind(b.as_str());
                }
                q.fetch_all(c).await
            })?;
            out.extend(rows.into_iter().map(|(id, seq)| (BoardId::from_stored(id), seq)));
        }
        Ok(out)
    }

    async fn create_participant(&self, p: &ParticipantRow, session: &SessionRow, audits: Vec<AuditDraft>) -> StoreResult<()> {
        self.join_tx(p, session, audits).await
    }

    async fn participant(&self, subject: &SubjectId) -> StoreResult<Option<ParticipantRow>> {
        let r: Option<ParticipantRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", participant_cols!(), " FROM participants WHERE subject_id = $1")).bind(subject.as_str()).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn participants_of(&self, board: &BoardId) -> StoreResult<Vec<ParticipantRow>> {
        let r: Vec<ParticipantRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", participant_cols!(), " FROM participants WHERE board_id = $1 ORDER BY created_at")).bind(board.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn participant_by_recovery(&self, hash: &[u8]) -> StoreResult<Option<ParticipantRow>> {
        let r: Option<ParticipantRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", participant_cols!(), " FROM participants WHERE recovery_hash = $1")).bind(hash).fetch_optional(c).await
        })?;
        Ok(r.map(Into::into))
    }

    async fn touch_participant(&self, subject: &SubjectId, at: Millis) -> StoreResult<()> {
        conn!(self.db(), c => {
            sqlx::query("UPDATE participants SET last_session_at = $2 WHERE subject_id = $1 AND last_session_at < $2").bind(subject.as_str()).bind(at).execute(c).await.map(|_| ())
        })
    }

    async fn participants_idle_before(&self, before: Millis, limit: i64) -> StoreResult<Vec<SubjectId>> {
        let r: Vec<(String,)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT subject_id FROM participants WHERE last_session_at < $1 ORDER BY last_session_at LIMIT $2").bind(before).bind(limit).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(|(s,)| SubjectId::from_stored(s)).collect())
    }

    async fn insert_card(&self, c: &CardRow) -> StoreResult<Seq> {
        tx!(self.db(), t => {
            insert_card_row!(t, c)?;
            bump!(t, c.board_id.as_str(), "card", Some(c.id.as_str()), None)
        })
    }

    async fn restore_card(&self, c: &CardRow, with: &CardAttachments, max_tokens: i64) -> StoreResult<(Seq, Vec<Seq>)> {
        let (board, card) = (c.board_id.as_str(), c.id.as_str());
        tx!(self.db(), t => {
            insert_card_row!(t, c)?;
            for (s, at) in &with.likes {
                sqlx::query("INSERT INTO card_likes (card_id, subject_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (card_id, subject_id) DO NOTHING")
                    .bind(card).bind(s.as_str()).bind(*at).execute(&mut *t).await?;
            }
            for (s, n) in &with.votes {
                let (used,): (i64,) = sqlx::query_as(VOTES_USED).bind(board).bind(s.as_str()).fetch_one(&mut *t).await?;
                let n = (*n).min(max_tokens - used);
                if n > 0 {
                    sqlx::query("INSERT INTO card_votes (card_id, subject_id, board_id, count) VALUES ($1, $2, $3, $4) ON CONFLICT (card_id, subject_id) DO UPDATE SET count = card_votes.count + excluded.count")
                        .bind(card).bind(s.as_str()).bind(board).bind(n).execute(&mut *t).await?;
                }
            }
            let seq = bump!(t, board, "card", Some(card), None)?;
            let mut seqs = Vec::with_capacity(with.comments.len());
            for m in &with.comments {
                insert_comment_row!(t, m)?;
                seqs.push(bump!(t, board, "comment", Some(m.card_id.as_str()), Some(m.id.as_str()))?);
            }
            Ok((seq, seqs))
        })
    }

    async fn change_card(&self, board: &BoardId, card: &CardId, ch: &CardChange) -> StoreResult<Option<(CardRow, Seq)>> {
        let changed: Option<(CardRec, Seq)> = tx!(self.db(), t => {
            let row: Option<CardRec> = sqlx::query_as(concat!(
                "UPDATE cards SET body = COALESCE($3, body), x = COALESCE($4, x), y = COALESCE($5, y), color = COALESCE($6, color), ",
                "category = CASE WHEN $7 THEN $8 ELSE category END, status = COALESCE($9, status), version = version + 1, updated_at = $10 ",
                "WHERE id = $1 AND board_id = $2 RETURNING ", card_cols!()
            ))
            .bind(card.as_str()).bind(board.as_str()).bind(&ch.body).bind(ch.x).bind(ch.y).bind(&ch.color)
            .bind(ch.category.is_some()).bind(ch.category.clone().flatten()).bind(ch.status.map(CardStatus::as_str)).bind(ch.at)
            .fetch_optional(&mut *t).await?;
            match row {
                Some(r) => Ok(Some((r, bump!(t, board.as_str(), "card", Some(card.as_str()), None)?))),
                None => Ok(None),
            }
        })?;
        changed.map(|(r, seq)| Ok((r.try_into()?, seq))).transpose()
    }

    async fn delete_card(&self, board: &BoardId, card: &CardId) -> StoreResult<(Seq, CardAttachments)> {
        let c = card.as_str();
        let (seq, comments, likes, votes): (Seq, Vec<CommentRec>, Vec<(String, i64)>, Vec<(String, i64)>) = tx!(self.db(), t => {
            let comments = sqlx::query_as("DELETE FROM comments WHERE card_id = $1 RETURNING id, card_id, author_id, body, created_at, anonymous").bind(c).fetch_all(&mut *t).await?;
            let likes = sqlx::query_as("DELETE FROM card_likes WHERE card_id = $1 RETURNING subject_id, created_at").bind(c).fetch_all(&mut *t).await?;
            let votes = sqlx::query_as("DELETE FROM card_votes WHERE card_id = $1 RETURNING subject_id, count").bind(c).fetch_all(&mut *t).await?;
            sqlx::query("DELETE FROM cards WHERE id = $1").bind(c).execute(&mut *t).await?;
            Ok((bump!(t, board.as_str(), "card_deleted", Some(c), None)?, comments, likes, votes))
        })?;
        let mut comments: Vec<CommentRow> = comments.into_iter().map(Into::into).collect();
        comments.sort_by(|a, b| (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str())));
        let mut likes: Vec<(SubjectId, Millis)> = likes.into_iter().map(|(s, at)| (SubjectId::from_stored(s), at)).collect();
        likes.sort_by_key(|(_, at)| *at);
        let votes = votes.into_iter().map(|(s, n)| (SubjectId::from_stored(s), n)).collect();
        Ok((seq, CardAttachments { likes, votes, comments }))
    }

    async fn card(&self, id: &CardId) -> StoreResult<Option<CardRow>> {
        let r: Option<CardRec> = conn!(self.db(), c => { sqlx::query_as(concat!("SELECT ", card_cols!(), " FROM cards WHERE id = $1")).bind(id.as_str()).fetch_optional(c).await })?;
        r.map(TryInto::try_into).transpose()
    }

    async fn cards_of(&self, board: &BoardId) -> StoreResult<Vec<CardRow>> {
        let r: Vec<CardRec> = conn!(self.db(), c => { sqlx::query_as(concat!("SELECT ", card_cols!(), " FROM cards WHERE board_id = $1 ORDER BY created_at, id")).bind(board.as_str()).fetch_all(c).await })?;
        r.into_iter().map(TryInto::try_into).collect()
    }

    async fn set_like(&self, board: &BoardId, card: &CardId, subject: &SubjectId, on: bool, at: Millis) -> StoreResult<Seq> {
        tx!(self.db(), t => {
            if on {
                sqlx::query("INSERT INTO card_likes (card_id, subject_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (card_id, subject_id) DO NOTHING")
                    .bind(card.as_str()).bind(subject.as_str()).bind(at).execute(&mut *t).await?;
            } else {
                sqlx::query("DELETE FROM card_likes WHERE card_id = $1 AND subject_id = $2").bind(card.as_str()).bind(subject.as_str()).execute(&mut *t).await?;
            }
            bump!(t, board.as_str(), "card", Some(card.as_str()), None)
        })
    }

    async fn add_vote(&self, board: &BoardId, card: &CardId, subject: &SubjectId, delta: i64, max_tokens: i64) -> StoreResult<Seq> {
        let r = tx!(self.db(), t => {
            let (used,): (i64,) = sqlx::query_as(VOTES_USED).bind(board.as_str()).bind(subject.as_str()).fetch_one(&mut *t).await?;
            let mine: Option<(i64,)> = sqlx::query_as("SELECT count FROM card_votes WHERE card_id = $1 AND subject_id = $2").bind(card.as_str()).bind(subject.as_str()).fetch_optional(&mut *t).await?;
            let mine = mine.map_or(0, |(c,)| c);
            if used + delta > max_tokens || mine + delta < 0 {
                return Ok(None);
            }
            let new = mine + delta;
            if new == 0 {
                sqlx::query("DELETE FROM card_votes WHERE card_id = $1 AND subject_id = $2").bind(card.as_str()).bind(subject.as_str()).execute(&mut *t).await?;
            } else {
                sqlx::query("INSERT INTO card_votes (card_id, subject_id, board_id, count) VALUES ($1, $2, $3, $4) ON CONFLICT (card_id, subject_id) DO UPDATE SET count = excluded.count")
                    .bind(card.as_str()).bind(subject.as_str()).bind(board.as_str()).bind(new).execute(&mut *t).await?;
            }
            Ok(Some(bump!(t, board.as_str(), "card", Some(card.as_str()), None)?))
        })?;
        r.ok_or(StoreError::Conflict)
    }

    async fn reactions(&self, board: &BoardId) -> StoreResult<Reactions> {
        let (likes, votes): (Vec<(String, String)>, Vec<(String, String, i64)>) = conn!(self.db(), c => {
            let likes = sqlx::query_as("SELECT l.card_id, l.subject_id FROM card_likes l JOIN cards c ON c.id = l.card_id WHERE c.board_id = $1").bind(board.as_str()).fetch_all(&mut *c).await?;
            let votes = sqlx::query_as("SELECT card_id, subject_id, count FROM card_votes WHERE board_id = $1").bind(board.as_str()).fetch_all(c).await?;
            Ok((likes, votes))
        })?;
        Ok(Reactions {
            likes: likes.into_iter().map(|(c, s)| (CardId::from_stored(c), SubjectId::from_stored(s))).collect(),
            votes: votes.into_iter().map(|(c, s, n)| (CardId::from_stored(c), SubjectId::from_stored(s), n)).collect(),
        })
    }

    async fn insert_comment(&self, board: &BoardId, c: &CommentRow) -> StoreResult<Seq> {
        tx!(self.db(), t => {
            insert_comment_row!(t, c)?;
            bump!(t, board.as_str(), "comment", Some(c.card_id.as_str()), Some(c.id.as_str()))
        })
    }

    async fn delete_comment(&self, board: &BoardId, id: &CommentId) -> StoreResult<Seq> {
        tx!(self.db(), t => {
            let card: Option<(String,)> = sqlx::query_as("DELETE FROM comments WHERE id = $1 RETURNING card_id").bind(id.as_str()).fetch_optional(&mut *t).await?;
            bump!(t, board.as_str(), "comment_deleted", card.as_ref().map(|(c,)| c.as_str()), Some(id.as_str()))
        })
    }

    async fn comment(&self, id: &CommentId) -> StoreResult<Option<CommentRow>> {
        let r: Option<CommentRec> = conn!(self.db(), c => { sqlx::query_as("SELECT id, card_id, author_id, body, created_at, anonymous FROM comments WHERE id = $1").bind(id.as_str()).fetch_optional(c).await })?;
        Ok(r.map(Into::into))
    }

    async fn reactions_of_card(&self, card: &CardId) -> StoreResult<Reactions> {
        let (likes, votes): (Vec<(String, String)>, Vec<(String, String, i64)>) = conn!(self.db(), c => {
            let likes = sqlx::query_as("SELECT card_id, subject_id FROM card_likes WHERE card_id = $1").bind(card.as_str()).fetch_all(&mut *c).await?;
            let votes = sqlx::query_as("SELECT card_id, subject_id, count FROM card_votes WHERE card_id = $1").bind(card.as_str()).fetch_all(c).await?;
            Ok((likes, votes))
        })?;
        Ok(Reactions {
            likes: likes.into_iter().map(|(c, s)| (CardId::from_stored(c), SubjectId::from_stored(s))).collect(),
            votes: votes.into_iter().map(|(c, s, n)| (CardId::from_stored(c), SubjectId::from_stored(s), n)).collect(),
        })
    }

    async fn comments_of_card(&self, card: &CardId) -> StoreResult<Vec<CommentRow>> {
        let r: Vec<CommentRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT id, card_id, author_id, body, created_at, anonymous FROM comments WHERE card_id = $1 ORDER BY created_at, id")
                .bind(card.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn comments_of(&self, board: &BoardId) -> StoreResult<Vec<CommentRow>> {
        let r: Vec<CommentRec> = conn!(self.db(), c => {
            sqlx::query_as("SELECT m.id, m.card_id, m.author_id, m.body, m.created_at, m.anonymous FROM comments m JOIN cards c ON c.id = m.card_id WHERE c.board_id = $1 ORDER BY m.created_at, m.id")
                .bind(board.as_str()).fetch_all(c).await
        })?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    async fn contributions_of(
        &self,
        subject: &SubjectId,
    ) -> StoreResult<(Vec<CardRow>, Vec<CommentRow>, Reactions, Option<ParticipantRow>)> {
        let cards: Vec<CardRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!("SELECT ", card_cols!(), " FROM cards WHERE author_id = $1 ORDER BY created_at")).bind(subject.as_str()).fetch_all(c).await
        })?;
        let (comments, reactions, part) = self.reactions_of(subject).await?;
        Ok((cards.into_iter().map(TryInto::try_into).collect::<StoreResult<_>>()?, comments, reactions, part))
    }

    async fn reactions_of(&self, subject: &SubjectId) -> StoreResult<(Vec<CommentRow>, Reactions, Option<ParticipantRow>)> {
        let s = subject.as_str();
        let (comments, likes, votes, part): (Vec<CommentRec>, Vec<(String, String)>, Vec<(String, String, i64)>, Option<ParticipantRec>) =
            conn!(self.db(), c => {
                let comments = sqlx::query_as("SELECT id, card_id, author_id, body, created_at, anonymous FROM comments WHERE author_id = $1 ORDER BY created_at").bind(s).fetch_all(&mut *c).await?;
                let likes = sqlx::query_as("SELECT card_id, subject_id FROM card_likes WHERE subject_id = $1").bind(s).fetch_all(&mut *c).await?;
                let votes = sqlx::query_as("SELECT card_id, subject_id, count FROM card_votes WHERE subject_id = $1").bind(s).fetch_all(&mut *c).await?;
                let part = sqlx::query_as(concat!("SELECT ", participant_cols!(), " FROM participants WHERE subject_id = $1")).bind(s).fetch_optional(c).await?;
                Ok((comments, likes, votes, part))
            })?;
        Ok((
            comments.into_iter().map(Into::into).collect(),
            Reactions {
                likes: likes.into_iter().map(|(c, s)| (CardId::from_stored(c), SubjectId::from_stored(s))).collect(),
                votes: votes.into_iter().map(|(c, s, n)| (CardId::from_stored(c), SubjectId::from_stored(s), n)).collect(),
            },
            part.map(Into::into),
        ))
    }

    async fn cards_of_author(&self, subject: &SubjectId, page: usize, each: &mut (dyn FnMut(Vec<CardRow>) + Send)) -> StoreResult<()> {
        let page = page.max(1);
        if let crate::platform::db::Db::Postgres(pool) = self.db() {
            return crate::boards::copy::cards_of_author(pool, subject, page, each).await;
        }
        let mut failed = None;
        conn!(self.db(), c => {
            // No ORDER BY: the rows stream as they are read, with no sort before the first one.
            let mut rows = sqlx::query_as::<_, CardRec>(concat!("SELECT ", card_cols!(), " FROM cards WHERE author_id = $1"))
                .bind(subject.as_str())
                .fetch(c);
            let mut buf = Vec::with_capacity(page);
            while let Some(r) = rows.try_next().await? {
                match CardRow::try_from(r) {
                    Ok(r) => buf.push(r),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
                if buf.len() >= page {
                    each(std::mem::replace(&mut buf, Vec::with_capacity(page)));
                }
            }
            if !buf.is_empty() {
                each(buf);
            }
            Ok(())
        })?;
        failed.map_or(Ok(()), Err)
    }

    async fn erase_contributions(&self, subject: &SubjectId, sessions: bool, audits: Vec<AuditDraft>) -> StoreResult<ErasedContributions> {
        self.erase_tx(subject, sessions, audits).await
    }
}
