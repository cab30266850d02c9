//! The billing API: the plans on offer, and an organisation's subscription (its owner takes it
//! out, changes it, cancels it at the end of the period). Card numbers never arrive here: the
//! card-number guard refuses any body holding one (`platform::card_guard`); a card is the
//! payment provider's token.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clearboard_core::business::billing::input::SubscriptionInput;
use serde_json::json;

use crate::boards::paths::org_id;
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plans", get(plans))
        .route("/api/v1/orgs/{id}/subscription", get(subscription).put(subscribe).delete(cancel))
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
