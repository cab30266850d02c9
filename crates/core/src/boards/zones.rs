//! What facilitators do to a board's zones: add, rename, move, resize, recolour, remove.
//! The zones are one list sealed with the organisation's key in the board's row (like the
//! title and legend: board content that survives its creator and goes with the board). Every
//! change is the board's: its sequence number advances and every open screen gets the board,
//! zones included (`board` event, `docs/protocol.md`).

use crate::boards::access::Access;
use crate::boards::events::Change;
use crate::boards::layout::{NewZone, ZONES_MAX, Zone, ZonePatch, clean_zone, new_zone, patch_zone};
use crate::boards::sealing::{KeyCache, open_zones, org_key_owner, seal_zones};
use crate::boards::service::Boards;
use crate::boards::shapes::BoardView;
use crate::boards::views;
use crate::identity::principal::Principal;
use crate::platform::error::CoreError;
use crate::platform::ids::BoardId;

impl Boards<'_> {
    /// Adds a zone to a board (facilitators).
    pub async fn add_zone(&self, who: &Principal, board: &BoardId, z: NewZone) -> Result<BoardView, CoreError> {
        self.change_zones(who, board, |zones| {
            zones.push(new_zone(z, zones)?);
            Ok(())
        })
        .await
    }

    /// Gives a board the zones of a list made with [`new_zone`] (an import, facilitators):
    /// they replace the board's, checked again.
    pub(crate) async fn set_zones(&self, who: &Principal, board: &BoardId, list: Vec<Zone>) -> Result<BoardView, CoreError> {
        if list.len() > ZONES_MAX {
            return Err(CoreError::validation("zone", "at most 24 zones on a board"));
        }
        let list = list.into_iter().map(clean_zone).collect::<Result<Vec<_>, _>>()?;
        self.change_zones(who, board, |zones| {
            *zones = list;
            Ok(())
        })
        .await
    }

    /// Renames, moves, resizes or recolours a zone (facilitators).
    pub async fn update_zone(&self, who: &Principal, board: &BoardId, zone: &str, p: ZonePatch) -> Result<BoardView, CoreError> {
        self.change_zones(who, board, |zones| {
            let z = zones.iter_mut().find(|z| z.id == zone).ok_or(CoreError::NotFound)?;
            *z = patch_zone(z, p)?;
            Ok(())
        })
        .await
    }

    /// Removes a zone (facilitators); the cards in it stay where they are.
    pub async fn delete_zone(&self, who: &Principal, board: &BoardId, zone: &str) -> Result<BoardView, CoreError> {
        self.change_zones(who, board, |zones| {
            let before = zones.len();
            zones.retain(|z| z.id != zone);
            if zones.len() == before { Err(CoreError::NotFound) } else { Ok(()) }
        })
        .await
    }

    async fn change_zones(
        &self,
        who: &Principal,
        board: &BoardId,
        change: impl FnOnce(&mut Vec<Zone>) -> Result<(), CoreError>,
    ) -> Result<BoardView, CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        a.facilitator().then_some(()).ok_or(CoreError::Forbidden)?;
        let okey = self.cb.keys().current(&a.region, &org_key_owner(&a.board.org_id)).await?;
        let mut row = a.board.clone();
        let mut zones = open_zones(&okey, &row.id, row.zones.as_deref())?;
        change(&mut zones)?;
        row.zones = seal_zones(&okey, &row.id, &zones)?;
        row.updated_at = self.cb.now();
        let seq = a.region.boards.update_board(&row).await?;
        let a2 = Access { board: row, ..a };
        let view = views::board_view(&mut KeyCache::new(self.cb.keys(), &a2.region), &a2).await?;
        self.cb.inner.hub.publish(board, seq, Change::Board { board: view.board.clone() });
        Ok(view)
    }
}
