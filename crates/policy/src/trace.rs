//! The trace from each commitment (`C-…`) to the code that enforces it and the tests that
//! prove it, and the ratchet of commitments no test proves yet. Pure: the caller reads the
//! files and passes their text (`clearboard policy trace` and the suite do).
//!
//! The rule, one for code and tests:
//!
//! - **A test** is a function under `#[test]` or `#[tokio::test…]`, or a `both!(name, …)`
//!   invocation (the integration suite's macro: one test per storage backend).
//! - **A test names an id** when its function name holds the id in snake case as whole
//!   `_`-separated words (`c_ret_2_…` for the id `C-` `RET-2`, `…_c_3p_1` for `C-` `3P-1`), or
//!   when one of the comment (`//`, `///`) or attribute lines directly above it (no blank line
//!   in between) holds the id as written in the SPEC (`// C-<ROOM>-<N>: …`).
//! - **Code enforces an id** when a file under `crates/` names it outside tests: files under a
//!   `tests/` folder, files named `tests.rs`, the test kit, and everything from a file's
//!   `#[cfg(test)]` line on (tests come last in a file) are tests.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// One source file, by its path from the repository root.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// A test and the ids it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFn {
    pub file: String,
    pub line: usize,
    pub name: String,
    pub ids: BTreeSet<String>,
}

/// One commitment of the SPEC: where it is enforced, which tests name it.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub id: String,
    pub enforced_in: Vec<String>,
    pub tests: Vec<String>,
}

