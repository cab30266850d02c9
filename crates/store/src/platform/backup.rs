//! The storage half of backups and restores (C-RET-2): consistent snapshots of a database and
//! putting one back. SQLite: `VACUUM INTO` a compact copy (one consistent read, no free
//! pages). PostgreSQL: every table as binary `COPY` data in one REPEATABLE READ snapshot, and a
//! restore that replaces every table in one transaction (referenced tables first). Key stores
//! are never passed here. The archive format, the manifest and blob files are the app's
//! (`clearboard_app::backup`); this file holds the SQL and nothing else.

use std::path::Path;

use clearboard_core::platform::error::{StoreError, StoreResult};
use futures_util::StreamExt;

use crate::platform::db::{Db, err};

fn backend(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{what}: {e}"))
}

/// A table name as PostgreSQL reports it, checked before it is written into a statement.
fn safe_ident(t: &str) -> StoreResult<&str> {
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(t)
    } else {
        Err(StoreError::Corrupt("unexpected table name".into()))
    }
}

/// Writes a consistent, compact copy of a SQLite database to `out` (replaced if present).
pub async fn snapshot_sqlite(db: &Db, out: &Path) -> StoreResult<()> {
    let Db::Sqlite(pool, _) = db else { return Err(StoreError::Backend("not a SQLite database".into())) };
    let _ = std::fs::remove_file(out);
    let path = out.to_str().ok_or_else(|| StoreError::Backend("the backup path is not UTF-8".into()))?.replace('\'', "''");
    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{path}'"))).execute(pool).await.map_err(|e| backend("VACUUM INTO failed", e))?;
    Ok(())
}

async fn pg_tables(c: &mut sqlx::PgConnection) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
            .fetch_all(&mut *c)
            .await
            .map_err(err)?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}

/// Every table of a PostgreSQL database, in one REPEATABLE READ snapshot, as binary COPY data.
pub async fn copy_out_postgres(db: &Db) -> StoreResult<Vec<(String, Vec<u8>)>> {
    let Db::Postgres(pool) = db else { return Err(StoreError::Backend("not a PostgreSQL database".into())) };
    let mut tx = pool.begin().await.map_err(err)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await.map_err(err)?;
    let tables = pg_tables(&mut tx).await?;
    let mut out = Vec::new();
    for t in tables {
        let t = safe_ident(&t)?.to_string();
        let mut data = Vec::new();
        {
            let mut s = (*tx).copy_out_raw(&format!("COPY \"{t}\" TO STDOUT (FORMAT binary)")).await.map_err(err)?;
            while let Some(chunk) = s.next().await {
                data.extend_from_slice(&chunk.map_err(err)?);
            }
        }
        out.push((t, data));
    }
    tx.commit().await.map_err(err)?;
    Ok(out)
}

/// Replaces every table of a PostgreSQL database with the COPY data `data_of` gives for it
/// (a table it has no data for is left empty), in one transaction. The audit table refuses
/// deletion by trigger; a restore is the one operation that replaces it wholesale (with the
/// backup's own chain), so user triggers are off for this transaction only (ALTER TABLE is
/// transactional in PostgreSQL). Identity columns continue after the restored values.
pub async fn copy_in_postgres<E: std::fmt::Display>(
    db: &Db,
    mut data_of: impl FnMut(&str) -> Result<Option<Vec<u8>>, E>,
) -> StoreResult<()> {
    let Db::Postgres(pool) = db else { return Err(StoreError::Backend("not a PostgreSQL database".into())) };
    let mut tx = pool.begin().await.map_err(err)?;
    let tables = pg_tables(&mut tx).await?;
    let order = fk_order(&mut tx, &tables).await?;
    let list = order.iter().map(|t| format!("\"{}\"", safe_ident(t).unwrap_or("x"))).collect::<Vec<_>>().join(", ");
    for t in &order {
        let q = format!("ALTER TABLE \"{}\" DISABLE TRIGGER USER", safe_ident(t)?);
        sqlx::query(sqlx::AssertSqlSafe(q)).execute(&mut *tx).await.map_err(err)?;
    }
    if !list.is_empty() {
        sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {list}"))).execute(&mut *tx).await.map_err(err)?;
    }
    for t in &order {
        let Some(data) = data_of(t).map_err(|e| backend("the backup could not be read", e))? else { continue };
        let mut c = (*tx).copy_in_raw(&format!("COPY \"{}\" FROM STDIN (FORMAT binary)", safe_ident(t)?)).await.map_err(err)?;
        c.send(data).await.map_err(err)?;
        c.finish().await.map_err(err)?;
    }
    for t in &order {
        let q = format!("ALTER TABLE \"{}\" ENABLE TRIGGER USER", safe_ident(t)?);
        sqlx::query(sqlx::AssertSqlSafe(q)).execute(&mut *tx).await.map_err(err)?;
    }
    let ids: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(err)?;
    for (t, c) in ids {
        let (t, c) = (safe_ident(&t)?.to_string(), safe_ident(&c)?.to_string());
        let q =
            format!("SELECT setval(pg_get_serial_sequence('\"{t}\"', '{c}'), COALESCE((SELECT MAX(\"{c}\") FROM \"{t}\"), 0) + 1, false)");
        sqlx::query(sqlx::AssertSqlSafe(q)).execute(&mut *tx).await.map_err(err)?;
    }
    tx.commit().await.map_err(err)
}

/// Tables ordered so that referenced tables come before those that reference them.
async fn fk_order(c: &mut sqlx::PgConnection, tables: &[String]) -> StoreResult<Vec<String>> {
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT cl.relname::text, rf.relname::text FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_class rf ON rf.oid = co.confrelid \
         JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE co.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *c)
    .await
    .map_err(err)?;
    let mut done: Vec<String> = Vec::new();
    let mut left: Vec<String> = tables.to_vec();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            let ready = edges.iter().filter(|(from, to)| from == t && to != t).all(|(_, to)| done.contains(to) || !tables.contains(to));
            if ready {
                done.push(t.clone());
            }
            !ready
        });
        if left.len() == before {
            done.append(&mut left); // a cycle: keep the rest in name order
        }
    }
    Ok(done)
}

/// On PostgreSQL, the cluster's files of the database `url` names and of its siblings
/// (`name_*`), and the WAL, when the server runs on this machine and its files are readable
/// (for `forensics scan`). A `CHECKPOINT` first, so recent writes are in the files. Empty when
/// the server cannot be reached or its files are elsewhere.
pub async fn postgres_cluster_files(url: &str) -> Vec<std::path::PathBuf> {
    let Ok(pool) = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await else { return Vec::new() };
    let _ = sqlx::query("CHECKPOINT").execute(&pool).await;
    let dir: Option<(String,)> = sqlx::query_as("SHOW data_directory").fetch_optional(&pool).await.ok().flatten();
    let name: Option<(String,)> = sqlx::query_as("SELECT current_database()::text").fetch_optional(&pool).await.ok().flatten();
    let (Some((dir,)), Some((name,))) = (dir, name) else { return Vec::new() };
    let oids: Vec<(i64,)> = sqlx::query_as("SELECT oid::bigint FROM pg_database WHERE datname = $1 OR datname LIKE $2")
        .bind(&name)
        .bind(format!("{name}\\_%"))
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
    pool.close().await;
    let root = std::path::PathBuf::from(dir);
    let mut out: Vec<std::path::PathBuf> = oids.into_iter().map(|(o,)| root.join("base").join(o.to_string())).collect();
    out.push(root.join("pg_wal"));
    out.into_iter().filter(|p| std::fs::read_dir(p).is_ok()).collect()
}
