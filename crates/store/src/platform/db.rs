//! Database handles for both backends, and the macros that run one body on either.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use clearboard_core::platform::ports::{StoreError, held};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// Which engine a handle talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool on either backend. An SQLite pool comes with its database's write gate.
#[derive(Clone)]
pub enum Db {
    Sqlite(SqlitePool, WriteGate),
    Postgres(PgPool),
}

/// One write transaction at a time per SQLite database, waiting in line here (first come,
/// first served, without holding a pooled connection) rather than in SQLite's busy handler,
/// which polls the lock with sleeps of 1, 2, 5, 10… ms while holding a connection of the pool
/// (readers then wait for a connection too). Measured on the GDPR mix (bench/README.md): the
/// server's CPU fell idle while writers slept. The busy timeout stays for other processes.
///
/// The gate measures itself: how long each write transaction waited for its turn and how long
/// it held it (`clearboard_db_write_wait_seconds`, `clearboard_db_write_held_seconds`, by
/// database), so that an operator, and the benchmarks, can see when the single writer is what
/// bounds the service.
#[derive(Clone)]
pub struct WriteGate {
    line: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The database, as the metrics name it (`directory`, `<region>/data`, `<region>/keys`);
    /// shared, so that recording a transaction copies no string.
    name: metrics::SharedString,
}

impl Default for WriteGate {
    fn default() -> Self {
        Self::named("other")
    }
}

/// A write transaction's turn; when dropped, the time it was held is recorded.
pub struct Turn<'a> {
    _held: tokio::sync::MutexGuard<'a, ()>,
    gate: &'a WriteGate,
    since: std::time::Instant,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        metrics::histogram!("clearboard_db_write_held_seconds", "db" => self.gate.name.clone()).record(self.since.elapsed().as_secs_f64());
    }
}

impl WriteGate {
    pub fn named(name: &str) -> Self {
        Self { line: Default::default(), name: std::sync::Arc::<str>::from(name).into() }
    }

    // Durations for metrics only: nothing the product decides depends on them.
    #[allow(clippy::disallowed_methods)]
    pub async fn turn(&self) -> Turn<'_> {
        let asked = std::time::Instant::now();
        let held = self.line.lock().await;
        let since = std::time::Instant::now();
        metrics::histogram!("clearboard_db_write_wait_seconds", "db" => self.name.clone()).record((since - asked).as_secs_f64());
        Turn { _held: held, gate: self, since }
    }
}

impl std::fmt::Debug for Db {
    // Never prints connection strings (they may hold passwords).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Db::Sqlite(_, _) => f.write_str("Db::Sqlite"),
            Db::Postgres(_) => f.write_str("Db::Postgres"),
        }
    }
}

impl Db {
    /// An SQLite pool with a gate of its own (one per database: open each file once).
    pub fn sqlite(pool: SqlitePool) -> Self {
        Db::Sqlite(pool, WriteGate::default())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_, _) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p, _) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Maps a driver error to the port's error; unique violations become `Conflict`, a row gone
/// meanwhile `Gone`.
pub fn err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
        // A row a write reads back (a board's sequence number) was deleted meanwhile.
        sqlx::Error::RowNotFound => StoreError::Gone,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

/// How hard SQLite syncs: `Full` for key stores (a destroyed key must stay destroyed after a
/// power cut), `Normal` with WAL for data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Normal,
    Full,
}

/// Opens (creating if needed) an SQLite database file; `name` is how the metrics name it.
pub async fn open_sqlite(path: &Path, durability: Durability, name: &str) -> Result<Db, StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
    }
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match durability {
            Durability::Normal => SqliteSynchronous::Normal,
            Durability::Full => SqliteSynchronous::Full,
        })
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Deleted content is overwritten, not left on free pages (C-RET-2, R30).
        .pragma("secure_delete", "on");
    let pool = checked_when_idle(SqlitePoolOptions::new())
        .max_connections(4)
        .connect_with(opts)
        .await
        .map_err(|e| StoreError::Unavailable(format!("cannot open the SQLite database {}: {e}", path.display())))?;
    Ok(Db::Sqlite(pool, WriteGate::named(name)))
}

/// Splits a PostgreSQL URL into (before the database name, database name, query).
fn split_pg_url(url: &str) -> Option<(&str, &str, &str)> {
    let scheme_end = url.find("://")? + 3;
    let path_start = scheme_end + url[scheme_end..].find('/')?;
    let rest = &url[path_start + 1..];
    let (name, query) = match rest.find('?') {
        Some(q) => (&rest[..q], &rest[q..]),
        None => (rest, ""),
    };
    Some((&url[..path_start], name, query))
}

