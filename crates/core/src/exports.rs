//! Access and portability exports (C-DSR-1, C-DSR-3): a background job builds a ZIP of
//! everything held about a person and the information they are owed, sealed with their own
//! key (so an erasure makes every export unreadable at once), downloaded through an expiring
//! link.
//!
//! The ZIP holds `data.json` (under the published JSON Schema, `EXPORT_SCHEMA`), one CSV per
//! category and list, the original media, and `README.txt` with the Art. 15 information
//! rendered from the policy: purposes, legal bases, categories, recipients, retention, source,
//! rights, transfers. It is written as it is built: media pass through one at a time, and the
//! archive is sealed segment by segment on its way to disk, so no plaintext touches the disk
//! and memory stays flat whatever the size.
//!
//! Importing an export into a fresh account recreates the person's boards and cards
//! (portability round trip).

use std::io::Write;
use std::path::PathBuf;

use clearboard_vault::Aad;
use clearboard_vault::stream::{self, Opener, Sealer};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::audit::Actor;
use crate::clock::{DAY, Millis, rfc3339};
use crate::context::{Clearboard, RegionHandle};
use crate::error::CoreError;
use crate::ids::{BlobId, BoardId, SubjectId};
use crate::ports::ExportRow;
use crate::rights::{Handling, export_category, handling};
use crate::sessions::Principal;

/// The JSON Schema `data.json` follows (published at `/privacy/export-schema.json`).
pub const EXPORT_SCHEMA: &str = include_str!("export_schema.json");
/// The format version written in `data.json`.
pub const FORMAT_VERSION: u32 = 1;
/// How long a download link works once the export is ready.
pub const LINK_TTL: Millis = 7 * DAY;
/// A job that has not finished after this long is retried (the process died while building).
const STALE_RUNNING: Millis = 10 * crate::clock::MINUTE;
const PURPOSE: &str = "rights";

fn export_aad(blob: &BlobId) -> Aad<'_> {
    Aad { table: "blobs", column: "export", row: blob.as_str() }
}

/// An export as shown to its owner.
#[derive(Debug, Clone, Serialize)]
pub struct ExportView {
    pub id: String,
    pub state: String,
    pub created_at: String,
    pub ready_at: Option<String>,
    pub expires_at: Option<String>,
    pub size: Option<i64>,
    /// The path of the download link (relative to the service's URL), while it works.
    pub download_url: Option<String>,
}

/// An open download: the sealed file and how to open it.
pub struct Download {
    pub path: PathBuf,
    pub opener: Opener,
    pub sealed_len: u64,
    pub plain_len: u64,
    pub file_name: String,
}

/// One file of the archive, sent from the collecting task to the writing thread.
enum Item {
    File { name: String, bytes: Zeroizing<Vec<u8>>, compress: bool },
}

/// Seals everything written to it and appends it to a file.
struct SealingWriter {
    sealer: Option<Sealer>,
    out: std::io::BufWriter<std::fs::File>,
    buf: Vec<u8>,
    plain: u64,
}

impl Write for SealingWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let s = self.sealer.as_mut().ok_or_else(|| std::io::Error::other("sealer finished"))?;
        self.buf.clear();
        s.update(data, &mut self.buf).map_err(|_| std::io::Error::other("seal"))?;
        self.out.write_all(&self.buf)?;
        self.plain += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl SealingWriter {
    fn finish(mut self) -> std::io::Result<u64> {
        if let Some(s) = self.sealer.take() {
            self.buf.clear();
            s.finish(&mut self.buf).map_err(|_| std::io::Error::other("seal"))?;
            self.out.write_all(&self.buf)?;
        }
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        Ok(self.plain)
    }
}

/// The download token of an export: a keyed hash of its id, so links need no stored secret
/// and cannot be guessed or moved to another export.
fn token_of(cb: &Clearboard, id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(cb.inner.blind.of("export-download-link", id))
}

/// The file extension used in exports for a media type.
pub fn file_ext(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        _ => "bin",
    }
}

