//! How boards' rows are read and written: the records `sqlx` reads (and their conversion to
//! core's rows), the column lists, and the SQL fragments several statements share (advancing
//! a board's sequence, purging an organisation's boards). Macros are declared here, before
//! `store` uses them.

use clearboard_core::boards::kinds::{CardKind, CardStatus, OrgRole};
use clearboard_core::platform::ids::{BlobId, BoardId, CardId, CommentId, OrgId, SubjectId};
use clearboard_core::platform::ports::{
    BoardAccessRow, BoardRow, CardRow, CommentRow, InvitationRow, MemberRow, OrgRow, ParticipantRow, StoreError, StoreResult,
};

use crate::platform::region::SqlRegionStore;

#[derive(sqlx::FromRow)]
pub(super) struct OrgRec {
    id: String,
    name: Vec<u8>,
    personal: bool,
    created_at: i64,
}

impl From<OrgRec> for OrgRow {
    fn from(r: OrgRec) -> Self {
        OrgRow { id: OrgId::from_stored(r.id), name: r.name, personal: r.personal, created_at: r.created_at }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct MemberRec {
    org_id: String,
    subject_id: String,
    role: String,
    joined_at: i64,
}

/// A stored value of one of boards' closed sets (kinds, statuses, roles); anything else is a
/// corrupt row (the value itself is not repeated: only where it was).
pub(super) fn typed<T>(parse: fn(&str) -> Option<T>, stored: &str, column: &str) -> Result<T, StoreError> {
    parse(stored).ok_or_else(|| StoreError::Corrupt(format!("unknown value in {column}")))
}

impl TryFrom<MemberRec> for MemberRow {
    type Error = StoreError;
    fn try_from(r: MemberRec) -> Result<Self, StoreError> {
        Ok(MemberRow {
            org_id: OrgId::from_stored(r.org_id),
            subject_id: SubjectId::from_stored(r.subject_id),
            role: typed(OrgRole::parse, &r.role, "memberships.role")?,
            joined_at: r.joined_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct BoardRec {
    id: String,
    org_id: String,
    title: Vec<u8>,
    legend: Vec<u8>,
    created_by: Option<String>,
    created_at: i64,
    updated_at: i64,
    locked: bool,
    controlled: bool,
    anonymous: bool,
    vote_tokens: i64,
    join_code: String,
    seq: i64,
    votes_hidden: bool,
    timer_ends_at: Option<i64>,
    timer_left_ms: Option<i64>,
    timer_pauses: bool,
    zones: Option<Vec<u8>>,
}

impl From<BoardRec> for BoardRow {
    fn from(r: BoardRec) -> Self {
        BoardRow {
            id: BoardId::from_stored(r.id),
            org_id: OrgId::from_stored(r.org_id),
            title: r.title,
            legend: r.legend,
            created_by: r.created_by.map(SubjectId::from_stored),
            created_at: r.created_at,
            updated_at: r.updated_at,
            locked: r.locked,
            controlled: r.controlled,
            anonymous: r.anonymous,
            vote_tokens: r.vote_tokens,
            join_code: r.join_code,
            seq: r.seq,
            votes_hidden: r.votes_hidden,
            timer_ends_at: r.timer_ends_at,
            timer_left_ms: r.timer_left_ms,
            timer_pauses: r.timer_pauses,
            zones: r.zones,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CardRec {
    pub(super) id: String,
    pub(super) board_id: String,
    pub(super) author_id: String,
    pub(super) kind: String,
    pub(super) body: Vec<u8>,
    pub(super) blob_id: Option<String>,
    pub(super) media_type: Option<String>,
    pub(super) x: i64,
    pub(super) y: i64,
    pub(super) color: String,
    pub(super) category: Option<String>,
    pub(super) status: String,
    pub(super) version: i64,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
    pub(super) anonymous: bool,
}

impl TryFrom<CardRec> for CardRow {
    type Error = StoreError;
    fn try_from(r: CardRec) -> Result<Self, StoreError> {
        Ok(CardRow {
            id: CardId::from_stored(r.id),
            board_id: BoardId::from_stored(r.board_id),
            author_id: SubjectId::from_stored(r.author_id),
            kind: typed(CardKind::parse, &r.kind, "cards.kind")?,
            body: r.body,
            blob_id: r.blob_id.map(BlobId::from_stored),
            media_type: r.media_type,
            x: r.x,
            y: r.y,
            color: r.color,
            category: r.category,
            status: typed(CardStatus::parse, &r.status, "cards.status")?,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            anonymous: r.anonymous,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CommentRec {
    id: String,
    card_id: String,
    author_id: String,
    body: Vec<u8>,
    created_at: i64,
    anonymous: bool,
}

impl From<CommentRec> for CommentRow {
    fn from(r: CommentRec) -> Self {
        CommentRow {
            id: CommentId::from_stored(r.id),
            card_id: CardId::from_stored(r.card_id),
            author_id: SubjectId::from_stored(r.author_id),
            body: r.body,
            created_at: r.created_at,
            anonymous: r.anonymous,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ParticipantRec {
    subject_id: String,
    board_id: String,
    pseudonym: Vec<u8>,
    created_at: i64,
    recovery_hash: Option<Vec<u8>>,
    last_session_at: i64,
}

impl From<ParticipantRec> for ParticipantRow {
    fn from(r: ParticipantRec) -> Self {
        ParticipantRow {
            subject_id: SubjectId::from_stored(r.subject_id),
            board_id: BoardId::from_stored(r.board_id),
            pseudonym: r.pseudonym,
            created_at: r.created_at,
            recovery_hash: r.recovery_hash,
            last_session_at: r.last_session_at,
        }
    }
}

macro_rules! board_cols {
    () => {
        "id, org_id, title, legend, created_by, created_at, updated_at, locked, controlled, anonymous, vote_tokens, join_code, seq, votes_hidden, timer_ends_at, timer_left_ms, timer_pauses, zones"
    };
}
macro_rules! participant_cols {
    () => {
        "subject_id, board_id, pseudonym, created_at, recovery_hash, last_session_at"
    };
}
macro_rules! invitation_cols {
    () => {
        "id, org_id, token_hash, role, created_by, created_at, expires_at, revoked_at, email_bidx, accepted_at, accepted_by"
    };
}

#[derive(sqlx::FromRow)]
pub(super) struct InvitationRec {
    id: String,
    org_id: String,
    token_hash: Vec<u8>,
    role: String,
    created_by: Option<String>,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    email_bidx: Option<Vec<u8>>,
    accepted_at: Option<i64>,
    accepted_by: Option<String>,
}

impl TryFrom<InvitationRec> for InvitationRow {
    type Error = StoreError;
    fn try_from(r: InvitationRec) -> Result<Self, StoreError> {
        Ok(InvitationRow {
            id: r.id,
            org_id: OrgId::from_stored(r.org_id),
            token_hash: r.token_hash,
            role: typed(OrgRole::parse, &r.role, "invitations.role")?,
            created_by: r.created_by.map(SubjectId::from_stored),
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
            email_bidx: r.email_bidx,
            accepted_at: r.accepted_at,
            accepted_by: r.accepted_by.map(SubjectId::from_stored),
        })
    }
}

macro_rules! card_cols {
    () => {
        "id, board_id, author_id, kind, body, blob_id, media_type, x, y, color, category, status, version, created_at, updated_at, anonymous"
    };
}

/// Inserts card `$c` (a `&CardRow`) inside transaction `$t`; evaluates to
/// `Result<_, sqlx::Error>`.
macro_rules! insert_card_row {
    ($t:ident, $c:expr) => {{
        let c: &CardRow = $c;
        sqlx::query(concat!(
            "INSERT INTO cards (",
            card_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(c.id.as_str())
        .bind(c.board_id.as_str())
        .bind(c.author_id.as_str())
        .bind(c.kind.as_str())
        .bind(&c.body)
        .bind(c.blob_id.as_ref().map(BlobId::as_str))
        .bind(&c.media_type)
        .bind(c.x)
        .bind(c.y)
        .bind(&c.color)
        .bind(&c.category)
        .bind(c.status.as_str())
        .bind(c.version)
        .bind(c.created_at)
        .bind(c.updated_at)
        .bind(c.anonymous)
        .execute(&mut *$t)
        .await
    }};
}

/// Inserts comment `$m` (a `&CommentRow`) inside transaction `$t`; evaluates to
/// `Result<_, sqlx::Error>`.
macro_rules! insert_comment_row {
    ($t:ident, $m:expr) => {{
        let m: &CommentRow = $m;
        sqlx::query("INSERT INTO comments (id, card_id, author_id, body, created_at, anonymous) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(m.id.as_str())
            .bind(m.card_id.as_str())
            .bind(m.author_id.as_str())
            .bind(&m.body)
            .bind(m.created_at)
            .bind(m.anonymous)
            .execute(&mut *$t)
            .await
    }};
}

/// The votes a subject ($2) has on a board ($1).
pub(super) const VOTES_USED: &str =
    "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM card_votes WHERE board_id = $1 AND subject_id = $2";
/// Deletes every row of the boards of `$org` (cards, reactions, comments, participants);
/// evaluates to `Result<(Vec<String> blobs, Vec<String> participants), sqlx::Error>`.
macro_rules! purge_org_boards {
    ($t:ident, $org:expr) => {{
        let blobs: Vec<(Option<String>,)> =
            sqlx::query_as("SELECT blob_id FROM cards WHERE board_id IN (SELECT id FROM boards WHERE org_id = $1)").bind($org).fetch_all(&mut *$t).await?;
        let parts: Vec<(String,)> =
            sqlx::query_as("SELECT subject_id FROM participants WHERE board_id IN (SELECT id FROM boards WHERE org_id = $1)").bind($org).fetch_all(&mut *$t).await?;
        for sql in [
            "DELETE FROM comments WHERE card_id IN (SELECT c.id FROM cards c JOIN boards b ON b.id = c.board_id WHERE b.org_id = $1)",
            "DELETE FROM card_likes WHERE card_id IN (SELECT c.id FROM cards c JOIN boards b ON b.id = c.board_id WHERE b.org_id = $1)",
            "DELETE FROM card_votes WHERE board_id IN (SELECT id FROM boards WHERE org_id = $1)",
            "DELETE FROM board_changes WHERE board_id IN (SELECT id FROM boards WHERE org_id = $1)",
            "DELETE FROM cards WHERE board_id IN (SELECT id FROM boards WHERE org_id = $1)",
            "DELETE FROM sessions WHERE subject_id IN (SELECT p.subject_id FROM participants p JOIN boards b ON b.id = p.board_id WHERE b.org_id = $1)",
            "DELETE FROM participants WHERE board_id IN (SELECT id FROM boards WHERE org_id = $1)",
            "DELETE FROM boards WHERE org_id = $1",
        ] {
            sqlx::query(sql).bind($org).execute(&mut *$t).await?;
        }
        Ok::<_, sqlx::Error>((blobs.into_iter().filter_map(|(b,)| b).collect::<Vec<_>>(), parts.into_iter().map(|(p,)| p).collect::<Vec<_>>()))
    }};
}

#[derive(sqlx::FromRow)]
struct BoardAccessRec {
    #[sqlx(flatten)]
    board: BoardRec,
    participant_of: Option<String>,
    member_role: Option<String>,
}

impl SqlRegionStore {
    pub(super) fn is_pg(&self) -> bool {
        self.db().backend() == crate::platform::db::Backend::Postgres
    }

    /// The board, the board `subject` participates in and their role in the board's
    /// organisation: one statement instead of three for every request on a board (issue 21).
    pub(super) async fn read_board_access(&self, board: &BoardId, subject: &SubjectId) -> StoreResult<Option<BoardAccessRow>> {
        let r: Option<BoardAccessRec> = conn!(self.db(), c => {
            sqlx::query_as(concat!(
                "SELECT ", board_cols!(),
                ", (SELECT board_id FROM participants WHERE subject_id = $2) AS participant_of",
                ", (SELECT m.role FROM memberships m WHERE m.org_id = boards.org_id AND m.subject_id = $2) AS member_role",
                " FROM boards WHERE id = $1"
            )).bind(board.as_str()).bind(subject.as_str()).fetch_optional(c).await
        })?;
        let Some(r) = r else { return Ok(None) };
        let member_role = r.member_role.as_deref().map(|m| typed(OrgRole::parse, m, "memberships.role")).transpose()?;
        Ok(Some(BoardAccessRow { board: r.board.into(), participant_of: r.participant_of.map(BoardId::from_stored), member_role }))
    }
}
