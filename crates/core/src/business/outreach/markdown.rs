//! The Markdown staff write campaigns in, rendered to HTML and to plain text: headings (`#`,
//! `##`, `###`), paragraphs, bulleted lists (`-` or `*`), `**strong**`, `*emphasis*` and links
//! `[text](https://…)` (http, https and mailto only). Everything else is text, escaped: no raw
//! HTML reaches a message, so a campaign cannot carry a script or a tracking pixel.

/// A campaign's body in both forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub text: String,
}

enum Block {
    Heading(usize, String),
    Para(String),
    List(Vec<String>),
}

fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut items: Vec<String> = Vec::new();
    let flush = |out: &mut Vec<Block>, para: &mut Vec<&str>, items: &mut Vec<String>| {
        if !para.is_empty() {
            out.push(Block::Para(para.join(" ")));
            para.clear();
        }
        if !items.is_empty() {
            out.push(Block::List(std::mem::take(items)));
        }
    };
    for line in md.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut out, &mut para, &mut items);
        } else if let Some(level) = ["### ", "## ", "# "].iter().position(|p| t.starts_with(p)) {
            flush(&mut out, &mut para, &mut items);
            let level = 3 - level;
            out.push(Block::Heading(level, t[level + 1..].trim().to_string()));
        } else if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            if !para.is_empty() {
                out.push(Block::Para(para.join(" ")));
                para.clear();
            }
            items.push(item.trim().to_string());
        } else if !items.is_empty() && line.starts_with([' ', '\t']) {
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(t);
            }
        } else {
            if !items.is_empty() {
                out.push(Block::List(std::mem::take(&mut items)));
            }
            para.push(t);
        }
    }
    flush(&mut out, &mut para, &mut items);
    out
}

/// Escapes text for HTML (the shared markup escaper).
pub fn escape(s: &str) -> String {
    crate::platform::validate::escape_markup(s)
}

fn safe_url(u: &str) -> bool {
    let l = u.to_ascii_lowercase();
    (l.starts_with("https://") || l.starts_with("http://") || l.starts_with("mailto:"))
        && !u.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
}

/// Inline spans of one block, as HTML (`html = true`) or plain text.
fn inline(s: &str, html: bool) -> String {
    let mut out = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("**")
            && let Some(end) = r.find("**")
        {
            let inner = inline(&r[..end], html);
            out.push_str(&if html { format!("<strong>{inner}</strong>") } else { inner });
            rest = &r[end + 2..];
            continue;
        }
        if let Some(r) = rest.strip_prefix('*')
            && let Some(end) = r.find('*').filter(|e| *e > 0)
        {
            let inner = inline(&r[..end], html);
            out.push_str(&if html { format!("<em>{inner}</em>") } else { inner });
            rest = &r[end + 1..];
            continue;
        }
        if let Some(r) = rest.strip_prefix('[')
            && let Some((label, after)) = r.split_once("](")
            && let Some(end) = after.find(')')
            && safe_url(&after[..end])
            && !label.contains('[')
        {
            let url = &after[..end];
            let label_out = inline(label, html);
            out.push_str(&if html { format!("<a href=\"{}\">{label_out}</a>", escape(url)) } else { format!("{label_out} ({url})") });
            rest = &after[end + 1..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        if html {
            out.push_str(&escape(&rest[..len]));
        } else {
            out.push_str(&rest[..len]);
        }
        rest = &rest[len..];
    }
    out
}

/// Renders a campaign's Markdown.
pub fn render(md: &str) -> Rendered {
    let mut html = String::new();
    let mut text = String::new();
    for b in blocks(md) {
        match b {
            Block::Heading(level, t) => {
                html.push_str(&format!("<h{level}>{}</h{level}>\n", inline(&t, true)));
                text.push_str(&format!("{}\n\n", inline(&t, false)));
            }
            Block::Para(p) => {
                html.push_str(&format!("<p>{}</p>\n", inline(&p, true)));
                text.push_str(&format!("{}\n\n", inline(&p, false)));
            }
            Block::List(items) => {
                html.push_str("<ul>\n");
                for i in &items {
                    html.push_str(&format!("<li>{}</li>\n", inline(i, true)));
                    text.push_str(&format!("- {}\n", inline(i, false)));
                }
                html.push_str("</ul>\n");
                text.push('\n');
            }
        }
    }
    Rendered { html, text: text.trim_end().to_string() + "\n" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_subset_and_escapes_everything_else() {
        let r = render(
            "# News\n\nA **new** board *mode*: see [the notes](https://example.org/notes?a=1&b=2).\n\n- one\n- two <b>\n\n<script>alert(1)</script> [bad](javascript:alert(1))",
        );
        assert_eq!(
            r.html,
            "<h1>News</h1>\n<p>A <strong>new</strong> board <em>mode</em>: see <a href=\"https://example.org/notes?a=1&amp;b=2\">the notes</a>.</p>\n<ul>\n<li>one</li>\n<li>two &lt;b&gt;</li>\n</ul>\n<p>&lt;script&gt;alert(1)&lt;/script&gt; [bad](javascript:alert(1))</p>\n"
        );
        assert_eq!(
            r.text,
            "News\n\nA new board mode: see the notes (https://example.org/notes?a=1&b=2).\n\n- one\n- two <b>\n\n<script>alert(1)</script> [bad](javascript:alert(1))\n"
        );
    }
}
