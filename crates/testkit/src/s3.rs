//! An S3-compatible server for the tests (issue 20, acceptance 1): moto (PyPI, pinned) in its
//! own venv under `target/test-tools/moto-venv` (made on first use by [`crate::tools`]), one
//! server per test process on 127.0.0.1 and a port the OS chooses, started on first use and
//! stopped when the process exits (it stops when its stdin closes). Each app or harness that
//! stores blobs on S3 gets a bucket of its own ([`S3Server::new_bucket`]).
//!
//! The PostgreSQL half of every `both!` test stores its blobs here ([`crate::spawn`],
//! [`crate::domain`]); the SQLite half keeps the folder store. So the whole suite runs on both
//! blob stores at no extra test time. Without python3, venv or pip the tests that need it fail
//! and say how to install them (always with `CI=true`), unless `CLEARBOARD_TEST_SKIP` names `s3`:
//! then the PostgreSQL halves keep the folder store and the skip is reported.
//!
//! Also here: a raw listing of a bucket (moto's HTTP API, not our adapter: the proof that an
//! erasure left no object behind), and copies of a store's blobs in a local folder (through the
//! port: list and get) for the forensic scans, which read files.

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin};
use std::sync::{Mutex, OnceLock};

use clearboard_core::platform::ports::BlobStore;

/// The pinned server. Changing it makes a new venv (the marker file holds this string).
const MOTO: crate::tools::PyTool = crate::tools::PyTool { name: "moto", requirement: "moto[server]==5.2.1", script: "python" };

/// The key of `CLEARBOARD_TEST_SKIP` that lets the PostgreSQL halves keep the folder store.
pub const SKIP_KEY: &str = "s3";

/// moto's threaded server on a free port; the port is printed once it listens. It stops when
/// its stdin closes, so it cannot outlive the test process.
const SERVER_PY: &str = r#"
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server._server.server_address[1], flush=True)
try:
    sys.stdin.read()
finally:
    server.stop()
"#;

/// The process's S3 server.
pub struct S3Server {
    pub endpoint: String,
    _child: Mutex<Child>,
    _stdin: Mutex<Option<ChildStdin>>,
    _script: tempfile::TempDir,
}

impl std::fmt::Debug for S3Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Server").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

/// Access keys for moto (it accepts any; the adapter signs every request with them).
pub const ACCESS_KEY_ID: &str = "clearboard-test";
pub const SECRET_ACCESS_KEY: &str = "clearboard-test-secret";

impl S3Server {
    /// The process's server, started on first use; `None` only when moto cannot be had and
    /// `CLEARBOARD_TEST_SKIP` names `s3` outside CI (otherwise the test fails and says how
    /// to install it). Blocking (the first call may build the venv and start the server).
    pub fn get() -> Option<&'static S3Server> {
        static SERVER: OnceLock<Option<S3Server>> = OnceLock::new();
        SERVER.get_or_init(Self::start).as_ref()
    }

    /// [`S3Server::get`] off the async workers.
    pub async fn get_async() -> Option<&'static S3Server> {
        match tokio::task::spawn_blocking(Self::get).await {
            Ok(s) => s,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("the S3 server start task: {e}"),
        }
    }

    // Real waits for a real process: no simulated clock has a say here.
    #[allow(clippy::disallowed_methods)]
    fn start() -> Option<S3Server> {
        let python = match crate::tools::install(MOTO) {
            Ok(p) => p,
            Err(why) => {
                crate::deps::missing(
                    SKIP_KEY,
                    &format!("{} is unavailable ({why})", MOTO.requirement),
                    "it needs python3 with the venv module (Debian: apt-get install python3-venv) and pip access to PyPI",
                    "blobs on S3 in the PostgreSQL halves (they keep the folder store)",
                );
                return None;
            }
        };
        let started = std::time::Instant::now();
        let dir = tempfile::Builder::new().prefix("clearboard-s3-").tempdir().expect("temp dir for the S3 server");
        let script = dir.path().join("s3.py");
        std::fs::write(&script, SERVER_PY).expect("write the S3 server script");
        let (child, stdin, port) = crate::tools::start_server(&python, &script, &[], &dir.path().join("s3.log"), "moto");
        eprintln!("S3 server (moto) on 127.0.0.1:{port}, started in {:.1} s", started.elapsed().as_secs_f64());
        Some(S3Server { endpoint: format!("http://127.0.0.1:{port}"), _child: Mutex::new(child), _stdin: Mutex::new(stdin), _script: dir })
    }

    fn http() -> reqwest::Client {
        // This may run before any app installed the process's TLS provider (ring, as theirs).
        let _ = rustls::crypto::ring::default_provider().install_default();
        crate::spawn::local_client().build().expect("an HTTP client")
    }

    /// Creates a fresh bucket (moto asks for no signature on its own API) and returns its name.
    pub async fn new_bucket(&self) -> String {
        let r = clearboard_vault::random::bytes::<8>().map(hex::encode).expect("randomness");
        let bucket = format!("cb-{r}");
        let res = Self::http().put(format!("{}/{bucket}", self.endpoint)).send().await.expect("the S3 server answers");
        assert!(res.status().is_success(), "creating bucket {bucket}: {}", res.status());
        bucket
    }

    /// The `blob_url` of `prefix` in `bucket` on this server.
    pub fn blob_url(&self, bucket: &str, prefix: &str) -> String {
        format!("s3://{bucket}/{prefix}?endpoint={}&region=us-east-1", self.endpoint)
    }

    /// Every object key in `bucket`, read from the server's own listing (not our adapter's).
    pub async fn raw_keys(&self, bucket: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = format!("{}/{bucket}?list-type=2", self.endpoint);
            if let Some(t) = &token {
                url.push_str(&format!("&continuation-token={}", url_escape(t)));
            }
            let body = Self::http().get(url).send().await.expect("the S3 server answers").text().await.expect("a listing");
            keys.extend(elements(&body, "Key"));
            token = elements(&body, "NextContinuationToken").into_iter().next();
            if token.is_none() {
                return keys;
            }
        }
    }
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The texts of every `<name>…</name>` element (a listing is flat: no nesting of the same name).
fn elements(xml: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(after[..j].replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"));
        rest = &after[j + close.len()..];
    }
    out
}

