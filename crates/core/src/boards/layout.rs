//! Zones: the named areas of a board (a retrospective's columns, a SWOT's quadrants, a lean
//! coffee's lanes), drawn behind the cards. A zone has a title, a position, a size and a
//! colour; templates make them (`templates`), facilitators add, rename, move, resize and remove
//! them (`zones`). The checks and the geometry live here (the list is sealed with the
//! organisation's key in the board's row, by `sealing`): pure functions, no storage, no keys.
//!
//! A card is not tied to a zone in storage: it belongs to the zone its anchor point
//! ([`CARD_ANCHOR`] from its top-left corner, near the top of the card as drawn) lies in, the
//! last such zone in the board's list when zones overlap. So moving a card into a zone, or a
//! zone under cards, needs no second write, and what a card belongs to never disagrees with
//! where it is drawn.

use serde::{Deserialize, Serialize};

use crate::boards::input::{clean_text, valid_color};
use crate::platform::error::CoreError;

/// How many zones a board may have.
pub const ZONES_MAX: usize = 24;
/// Longest zone title (characters).
pub const ZONE_TITLE_MAX: usize = 60;
/// A card's width on the canvas (13rem), in board coordinates.
pub const CARD_WIDTH: i64 = 208;
/// The point of a card that says which zone it is in, from its top-left corner.
pub const CARD_ANCHOR: (i64, i64) = (CARD_WIDTH / 2, 40);
const SIZE_MIN: i64 = 80;
const SIZE_MAX: i64 = 20_000;

/// One zone of a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub id: String,
    pub title: String,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub color: String,
}

/// A new zone (facilitators; `POST /api/v1/boards/{id}/zones`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewZone {
    pub title: String,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    #[serde(default)]
    pub color: Option<String>,
}

/// A change to a zone (facilitators; `PATCH /api/v1/boards/{id}/zones/{zone}`): rename, move,
/// resize, recolour. `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZonePatch {
    pub title: Option<String>,
    pub x: Option<i64>,
    pub y: Option<i64>,
    pub w: Option<i64>,
    pub h: Option<i64>,
    pub color: Option<String>,
}

/// The colour of a zone made without one: a light grey that any card colour reads on.
pub const ZONE_COLOR: &str = "#f1f3f7";

/// Checks a zone's fields (title, position, size, colour); the id is the caller's.
pub fn clean_zone(z: Zone) -> Result<Zone, CoreError> {
    let pos = |v: i64| {
        if (-100_000..=100_000).contains(&v) {
            Ok(v)
        } else {
            Err(CoreError::validation("zone", "positions are between -100000 and 100000"))
        }
    };
    let size = |v: i64| {
        if (SIZE_MIN..=SIZE_MAX).contains(&v) { Ok(v) } else { Err(CoreError::validation("zone", "sizes are between 80 and 20000")) }
    };
    if !valid_color(&z.color) {
        return Err(CoreError::validation("zone", "colours are written #RRGGBB"));
    }
    Ok(Zone {
        title: clean_text("title", &z.title, ZONE_TITLE_MAX)?,
        x: pos(z.x)?,
        y: pos(z.y)?,
        w: size(z.w)?,
        h: size(z.h)?,
        color: z.color.to_lowercase(),
        id: z.id,
    })
}

/// A new zone on a board that has `taken`, checked: a fresh id, the default colour if none.
pub fn new_zone(z: NewZone, taken: &[Zone]) -> Result<Zone, CoreError> {
    if taken.len() >= ZONES_MAX {
        return Err(CoreError::validation("zone", "at most 24 zones on a board"));
    }
    let id = new_zone_id(taken)?;
    let color = z.color.unwrap_or_else(|| ZONE_COLOR.into());
    clean_zone(Zone { id, title: z.title, x: z.x, y: z.y, w: z.w, h: z.h, color })
}

/// Applies a change to a zone, checked.
pub fn patch_zone(z: &Zone, p: ZonePatch) -> Result<Zone, CoreError> {
    clean_zone(Zone {
        id: z.id.clone(),
        title: p.title.unwrap_or_else(|| z.title.clone()),
        x: p.x.unwrap_or(z.x),
        y: p.y.unwrap_or(z.y),
        w: p.w.unwrap_or(z.w),
        h: p.h.unwrap_or(z.h),
        color: p.color.unwrap_or_else(|| z.color.clone()),
    })
}

/// A new zone id: 8 letters and digits, unique on its board.
pub fn new_zone_id(taken: &[Zone]) -> Result<String, CoreError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    for _ in 0..8 {
        let raw = clearboard_vault::random::bytes::<8>()?;
        let id: String = raw.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
        if !taken.iter().any(|z| z.id == id) {
            return Ok(id);
        }
    }
    Err(CoreError::Internal("could not find a free zone id"))
}

/// The zone a card at (`x`, `y`) (its top-left corner) belongs to, if any.
pub fn zone_of(zones: &[Zone], x: i64, y: i64) -> Option<&Zone> {
    let (px, py) = (x + CARD_ANCHOR.0, y + CARD_ANCHOR.1);
    zones.iter().rev().find(|z| px >= z.x && px < z.x + z.w && py >= z.y && py < z.y + z.h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(id: &str, x: i64, y: i64) -> Zone {
        Zone { id: id.into(), title: "T".into(), x, y, w: 300, h: 300, color: ZONE_COLOR.into() }
    }

    #[test]
    fn a_card_belongs_to_the_zone_its_anchor_is_in() {
        let zones = vec![z("a", 0, 0), z("b", 300, 0)];
        assert_eq!(zone_of(&zones, 10, 10).map(|z| z.id.as_str()), Some("a"));
        // Its left edge in "a", its anchor (104 px to the right) in "b".
        assert_eq!(zone_of(&zones, 250, 10).map(|z| z.id.as_str()), Some("b"));
        assert_eq!(zone_of(&zones, 10, 500), None);
        // Overlapping zones: the last one drawn (on top) wins.
        let over = vec![z("a", 0, 0), z("c", 50, 0)];
        assert_eq!(zone_of(&over, 10, 10).map(|z| z.id.as_str()), Some("c"));
    }

    #[test]
    fn zones_are_checked() {
        assert!(clean_zone(z("a", 0, 0)).is_ok());
        assert!(clean_zone(Zone { w: 10, ..z("a", 0, 0) }).is_err(), "too small");
        assert!(clean_zone(Zone { x: 200_000, ..z("a", 0, 0) }).is_err(), "too far");
        assert!(clean_zone(Zone { title: " ".into(), ..z("a", 0, 0) }).is_err(), "no title");
        assert!(clean_zone(Zone { color: "red".into(), ..z("a", 0, 0) }).is_err());
        let moved = patch_zone(&z("a", 0, 0), ZonePatch { x: Some(40), title: Some("New".into()), ..Default::default() }).unwrap();
        assert_eq!((moved.x, moved.title.as_str(), moved.w), (40, "New", 300));
        let id = new_zone_id(&[]).unwrap();
        assert_eq!(id.len(), 8);
    }
}
