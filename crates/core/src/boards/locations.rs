//! Where boards live (organisation and region), kept in memory between requests.
//!
//! Depends on the directory port only (the context holds one of these; no file cycle).

use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, OrgId, RegionId};
use crate::platform::ports::Directory;

/// Where boards live, kept between requests: a board's organisation and region are fixed when
/// it is created (its id is new) and never change, so a location read once stays true. A board
/// deleted since is still refused: its row is read from its region on every access. Holds ids
/// only, and at most [`LOCATIONS_MAX`] (then it starts again).
#[derive(Debug, Default)]
pub(crate) struct BoardLocations {
    known: std::sync::Mutex<std::collections::HashMap<BoardId, (OrgId, RegionId)>>,
}

const LOCATIONS_MAX: usize = 100_000;

impl BoardLocations {
    pub(crate) async fn of(&self, directory: &dyn Directory, board: &BoardId) -> Result<Option<(OrgId, RegionId)>, CoreError> {
        if let Some(l) = self.known.lock().ok().and_then(|m| m.get(board).cloned()) {
            return Ok(Some(l));
        }
        let found = directory.board_location(board).await?;
        if let (Some(l), Ok(mut m)) = (&found, self.known.lock()) {
            if m.len() >= LOCATIONS_MAX {
                m.clear();
            }
            m.insert(board.clone(), l.clone());
        }
        Ok(found)
    }
}