/// A commitment no test proves yet, the issue that will, and why.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unproven {
    pub id: String,
    pub issue: String,
    pub why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnprovenFile {
    #[serde(default)]
    unproven: Vec<Unproven>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Commitment {
    id: String,
    #[allow(dead_code)]
    title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitmentsFile {
    commitment: Vec<Commitment>,
}

/// The ids of `policy/commitments.toml` (the SPEC's list, copied into the repository).
pub fn parse_commitments(text: &str) -> Result<Vec<String>, String> {
    let f: CommitmentsFile = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(f.commitment.into_iter().map(|c| c.id).collect())
}

/// The entries of `policy/unproven.toml`.
pub fn parse_unproven(text: &str) -> Result<Vec<Unproven>, String> {
    let f: UnprovenFile = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(f.unproven)
}

/// Every `C-…-N` id in a text, in order of appearance.
pub fn ids_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < b.len() {
        if b[i] == b'C' && b[i + 1] == b'-' && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i + 2;
            while j < b.len() && (b[j].is_ascii_uppercase() || b[j].is_ascii_digit()) {
                j += 1;
            }
            if j > i + 2 && j + 1 < b.len() && b[j] == b'-' && b[j + 1].is_ascii_digit() {
                let mut k = j + 1;
                while k < b.len() && b[k].is_ascii_digit() {
                    k += 1;
                }
                if k == b.len() || !b[k].is_ascii_alphanumeric() {
                    out.push(text[i..k].to_string());
                    i = k;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// The ids a test's name holds: `c_<room>_<n>` runs of words, read as `C-<ROOM>-<N>`.
fn ids_in_name(name: &str) -> BTreeSet<String> {
    let words: Vec<&str> = name.split('_').collect();
    let mut out = BTreeSet::new();
    for w in words.windows(3) {
        let alpha = !w[1].is_empty() && w[1].chars().all(|c| c.is_ascii_alphanumeric()) && w[1].chars().any(|c| c.is_ascii_alphabetic());
        if w[0] == "c" && alpha && !w[2].is_empty() && w[2].chars().all(|c| c.is_ascii_digit()) {
            out.insert(format!("C-{}-{}", w[1].to_ascii_uppercase(), w[2]));
        }
    }
    out
}

fn is_test_path(path: &str) -> bool {
    path.contains("/tests/") || path.ends_with("/tests.rs") || path.starts_with("crates/testkit/")
}

/// The tests of a file and the ids each names.
pub fn tests_in(file: &SourceFile) -> Vec<TestFn> {
    let lines: Vec<&str> = file.text.lines().collect();
    let mut out = Vec::new();
    for (n, l) in lines.iter().enumerate() {
        let s = l.trim_start();
        let name = if let Some(rest) = s.strip_prefix("both!(") {
            Some(rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("").to_string())
        } else if s.starts_with("#[test]") || s.starts_with("#[tokio::test") {
            lines.iter().skip(n + 1).take(6).find_map(|x| fn_name(x))
        } else {
            None
        };
        let Some(name) = name.filter(|x| !x.is_empty()) else { continue };
        let mut ids = ids_in_name(&name);
        for above in lines[..n].iter().rev() {
            let a = above.trim_start();
            if !(a.starts_with("//") || a.starts_with("#[")) {
                break;
            }
            ids.extend(ids_in(a));
        }
        out.push(TestFn { file: file.path.clone(), line: n + 1, name, ids });
    }
    out
}

fn fn_name(line: &str) -> Option<String> {
    let at = line.find("fn ")?;
    let rest = &line[at + 3..];
    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// The part of a file that is not a test: nothing for test files, else up to `#[cfg(test)]`.
fn code_part(file: &SourceFile) -> &str {
    if is_test_path(&file.path) {
        return "";
    }
    match file.text.find("\n#[cfg(test)]") {
        Some(at) => &file.text[..at],
        None => &file.text,
    }
}

/// The trace of every id of `spec` through `files`.
pub fn trace(spec: &[String], files: &[SourceFile]) -> Vec<Entry> {
    let mut entries: BTreeMap<&str, Entry> = spec.iter().map(|id| (id.as_str(), Entry { id: id.clone(), ..Entry::default() })).collect();
    for f in files {
        let named: BTreeSet<String> = ids_in(code_part(f)).into_iter().collect();
        for id in named {
            if let Some(e) = entries.get_mut(id.as_str()) {
                e.enforced_in.push(f.path.clone());
            }
        }
        for t in tests_in(f) {
            for id in &t.ids {
                if let Some(e) = entries.get_mut(id.as_str()) {
                    e.tests.push(format!("{}:{} {}", t.file, t.line, t.name));
                }
            }
        }
    }
    spec.iter().filter_map(|id| entries.remove(id.as_str())).collect()
}

/// What CI refuses: an id without a test that the ratchet does not list, an id the ratchet
/// lists that now has a test (take it off: the list only shrinks), a test or a ratchet entry
/// naming an id the SPEC does not have, an id listed twice.
pub fn ratchet(spec: &[String], files: &[SourceFile], unproven: &[Unproven]) -> Vec<String> {
    let mut problems = Vec::new();
    let known: BTreeSet<&str> = spec.iter().map(String::as_str).collect();
    for f in files {
        for t in tests_in(f) {
            for id in t.ids.iter().filter(|id| !known.contains(id.as_str())) {
                problems.push(format!("{}:{} {} names {id}, which the SPEC does not have", t.file, t.line, t.name));
            }
        }
    }
    let mut listed = BTreeSet::new();
    for u in unproven {
        if !known.contains(u.id.as_str()) {
            problems.push(format!("policy/unproven.toml lists {}, which the SPEC does not have", u.id));
        }
        if !listed.insert(u.id.as_str()) {
            problems.push(format!("policy/unproven.toml lists {} twice", u.id));
        }
        if u.issue.trim().is_empty() || u.why.trim().is_empty() {
            problems.push(format!("policy/unproven.toml: {} needs the issue that will prove it and why", u.id));
        }
    }
    for e in trace(spec, files) {
        match (e.tests.is_empty(), listed.contains(e.id.as_str())) {
            (true, false) => {
                problems.push(format!("{} has no test: name it in a test, or list it in policy/unproven.toml with its issue", e.id))
            }
            (false, true) => problems.push(format!(
                "{} is listed in policy/unproven.toml but has a test now ({}): take it off the list",
                e.id,
                e.tests.join(", ")
            )),
            _ => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile { path: path.into(), text: text.into() }
    }

    #[test]
    fn ids_are_read_whole() {
        assert_eq!(ids_in("see C-RET-2, C-3P-1 and (C-DSR-*) or XC-A-1 or C-DATA-10x"), vec!["C-RET-2", "C-3P-1"]);
        assert_eq!(ids_in_name("c_ret_2_and_c_3p_1_hold"), ["C-3P-1".to_string(), "C-RET-2".to_string()].into_iter().collect());
        assert!(ids_in_name("acceptance_2_policy").is_empty());
    }

    /// The rule: names, and comment or attribute lines directly above; a blank line cuts.
    #[test]
    fn tests_name_ids_by_name_or_by_the_lines_directly_above() {
        let f = file(
            "crates/app/tests/it/x.rs",
            "// C-RET-1\n\n#[test]\nfn c_ret_2_one() {}\n\n// C-RET-3: kept\n/// and C-RET-6\nboth!(two, |b| async move {});\n// C-RET-4\n\nboth!(three, |b| {});\n",
        );
        let t = tests_in(&f);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].ids, ["C-RET-2".to_string()].into_iter().collect());
        assert_eq!(t[1].ids, ["C-RET-3".to_string(), "C-RET-6".to_string()].into_iter().collect());
        assert!(t[2].ids.is_empty(), "a blank line separates a comment from the test");
    }

    #[test]
    fn the_ratchet_only_shrinks() {
        let spec = vec!["C-A-1".to_string(), "C-A-2".to_string(), "C-A-3".to_string()];
        let files = vec![
            file("crates/core/src/a.rs", "// C-A-1\nfn f() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn c_a_1_works() {}\n}\n"),
            file("crates/app/tests/it/b.rs", "// C-A-2\n#[test]\nfn b() {}\n// C-B-9\n#[test]\nfn c() {}\n"),
        ];
        let t = trace(&spec, &files);
        assert_eq!(t[0].enforced_in, vec!["crates/core/src/a.rs"]);
        assert_eq!(t[0].tests.len(), 1);
        assert!(t[1].enforced_in.is_empty(), "test files enforce nothing");
        let u = |id: &str| Unproven { id: id.into(), issue: "issue 14".into(), why: "later".into() };
        let p = ratchet(&spec, &files, &[u("C-A-3")]);
        assert_eq!(p, vec!["crates/app/tests/it/b.rs:5 c names C-B-9, which the SPEC does not have".to_string()]);
        let p = ratchet(&spec, &files[..1], &[u("C-A-2"), u("C-A-3")]);
        assert!(p.is_empty(), "{p:?}");
        let p = ratchet(&spec, &files, &[u("C-A-2"), u("C-A-3")]);
        assert!(p.iter().any(|x| x.starts_with("C-A-2 is listed in policy/unproven.toml but has a test now")), "{p:?}");
        let p = ratchet(&spec, &files[..1], &[u("C-A-3")]);
        assert!(p.iter().any(|x| x.starts_with("C-A-2 has no test")), "{p:?}");
    }
}
