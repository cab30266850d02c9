//! Ids in the paths of board routes: canonical UUIDs only; anything else is simply not found
//! (never a hint that a differently spelled id exists).

use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::platform::ids::{BoardId, CardId, OrgId};

use crate::platform::error::AppError;

pub fn not_found() -> AppError {
    AppError::new(ErrorCode::NotFound)
}

/// Ids in paths must be canonical UUIDs; anything else is simply not found.
pub fn board_id(s: &str) -> Result<BoardId, AppError> {
    BoardId::parse(s).ok_or_else(not_found)
}

pub fn card_id(s: &str) -> Result<CardId, AppError> {
    CardId::parse(s).ok_or_else(not_found)
}

pub fn org_id(s: &str) -> Result<OrgId, AppError> {
    OrgId::parse(s).ok_or_else(not_found)
}
