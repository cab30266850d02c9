//! Who may do what on a board. Deny by default: a person who is neither a member of the
//! board's organisation nor a participant of this very board gets "not found" (never
//! "forbidden", which would confirm the board exists).
//!
//! Takes the whole context (`Clearboard`): access is resolved through the directory (where a board
//! lives) and the region's stores.

use crate::boards::kinds::{BoardMode, BoardRole, CardStatus};
use crate::identity::principal::Principal;
use crate::platform::clock::Millis;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, SubjectId};
use crate::platform::ports::{BoardRow, CardRow};

/// A resolved permission to use a board.
#[derive(Debug, Clone)]
pub struct Access {
    pub subject: SubjectId,
    pub region: RegionHandle,
    pub board: BoardRow,
    pub role: BoardRole,
    /// The server's time when access was resolved (the injected clock): what the board's
    /// countdown is measured against.
    pub now: Millis,
}

impl Access {
    pub fn facilitator(&self) -> bool {
        self.role == BoardRole::Facilitator
    }

    /// Whether a mode of the board is on.
    pub fn mode(&self, m: BoardMode) -> bool {
        match m {
            BoardMode::Locked => self.board.locked,
            BoardMode::Controlled => self.board.controlled,
            BoardMode::Anonymous => self.board.anonymous,
        }
    }

    /// Refuses a change by someone other than a facilitator on a locked board, or once the
    /// countdown has ended with participation paused (until the facilitator resumes).
    pub(crate) fn check_unlocked(&self) -> Result<(), CoreError> {
        if self.facilitator() {
            return Ok(());
        }
        if self.mode(BoardMode::Locked) {
            return Err(CoreError::validation("board", "the facilitator has locked this board"));
        }
        if self.participation_paused() {
            return Err(CoreError::ParticipationPaused);
        }
        Ok(())
    }

    /// Whether the countdown has ended on a board that pauses participation when it ends.
    pub fn participation_paused(&self) -> bool {
        self.board.timer_pauses && self.board.timer_ends_at.is_some_and(|end| end <= self.now)
    }

    /// Whether the person may see a card of this board: a pending card (controlled mode) only
    /// if they facilitate or wrote it.
    pub fn sees(&self, card: &CardRow) -> bool {
        card.status != CardStatus::Pending || self.facilitator() || card.author_id == self.subject
    }

    /// The status a new card of this person gets: pending in controlled mode, unless they
    /// facilitate.
    pub(crate) fn new_card_status(&self) -> CardStatus {
        if self.mode(BoardMode::Controlled) && !self.facilitator() { CardStatus::Pending } else { CardStatus::Published }
    }
}

pub(crate) async fn resolve(cb: &Clearboard, who: &Principal, board: &BoardId) -> Result<Access, CoreError> {
    let (_, region_id) = cb.inner.locations.of(cb.directory(), board).await?.ok_or(CoreError::NotFound)?;
    if region_id != who.region {
        return Err(CoreError::NotFound);
    }
    let region = cb.region(&region_id)?.clone();
    // The board, the subject's participation and their membership in one read (issue 21).
    let found = region.boards.board_access(board, &who.subject).await?.ok_or(CoreError::NotFound)?;
    let row = found.board;
    if let Some(of) = found.participant_of {
        return if &of == board {
            Ok(Access { subject: who.subject.clone(), region, board: row, role: BoardRole::Participant, now: cb.now() })
        } else {
            Err(CoreError::NotFound)
        };
    }
    let m = found.member_role.ok_or(CoreError::NotFound)?;
    let role = match m {
        r if r.manages() => BoardRole::Facilitator,
        _ if row.created_by.as_ref() == Some(&who.subject) => BoardRole::Facilitator,
        _ => BoardRole::Member,
    };
    Ok(Access { subject: who.subject.clone(), region, board: row, role, now: cb.now() })
}
