//! The PNG and PDF exports of a board (issue 14): its zones and published cards drawn as the
//! exporting facilitator sees them (`scene`), by `raster` (PNG) and `print` (PDF). The same
//! rules as the JSON and CSV exports: facilitators only, audited (`board.exported`, with the
//! format), no author on anonymous boards, no vote count while votes are hidden. Like them it
//! has no rate of its own; its cost is bounded instead: a picture is at most `scene::SIDE_MAX`
//! on a side, and a node draws at most [`DRAWING_AT_ONCE`] at a time, on the blocking pool
//! (others wait their turn), so exports cannot take the node's CPU from everyone else.

use crate::boards::print;
use crate::boards::raster;
use crate::boards::scene::scene;
use crate::boards::service::Boards;
use crate::identity::principal::Principal;
use crate::platform::error::CoreError;
use crate::platform::ids::BoardId;

/// How many pictures one node draws at once.
pub const DRAWING_AT_ONCE: usize = 2;
static DRAWING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DRAWING_AT_ONCE);

/// What a board is exported as, drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureFormat {
    Png,
    Pdf,
}

impl PictureFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            PictureFormat::Png => "png",
            PictureFormat::Pdf => "pdf",
        }
    }
}

/// A drawn board: the bytes, and the board's title (for the file's name).
#[derive(Debug)]
pub struct Picture {
    pub title: String,
    pub bytes: Vec<u8>,
}

impl Boards<'_> {
    /// The board drawn as a PNG or a PDF (facilitators), its texts in `lang` (`en` or `fr`).
    pub async fn picture(&self, who: &Principal, board: &BoardId, format: PictureFormat, lang: &str) -> Result<Picture, CoreError> {
        self.guard()?;
        let (b, cards) = self.export_as(who, board, Some(format.as_str())).await?;
        let s = scene(&b, &cards, lang);
        let title = s.title.clone();
        let _turn = DRAWING.acquire().await.map_err(|_| CoreError::Internal("drawing is closed"))?;
        let bytes = tokio::task::spawn_blocking(move || match format {
            PictureFormat::Png => raster::png(&s),
            PictureFormat::Pdf => Ok(print::pdf(&s)),
        })
        .await
        .map_err(|_| CoreError::Internal("drawing the board stopped"))??;
        Ok(Picture { title, bytes })
    }
}
