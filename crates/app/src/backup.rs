//! Backups and restores (C-RET-2): consistent snapshots of the directory and region databases
//! and the blob stores, in one ZIP with a manifest — never the key stores, so a backup holds
//! only ciphertext that the live keys must open, and an erased person's data in a backup is
//! unreadable from the moment their key is destroyed. Backups are deleted at the policy's
//! backup retention, which the policy check keeps at or below the erasure deadline: by the
//! retention scheduler at every run ([`Shelf`]), or at once with `clearboard backup prune`.
//!
//! The SQL of snapshots and restores is the store's (`clearboard_store::platform::backup`);
//! this file owns the archive: its manifest, checksums, the blobs (read and written through
//! the blob store port, so an S3 deployment is backed up and restored like a folder one), and
//! the restore marker.
//!
//! A restore writes a marker first; the service replays the erasure tombstones (kept in the key
//! stores, which restores never touch) before it accepts any traffic, then removes the marker.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clearboard_core::platform::clock::{DAY, Millis, rfc3339};
use clearboard_core::platform::ids::BlobId;
use clearboard_core::platform::ports::{BackupShelf, StoreError, StoreResult};
use clearboard_store::platform::backup::{copy_in_postgres, copy_out_postgres, snapshot_sqlite};
use clearboard_store::{Db, Layout, Opened};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Present while a restore has not had its tombstones replayed.
pub const RESTORE_MARKER: &str = "RESTORE_PENDING";
const FORMAT: &str = "clearboard-backup";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub created_at: String,
    pub created_ms: Millis,
    pub backend: String,
    pub regions: Vec<String>,
    pub policy_version: String,
    /// Always false: key stores are never backed up.
    pub keys_included: bool,
    pub files: Vec<BackupFile>,
}

fn hex_sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The default folder for backups (the configuration's `backup_dir` overrides it).
pub fn default_dir(layout: &Layout) -> PathBuf {
    layout.data_dir.join("backups")
}

/// The backup folder as the retention scheduler sees it (C-RET-2): the backups in it, and
/// deleting one. What is due is core's decision (`privacy::retention`).
#[derive(Debug, Clone)]
pub struct Shelf {
    dir: PathBuf,
}

impl Shelf {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }
}

#[async_trait::async_trait]
impl BackupShelf for Shelf {
    async fn list(&self) -> StoreResult<Vec<clearboard_core::platform::ports::BackupFile>> {
        let dir = self.dir.clone();
        let found = tokio::task::spawn_blocking(move || list(&dir, 0)).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(found
            .into_iter()
            .filter_map(|(p, m, _)| {
                p.file_name().map(|n| clearboard_core::platform::ports::BackupFile {
                    name: n.to_string_lossy().into_owned(),
                    created_at: m.created_ms,
                })
            })
            .collect())
    }

    async fn delete(&self, name: &str) -> StoreResult<()> {
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(StoreError::Backend("not a backup name".into()));
        }
        let path = self.dir.join(name);
        tokio::task::spawn_blocking(move || std::fs::remove_file(&path))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
            .map_err(|e| StoreError::Unavailable(format!("cannot delete a backup: {e}")))
    }
}

/// The default name of a backup made at `now`.
pub fn default_name(now: Millis) -> String {
    format!("clearboard-backup-{}.zip", rfc3339(now).replace([':', '-'], ""))
}

struct Writer {
    zip: zip::ZipWriter<std::fs::File>,
    files: Vec<BackupFile>,
}

impl Writer {
    fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
        self.zip.start_file(name, opts)?;
        self.zip.write_all(bytes)?;
        self.files.push(BackupFile { name: name.to_string(), bytes: bytes.len() as u64, sha256: hex_sha(bytes) });
        Ok(())
    }

    /// Adds a file, streaming it (a blob may be a large video: never whole in memory).
    fn add_file(&mut self, name: &str, path: &Path) -> anyhow::Result<()> {
        let mut f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let len = f.metadata()?.len();
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(len >= u64::from(u32::MAX));
        self.zip.start_file(name, opts)?;
        let mut sha = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            sha.update(&buf[..n]);
            self.zip.write_all(&buf[..n])?;
        }
        self.files.push(BackupFile { name: name.to_string(), bytes: len, sha256: hex::encode(sha.finalize()) });
        Ok(())
    }
}

