//! Imports of an export archive (portability round trip, C-DSR-1) under bounds (issue 11,
//! finding 2): the person's boards and cards are recreated in their personal workspace.
//!
//! * **At most [`IMPORT_MEMORY_BOUND`] (64 MiB) held per import.** The upload is spooled to a
//!   sealed scratch file as it arrives (`spool`), never held whole; the archive is read with
//!   [`zipread`](super::zipread), which counts every inflated byte. What one import holds at a
//!   time is: the archive's directory (≤ 10,000 files × ≤ 255-byte names), then either
//!   `data.json` being read (≤ 16 MiB, counted twice for the parser's scratch) or the plan read
//!   from it (≤ 8 MiB), and one media file (≤ 50 MiB, the largest a video card may be), plus
//!   buffers under 1 MiB. The sums are checked at compile time below; [`Budget`] measures them
//!   at run time. (Handing a media file to the media pipeline then costs what uploading it as a
//!   card costs.) At most [`IMPORT_CONCURRENCY`] imports run at once in a process.
//! * One import at a time per person (a second gets 409), across nodes (a row in the store).
//! * All or nothing: the archive is checked whole (every file named by `data.json` inflated and
//!   counted) before anything is created; if creating a card fails, the boards made are deleted.
//!
//! It must not trust sizes the archive declares, keep plaintext on disk, or import anything but
//! boards and cards (accounts, consents and records belong to the service that made them).

use std::io::{BufReader, Read, Seek};

use serde::Deserialize;
use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde_json::json;
use zeroize::Zeroizing;

use super::jobs::{Exports, FORMAT_VERSION, PURPOSE};
use super::spool::{Spool, SpoolReader};
use super::zipread::{Archive, Entry, Limits, invalid, too_large};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{MINUTE, Millis};
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, RegionId, SubjectId};

/// The most one import holds in memory at any moment (see the module's header).
pub const IMPORT_MEMORY_BOUND: usize = 64 * MIB;
/// The largest upload (spooled, sealed, on disk; never in memory).
pub const IMPORT_UPLOAD_MAX: u64 = 1 << 30;
/// Files in an archive.
pub const IMPORT_MAX_ENTRIES: u64 = 10_000;
/// Bytes of a file name in an archive.
pub const IMPORT_MAX_NAME: usize = 255;
/// Bytes of the archive's directory (read as a stream, not held).
pub const IMPORT_MAX_DIRECTORY: u64 = 4 * MIB as u64;
/// Uncompressed bytes of `data.json`.
pub const IMPORT_MAX_JSON: u64 = 16 * MIB as u64;
/// Uncompressed bytes of any other file: the largest media a card may hold (a video).
pub const IMPORT_MAX_FILE: u64 = crate::boards::VIDEO_MAX_BYTES as u64;
/// Uncompressed bytes of the whole archive.
pub const IMPORT_MAX_TOTAL: u64 = 2 << 30;
/// Compression ratio refused per file and for the archive (after the first MiB).
pub const IMPORT_MAX_RATIO: u64 = 100;
/// Cards and boards read from `data.json`.
pub const IMPORT_MAX_CARDS: usize = 10_000;
pub const IMPORT_MAX_BOARDS: usize = 1_000;
/// Bytes of the plan read from `data.json` (board titles, card texts, links…).
pub const IMPORT_MAX_PLAN: usize = 8 * MIB;
/// Imports running at once in one process (each within [`IMPORT_MEMORY_BOUND`]).
pub const IMPORT_CONCURRENCY: usize = 2;
/// A person's import lock left by a process that died is taken over after this long.
pub const IMPORT_LOCK_STALE: Millis = 30 * MINUTE;

