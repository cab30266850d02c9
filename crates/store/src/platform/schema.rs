//! The real schema of every database, read from the engine itself (C-DATA-9): SQLite's
//! `sqlite_master` and `pragma_table_info`, PostgreSQL's `information_schema.columns`. The
//! schema test compares it with the catalogue (`clearboard_core::privacy::catalog`), so a
//! column no module classifies fails the suite on both backends.

use clearboard_core::platform::ports::StoreError;
use clearboard_core::privacy::modules::model::Database;

use crate::platform::db::{Db, err};
use crate::platform::layout::Opened;

const SQLITE_COLUMNS: &str = "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid";
const POSTGRES_COLUMNS: &str = "SELECT table_name::text, column_name::text FROM information_schema.columns \
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position";

/// Every (table, column) of one database.
pub async fn columns(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    match db {
        Db::Sqlite(p, _) => sqlx::query_as(SQLITE_COLUMNS).fetch_all(p).await.map_err(err),
        Db::Postgres(p) => sqlx::query_as(POSTGRES_COLUMNS).fetch_all(p).await.map_err(err),
    }
}

/// Every database of a deployment, with its kind and a name for messages (`directory`,
/// `eu`, `eu keys`).
pub fn databases(opened: &Opened) -> Vec<(Database, String, &Db)> {
    let mut out = vec![(Database::Directory, "directory".to_string(), opened.directory.db())];
    for (id, data, keys) in &opened.region_stores {
        out.push((Database::Region, id.to_string(), data.db()));
        out.push((Database::Keys, format!("{id} keys"), keys.db()));
    }
    out
}
