//! One-page PDF documents written with no dependency: A4, the standard Helvetica font (one of
//! the fourteen every reader has, not embedded), WinAnsi text, one line per entry. Billing's
//! invoices and the programmes' certificates of attendance are printed with it; nothing is
//! fetched.

/// Text as WinAnsi bytes in a PDF string, escaped; what WinAnsi lacks becomes `?`.
pub fn pdf_string(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in s.chars() {
        let b = match c {
            '€' => 0x80,
            '’' => 0x92,
            '–' => 0x96,
            '—' => 0x97,
            '•' => 0x95,
            c if (c as u32) < 0x20 => b' ',
            c if (c as u32) < 0x7f || (0xa0..=0xff).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        };
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// Splits text into lines of at most `width` characters, at spaces.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A one-page PDF of `lines` (font size, text), top to bottom, titled `title`.
pub fn one_page(title: &str, lines: &[(f32, String)]) -> Vec<u8> {
    let mut content: Vec<u8> = b"BT\n".to_vec();
    let mut y = 800.0f32;
    for (size, line) in lines {
        content.extend_from_slice(format!("/F1 {size} Tf\n1 0 0 1 50 {y} Tm\n").as_bytes());
        content.extend_from_slice(&pdf_string(line));
        content.extend_from_slice(b" Tj\n");
        y -= size + 5.0;
    }
    content.extend_from_slice(b"ET\n");
    page(title, &content, 595.0, 842.0)
}

/// A one-page PDF of `width` × `height` points whose page is drawn by `content` (a content
/// stream; `/F1` is Helvetica in WinAnsi), titled `title`.
pub fn page(title: &str, content: &[u8], width: f32, height: f32) -> Vec<u8> {
    let title = pdf_string(title);
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>")
            .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
    ];
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"endstream");
    objects.push(stream);
    let mut info = b"<< /Title ".to_vec();
    info.extend_from_slice(&title);
    info.extend_from_slice(b" /Producer (clearboard) >>");
    objects.push(info);
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1, objects.len())
            .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_winansi_and_escaped() {
        assert_eq!(pdf_string("a(b)\\ é€"), b"(a\\(b\\)\\\\ \xe9\x80)".to_vec());
        assert_eq!(pdf_string("日"), b"(?)".to_vec());
        assert_eq!(wrap("one two three four", 9), vec!["one two", "three", "four"]);
    }
}