const MIB: usize = 1024 * 1024;
/// Read and inflate buffers, the spool's two segments, the end-record search: under 1 MiB.
const BUFFERS: usize = MIB;
const DIRECTORY_HELD: usize = IMPORT_MAX_ENTRIES as usize * (std::mem::size_of::<Entry>() + IMPORT_MAX_NAME);
/// Cards and boards as parsed, with room for a vector's growth (old and new buffers at once).
const PARSED_OVERHEAD: usize = 3 * (IMPORT_MAX_CARDS * std::mem::size_of::<CardIn>() + IMPORT_MAX_BOARDS * std::mem::size_of::<BoardIn>());
// The bound holds by construction, in both phases of an import.
const _: () = assert!(DIRECTORY_HELD + 2 * IMPORT_MAX_JSON as usize + PARSED_OVERHEAD + BUFFERS <= IMPORT_MEMORY_BOUND);
const _: () = assert!(DIRECTORY_HELD + IMPORT_MAX_PLAN + IMPORT_MAX_FILE as usize + BUFFERS <= IMPORT_MEMORY_BOUND);

static IMPORT_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(IMPORT_CONCURRENCY);

/// The limits an import reads archives with.
pub const LIMITS: Limits = Limits {
    max_entries: IMPORT_MAX_ENTRIES,
    max_name: IMPORT_MAX_NAME,
    max_directory: IMPORT_MAX_DIRECTORY,
    max_entry: IMPORT_MAX_FILE,
    max_total: IMPORT_MAX_TOTAL,
    max_ratio: IMPORT_MAX_RATIO,
    ratio_floor: MIB as u64,
};

/// The memory an import holds, as it charges and releases it; `peak` is its high-water mark.
#[derive(Debug, Default, Clone, Copy)]
pub struct Budget {
    held: usize,
    pub peak: usize,
}

impl Budget {
    fn charge(&mut self, n: usize) {
        self.held += n;
        self.peak = self.peak.max(self.held + BUFFERS);
    }

    fn release(&mut self, n: usize) {
        self.held = self.held.saturating_sub(n);
    }
}

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
}

#[derive(Deserialize)]
struct BoardIn {
    id: Option<String>,
    title: Option<String>,
}

#[derive(Deserialize)]
struct CardIn {
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
    board: String,
    kind: String,
    text: Option<String>,
    url: Option<String>,
    x: Option<i64>,
    y: Option<i64>,
    color: Option<String>,
    /// The archive entry of its media file.
    media: Option<usize>,
}

/// What an archive asks to create: its boards (old id, title) and cards.
pub(crate) struct Plan {
    titles: Vec<(String, Option<String>)>,
    cards: Vec<PlanCard>,
}

