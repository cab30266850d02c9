//! Undo, redo and group moves on a board (issue 14): `POST /api/v1/boards/{id}/undo` and
//! `/redo` undo or redo the person's own last operation (core's `boards::undo` says the rule
//! while others edit), `POST /api/v1/boards/{id}/moves` moves several cards as one operation.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use clearboard_core::boards::undo::GroupMoveItem;
use serde::Deserialize;
use serde_json::json;

use crate::boards::paths::board_id;
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/boards/{id}/undo", post(undo))
        .route("/api/v1/boards/{id}/redo", post(redo))
        .route("/api/v1/boards/{id}/moves", post(group_move))
}

async fn undo(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().undo(&auth.principal, &board_id(&id)?).await?).into_response())
}

async fn redo(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().redo(&auth.principal, &board_id(&id)?).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupMove {
    moves: Vec<GroupMoveItem>,
}

async fn group_move(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<GroupMove>,
) -> Result<Response, AppError> {
    let cards = st.cb.boards().move_cards(&auth.principal, &board_id(&id)?, b.moves).await?;
    Ok(Json(json!({ "cards": cards })).into_response())
}
