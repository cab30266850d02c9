//! Where a deployment's data lives, and opening it all.
//!
//! Embedded (SQLite), under the data dir:
//! `directory.db`, `regions/<id>/data.db`, `regions/<id>/blobs/`, `keys/<id>.db`.
//! Blobs go to `regions/<id>/blobs/` unless the region names a `blob_dir` or a `blob_url`
//! (`file:///…` or `s3://…`: [`crate::platform::blobs`]).
//! The key stores sit outside `regions/` so that copying a region never copies its keys.
//! PostgreSQL: the URL's database is the directory; `<name>_<region>` and `<name>_<region>_keys`
//! hold each region's data and keys (created if missing), unless a region names its own URLs.

use std::path::PathBuf;
use std::sync::Arc;

use clearboard_core::platform::audit::{DIRECTORY_CHAIN, region_chain};
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::RegionId;
use clearboard_core::platform::ports::StoreError;
use clearboard_core::{RegionHandle, RegionStores};
use clearboard_vault::Keyring;

use crate::platform::blobs::{BlobLocation, S3Credentials};
use crate::platform::db::{self, Durability};
use crate::platform::directory::SqlDirectory;
use crate::platform::keys::SqlKeyStore;
use crate::platform::migrate::{self, Schema};
use crate::platform::region::SqlRegionStore;

/// Where one region's stores are.
#[derive(Debug, Clone, Default)]
pub struct RegionLocation {
    pub id: String,
    /// A PostgreSQL URL for this region's data (default: derived from the main URL).
    pub database_url: Option<String>,
    /// A PostgreSQL URL for this region's key store (default: derived from the main URL).
    pub keys_url: Option<String>,
    /// The blob folder (default: `<data dir>/regions/<id>/blobs`).
    pub blob_dir: Option<PathBuf>,
    /// Where blobs are, as a URL (`file:///…` or `s3://bucket/prefix?endpoint=…&region=…`);
    /// exclusive with `blob_dir`.
    pub blob_url: Option<String>,
    /// S3 access keys given in the configuration (default: the AWS environment variables).
    pub blob_credentials: Option<S3Credentials>,
}

/// A deployment's storage layout.
#[derive(Debug, Clone)]
pub struct Layout {
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; `None` for embedded SQLite.
    pub database_url: Option<String>,
    pub regions: Vec<RegionLocation>,
}

/// Everything opened.
#[derive(Debug)]
pub struct Opened {
    pub directory: Arc<SqlDirectory>,
    pub regions: Vec<RegionHandle>,
    pub region_stores: Vec<(RegionId, SqlRegionStore, SqlKeyStore)>,
}

impl Opened {
    /// Closes every pool (so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.directory.db().close().await;
        for (_, r, k) in &self.region_stores {
            r.db().close().await;
            k.db().close().await;
        }
    }
}

impl Layout {
    pub fn is_postgres(&self) -> bool {
        self.database_url.as_deref().is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }

    pub fn directory_path(&self) -> PathBuf {
        self.data_dir.join("directory.db")
    }

    pub fn region_dir(&self, id: &str) -> PathBuf {
        self.data_dir.join("regions").join(id)
    }

    pub fn key_store_path(&self, id: &str) -> PathBuf {
        self.data_dir.join("keys").join(format!("{id}.db"))
    }

    /// Where a region's blobs are (refusing a bad `blob_url`, or one given with `blob_dir`).
    pub fn blob_location(&self, r: &RegionLocation) -> Result<BlobLocation, StoreError> {
        match (&r.blob_url, &r.blob_dir) {
            (Some(_), Some(_)) => Err(StoreError::Unavailable(format!(
                "region `{}` sets both blob_url and blob_dir: keep one (blob_dir is file:// shorthand)",
                r.id
            ))),
            (Some(url), None) => BlobLocation::parse(url).map_err(|e| match e {
                StoreError::Unavailable(why) => StoreError::Unavailable(format!("region `{}`: {why}", r.id)),
                other => other,
            }),
            (None, dir) => Ok(BlobLocation::Folder(dir.clone().unwrap_or_else(|| self.region_dir(&r.id).join("blobs")))),
        }
    }