/// A blob's name in the archive, `blobs/<region>/<last two characters>/<id>` (the folder
/// store's layout, whatever the store: a backup of an S3 deployment restores onto a folder
/// and the other way round).
fn member_name(region: &str, id: &BlobId) -> String {
    let s = id.as_str();
    format!("blobs/{region}/{}/{s}", &s[s.len().saturating_sub(2)..])
}

/// Makes a backup of everything but the key stores into `out`.
pub async fn create(opened: &Opened, layout: &Layout, out: &Path, now: Millis, policy_version: &str) -> anyhow::Result<Manifest> {
    if let Some(d) = out.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let tmp = out.with_extension("partial");
    let file = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut w = Writer { zip: zip::ZipWriter::new(file), files: Vec::new() };
    let scratch = tempfile::tempdir()?;
    let backend = if layout.is_postgres() { "postgres" } else { "sqlite" };
    let mut regions = Vec::new();
    if layout.is_postgres() {
        for (t, data) in copy_out_postgres(opened.directory.db()).await? {
            w.add_bytes(&format!("pg/directory/{t}.copy"), &data)?;
        }
        for (id, store, _) in &opened.region_stores {
            for (t, data) in copy_out_postgres(store.db()).await? {
                w.add_bytes(&format!("pg/{}/{t}.copy", id.as_str()), &data)?;
            }
        }
    } else {
        let p = scratch.path().join("directory.db");
        snapshot_sqlite(opened.directory.db(), &p).await?;
        w.add_file("sqlite/directory.db", &p)?;
        for (id, store, _) in &opened.region_stores {
            let p = scratch.path().join(format!("{}.db", id.as_str()));
            snapshot_sqlite(store.db(), &p).await?;
            w.add_file(&format!("sqlite/regions/{}/data.db", id.as_str()), &p)?;
        }
    }
    // Blobs through the port (a folder or S3), each spooled to a scratch file and streamed in.
    for r in &layout.regions {
        regions.push(r.id.clone());
    }
    for region in &opened.regions {
        let mut ids = region.blobs.list().await?;
        ids.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        let spool = scratch.path().join("blob");
        for id in ids {
            if region.blobs.get_to_file(&id, &spool).await? {
                w.add_file(&member_name(region.id.as_str(), &id), &spool)?;
            }
        }
        let _ = std::fs::remove_file(&spool);
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: 1,
        created_at: rfc3339(now),
        created_ms: now,
        backend: backend.into(),
        regions,
        policy_version: policy_version.into(),
        keys_included: false,
        files: w.files.clone(),
    };
    let mj = serde_json::to_vec_pretty(&manifest)?;
    w.zip.start_file("manifest.json", zip::write::SimpleFileOptions::default())?;
    w.zip.write_all(&mj)?;
    let f = w.zip.finish()?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, out)?;
    Ok(manifest)
}

/// Reads a backup's manifest.
pub fn manifest_of(path: &Path) -> anyhow::Result<Manifest> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut z = zip::ZipArchive::new(f).context("not a backup archive")?;
    let mut s = String::new();
    z.by_name("manifest.json").context("the archive has no manifest")?.read_to_string(&mut s)?;
    let m: Manifest = serde_json::from_str(&s).context("the manifest is invalid")?;
    if m.format != FORMAT || m.version != 1 {
        bail!("this is not a clearboard backup of a supported version");
    }
    if m.keys_included {
        bail!("this archive claims to contain key stores, which clearboard never backs up");
    }
    Ok(m)
}

/// The backups in `dir`, oldest first, with when each must be gone.
pub fn list(dir: &Path, keep_days: u32) -> Vec<(PathBuf, Manifest, String)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "zip")
            && let Ok(m) = manifest_of(&p)
        {
            let expires = clearboard_core::platform::clock::date_of(m.created_ms + i64::from(keep_days) * DAY).to_string();
            out.push((p, m, expires));
        }
    }
    out.sort_by_key(|(_, m, _)| m.created_ms);
    out
}

/// Deletes the backups older than `keep_days`; returns what was deleted.
pub fn prune(dir: &Path, keep_days: u32, now: Millis) -> anyhow::Result<Vec<PathBuf>> {
    let mut gone = Vec::new();
    for (p, m, _) in list(dir, keep_days) {
        if m.created_ms + i64::from(keep_days) * DAY <= now {
            std::fs::remove_file(&p).with_context(|| format!("cannot delete {}", p.display()))?;
            gone.push(p);
        }
    }
    Ok(gone)
}

