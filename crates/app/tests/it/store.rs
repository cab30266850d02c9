//! The store conformance suite on both backends.

use super::*;
use clearboard_testkit::conformance;

both!(conformance_accounts, |b| async move {
    let app = spawn_app(b).await;
    conformance::accounts(&app.opened).await;
});

both!(conformance_sessions, |b| async move {
    let app = spawn_app(b).await;
    conformance::sessions(&app.opened).await;
});

both!(conformance_keys, |b| async move {
    let app = spawn_app(b).await;
    conformance::keys(&app.opened).await;
});

both!(conformance_directory, |b| async move {
    let app = spawn_app(b).await;
    conformance::directory(&app.opened).await;
});

both!(conformance_audit, |b| async move {
    let app = spawn_app(b).await;
    conformance::audit(&app.opened, app.state.cb.keyring()).await;
});

both!(reopening_runs_no_migration_twice_and_keeps_data, |b| async move {
    let app = spawn_app(b).await;
    let user = app.new_user().await;
    // A second open of the same layout (as a restart or a second node would) finds everything.
    let again = clearboard_app::layout(&app.config)
        .open(std::sync::Arc::new(clearboard_vault::Kek::from_bytes([0; 32]).keyring()), 0)
        .await
        .unwrap();
    let id = clearboard_core::platform::ids::SubjectId::parse(&user.id).unwrap();
    assert!(again.regions[0].store.account(&id).await.unwrap().is_some());
    again.close().await;
});

async fn columns(db: &clearboard_store::Db, table: &str) -> Vec<String> {
    match db {
        clearboard_store::Db::Sqlite(p) => {
            let rows: Vec<(i64, String, String, i64, Option<String>, i64)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("PRAGMA table_info({table})"))).fetch_all(p).await.unwrap();
            rows.into_iter().map(|r| r.1).collect()
        }
        clearboard_store::Db::Postgres(p) => {
            let rows: Vec<(String,)> = sqlx::query_as("SELECT column_name::text FROM information_schema.columns WHERE table_name = $1")
                .bind(table)
                .fetch_all(p)
                .await
                .unwrap();
            rows.into_iter().map(|r| r.0).collect()
        }
    }
}

// C-DATA-9: the storage layer knows every column's category. Every column of the tables that
// hold personal data is either a declared personal field (with its policy category) or listed
// as holding none, and every declared field exists, on both backends.
both!(c_data_9_every_personal_column_has_a_category, |b| async move {
    use clearboard_core::privacy::catalog::{NON_PERSONAL_COLUMNS, STORED_FIELDS};
    let app = spawn_app(b).await;
    let db = app.opened.region_stores[0].1.db();
    let tables: std::collections::BTreeSet<&str> = STORED_FIELDS.iter().map(|f| f.table).collect();
    for table in tables {
        let cols = columns(db, table).await;
        assert!(!cols.is_empty(), "table {table} missing");
        for c in &cols {
            let known = STORED_FIELDS.iter().any(|f| f.table == table && f.column == c)
                || NON_PERSONAL_COLUMNS.iter().any(|(t, col)| *t == table && col == c);
            assert!(known, "{table}.{c} has no category: declare it in core::catalog");
        }
        for f in STORED_FIELDS.iter().filter(|f| f.table == table) {
            assert!(cols.iter().any(|c| c == f.column), "{table}.{} is declared but does not exist", f.column);
        }
    }
});
