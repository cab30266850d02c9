//! The decrypting scan: what could the service itself still read? It reads every table of every
//! region database and every blob (listed and read through the blob store port: a folder or S3), and tries every key in the key stores against every
//! value that looks like an envelope, with every plausible row id of its row as associated
//! data (so it needs no knowledge of the schema). Opened plaintext (and the files inside an
//! opened ZIP export) is searched for the needles. Before an erasure it must find every canary
//! (positive control); after it, none.

use clearboard_vault::stream;
use clearboard_vault::{Aad, Dek, KeyId};
use sqlx::{Column, Row};

use crate::spawn::TestApp;

/// What the scan found: `(where, needle)`, and how many envelopes and blobs it could open.
#[derive(Debug, Default)]
pub struct DecryptReport {
    pub hits: Vec<(String, String)>,
    pub envelopes_opened: usize,
    pub blobs_opened: usize,
}

async fn keys_of(db: &clearboard_store::Db, ring: &clearboard_vault::Keyring) -> Vec<Dek> {
    let rows: Vec<(String, i64, Vec<u8>)> = match db {
        clearboard_store::Db::Sqlite(p, _) => {
            sqlx::query_as("SELECT subject_id, key_id, wrapped FROM subject_keys").fetch_all(p).await.unwrap()
        }
        clearboard_store::Db::Postgres(p) => {
            sqlx::query_as("SELECT subject_id, key_id::BIGINT, wrapped FROM subject_keys").fetch_all(p).await.unwrap()
        }
    };
    rows.into_iter().filter_map(|(s, k, w)| Dek::unwrap(ring, &s, KeyId(u32::try_from(k).ok()?), &w).ok()).collect()
}

/// Every row of every table as (table, [(column, text value)], [(column, bytes value)]).
/// Every row of `$tables` read through pool `$p`, its text and byte columns apart, pushed
/// to `$out` (one body for both backends' row types).
macro_rules! rows_of {
    ($p:expr, $tables:expr, $out:expr) => {
        for (t,) in $tables {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM \"{t}\""))).fetch_all($p).await.unwrap();
            for r in rows {
                let (mut texts, mut bytes) = (Vec::new(), Vec::new());
                for (i, c) in r.columns().iter().enumerate() {
                    if let Ok(Some(s)) = r.try_get::<Option<String>, _>(i) {
                        texts.push((c.name().to_string(), s));
                    } else if let Ok(Some(b)) = r.try_get::<Option<Vec<u8>>, _>(i) {
                        bytes.push((c.name().to_string(), b));
                    }
                }
                $out.push((t.clone(), texts, bytes));
            }
        }
    };
}

async fn all_rows(db: &clearboard_store::Db) -> Vec<(String, Vec<(String, String)>, Vec<(String, Vec<u8>)>)> {
    let mut out = Vec::new();
    match db {
        clearboard_store::Db::Sqlite(p, _) => {
            let tables: Vec<(String,)> = sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                .fetch_all(p)
                .await
                .unwrap();
            rows_of!(p, tables, out);
        }
        clearboard_store::Db::Postgres(p) => {
            let tables: Vec<(String,)> =
                sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()").fetch_all(p).await.unwrap();
            rows_of!(p, tables, out);
        }
    }
    out
}

fn search(hay: &[u8], needles: &[String], place: &str, hits: &mut Vec<(String, String)>) {
    for n in needles {
        if crate::forensics::scan_bytes(hay, std::slice::from_ref(n)).iter().any(|_| true) {
            hits.push((place.to_string(), n.clone()));
        }
    }
    // Inside a ZIP (an opened export): search each member, decompressed.
    if hay.starts_with(b"PK")
        && let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(hay))
    {
        for i in 0..z.len() {
            use std::io::Read;
            let mut f = z.by_index(i).unwrap();
            let name = f.name().map(|n| n.to_string()).unwrap_or_default();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            for n in needles {
                if !crate::forensics::scan_bytes(&v, std::slice::from_ref(n)).is_empty() {
                    hits.push((format!("{place}!{name}"), n.clone()));
                }
            }
        }
    }
}

/// Scans a database's rows and folders of blob copies (one file per blob, named by its id:
/// [`crate::s3::copy_blobs`], through the port, whatever the store) with the given keys.
pub async fn scan_with(keys: &[Dek], dbs: &[&clearboard_store::Db], blob_dirs: &[std::path::PathBuf], needles: &[String]) -> DecryptReport {
    let mut rep = DecryptReport::default();
    for db in dbs {
        for (table, texts, bytes) in all_rows(db).await {
            for (column, v) in &bytes {
                let Ok(kid) = clearboard_vault::envelope::envelope_key_id(v) else { continue };
                'row: for (_, row) in &texts {
                    for k in keys.iter().filter(|k| k.key_id() == kid) {
                        if let Ok(pt) = k.open(Aad { table: &table, column, row }, v) {
                            rep.envelopes_opened += 1;
                            search(&pt, needles, &format!("{table}.{column}"), &mut rep.hits);
                            break 'row;
                        }
                    }
                }
            }
        }
    }
    for f in crate::forensics::all_files(blob_dirs) {
        let Ok(sealed) = std::fs::read(&f) else { continue };
        let Ok(kid) = stream::key_id(&sealed) else { continue };
        let name = f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        'blob: for column in ["card_media", "profile_picture", "picture", "export", "cv"] {
            for k in keys.iter().filter(|k| k.key_id() == kid) {
                if let Ok(pt) = stream::open(k, Aad { table: "blobs", column, row: &name }, &sealed) {
                    rep.blobs_opened += 1;
                    search(&pt, needles, &format!("blob {name}"), &mut rep.hits);
                    break 'blob;
                }
            }
        }
    }
    rep
}

impl TestApp {
    /// The decrypting scan over every region's database and blobs, with the service's own keys.
    pub async fn decrypting_scan(&self, needles: &[String]) -> DecryptReport {
        let ring = self.state.cb.keyring();
        let mut keys = Vec::new();
        for (_, _, ks) in &self.opened.region_stores {
            keys.extend(keys_of(ks.db(), ring).await);
        }
        let dbs: Vec<&clearboard_store::Db> = self.opened.region_stores.iter().map(|(_, s, _)| s.db()).collect();
        let blob_dirs = self.blob_copies(None).await;
        scan_with(&keys, &dbs, &blob_dirs, needles).await
    }

    /// The decrypting scan over one region's database and blobs only, with every key of every
    /// region (so data of another region's people stored here would be found; C-LOC-1).
    pub async fn decrypting_scan_region(&self, region: &str, needles: &[String]) -> DecryptReport {
        let keys = self.all_keys().await;
        let dbs: Vec<&clearboard_store::Db> =
            self.opened.region_stores.iter().filter(|(r, _, _)| r.as_str() == region).map(|(_, s, _)| s.db()).collect();
        assert_eq!(dbs.len(), 1, "region {region} is open");
        let blob_dirs = self.blob_copies(Some(region)).await;
        scan_with(&keys, &dbs, &blob_dirs, needles).await
    }

    /// Every key the service holds now (to try against old copies, e.g. a backup).
    pub async fn all_keys(&self) -> Vec<Dek> {
        let ring = self.state.cb.keyring();
        let mut keys = Vec::new();
        for (_, _, ks) in &self.opened.region_stores {
            keys.extend(keys_of(ks.db(), ring).await);
        }
        keys
    }
}
