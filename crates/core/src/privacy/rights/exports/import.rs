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
//! * The round trip keeps the boards' zones (checked as any zone a facilitator adds: an
//!   archive with a zone that is not is refused whole, naming the board and the zone, before
//!   anything is created), and the person's comments and likes on the cards imported, and is
//!   idempotent by the export's board ids (issue 21): a board already imported by this person,
//!   whose copy still exists, is not imported again. Which boards were imported is kept in the
//!   person's audit chain as keyed hashes of the archive's board ids, with the copies' ids.
//!
//! It must not trust sizes the archive declares, keep plaintext on disk, or import anything but
//! boards and cards (accounts, consents and records belong to the service that made them).

use std::io::{Read, Seek};

use serde_json::json;

use super::bounds::{IMPORT_CONCURRENCY, IMPORT_LOCK_STALE, IMPORT_UPLOAD_MAX};
use super::jobs::{Exports, PURPOSE};
use super::plan::{Importer, Plan};
use super::spool::{Spool, SpoolReader};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, CardId, RegionId, SubjectId};

static IMPORT_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(IMPORT_CONCURRENCY);

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
        let done = self.imported_before(who).await?;
        let mut made: Vec<(String, BoardId)> = Vec::new();
        let result = self.create(who, imp, &plan, &done, &mut made).await;
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
        let from: Vec<(String, &BoardId)> = made.iter().map(|(old, new)| (self.source_key(who, old), new)).collect();
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "export.imported",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "boards": boards, "cards": cards, "from": from }),
        );
        self.cb.region(&who.region)?.store.audit_append(audit).await?;
        Ok((boards, cards))
    }

    /// The keyed hash naming a board of an imported archive (no board id of another service
    /// is kept in clear).
    fn source_key(&self, who: &Principal, old: &str) -> String {
        hex::encode(self.cb.inner.blind.of("import-board", &format!("{}:{old}", who.subject)))
    }

    /// The boards this person imported before whose copies still exist: (source key, copy).
    async fn imported_before(&self, who: &Principal) -> Result<Vec<(String, BoardId)>, CoreError> {
        let region = self.cb.region(&who.region)?;
        let mut done = Vec::new();
        for a in region.store.audit_about(&who.subject).await? {
            if a.action != "export.imported" {
                continue;
            }
            let Ok(detail) = serde_json::from_str::<serde_json::Value>(&a.detail) else { continue };
            for pair in detail["from"].as_array().into_iter().flatten() {
                let (Some(key), Some(board)) = (pair[0].as_str(), pair[1].as_str().and_then(BoardId::parse)) else { continue };
                if region.boards.board(&board).await?.is_some() {
                    done.push((key.to_string(), board));
                }
            }
        }
        Ok(done)
    }

    async fn create(
        &self,
        who: &Principal,
        mut imp: Importer<SpoolReader>,
        plan: &Plan,
        done: &[(String, BoardId)],
        made: &mut Vec<(String, BoardId)>,
    ) -> Result<usize, CoreError> {
        let mut cards = 0;
        // Archive card id → the card made from it.
        let mut ids: Vec<(&str, CardId)> = Vec::new();
        for card in &plan.cards {
            if matches!(card.kind.as_str(), "image" | "video") && card.media.is_none() {
                continue;
            }
            let key = self.source_key(who, &card.board);
            if done.iter().any(|(k, _)| *k == key) {
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
                    made.push((card.board.clone(), v.board.id.clone()));
                    if let Some((_, zones)) = plan.zones.iter().find(|(id, _)| id == &card.board) {
                        self.cb.boards().set_zones(who, &v.board.id, zones.clone()).await?;
                    }
                    v.board.id
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
                    let v = self.cb.boards().add_media_card(who, &board, &card.kind, &bytes, card.text.clone(), (card.x, card.y)).await?;
                    if let Some(old) = &card.id {
                        ids.push((old.as_str(), v.card.id));
                    }
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
                    let v = self.cb.boards().add_card(who, &board, new).await?;
                    if let Some(old) = &card.id {
                        ids.push((old.as_str(), v.card.id));
                    }
                }
            }
            cards += 1;
        }
        ids.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let made_from = |old: &str| ids.binary_search_by(|(k, _)| (*k).cmp(old)).ok().map(|i| ids[i].1.clone());
        // The person's comments and likes on the cards imported (those on others' cards have
        // nothing to land on).
        for (old, text) in &plan.comments {
            if let Some(card) = made_from(old) {
                self.cb.boards().comment(who, &card, text).await?;
            }
        }
        for old in &plan.likes {
            if let Some(card) = made_from(old) {
                self.cb.boards().like(who, &card, true).await?;
            }
        }
        Ok(cards)
    }
}

#[cfg(test)]
mod tests {
    use super::super::bounds::{IMPORT_MAX_CARDS, IMPORT_MAX_FILE, IMPORT_MEMORY_BOUND, MIB};
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

    #[test]
    fn zones_are_checked_as_any_zone_input() {
        let with_zones = |zones: serde_json::Value| {
            let data = json!({ "format": "clearboard-export", "version": 1, "boards": [{ "id": "b1", "title": "B", "zones": zones }] });
            archive(&[("data.json", &serde_json::to_vec(&data).unwrap())], zip::CompressionMethod::Stored)
        };
        let zone =
            |title: &str, w: serde_json::Value| json!({ "id": "x", "title": title, "x": 0, "y": 0, "w": w, "h": 300, "color": "#DFF5E1" });
        let mut imp = Importer::open(Cursor::new(with_zones(json!([zone("Went well", json!(300)), zone("Next", json!(400))])))).unwrap();
        let plan = imp.plan().unwrap();
        let (board, zones) = &plan.zones[0];
        assert_eq!((board.as_str(), zones.len(), zones[0].color.as_str(), zones[1].w), ("b1", 2, "#dff5e1", 400));
        assert!(zones.iter().all(|z| z.id != "x") && zones[0].id != zones[1].id, "new ids");
        for (bad, why) in [
            (json!([zone("Fine", json!(300)), zone("Tiny", json!(10))]), "zone 2 of board 1 in data.json is refused: sizes are between 80"),
            (json!([zone("Half", json!(300.5))]), "zone 1 of board 1 in data.json is refused: its position and size are whole numbers"),
            (json!([zone(" ", json!(300))]), "zone 1 of board 1 in data.json is refused"),
            (json!(vec![zone("Many", json!(300)); 25]), "board 1 of data.json has 25 zones; a board has at most 24"),
        ] {
            let (big, reason) = refusal(check_import_from(Cursor::new(with_zones(bad))));
            assert!(!big && reason.starts_with(why), "{reason}");
        }
    }
}
