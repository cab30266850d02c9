//! Bulk loading and counting at volume, for benchmarks and drills (`bench/`): sealed cards,
//! subjects and keys inserted many rows per statement exactly as the product stores them, row
//! counts, a plaintext control row for residue scans, statistics, and throwaway PostgreSQL
//! databases dropped. Nothing the service itself runs: the product writes through the ports.
//! It never sees plaintext of personal data: cards and keys arrive sealed or wrapped.

use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::error::{StoreError, StoreResult};
use clearboard_core::platform::ids::{BoardId, CardId, SubjectId};

use crate::platform::db::{Backend, Db, err};

/// A text card to insert, its body already sealed with its author's key.
#[derive(Debug, Clone)]
pub struct SeedCard {
    pub id: CardId,
    pub board: BoardId,
    pub author: SubjectId,
    pub body: Vec<u8>,
    pub x: i64,
    pub y: i64,
}

const CARD_COLUMNS: &str = "INSERT INTO cards (id, board_id, author_id, kind, body, blob_id, media_type, x, y, color, category, status, version, created_at, updated_at) ";
const ROWS_PER_TX: usize = 50_000;

/// A table or column name, checked before it is written into a statement.
fn ident(s: &str) -> StoreResult<&str> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(s)
    } else {
        Err(StoreError::Backend("unexpected identifier".into()))
    }
}

/// Inserts published text cards as `BoardStore::insert_card` stores them (default colour, no
/// category, version 1), in transactions of 50,000 rows, advancing each card's board sequence
/// once per card in the same transaction, as the product does.
pub async fn seed_cards(db: &Db, cards: &[SeedCard], now: Millis) -> StoreResult<()> {
    macro_rules! push_card {
        ($b:expr, $c:expr) => {
            $b.push_bind($c.id.as_str())
                .push_bind($c.board.as_str())
                .push_bind($c.author.as_str())
                .push_bind("text")
                .push_bind(&$c.body[..])
                .push_bind(None::<&str>)
                .push_bind(None::<&str>)
                .push_bind($c.x)
                .push_bind($c.y)
                .push_bind("#fff3a3")
                .push_bind(None::<&str>)
                .push_bind("published")
                .push_bind(1i64)
                .push_bind(now)
                .push_bind(now)
        };
    }
    for chunk in cards.chunks(ROWS_PER_TX) {
        let mut per_board: Vec<(&BoardId, i64)> = Vec::new();
        for c in chunk {
            match per_board.iter_mut().find(|(b, _)| *b == &c.board) {
                Some((_, n)) => *n += 1,
                None => per_board.push((&c.board, 1)),
            }
        }
        // 15 columns a row: SQLite takes 32,766 parameters a statement, PostgreSQL 65,535.
        let per_statement = if db.backend() == Backend::Postgres { 2_000 } else { 1_000 };
        tx!(db, t => {
            for rows in chunk.chunks(per_statement) {
                let mut qb = sqlx::QueryBuilder::new(CARD_COLUMNS);
                qb.push_values(rows, |mut b, c| {
                    push_card!(b, c);
                });
                qb.build().execute(&mut *t).await?;
            }
            for (board, n) in &per_board {
                sqlx::query("UPDATE boards SET seq = seq + $1 WHERE id = $2").bind(n).bind(board.as_str()).execute(&mut *t).await?;
            }
            Ok::<_, sqlx::Error>(())
        })?;
    }
    Ok(())
}

