//! The house rules the suite enforces on the source tree (issue 12): no file cycle between
//! the modules of `core` or of `web`, no `.rs` file above [`MAX_LINES`] lines, no block of
//! [`copies::MIN_LINES`] or more lines copied between files of `crates/`. Std only: it reads
//! files as text and runs nothing.

pub mod copies;
pub mod lexer;
pub mod modules;

use std::path::{Path, PathBuf};

/// The longest a `.rs` file may be.
pub const MAX_LINES: usize = 600;

/// `.rs` files under `roots` (relative to `repo`) with more than `max` lines, except those
/// `allowed` names (relative path and the reason, said in the caller).
pub fn long_files(repo: &Path, roots: &[&str], max: usize, allowed: &[(&str, &str)]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for root in roots {
        for (rel, path) in copies::files(&repo.join(root), &[]) {
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = format!("{root}/{rel}");
            let n = std::fs::read_to_string(&path).map(|t| t.lines().count()).unwrap_or(0);
            if n > max && !allowed.iter().any(|(a, _)| *a == rel) {
                out.push((rel, n));
            }
        }
    }
    out
}

/// The cycles between files of the crate at `crate_dir` (its `src/`), each written
/// `a.rs → b.rs (line: path) → …`.
pub fn cycles(crate_dir: &Path) -> Vec<String> {
    let edges = modules::edges(&crate_dir.join("src"));
    modules::cycles(&edges)
        .into_iter()
        .map(|c| c.iter().map(|e| format!("{} --[{}:{}]--> ", e.from, e.line, e.path)).collect::<String>() + &c[0].from)
        .collect()
}

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap_or_else(|_| PathBuf::from("."))
}
