//! Building an export (C-DSR-3; issue 21): everything held about a person and the information
//! they are owed, made ready to be streamed as a ZIP at download time.
//!
//! The build writes only a *sealed manifest* (one blob sealed with the person's own key, so an
//! erasure makes it unreadable at once): the text files of the archive already deflated, with
//! their checksums — `data.json` (under the published JSON Schema, `EXPORT_SCHEMA`), one CSV per
//! category and list, `export-schema.json`, `README.txt` in the person's language — the small
//! media read through other rooms (profile picture, support attachments), and the list of the
//! card media, named by their sealed blobs. The card media are not read, copied or re-sealed:
//! the download opens each once, as it streams (see `serve`). The archive's exact length is
//! known from the manifest, so the download announces it.
//!
//! It must not read another person's data or write plaintext to disk.

use std::io::Write;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::cards::{Encoded, write_data_json};
use super::csv::csv_files;
use super::jobs::{EXPORT_SCHEMA, Exports, FORMAT_VERSION, export_aad};
use super::readme::{lang_of, readme};
use super::sealed_read::{plain_len, sealed_len};
use super::zipwrite::{Head, archive_len};
use crate::boards::contributions::{Contributions, USER_CONTENT, contributions_into, erased};
use crate::identity::principal::Principal;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, SubjectId};
use crate::platform::media::file_ext;
use crate::platform::memo;
use crate::platform::ports::ExportRow;
use crate::privacy::rights::categories::{export_category, stored};
use crate::privacy::rights::records;

/// The column card media are sealed under (their blob's associated data).
pub(super) const CARD_MEDIA: &str = "card_media";

/// One file of the archive, as the manifest lists it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Item {
    pub name: String,
    pub deflated: bool,
    /// Known for the files in the manifest; computed at download time for card media.
    pub crc: Option<u32>,
    pub size: u64,
    pub packed: u64,
    /// A card's media file, read from this sealed blob at download time.
    pub blob: Option<String>,
}

impl Item {
    pub fn head(&self) -> Head<'_> {
        Head { name: &self.name, deflated: self.deflated, crc: self.crc, size: self.size, packed: self.packed }
    }
}

/// The manifest's index; the bytes of its files follow it, in order.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Index {
    pub generated: Millis,
    pub items: Vec<Item>,
}

/// Counts and checksums what passes on its way to `inner`.
struct Tee<W> {
    inner: W,
    crc: crc32fast::Hasher,
    size: u64,
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(b)?;
        self.crc.update(&b[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Raw deflate straight into a buffer, with a compressor that is reset for the next file
/// (setting one up, its tables zeroed, cost more than deflating a small CSV: ~0.1 ms a file).
struct Deflate<'a> {
    c: &'a mut flate2::Compress,
    out: &'a mut Vec<u8>,
}

impl Deflate<'_> {
    /// Room for what `n` more bytes of input may become.
    fn room(&mut self, n: usize) {
        self.out.reserve(n / 2 + 4096);
    }

    /// Ends the file's stream; the compressor is ready for the next.
    fn finish(mut self) -> std::io::Result<()> {
        loop {
            self.room(0);
            match self.c.compress_vec(&[], self.out, flate2::FlushCompress::Finish).map_err(std::io::Error::other)? {
                flate2::Status::StreamEnd => break,
                flate2::Status::Ok | flate2::Status::BufError => {}
            }
        }
        self.c.reset();
        Ok(())
    }
}

impl Write for Deflate<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if b.is_empty() {
            return Ok(0);
        }
        loop {
            self.room(b.len());
            let (took, gave) = (self.c.total_in(), self.c.total_out());
            self.c.compress_vec(b, self.out, flate2::FlushCompress::None).map_err(std::io::Error::other)?;
            let n = usize::try_from(self.c.total_in() - took).map_err(std::io::Error::other)?;
            if n > 0 {
                return Ok(n);
            }
            // With room to write, the compressor takes input or writes what it held back.
            if self.c.total_out() == gave {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The files of the manifest being packed: their index and their bytes.
struct Pack {
    items: Vec<Item>,
    bytes: clearboard_vault::SecretBytes,
    deflate: flate2::Compress,
}

impl Default for Pack {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            bytes: clearboard_vault::SecretBytes::default(),
            deflate: flate2::Compress::new(flate2::Compression::new(1), false),
        }
    }
}

impl Pack {
    /// Adds a text file, deflated as `write` produces it.
    fn text(&mut self, name: String, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), CoreError> {
        let start = self.bytes.len();
        let (crc, size) = {
            let enc = Deflate { c: &mut self.deflate, out: &mut self.bytes };
            let mut tee = Tee { inner: enc, crc: crc32fast::Hasher::new(), size: 0 };
            write(&mut tee).and_then(|()| tee.inner.finish()).map_err(|_| CoreError::Internal("export text"))?;
            (tee.crc.finalize(), tee.size)
        };
        let packed = (self.bytes.len() - start) as u64;
        self.items.push(Item { name, deflated: true, crc: Some(crc), size, packed, blob: None });
        Ok(())
    }

