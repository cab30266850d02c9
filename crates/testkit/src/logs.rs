//! Test logs: every test process writes its structured logs (debug level) to one file under
//! `target/test-logs/`, so canary tests can scan everything the servers logged.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

static PATH: OnceLock<PathBuf> = OnceLock::new();

/// The log file of this test process (installs the subscriber on first call).
pub fn init() -> PathBuf {
    PATH.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-logs");
        std::fs::create_dir_all(&dir).expect("create target/test-logs");
        let path = dir.join(format!("it-{}.log", std::process::id()));
        let file = std::fs::File::create(&path).expect("create the test log file");
        let filter = tracing_subscriber::EnvFilter::new(
            "debug,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info,tower=info,tokio=info,runtime=info",
        );
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(Mutex::new(file))
            .with_current_span(true)
            .try_init();
        path
    })
    .clone()
}

/// Everything logged so far by this process.
pub fn contents() -> Vec<u8> {
    std::fs::read(init()).unwrap_or_default()
}

/// Fails if any needle appears in this process's logs so far (in any encoding the scanner
/// knows). A positive control checks that logging itself works.
pub fn assert_clean(needles: &[String]) {
    let bytes = contents();
    assert!(bytes.len() > 100, "the test log is (nearly) empty: logging is not captured");
    let hits = crate::forensics::scan_bytes(&bytes, needles);
    assert!(hits.is_empty(), "personal data found in logs: {hits:?}");
}
