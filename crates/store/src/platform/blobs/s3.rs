//! The S3-compatible blob store (`blob_url = s3://bucket/prefix?endpoint=…&region=…`): one
//! object per blob, `<prefix>/<id>`, on AWS S3, Garage, MinIO or any server that speaks the
//! S3 API, through the `object_store` crate (TLS by rustls and ring, as everywhere else).
//!
//! Blobs arrive already sealed by core (C-SEC-2): the server only ever holds ciphertext, and
//! nothing here asks for server-side encryption or relies on it. Large files (export archives,
//! videos) go up as multipart uploads read from their local file part by part, and come down
//! into a local file chunk by chunk: never whole in memory.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use clearboard_core::platform::ids::BlobId;
use clearboard_core::platform::ports::{BlobStore, StoreError, StoreResult};
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::S3Location;

/// The size of one part of a multipart upload (S3's minimum is 5 MiB, except for the last).
const PART: usize = 8 * 1024 * 1024;
/// Parts in flight at once per upload.
const PARTS_IN_FLIGHT: usize = 2;

/// Access keys given in the configuration (otherwise the standard AWS environment variables
/// and credential sources are used). The secret never appears in `Debug`.
#[derive(Clone, Default)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials").field("secret_access_key", &"<redacted>").finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    prefix: Option<Path>,
    scratch: PathBuf,
}

impl std::fmt::Debug for S3BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bucket and endpoint are configuration, not secrets; the credentials stay out.
        f.debug_struct("S3BlobStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// A store error that names the operation and the kind of failure, never a key or a URL
/// with credentials (object_store's messages carry neither, but they are cut short anyway).
fn backend(what: &str, e: &object_store::Error) -> StoreError {
    let text: String = e.to_string().chars().take(300).collect();
    StoreError::Backend(format!("S3 blob store: {what}: {text}"))
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("S3 blob store: local file: {e}"))
}

impl S3BlobStore {
    /// Connects (lazily: no request is made until the first use) to the bucket of `loc`,
    /// spooling through `scratch`, a local folder.
    pub fn open(loc: &S3Location, credentials: Option<&S3Credentials>, scratch: &FsPath) -> StoreResult<Self> {
        // Outbound TLS uses ring (reqwest's `rustls-no-provider`); a second install is refused
        // and harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        std::fs::create_dir_all(scratch)
            .map_err(|e| StoreError::Unavailable(format!("cannot create the blob scratch folder {}: {e}", scratch.display())))?;
        // Credentials, a session token, a profile or an instance role from the environment, as
        // every AWS tool reads them; what the URL says wins over AWS_ENDPOINT and AWS_REGION.
        let mut b = AmazonS3Builder::from_env().with_bucket_name(&loc.bucket).with_region(&loc.region);
        if let Some(endpoint) = &loc.endpoint {
            b = b.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(c) = credentials {
            b = b.with_access_key_id(&c.access_key_id).with_secret_access_key(&c.secret_access_key);
        }
        b = b.with_virtual_hosted_style_request(loc.virtual_hosted);
        let store = b.build().map_err(|e| StoreError::Unavailable(format!("the S3 blob store cannot be set up: {}", kind_of(&e))))?;
        let prefix = if loc.prefix.is_empty() { None } else { Some(Path::from(loc.prefix.as_str())) };
        Ok(Self { store: Arc::new(store), prefix, scratch: scratch.to_path_buf() })
    }

    fn key(&self, id: &BlobId) -> StoreResult<Path> {
        let s = super::checked(id)?;
        Ok(match &self.prefix {
            Some(p) => p.clone().join(s),
            None => Path::from(s),
        })
    }
}

/// The first line of a builder error (it may quote configuration, never credentials).
fn kind_of(e: &object_store::Error) -> String {
    e.to_string().lines().next().unwrap_or_default().chars().take(200).collect()
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, id: &BlobId, bytes: &[u8]) -> StoreResult<()> {
        let key = self.key(id)?;
        self.store.put(&key, PutPayload::from(bytes.to_vec())).await.map_err(|e| backend("put", &e))?;
        Ok(())
    }

    async fn get(&self, id: &BlobId) -> StoreResult<Option<Vec<u8>>> {
        let key = self.key(id)?;
        match self.store.get(&key).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(|e| backend("get", &e))?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend("get", &e)),
        }
    }

    async fn delete(&self, id: &BlobId) -> StoreResult<()> {
        let key = self.key(id)?;
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend("delete", &e)),
        }
    }

    /// Small files in one request; larger ones as a multipart upload, part by part from the
    /// file (two parts in flight), so that a 1 GiB video never sits in memory.
    async fn put_file(&self, id: &BlobId, src: &FsPath) -> StoreResult<()> {
        let key = self.key(id)?;
        let mut f = tokio::fs::File::open(src).await.map_err(io)?;
        let len = f.metadata().await.map_err(io)?.len();
        if len <= PART as u64 {
            let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            f.read_to_end(&mut bytes).await.map_err(io)?;
            self.store.put(&key, PutPayload::from(bytes)).await.map_err(|e| backend("put", &e))?;
        } else {
            let upload = self.store.put_multipart(&key).await.map_err(|e| backend("multipart upload", &e))?;
            let mut w = WriteMultipart::new_with_chunk_size(upload, PART);
            let mut buf = vec![0u8; 1024 * 1024];
            loop {
                let n = match f.read(&mut buf).await {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = w.abort().await;
                        return Err(io(e));
                    }
                };
                if n == 0 {
                    break;
                }
                if let Err(e) = w.wait_for_capacity(PARTS_IN_FLIGHT).await {
                    let _ = w.abort().await;
                    return Err(backend("multipart upload", &e));
                }
                w.write(&buf[..n]);
            }
            w.finish().await.map_err(|e| backend("multipart upload", &e))?;
        }
        drop(f);
        let _ = tokio::fs::remove_file(src).await;
        Ok(())
    }

    async fn get_to_file(&self, id: &BlobId, dst: &FsPath) -> StoreResult<bool> {
        let key = self.key(id)?;
        let r = match self.store.get(&key).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(backend("get", &e)),
        };
        let mut f = tokio::fs::File::create(dst).await.map_err(io)?;
        let mut chunks = r.into_stream();
        while let Some(chunk) = chunks.next().await {
            let written = match chunk {
                Ok(c) => f.write_all(&c).await.map_err(io),
                Err(e) => Err(backend("get", &e)),
            };
            if let Err(e) = written {
                drop(f);
                let _ = tokio::fs::remove_file(dst).await;
                return Err(e);
            }
        }
        f.flush().await.map_err(io)?;
        Ok(true)
    }

    fn scratch_dir(&self) -> PathBuf {
        self.scratch.clone()
    }

    async fn list(&self) -> StoreResult<Vec<BlobId>> {
        let mut out = Vec::new();
        let mut objects = self.store.list(self.prefix.as_ref());
        while let Some(meta) = objects.next().await {
            let meta = meta.map_err(|e| backend("list", &e))?;
            let Some(name) = meta.location.filename() else { continue };
            let id = BlobId::from_stored(name.to_string());
            // Only this prefix's own objects (not those of a longer prefix sharing the bucket).
            if super::checked(&id).is_ok() && self.key(&id).is_ok_and(|k| k == meta.location) {
                out.push(id);
            }
        }
        Ok(out)
    }
}
