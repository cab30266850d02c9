//! Reading an export archive into an import plan: the archive checked whole (sizes, ratios,
//! overlaps, nested archives), `data.json` parsed into capped lists (what is over a cap is
//! counted, not held), and every media file it names found once and counted.

use std::io::{BufReader, Read, Seek};

use serde::Deserialize;
use serde::de::{IgnoredAny, SeqAccess, Visitor};

use super::bounds::{
    BUFFERS, Budget, IMPORT_MAX_BOARDS, IMPORT_MAX_CARDS, IMPORT_MAX_COMMENTS, IMPORT_MAX_ENTRIES, IMPORT_MAX_FILE, IMPORT_MAX_JSON,
    IMPORT_MAX_NAME, IMPORT_MAX_PLAN, IMPORT_MEMORY_BOUND, LIMITS,
};
use super::jobs::FORMAT_VERSION;
use super::zipread::{Archive, Entry, invalid, too_large};
use crate::boards::layout::{NewZone, ZONES_MAX, Zone, new_zone};
use crate::platform::error::CoreError;

const DIRECTORY_HELD: usize = IMPORT_MAX_ENTRIES as usize * (std::mem::size_of::<Entry>() + IMPORT_MAX_NAME);
/// Cards and boards as parsed, with room for a vector's growth (old and new buffers at once).
const PARSED_OVERHEAD: usize = 3
    * (IMPORT_MAX_CARDS * (std::mem::size_of::<CardIn>() + std::mem::size_of::<String>())
        + IMPORT_MAX_COMMENTS * std::mem::size_of::<CommentIn>()
        + IMPORT_MAX_BOARDS * (std::mem::size_of::<BoardIn>() + ZONES_MAX * std::mem::size_of::<ZoneIn>()));
// The bound holds by construction, in both phases of an import.
const _: () = assert!(DIRECTORY_HELD + 2 * IMPORT_MAX_JSON as usize + PARSED_OVERHEAD + BUFFERS <= IMPORT_MEMORY_BOUND);
const _: () = assert!(DIRECTORY_HELD + IMPORT_MAX_PLAN + IMPORT_MAX_FILE as usize + BUFFERS <= IMPORT_MEMORY_BOUND);

/// A list read from JSON keeping at most `N` items; the rest are counted without being held.
struct Capped<T, const N: usize> {
    items: Vec<T>,
    total: usize,
}

