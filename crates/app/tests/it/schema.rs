//! Acceptance 1 of the policy-frame issue (C-DATA-9): a column added to any table without a
//! classification fails the suite, on both backends. The schema check is a function of the
//! real schema (`clearboard_store::platform::schema`) and the catalogue
//! (`clearboard_core::privacy::catalog`); here a scratch change to each database is made and
//! the check names what it does not know.

use super::*;
use clearboard_core::privacy::catalog;
use clearboard_core::privacy::modules::model::Database;
use clearboard_store::Db;
use clearboard_store::platform::schema;

async fn exec(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(p, _) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

// C-DATA-9
both!(acceptance_1_an_unclassified_column_fails_the_schema_check, |b| async move {
    let app = spawn_app(b).await;
    for (kind, name, db) in schema::databases(&app.opened) {
        let before = schema::columns(db).await.unwrap();
        assert!(catalog::unclassified(kind, &before).is_empty(), "{name} starts classified");
        // A column added to an existing table, and a new table: each column is named.
        let (table, known) = match kind {
            Database::Directory => ("staff", "subject_id"),
            Database::Region => ("cards", "author_id"),
            Database::Keys => ("tombstones", "subject_id"),
        };
        exec(db, &format!("ALTER TABLE {table} ADD COLUMN mood TEXT")).await;
        exec(db, "CREATE TABLE shoe_sizes (subject_id TEXT, size INTEGER)").await;
        let after = schema::columns(db).await.unwrap();
        let mut found = catalog::unclassified(kind, &after);
        found.sort();
        let mut expected = vec![format!("{table}.mood"), "shoe_sizes.size".to_string(), "shoe_sizes.subject_id".to_string()];
        expected.sort();
        assert_eq!(found, expected, "{name}");
        // A declared column that disappears is named too.
        let without: Vec<(String, String)> = before.iter().filter(|(t, c)| !(t == table && c == known)).cloned().collect();
        assert!(catalog::missing(kind, &without).iter().any(|m| m.starts_with(&format!("{table}.{known} "))), "{name}");
    }
});
