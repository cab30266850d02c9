//! Blob stores: where a region's sealed media, pictures and export archives live, named by
//! opaque ids. A region's `blob_url` says which: `file:///path` (the default, a folder: see
//! [`local`]) or `s3://bucket/prefix?endpoint=…&region=…` (S3-compatible storage: see [`s3`]).
//! Either way core seals every blob before it reaches the store (C-SEC-2) and deletes it on
//! erasure; the store never sees plaintext.

pub mod local;
pub mod s3;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clearboard_core::platform::ids::BlobId;
use clearboard_core::platform::ports::{BlobStore, StoreError, StoreResult};

pub use local::LocalBlobStore;
pub use s3::{S3BlobStore, S3Credentials};

/// The id as a key: UUID text. Anything else is a programming error, not user input (and
/// could otherwise climb out of the folder or the prefix).
pub(crate) fn checked(id: &BlobId) -> StoreResult<&str> {
    let s = id.as_str();
    if s.len() < 4 || !s.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(StoreError::Corrupt("invalid blob id".into()));
    }
    Ok(s)
}

/// Where an S3 bucket is, as `blob_url` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Object keys start with `<prefix>/` (empty: none).
    pub prefix: String,
    /// `http(s)://host:port` of an S3-compatible server; none: AWS.
    pub endpoint: Option<String>,
    pub region: String,
    /// `bucket.host` addressing instead of `host/bucket` (`style=virtual`).
    pub virtual_hosted: bool,
}

/// A parsed `blob_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    Folder(PathBuf),
    S3(S3Location),
}

/// Why a `blob_url` is refused. It names the problem, never the URL (which an operator might
/// have written with credentials in it).
fn refused(why: &str) -> StoreError {
    StoreError::Unavailable(format!("invalid blob_url: {why}"))
}

impl BlobLocation {
    /// Parses `file:///absolute/path` or `s3://bucket[/prefix][?endpoint=…&region=…&style=path|virtual]`.
    pub fn parse(text: &str) -> StoreResult<Self> {
        let text = text.trim();
        let url = url::Url::parse(text).map_err(|_| refused("it is not a URL (file:///path or s3://bucket/prefix?endpoint=…&region=…)"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refused("it must not carry credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"));
        }
        match url.scheme() {
            "file" => {
                if url.query().is_some() || url.host_str().is_some_and(|h| !h.is_empty() && h != "localhost") {
                    return Err(refused("a file URL is file:///absolute/path, with no host or query"));
                }
                let path = url.to_file_path().map_err(|()| refused("a file URL is file:///absolute/path"))?;
                Ok(Self::Folder(path))
            }
            "s3" => {
                let bucket = url.host_str().unwrap_or_default().to_string();
                let bucket_ok = (3..=63).contains(&bucket.len())
                    && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
                if !bucket_ok {
                    return Err(refused("the bucket name must be 3 to 63 lowercase letters, digits, dots or hyphens"));
                }
                let prefix = url.path().trim_matches('/').to_string();
                if prefix.split('/').any(|p| p == "." || p == "..") || prefix.contains("//") {
                    return Err(refused("the prefix must not contain empty, `.` or `..` segments"));
                }
                let mut loc = S3Location { bucket, prefix, endpoint: None, region: "us-east-1".into(), virtual_hosted: false };
                for (k, v) in url.query_pairs() {
                    match k.as_ref() {
                        "endpoint" => {
                            let ok = url::Url::parse(&v).is_ok_and(|e| {
                                matches!(e.scheme(), "http" | "https")
                                    && e.host_str().is_some()
                                    && e.username().is_empty()
                                    && e.password().is_none()
                            });
                            if !ok {
                                return Err(refused("endpoint must be an http:// or https:// URL without credentials"));
                            }
                            loc.endpoint = Some(v.trim_end_matches('/').to_string());
                        }
                        "region" if !v.is_empty() => loc.region = v.to_string(),
                        "style" if v == "path" => loc.virtual_hosted = false,
                        "style" if v == "virtual" => loc.virtual_hosted = true,
                        _ => return Err(refused("the known query parameters are endpoint, region and style (path or virtual)")),
                    }
                }
                Ok(Self::S3(loc))
            }
            _ => Err(refused("the scheme must be file or s3")),
        }
    }

    /// Opens the store; `scratch` is a local folder for spooling (S3 only; the folder store
    /// keeps its scratch beside its blobs, on the same file system).
    pub fn open(&self, credentials: Option<&S3Credentials>, scratch: &Path) -> StoreResult<Arc<dyn BlobStore>> {
        Ok(match self {
            Self::Folder(root) => Arc::new(LocalBlobStore::open(root)?),
            Self::S3(loc) => Arc::new(S3BlobStore::open(loc, credentials, scratch)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_urls_parse_or_are_refused_without_echoing_them() {
        assert_eq!(BlobLocation::parse("file:///var/lib/cb/blobs").ok(), Some(BlobLocation::Folder("/var/lib/cb/blobs".into())));
        let Ok(BlobLocation::S3(s)) = BlobLocation::parse("s3://media-eu/cb/eu?endpoint=http://127.0.0.1:3900&region=garage") else {
            unreachable!("a valid S3 URL parses")
        };
        assert_eq!(
            (s.bucket.as_str(), s.prefix.as_str(), s.endpoint.as_deref(), s.region.as_str()),
            ("media-eu", "cb/eu", Some("http://127.0.0.1:3900"), "garage")
        );
        for bad in [
            "s3://AKIAKEY:SeCrEt@bucket/x",
            "ftp://bucket/x",
            "s3://B/x",
            "s3://bucket/x?secret=SeCrEt",
            "s3://bucket/x?endpoint=ftp://h",
            "/just/a/path",
        ] {
            let e = BlobLocation::parse(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("invalid blob_url"), "{bad} is refused: {e}");
            assert!(!e.contains("SeCrEt") && !e.contains("AKIAKEY"), "the error does not echo the URL: {e}");
        }
    }
}
