//! The printable invoice: a one-page PDF (A4, the standard Helvetica font, WinAnsi text;
//! written by `platform::pdf` with no dependency), with the number, dates, seller and buyer, lines, VAT,
//! totals and the legal mentions, in English and French. Fonts are not embedded (Helvetica
//! is one of the fourteen every reader has); nothing is fetched.

use crate::business::billing::facturx::{amount, legal_mentions, percent};
use crate::business::billing::invoices::OpenInvoice;
use crate::business::billing::plans::Seller;
use crate::platform::clock::{DAY, date_of};
use crate::platform::pdf::{one_page, wrap};

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
    let title = format!(
        "{} {}",
        if inv.row.kind == "credit_note" { "Credit note" } else { "Invoice" },
        inv.row.number.as_deref().unwrap_or_default()
    );
    one_page(&title, &text_lines(inv, seller))
}
