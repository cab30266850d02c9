//! What a picture of a board shows (the PNG and PDF exports): the board's title, its zones and
//! its published cards, laid out once here so that both pictures agree. Built from what the
//! exporting facilitator sees (`views`): vote counts only when they are revealed (a hidden
//! vote has none to show), authors only on boards and cards that name them. Images and videos
//! are a frame with their caption: the picture never opens media. Pure: no storage, no keys.

use crate::boards::input::LegendEntry;
use crate::boards::kinds::{CardKind, CardStatus};
use crate::boards::layout::CARD_WIDTH;
use crate::boards::shapes::{BoardView, CardView};

/// Blank space around what the board holds.
pub const MARGIN: i64 = 40;
/// The band at the top that carries the board's title.
pub const TITLE_BAND: i64 = 48;
/// The longest side of a picture, in pixels (PNG) or points (PDF): a larger board is scaled
/// down to fit, so the work of drawing one is bounded whatever the board's size.
pub const SIDE_MAX: i64 = 3200;
/// Characters per line of a card's text.
pub const CARD_CHARS: usize = 30;
const CARD_MIN_HEIGHT: i64 = 80;
const CARD_PAD: i64 = 8;
/// Heights of a card's lines: its category and author, its text, its counts.
pub const META_LINE: i64 = 16;
pub const TEXT_LINE: i64 = 17;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// A zone, in the picture's coordinates (before scaling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneShape {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub fill: Rgb,
    pub title: String,
}

/// A card, in the picture's coordinates (before scaling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardShape {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub fill: Rgb,
    /// Category and author, when there are any.
    pub meta: Option<String>,
    /// The text, wrapped.
    pub lines: Vec<String>,
    /// An image or a video: its lines are drawn in a frame standing for it.
    pub media: bool,
    /// Likes, and votes once revealed.
    pub counts: Option<String>,
}

/// A board as a picture shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub title: String,
    /// The picture's size before scaling.
    pub width: i64,
    pub height: i64,
    /// How much the picture is scaled down (1 for most boards).
    pub scale: f32,
    pub zones: Vec<ZoneShape>,
    pub cards: Vec<CardShape>,
}

impl Scene {
    /// The size of the picture in pixels or points, after scaling.
    pub fn size(&self) -> (u32, u32) {
        let px = |v: i64| ((v as f32 * self.scale).round() as u32).max(1);
        (px(self.width), px(self.height))
    }
}

/// `#rrggbb` as RGB (a light grey if it is not one).
pub fn rgb(hex: &str) -> Rgb {
    let h = hex.trim_start_matches('#');
    let part = |i: usize| h.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok());
    match (h.len(), part(0), part(2), part(4)) {
        (6, Some(r), Some(g), Some(b)) => [r, g, b],
        _ => [0xee, 0xee, 0xee],
    }
}

/// Splits text into lines of at most `width` characters, at spaces; a longer word is cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    text.lines()
        .flat_map(|para| {
            let words: Vec<String> = para
                .split_whitespace()
                .flat_map(|w| w.chars().collect::<Vec<_>>().chunks(width).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>())
                .collect();
            crate::platform::pdf::wrap(&words.join(" "), width)
        })
        .collect()
}

fn category_name<'a>(legend: &'a [LegendEntry], id: Option<&str>) -> Option<&'a LegendEntry> {
    id.and_then(|id| legend.iter().find(|e| e.id == id))
}