/// Quotes one CSV cell (RFC 4180) and defuses spreadsheet formulas.
fn csv_cell(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// The CSV files of one category: each list of records gets its own file; everything else
/// goes into `<category>.csv` as field/value rows.
fn csv_files(category: &str, data: &Value) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut fields = Vec::new();
    if let Value::Object(m) = data {
        for (k, v) in m {
            match v {
                Value::Array(rows) if rows.iter().all(Value::is_object) && !rows.is_empty() => {
                    let mut flat_rows = Vec::new();
                    let mut cols: Vec<String> = Vec::new();
                    for r in rows {
                        let mut f = Vec::new();
                        flatten("", r, &mut f);
                        for (c, _) in &f {
                            if !cols.contains(c) {
                                cols.push(c.clone());
                            }
                        }
                        flat_rows.push(f);
                    }
                    let mut text = cols.iter().map(|c| csv_cell(&Value::String(c.clone()))).collect::<Vec<_>>().join(",");
                    text.push_str("\r\n");
                    for f in flat_rows {
                        let line = cols.iter().map(|c| f.iter().find(|(k, _)| k == c).map(|(_, v)| csv_cell(v)).unwrap_or_default()).collect::<Vec<_>>().join(",");
                        text.push_str(&line);
                        text.push_str("\r\n");
                    }
                    files.push((format!("csv/{category}-{k}.csv"), text));
                }
                other => flatten(k, other, &mut fields),
            }
        }
    }
    let mut text = String::from("field,value\r\n");
    for (k, v) in fields {
        text.push_str(&format!("{},{}\r\n", csv_cell(&Value::String(k)), csv_cell(&v)));
    }
    files.push((format!("csv/{category}.csv"), text));
    files
}

/// `README.txt`: the information owed with an access answer (GDPR Art. 15(1)–(2)), from the
/// policy the service runs under.
fn readme(cb: &Clearboard, lang: &str, categories: &[String], generated: Millis) -> String {
    let p = cb.policy();
    let d = p.doc();
    let t = |x: &clearboard_policy::model::Text| if lang == "fr" { x.fr.clone() } else { x.en.clone() };
    let mut s = String::new();
    s.push_str("Your data held by this clearboard service\r\n=========================================\r\n\r\n");
    s.push_str(&format!("Generated: {}\r\nController: {}, {}\r\nPrivacy contact: {}\r\n", rfc3339(generated), d.controller.name, d.controller.address, d.controller.privacy_contact));
    if let Some(dpo) = &d.controller.dpo_contact {
        s.push_str(&format!("Data protection officer: {dpo}\r\n"));
    }
    s.push_str(&format!("Policy version: {}\r\n\r\n", p.digest()));
    s.push_str("Files\r\n-----\r\ndata.json     everything below, machine-readable (JSON Schema: export-schema.json)\r\ncsv/          one table per category and list\r\nmedia/        your original images and videos\r\n\r\n");
    s.push_str("Categories, purposes, legal bases, recipients, retention and source\r\n--------------------------------------------------------------------\r\n");
    for c in &d.categories {
        if !categories.contains(&c.id) {
            continue;
        }
        s.push_str(&format!("\r\n* {} ({})\r\n  {}\r\n  Source: {}\r\n", t(&c.title), c.id, t(&c.description), t(&c.source)));
        for pu in d.purposes.iter().filter(|pu| pu.categories.contains(&c.id)) {
            let basis = pu.legal_basis.map(|b| b.label(lang)).unwrap_or("—");
            s.push_str(&format!("  Purpose: {} (legal basis: {basis})\r\n", t(&pu.title)));
            for r in p.recipients_for(&pu.id).filter(|r| r.categories.contains(&c.id)) {
                s.push_str(&format!("    Recipient: {} — {} ({})\r\n", t(&r.name), r.kind.label(lang), t(&r.location)));
                if let Some(tr) = r.transfer.as_deref().and_then(|id| p.transfer(id)) {
                    let mech = tr.mechanism.map(|m| m.label(lang)).unwrap_or("—");
                    s.push_str(&format!("      Transfer to {}: {mech}. {}\r\n", tr.to, t(&tr.description)));
                }
            }
        }
        for r in p.retention_of(&c.id) {
            s.push_str(&format!("  Kept: {} ({} days from {})\r\n", t(&r.description), r.days, r.trigger));
        }
    }
    s.push_str("\r\nYour rights\r\n-----------\r\n");
    s.push_str("You may ask for access to, correction or erasure of your data, restriction of or objection to its processing, and a copy to take elsewhere (portability); you may withdraw any consent at any time without affecting what was done before. Most of this is self-service in the privacy centre (/me/privacy); anything else through /privacy/requests.\r\n");
    s.push_str(&format!("You may complain to a supervisory authority: {}.\r\n", t(&d.controller.supervisory_authority)));
    s
}

