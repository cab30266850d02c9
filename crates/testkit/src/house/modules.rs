//! File cycles between the modules of one crate. Each `.rs` file is a node; a file names
//! another when one of its paths (`crate::a::b`, `super::x`, `self::x`, or `child::x` for a
//! module it declares) leads to it; the path is followed down to the deepest module that has a
//! file of its own (`crate::boards::cards::add` names `boards/cards.rs`, `crate::Clearboard`
//! names `lib.rs`). Test modules (`#[cfg(test)] mod …`) and comments are left out. Calls
//! through methods (`cb.boards()`) are not paths and are not seen.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use super::lexer::{Syntax, code_only};

/// One file of a crate and the module path it defines (`[]` for `lib.rs`).
#[derive(Debug, Clone)]
struct ModFile {
    rel: String,
    path: Vec<String>,
    code: String,
}

/// A file naming another, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub line: usize,
    pub path: String,
}

/// The file graph of the crate whose `src/` is `src`: every edge, test modules left out.
pub fn edges(src: &Path) -> Vec<Edge> {
    let mut files = Vec::new();
    collect(src, src, &mut files);
    let test_only = test_only_modules(&files);
    files.retain(|f| !test_only.iter().any(|t| f.path.starts_with(t)));
    let known: BTreeMap<Vec<String>, String> = files.iter().map(|f| (f.path.clone(), f.rel.clone())).collect();
    let mut out = BTreeSet::new();
    for f in &files {
        let children = declared_children(&f.code);
        let inline = inline_modules(&f.code);
        for (pos, line, path) in paths(&f.code) {
            let mut here = f.path.clone();
            here.extend(inline.iter().filter(|(_, a, b)| *a < pos && pos < *b).map(|(n, _, _)| n.clone()));
            let Some(abs) = absolute(&here, &path, &children) else { continue };
            let target = (0..=abs.len()).rev().find_map(|n| known.get(&abs[..n]));
            if let Some(to) = target.filter(|t| **t != f.rel) {
                out.insert(Edge { from: f.rel.clone(), to: to.clone(), line, path: path.join("::") });
            }
        }
    }
    out.into_iter().collect()
}

/// Every cycle of the graph (one per strongly connected component), each as the files in
/// order with the edge that links each to the next.
pub fn cycles(edges: &[Edge]) -> Vec<Vec<Edge>> {
    let mut adj: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
    for e in edges {
        adj.entry(&e.from).or_default().push(e);
    }
    let mut seen_in_cycle = BTreeSet::new();
    let mut out = Vec::new();
    let nodes: BTreeSet<&str> = edges.iter().flat_map(|e| [e.from.as_str(), e.to.as_str()]).collect();
    for start in nodes {
        if seen_in_cycle.contains(start) {
            continue;
        }
        if let Some(cycle) = shortest_cycle(start, &adj) {
            seen_in_cycle.extend(cycle.iter().map(|e| e.from.clone()));
            out.push(cycle.into_iter().cloned().collect());
        }
    }
    out
}

/// The shortest path from `start` back to itself (breadth first), if there is one.
fn shortest_cycle<'a>(start: &str, adj: &BTreeMap<&str, Vec<&'a Edge>>) -> Option<Vec<&'a Edge>> {
    let mut back: BTreeMap<&str, &Edge> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for e in adj.get(n).into_iter().flatten() {
            if e.to == start {
                let mut chain = vec![*e];
                let mut at = n;
                while at != start {
                    let prev = back[at];
                    chain.push(prev);
                    at = &prev.from;
                }
                chain.reverse();
                return Some(chain);
            }
            if !back.contains_key(e.to.as_str()) {
                back.insert(&e.to, e);
                queue.push_back(&e.to);
            }
        }
    }
    None
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<ModFile>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let Ok(text) = std::fs::read_to_string(&p) else { continue };
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            let mut path: Vec<String> = rel.trim_end_matches(".rs").split('/').map(str::to_string).collect();
            if matches!(path.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                path.pop();
            }
            out.push(ModFile { rel, path, code: strip_test_modules(&code_only(&text, Syntax::Rust)) });
        }
    }
}