/// The URL of database `name` on the same server as `url`.
pub fn pg_url_with_db(url: &str, name: &str) -> Option<String> {
    let (base, _, query) = split_pg_url(url)?;
    Some(format!("{base}/{name}{query}"))
}

/// The database name of a PostgreSQL URL.
pub fn pg_db_name(url: &str) -> Option<String> {
    split_pg_url(url).map(|(_, n, _)| n.to_string()).filter(|n| !n.is_empty())
}

/// A database name is used in DDL, so only plain identifiers are accepted.
pub fn valid_db_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// A pooled connection idle for this long is pinged before it is handed out.
const IDLE_PING: Duration = Duration::from_secs(30);

/// Pools hand out a connection without a round trip to test it (sqlx pings every one by
/// default: a query's latency twice over), except one that sat idle long enough for a server
/// or a firewall to have dropped it (issue 21).
fn checked_when_idle<DB: sqlx::Database>(o: sqlx::pool::PoolOptions<DB>) -> sqlx::pool::PoolOptions<DB> {
    o.test_before_acquire(false).before_acquire(|conn, meta| {
        Box::pin(async move {
            if meta.idle_for >= IDLE_PING {
                sqlx::Connection::ping(conn).await?;
            }
            Ok(true)
        })
    })
}

/// Opens a PostgreSQL database, creating it first if it does not exist.
pub async fn open_postgres(url: &str, max_connections: u32) -> Result<Db, StoreError> {
    let name = pg_db_name(url).ok_or_else(|| StoreError::Unavailable("the PostgreSQL URL names no database".into()))?;
    if !valid_db_name(&name) {
        return Err(StoreError::Unavailable("PostgreSQL database names must be letters, digits and underscores".into()));
    }
    let opts = PgConnectOptions::from_str(url).map_err(|_| StoreError::Unavailable("the PostgreSQL URL is invalid".into()))?;
    let pool_opts = || checked_when_idle(PgPoolOptions::new()).max_connections(max_connections).acquire_timeout(Duration::from_secs(10));
    match pool_opts().connect_with(opts.clone()).await {
        Ok(pool) => Ok(Db::Postgres(pool)),
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("3D000") => {
            create_pg_database(url, &name).await?;
            let pool =
                pool_opts().connect_with(opts).await.map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
            Ok(Db::Postgres(pool))
        }
        Err(e) => Err(StoreError::Unavailable(format!("cannot connect to PostgreSQL: {e}"))),
    }
}

async fn create_pg_database(url: &str, name: &str) -> Result<(), StoreError> {
    let admin_url = pg_url_with_db(url, "postgres").ok_or_else(|| StoreError::Unavailable("the PostgreSQL URL is invalid".into()))?;
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url)
        .await
        .map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL to create a database: {e}")))?;
    let ddl = format!("CREATE DATABASE \"{name}\"");
    let res = sqlx::raw_sql(sqlx::AssertSqlSafe(ddl)).execute(&admin).await;
    admin.close().await;
    match res {
        Ok(_) => Ok(()),
        // Another node created it first.
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("42P04") => Ok(()),
        Err(e) => Err(StoreError::Unavailable(format!("cannot create PostgreSQL database: {e}"))),
    }
}

/// Runs `$body` inside a write transaction on either backend (SQLite: `BEGIN IMMEDIATE`, so
/// writers queue instead of failing). The body evaluates to `Result<T, sqlx::Error>`; the
/// transaction commits only if it is `Ok`. Evaluates to `Result<T, StoreError>`.
macro_rules! tx {
    ($db:expr, $tx:ident => $body:block) => {{
        async {
            match $db {
                $crate::platform::db::Db::Sqlite(pool, gate) => {
                    let _turn = gate.turn().await;
                    #[allow(unused_mut)]
                    let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err($crate::platform::db::err)?;
                    let out: Result<_, sqlx::Error> = async { $body }.await;
                    let v = out.map_err($crate::platform::db::err)?;
                    $tx.commit().await.map_err($crate::platform::db::err)?;
                    Ok::<_, clearboard_core::platform::ports::StoreError>(v)
                }
                $crate::platform::db::Db::Postgres(pool) => {
                    #[allow(unused_mut)]
                    let mut $tx = pool.begin().await.map_err($crate::platform::db::err)?;
                    let out: Result<_, sqlx::Error> = async { $body }.await;
                    let v = out.map_err($crate::platform::db::err)?;
                    $tx.commit().await.map_err($crate::platform::db::err)?;
                    Ok::<_, clearboard_core::platform::ports::StoreError>(v)
                }
            }
        }
        .await
    }};
}