fn card_shape(c: &CardView, legend: &[LegendEntry], fr: bool) -> CardShape {
    let c = &c.card;
    let cat = category_name(legend, c.category.as_deref());
    let meta = match (cat.map(|e| e.name.as_str()), c.author.as_deref()) {
        (Some(k), Some(a)) => Some(format!("{k} · {a}")),
        (Some(k), None) => Some(k.to_string()),
        (None, Some(a)) => Some(a.to_string()),
        (None, None) => None,
    };
    let media = c.kind.is_media();
    let body = match c.kind {
        CardKind::Link => c.url.clone().unwrap_or_default(),
        CardKind::Image | CardKind::Video => {
            let what = match c.kind {
                CardKind::Image => "Image",
                _ if fr => "Vidéo",
                _ => "Video",
            };
            if c.text.trim().is_empty() { what.to_string() } else { format!("{what}: {}", c.text) }
        }
        CardKind::Text => c.text.clone(),
    };
    let lines = wrap(&body, CARD_CHARS);
    let counts = c.tallies.and_then(|t| {
        let likes = (t.likes > 0).then(|| if fr { format!("{} j'aime", t.likes) } else { format!("{} likes", t.likes) });
        let votes = t.votes.filter(|v| *v > 0).map(|v| format!("{v} votes"));
        match (likes, votes) {
            (Some(l), Some(v)) => Some(format!("{l} · {v}")),
            (l, v) => l.or(v),
        }
    });
    let h = CARD_PAD * 2
        + meta.as_ref().map_or(0, |_| META_LINE)
        + lines.len() as i64 * TEXT_LINE
        + if media { 8 } else { 0 }
        + counts.as_ref().map_or(0, |_| META_LINE);
    CardShape {
        x: c.x,
        y: c.y,
        w: CARD_WIDTH,
        h: h.max(CARD_MIN_HEIGHT),
        fill: rgb(cat.map_or(c.color.as_str(), |e| e.color.as_str())),
        meta,
        lines,
        media,
        counts,
    }
}

/// Lays out a board as seen by `board`'s viewer: its zones, then its published cards in the
/// order they were made (later cards on top), all moved so that the picture starts at 0, 0.
pub fn scene(board: &BoardView, cards: &[CardView], lang: &str) -> Scene {
    let fr = lang == "fr";
    let b = &board.board;
    let zones: Vec<ZoneShape> =
        b.zones.iter().map(|z| ZoneShape { x: z.x, y: z.y, w: z.w, h: z.h, fill: rgb(&z.color), title: z.title.clone() }).collect();
    let mut shapes: Vec<CardShape> =
        cards.iter().filter(|c| c.card.status == CardStatus::Published).map(|c| card_shape(c, &b.legend, fr)).collect();
    let rects = zones.iter().map(|z| (z.x, z.y, z.w, z.h)).chain(shapes.iter().map(|c| (c.x, c.y, c.w, c.h)));
    let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
    for (x, y, w, h) in rects {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + w), y1.max(y + h));
    }
    if x0 > x1 {
        (x0, y0, x1, y1) = (0, 0, 400, 240);
    }
    let (dx, dy) = (MARGIN - x0, MARGIN + TITLE_BAND - y0);
    let zones = zones.into_iter().map(|z| ZoneShape { x: z.x + dx, y: z.y + dy, ..z }).collect();
    for c in &mut shapes {
        c.x += dx;
        c.y += dy;
    }
    let (width, height) = (x1 - x0 + 2 * MARGIN, y1 - y0 + 2 * MARGIN + TITLE_BAND);
    let scale = (SIDE_MAX as f32 / width.max(height) as f32).min(1.0);
    Scene { title: b.title.clone(), width, height, scale, zones, cards: shapes }
}

/// A small scene for the drawers' tests: a 600 × 400 picture with one zone and one card.
#[cfg(test)]
pub(crate) fn sample(meta: Option<&str>) -> Scene {
    Scene {
        title: "Retro (2)".into(),
        width: 600,
        height: 400,
        scale: 1.0,
        zones: vec![ZoneShape { x: 40, y: 88, w: 300, h: 280, fill: [0xe4, 0xf5, 0xe9], title: "Went well".into() }],
        cards: vec![CardShape {
            x: 60,
            y: 140,
            w: 208,
            h: 80,
            fill: [0xff, 0xf3, 0xa3],
            meta: meta.map(str::to_string),
            lines: vec!["Ship it".into()],
            media: false,
            counts: None,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_wrapped_at_spaces_and_long_words_are_cut() {
        assert_eq!(wrap("one two three four", 9), vec!["one two", "three", "four"]);
        assert_eq!(wrap("abcdefghijkl xy", 5), vec!["abcde", "fghij", "kl xy"]);
        assert_eq!(wrap("a\nb", 9), vec!["a", "b"]);
        assert_eq!(rgb("#ff8000"), [255, 128, 0]);
        assert_eq!(rgb("red"), [0xee, 0xee, 0xee]);
    }
}