impl<T, const N: usize> Default for Capped<T, N> {
    fn default() -> Self {
        Self { items: Vec::new(), total: 0 }
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Capped<T, N> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, const N: usize>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for V<T, N> {
            type Value = Capped<T, N>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Capped::default();
                loop {
                    if out.items.len() < N {
                        match seq.next_element::<T>()? {
                            Some(v) => out.items.push(v),
                            None => break,
                        }
                    } else if seq.next_element::<IgnoredAny>()?.is_none() {
                        break;
                    }
                    out.total += 1;
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V::<T, N>(std::marker::PhantomData))
    }
}

// `data.json`, only the parts an import uses; everything else is skipped as it is read.
#[derive(Deserialize)]
struct DataIn {
    format: Option<String>,
    version: Option<u64>,
    boards: Option<Capped<BoardIn, IMPORT_MAX_BOARDS>>,
    categories: Option<CategoriesIn>,
}

#[derive(Deserialize)]
struct CategoriesIn {
    user_content: Option<UserContentIn>,
}

#[derive(Deserialize)]
struct UserContentIn {
    data: Option<CardsIn>,
}

#[derive(Deserialize)]
struct CardsIn {
    cards: Option<Capped<CardIn, IMPORT_MAX_CARDS>>,
    comments: Option<Capped<CommentIn, IMPORT_MAX_COMMENTS>>,
    /// The cards the person liked.
    likes: Option<Capped<String, IMPORT_MAX_CARDS>>,
}

#[derive(Deserialize)]
struct CommentIn {
    card_id: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct BoardIn {
    id: Option<String>,
    title: Option<String>,
    zones: Option<Capped<ZoneIn, ZONES_MAX>>,
}

/// A zone as exported (its id is not kept: the copy's zones get new ones).
#[derive(Deserialize)]
struct ZoneIn {
    title: Option<String>,
    x: Option<serde_json::Number>,
    y: Option<serde_json::Number>,
    w: Option<serde_json::Number>,
    h: Option<serde_json::Number>,
    color: Option<String>,
}

/// A board's zones from the archive, checked as any zone a facilitator adds
/// (`layout::new_zone`); `board` is the board's place in data.json's list (the refusal
/// names it, never what the zone says).
fn zones_of(board: usize, list: Capped<ZoneIn, ZONES_MAX>) -> Result<Vec<Zone>, CoreError> {
    if list.total > ZONES_MAX {
        return Err(invalid(format!("board {board} of data.json has {} zones; a board has at most {ZONES_MAX}", list.total)));
    }
    let mut zones = Vec::with_capacity(list.items.len());
    for (k, z) in list.items.into_iter().enumerate() {
        let refused = |why: &str| invalid(format!("zone {} of board {board} in data.json is refused: {why}", k + 1));
        let int =
            |n: Option<serde_json::Number>| n.and_then(|n| n.as_i64()).ok_or_else(|| refused("its position and size are whole numbers"));
        let new = NewZone { title: z.title.unwrap_or_default(), x: int(z.x)?, y: int(z.y)?, w: int(z.w)?, h: int(z.h)?, color: z.color };
        match new_zone(new, &zones) {
            Ok(zone) => zones.push(zone),
            Err(CoreError::Validation { message, .. }) => return Err(refused(&message)),
            Err(e) => return Err(e),
        }
    }
    Ok(zones)
}

#[derive(Deserialize)]
struct CardIn {
    id: Option<String>,
    board_id: Option<String>,
    kind: Option<String>,
    text: Option<String>,
    url: Option<String>,
    position: Option<(Option<serde_json::Number>, Option<serde_json::Number>)>,
    color: Option<String>,
    media: Option<MediaIn>,
}

#[derive(Deserialize)]
struct MediaIn {
    file: Option<String>,
}

/// A card to create.
pub(crate) struct PlanCard {
    /// Its id in the archive (comments and likes name it).
    pub(super) id: Option<String>,
    pub(super) board: String,
    pub(super) kind: String,
    pub(super) text: Option<String>,
    pub(super) url: Option<String>,
    pub(super) x: Option<i64>,
    pub(super) y: Option<i64>,
    pub(super) color: Option<String>,
    /// The archive entry of its media file.
    pub(super) media: Option<usize>,
}

/// What an archive asks to create: its boards (old id, title), their zones (old id, zones
/// checked) and cards.
pub(crate) struct Plan {
    pub(super) titles: Vec<(String, Option<String>)>,
    pub(super) zones: Vec<(String, Vec<Zone>)>,
    pub(super) cards: Vec<PlanCard>,
    /// The person's comments (card id in the archive, text) and likes (card ids), restored on
    /// the cards imported.
    pub(super) comments: Vec<(String, String)>,
    pub(super) likes: Vec<String>,
}

impl Plan {
    fn bytes(&self) -> usize {
        let s = |o: &Option<String>| o.as_ref().map_or(0, String::len);
        self.titles.iter().map(|(id, t)| std::mem::size_of::<(String, Option<String>)>() + id.len() + s(t)).sum::<usize>()
            + self
                .zones
                .iter()
                .flat_map(|(id, zones)| {
                    std::iter::once(std::mem::size_of::<(String, Vec<Zone>)>() + id.len()).chain(zones.iter().map(zone_bytes))
                })
                .sum::<usize>()
            + self
                .cards
                .iter()
                .map(|c| std::mem::size_of::<PlanCard>() + s(&c.id) + c.board.len() + c.kind.len() + s(&c.text) + s(&c.url) + s(&c.color))
                .sum::<usize>()
            + self.comments.iter().map(|(c, t)| std::mem::size_of::<(String, String)>() + c.len() + t.len()).sum::<usize>()
            + self.likes.iter().map(|c| std::mem::size_of::<String>() + c.len()).sum::<usize>()
    }
}

fn zone_bytes(z: &Zone) -> usize {
    std::mem::size_of::<Zone>() + z.id.len() + z.title.len() + z.color.len()
}

/// An archive being imported: the checked archive, and what it holds in memory.
pub(crate) struct Importer<R> {
    archive: Archive<R>,
    pub budget: Budget,
}

fn not_an_export() -> CoreError {
    invalid("data.json does not read as a clearboard export")
}

impl<R: Read + Seek> Importer<R> {
    /// Opens and checks the archive's structure (sizes, ratios, overlaps, nested archives).
    pub fn open(r: R) -> Result<Self, CoreError> {
        let archive = Archive::open(r, LIMITS)?;
        let mut budget = Budget::default();
        budget.charge(archive.entries.iter().map(Entry::footprint).sum());
        let mut imp = Importer { archive, budget };
        imp.archive.refuse_nested()?;
        Ok(imp)
    }

