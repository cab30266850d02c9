//! What facilitators do to a whole board: change its title, legend and modes (locked,
//! controlled, anonymous), delete it with everything on it, rotate its join code, export it.

use serde_json::json;

use crate::boards::access::Access;
use crate::boards::events::Change;
use crate::boards::input::{BoardPatch, TITLE_MAX, clean_legend, clean_text, new_join_code};
use crate::boards::sealing::{KeyCache, legend_aad, org_key_owner, seal, seal_str, title_aad};
use crate::boards::service::{Boards, PURPOSE};
use crate::boards::shapes::{BoardView, CardView};
use crate::boards::views;
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::error::CoreError;
use crate::platform::ids::BoardId;
use crate::platform::ports::StoreError;

impl Boards<'_> {
    /// Changes a board's title, legend or settings (facilitators).
    pub async fn update_board(&self, who: &Principal, board: &BoardId, patch: BoardPatch) -> Result<BoardView, CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let mut row = a.board.clone();
        let okey = self.cb.keys().current(&a.region, &org_key_owner(&row.org_id)).await?;
        if let Some(t) = &patch.title {
            row.title = seal_str(&okey, title_aad(&row.id), &clean_text("title", t, TITLE_MAX)?)?;
        }
        if let Some(l) = patch.legend {
            let l = clean_legend(l)?;
            row.legend = seal(&okey, legend_aad(&row.id), &serde_json::to_vec(&l).map_err(|_| CoreError::Internal("legend"))?)?;
        }
        if let Some(v) = patch.vote_tokens {
            if !(0..=99).contains(&v) {
                return Err(CoreError::validation("vote_tokens", "between 0 and 99 votes per person"));
            }
            row.vote_tokens = v;
        }
        let was = (row.anonymous, row.votes_hidden);
        row.votes_hidden = patch.votes_hidden.unwrap_or(row.votes_hidden);
        row.locked = patch.locked.unwrap_or(row.locked);
        row.controlled = patch.controlled.unwrap_or(row.controlled);
        row.anonymous = patch.anonymous.unwrap_or(row.anonymous);
        row.updated_at = self.cb.now();
        let seq = a.region.boards.update_board(&row).await?;
        let a2 = Access { board: row, ..a };
        let view = views::board_view(&mut KeyCache::new(self.cb.keys(), &a2.region), &a2).await?;
        self.cb.inner.hub.publish(board, seq, Change::Board { board: view.board.clone() });
        if a2.board.votes_hidden != was.1 {
            // The voting session changed: votes kept by undo histories stay in the one before.
            self.cb.inner.hub.room(board).history.end_votes();
        }
        if (a2.board.anonymous, a2.board.votes_hidden) != was {
            // Authors or counts shown or hidden: every open screen reloads, at a sequence number of its
            // own (an event sharing the board change's number would be dropped as seen).
            let seq = a2.region.boards.bump_board(board).await?;
            self.cb.inner.hub.publish(board, seq, Change::Resync);
        }
        Ok(view)
    }

    /// Deletes a board and everything on it (facilitators): cards, media, comments, reactions,
    /// and the participants who joined it (their keys are destroyed).
    pub async fn delete_board(&self, who: &Principal, board: &BoardId) -> Result<(), CoreError> {
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "board.deleted",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "board": board }),
        );
        let (blobs, participants) = a.region.boards.delete_board(board, audit).await?;
        for b in blobs {
            a.region.blobs.delete(&b).await?;
        }
        for p in participants {
            self.cb.keys().shred(&a.region, &p).await?;
        }
        self.cb.directory().unindex_board(board).await?;
        self.cb.inner.hub.forget(board);
        Ok(())
    }

    /// Gives a board a new join code (facilitators): the old code and links stop working at
    /// once; participants already on the board stay.
    pub async fn rotate_join_code(&self, who: &Principal, board: &BoardId) -> Result<String, CoreError> {
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        for _ in 0..5 {
            let code = new_join_code()?;
            match self.cb.directory().rekey_board_code(board, &code).await {
                Ok(()) => {
                    a.region.boards.set_join_code(board, &code).await?;
                    let audit = self.cb.audit_draft(
                        Actor::Subject(&who.subject),
                        "board.join_code_rotated",
                        None,
                        Some(PURPOSE),
                        json!({ "board": board }),
                    );
                    a.region.store.audit_append(audit).await?;
                    return Ok(code);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::Internal("could not find a free join code"))
    }

    /// The board's content for facilitators, as JSON or CSV (authors left out on anonymous
    /// boards).
    pub async fn export(&self, who: &Principal, board: &BoardId) -> Result<(BoardView, Vec<CardView>), CoreError> {
        self.export_as(who, board, None).await
    }

    /// The same, audited with the format it is exported in (`png`, `pdf`) when one is named.
    pub(super) async fn export_as(
        &self,
        who: &Principal,
        board: &BoardId,
        format: Option<&str>,
    ) -> Result<(BoardView, Vec<CardView>), CoreError> {
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let b = views::board_view(&mut keys, &a).await?;
        let cards = views::card_views(&mut keys, &a).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "board.exported",
            None,
            Some(PURPOSE),
            match format {
                Some(f) => json!({ "board": board, "cards": cards.len(), "format": f }),
                None => json!({ "board": board, "cards": cards.len() }),
            },
        );
        a.region.store.audit_append(audit).await?;
        Ok((b, cards))
    }
}