/// The key a database's connections are kept under inside `ports::held::one_connection`: its
/// pool's (its connect options are one allocation per pool, never replaced).
fn held_key<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> usize {
    std::sync::Arc::as_ptr(&pool.connect_options()).cast::<()>() as usize
}

/// A connection for one read: the one the running work keeps for this database
/// (`ports::held`), or one from the pool; with the key to keep it under afterwards.
pub async fn reader<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Result<(PoolConnection<DB>, Option<usize>), sqlx::Error> {
    if !held::in_scope() {
        return Ok((pool.acquire().await?, None));
    }
    let key = held_key(pool);
    if let Some(kept) = held::take(key)
        && let Ok(conn) = kept.downcast::<PoolConnection<DB>>()
    {
        return Ok((*conn, Some(key)));
    }
    Ok((pool.acquire().await?, Some(key)))
}

/// After a read: the connection is kept for the running work's next read of the same database,
/// or goes back to its pool.
pub fn read_done<DB: sqlx::Database>(conn: PoolConnection<DB>, key: Option<usize>) {
    if let Some(key) = key {
        drop(held::keep(key, Box::new(conn)));
    }
}

/// One arm of `conn!`: `$body` run on a reader of `$pool`, which is kept or given back after.
macro_rules! read_on {
    ($pool:ident, $c:ident => $body:block) => {
        async {
            let (mut held, key) = $crate::platform::db::reader($pool).await?;
            let out = {
                let $c = &mut *held;
                async { $body }.await
            };
            $crate::platform::db::read_done(held, key);
            out
        }
        .await
    };
}

/// Runs `$body` with `$c` bound to a connection of either backend (`&mut` its connection type),
/// taken from the pool or, inside `ports::held::one_connection`, the one the work keeps for this
/// database. The body evaluates to `Result<T, sqlx::Error>`; the macro evaluates to
/// `Result<T, StoreError>`. A body that runs several statements reborrows (`&mut *c`).
macro_rules! conn {
    ($db:expr, $c:ident => $body:block) => {{
        async {
            let out: Result<_, sqlx::Error> = match $db {
                $crate::platform::db::Db::Sqlite(pool, _) => read_on!(pool, $c => $body),
                $crate::platform::db::Db::Postgres(pool) => read_on!(pool, $c => $body),
            };
            out.map_err($crate::platform::db::err)
        }
        .await
    }};
}

