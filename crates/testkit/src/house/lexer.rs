//! Reads source text as code: comments removed and the insides of string and character
//! literals blanked, newlines kept (so line numbers stay true). Knows just enough of Rust,
//! JavaScript, CSS and HTML for the house checks; it parses nothing.

/// The comment syntax of a file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Rust: `//`, nested `/* */`, strings (raw and byte), character literals and lifetimes.
    Rust,
    /// JavaScript and CSS: `//` (JavaScript only), `/* */`, quoted strings and template literals.
    CLike { line_comments: bool },
    /// HTML and askama templates: `<!-- -->` and `{# #}`.
    Markup,
    /// Anything else: `--` comments (SQL) are removed, nothing else.
    Sql,
}

impl Syntax {
    /// The syntax of a file, from its extension; `None` for files the checks do not read.
    pub fn of(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()? {
            "rs" => Some(Self::Rust),
            "js" | "mjs" => Some(Self::CLike { line_comments: true }),
            "css" => Some(Self::CLike { line_comments: false }),
            "html" => Some(Self::Markup),
            "sql" => Some(Self::Sql),
            _ => None,
        }
    }
}

/// `text` with comments removed and literal contents blanked (quotes kept, so `"…"` stays a
/// string); every newline is kept.
pub fn code_only(text: &str, syntax: Syntax) -> String {
    match syntax {
        Syntax::Rust => rust(text),
        Syntax::CLike { line_comments } => clike(text, line_comments),
        Syntax::Markup => markup(text),
        Syntax::Sql => text.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n"),
    }
}

/// Pushes a newline for each newline in `skipped` (what a comment or literal spanned).
fn keep_newlines(out: &mut String, skipped: &[char]) {
    out.extend(skipped.iter().filter(|c| **c == '\n'));
}

fn rust(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        if c[i] == '/' && peek(&c, i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && peek(&c, i + 1) == '*' {
            let (start, mut depth) = (i, 0usize);
            while i < c.len() {
                if c[i] == '/' && peek(&c, i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && peek(&c, i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            keep_newlines(&mut out, &c[start..i.min(c.len())]);
        } else if (c[i] == 'r' || (c[i] == 'b' && peek(&c, i + 1) == 'r')) && raw_string_start(&c, i).is_some() && !ident_before(&c, i) {
            let (hashes, open) = raw_string_start(&c, i).unwrap_or((0, i));
            let mut j = open + 1;
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let close: Vec<char> = close.chars().collect();
            while j < c.len() && !c[j..].starts_with(&close) {
                j += 1;
            }
            out.push_str("\"\"");
            keep_newlines(&mut out, &c[i..j.min(c.len())]);
            i = (j + close.len()).min(c.len());
        } else if c[i] == '"' {
            let start = i;
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(c.len());
            out.push_str("\"\"");
            keep_newlines(&mut out, &c[start..i]);
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime ('a, 'static).
            if peek(&c, i + 1) == '\\' {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                out.push_str("' '");
                i = (j + 1).min(c.len());
            } else if peek(&c, i + 2) == '\'' {
                out.push_str("' '");
                i += 3;
            } else {
                out.push('\'');
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn peek(c: &[char], i: usize) -> char {
    c.get(i).copied().unwrap_or('\0')
}

/// At `r"`, `r#"`, `br"`…: the number of `#` and the index of the opening quote.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i + if c[i] == 'b' { 2 } else { 1 };
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some((hashes, j))
}

fn ident_before(c: &[char], i: usize) -> bool {
    i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_')
}

fn clike(text: &str, line_comments: bool) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied().unwrap_or('\0');
        if line_comments && c[i] == '/' && next == '/' && (i == 0 || c[i - 1] != ':') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == '*' {
            let start = i;
            i += 2;
            while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(c.len());
            keep_newlines(&mut out, &c[start..i]);
        } else if matches!(c[i], '"' | '\'' | '`') {
            let (q, start) = (c[i], i);
            i += 1;
            while i < c.len() && c[i] != q {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(c.len());
            // Template literals and strings are code here: keep them, only comments go.
            out.extend(&c[start..i]);
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [("<!--", "-->"), ("{#", "#}")].iter().filter_map(|(o, cl)| rest.find(o).map(|p| (p, *o, *cl))).min();
        let Some((p, open, close)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..p]);
        let after = &rest[p + open.len()..];
        let end = after.find(close).map_or(after.len(), |e| e + close.len());
        out.extend(after[..end].chars().filter(|c| *c == '\n'));
        rest = &after[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_comments_and_literals_go_lines_stay() {
        let src = "use crate::a; // crate::b\n/* crate::c\n */ let s = \"crate::d\"; let r = r#\"crate::e\"#;\nfn f<'a>(x: &'a str) -> char { '\"' }\n";
        let code = code_only(src, Syntax::Rust);
        assert!(code.contains("crate::a"));
        for gone in ["crate::b", "crate::c", "crate::d", "crate::e"] {
            assert!(!code.contains(gone), "{gone} in {code}");
        }
        assert_eq!(code.lines().count(), src.lines().count());
        assert!(code.contains("fn f<'a>(x: &'a str)"));
    }

    #[test]
    fn markup_and_js_comments_go() {
        assert_eq!(code_only("a<!-- b\nc -->d{# e #}f", Syntax::Markup), "a\ndf");
        assert_eq!(code_only("x = 'http://y'; // z\n/* w */v", Syntax::CLike { line_comments: true }), "x = 'http://y'; \nv");
    }
}
