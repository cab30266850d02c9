//! Schema migrations, one folder per backend and per database kind, embedded in the binary.
//! Applied migrations are checksummed: an edited migration refuses to start rather than drift.
//! On PostgreSQL an advisory lock serialises nodes that start together.

use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ports::StoreError;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::platform::db::{Backend, Db};

/// The three kinds of database a deployment has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Directory,
    Region,
    Keys,
}

impl Schema {
    pub fn folder(self) -> &'static str {
        match self {
            Schema::Directory => "directory",
            Schema::Region => "region",
            Schema::Keys => "keys",
        }
    }
}

/// One migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// `mig!(backend, schema, version, file, name)` embeds one migration file.
macro_rules! mig {
    ($backend:literal, $schema:literal, $version:literal, $file:literal, $name:literal) => {
        Migration { version: $version, name: $name, sql: include_str!(concat!("../../migrations/", $backend, "/", $schema, "/", $file)) }
    };
}

const SQLITE_DIRECTORY: &[Migration] = &[
    mig!("sqlite", "directory", 1, "0001_init.sql", "init"),
    mig!("sqlite", "directory", 2, "0002_policy_versions.sql", "policy_versions"),
    mig!("sqlite", "directory", 3, "0003_boards.sql", "boards"),
    mig!("sqlite", "directory", 20, "0020_staff_roles.sql", "staff_roles"),
    mig!("sqlite", "directory", 25, "0025_duty_runs.sql", "duty_runs"),
    mig!("sqlite", "directory", 26, "0026_rate_counters.sql", "rate_counters"),
];
const SQLITE_REGION: &[Migration] = &[
    mig!("sqlite", "region", 1, "0001_init.sql", "init"),
    mig!("sqlite", "region", 2, "0002_policy_and_retention.sql", "policy_and_retention"),
    mig!("sqlite", "region", 3, "0003_boards.sql", "boards"),
    mig!("sqlite", "region", 4, "0004_consent_and_navigation.sql", "consent_and_navigation"),
    mig!("sqlite", "region", 5, "0005_rights.sql", "rights"),
    mig!("sqlite", "region", 6, "0006_account_activation.sql", "account_activation"),
    mig!("sqlite", "region", 7, "0007_security.sql", "security"),
    mig!("sqlite", "region", 8, "0008_exports.sql", "exports"),
    mig!("sqlite", "region", 9, "0009_consent_digest.sql", "consent_digest"),
    mig!("sqlite", "region", 10, "0010_participant_recovery.sql", "participant_recovery"),
    mig!("sqlite", "region", 30, "0030_support.sql", "support"),
    mig!("sqlite", "region", 20, "0020_billing.sql", "billing"),
    mig!("sqlite", "region", 21, "0021_invoices.sql", "invoices"),
    mig!("sqlite", "region", 22, "0022_partners.sql", "partners"),
    mig!("sqlite", "region", 23, "0023_contract_contact_index.sql", "contract_contact_index"),
    mig!("sqlite", "region", 24, "0024_invoice_payments.sql", "invoice_payments"),
    mig!("sqlite", "region", 40, "0040_outreach.sql", "outreach"),
    mig!("sqlite", "region", 50, "0050_programmes.sql", "programmes"),
    mig!("sqlite", "region", 60, "0060_integrations.sql", "integrations"),
    mig!("sqlite", "region", 55, "0055_careers.sql", "careers"),
    mig!("sqlite", "region", 70, "0070_facilitation.sql", "facilitation"),
    mig!("sqlite", "region", 80, "0080_board_changes.sql", "board_changes"),
    mig!("sqlite", "region", 56, "0056_board_zones.sql", "board_zones"),
];
const SQLITE_KEYS: &[Migration] = &[mig!("sqlite", "keys", 1, "0001_init.sql", "init")];
const PG_DIRECTORY: &[Migration] = &[
    mig!("postgres", "directory", 1, "0001_init.sql", "init"),
    mig!("postgres", "directory", 2, "0002_policy_versions.sql", "policy_versions"),
    mig!("postgres", "directory", 3, "0003_boards.sql", "boards"),
    mig!("postgres", "directory", 20, "0020_staff_roles.sql", "staff_roles"),
    mig!("postgres", "directory", 25, "0025_duty_runs.sql", "duty_runs"),
    mig!("postgres", "directory", 26, "0026_rate_counters.sql", "rate_counters"),
];
const PG_REGION: &[Migration] = &[
    mig!("postgres", "region", 1, "0001_init.sql", "init"),
    mig!("postgres", "region", 2, "0002_policy_and_retention.sql", "policy_and_retention"),
    mig!("postgres", "region", 3, "0003_boards.sql", "boards"),
    mig!("postgres", "region", 4, "0004_consent_and_navigation.sql", "consent_and_navigation"),
    mig!("postgres", "region", 5, "0005_rights.sql", "rights"),
    mig!("postgres", "region", 6, "0006_account_activation.sql", "account_activation"),
    mig!("postgres", "region", 7, "0007_security.sql", "security"),
    mig!("postgres", "region", 8, "0008_exports.sql", "exports"),
    mig!("postgres", "region", 9, "0009_consent_digest.sql", "consent_digest"),
    mig!("postgres", "region", 10, "0010_participant_recovery.sql", "participant_recovery"),
    mig!("postgres", "region", 30, "0030_support.sql", "support"),
    mig!("postgres", "region", 20, "0020_billing.sql", "billing"),
    mig!("postgres", "region", 21, "0021_invoices.sql", "invoices"),
    mig!("postgres", "region", 22, "0022_partners.sql", "partners"),
    mig!("postgres", "region", 23, "0023_contract_contact_index.sql", "contract_contact_index"),
    mig!("postgres", "region", 24, "0024_invoice_payments.sql", "invoice_payments"),
    mig!("postgres", "region", 40, "0040_outreach.sql", "outreach"),
    mig!("postgres", "region", 50, "0050_programmes.sql", "programmes"),
    mig!("postgres", "region", 60, "0060_integrations.sql", "integrations"),
    mig!("postgres", "region", 55, "0055_careers.sql", "careers"),
    mig!("postgres", "region", 70, "0070_facilitation.sql", "facilitation"),
    mig!("postgres", "region", 80, "0080_board_changes.sql", "board_changes"),
    mig!("postgres", "region", 56, "0056_board_zones.sql", "board_zones"),
];
const PG_KEYS: &[Migration] = &[mig!("postgres", "keys", 1, "0001_init.sql", "init")];