impl Plan {
    fn bytes(&self) -> usize {
        let s = |o: &Option<String>| o.as_ref().map_or(0, String::len);
        self.titles.iter().map(|(id, t)| std::mem::size_of::<(String, Option<String>)>() + id.len() + s(t)).sum::<usize>()
            + self
                .cards
                .iter()
                .map(|c| std::mem::size_of::<PlanCard>() + c.board.len() + c.kind.len() + s(&c.text) + s(&c.url) + s(&c.color))
                .sum::<usize>()
    }
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
        let cards = data.categories.and_then(|c| c.user_content).and_then(|u| u.data).and_then(|d| d.cards).unwrap_or_default();
        if boards.total > IMPORT_MAX_BOARDS || cards.total > IMPORT_MAX_CARDS {
            return Err(too_large(format!(
                "data.json lists {} boards and {} cards; an import takes at most {IMPORT_MAX_BOARDS} boards and {IMPORT_MAX_CARDS} cards",
                boards.total, cards.total
            )));
        }
        let titles = boards.items.into_iter().filter_map(|b| Some((b.id?, b.title))).collect();
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
        let plan = Plan { titles, cards: plan_cards };
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
    pub fn media(&mut self, i: usize) -> Result<Zeroizing<Vec<u8>>, CoreError> {
        let size = usize::try_from(self.archive.entries.get(i).map_or(0, |e| e.size)).unwrap_or(usize::MAX);
        let mut rd = self.archive.open_entry(i, IMPORT_MAX_FILE)?;
        // The declared size was checked against the cap, and reading stops at the first byte
        // past it: the buffer is made once, at its final size, and never grows.
        self.budget.charge(size);
        let mut out = Zeroizing::new(Vec::with_capacity(size));
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

/// What checking an archive found.
#[derive(Debug, Clone, Copy)]
pub struct ImportCheck {
    pub boards: usize,
    pub cards: usize,
    /// The most memory the import held at once (see [`Budget`]).
    pub peak_bytes: usize,
}

/// Reads an archive exactly as an import would (every media file inflated into memory, one at
/// a time), without creating anything. Any input gives `Ok` or an import refusal, never a
/// panic (the `export_importer` fuzz target holds it to that).
pub fn check_import_from<R: Read + Seek>(r: R) -> Result<ImportCheck, CoreError> {
    let mut imp = Importer::open(r)?;
    let plan = imp.plan()?;
    for i in plan.cards.iter().filter_map(|c| c.media) {
        drop(imp.media(i)?);
    }
    Ok(ImportCheck { boards: plan.titles.len(), cards: plan.cards.len(), peak_bytes: imp.budget.peak })
}

/// [`check_import_from`] on bytes in memory: (boards, cards).
pub fn check_import(bytes: &[u8]) -> Result<(usize, usize), CoreError> {
    check_import_from(std::io::Cursor::new(bytes)).map(|c| (c.boards, c.cards))
}

/// A person's import lock (one import at a time). Released by [`ImportLock::release`], or in
/// the background if dropped (a client that went away mid-upload).
pub struct ImportLock {
    cb: Clearboard,
    region: RegionId,
    subject: SubjectId,
    held: bool,
}

impl ImportLock {
    pub async fn release(mut self) {
        self.held = false;
        if let Ok(r) = self.cb.region(&self.region)
            && let Err(e) = r.rights.unlock_import(&self.subject).await
        {
            tracing::warn!(error = %e, "an import lock could not be released");
        }
    }
}

impl Drop for ImportLock {
    fn drop(&mut self) {
        if !self.held {
            return;
        }
        if let Ok(h) = tokio::runtime::Handle::try_current() {
            let (cb, region, subject) = (self.cb.clone(), self.region.clone(), self.subject.clone());
            h.spawn(async move {
                if let Ok(r) = cb.region(&region) {
                    let _ = r.rights.unlock_import(&subject).await;
                }
            });
        }
    }
}

impl Exports<'_> {
    /// Takes the person's import lock, or `Conflict` (409) while another import of theirs runs.
    pub async fn lock_import(&self, who: &Principal) -> Result<ImportLock, CoreError> {
        let region = self.cb.region(&who.region)?;
        let now = self.cb.now();
        if !region.rights.try_lock_import(&who.subject, now, now - IMPORT_LOCK_STALE).await? {
            return Err(CoreError::Conflict("an import of yours is already running; wait for it to finish"));
        }
        Ok(ImportLock { cb: self.cb.clone(), region: who.region.clone(), subject: who.subject.clone(), held: true })
    }

    /// A spool for the person's upload, in their region's scratch folder.
    pub fn spool(&self, who: &Principal) -> Result<Spool, CoreError> {
        let region = self.cb.region(&who.region)?;
        Spool::create(&region.blobs.scratch_dir(), IMPORT_UPLOAD_MAX, self.cb.now())
    }

    /// Imports an export made by this or another clearboard service into the signed-in
    /// person's personal workspace: each board becomes a new board, each of their cards a new
    /// card (text, link, image, video). Returns (boards, cards) created.
    pub async fn import(&self, who: &Principal, _lock: &ImportLock, upload: SpoolReader) -> Result<(usize, usize), CoreError> {
        let _slot = IMPORT_SLOTS.acquire().await.map_err(|_| CoreError::Internal("import slots"))?;
        let joined = tokio::task::spawn_blocking(move || -> Result<_, CoreError> {
            let mut imp = Importer::open(upload)?;
            let plan = imp.plan()?;
            imp.check_media(&plan)?;
            Ok((imp, plan))
        })
        .await
        .map_err(|_| CoreError::Internal("import reader"))??;
        let (imp, plan) = joined;
        let mut made: Vec<(String, BoardId)> = Vec::new();
        let result = self.create(who, imp, &plan, &mut made).await;
        let cards = match result {
            Ok(n) => n,
            Err(e) => {
                // All or nothing: what was made goes.
                for (_, b) in &made {
                    if let Err(err) = self.cb.boards().delete_board(who, b).await {
                        tracing::warn!(error = %err, "a board of a failed import could not be deleted");
                    }
                }
                return Err(e);
            }
        };
        let boards = made.len();
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "export.imported",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "boards": boards, "cards": cards }),
        );
        self.cb.region(&who.region)?.store.audit_append(audit).await?;
        Ok((boards, cards))
    }

    async fn create(
        &self,
        who: &Principal,
        mut imp: Importer<SpoolReader>,
        plan: &Plan,
        made: &mut Vec<(String, BoardId)>,
    ) -> Result<usize, CoreError> {
        let mut cards = 0;
        for card in &plan.cards {
            if matches!(card.kind.as_str(), "image" | "video") && card.media.is_none() {
                continue;
            }
            let board = match made.iter().find(|(old, _)| old == &card.board) {
                Some((_, b)) => b.clone(),
                None => {
                    let title = plan
                        .titles
                        .iter()
                        .find(|(id, _)| id == &card.board)
                        .and_then(|(_, t)| t.clone())
                        .unwrap_or_else(|| "Imported board".into());
                    let v = self.cb.boards().create_board(who, None, &title).await?;
                    made.push((card.board.clone(), v.id.clone()));
                    v.id
                }
            };
            match (card.kind.as_str(), card.media) {
                ("image" | "video", Some(i)) => {
                    // One media file in memory at a time, read on a blocking thread.
                    let (back, bytes) = tokio::task::spawn_blocking(move || {
                        let r = imp.media(i);
                        (imp, r)
                    })
                    .await
                    .map_err(|_| CoreError::Internal("import reader"))?;
                    imp = back;
                    let bytes = bytes?;
                    self.cb.boards().add_media_card(who, &board, &card.kind, &bytes, card.text.clone(), (card.x, card.y)).await?;
                }
                _ => {
                    let new = crate::boards::NewCard {
                        kind: card.kind.clone(),
                        text: card.text.clone(),
                        url: card.url.clone(),
                        x: card.x,
                        y: card.y,
                        color: card.color.clone(),
                        category: None,
                    };
                    self.cb.boards().add_card(who, &board, new).await?;
                }
            }
            cards += 1;
        }
        Ok(cards)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn archive(files: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in files {
            z.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(method).large_file(bytes.len() > (1 << 30)))
                .unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    fn data_json(cards: usize, media: bool) -> Vec<u8> {
        let cards: Vec<serde_json::Value> = (0..cards)
            .map(|i| {
                if media && i == 0 {
                    json!({ "board_id": "b1", "kind": "video", "media": { "file": "media/v.mp4" }, "position": [1, 2] })
                } else {
                    json!({ "board_id": "b1", "kind": "text", "text": format!("card {i}") })
                }
            })
            .collect();
        serde_json::to_vec(&json!({ "format": "clearboard-export", "version": 1, "boards": [{ "id": "b1", "title": "B" }], "categories": { "user_content": { "data": { "cards": cards } } } })).unwrap()
    }

    fn refusal(r: Result<ImportCheck, CoreError>) -> (bool, String) {
        match r {
            Err(CoreError::ImportRefused { too_large, reason }) => (too_large, reason),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_memory_bound_holds_for_the_largest_archive_an_import_accepts() {
        // A media file at the cap (stored: the test stays fast) and a plan near its own.
        let video = vec![7u8; IMPORT_MAX_FILE as usize];
        let bytes = archive(&[("data.json", &data_json(IMPORT_MAX_CARDS, true)), ("media/v.mp4", &video)], zip::CompressionMethod::Stored);
        let c = check_import_from(Cursor::new(bytes)).unwrap();
        assert_eq!((c.boards, c.cards), (1, IMPORT_MAX_CARDS));
        eprintln!("largest accepted archive: {} bytes held at most (bound {IMPORT_MEMORY_BOUND})", c.peak_bytes);
        assert!(c.peak_bytes <= IMPORT_MEMORY_BOUND, "peak {} over the bound {IMPORT_MEMORY_BOUND}", c.peak_bytes);
        assert!(c.peak_bytes >= IMPORT_MAX_FILE as usize, "the media file is accounted: {}", c.peak_bytes);
    }

    #[test]
    fn a_bomb_is_refused_at_its_first_byte_past_what_it_declared() {
        // 64 MiB of zeros (about 64 KiB deflated) that declares 1 KiB.
        let mut bytes =
            archive(&[("data.json", &data_json(1, true)), ("media/v.mp4", &vec![0u8; 64 << 20])], zip::CompressionMethod::Deflated);
        let cd = bytes.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
        bytes[cd + 24..cd + 28].copy_from_slice(&1024u32.to_le_bytes());
        let mut imp = Importer::open(Cursor::new(bytes)).unwrap();
        let plan = imp.plan().unwrap();
        let i = plan.cards[0].media.unwrap();
        match imp.media(i) {
            Err(CoreError::ImportRefused { too_large: false, reason }) => {
                assert!(reason.contains("larger than the archive says"), "{reason}")
            }
            other => panic!("{:?}", other.map(|v| v.len())),
        }
        assert!(imp.budget.peak < 2 * MIB, "held {} bytes", imp.budget.peak);
        // Declaring the truth instead: refused for its size before anything is inflated.
        let honest =
            archive(&[("data.json", &data_json(1, true)), ("media/v.mp4", &vec![0u8; 64 << 20])], zip::CompressionMethod::Deflated);
        let (big, why) = refusal(check_import_from(Cursor::new(honest)));
        assert!(big && (why.contains("at most") || why.contains("100:1")), "{why}");
    }

    #[test]
    fn refusals_name_their_reason_and_old_seeds_still_read() {
        assert!(refusal(check_import_from(Cursor::new(b"not a zip".to_vec()))).1.contains("ZIP"));
        let other = archive(&[("data.json", br#"{"format":"other","version":1}"#)], zip::CompressionMethod::Stored);
        assert!(refusal(check_import_from(Cursor::new(other))).1.contains("not supported"));
        let twice = serde_json::to_vec(
            &json!({ "format": "clearboard-export", "version": 1, "categories": { "user_content": { "data": { "cards": [
            { "kind": "image", "media": { "file": "media/a.png" } }, { "kind": "image", "media": { "file": "media/a.png" } } ] } } } }),
        )
        .unwrap();
        let twice = archive(&[("data.json", &twice), ("media/a.png", b"png")], zip::CompressionMethod::Stored);
        assert!(refusal(check_import_from(Cursor::new(twice))).1.contains("two cards"));
        let many = archive(&[("data.json", &data_json(IMPORT_MAX_CARDS + 1, false))], zip::CompressionMethod::Deflated);
        let (big, why) = refusal(check_import_from(Cursor::new(many)));
        assert!(big && why.contains("10001 cards") && why.contains("at most"), "{why}");
        let ok = archive(&[("data.json", &data_json(3, false))], zip::CompressionMethod::Deflated);
        assert_eq!(check_import(&ok).unwrap(), (1, 3));
    }
}
