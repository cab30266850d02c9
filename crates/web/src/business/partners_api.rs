//! Certified partners' HTTP face (C-SHARE-4): staff certify a partner account
//! (`POST /api/v1/staff/partners`), owners see the certified partners (`GET /api/v1/partners`)
//! and name or withdraw the ones co-managing their contract
//! (`/api/v1/orgs/{id}/subscription/partners[/{partner}]`), and a partner lists and opens the
//! contracts it co-manages (`/api/v1/partner/contracts[/{id}]`, any other contract is not
//! found). The rules, and the disclosure log, are core's (`billing::partners`).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use clearboard_core::business::billing::partners::PartnerInput;
use clearboard_core::platform::ids::SubjectId;
use serde_json::json;

use crate::boards::paths::{not_found, org_id};
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/partners", post(certify))
        .route("/api/v1/partners", get(on_offer))
        .route("/api/v1/orgs/{id}/subscription/partners", get(of_contract))
        .route("/api/v1/orgs/{id}/subscription/partners/{partner}", put(name).delete(remove))
        .route("/api/v1/partner/contracts", get(contracts))
        .route("/api/v1/partner/contracts/{id}", get(contract))
        .route_layer(axum::middleware::from_fn(crate::business::billing_api::french_details))
}

async fn certify(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<PartnerInput>) -> Result<Response, AppError> {
    Ok(Json(st.cb.billing().certify_partner(&auth.principal, &b).await?).into_response())
}

async fn on_offer(State(st): State<AppState>, _auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "partners": st.cb.billing().partners_on_offer().await? })).into_response())
}

async fn of_contract(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(json!({ "partners": st.cb.billing().contract_partners(&auth.principal, &org_id(&id)?).await? })).into_response())
}

async fn name(State(st): State<AppState>, auth: Auth, Path((id, partner)): Path<(String, String)>) -> Result<Response, AppError> {
    let partner = SubjectId::parse(&partner).ok_or_else(not_found)?;
    Ok(Json(json!({ "partners": st.cb.billing().name_partner(&auth.principal, &org_id(&id)?, &partner).await? })).into_response())
}

async fn remove(State(st): State<AppState>, auth: Auth, Path((id, partner)): Path<(String, String)>) -> Result<Response, AppError> {
    let partner = SubjectId::parse(&partner).ok_or_else(not_found)?;
    Ok(Json(json!({ "partners": st.cb.billing().remove_partner(&auth.principal, &org_id(&id)?, &partner).await? })).into_response())
}

async fn contracts(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "contracts": st.cb.billing().partner_contracts(&auth.principal).await? })).into_response())
}

/// A co-managed contract with its contract data; the disclosure is logged before it is shown.
async fn contract(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = uuid::Uuid::parse_str(&id).ok().filter(|u| u.hyphenated().to_string() == id).ok_or_else(not_found)?.to_string();
    Ok(Json(st.cb.billing().partner_contract(&auth.principal, &id).await?).into_response())
}
