//! Throwaway PostgreSQL databases for tests: a prefix per test app
//! (`cbt_<pid>_<random>`), every database with that prefix dropped afterwards; databases left
//! by test processes that died are dropped on the next run. Whether the PostgreSQL half of a
//! test runs follows the test kit's one rule for missing dependencies (`crate::deps`): an
//! unreachable server FAILS the test with how to install and start it, unless
//! `CLEARBOARD_TEST_SKIP` names `postgres`, and then the skip is printed and summarised.

use std::time::Duration;

use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions};

/// The server used by tests.
pub fn server_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The URL of database `name` on the test server.
pub fn url_for(name: &str) -> String {
    clearboard_store::platform::db::pg_url_with_db(&server_url(), name).expect("TEST_POSTGRES_URL must name a database")
}

async fn admin() -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().max_connections(2).acquire_timeout(Duration::from_secs(5)).connect(&server_url()).await
}

/// Whether PostgreSQL answers at `TEST_POSTGRES_URL` (asked once per process). When it does
/// not, the rule of [`crate::deps`]: this fails with how to install or start it, unless
/// `CLEARBOARD_TEST_SKIP` names `postgres` (never with `CI=true`); then `false`.
pub async fn available() -> bool {
    static ONCE: tokio::sync::OnceCell<Result<(), String>> = tokio::sync::OnceCell::const_new();
    let reached = ONCE
        .get_or_init(|| async {
            match admin().await {
                Ok(pool) => {
                    drop_orphans(&pool).await;
                    pool.close().await;
                    Ok(())
                }
                // The driver's words only: they name the host, never the password.
                Err(e) => Err(format!("PostgreSQL is not reachable at TEST_POSTGRES_URL ({e})")),
            }
        })
        .await;
    match reached {
        Ok(()) => true,
        Err(why) => {
            crate::deps::may_skip("postgres", why, INSTALL);
            false
        }
    }
}

/// How to get the test server.
const INSTALL: &str = "install and start it (Debian: apt-get install postgresql && pg_ctlcluster <version> main start; trust \
                       authentication for 127.0.0.1 in pg_hba.conf), or point TEST_POSTGRES_URL at a server where the user may \
                       create databases";

/// For a test's PostgreSQL half (`test` names it): whether it runs. When PostgreSQL is
/// missing and skipped knowingly, the skip of `test` is recorded (one line now, one in the
/// summary at exit); when it is missing and not skipped, this fails ([`available`]).
pub async fn require(test: &str) -> bool {
    if available().await {
        return true;
    }
    crate::deps::skip("postgres", "PostgreSQL is not reachable at TEST_POSTGRES_URL", test);
    false
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

async fn drop_orphans(pool: &PgPool) {
    let Ok(rows) = sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE 'cbt\\_%'").fetch_all(pool).await else {
        return;
    };
    // At once, so that the drops share their checkpoints (the pool has two connections).
    let drops = rows.iter().map(|r| r.get::<String, _>(0)).filter_map(|name| {
        let pid = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        pid.is_some_and(|p| p != std::process::id() && !pid_alive(p)).then_some(drop_database(pool, name))
    });
    futures_util::future::join_all(drops).await;
}

/// Drops database `name`, closing whatever is still connected to it (failures ignored: a
/// leftover is dropped by the next run).
async fn drop_database(pool: &PgPool, name: String) {
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(pool).await;
}

/// A new unique database-name prefix.
pub fn new_prefix() -> String {
    let r = clearboard_vault::random::bytes::<5>().map(hex::encode).unwrap_or_default();
    format!("cbt_{}_{r}", std::process::id())
}

/// Runs `work` on a runtime of its own, on another thread, and waits for it (from `Drop`,
/// where the test's runtime cannot be blocked on), after closing `pools`: the connections the
/// test opened to what `work` drops.
fn blocking<F, Fut>(pools: Vec<clearboard_store::Db>, work: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let handle = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        rt.block_on(async move {
            for db in pools {
                let _ = tokio::time::timeout(Duration::from_secs(2), db.close()).await;
            }
            work().await;
        });
    });
    let _ = handle.join();
}

/// Closes `pools` (blocking; used from `Drop`), then hands `prefix` to the process's dropper,
/// which drops every database whose name starts with it, off the test's path. Each `DROP
/// DATABASE` waits for an immediate checkpoint of the whole cluster (seconds to tens of
/// seconds on a busy server: waiting for it made half the suite's time); the dropper issues
/// every pending drop at once, so that concurrent drops share their checkpoints. What is still
/// queued when the process exits is dropped by the next run ([`drop_orphans`]: its pid is
/// gone). The domain harness uses schemas instead ([`shared_database`]).
pub fn drop_prefix_blocking(prefix: String, pools: Vec<clearboard_store::Db>) {
    blocking(pools, || async {});
    let _ = dropper().send(prefix);
}

