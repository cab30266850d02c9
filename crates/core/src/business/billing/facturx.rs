//! The Factur-X (EN 16931 profile) XML of an invoice or credit note: UN/CEFACT Cross
//! Industry Invoice D16B, as the French e-invoicing reform (from September 2026) receives it.
//! Amounts are written from minor units with two decimals; dates in format 102 (YYYYMMDD).
//! Validated in the suite by the `factur-x` package of PyPI (`it/billing_documents.rs`).

use crate::business::billing::invoices::OpenInvoice;
use crate::business::billing::plans::Seller;
use crate::platform::clock::date_of;

/// Escapes text for XML content and attributes.
pub fn esc(s: &str) -> String {
    crate::platform::validate::escape_markup(s)
}

/// Minor units as a decimal amount (`2880` → `28.80`).
pub fn amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// Basis points as a percentage (`2000` → `20.00`).
pub fn percent(bp: i64) -> String {
    amount(bp)
}

fn date102(ms: i64) -> String {
    let d = date_of(ms);
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn address(postcode: &str, line1: &str, line2: Option<&str>, city: &str, country: &str) -> String {
    let line2 = line2.map(|l| format!("<ram:LineTwo>{}</ram:LineTwo>", esc(l))).unwrap_or_default();
    format!(
        "<ram:PostalTradeAddress><ram:PostcodeCode>{}</ram:PostcodeCode><ram:LineOne>{}</ram:LineOne>{line2}<ram:CityName>{}</ram:CityName><ram:CountryID>{}</ram:CountryID></ram:PostalTradeAddress>",
        esc(postcode),
        esc(line1),
        esc(city),
        esc(country)
    )
}

/// The legal mentions every invoice carries (French Commercial Code art. L441-9, L441-10,
/// D441-5), in English and French.
pub fn legal_mentions(s: &Seller) -> [String; 2] {
    [
        format!(
            "{}, {}, registration {}, VAT {}. Payment due {} days after issue; no discount for early payment. Late payment: penalties at three times the French legal interest rate and a fixed recovery indemnity of 40 EUR (French Commercial Code art. L441-10 and D441-5).",
            s.name, s.legal_form, s.registration, s.vat_id, s.payment_days
        ),
        format!(
            "{}, {}, SIREN {}, TVA {}. Paiement à {} jours de la date d'émission ; pas d'escompte pour paiement anticipé. En cas de retard : pénalités au taux de trois fois le taux d'intérêt légal et indemnité forfaitaire pour frais de recouvrement de 40 € (C. com. art. L441-10 et D441-5).",
            s.name, s.legal_form, s.registration, s.vat_id, s.payment_days
        ),
    ]
}

/// The CII XML of an issued invoice or credit note (EN 16931 profile).
pub fn xml(inv: &OpenInvoice, seller: &Seller) -> String {
    let r = &inv.row;
    let credit = r.kind == "credit_note";
    let issued = r.issued_at.unwrap_or(r.created_at);
    let mut lines = String::new();
    for (i, l) in inv.lines.iter().enumerate() {
        lines.push_str(&format!(
            "<ram:IncludedSupplyChainTradeLineItem>\
<ram:AssociatedDocumentLineDocument><ram:LineID>{}</ram:LineID></ram:AssociatedDocumentLineDocument>\
<ram:SpecifiedTradeProduct><ram:Name>{} ({})</ram:Name></ram:SpecifiedTradeProduct>\
<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>\
<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode=\"C62\">{}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>\
<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{}</ram:RateApplicablePercent></ram:ApplicableTradeTax>\
<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>\
</ram:IncludedSupplyChainTradeLineItem>",
            i + 1,
            esc(&l.name_en),
            esc(&l.name_fr),
            amount(l.unit_price),
            l.quantity,
            percent(l.vat_basis_points),
            amount(l.net),
        ));
    }
    let rate = inv.lines.first().map_or(0, |l| l.vat_basis_points);
    let b = &inv.buyer;
    let buyer_name = b.company.clone().unwrap_or_else(|| b.name.clone());
    let buyer_vat = b
        .vat_id
        .as_deref()
        .map(|v| format!("<ram:SpecifiedTaxRegistration><ram:ID schemeID=\"VA\">{}</ram:ID></ram:SpecifiedTaxRegistration>", esc(v)))
        .unwrap_or_default();
    let referenced = inv
        .corrects_number
        .as_deref()
        .map(|n| {
            format!(
                "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>",
                esc(n)
            )
        })
        .unwrap_or_default();
    let [en, fr] = legal_mentions(seller);
    let due = issued + seller.payment_days * crate::platform::clock::DAY;
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\" xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\" xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\">\
<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>\
<rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>{type_code}</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format=\"102\">{issue_date}</udt:DateTimeString></ram:IssueDateTime>\
<ram:IncludedNote><ram:Content>{en}</ram:Content></ram:IncludedNote><ram:IncludedNote><ram:Content>{fr}</ram:Content></ram:IncludedNote></rsm:ExchangedDocument>\
<rsm:SupplyChainTradeTransaction>{lines}\
<ram:ApplicableHeaderTradeAgreement>\
<ram:SellerTradeParty><ram:Name>{seller_name}</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID=\"0002\">{siren}</ram:ID></ram:SpecifiedLegalOrganization>{seller_address}<ram:SpecifiedTaxRegistration><ram:ID schemeID=\"VA\">{seller_vat}</ram:ID></ram:SpecifiedTaxRegistration></ram:SellerTradeParty>\
<ram:BuyerTradeParty><ram:Name>{buyer_name}</ram:Name>{buyer_address}{buyer_vat}</ram:BuyerTradeParty>\
</ram:ApplicableHeaderTradeAgreement>\
<ram:ApplicableHeaderTradeDelivery/>\
<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>{currency}</ram:InvoiceCurrencyCode>\
<ram:ApplicableTradeTax><ram:CalculatedAmount>{vat}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{subtotal}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{rate}</ram:RateApplicablePercent></ram:ApplicableTradeTax>\
<ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format=\"102\">{start}</udt:DateTimeString></ram:StartDateTime><ram:EndDateTime><udt:DateTimeString format=\"102\">{end}</udt:DateTimeString></ram:EndDateTime></ram:BillingSpecifiedPeriod>\
<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format=\"102\">{due}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>\
<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>{subtotal}</ram:LineTotalAmount><ram:TaxBasisTotalAmount>{subtotal}</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID=\"{currency}\">{vat}</ram:TaxTotalAmount><ram:GrandTotalAmount>{total}</ram:GrandTotalAmount><ram:DuePayableAmount>{total}</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>\
{referenced}</ram:ApplicableHeaderTradeSettlement>\
</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>\n",
        number = esc(r.number.as_deref().unwrap_or_default()),
        type_code = if credit { "381" } else { "380" },
        issue_date = date102(issued),
        en = esc(&en),
        fr = esc(&fr),
        seller_name = esc(&seller.name),
        siren = esc(&seller.registration),
        seller_address = address(&seller.postcode, &seller.line1, None, &seller.city, &seller.country),
        seller_vat = esc(&seller.vat_id),
        buyer_name = esc(&buyer_name),
        buyer_address = address(&b.address.postcode, &b.address.line1, b.address.line2.as_deref(), &b.address.city, &b.address.country),
        currency = esc(&r.currency),
        vat = amount(r.vat),
        subtotal = amount(r.subtotal),
        total = amount(r.total),
        start = date102(r.period_start),
        end = date102(r.period_end),
        due = date102(due),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_text_are_written_safely() {
        assert_eq!(amount(2880), "28.80");
        assert_eq!(amount(5), "0.05");
        assert_eq!(amount(-105), "-1.05");
        assert_eq!(percent(550), "5.50");
        assert_eq!(esc("A&B <c> \"d\" 'e'\u{7}"), "A&amp;B &lt;c&gt; &quot;d&quot; &#39;e&#39;");
    }
}