    /// Reads `data.json` into the plan and checks every media file it names exists once.
    pub fn plan(&mut self) -> Result<Plan, CoreError> {
        let i = self.archive.find("data.json").ok_or_else(|| invalid("the archive has no data.json: is it a clearboard export?"))?;
        let json_len = usize::try_from(self.archive.entries[i].size).unwrap_or(usize::MAX);
        // The parser's scratch and what it keeps are each at most the text read.
        self.budget.charge(2 * json_len);
        let mut rd = self.archive.open_entry(i, IMPORT_MAX_JSON)?;
        let data: DataIn = match serde_json::from_reader(BufReader::with_capacity(8 * 1024, &mut rd)) {
            Ok(d) => d,
            Err(e) => {
                return Err(match e.classify() {
                    serde_json::error::Category::Io => rd.refusal(std::io::Error::other("read")),
                    _ => not_an_export(),
                });
            }
        };
        drop(rd);
        if data.format.as_deref() != Some("clearboard-export") || data.version != Some(u64::from(FORMAT_VERSION)) {
            return Err(invalid("this export's format or version is not supported"));
        }
        let boards = data.boards.unwrap_or_default();
        let content = data.categories.and_then(|c| c.user_content).and_then(|u| u.data);
        let (cards, comments, likes) = match content {
            Some(d) => (d.cards.unwrap_or_default(), d.comments.unwrap_or_default(), d.likes.unwrap_or_default()),
            None => Default::default(),
        };
        if boards.total > IMPORT_MAX_BOARDS || cards.total > IMPORT_MAX_CARDS {
            return Err(too_large(format!(
                "data.json lists {} boards and {} cards; an import takes at most {IMPORT_MAX_BOARDS} boards and {IMPORT_MAX_CARDS} cards",
                boards.total, cards.total
            )));
        }
        if comments.total > IMPORT_MAX_COMMENTS || likes.total > IMPORT_MAX_CARDS {
            return Err(too_large(format!(
                "data.json lists {} comments and {} likes; an import takes at most {IMPORT_MAX_COMMENTS} comments and {IMPORT_MAX_CARDS} likes",
                comments.total, likes.total
            )));
        }
        let (mut titles, mut zones) = (Vec::with_capacity(boards.items.len()), Vec::new());
        for (i, b) in boards.items.into_iter().enumerate() {
            let list = match b.zones {
                Some(list) => zones_of(i + 1, list)?,
                None => Vec::new(),
            };
            let Some(id) = b.id else { continue };
            if !list.is_empty() {
                zones.push((id.clone(), list));
            }
            titles.push((id, b.title));
        }
        let mut used = vec![false; self.archive.entries.len()];
        // Names in order, to find each media file without a scan of the directory per card.
        let mut by_name: Vec<(&str, usize)> = self.archive.entries.iter().enumerate().map(|(i, e)| (&*e.name, i)).collect();
        by_name.sort_unstable();
        let mut plan_cards = Vec::with_capacity(cards.items.len());
        for c in cards.items {
            let Some(kind) = c.kind else { continue };
            let media = match c.media.and_then(|m| m.file) {
                Some(file) => {
                    if !file.starts_with("media/") || file.contains("..") {
                        return Err(invalid("a media path in data.json is invalid"));
                    }
                    let at = by_name
                        .binary_search_by(|(n, _)| (*n).cmp(file.as_str()))
                        .map(|k| by_name[k].1)
                        .map_err(|_| invalid("a media file named in data.json is missing"))?;
                    if std::mem::replace(&mut used[at], true) {
                        return Err(invalid("data.json names the same media file for two cards"));
                    }
                    Some(at)
                }
                None => None,
            };
            let (x, y) = c.position.map_or((None, None), |(x, y)| (x.and_then(|n| n.as_i64()), y.and_then(|n| n.as_i64())));
            plan_cards.push(PlanCard {
                id: c.id,
                board: c.board_id.unwrap_or_default(),
                kind,
                text: c.text.filter(|t| !t.is_empty()),
                url: c.url,
                x,
                y,
                color: c.color,
                media,
            });
        }
        let comments = comments.items.into_iter().filter_map(|c| Some((c.card_id?, c.text.filter(|t| !t.is_empty())?))).collect();
        let plan = Plan { titles, zones, cards: plan_cards, comments, likes: likes.items };
        let bytes = plan.bytes();
        self.budget.release(2 * json_len);
        self.budget.charge(bytes);
        if bytes > IMPORT_MAX_PLAN {
            return Err(too_large(format!(
                "data.json's boards and cards take {bytes} bytes; an import takes at most {IMPORT_MAX_PLAN} at once"
            )));
        }
        Ok(plan)
    }

    /// Inflates every media file the plan names, counting, without keeping the bytes: the
    /// archive is checked whole before anything is created.
    pub fn check_media(&mut self, plan: &Plan) -> Result<(), CoreError> {
        for i in plan.cards.iter().filter_map(|c| c.media) {
            let mut rd = self.archive.open_entry(i, IMPORT_MAX_FILE)?;
            if let Err(e) = std::io::copy(&mut rd, &mut std::io::sink()) {
                return Err(rd.refusal(e));
            }
        }
        Ok(())
    }

    /// One media file's bytes (at most [`IMPORT_MAX_FILE`], counted as they are inflated).
    pub fn media(&mut self, i: usize) -> Result<clearboard_vault::SecretBytes, CoreError> {
        let size = usize::try_from(self.archive.entries.get(i).map_or(0, |e| e.size)).unwrap_or(usize::MAX);
        let mut rd = self.archive.open_entry(i, IMPORT_MAX_FILE)?;
        // The declared size was checked against the cap, and reading stops at the first byte
        // past it: the buffer is made once, at its final size, and never grows.
        self.budget.charge(size);
        let mut out = clearboard_vault::SecretBytes::new(Vec::with_capacity(size));
        let read = rd.read_to_end(&mut out);
        let result = match read {
            Ok(_) => Ok(out),
            Err(e) => Err(rd.refusal(e)),
        };
        // The caller holds the bytes from here; the next media file is read after it let go.
        self.budget.release(size);
        result
    }
}