/// The dropper's queue, started on first use: a thread with a runtime of its own.
fn dropper() -> &'static tokio::sync::mpsc::UnboundedSender<String> {
    static TX: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<String>> = std::sync::OnceLock::new();
    TX.get_or_init(|| {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let spawned = std::thread::Builder::new().name("pg-dropper".into()).spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                let opts = PgPoolOptions::new().max_connections(4).acquire_timeout(Duration::from_secs(30));
                let Ok(pool) = opts.connect(&server_url()).await else { return };
                while let Some(first) = rx.recv().await {
                    let mut prefixes = vec![first];
                    while let Ok(p) = rx.try_recv() {
                        prefixes.push(p);
                    }
                    let mut names = Vec::new();
                    for prefix in prefixes {
                        let like = format!("{}%", prefix.replace('_', "\\_"));
                        if let Ok(rows) =
                            sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE $1").bind(like).fetch_all(&pool).await
                        {
                            names.extend(rows.iter().map(|r| r.get::<String, _>(0)));
                        }
                    }
                    futures_util::future::join_all(names.into_iter().map(|name| drop_database(&pool, name))).await;
                }
            });
        });
        if let Err(e) = spawned {
            eprintln!("the PostgreSQL dropper thread did not start ({e}): this run's databases are dropped by the next");
        }
        tx
    })
}

/// The database of this test process that domain harnesses share (`cbt_<pid>_domain`), each
/// in schemas of its own: creating and dropping schemas is cheap, databases are not. Created
/// on first use; dropped with the process's other leftovers by the next run.
pub async fn shared_database() -> String {
    let name = format!("cbt_{}_domain", std::process::id());
    let pool = admin().await.expect("PostgreSQL admin connection");
    let exists: Option<(i32,)> =
        sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1").bind(&name).fetch_optional(&pool).await.expect("list databases");
    if exists.is_none() {
        match sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&pool).await {
            Ok(_) => {}
            // Another test of this process created it meanwhile.
            Err(sqlx::Error::Database(d)) if matches!(d.code().as_deref(), Some("42P04" | "23505")) => {}
            Err(e) => panic!("cannot create the test database {name}: {e}"),
        }
    }
    pool.close().await;
    name
}

/// The URL of schema `schema` of database `db` (its `search_path`).
pub fn schema_url(db: &str, schema: &str) -> String {
    let url = url_for(db);
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options[search_path]={schema}")
}

/// Creates the schemas `names` in database `db`.
pub async fn create_schemas(db: &str, names: &[String]) {
    let pool = PgPoolOptions::new().max_connections(1).connect(&url_for(db)).await.expect("connect to the test database");
    for n in names {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{n}\""))).execute(&pool).await.expect("create a schema");
    }
    pool.close().await;
}

/// Closes `pools`, then drops the schemas `names` of database `db` with everything in them
/// (blocking; used from `Drop`).
pub fn drop_schemas_blocking(db: String, names: Vec<String>, pools: Vec<clearboard_store::Db>) {
    blocking(pools, move || async move {
        let Ok(pool) = PgPoolOptions::new().max_connections(1).connect(&url_for(&db)).await else { return };
        for n in names {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{n}\" CASCADE"))).execute(&pool).await;
        }
        pool.close().await;
    });
}

/// The files on disk that hold a database (its folder under `base/`), and the WAL folder,
/// after a checkpoint. Needs a superuser connection, as the default test URL has.
pub async fn database_files(name: &str) -> Vec<std::path::PathBuf> {
    let pool = admin().await.expect("PostgreSQL admin connection");
    sqlx::query("CHECKPOINT").execute(&pool).await.expect("CHECKPOINT (superuser needed)");
    let dir: String = sqlx::query("SHOW data_directory").fetch_one(&pool).await.expect("data_directory").get(0);
    let oid: sqlx::postgres::types::Oid =
        sqlx::query("SELECT oid FROM pg_database WHERE datname = $1").bind(name).fetch_one(&pool).await.expect("database oid").get(0);
    pool.close().await;
    let root = std::path::PathBuf::from(dir);
    vec![root.join("base").join(oid.0.to_string()), root.join("pg_wal")]
}

/// The files of every database a test app or harness made with `prefix` (the directory and
/// each region's data and keys) and the cluster's WAL, after a checkpoint.
pub async fn files_of_prefix(prefix: &str) -> Vec<std::path::PathBuf> {
    let mut paths = Vec::new();
    for suffix in ["", "_eu", "_eu_keys", "_us", "_us_keys"] {
        for p in database_files(&format!("{prefix}{suffix}")).await {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    paths
}