impl Clearboard {
    pub fn exports(&self) -> Exports<'_> {
        Exports { cb: self }
    }
}

pub struct Exports<'a> {
    cb: &'a Clearboard,
}

impl Exports<'_> {
    fn view(&self, e: &ExportRow) -> ExportView {
        let live = e.state == "ready" && e.expires_at.is_some_and(|x| x > self.cb.now());
        ExportView {
            id: e.id.clone(),
            state: if e.state == "ready" && !live { "expired".into() } else { e.state.clone() },
            created_at: rfc3339(e.created_at),
            ready_at: e.finished_at.filter(|_| e.state == "ready").map(rfc3339),
            expires_at: e.expires_at.map(rfc3339),
            size: e.size,
            download_url: live.then(|| format!("/api/v1/me/exports/{}/download?token={}", e.id, token_of(self.cb, &e.id))),
        }
    }

    /// Starts an export of the signed-in person's data. One at a time: a second request while
    /// one is being prepared is refused (and changes nothing).
    pub async fn request(&self, who: &Principal) -> Result<ExportView, CoreError> {
        self.request_for(&who.region, &who.subject, None, Actor::Subject(&who.subject)).await
    }

    /// Starts an export for `subject` (self-service, or a verified access request).
    pub async fn request_for(&self, region: &crate::ids::RegionId, subject: &SubjectId, request_id: Option<&str>, actor: Actor<'_>) -> Result<ExportView, CoreError> {
        let region = self.cb.region(region)?.clone();
        self.cb.keys().current(&region, subject).await?;
        let busy = region.rights.exports_of(subject).await?.into_iter().any(|e| e.state == "queued" || e.state == "running");
        if busy {
            return Err(CoreError::Conflict("an export is already being prepared; wait for it to finish"));
        }
        let now = self.cb.now();
        let row = ExportRow {
            id: crate::ids::new_uuid(now)?.to_string(),
            subject_id: subject.clone(),
            request_id: request_id.map(str::to_string),
            state: "queued".into(),
            created_at: now,
            started_at: None,
            finished_at: None,
            expires_at: None,
            blob_id: None,
            size: None,
            token_hash: None,
            attempts: 0,
            error: None,
        };
        let audit = self.cb.audit_draft(actor, "export.requested", Some(subject), Some(PURPOSE), json!({ "export": row.id, "request": request_id }));
        region.rights.insert_export(&row, Some(audit)).await?;
        metrics::counter!("clearboard_exports_requested_total").increment(1);
        Ok(self.view(&row))
    }

    /// The person's exports, newest first.
    pub async fn list(&self, who: &Principal) -> Result<Vec<ExportView>, CoreError> {
        let region = self.cb.region(&who.region)?;
        Ok(region.rights.exports_of(&who.subject).await?.iter().map(|e| self.view(e)).collect())
    }

    /// One of the person's exports (`NotFound` for anyone else's).
    pub async fn status(&self, who: &Principal, id: &str) -> Result<ExportView, CoreError> {
        let region = self.cb.region(&who.region)?;
        match region.rights.export(id).await? {
            Some(e) if e.subject_id == who.subject => Ok(self.view(&e)),
            _ => Err(CoreError::NotFound),
        }
    }

    /// Builds every queued export, and those whose builder died (after a restart). Returns how
    /// many were built.
    pub async fn run_pending(&self) -> Result<usize, CoreError> {
        let mut n = 0;
        let now = self.cb.now();
        for region in self.cb.regions().cloned().collect::<Vec<_>>() {
            for e in region.rights.exports_in(&["queued", "running"]).await? {
                if e.state == "running" && e.started_at.is_some_and(|s| now - s < STALE_RUNNING) {
                    continue;
                }
                match self.build(&region, e).await {
                    Ok(()) => n += 1,
                    Err(err) => tracing::warn!(error = %err, "an export could not be built"),
                }
            }
        }
        Ok(n)
    }

    /// Builds one export.
    async fn build(&self, region: &RegionHandle, mut e: ExportRow) -> Result<(), CoreError> {
        let started = self.cb.now();
        e.state = "running".into();
        e.started_at = Some(started);
        e.attempts += 1;
        region.rights.update_export(&e, None).await?;
        let result = self.write_zip(region, &e).await;
        match result {
            Ok((blob, size)) => {
                let now = self.cb.now();
                e.state = "ready".into();
                e.finished_at = Some(now);
                e.expires_at = Some(now + LINK_TTL);
                e.blob_id = Some(blob);
                e.size = Some(i64::try_from(size).unwrap_or(i64::MAX));
                e.token_hash = Some(Sha256::digest(token_of(self.cb, &e.id).as_bytes()).to_vec());
                e.error = None;
                let audit = self.cb.audit_draft(Actor::System, "export.ready", Some(&e.subject_id), Some(PURPOSE), json!({ "export": e.id, "bytes": size }));
                region.rights.update_export(&e, Some(audit)).await?;
                metrics::counter!("clearboard_exports_built_total").increment(1);
                Ok(())
            }
            Err(err) => {
                e.state = if e.attempts >= 3 { "failed".into() } else { "queued".into() };
                e.error = Some(err.code().to_string());
                region.rights.update_export(&e, None).await?;
                Err(err)
            }
        }
    }

    /// Collects the person's data and media and writes the sealed ZIP; returns the blob and
    /// the archive's size.
    async fn write_zip(&self, region: &RegionHandle, e: &ExportRow) -> Result<(BlobId, u64), CoreError> {
        let subject = &e.subject_id;
        let dek = self.cb.keys().current(region, subject).await?;
        let now = self.cb.now();
        let blob = BlobId::new(now)?;
        let scratch = region.blobs.scratch_dir();
        std::fs::create_dir_all(&scratch).map_err(|_| CoreError::Internal("scratch folder"))?;
        let tmp = scratch.join(format!("{}.export", blob.as_str()));
        let (mut sealer_w, header) = {
            let (s, header) = Sealer::new(&dek, export_aad(&blob))?;
            let file = std::fs::File::create(&tmp).map_err(|_| CoreError::Internal("scratch file"))?;
            (SealingWriter { sealer: Some(s), out: std::io::BufWriter::with_capacity(1 << 20, file), buf: Vec::with_capacity(stream::SEALED_SEGMENT * 2), plain: 0 }, header)
        };
        sealer_w.out.write_all(&header).map_err(|_| CoreError::Internal("scratch write"))?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Item>(2);
        let stamp = crate::clock::date_of(now);
        let t = time::OffsetDateTime::from_unix_timestamp(now / 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let zip_time = zip::DateTime::from_date_and_time(u16::try_from(stamp.year()).unwrap_or(1980), u8::from(stamp.month()), stamp.day(), t.hour(), t.minute(), t.second()).unwrap_or_default();
        let writer = tokio::task::spawn_blocking(move || -> Result<u64, String> {
            let mut z = zip::ZipWriter::new_stream(sealer_w);
            while let Some(item) = rx.blocking_recv() {
                let Item::File { name, bytes, compress } = item;
                let method = if compress { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
                let opts = zip::write::SimpleFileOptions::default().compression_method(method).last_modified_time(zip_time).large_file(bytes.len() as u64 >= u64::from(u32::MAX));
                z.start_file(name, opts).map_err(|e| e.to_string())?;
                z.write_all(&bytes).map_err(|e| e.to_string())?;
            }
            let w = z.finish().map_err(|e| e.to_string())?.into_inner();
            w.finish().map_err(|e| e.to_string())
        });
        let collected = self.collect(region, subject, &dek, &tx).await;
        drop(tx);
        let written = writer.await.map_err(|_| CoreError::Internal("export writer"))?;
        let size = match (collected, written) {
            (Ok(()), Ok(n)) => n,
            (Err(err), _) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(err);
            }
            (_, Err(_)) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(CoreError::Internal("the export archive could not be written"));
            }
        };
        region.blobs.put_file(&blob, &tmp).await?;
        Ok((blob, size))
    }

    async fn send(tx: &tokio::sync::mpsc::Sender<Item>, name: String, bytes: Zeroizing<Vec<u8>>, compress: bool) -> Result<(), CoreError> {
        tx.send(Item::File { name, bytes, compress }).await.map_err(|_| CoreError::Internal("export writer stopped"))
    }

    /// Everything about the person, sent to the archive writer file by file.
    async fn collect(&self, region: &RegionHandle, subject: &SubjectId, dek: &clearboard_vault::Dek, tx: &tokio::sync::mpsc::Sender<Item>) -> Result<(), CoreError> {
        let now = self.cb.now();
        let policy = self.cb.policy();
        let mut categories = serde_json::Map::new();
        let mut present = Vec::new();
        for c in &policy.doc().categories {
            if handling(&c.id) != Some(Handling::Stored) {
                continue;
            }
            let data = export_category(self.cb, region, subject, &c.id).await?;
            categories.insert(c.id.clone(), json!({ "title": c.title.en, "data": data }));
            present.push(c.id.clone());
        }
        // Media: the originals of the person's media cards and their profile picture.
        let mut media = Vec::new();
        let (cards, _, _, _) = region.boards.contributions_of(subject).await?;
        let mut board_ids: Vec<BoardId> = Vec::new();
        for c in &cards {
            if !board_ids.contains(&c.board_id) {
                board_ids.push(c.board_id.clone());
            }
            if let (Some(b), Some(mime)) = (&c.blob_id, &c.media_type) {
                media.push((format!("media/{}.{}", c.id.as_str(), file_ext(mime)), b.clone(), "card_media", mime.clone(), Some(c.id.clone())));
            }
        }
        let mut picture = None;
        if region.store.account(subject).await?.is_some_and(|a| a.picture_blob.is_some()) {
            let me = Principal { subject: subject.clone(), region: region.id.clone(), token_hash: Vec::new() };
            let p = self.cb.accounts().picture(&me).await?;
            picture = Some((format!("media/profile-picture.{}", file_ext(p.mime)), p));
        }
        let mut boards = Vec::new();
        for b in &board_ids {
            let title = self.cb.boards().title_for(region, subject, b).await?;
            boards.push(json!({ "id": b, "title": title }));
        }
        let consents: Vec<Value> = region
            .consents
            .consents_of_subject(subject)
            .await?
            .into_iter()
            .map(|r| json!({ "purpose": r.purpose, "granted": r.granted, "method": r.method, "at": rfc3339(r.at), "policy_version": r.policy_version }))
            .collect();
        let requests: Vec<Value> = region
            .rights
            .requests_about(subject)
            .await?
            .into_iter()
            .map(|r| json!({ "id": r.id, "kind": r.kind, "state": r.state, "received_at": rfc3339(r.received_at), "answer_by": r.extended_to.unwrap_or(r.answer_by) }))
            .collect();
        let disclosures: Vec<Value> = region
            .rights
            .disclosures_of(subject)
            .await?
            .into_iter()
            .map(|d| json!({ "recipient": d.recipient, "legal_basis": d.legal_basis, "scope": d.scope, "at": rfc3339(d.at) }))
            .collect();
        let audit: Vec<Value> = region
            .store
            .audit_about(subject)
            .await?
            .into_iter()
            .map(|a| json!({ "seq": a.seq, "at": rfc3339(a.at_ms), "actor": a.actor, "action": a.action, "purpose": a.purpose }))
            .collect();
        let mut media_list: Vec<Value> = media.iter().map(|(file, _, _, mime, card)| json!({ "file": file, "type": mime, "card_id": card })).collect();
        if let Some((file, p)) = &picture {
            media_list.push(json!({ "file": file, "type": p.mime, "card_id": null }));
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
        let json_bytes = serde_json::to_vec_pretty(&data).map_err(|_| CoreError::Internal("export json"))?;
        Self::send(tx, "data.json".into(), Zeroizing::new(json_bytes), true).await?;
        Self::send(tx, "export-schema.json".into(), Zeroizing::new(EXPORT_SCHEMA.as_bytes().to_vec()), true).await?;
        Self::send(tx, "README.txt".into(), Zeroizing::new(readme(self.cb, "en", &present, now).into_bytes()), true).await?;
        for (cat, v) in data["categories"].as_object().into_iter().flatten() {
            for (name, text) in csv_files(cat, &v["data"]) {
                Self::send(tx, name, Zeroizing::new(text.into_bytes()), true).await?;
            }
        }
        for (name, list) in [("consents", &data["consents"]), ("requests", &data["requests"]), ("disclosures", &data["disclosures"]), ("audit", &data["audit"])] {
            for (file, text) in csv_files("records", &json!({ name: list })) {
                if file != "csv/records.csv" {
                    Self::send(tx, file.replace("csv/records-", "csv/"), Zeroizing::new(text.into_bytes()), true).await?;
                }
            }
        }
        if let Some((file, p)) = picture {
            Self::send(tx, file, p.bytes, false).await?;
        }
        for (file, blob, column, _, _) in media {
            let Some(sealed) = region.blobs.get(&blob).await? else { continue };
            let aad = Aad { table: "blobs", column, row: blob.as_str() };
            let plain = stream::open(dek, aad, &sealed)?;
            drop(sealed);
            Self::send(tx, file, plain, false).await?;
        }
        Ok(())
    }

    /// Opens an export for download by its link (the token is checked in constant time; an
    /// expired or unknown link is refused the same way).
    pub async fn open_download(&self, id: &str, token: &str) -> Result<Download, CoreError> {
        use subtle::ConstantTimeEq;
        let expected = token_of(self.cb, id);
        if expected.as_bytes().ct_eq(token.as_bytes()).unwrap_u8() != 1 {
            return Err(CoreError::LinkInvalid);
        }
        for region in self.cb.regions() {
            let Some(e) = region.rights.export(id).await? else { continue };
            if e.state != "ready" || e.expires_at.is_none_or(|x| x <= self.cb.now()) {
                return Err(CoreError::LinkInvalid);
            }
            let blob = e.blob_id.clone().ok_or(CoreError::LinkInvalid)?;
            let path = region.blobs.local_path(&blob).ok_or(CoreError::LinkInvalid)?;
            let dek = self.cb.keys().current(region, &e.subject_id).await.map_err(|_| CoreError::LinkInvalid)?;
            let mut header = [0u8; stream::HEADER];
            let sealed_len = {
                use std::io::Read;
                let mut f = std::fs::File::open(&path).map_err(|_| CoreError::LinkInvalid)?;
                f.read_exact(&mut header).map_err(|_| CoreError::LinkInvalid)?;
                f.metadata().map_err(|_| CoreError::LinkInvalid)?.len()
            };
            let opener = Opener::new(&dek, export_aad(&blob), &header)?;
            let audit = self.cb.audit_draft(Actor::Subject(&e.subject_id), "export.downloaded", Some(&e.subject_id), Some(PURPOSE), json!({ "export": e.id }));
            region.store.audit_append(audit).await?;
            return Ok(Download {
                path,
                opener,
                sealed_len,
                plain_len: u64::try_from(e.size.unwrap_or(0)).unwrap_or(0),
                file_name: format!("clearboard-export-{}.zip", crate::clock::date_of(e.finished_at.unwrap_or(0))),
            });
        }
        Err(CoreError::LinkInvalid)
    }

    /// Expires links past their date: the archive is deleted (the row stays, as a record that
    /// an export was made). Returns how many.
    pub async fn expire(&self) -> Result<u64, CoreError> {
        let now = self.cb.now();
        let mut n = 0;
        for region in self.cb.regions() {
            for mut e in region.rights.exports_in(&["ready", "failed"]).await? {
                if e.state == "ready" && e.expires_at.is_some_and(|x| x > now) {
                    continue;
                }
                if let Some(b) = e.blob_id.take() {
                    region.blobs.delete(&b).await?;
                }
                e.state = if e.state == "failed" { "failed".into() } else { "expired".into() };
                e.token_hash = None;
                if e.state == "expired" {
                    region.rights.update_export(&e, None).await?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// Imports an export made by this or another clearboard service into the signed-in
    /// person's personal workspace: each board becomes a new board, each of their cards a new
    /// card (text, link, image, video). Returns (boards, cards) created. Nothing else is
    /// imported: accounts, consents and records belong to the service that made them.
    pub async fn import(&self, who: &Principal, zip_bytes: Vec<u8>) -> Result<(usize, usize), CoreError> {
        let parsed = tokio::task::spawn_blocking(move || parse_import(&zip_bytes)).await.map_err(|_| CoreError::Internal("import reader"))??;
        let mut boards = 0;
        let mut cards = 0;
        let mut made: Vec<(String, BoardId)> = Vec::new();
        for card in &parsed.cards {
            let board = match made.iter().find(|(old, _)| old == &card.board) {
                Some((_, b)) => b.clone(),
                None => {
                    let title = parsed.titles.iter().find(|(id, _)| id == &card.board).and_then(|(_, t)| t.clone()).unwrap_or_else(|| "Imported board".into());
                    let v = self.cb.boards().create_board(who, None, &title).await?;
                    boards += 1;
                    let id = v.id.clone();
                    made.push((card.board.clone(), id.clone()));
                    id
                }
            };
            match (&card.kind[..], &card.media) {
                ("image" | "video", Some(bytes)) => {
                    self.cb.boards().add_media_card(who, &board, &card.kind, bytes, card.text.clone(), (card.x, card.y)).await?;
                }
                ("image" | "video", None) => continue,
                _ => {
                    let new = crate::boards::NewCard { kind: card.kind.clone(), text: card.text.clone(), url: card.url.clone(), x: card.x, y: card.y, color: card.color.clone(), category: None };
                    self.cb.boards().add_card(who, &board, new).await?;
                }
            }
            cards += 1;
        }
        let audit = self.cb.audit_draft(Actor::Subject(&who.subject), "export.imported", Some(&who.subject), Some(PURPOSE), json!({ "boards": boards, "cards": cards }));
        self.cb.region(&who.region)?.store.audit_append(audit).await?;
        Ok((boards, cards))
    }
}

struct ImportCard {
    board: String,
    kind: String,
    text: Option<String>,
    url: Option<String>,
    x: Option<i64>,
    y: Option<i64>,
    color: Option<String>,
    media: Option<Vec<u8>>,
}

struct Parsed {
    titles: Vec<(String, Option<String>)>,
    cards: Vec<ImportCard>,
}

const IMPORT_MAX_FILES: usize = 200_000;
const IMPORT_MAX_JSON: u64 = 256 * 1024 * 1024;

/// Checks an export archive as an import would read it, without importing: (boards, cards).
/// Any input gives `Ok` or a validation error, never a panic (a fuzz target holds it to that).
pub fn check_import(bytes: &[u8]) -> Result<(usize, usize), CoreError> {
    parse_import(bytes).map(|p| (p.titles.len(), p.cards.len()))
}

/// Reads an export archive defensively: bounded sizes, no paths outside the archive, a known
/// format version; anything else is a clear validation error.
fn parse_import(bytes: &[u8]) -> Result<Parsed, CoreError> {
    use std::io::Read;
    let bad = |m: &'static str| CoreError::validation("file", m);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| bad("this is not a ZIP archive"))?;
    if z.len() > IMPORT_MAX_FILES {
        return Err(bad("the archive has too many files"));
    }
    let data: Value = {
        let f = z.by_name("data.json").map_err(|_| bad("the archive has no data.json: is it a clearboard export?"))?;
        if f.size() > IMPORT_MAX_JSON {
            return Err(bad("data.json is too large"));
        }
        let mut s = String::new();
        f.take(IMPORT_MAX_JSON).read_to_string(&mut s).map_err(|_| bad("data.json is not readable text"))?;
        serde_json::from_str(&s).map_err(|_| bad("data.json is not valid JSON"))?
    };
    if data["format"] != "clearboard-export" || data["version"].as_u64() != Some(u64::from(FORMAT_VERSION)) {
        return Err(bad("this export's format or version is not supported"));
    }
    let titles = data["boards"]
        .as_array()
        .map(|a| a.iter().filter_map(|b| Some((b["id"].as_str()?.to_string(), b["title"].as_str().map(str::to_string)))).collect())
        .unwrap_or_default();
    let mut cards = Vec::new();
    for c in data["categories"]["user_content"]["data"]["cards"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let Some(kind) = c["kind"].as_str() else { continue };
        let media = match c["media"]["file"].as_str() {
            Some(file) => {
                if !file.starts_with("media/") || file.contains("..") {
                    return Err(bad("a media path in data.json is invalid"));
                }
                let f = z.by_name(file).map_err(|_| bad("a media file named in data.json is missing"))?;
                let mut v = Vec::new();
                f.take(IMPORT_MAX_JSON).read_to_end(&mut v).map_err(|_| bad("a media file is not readable"))?;
                Some(v)
            }
            None => None,
        };
        let pos = c["position"].as_array();
        cards.push(ImportCard {
            board: c["board_id"].as_str().unwrap_or("").to_string(),
            kind: kind.to_string(),
            text: c["text"].as_str().filter(|t| !t.is_empty()).map(str::to_string),
            url: c["url"].as_str().map(str::to_string),
            x: pos.and_then(|p| p.first()).and_then(Value::as_i64),
            y: pos.and_then(|p| p.get(1)).and_then(Value::as_i64),
            color: c["color"].as_str().map(str::to_string),
            media,
        });
    }
    Ok(Parsed { titles, cards })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell(&json!("plain")), "plain");
        assert_eq!(csv_cell(&json!("a,b")), "\"a,b\"");
        assert_eq!(csv_cell(&json!("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell(&json!("=HYPERLINK(\"x\")")), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell(&json!(3)), "3");
        assert_eq!(csv_cell(&Value::Null), "");
    }

    #[test]
    fn csv_files_split_lists_and_fields() {
        let files = csv_files("user_content", &json!({ "cards": [{ "id": "1", "text": "a" }, { "id": "2", "url": "u" }], "participant": { "pseudonym": "P" } }));
        let cards = &files.iter().find(|(n, _)| n == "csv/user_content-cards.csv").unwrap().1;
        assert_eq!(cards, "id,text,url\r\n1,a,\r\n2,,u\r\n");
        let rest = &files.iter().find(|(n, _)| n == "csv/user_content.csv").unwrap().1;
        assert!(rest.contains("participant.pseudonym,P"));
    }

    #[test]
    fn the_schema_is_valid_json() {
        let v: Value = serde_json::from_str(EXPORT_SCHEMA).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    }

    #[test]
    fn imports_refuse_what_is_not_an_export() {
        assert!(parse_import(b"not a zip").is_err());
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            z.start_file("data.json", zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(br#"{"format":"other","version":1}"#).unwrap();
            z.finish().unwrap();
        }
        assert!(parse_import(buf.get_ref()).is_err());
    }
}
