//! Who may do what on a board. Deny by default: a person who is neither a member of the
//! board's organisation nor a participant of this very board gets "not found" (never
//! "forbidden", which would confirm the board exists).
//!
//! Takes the whole context (`Clearboard`): access is resolved through the directory (where a board
//! lives) and the region's stores.

use crate::identity::principal::Principal;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, SubjectId};
use crate::platform::ports::BoardRow;

/// A person's role on one board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardRole {
    /// Organisation owner or admin, or the board's creator: settings, export, moderation.
    Facilitator,
    /// A member of the board's organisation.
    Member,
    /// Someone who joined this board by code, without an account.
    Participant,
}

impl BoardRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Facilitator => "facilitator",
            Self::Member => "member",
            Self::Participant => "participant",
        }
    }
}

/// A resolved permission to use a board.
#[derive(Debug, Clone)]
pub struct Access {
    pub subject: SubjectId,
    pub region: RegionHandle,
    pub board: BoardRow,
    pub role: BoardRole,
}

impl Access {
    pub fn facilitator(&self) -> bool {
        self.role == BoardRole::Facilitator
    }
}

pub(crate) async fn resolve(cb: &Clearboard, who: &Principal, board: &BoardId) -> Result<Access, CoreError> {
    let (org, region_id) = cb.directory().board_location(board).await?.ok_or(CoreError::NotFound)?;
    if region_id != who.region {
        return Err(CoreError::NotFound);
    }
    let region = cb.region(&region_id)?.clone();
    let row = region.boards.board(board).await?.ok_or(CoreError::NotFound)?;
    if let Some(p) = region.boards.participant(&who.subject).await? {
        return if &p.board_id == board {
            Ok(Access { subject: who.subject.clone(), region, board: row, role: BoardRole::Participant })
        } else {
            Err(CoreError::NotFound)
        };
    }
    let m = region.boards.member(&org, &who.subject).await?.ok_or(CoreError::NotFound)?;
    let role = match m.role.as_str() {
        "owner" | "admin" => BoardRole::Facilitator,
        _ if row.created_by.as_ref() == Some(&who.subject) => BoardRole::Facilitator,
        _ => BoardRole::Member,
    };
    Ok(Access { subject: who.subject.clone(), region, board: row, role })
}
