//! The printable invoice: a one-page PDF (A4, the standard Helvetica font, WinAnsi text)
//! written here with no dependency, with the number, dates, seller and buyer, lines, VAT,
//! totals and the legal mentions, in English and French. Fonts are not embedded (Helvetica
//! is one of the fourteen every reader has); nothing is fetched.

use crate::business::billing::facturx::{amount, legal_mentions, percent};
use crate::business::billing::invoices::OpenInvoice;
use crate::business::billing::plans::Seller;
use crate::platform::clock::{DAY, date_of};

/// Text as WinAnsi bytes in a PDF string, escaped; what WinAnsi lacks becomes `?`.
fn pdf_string(s: &str) -> Vec<u8> {
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
fn wrap(text: &str, width: usize) -> Vec<String> {
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

fn date(ms: i64) -> String {
    let d = date_of(ms);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The lines printed on the page (also what a reader extracts as text).
pub fn text_lines(inv: &OpenInvoice, seller: &Seller) -> Vec<(f32, String)> {
    let r = &inv.row;
    let credit = r.kind == "credit_note";
    let issued = r.issued_at.unwrap_or(r.created_at);
    let mut out: Vec<(f32, String)> = Vec::new();
    let mut t = |size: f32, s: String| out.push((size, s));
    t(16.0, if credit { "CREDIT NOTE / AVOIR".into() } else { "INVOICE / FACTURE".into() });
    t(11.0, format!("Number / Numéro: {}", r.number.as_deref().unwrap_or_default()));
    if let Some(n) = &inv.corrects_number {
        t(11.0, format!("Corrects invoice / Rectifie la facture: {n}"));
    }
    t(11.0, format!("Issued / Émise le: {}", date(issued)));
    t(11.0, format!("Due / Échéance: {}", date(issued + seller.payment_days * DAY)));
    t(11.0, format!("Period / Période: {} – {}", date(r.period_start), date(r.period_end)));
    t(11.0, String::new());
    t(11.0, format!("Seller / Vendeur: {}, {}", seller.name, seller.legal_form));
    t(11.0, format!("{}, {} {}, {}", seller.line1, seller.postcode, seller.city, seller.country));
    t(11.0, format!("SIREN {} · VAT / TVA {}", seller.registration, seller.vat_id));
    t(11.0, String::new());
    let b = &inv.buyer;
    t(11.0, format!("Buyer / Client: {}", b.company.clone().unwrap_or_else(|| b.name.clone())));
    if b.company.is_some() {
        t(11.0, format!("Attn / À l'attention de: {}", b.name));
    }
    let line2 = b.address.line2.as_deref().map(|l| format!(", {l}")).unwrap_or_default();
    t(11.0, format!("{}{line2}, {} {}, {}", b.address.line1, b.address.postcode, b.address.city, b.address.country));
    if let Some(v) = &b.vat_id {
        t(11.0, format!("VAT / TVA {v}"));
    }
    t(11.0, String::new());
    for l in &inv.lines {
        t(
            11.0,
            format!(
                "{} / {}: {} seat(s) / siège(s) × {} {} = {} {} (VAT / TVA {} %)",
                l.name_en,
                l.name_fr,
                l.quantity,
                amount(l.unit_price),
                r.currency,
                amount(l.net),
                r.currency,
                percent(l.vat_basis_points)
            ),
        );
    }
    t(11.0, String::new());
    t(11.0, format!("Total excl. VAT / Total HT: {} {}", amount(r.subtotal), r.currency));
    t(11.0, format!("VAT / TVA: {} {}", amount(r.vat), r.currency));
    t(13.0, format!("Total incl. VAT / Total TTC: {} {}", amount(r.total), r.currency));
    t(11.0, String::new());
    for mention in legal_mentions(seller) {
        for l in wrap(&mention, 100) {
            t(8.0, l);
        }
        t(8.0, String::new());
    }
    out
}

/// The PDF of an issued invoice or credit note.
pub fn pdf(inv: &OpenInvoice, seller: &Seller) -> Vec<u8> {
    let mut content: Vec<u8> = b"BT\n".to_vec();
    let mut y = 800.0f32;
    for (size, line) in text_lines(inv, seller) {
        content.extend_from_slice(format!("/F1 {size} Tf\n1 0 0 1 50 {y} Tm\n").as_bytes());
        content.extend_from_slice(&pdf_string(&line));
        content.extend_from_slice(b" Tj\n");
        y -= size + 5.0;
    }
    content.extend_from_slice(b"ET\n");
    let title = pdf_string(&format!(
        "{} {}",
        if inv.row.kind == "credit_note" { "Credit note" } else { "Invoice" },
        inv.row.number.as_deref().unwrap_or_default()
    ));
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
    ];
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(&content);
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
