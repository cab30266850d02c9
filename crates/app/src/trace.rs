//! `clearboard policy trace` (C-DATA-9 and the rest of the SPEC): reads the repository's
//! source (every `.rs` file under `crates/`), the SPEC's ids (`policy/commitments.toml`) and
//! the ratchet of ids no test proves yet (`policy/unproven.toml`), and hands them to the
//! policy crate's trace (`clearboard_policy::trace`, where the rule is written down).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clearboard_policy::trace::{self, Entry, SourceFile, Unproven};

/// What the trace reads from a repository.
pub struct Repo {
    pub spec: Vec<String>,
    pub unproven: Vec<Unproven>,
    pub files: Vec<SourceFile>,
}

/// The repository to read: the current folder when it is one, else the one this binary was
/// built from.
pub fn default_root() -> PathBuf {
    let here = PathBuf::from(".");
    if here.join("policy/commitments.toml").is_file() && here.join("crates").is_dir() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.') && n != "target"))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(root, &p, out)?;
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            out.push(SourceFile { path: rel, text });
        }
    }
    Ok(())
}

/// Reads a repository.
pub fn load(root: &Path) -> anyhow::Result<Repo> {
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).with_context(|| format!("cannot read {rel} under {}", root.display()));
    let spec = trace::parse_commitments(&read("policy/commitments.toml")?).map_err(|e| anyhow::anyhow!("policy/commitments.toml: {e}"))?;
    let unproven = trace::parse_unproven(&read("policy/unproven.toml")?).map_err(|e| anyhow::anyhow!("policy/unproven.toml: {e}"))?;
    let mut files = Vec::new();
    walk(root, &root.join("crates"), &mut files)?;
    Ok(Repo { spec, unproven, files })
}

impl Repo {
    pub fn entries(&self) -> Vec<Entry> {
        trace::trace(&self.spec, &self.files)
    }

    /// What CI refuses (see [`trace::ratchet`]).
    pub fn problems(&self) -> Vec<String> {
        trace::ratchet(&self.spec, &self.files, &self.unproven)
    }

    /// The trace as text: each id, where it is enforced, which tests name it, or which issue
    /// will prove it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let entries = self.entries();
        let proven = entries.iter().filter(|e| !e.tests.is_empty()).count();
        for e in &entries {
            out.push_str(&format!("{}\n", e.id));
            out.push_str(&format!(
                "  enforced in: {}\n",
                if e.enforced_in.is_empty() { "(no file names it)".into() } else { e.enforced_in.join(", ") }
            ));
            if e.tests.is_empty() {
                match self.unproven.iter().find(|u| u.id == e.id) {
                    Some(u) => out.push_str(&format!("  tests: none yet; {}: {}\n", u.issue, u.why)),
                    None => out.push_str("  tests: NONE\n"),
                }
            } else {
                for t in &e.tests {
                    out.push_str(&format!("  test: {t}\n"));
                }
            }
        }
        out.push_str(&format!(
            "\n{proven} of {} commitments have at least one test ({}%); {} wait for the issue named in policy/unproven.toml\n",
            entries.len(),
            if entries.is_empty() { 0 } else { proven * 100 / entries.len() },
            self.unproven.len()
        ));
        out
    }
}
