//! The house rules (issue 12), checked on the source tree by `clearboard_testkit::house`:
//!
//! - no file cycle between the modules of `core` or of `web` (a file naming another through
//!   `crate::`, `super::`, `self::` or a child module's name, directly or through a chain);
//! - no `.rs` file above 600 lines under `crates/`, `bench/` and `fuzz/` (generated code aside,
//!   each by name with its reason in [`LONG_FILES`]);
//! - no block of six or more lines copied between two files of `crates/` (comments, blank
//!   lines and `use` lines aside; the per-backend migrations aside; the pairs in
//!   [`ALLOWED_COPIES`] aside, each with its reason).
//!
//! A failure names the files and lines, so the fix starts from the message.

use std::path::PathBuf;

use clearboard_testkit::house::{self, MAX_LINES, copies, modules};

/// `.rs` files allowed above [`MAX_LINES`]: (path from the repository root, why). Generated
/// code only; none today.
const LONG_FILES: &[(&str, &str)] = &[];

/// Pairs of files (paths under `crates/`) allowed to share blocks, and why.
const ALLOWED_COPIES: &[(&str, &str, &str)] = &[
    (
        "core/src/boards/shapes.rs",
        "core/src/platform/ports/boards.rs",
        "a card as shown (CardShared) and a card as stored (CardRow) declare the same fields; no logic is shared",
    ),
    (
        "store/src/platform/audit.rs",
        "vault/src/audit.rs",
        "the audit row as sqlx reads it (AuditRec) declares the fields of the vault's chained record",
    ),
];

/// Folders of `crates/` the copy check does not read: migrations are written once per
/// backend on purpose and never edited once applied (their checksums are checked).
const NOT_READ_FOR_COPIES: &[&str] = &["store/migrations"];

fn repo() -> PathBuf {
    house::repo_root()
}

#[test]
fn no_file_cycle_between_modules_of_core_or_web() {
    let mut found = Vec::new();
    for krate in ["core", "web"] {
        let dir = repo().join("crates").join(krate);
        let edges = modules::edges(&dir.join("src"));
        assert!(edges.len() > 50, "{krate}: only {} edges read: is the parser still reading paths?", edges.len());
        found.extend(house::cycles(&dir).into_iter().map(|c| format!("{krate}: {c}")));
    }
    assert!(found.is_empty(), "file cycles (name the file you depend on, move the shared type down a floor):\n{}", found.join("\n"));
}

#[test]
fn no_rs_file_above_600_lines() {
    let long = house::long_files(&repo(), &["crates", "bench", "fuzz"], MAX_LINES, LONG_FILES);
    let list: Vec<String> = long.iter().map(|(f, n)| format!("{f}: {n} lines")).collect();
    assert!(list.is_empty(), "files above {MAX_LINES} lines (split them by concern):\n{}", list.join("\n"));
}

#[test]
fn no_block_copied_between_files_of_crates() {
    let files = copies::files(&repo().join("crates"), NOT_READ_FOR_COPIES);
    assert!(files.len() > 150, "only {} files read", files.len());
    let allowed = |c: &copies::Copied| ALLOWED_COPIES.iter().any(|(a, b, _)| (c.a == *a && c.b == *b) || (c.a == *b && c.b == *a));
    let found: Vec<String> = copies::copied(&files).iter().filter(|c| !allowed(c)).map(ToString::to_string).collect();
    assert!(found.is_empty(), "blocks copied between files (make one piece of code serve both):\n{}", found.join("\n"));
    for (a, b, why) in ALLOWED_COPIES {
        assert!(
            files.iter().any(|(f, _)| f == a) && files.iter().any(|(f, _)| f == b),
            "ALLOWED_COPIES names a file that is gone: {a} or {b} ({why})"
        );
    }
}
