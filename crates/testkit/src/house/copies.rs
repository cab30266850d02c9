//! Blocks copied between files: runs of `MIN_LINES` or more lines that two files share. Lines
//! are compared after removing comments, `use`/`import` lines, blank lines and lines without
//! a letter or digit (closing brackets), and with whitespace collapsed; each window of
//! consecutive kept lines is hashed, and equal windows in two files are joined into runs.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use super::lexer::{Syntax, code_only};

/// How many kept lines make a copied block.
pub const MIN_LINES: usize = 6;

/// A block two files share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub a: String,
    pub a_lines: (usize, usize),
    pub b: String,
    pub b_lines: (usize, usize),
    /// The first shared line, normalised.
    pub first: String,
}

impl std::fmt::Display for Copied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}-{} ~ {}:{}-{} ({})", self.a, self.a_lines.0, self.a_lines.1, self.b, self.b_lines.0, self.b_lines.1, self.first)
    }
}

/// A file's kept lines: (line number, normalised text).
fn kept_lines(text: &str, syntax: Syntax) -> Vec<(usize, String)> {
    code_only(text, syntax)
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.split_whitespace().collect::<Vec<_>>().join(" ")))
        .filter(|(_, l)| l.chars().any(char::is_alphanumeric))
        .filter(|(_, l)| {
            let l = l.strip_prefix("pub ").or_else(|| l.strip_prefix("pub(crate) ")).unwrap_or(l);
            !(l.starts_with("use ") || l.starts_with("import ") || l.starts_with("mod ") || l.starts_with("#[") || l.starts_with("#!["))
        })
        .collect()
}

/// Every file under `root` the check reads (Rust, JavaScript, CSS, HTML, SQL), with paths
/// relative to `root`, except those whose relative path starts with one of `skip`.
pub fn files(root: &Path, skip: &[&str]) -> Vec<(String, PathBuf)> {
    fn walk(root: &Path, dir: &Path, skip: &[&str], out: &mut Vec<(String, PathBuf)>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            if skip.iter().any(|s| rel.starts_with(s)) || rel.split('/').any(|part| part == "target" || part.starts_with('.')) {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, skip, out);
            } else if Syntax::of(&p).is_some() {
                out.push((rel, p));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, skip, &mut out);
    out.sort();
    out
}

/// The blocks of `MIN_LINES` or more kept lines that two different files share.
pub fn copied(files: &[(String, PathBuf)]) -> Vec<Copied> {
    let mut lines: Vec<Vec<(usize, String)>> = Vec::new();
    let mut windows: HashMap<u64, Vec<(usize, usize)>> = HashMap::new();
    for (fi, (_, path)) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let kept = Syntax::of(path).map(|s| kept_lines(&text, s)).unwrap_or_default();
        for (wi, w) in kept.windows(MIN_LINES).enumerate() {
            let mut h = DefaultHasher::new();
            for (_, l) in w {
                l.hash(&mut h);
            }
            windows.entry(h.finish()).or_default().push((fi, wi));
        }
        lines.push(kept);
    }
    // For each pair of files, the window starts they share; runs are diagonals (i+1, j+1).
    let mut shared: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
    for places in windows.values() {
        for (k, &(fa, wa)) in places.iter().enumerate() {
            for &(fb, wb) in &places[k + 1..] {
                if fa == fb {
                    continue;
                }
                let same = lines[fa][wa..wa + MIN_LINES].iter().zip(&lines[fb][wb..wb + MIN_LINES]).all(|(x, y)| x.1 == y.1);
                if same {
                    let (key, pos) = if fa < fb { ((fa, fb), (wa, wb)) } else { ((fb, fa), (wb, wa)) };
                    shared.entry(key).or_default().push(pos);
                }
            }
        }
    }
    let mut out = Vec::new();
    for ((fa, fb), mut starts) in shared {
        starts.sort();
        starts.dedup();
        let mut used = vec![false; starts.len()];
        for k in 0..starts.len() {
            if used[k] {
                continue;
            }
            let (a0, b0) = starts[k];
            let mut len = 0;
            while let Ok(idx) = starts.binary_search(&(a0 + len, b0 + len)) {
                used[idx] = true;
                len += 1;
            }
            let (la, lb) = (&lines[fa], &lines[fb]);
            let last = len - 1 + MIN_LINES - 1;
            out.push(Copied {
                a: files[fa].0.clone(),
                a_lines: (la[a0].0, la[a0 + last].0),
                b: files[fb].0.clone(),
                b_lines: (lb[b0].0, lb[b0 + last].0),
                first: la[a0].1.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_copied_between_two_files_is_found_once() {
        let dir = tempfile::tempdir().unwrap();
        let body = "fn f(x: i64) -> i64 {\n    let a = x + 1;\n    let b = a * 2;\n\n    // why\n    let c = b - 3;\n    let d = c / 4;\n    let e = d % 5;\n    e + a\n}\n";
        std::fs::write(dir.path().join("one.rs"), format!("use a::b;\n{body}")).unwrap();
        std::fs::write(dir.path().join("two.rs"), format!("// other\nconst X: i64 = 1;\n{body}")).unwrap();
        std::fs::write(dir.path().join("three.rs"), "fn g() {}\n").unwrap();
        let found = copied(&files(dir.path(), &[]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].a.as_str(), found[0].a_lines), ("one.rs", (2, 10)));
        assert_eq!((found[0].b.as_str(), found[0].b_lines), ("two.rs", (3, 11)));
    }
}
