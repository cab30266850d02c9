//! Each board's change log (issue 20): the kind and ids of every change, by sequence number,
//! written in the transaction that advances the sequence (`bump!`), so another node reads
//! exactly what it missed. On PostgreSQL the sequence, the log row and the pruning of the row
//! 1024 changes older are one statement (the card path's round trips stay as they were).

use clearboard_core::platform::ids::{BoardId, CardId, CommentId};
use clearboard_core::platform::ports::{ChangeRow, StoreResult};

use crate::platform::region::SqlRegionStore;

/// How many changes of a board the log keeps (the replay ring's size).
pub(crate) const KEPT: i64 = clearboard_core::boards::realtime::RING as i64;

/// PostgreSQL: advances the sequence, logs the change and prunes, in one statement.
pub(crate) const PG_BUMP: &str = concat!(
    "WITH s AS (UPDATE boards SET seq = seq + 1 WHERE id = $1 RETURNING seq), ",
    "d AS (DELETE FROM board_changes WHERE board_id = $1 AND seq = (SELECT seq FROM s) - 1024) ",
    "INSERT INTO board_changes (board_id, seq, kind, card_id, comment_id) SELECT $1, seq, $2, $3, $4 FROM s RETURNING seq"
);
/// SQLite: the same in three statements (one transaction).
pub(crate) const BUMP: &str = "UPDATE boards SET seq = seq + 1 WHERE id = $1 RETURNING seq";
pub(crate) const LOG: &str = "INSERT INTO board_changes (board_id, seq, kind, card_id, comment_id) VALUES ($1, $2, $3, $4, $5)";
pub(crate) const PRUNE: &str = "DELETE FROM board_changes WHERE board_id = $1 AND seq = $2";

/// Which backend a transaction runs on (the bump's SQL differs).
pub(crate) trait Backend {
    const PG: bool;
}
impl Backend for sqlx::Sqlite {
    const PG: bool = false;
}
impl Backend for sqlx::Postgres {
    const PG: bool = true;
}

/// Whether the transaction `_t` runs on PostgreSQL.
pub(crate) fn is_pg<DB: sqlx::Database + Backend>(_t: &sqlx::Transaction<'_, DB>) -> bool {
    DB::PG
}

/// Advances a board's sequence inside transaction `$t` and logs the change (`$kind`, with the
/// card and comment it touched); evaluates to `Result<i64, sqlx::Error>`. `bump!(t, board)`
/// logs a sequence number that changed nothing anyone sees (`none`).
macro_rules! bump {
    ($t:ident, $board:expr) => {
        bump!($t, $board, "none", None::<&str>, None::<&str>)
    };
    ($t:ident, $board:expr, $kind:expr, $card:expr, $comment:expr) => {{
        use $crate::boards::changes as ch;
        let b: &str = $board;
        let (kind, card, comment): (&str, Option<&str>, Option<&str>) = ($kind, $card, $comment);
        let seq: i64 = if ch::is_pg(&$t) {
            let (seq,): (i64,) = sqlx::query_as(ch::PG_BUMP).bind(b).bind(kind).bind(card).bind(comment).fetch_one(&mut *$t).await?;
            seq
        } else {
            let (seq,): (i64,) = sqlx::query_as(ch::BUMP).bind(b).fetch_one(&mut *$t).await?;
            sqlx::query(ch::LOG).bind(b).bind(seq).bind(kind).bind(card).bind(comment).execute(&mut *$t).await?;
            sqlx::query(ch::PRUNE).bind(b).bind(seq - ch::KEPT).execute(&mut *$t).await?;
            seq
        };
        Ok::<i64, sqlx::Error>(seq)
    }};
}

impl SqlRegionStore {
    /// The logged changes of a board after `after`, oldest first, at most `limit`.
    pub(crate) async fn logged_changes(&self, board: &BoardId, after: i64, limit: i64) -> StoreResult<Vec<ChangeRow>> {
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = conn!(self.db(), c => {
            sqlx::query_as("SELECT seq, kind, card_id, comment_id FROM board_changes WHERE board_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
                .bind(board.as_str()).bind(after).bind(limit).fetch_all(c).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(seq, kind, card, comment)| ChangeRow {
                seq,
                kind,
                card_id: card.map(CardId::from_stored),
                comment_id: comment.map(CommentId::from_stored),
            })
            .collect())
    }
}