/// Copies every blob of `store` into the folder `to` (emptied first), one file per blob named
/// by its id, through the port (list, then get): what the forensic scans read, whatever the store.
pub async fn copy_blobs(store: &dyn BlobStore, to: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("a folder for blob copies");
    for id in store.list().await.expect("the blob store lists its blobs") {
        store.get_to_file(&id, &to.join(id.as_str())).await.expect("the blob store reads a blob");
    }
    to.to_path_buf()
}

impl crate::spawn::TestApp {
    /// Every blob id of `region`, through the port (whatever the store).
    pub async fn blob_ids(&self, region: &str) -> Vec<clearboard_core::platform::ids::BlobId> {
        let r = self.opened.regions.iter().find(|r| r.id.as_str() == region).expect("the region is open");
        r.blobs.list().await.expect("the blob store lists its blobs")
    }

    /// Whether `region` keeps its blobs on S3 (its `blob_url` says `s3://`).
    pub fn blobs_on_s3(&self, region: &str) -> bool {
        self.config.region.get(region).and_then(|r| r.blob_url.as_deref()).is_some_and(|u| u.starts_with("s3://"))
    }

    /// Copies of the blobs of `region` (every region: `None`) in local folders, one per region,
    /// read through the port: what the decrypting scan opens.
    pub async fn blob_copies(&self, region: Option<&str>) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for r in self.opened.regions.iter().filter(|r| region.is_none_or(|id| r.id.as_str() == id)) {
            let to = self.dir.path().join("copied-blobs").join(r.id.as_str());
            out.push(copy_blobs(r.blobs.as_ref(), &to).await);
        }
        out
    }

    /// The copies of the blobs that are not files under the data dir (regions on S3): what a
    /// scan of storage files must add to see every blob.
    pub(crate) async fn remote_blob_copies(&self, region: Option<&str>) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for id in self.config.regions.iter().filter(|r| region.is_none_or(|id| *r == id) && self.blobs_on_s3(r)) {
            out.extend(self.blob_copies(Some(id)).await);
        }
        out
    }
}

impl crate::spawn::TestApp {
    /// The blob store of `region`.
    pub fn blob_store(&self, region: &str) -> std::sync::Arc<dyn BlobStore> {
        self.opened.regions.iter().find(|r| r.id.as_str() == region).expect("the region is open").blobs.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_are_read_element_by_element() {
        let xml = "<ListBucketResult><Contents><Key>eu/a&amp;b</Key></Contents><Contents><Key>us/c</Key></Contents>\
                   <NextContinuationToken>t1</NextContinuationToken></ListBucketResult>";
        assert_eq!(elements(xml, "Key"), vec!["eu/a&b".to_string(), "us/c".to_string()]);
        assert_eq!(elements(xml, "NextContinuationToken"), vec!["t1".to_string()]);
        assert_eq!(url_escape("a b/+"), "a%20b%2F%2B");
    }
}
