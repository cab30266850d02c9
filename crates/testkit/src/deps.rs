//! What a test needs from the machine (a system tool such as `promtool`, `ffmpeg`,
//! `chromium`), and the one rule for when it is missing: the test FAILS and says how to install
//! it, unless `CLEARBOARD_TEST_SKIP` (comma-separated) names its key; then it prints that it
//! skipped. A proof never passes silently because a dependency is missing.

use std::path::PathBuf;

/// Whether `CLEARBOARD_TEST_SKIP` names `key`.
pub fn skipped(key: &str) -> bool {
    std::env::var("CLEARBOARD_TEST_SKIP").is_ok_and(|v| v.split(',').any(|k| k.trim() == key))
}

/// The path of a program on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}

/// A system program the test needs: its path; `None` (with a line on stderr) when missing and
/// skipped by `CLEARBOARD_TEST_SKIP=<key>`; otherwise the test fails with `install`.
pub fn system_tool(program: &str, key: &str, install: &str) -> Option<PathBuf> {
    if let Some(p) = which(program) {
        return Some(p);
    }
    if skipped(key) {
        eprintln!("SKIPPED ({key}): `{program}` is not installed and CLEARBOARD_TEST_SKIP names `{key}`");
        return None;
    }
    panic!("this test needs `{program}`: install it ({install}), or set CLEARBOARD_TEST_SKIP={key} to skip it knowingly");
}