/// Inserts subjects of one kind (a region database), 5,000 per statement.
pub async fn seed_subjects(db: &Db, ids: &[SubjectId], kind: &str, now: Millis) -> StoreResult<()> {
    for chunk in ids.chunks(5_000) {
        conn!(db, c => {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO subjects (id, kind, created_at) ");
            qb.push_values(chunk, |mut b, s| {
                b.push_bind(s.as_str()).push_bind(kind).push_bind(now);
            });
            qb.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Inserts first keys (`key_id` 1), already wrapped by the KEK (a key store), 5,000 per
/// statement.
pub async fn seed_keys(db: &Db, keys: &[(SubjectId, Vec<u8>)], now: Millis) -> StoreResult<()> {
    for chunk in keys.chunks(5_000) {
        conn!(db, c => {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO subject_keys (subject_id, key_id, wrapped, created_at) ");
            qb.push_values(chunk, |mut b, (s, w)| {
                b.push_bind(s.as_str()).push_bind(1i64).push_bind(&w[..]).push_bind(now);
            });
            qb.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Row counts of every table of a database, by name.
pub async fn table_counts(db: &Db) -> StoreResult<Vec<(String, i64)>> {
    let names: Vec<(String,)> = match db {
        Db::Sqlite(p, _) => {
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                .fetch_all(p)
                .await
                .map_err(err)?
        }
        Db::Postgres(p) => sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
            .fetch_all(p)
            .await
            .map_err(err)?,
    };
    let mut out = Vec::new();
    for (n,) in names {
        let c = count_rows(db, &n, None).await?;
        out.push((n, c));
    }
    Ok(out)
}

/// How many rows of `table` there are, or, with `(column, value)`, how many have that value.
pub async fn count_rows(db: &Db, table: &str, filter: Option<(&str, &str)>) -> StoreResult<i64> {
    let q = match filter {
        Some((column, _)) => format!("SELECT COUNT(*) FROM \"{}\" WHERE \"{}\" = $1", ident(table)?, ident(column)?),
        None => format!("SELECT COUNT(*) FROM \"{}\"", ident(table)?),
    };
    let value = filter.map(|(_, v)| v.to_string());
    let (n,): (i64,) = conn!(db, c => {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(q.clone()));
        match &value {
            Some(v) => q.bind(v.clone()).fetch_one(c).await,
            None => q.fetch_one(c).await,
        }
    })?;
    Ok(n)
}

/// A plain `DELETE FROM <table> WHERE <column> = $1`, one statement in its own transaction:
/// the baseline an erasure's purge is compared with (`bench/`). Returns the rows deleted.
pub async fn delete_rows(db: &Db, table: &str, column: &str, value: &str) -> StoreResult<u64> {
    let q = format!("DELETE FROM \"{}\" WHERE \"{}\" = $1", ident(table)?, ident(column)?);
    conn!(db, c => {
        sqlx::query(sqlx::AssertSqlSafe(q.clone())).bind(value.to_string()).execute(c).await.map(|r| r.rows_affected())
    })
}

/// Refreshes the planner's statistics after a bulk load.
pub async fn analyze(db: &Db) -> StoreResult<()> {
    conn!(db, c => { sqlx::query("ANALYZE").execute(c).await.map(|_| ()) })
}

/// Writes `text` in clear into a scratch table of its own: the positive control of a residue
/// scan (a scanner that cannot find this cannot vouch for anything it does not find).
pub async fn plant_control(db: &Db, text: &str) -> StoreResult<()> {
    conn!(db, c => { sqlx::query("CREATE TABLE bench_control (t TEXT)").execute(c).await.map(|_| ()) })?;
    conn!(db, c => { sqlx::query("INSERT INTO bench_control (t) VALUES ($1)").bind(text).execute(c).await.map(|_| ()) })
}

/// Drops throwaway PostgreSQL databases (connections to them are ended), through the server
/// `admin_url` names; what cannot be dropped is left.
pub async fn drop_postgres_databases(admin_url: &str, names: &[String]) {
    let Ok(pool) = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(admin_url).await else { return };
    for name in names {
        if crate::platform::db::valid_db_name(name) {
            let ddl = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(ddl)).execute(&pool).await;
        }
    }
    pool.close().await;
}

/// The version string of the PostgreSQL server `url` names, or `None` when it cannot be reached.
pub async fn postgres_version(url: &str) -> Option<String> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await.ok()?;
    let v = sqlx::query_as::<_, (String,)>("SELECT version()").fetch_one(&pool).await.ok().map(|r| r.0);
    pool.close().await;
    v
}
