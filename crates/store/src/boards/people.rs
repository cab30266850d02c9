//! A participant's arrival and a person's erasure from boards, each one transaction on the
//! region's database (one turn at SQLite's single writer): the join writes the participant,
//! their subject and first session; the erasure their contributions, participation and
//! sessions; both with their audit entries.

use clearboard_core::platform::ids::{BlobId, BoardId, SubjectId};
use clearboard_core::platform::ports::{AuditDraft, ErasedContributions, ParticipantRow, SessionRow, StoreResult};

use crate::identity::accounts::INSERT_SESSION;
use crate::platform::region::SqlRegionStore;

/// For each table of reactions to cards: how many rows it has, up to `$1`; its rows on the
/// cards of author `$1` deleted by scanning it; the same by probing it with each of their cards.
macro_rules! reactions_to_cards {
    ($($table:literal),*) => {
        [$((
            concat!("SELECT COUNT(*) FROM (SELECT 1 FROM ", $table, " LIMIT $1) n"),
            concat!("DELETE FROM ", $table, " WHERE EXISTS (SELECT 1 FROM cards c WHERE c.id = ", $table, ".card_id AND c.author_id = $1)"),
            concat!("DELETE FROM ", $table, " WHERE card_id IN (SELECT id FROM cards WHERE author_id = $1)"),
        )),*]
    };
}
const REACTIONS_TO_CARDS: [(&str, &str, &str); 3] = reactions_to_cards!("comments", "card_likes", "card_votes");

impl SqlRegionStore {
    /// A participant's subject, row and first session, and the audit entries of the join.
    pub(super) async fn join_tx(&self, p: &ParticipantRow, session: &SessionRow, audits: Vec<AuditDraft>) -> StoreResult<()> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        tx!(self.db(), t => {
            sqlx::query("INSERT INTO subjects (id, kind, created_at) VALUES ($1, 'participant', $2)").bind(p.subject_id.as_str()).bind(p.created_at).execute(&mut *t).await?;
            sqlx::query("INSERT INTO participants (subject_id, board_id, pseudonym, created_at, recovery_hash, last_session_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(p.subject_id.as_str()).bind(p.board_id.as_str()).bind(&p.pseudonym).bind(p.created_at).bind(&p.recovery_hash).bind(p.last_session_at)
                .execute(&mut *t).await?;
            sqlx::query(INSERT_SESSION)
                .bind(&session.token_hash).bind(session.subject_id.as_str()).bind(&session.kind).bind(session.created_at).bind(session.last_seen_at)
                .execute(&mut *t).await?;
            append_audits!(t, pg, chain, ring, audits)?;
            Ok(())
        })
    }

    /// Everything a subject put on boards, their memberships, participant row and (with
    /// `sessions`) sessions, then the audit entries, in one transaction.
    pub(super) async fn erase_tx(&self, subject: &SubjectId, sessions: bool, audits: Vec<AuditDraft>) -> StoreResult<ErasedContributions> {
        let pg = self.is_pg();
        let (chain, ring) = self.audit_parts();
        let s = subject.as_str();
        tx!(self.db(), t => {
            let boards: Vec<(String,)> = sqlx::query_as(
                "SELECT board_id FROM cards WHERE author_id = $1 UNION SELECT c.board_id FROM comments m JOIN cards c ON c.id = m.card_id WHERE m.author_id = $1 \
                 UNION SELECT c.board_id FROM card_likes l JOIN cards c ON c.id = l.card_id WHERE l.subject_id = $1 UNION SELECT board_id FROM card_votes WHERE subject_id = $1",
            ).bind(s).fetch_all(&mut *t).await?;
            // Their own comments, likes and votes first (counted, wherever they are, on their own
            // cards too), then others' on this person's cards, which go with the cards they answer.
            let comments = sqlx::query("DELETE FROM comments WHERE author_id = $1").bind(s).execute(&mut *t).await?.rows_affected();
            let likes = sqlx::query("DELETE FROM card_likes WHERE subject_id = $1").bind(s).execute(&mut *t).await?.rows_affected();
            let votes = sqlx::query("DELETE FROM card_votes WHERE subject_id = $1").bind(s).execute(&mut *t).await?.rows_affected();
            // Someone with no card (a participant who only looked, reacted or left at once) has
            // no media and nothing of others' answering their cards: eight statements fewer.
            let (mine,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cards WHERE author_id = $1").bind(s).fetch_one(&mut *t).await?;
            let mut blobs: Vec<(Option<String>,)> = Vec::new();
            let mut cards = 0;
            if mine > 0 {
                blobs = sqlx::query_as("SELECT blob_id FROM cards WHERE author_id = $1 AND blob_id IS NOT NULL").bind(s).fetch_all(&mut *t).await?;
                // Others' reactions to this person's cards, from whichever side is smaller:
                // probing each of the person's cards in the other table costs a second per
                // million cards and per table; scanning a table that holds fewer rows than they
                // have cards does not. Counting stops at their number of cards, so it never costs
                // more than a probe.
                for (count, scan, probe) in REACTIONS_TO_CARDS {
                    let (rows,): (i64,) = sqlx::query_as(count).bind(mine).fetch_one(&mut *t).await?;
                    sqlx::query(if rows < mine { scan } else { probe }).bind(s).execute(&mut *t).await?;
                }
                cards = sqlx::query("DELETE FROM cards WHERE author_id = $1").bind(s).execute(&mut *t).await?.rows_affected();
            }
            sqlx::query("DELETE FROM participants WHERE subject_id = $1").bind(s).execute(&mut *t).await?;
            sqlx::query("DELETE FROM memberships WHERE subject_id = $1").bind(s).execute(&mut *t).await?;
            // Boards they created stay with their organisation; the trace is decorrelated.
            sqlx::query("UPDATE boards SET created_by = NULL WHERE created_by = $1").bind(s).execute(&mut *t).await?;
            sqlx::query("UPDATE invitations SET created_by = NULL WHERE created_by = $1").bind(s).execute(&mut *t).await?;
            sqlx::query("UPDATE invitations SET accepted_by = NULL WHERE accepted_by = $1").bind(s).execute(&mut *t).await?;
            let mut seqs = Vec::new();
            for (b,) in boards {
                let seq = bump!(t, b.as_str(), "resync", None, None)?;
                seqs.push((BoardId::from_stored(b), seq));
            }
            if sessions {
                sqlx::query("DELETE FROM sessions WHERE subject_id = $1").bind(s).execute(&mut *t).await?;
            }
            append_audits!(t, pg, chain, ring, audits)?;
            Ok(ErasedContributions {
                cards,
                comments,
                likes,
                votes,
                blobs: blobs.into_iter().filter_map(|(b,)| b.map(BlobId::from_stored)).collect(),
                boards: seqs,
            })
        })
    }
}
