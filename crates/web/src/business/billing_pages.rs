//! The owner's billing page (`/app/orgs/{id}/billing`), in English and French: the
//! subscription (plan, seats, state, period, what a period costs, the billing contact, the
//! payment method as shown, never a full IBAN or any card number) and the invoices with their
//! PDF and Factur-X downloads. Others' organisations are not found. And the staff list of
//! contracts (`/staff/contracts`), without personal data, behind the staff gate.
//!
//! "Pay by card" (PCI DSS SAQ A): with a card provider's script configured
//! (`payment.stripe.js_url`, `publishable_key`), the page loads that script, which mounts the
//! provider's own card fields in a frame of the provider's origin and returns a `pm_…` token;
//! `billing.js` then sends the subscription with that token only (brand, last four and expiry
//! come from the provider). This page alone has a Content-Security-Policy that adds exactly
//! that origin to `script-src` and `frame-src`; every other page keeps the strict default.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use clearboard_core::CoreError;
use clearboard_core::business::billing::facturx::amount;
use clearboard_core::platform::ids::OrgId;

use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error::AppError;
use crate::platform::i18n::{BillingTexts, Texts, billing_texts};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/orgs/{id}/billing", get(billing_page)).route("/staff/contracts", get(staff_contracts))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_contracts.html")]
struct StaffContractsPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contracts: Vec<clearboard_core::business::billing::staff::StaffContract>,
}

/// The staff list of contracts (no personal data), behind the staff gate.
async fn staff_contracts(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.billing().staff_contracts(&auth.principal).await {
        Ok(contracts) => {
            StaffContractsPage { t: ctx.t, signed_in: true, contact: contact(&st), consent: ctx.consent.clone(), contracts }.into_response()
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

struct SubRow {
    plan: String,
    seats: i64,
    status: &'static str,
    status_code: &'static str,
    period: String,
    amount: String,
    contact: String,
    payment: String,
}

struct InvoiceRow {
    number: String,
    kind: &'static str,
    issued: String,
    total: String,
    pdf_url: String,
    xml_url: String,
}

struct PlanOption {
    id: String,
    name: String,
    selected: bool,
}

/// The "Pay by card" form: the provider's script and key, the organisation, the plans, and
/// what the form starts with (the current subscription's plan, seats and contact, if any).
struct CardForm {
    js_url: String,
    key: String,
    org: String,
    plans: Vec<PlanOption>,
    seats: i64,
    contact: clearboard_core::business::billing::input::Contact,
}

#[derive(Template, WebTemplate)]
#[template(path = "billing.html")]
struct BillingPage {
    t: &'static Texts,
    b: &'static BillingTexts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    sub: Option<SubRow>,
    plans: Vec<String>,
    invoices: Vec<InvoiceRow>,
    card: Option<CardForm>,
}

/// The billing page's policy when it offers the card form: the default one plus the card
/// provider's origin for its script and its card-field frame, nothing else.
fn card_csp(origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self' {origin}; frame-src {origin}; style-src 'self'; img-src 'self' data: blob:; \
         media-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}

fn empty_contact() -> clearboard_core::business::billing::input::Contact {
    use clearboard_core::business::billing::input::{Address, Contact};
    let address = Address { line1: String::new(), line2: None, postcode: String::new(), city: String::new(), country: String::new() };
    Contact {
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        phone: String::new(),
        company: None,
        vat_id: None,
        address,
    }
}

fn day(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_string()
}

async fn billing_page(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let Some(org) = OrgId::parse(&id) else { return crate::platform::error::not_found().await.into_response() };
    let b = billing_texts(ctx.t.lang);
    let lang = ctx.t.lang;
    let billing = st.cb.billing();
    let sub = match billing.subscription(&auth.principal, &org).await {
        Ok(s) => Some(s),
        Err(CoreError::NotFound) => None,
        Err(e) => return AppError::from(e).into_response(),
    };
    let invoices = match billing.invoices(&auth.principal, &org).await {
        Ok(list) => list,
        Err(e) => return AppError::from(e).into_response(),
    };
    let card = st.config.card_fields.as_ref().map(|f| {
        let current = sub.as_ref().map(|s| s.plan.id.clone());
        CardForm {
            js_url: f.js_url.clone(),
            key: f.publishable_key.clone(),
            org: org.to_string(),
            plans: billing
                .plans()
                .iter()
                .map(|p| PlanOption {
                    id: p.id.clone(),
                    name: p.name_in(lang).to_string(),
                    selected: current.as_deref() == Some(p.id.as_str()),
                })
                .collect(),
            seats: sub.as_ref().map_or(1, |s| s.seats),
            contact: sub.as_ref().map_or_else(empty_contact, |s| s.billing_contact.clone()),
        }
    });
    let csp = st.config.card_fields.as_ref().map(|f| card_csp(&f.origin));
    let sub = sub.map(|s| {
        let (status, status_code) = match s.status {
            "active" => (b.active, "active"),
            "cancelling" => (b.cancelling, "cancelling"),
            _ => (b.ended, "ended"),
        };
        let method = s.payment["method"].as_str().unwrap_or_default();
        let payment = match method {
            "card" => format!(
                "{} {} ••••{}",
                b.card,
                s.payment["brand"].as_str().unwrap_or_default(),
                s.payment["last4"].as_str().unwrap_or_default()
            ),
            "sepa_debit" => format!(
                "{} {} ({})",
                b.sepa_debit,
                s.payment["iban"].as_str().unwrap_or_default(),
                s.payment["mandate_reference"].as_str().unwrap_or_default()
            ),
            _ => b.transfer.to_string(),
        };
        let c = &s.billing_contact;
        SubRow {
            plan: s.plan.name_in(lang).to_string(),
            seats: s.seats,
            status,
            status_code,
            period: format!("{} – {}", day(&s.current_period.start), day(&s.current_period.end)),
            amount: format!("{} {} ({} {} {})", amount(s.amount.total), s.currency, b.vat, amount(s.amount.vat), s.currency),
            contact: format!(
                "{} {} · {}{}",
                c.first_name,
                c.last_name,
                c.email,
                c.company.as_deref().map(|co| format!(" · {co}")).unwrap_or_default()
            ),
            payment,
        }
    });
    let plans = billing
        .plans()
        .iter()
        .map(|p| format!("{}: {} {} {}", p.name_in(lang), amount(p.price_per_seat), p.currency, b.per_seat))
        .collect();
    let invoices = invoices
        .into_iter()
        .map(|i| InvoiceRow {
            kind: if i.kind == "credit_note" { b.credit_note } else { b.invoice },
            issued: day(&i.issued_at),
            total: format!("{} {}", amount(i.total), i.currency),
            number: i.number,
            pdf_url: i.pdf_url,
            xml_url: i.xml_url,
        })
        .collect();
    let mut res =
        BillingPage { t: ctx.t, b, signed_in: true, contact: contact(&st), consent: ctx.consent.clone(), sub, plans, invoices, card }
            .into_response();
    if let Some(v) = csp.and_then(|c| axum::http::HeaderValue::from_str(&c).ok()) {
        res.headers_mut().insert(axum::http::header::CONTENT_SECURITY_POLICY, v);
    }
    res
}
