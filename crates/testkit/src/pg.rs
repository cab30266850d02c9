//! Throwaway PostgreSQL databases for tests: a prefix per test app
//! (`cbt_<pid>_<random>`), every database with that prefix dropped afterwards; databases left
//! by test processes that died are dropped on the next run.

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

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Whether the PostgreSQL half of the tests runs. With `CI=true` an unreachable server fails.
pub async fn available() -> bool {
    static ONCE: tokio::sync::OnceCell<bool> = tokio::sync::OnceCell::const_new();
    *ONCE
        .get_or_init(|| async {
            match admin().await {
                Ok(pool) => {
                    drop_orphans(&pool).await;
                    pool.close().await;
                    true
                }
                Err(e) => {
                    if ci() {
                        panic!("CI=true but PostgreSQL is not reachable at TEST_POSTGRES_URL: {e}");
                    }
                    eprintln!("PostgreSQL not reachable ({e}); skipping the PostgreSQL half of the tests");
                    false
                }
            }
        })
        .await
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

async fn drop_orphans(pool: &PgPool) {
    let Ok(rows) = sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE 'cbt\\_%'").fetch_all(pool).await else {
        return;
    };
    for r in rows {
        let name: String = r.get(0);
        let pid = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| p != std::process::id() && !pid_alive(p)) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(pool).await;
        }
    }
}

/// A new unique database-name prefix.
pub fn new_prefix() -> String {
    let r = clearboard_vault::random::bytes::<5>().map(hex::encode).unwrap_or_default();
    format!("cbt_{}_{r}", std::process::id())
}

/// Drops every database whose name starts with `prefix` (blocking; used from `Drop`).
pub fn drop_prefix_blocking(prefix: String) {
    let handle = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        rt.block_on(async move {
            let Ok(pool) = admin().await else { return };
            let like = format!("{}%", prefix.replace('_', "\\_"));
            if let Ok(rows) = sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE $1").bind(like).fetch_all(&pool).await {
                for r in rows {
                    let name: String = r.get(0);
                    let _ =
                        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&pool).await;
                }
            }
            pool.close().await;
        });
    });
    let _ = handle.join();
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
