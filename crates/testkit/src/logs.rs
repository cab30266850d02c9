//! Test logs: every test process writes its structured logs (debug level) to one file under
//! `target/test-logs/`, so canary tests can scan everything the servers logged.

use std::path::PathBuf;
use std::sync::{Mutex, Once, OnceLock};

static PATH: OnceLock<PathBuf> = OnceLock::new();

/// Every canary planted by this test process (see [`crate::canary`]).
static PLANTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
static AT_EXIT: Once = Once::new();

/// Records a planted canary. At the end of the test process, whatever the tests did, the
/// whole log of the run is scanned for every canary ever planted (issue 7, drill 5): one hit
/// makes the process exit with status 1, which fails `cargo test`.
pub fn plant(value: &str) {
    PLANTED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(value.to_string());
    AT_EXIT.call_once(|| {
        // SAFETY: `atexit` only stores the function pointer; `scan_at_exit` never unwinds
        // (it catches panics) and runs once, when the test harness exits the process.
        #[allow(unsafe_code)]
        let registered = unsafe { libc::atexit(scan_at_exit) };
        assert_eq!(registered, 0, "atexit refused the log hygiene check");
    });
}

extern "C" fn scan_at_exit() {
    let outcome = std::panic::catch_unwind(|| {
        let needles = PLANTED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let Some(path) = PATH.get() else { return Ok((needles.len(), 0)) };
        let bytes = std::fs::read(path).unwrap_or_default();
        let hits = crate::forensics::scan_bytes(&bytes, &needles);
        if hits.is_empty() { Ok((needles.len(), bytes.len())) } else { Err((hits, path.clone())) }
    });
    match outcome {
        Ok(Ok((n, len))) => eprintln!("log hygiene: {n} planted canaries, {len} bytes of logs, 0 hits"),
        Ok(Err((hits, path))) => {
            eprintln!("log hygiene FAILED: planted canaries appear in {}: {hits:?}", path.display());
            // SAFETY: ends the process at once with a failure status; nothing is left to run.
            #[allow(unsafe_code)]
            unsafe {
                libc::_exit(1)
            };
        }
        Err(_) => {
            eprintln!("log hygiene FAILED: the scan itself panicked");
            #[allow(unsafe_code)]
            unsafe {
                libc::_exit(1)
            };
        }
    }
}

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
        let _ = tracing_subscriber::fmt().json().with_env_filter(filter).with_writer(Mutex::new(file)).with_current_span(true).try_init();
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