/// Modules declared `#[cfg(test)] mod x;` (their files are test code).
fn test_only_modules(files: &[ModFile]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for f in files {
        let words: Vec<&str> = f.code.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            if *w == "#[cfg(test)]" {
                let rest = &words[i + 1..];
                let rest = if rest.first() == Some(&"pub") { &rest[1..] } else { rest };
                if rest.first() == Some(&"mod") && rest.get(1).is_some_and(|n| n.ends_with(';')) {
                    let mut p = f.path.clone();
                    p.push(rest[1].trim_end_matches(';').to_string());
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Blanks inline `#[cfg(test)] mod name { … }` blocks (keeping newlines).
fn strip_test_modules(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let after = &out[at + 12..];
        let head = after.trim_start();
        let is_inline_mod = head.starts_with("mod ") && head.find('{').is_some_and(|b| !head[..b].contains(';'));
        let end = if is_inline_mod {
            let open = at + 12 + (after.len() - head.len()) + head.find('{').unwrap_or(0);
            matching_brace(&out, open).map_or(out.len(), |e| e + 1)
        } else {
            at + 12
        };
        let blank: String = out[at..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
        out.replace_range(at..end, &blank);
    }
    out
}

fn matching_brace(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, ch) in s[open..].char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Inline modules (`mod x { … }`), outermost first: name and byte range of the braces.
fn inline_modules(code: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("mod ").map(|p| p + from) {
        from = at + 4;
        if !is_word_at(code, at, "mod") {
            continue;
        }
        let rest = &code[at + 4..];
        let name: String = rest.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let after = rest.trim_start()[name.len()..].trim_start();
        if !name.is_empty() && after.starts_with('{') {
            let open = at + 4 + (rest.len() - after.len());
            out.push((name, open, matching_brace(code, open).unwrap_or(code.len())));
        }
    }
    out
}

/// Modules a file declares with a file of their own (`mod x;`).
fn declared_children(code: &str) -> BTreeSet<String> {
    let words: Vec<&str> = code.split_whitespace().collect();
    words.windows(2).filter(|w| w[0] == "mod" && w[1].ends_with(';')).map(|w| w[1].trim_end_matches(';').to_string()).collect()
}

/// Every path of a file with its line: the expanded trees of `use` items and the paths
/// written in code (`a::b::c`, at least two segments).
fn paths(code: &str) -> Vec<(usize, usize, Vec<String>)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    let line_at = |pos: usize| code[..pos].matches('\n').count() + 1;
    while i < bytes.len() {
        if is_word_at(code, i, "use") {
            let end = code[i..].find(';').map_or(code.len(), |e| i + e);
            for p in use_tree(&code[i + 3..end]) {
                out.push((i, line_at(i), p));
            }
            i = end + 1;
            continue;
        }
        let ch = bytes[i] as char;
        let starts_ident = (ch.is_ascii_alphabetic() || ch == '_') && (i == 0 || !is_path_char(bytes[i - 1] as char));
        if starts_ident {
            let mut j = i;
            let mut segs = Vec::new();
            loop {
                let s = j;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                segs.push(code[s..j].to_string());
                if code[j..].starts_with("::") && code[j + 2..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                    j += 2;
                } else {
                    break;
                }
            }
            if segs.len() > 1 {
                out.push((i, line_at(i), segs));
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '.' || c == '\''
}

fn is_word_at(code: &str, i: usize, word: &str) -> bool {
    code[i..].starts_with(word)
        && (i == 0 || !is_path_char(code.as_bytes()[i - 1] as char))
        && code[i + word.len()..].starts_with(char::is_whitespace)
}

/// Expands a use tree (`crate::{a::{self, B}, c}`) into its paths.
fn use_tree(tree: &str) -> Vec<Vec<String>> {
    fn expand(prefix: &[String], s: &str, out: &mut Vec<Vec<String>>) {
        let s = s.trim();
        if let Some(open) = s.find('{') {
            let head: Vec<String> = s[..open].split("::").map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect();
            let inner = &s[open + 1..s.rfind('}').unwrap_or(s.len())];
            let mut p = prefix.to_vec();
            p.extend(head);
            let mut depth = 0;
            let mut start = 0;
            for (i, ch) in inner.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&p, &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&p, &inner[start..], out);
        } else if !s.is_empty() {
            let s = s.split(" as ").next().unwrap_or(s);
            let mut p = prefix.to_vec();
            p.extend(s.split("::").map(|x| x.trim().to_string()).filter(|x| x != "self" && x != "*" && !x.is_empty()));
            out.push(p);
        }
    }
    let mut out = Vec::new();
    expand(&[], tree, &mut out);
    out
}

/// The absolute module path a path written in module `here` leads to, when it leads inside
/// the crate.
fn absolute(here: &[String], path: &[String], children: &BTreeSet<String>) -> Option<Vec<String>> {
    let first = path.first()?.as_str();
    let mut base = match first {
        "crate" => Vec::new(),
        "self" | "super" => here.to_vec(),
        c if children.contains(c) => {
            let mut b = here.to_vec();
            b.push(c.to_string());
            b
        }
        _ => return None,
    };
    let mut rest = &path[1..];
    if first == "super" {
        base.pop()?;
        while rest.first().is_some_and(|s| s == "super") {
            base.pop()?;
            rest = &rest[1..];
        }
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_expand() {
        let t = use_tree(" crate::{a::{self, B}, c::d as e, f::*}");
        assert_eq!(t, vec![vec!["crate", "a"], vec!["crate", "a", "B"], vec!["crate", "c", "d"], vec!["crate", "f"]]);
    }

    #[test]
    fn paths_resolve_to_the_deepest_module_with_a_file() {
        let here = vec!["boards".to_string(), "cards".to_string()];
        let kids = BTreeSet::new();
        let p = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
        assert_eq!(absolute(&here, &p("super::views::card_view"), &kids), Some(p("boards::views::card_view")));
        assert_eq!(absolute(&here, &p("crate::platform::ids::BoardId"), &kids), Some(p("platform::ids::BoardId")));
        assert_eq!(absolute(&here, &p("serde::Serialize"), &kids), None);
    }

    #[test]
    fn a_cycle_is_found_and_named() {
        let e = |a: &str, b: &str| Edge { from: a.into(), to: b.into(), line: 1, path: String::new() };
        let c = cycles(&[e("a.rs", "b.rs"), e("b.rs", "c.rs"), e("c.rs", "a.rs"), e("c.rs", "d.rs")]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].iter().map(|e| e.from.as_str()).collect::<Vec<_>>(), ["a.rs", "b.rs", "c.rs"]);
    }
}