    /// Adds another pack's files after this one's.
    fn append(&mut self, other: Pack) {
        self.bytes.extend_from_slice(&other.bytes);
        self.items.extend(other.items);
    }

    /// Adds a media file held in memory, stored as it is.
    fn stored(&mut self, name: String, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        let n = bytes.len() as u64;
        self.items.push(Item { name, deflated: false, crc: Some(crc32fast::hash(bytes)), size: n, packed: n, blob: None });
    }
}

/// What is collected about a person before it is packed.
struct Collected {
    data: Value,
    /// The person's cards, written into `data.json` at `CARDS_AT` (not when they were erased).
    cards: Option<Arc<Encoded>>,
    /// Their CSV, packed on a blocking thread from the moment the cards were read.
    cards_csv: Option<tokio::task::JoinHandle<Result<Pack, CoreError>>>,
    readme: String,
    pictures: Vec<(String, clearboard_vault::SecretBytes)>,
    media: Vec<(String, BlobId)>,
}

/// Where the cards go in `data.json`.
const CARDS_AT: [&str; 4] = ["categories", USER_CONTENT, "data", "cards"];

/// Packs the cards' CSV.
fn pack_cards_csv(cards: &Encoded) -> Result<Pack, CoreError> {
    let mut p = Pack::default();
    p.text(format!("csv/{USER_CONTENT}-cards.csv"), |w| cards.write_csv(w))?;
    Ok(p)
}

/// Packs the other text files: data.json (written as it is serialised, the cards spliced in
/// from their typed rows), the schema, README and the other CSVs.
fn pack_rest(data: &Value, cards: Option<&Encoded>, readme: &str) -> Result<Pack, CoreError> {
    let mut p = Pack::default();
    p.text("data.json".into(), |w| {
        let mut w = std::io::BufWriter::with_capacity(64 * 1024, w);
        write_data_json(&mut w, data, &CARDS_AT, cards)?;
        w.into_inner().map(drop).map_err(std::io::IntoInnerError::into_error)
    })?;
    p.text("export-schema.json".into(), |w| w.write_all(EXPORT_SCHEMA.as_bytes()))?;
    p.text("README.txt".into(), |w| w.write_all(readme.as_bytes()))?;
    for (cat, v) in data["categories"].as_object().into_iter().flatten() {
        for (name, text) in csv_files(cat, &v["data"]) {
            p.text(name, |w| w.write_all(text.as_bytes()))?;
        }
    }
    for name in ["consents", "requests", "disclosures", "audit"] {
        for (file, text) in csv_files("records", &json!({ name: &data[name] })) {
            if file != "csv/records.csv" {
                p.text(file.replace("csv/records-", "csv/"), |w| w.write_all(text.as_bytes()))?;
            }
        }
    }
    Ok(p)
}

impl Exports<'_> {
    /// Collects the person's data, packs the manifest and stores it sealed; returns its blob
    /// and the length of the archive it describes.
    pub(super) async fn write_manifest(&self, region: &RegionHandle, e: &ExportRow) -> Result<(BlobId, u64), CoreError> {
        let subject = &e.subject_id;
        let now = self.cb.now();
        // Every module reads the person's account row and key on its own: read once here (and
        // the reads, some twenty in a line, on one connection per database).
        let (dek, c) = memo::scoped(&region.id, subject, async {
            let dek = self.cb.keys().current(region, subject).await?;
            Ok::<_, CoreError>((dek, self.collect(region, subject, now).await?))
        })
        .await?;
        let (data, cards, readme_text) = (c.data, c.cards, c.readme);
        // Serialising and deflating on blocking threads, off the async workers; the cards' CSV
        // is already being packed on another.
        let mut pack = tokio::task::spawn_blocking(move || pack_rest(&data, cards.as_deref(), &readme_text))
            .await
            .map_err(|_| CoreError::Internal("export packer"))??;
        if let Some(csv) = c.cards_csv {
            pack.append(csv.await.map_err(|_| CoreError::Internal("export packer"))??);
        }
        for (name, bytes) in &c.pictures {
            pack.stored(name.clone(), bytes);
        }
        for (name, blob) in c.media {
            // A card deleted meanwhile has no media left to export.
            let Some(sealed) = sealed_len(region.blobs.as_ref(), &blob).await? else { continue };
            let n = plain_len(sealed)?;
            pack.items.push(Item { name, deflated: false, crc: None, size: n, packed: n, blob: Some(blob.as_str().to_string()) });
        }
        if pack.items.iter().any(|i| i.size >= u64::from(u32::MAX) || i.packed >= u64::from(u32::MAX)) {
            return Err(CoreError::Internal("a file of the export is over 4 GiB"));
        }
        let size = archive_len(pack.items.iter().map(Item::head));
        let index = serde_json::to_vec(&Index { generated: now, items: pack.items }).map_err(|_| CoreError::Internal("export index"))?;
        let blob = BlobId::new(now)?;
        let row = blob.clone();
        let sealed = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, CoreError> {
            let (mut s, mut out) = clearboard_vault::stream::Sealer::new(&dek, export_aad(&row))?;
            out.reserve(index.len() + pack.bytes.len() + pack.bytes.len() / 1024 + 1024);
            s.update(&u32::try_from(index.len()).unwrap_or(u32::MAX).to_le_bytes(), &mut out)?;
            s.update(&index, &mut out)?;
            s.update(&pack.bytes, &mut out)?;
            s.finish(&mut out)?;
            Ok(out)
        })
        .await
        .map_err(|_| CoreError::Internal("export sealer"))??;
        region.blobs.put(&blob, &sealed).await?;
        Ok((blob, size))
    }

    /// Everything about the person. Their cards (the bulk of an export) are read and opened
    /// while every other category and record is read; the cards' CSV is packed as soon as
    /// they are in hand.
    async fn collect(&self, region: &RegionHandle, subject: &SubjectId, now: Millis) -> Result<Collected, CoreError> {
        let policy = self.cb.policy();
        let cats: Vec<_> = policy.doc().categories.iter().filter(|c| stored(self.cb, &c.id)).collect();
        let content = async {
            if !cats.iter().any(|c| c.id == USER_CONTENT) {
                return Ok(None);
            }
            Ok::<_, CoreError>(Some(match contributions_into::<Encoded>(self.cb, region, subject).await? {
                Contributions::Held { cards, rest } => {
                    let cards = Arc::new(cards);
                    let mine = Arc::clone(&cards);
                    let csv = (!cards.is_empty()).then(|| tokio::task::spawn_blocking(move || pack_cards_csv(&mine)));
                    // The boards the cards are on, while the other categories are still read.
                    let mut boards = Vec::new();
                    for b in cards.boards() {
                        boards.push(match self.cb.boards().title_for(region, subject, b).await? {
                            Some((title, zones)) => json!({ "id": b, "title": title, "zones": zones }),
                            None => json!({ "id": b, "title": null }),
                        });
                    }
                    (Value::Object(rest), Some(cards), csv, boards)
                }
                Contributions::Erased => (erased(), None, None, Vec::new()),
            }))
        };
        // Everything else, one query after another on one connection at a time (side by side,
        // all at once or in two lines, they cost more than they saved: each statement
        // prepared again on another connection, and the cores shared with the cards).
        let held = async {
            let mut data_of: Vec<Option<Value>> = vec![None; cats.len()];
            for (i, c) in cats.iter().enumerate().filter(|(_, c)| c.id != USER_CONTENT) {
                data_of[i] = Some(export_category(self.cb, region, subject, &c.id).await?);
            }
            let records = (
                memo::account(region, subject).await?,
                records::consents_of(region, subject).await?,
                records::requests_of(region, subject).await?,
                records::disclosures_of(region, subject).await?,
                region.store.audit_about(subject).await?,
                // What the person attached to their support tickets (the assistance category).
                if stored(self.cb, "assistance") { self.cb.support().attachments_of(region, subject).await? } else { Vec::new() },
            );
            Ok::<_, CoreError>((data_of, records))
        };
        let (content, held) = tokio::join!(content, held);
        let (content, (mut data_of, (account, consents, requests, disclosures, audit, attachments))) = (content?, held?);
        let (mut cards, mut cards_csv, mut boards) = (None, None, Vec::new());
        if let Some((v, c, csv, b)) = content
            && let Some(i) = cats.iter().position(|c| c.id == USER_CONTENT)
        {
            (data_of[i], cards, cards_csv, boards) = (Some(v), c, csv, b);
        }
        let mut categories = serde_json::Map::new();
        let mut present = Vec::new();
        for (c, data) in cats.into_iter().zip(data_of) {
            categories.insert(c.id.clone(), json!({ "title": c.title.en, "data": data.unwrap_or(Value::Null) }));
            present.push(c.id.clone());
        }
        // Media: the originals of the person's media cards and their profile picture.
        let mut media = Vec::new();
        let mut media_list: Vec<Value> = Vec::new();
        if let Some(c) = &cards {
            for m in c.media() {
                media_list.push(json!({ "file": m.file, "type": m.mime, "card_id": m.card }));
                media.push((m.file.clone(), m.blob.clone()));
            }
        }
        let lang = lang_of(account.as_ref().map(|a| a.locale.as_str()));
        let mut pictures = Vec::new();
        if account.is_some_and(|a| a.picture_blob.is_some()) {
            let me = Principal { subject: subject.clone(), region: region.id.clone(), token_hash: Vec::new() };
            let p = self.cb.accounts().picture(&me).await?;
            let file = format!("media/profile-picture.{}", file_ext(p.mime));
            media_list.push(json!({ "file": file, "type": p.mime, "card_id": null }));
            pictures.push((file, p.bytes));
        }
        let audit: Vec<Value> = audit
            .into_iter()
            .map(|a| json!({ "seq": a.seq, "at": rfc3339(a.at_ms), "actor": a.actor, "action": a.action, "purpose": a.purpose }))
            .collect();
        for a in attachments {
            media_list.push(json!({ "file": a.file_name(), "type": a.mime, "card_id": null, "message_id": a.message_id }));
            pictures.push((a.file_name(), a.bytes));
        }
        let data = json!({
            "format": "clearboard-export",
            "version": FORMAT_VERSION,
            "generated_at": rfc3339(now),
            "policy_version": policy.digest(),
            "subject": { "id": subject, "region": region.id.as_str() },
            "categories": Value::Object(categories),
            "boards": boards,
            "consents": consents,
            "requests": requests,
            "disclosures": disclosures,
            "audit": audit,
            "media": media_list,
        });
        Ok(Collected { data, cards, cards_csv, readme: readme(self.cb, lang, &present, now), pictures, media })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_valid_json() {
        let v: Value = serde_json::from_str(EXPORT_SCHEMA).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    }

    /// One compressor serves every file of a pack: each file is a whole deflate stream of its
    /// own, whatever its size and however it was written.
    #[test]
    fn one_compressor_deflates_each_file_on_its_own() {
        let mut noise = Vec::with_capacity(3 << 20);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        while noise.len() < 3 << 20 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            noise.extend_from_slice(&x.to_le_bytes());
        }
        let texts: Vec<Vec<u8>> =
            vec![b"a,b\n1,2\n".to_vec(), noise, Vec::new(), "été,\"x\"\n".repeat(50_000).into_bytes(), b"end".to_vec()];
        let mut p = Pack::default();
        for (i, t) in texts.iter().enumerate() {
            // Written in pieces of every size, as the CSV and JSON writers do.
            p.text(format!("f{i}"), |w| t.chunks(1 + i * 7919).try_for_each(|c| w.write_all(c))).unwrap();
        }
        let mut at = 0usize;
        for (i, t) in p.items.iter().zip(&texts) {
            let chunk = &p.bytes[at..at + i.packed as usize];
            at += i.packed as usize;
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(chunk), &mut out).unwrap();
            assert_eq!(&out, t, "{}", i.name);
            assert_eq!((i.size, i.crc), (t.len() as u64, Some(crc32fast::hash(t))), "{}", i.name);
        }
        assert_eq!(at, p.bytes.len());
    }

    #[test]
    fn packed_text_inflates_back_with_its_checksum() {
        let data = json!({ "categories": { "account": { "data": { "email": "a@example.test" } } }, "audit": [], "consents": [],
            "requests": [], "disclosures": [] });
        let p = pack_rest(&data, None, "README").unwrap();
        let mut at = 0usize;
        for i in &p.items {
            let chunk = &p.bytes[at..at + i.packed as usize];
            at += i.packed as usize;
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(chunk), &mut out).unwrap();
            assert_eq!((out.len() as u64, Some(crc32fast::hash(&out))), (i.size, i.crc), "{}", i.name);
            if i.name == "data.json" {
                assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), data);
            }
        }
        assert!(p.items.iter().any(|i| i.name == "csv/account.csv"));
    }
}
