//! The boards service (`cb.boards()`): the purpose guard every operation passes, and finding
//! what a person may reach (a board, a card). The operations themselves live beside it, one
//! file per concern (`orgs`, `board`, `facilitation`, `cards`, `reactions`, `participants`,
//! `erasure`).
//!
//! Takes the whole context (`Clearboard`): board operations use the directory (the board index),
//! the region's stores and key store, the real-time hub, the policy guard and, for participants,
//! sessions.

use crate::boards::access::Access;
use crate::identity::principal::Principal;
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, CardId};
use crate::platform::ports::CardRow;

pub(super) const PURPOSE: &str = "hosting";
const CATEGORY: &str = "user_content";

pub struct Boards<'a> {
    pub(super) cb: &'a Clearboard,
}

impl Clearboard {
    pub fn boards(&self) -> Boards<'_> {
        Boards { cb: self }
    }
}

impl Boards<'_> {
    pub(super) fn guard(&self) -> Result<(), CoreError> {
        Ok(self.cb.policy().check(PURPOSE, CATEGORY)?)
    }

    /// Resolves what the person may do on a board; `NotFound` if nothing.
    pub async fn access(&self, who: &Principal, board: &BoardId) -> Result<Access, CoreError> {
        crate::boards::access::resolve(self.cb, who, board).await
    }

    pub(super) async fn card_access(&self, who: &Principal, card: &CardId) -> Result<(Access, CardRow), CoreError> {
        // The card's board is found through the person's own region only.
        let region = self.cb.region(&who.region)?.clone();
        let row = region.boards.card(card).await?.ok_or(CoreError::NotFound)?;
        let a = self.access(who, &row.board_id).await?;
        if !a.sees(&row) {
            return Err(CoreError::NotFound);
        }
        Ok((a, row))
    }
}