/// The migrations of one schema on one backend, in order.
pub fn migrations(backend: Backend, schema: Schema) -> &'static [Migration] {
    match (backend, schema) {
        (Backend::Sqlite, Schema::Directory) => SQLITE_DIRECTORY,
        (Backend::Sqlite, Schema::Region) => SQLITE_REGION,
        (Backend::Sqlite, Schema::Keys) => SQLITE_KEYS,
        (Backend::Postgres, Schema::Directory) => PG_DIRECTORY,
        (Backend::Postgres, Schema::Region) => PG_REGION,
        (Backend::Postgres, Schema::Keys) => PG_KEYS,
    }
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// Applies pending migrations; returns how many were applied.
pub async fn run(db: &Db, schema: Schema, now: Millis) -> Result<usize, StoreError> {
    let list = migrations(db.backend(), schema);
    conn!(db, c => { sqlx::query(CREATE_TABLE).execute(c).await.map(|_| ()) })?;
    // Serialise concurrent starts on PostgreSQL (session-level lock on one connection).
    let lock_key: i64 = 0x636c_6561_7262_0001;
    let applied = match db {
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await.map_err(crate::platform::db::err)?;
            sqlx::query("SELECT pg_advisory_lock($1)").bind(lock_key).execute(&mut *conn).await.map_err(crate::platform::db::err)?;
            let r = apply(db, list, now).await;
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(lock_key).execute(&mut *conn).await;
            r?
        }
        Db::Sqlite(_, _) => apply(db, list, now).await?,
    };
    Ok(applied)
}

async fn apply(db: &Db, list: &'static [Migration], now: Millis) -> Result<usize, StoreError> {
    let done: Vec<(i64, String)> = conn!(db, c => {
        let rows = sqlx::query("SELECT version, checksum FROM schema_migrations ORDER BY version").fetch_all(c).await?;
        rows.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?))).collect::<Result<Vec<_>, sqlx::Error>>()
    })?;
    for (version, sum) in &done {
        match list.iter().find(|m| m.version == *version) {
            Some(m) if checksum(m.sql) == *sum => {}
            Some(m) => {
                return Err(StoreError::Corrupt(format!(
                    "migration {} ({}) was changed after it was applied; restore the original file",
                    m.version, m.name
                )));
            }
            None => {
                return Err(StoreError::Corrupt(format!(
                    "the database has migration {version}, which this version of clearboard does not know (downgrade?)"
                )));
            }
        }
    }
    let mut applied = 0;
    for m in list.iter().filter(|m| !done.iter().any(|(v, _)| *v == m.version)) {
        let sum = checksum(m.sql);
        tx!(db, t => {
            sqlx::raw_sql(m.sql).execute(&mut *t).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
                .bind(m.version)
                .bind(m.name)
                .bind(&sum)
                .bind(now)
                .execute(&mut *t)
                .await?;
            Ok(())
        })?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn files(backend: &str, schema: &str) -> BTreeSet<String> {
        let dir = format!("{}/migrations/{backend}/{schema}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
    }

    /// Both backends list the same migration versions and names, and every file is embedded.
    #[test]
    fn both_backends_have_the_same_migrations_and_all_are_embedded() {
        for schema in [Schema::Directory, Schema::Region, Schema::Keys] {
            let s = files("sqlite", schema.folder());
            let p = files("postgres", schema.folder());
            assert_eq!(s, p, "{:?}: sqlite and postgres migration files differ", schema);
            for backend in [Backend::Sqlite, Backend::Postgres] {
                let embedded: BTreeSet<String> =
                    migrations(backend, schema).iter().map(|m| format!("{:04}_{}.sql", m.version, m.name)).collect();
                assert_eq!(embedded, s, "{:?}/{:?}: embedded list differs from the folder", backend, schema);
            }
        }
    }
}
