//! The billing API: the plans on offer, an organisation's subscription (its owner takes it
//! out, changes it, cancels it at the end of the period), and its invoices (list, PDF and
//! Factur-X XML, to the owner). Card numbers never arrive here: the
//! card-number guard refuses any body holding one (`platform::card_guard`); a card is the
//! payment provider's token.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clearboard_core::business::billing::input::SubscriptionInput;
use serde_json::json;

use crate::boards::paths::{not_found, org_id};
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plans", get(plans))
        .route("/api/v1/orgs/{id}/subscription", get(subscription).put(subscribe).delete(cancel))
        .route("/api/v1/orgs/{id}/invoices", get(invoices))
        .route("/api/v1/invoices/{id}/pdf", get(invoice_pdf))
        .route("/api/v1/invoices/{id}/xml", get(invoice_xml))
        .route("/api/v1/staff/contracts", get(staff_contracts))
        .route("/api/v1/staff/contracts/{id}", get(staff_contract))
        .route("/api/v1/staff/invoices/{id}/paid", axum::routing::post(mark_paid))
        .route("/api/v1/payments/stripe/webhook", axum::routing::post(stripe_webhook))
        .route_layer(axum::middleware::from_fn(french_details))
}

/// The billing endpoints' refusals in the request's language: in French, the detail of the
/// rule that failed is the catalogue's French (`i18n::detail_in`); the code's words already
/// follow the language. (Elsewhere the detail stays as it is in every language.)
pub(crate) async fn french_details(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use crate::platform::i18n::{detail_in, from_headers, from_query};
    let lang = from_query(req.uri().query()).unwrap_or_else(|| from_headers(req.headers())).lang;
    let mut res = next.run(req).await;
    if lang == "fr"
        && let Some(err) = res.extensions_mut().get_mut::<AppError>()
        && let Some(d) = err.detail.as_deref()
    {
        err.detail = Some(detail_in(d, lang).into_owned());
    }
    res
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Paid {
    reference: String,
}

/// Staff mark an invoice paid by bank transfer (the `transfer` provider takes no cards).
async fn mark_paid(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Paid>,
) -> Result<Response, AppError> {
    let p = st.cb.billing().mark_paid(&auth.principal, &id, &b.reference).await?;
    Ok(Json(json!({ "invoice": p.invoice_id, "provider": p.provider, "status": p.status })).into_response())
}

/// The card provider's webhook: the raw body and its `Stripe-Signature` (checked in core).
async fn stripe_webhook(State(st): State<AppState>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Result<Response, AppError> {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let kind = st.cb.billing().payment_webhook(signature, &body).await?;
    Ok(Json(json!({ "received": true, "type": kind })).into_response())
}

async fn staff_contracts(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "contracts": st.cb.billing().staff_contracts(&auth.principal).await? })).into_response())
}

#[derive(serde::Deserialize)]
struct ContractReason {
    reason: String,
}

/// A contract with its billing contact, for the reason `contract` (audited in the contact's
/// trail); staff-ness and training are checked before the id is looked at.
async fn staff_contract(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    crate::platform::extract::ApiQuery(q): crate::platform::extract::ApiQuery<ContractReason>,
) -> Result<Response, AppError> {
    if q.reason != "contract" {
        return Err(AppError::new(clearboard_core::platform::error_codes::ErrorCode::ValidationFailed)
            .field("reason")
            .detail("contracts are opened for the reason `contract` only"));
    }
    Ok(Json(st.cb.billing().staff_contract(&auth.principal, &id).await?).into_response())
}

async fn invoices(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(json!({ "invoices": st.cb.billing().invoices(&auth.principal, &org_id(&id)?).await? })).into_response())
}

/// An invoice's document, to the owner of its organisation, as a download.
async fn document(st: &AppState, auth: &Auth, id: &str, pdf: bool) -> Result<Response, AppError> {
    let id = uuid::Uuid::parse_str(id).ok().filter(|u| u.hyphenated().to_string() == id).ok_or_else(not_found)?.to_string();
    let inv = st.cb.billing().invoice_for(&auth.principal, &id).await?;
    let seller = &st.cb.settings().seller;
    let name = inv.row.number.clone().unwrap_or_default();
    let (body, ct, ext) = if pdf {
        (clearboard_core::business::billing::pdf::pdf(&inv, seller), "application/pdf", "pdf")
    } else {
        (clearboard_core::business::billing::facturx::xml(&inv, seller).into_bytes(), "application/xml", "xml")
    };
    let disposition = format!("attachment; filename=\"{name}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ct)),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|_| not_found())?),
        ],
        body,
    )
        .into_response())
}

async fn invoice_pdf(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    document(&st, &auth, &id, true).await
}

async fn invoice_xml(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    document(&st, &auth, &id, false).await
}

async fn plans(State(st): State<AppState>) -> Result<Response, AppError> {
    Ok(Json(json!({ "plans": st.cb.billing().plans() })).into_response())
}

async fn subscription(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.billing().subscription(&auth.principal, &org_id(&id)?).await?).into_response())
}

async fn subscribe(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SubscriptionInput>,
) -> Result<Response, AppError> {
    Ok(Json(st.cb.billing().subscribe(&auth.principal, &org_id(&id)?, &b).await?).into_response())
}

async fn cancel(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.billing().cancel(&auth.principal, &org_id(&id)?).await?).into_response())
}