    /// Opens a region's blob store (S3 spools through `regions/<id>/blob-scratch`).
    pub fn open_blobs(&self, r: &RegionLocation) -> Result<Arc<dyn clearboard_core::platform::ports::BlobStore>, StoreError> {
        self.blob_location(r)?.open(r.blob_credentials.as_ref(), &self.region_dir(&r.id).join("blob-scratch"))
    }

    fn pg_url(&self, suffix: Option<&str>) -> Result<String, StoreError> {
        let base = self.database_url.as_deref().ok_or_else(|| StoreError::Unavailable("no database URL".into()))?;
        match suffix {
            None => Ok(base.to_string()),
            Some(s) => {
                let name = db::pg_db_name(base).ok_or_else(|| StoreError::Unavailable("the PostgreSQL URL names no database".into()))?;
                db::pg_url_with_db(base, &format!("{name}_{s}"))
                    .ok_or_else(|| StoreError::Unavailable("the PostgreSQL URL is invalid".into()))
            }
        }
    }

    /// Opens (creating and migrating as needed) the directory and every region.
    pub async fn open(&self, ring: Arc<Keyring>, now: Millis) -> Result<Opened, StoreError> {
        if let Some(url) = &self.database_url
            && !self.is_postgres()
        {
            let scheme = url.split(':').next().unwrap_or_default().chars().take(16).collect::<String>();
            return Err(StoreError::Unavailable(format!(
                "unsupported database URL scheme `{scheme}`: use postgres://… or leave it unset for embedded SQLite"
            )));
        }
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| StoreError::Unavailable(format!("cannot create the data dir {}: {e}", self.data_dir.display())))?;
        let pg = self.is_postgres();
        let dir_db = if pg {
            db::open_postgres(&self.pg_url(None)?, 8).await?
        } else {
            db::open_sqlite(&self.directory_path(), Durability::Normal, "directory").await?
        };
        migrate::run(&dir_db, Schema::Directory, now).await?;
        let directory = Arc::new(SqlDirectory::new(dir_db, DIRECTORY_CHAIN.to_string(), ring.clone()));

        // A bad blob_url is refused before any database is touched.
        for r in &self.regions {
            self.blob_location(r)?;
        }
        let mut regions = Vec::new();
        let mut region_stores = Vec::new();
        for r in &self.regions {
            let (data, keys) = if pg {
                let data_url = match &r.database_url {
                    Some(u) => u.clone(),
                    None => self.pg_url(Some(&r.id))?,
                };
                let keys_url = match &r.keys_url {
                    Some(u) => u.clone(),
                    None => self.pg_url(Some(&format!("{}_keys", r.id)))?,
                };
                (db::open_postgres(&data_url, 16).await?, db::open_postgres(&keys_url, 4).await?)
            } else {
                (
                    db::open_sqlite(&self.region_dir(&r.id).join("data.db"), Durability::Normal, &format!("{}/data", r.id)).await?,
                    db::open_sqlite(&self.key_store_path(&r.id), Durability::Full, &format!("{}/keys", r.id)).await?,
                )
            };
            migrate::run(&data, Schema::Region, now).await?;
            migrate::run(&keys, Schema::Keys, now).await?;
            let store = SqlRegionStore::new(data, region_chain(&r.id), ring.clone());
            let key_store = SqlKeyStore::new(keys);
            let blobs = self.open_blobs(r)?;
            let id = RegionId::new(&r.id);
            regions.push(RegionHandle::new(RegionStores {
                id: id.clone(),
                store: Arc::new(store.clone()),
                boards: Arc::new(store.clone()),
                consents: Arc::new(store.clone()),
                rights: Arc::new(store.clone()),
                support: Arc::new(store.clone()),
                billing: Arc::new(store.clone()),
                outreach: Arc::new(store.clone()),
                programmes: Arc::new(store.clone()),
                integrations: Arc::new(store.clone()),
                careers: Arc::new(store.clone()),
                keys: Arc::new(key_store.clone()),
                blobs,
            }));
            region_stores.push((id, store, key_store));
        }
        Ok(Opened { directory, regions, region_stores })
    }
}
