//! The local blob store (`blob_url = file:///…`, the default): one file per blob under the
//! region's folder, written atomically (temporary file, fsync, rename). Blobs arrive already
//! encrypted; names are opaque ids.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use clearboard_core::platform::ids::BlobId;
use clearboard_core::platform::ports::{BlobStore, StoreError, StoreResult};

#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    pub fn open(root: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(root).map_err(|e| StoreError::Unavailable(format!("cannot create blob folder {}: {e}", root.display())))?;
        Ok(Self { root: root.to_path_buf() })
    }

    fn path(&self, id: &BlobId) -> StoreResult<PathBuf> {
        let s = super::checked(id)?;
        Ok(self.root.join(&s[s.len() - 2..]).join(s))
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("blob store: {e}"))
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, id: &BlobId, bytes: &[u8]) -> StoreResult<()> {
        let path = self.path(id)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let tmp = dir.join(format!(".{}.tmp", id.as_str()));
        // Written, synced and renamed in one trip to a blocking thread (`tokio::fs` would go
        // there for every 2 MiB of it).
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(&mut f, &bytes)?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(|_| StoreError::Backend("blob store: the writer stopped".into()))?
        .map_err(io)
    }

    async fn get(&self, id: &BlobId) -> StoreResult<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(id)?).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    async fn put_file(&self, id: &BlobId, src: &Path) -> StoreResult<()> {
        let path = self.path(id)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let f = tokio::fs::File::open(src).await.map_err(io)?;
        f.sync_all().await.map_err(io)?;
        drop(f);
        if tokio::fs::rename(src, &path).await.is_err() {
            // Another file system: copy, then remove the source.
            tokio::fs::copy(src, &path).await.map_err(io)?;
            let _ = tokio::fs::remove_file(src).await;
        }
        Ok(())
    }

    fn local_path(&self, id: &BlobId) -> Option<PathBuf> {
        self.path(id).ok().filter(|p| p.exists())
    }

    fn scratch_dir(&self) -> PathBuf {
        self.root.join(".scratch")
    }

    async fn delete(&self, id: &BlobId) -> StoreResult<()> {
        match tokio::fs::remove_file(self.path(id)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    async fn get_to_file(&self, id: &BlobId, dst: &Path) -> StoreResult<bool> {
        match tokio::fs::copy(self.path(id)?, dst).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io(e)),
        }
    }

    async fn list(&self) -> StoreResult<Vec<BlobId>> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            // `<root>/<last two characters>/<id>`; dot names are scratch folders and temporary files.
            for shard in std::fs::read_dir(&root).map_err(io)?.flatten() {
                let name = shard.file_name().to_string_lossy().to_string();
                if name.starts_with('.') || !shard.path().is_dir() {
                    continue;
                }
                for f in std::fs::read_dir(shard.path()).map_err(io)?.flatten() {
                    let id = BlobId::from_stored(f.file_name().to_string_lossy().to_string());
                    if f.path().is_file() && super::checked(&id).is_ok() {
                        out.push(id);
                    }
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }
}