fn read_member(z: &mut zip::ZipArchive<std::fs::File>, name: &str, expected: &BackupFile) -> anyhow::Result<Vec<u8>> {
    let mut v = Vec::new();
    z.by_name(name)?.read_to_end(&mut v)?;
    if hex_sha(&v) != expected.sha256 {
        bail!("{name} is damaged (checksum mismatch)");
    }
    Ok(v)
}

/// Restores a backup into the configured storage. The service must be stopped. The marker is
/// written first, so that whatever happens the service replays erasures before serving.
pub async fn restore(
    layout: &Layout,
    from: &Path,
    ring: std::sync::Arc<clearboard_vault::Keyring>,
    now: Millis,
) -> anyhow::Result<Manifest> {
    let m = manifest_of(from)?;
    let backend = if layout.is_postgres() { "postgres" } else { "sqlite" };
    if m.backend != backend {
        bail!("this backup is of a {} deployment; this one uses {backend}", m.backend);
    }
    std::fs::create_dir_all(&layout.data_dir)?;
    std::fs::write(layout.data_dir.join(RESTORE_MARKER), rfc3339(now))?;
    let f = std::fs::File::open(from)?;
    let mut z = zip::ZipArchive::new(f)?;
    // Check every member before touching anything.
    for file in &m.files {
        read_member(&mut z, &file.name, file)?;
    }
    if backend == "sqlite" {
        let put = |target: &Path, bytes: &[u8]| -> anyhow::Result<()> {
            if let Some(d) = target.parent() {
                std::fs::create_dir_all(d)?;
            }
            for suffix in ["-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
            }
            let tmp = target.with_extension("restoring");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, target)?;
            Ok(())
        };
        for file in &m.files {
            if file.name == "sqlite/directory.db" {
                put(&layout.directory_path(), &read_member(&mut z, &file.name, file)?)?;
            } else if let Some(rest) = file.name.strip_prefix("sqlite/regions/") {
                let region = rest.split('/').next().unwrap_or("");
                put(&layout.region_dir(region).join("data.db"), &read_member(&mut z, &file.name, file)?)?;
            }
        }
    } else {
        // Opening creates and migrates missing databases; the data is then replaced table by
        // table (referenced tables first), inside one transaction per database.
        let opened = layout.open(ring, now).await?;
        let mut groups: Vec<(String, Db)> = vec![("directory".into(), opened.directory.db().clone())];
        for (id, store, _) in &opened.region_stores {
            groups.push((id.as_str().to_string(), store.db().clone()));
        }
        for (key, db) in groups {
            if !matches!(db, Db::Postgres(_)) {
                continue;
            }
            let prefix = format!("pg/{key}/");
            copy_in_postgres(&db, |t| -> anyhow::Result<Option<Vec<u8>>> {
                let name = format!("{prefix}{t}.copy");
                let Some(file) = m.files.iter().find(|f| f.name == name) else { return Ok(None) };
                read_member(&mut z, &name, file).map(Some)
            })
            .await?;
        }
        opened.close().await;
    }
    // Blobs: the restored set replaces the current one, through the port (a folder or S3).
    for r in &layout.regions {
        let store = layout.open_blobs(r)?;
        for id in store.list().await? {
            store.delete(&id).await?;
        }
        let prefix = format!("blobs/{}/", r.id);
        for file in m.files.iter().filter(|f| f.name.starts_with(&prefix)) {
            let rel = &file.name[prefix.len()..];
            if rel.split('/').any(|p| p.is_empty() || p == ".." || p.starts_with('.')) {
                bail!("the backup names an invalid blob path");
            }
            let id = BlobId::from_stored(rel.rsplit('/').next().unwrap_or_default().to_string());
            store.put(&id, &read_member(&mut z, &file.name, file)?).await.context("the backup names an invalid blob")?;
        }
    }
    Ok(m)
}

/// Whether a restore is waiting for its tombstones to be replayed.
pub fn restore_pending(layout: &Layout) -> bool {
    layout.data_dir.join(RESTORE_MARKER).exists()
}