/// Physical clean-up after deletions of personal data: on SQLite (where `secure_delete=ON`
/// already zeroes deleted cells) the WAL still holds old pages until a checkpoint and free
/// pages may hold fragments, so: checkpoint, VACUUM (rewrites the file without free pages),
/// checkpoint again with truncation. On PostgreSQL: VACUUM, then CHECKPOINT where the role
/// may. Returns what was done, for receipts.
pub async fn compact(db: &Db, what: &str) -> Result<Vec<String>, clearboard_core::platform::ports::StoreError> {
    let mut done = Vec::new();
    match db {
        Db::Sqlite(pool, gate) => {
            // VACUUM writes the whole file: it waits its turn like any write transaction.
            let _turn = gate.turn().await;
            let mut c = pool.acquire().await.map_err(err)?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *c).await.map_err(err)?;
            let (free,): (i64,) = sqlx::query_as("PRAGMA freelist_count").fetch_one(&mut *c).await.map_err(err)?;
            sqlx::query("VACUUM").execute(&mut *c).await.map_err(err)?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *c).await.map_err(err)?;
            done.push(format!("{what} (SQLite): WAL checkpointed and truncated; VACUUM rewrote the file ({free} free pages before)"));
        }
        Db::Postgres(pool) => {
            // VACUUM cannot run inside a transaction: the pool runs it on its own.
            sqlx::query("VACUUM").execute(pool).await.map_err(err)?;
            done.push(format!("{what} (PostgreSQL): VACUUM reclaimed the deleted rows"));
            match sqlx::query("CHECKPOINT").execute(pool).await {
                Ok(_) => done.push(format!("{what} (PostgreSQL): CHECKPOINT")),
                Err(_) => {
                    done.push(format!("{what} (PostgreSQL): CHECKPOINT not permitted for this role; the WAL recycles on its own schedule"))
                }
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_urls_are_rewritten_per_database() {
        let u = "postgres://postgres@127.0.0.1:5432/clearboard?sslmode=disable";
        assert_eq!(pg_db_name(u).as_deref(), Some("clearboard"));
        assert_eq!(pg_url_with_db(u, "clearboard_eu").as_deref(), Some("postgres://postgres@127.0.0.1:5432/clearboard_eu?sslmode=disable"));
        assert_eq!(pg_db_name("postgres://h/"), None);
        assert!(valid_db_name("cb_eu_keys"));
        assert!(!valid_db_name("x\"; DROP"));
        assert!(!valid_db_name("1abc"));
    }

    // Writers wait their turn at the gate: many at once on one file all commit, none times
    // out in SQLite's busy handler, and each transaction sees the one before it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_sqlite_writers_take_turns_and_all_commit() {
        let dir = std::env::temp_dir().join(format!("cb-gate-{}", std::process::id()));
        let db = open_sqlite(&dir.join("gate.db"), Durability::Normal, "test").await.unwrap();
        sqlx::query("CREATE TABLE n (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)").execute(&sqlite_pool(&db)).await.unwrap();
        let writers: Vec<_> = (0..64)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    tx!(&db, t => {
                        let (last,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(v), 0) FROM n").fetch_one(&mut *t).await?;
                        tokio::task::yield_now().await;
                        sqlx::query("INSERT INTO n (k, v) VALUES ($1, $2)").bind(i).bind(last + 1).execute(&mut *t).await?;
                        Ok(())
                    })
                })
            })
            .collect();
        for w in writers {
            w.await.unwrap().unwrap();
        }
        let (count, max): (i64, i64) = sqlx::query_as("SELECT COUNT(*), MAX(v) FROM n").fetch_one(&sqlite_pool(&db)).await.unwrap();
        assert_eq!((count, max), (64, 64), "each transaction saw the one before it");
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Reads inside `held::one_connection` run on one connection per database: a temporary
    /// table (each connection has its own) made by one read is there for the next ones; a read
    /// while another is running takes a connection of its own.
    async fn reads_keep_one_connection(db: &Db) {
        let make = || async { conn!(db, c => { sqlx::query("CREATE TEMP TABLE mine (k INTEGER)").execute(c).await.map(drop) }) };
        let count = || async { conn!(db, c => { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mine").fetch_one(c).await }) };
        held::one_connection(async {
            make().await.unwrap();
            for _ in 0..20 {
                assert_eq!(count().await.unwrap(), 0, "{db:?}: the next read runs on the connection kept");
            }
            // The first read holds its connection across a yield, so that the second runs
            // meanwhile.
            let slow = async {
                conn!(db, c => {
                    let n = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mine").fetch_one(&mut *c).await;
                    tokio::task::yield_now().await;
                    n
                })
            };
            let (first, second) = tokio::join!(slow, count());
            assert!(first.is_ok(), "{db:?}: the read that took the connection kept has the table");
            assert!(second.is_err(), "{db:?}: a read at the same time takes another, without it");
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_keep_one_connection_per_database_inside_the_scope() {
        let dir = std::env::temp_dir().join(format!("cb-held-{}", std::process::id()));
        let db = open_sqlite(&dir.join("held.db"), Durability::Normal, "test").await.unwrap();
        reads_keep_one_connection(&db).await;
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        // PostgreSQL, as every storage test: required, unless CLEARBOARD_TEST_SKIP names it
        // (never with CI=true).
        let server = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("cbt_{}_held", std::process::id());
        let admin = PgPoolOptions::new().max_connections(1).connect(&server).await;
        let skip = std::env::var("CLEARBOARD_TEST_SKIP").is_ok_and(|s| s.contains("postgres"));
        let admin = match admin {
            Ok(a) => a,
            Err(e) if skip && std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!("SKIPPED (postgres): the PostgreSQL half: {e}; CLEARBOARD_TEST_SKIP names `postgres`");
                return;
            }
            Err(e) => panic!("PostgreSQL is not reachable at TEST_POSTGRES_URL ({e}): start it, or set CLEARBOARD_TEST_SKIP=postgres"),
        };
        let db = open_postgres(&pg_url_with_db(&server, &name).unwrap(), 4).await.unwrap();
        reads_keep_one_connection(&db).await;
        db.close().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&admin).await.unwrap();
    }

    fn sqlite_pool(db: &Db) -> SqlitePool {
        match db {
            Db::Sqlite(p, _) => p.clone(),
            Db::Postgres(_) => unreachable!(),
        }
    }
}
