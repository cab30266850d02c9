//! What a test needs from the machine (PostgreSQL, a system tool such as `promtool`,
//! `ffmpeg`, `chromium`, a PyPI tool such as aiosmtpd), and the one rule for when it is
//! missing: the test FAILS and says how to install it, unless `CLEARBOARD_TEST_SKIP`
//! (comma-separated keys: `postgres`, `promtool`, `aiosmtpd`, …) names it. With `CI=true` nothing
//! may be skipped. A proof never passes silently because a dependency is missing.
//!
//! A skip is loud twice: one line on the process's standard error at once (written past the
//! test harness's output capture, so `cargo test` shows it even for a passing test), and a
//! summary of every skip of the run when the test process exits (an `atexit` hook, as the
//! log hygiene scan uses: it runs after the harness has printed its results, whatever the
//! order in which tests ran, and in every process when nextest runs one test per process).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, Once};

/// Whether this is CI (`CI=true` or `CI=1`): a missing dependency fails, never skips.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Whether `CLEARBOARD_TEST_SKIP` names `key`.
pub fn skipped(key: &str) -> bool {
    std::env::var("CLEARBOARD_TEST_SKIP").is_ok_and(|v| v.split(',').any(|k| k.trim() == key))
}

/// The skips of this process: key → (why, what was skipped).
static SKIPS: Mutex<BTreeMap<String, (String, Vec<String>)>> = Mutex::new(BTreeMap::new());
static AT_EXIT: Once = Once::new();

/// The rule, for a dependency that is missing: fails (saying `why` and how to `install` it)
/// unless `CLEARBOARD_TEST_SKIP` names `key` outside CI; returns when skipping is allowed.
pub fn may_skip(key: &str, why: &str, install: &str) {
    assert!(!ci(), "CI=true and {why}: {install}. CI skips nothing.");
    assert!(
        skipped(key),
        "{why}: {install}, or set CLEARBOARD_TEST_SKIP={key} to skip what needs it knowingly (the run then says what it skipped)"
    );
}

/// [`may_skip`], then records the skip of `what`.
pub fn missing(key: &str, why: &str, install: &str, what: &str) {
    may_skip(key, why, install);
    skip(key, why, what);
}

/// Records that `what` (a test, or part of one) was skipped because of `key`: a line on the
/// real standard error now, and a line in the summary printed when the process exits.
pub fn skip(key: &str, why: &str, what: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED ({key}): {what}: {why}; CLEARBOARD_TEST_SKIP names `{key}`");
    let mut skips = SKIPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    skips.entry(key.to_string()).or_insert_with(|| (why.to_string(), Vec::new())).1.push(what.to_string());
    drop(skips);
    AT_EXIT.call_once(|| {
        // SAFETY: `atexit` only stores the function pointer; `summary_at_exit` never unwinds
        // (it catches panics) and runs once, when the test harness exits the process.
        #[allow(unsafe_code)]
        let registered = unsafe { libc::atexit(summary_at_exit) };
        assert_eq!(registered, 0, "atexit refused the skip summary");
    });
}

/// What this process skipped so far: (key, why, what), in key order.
pub fn skips() -> Vec<(String, String, Vec<String>)> {
    let skips = SKIPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    skips.iter().map(|(k, (why, what))| (k.clone(), why.clone(), what.clone())).collect()
}

/// The summary of a run's skips, as printed at exit.
pub fn summary(skips: &[(String, String, Vec<String>)]) -> String {
    let total: usize = skips.iter().map(|(_, _, w)| w.len()).sum();
    let mut out = format!("\n======== SKIPPED in this run: {total} (CLEARBOARD_TEST_SKIP) ========\n");
    for (key, why, what) in skips {
        out.push_str(&format!("  {key}: {} skipped ({why})\n", what.len()));
        for w in what {
            out.push_str(&format!("    - {w}\n"));
        }
    }
    out.push_str("======== these proofs did NOT run ========\n");
    out
}

extern "C" fn summary_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        let skips = skips();
        if !skips.is_empty() {
            let _ = std::io::stderr().write_all(summary(&skips).as_bytes());
        }
    });
}

/// The path of a program on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}

/// A system program the test needs: its path; `None` when missing and skipped knowingly
/// (`CLEARBOARD_TEST_SKIP=<key>`, recorded by [`skip`]); otherwise the test fails with
/// `install`.
pub fn system_tool(program: &str, key: &str, install: &str) -> Option<PathBuf> {
    if let Some(p) = which(program) {
        return Some(p);
    }
    let what = std::thread::current().name().unwrap_or("a test").to_string();
    missing(key, &format!("`{program}` is not installed"), &format!("install it ({install})"), &what);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_every_skip() {
        let s = summary(&[("postgres".into(), "unreachable".into(), vec!["a::postgres".into(), "b::postgres".into()])]);
        assert!(s.contains("SKIPPED in this run: 2") && s.contains("postgres: 2 skipped (unreachable)") && s.contains("- b::postgres"));
    }
}
