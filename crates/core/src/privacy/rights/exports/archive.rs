//! Writing the export archive (C-DSR-3): a ZIP of everything held about a person and the
//! information they are owed, written as it is built and sealed segment by segment on its way
//! to disk with the person's own key, so no plaintext touches the disk and memory stays flat
//! whatever the size.
//!
//! The ZIP holds `data.json` (under the published JSON Schema, `EXPORT_SCHEMA`), one CSV per
//! category and list, the original media, and `README.txt` with the Art. 15 information
//! rendered from the policy: purposes, legal bases, categories, recipients, retention, source,
//! rights, transfers. It must not read another person's data or write plaintext to disk.

use std::io::Write;

use clearboard_vault::Aad;
use clearboard_vault::stream::{self, Sealer};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::platform::media::file_ext;

use super::jobs::{EXPORT_SCHEMA, Exports, FORMAT_VERSION, export_aad};
use crate::identity::principal::Principal;
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, BoardId, SubjectId};
use crate::platform::ports::ExportRow;
use crate::privacy::rights::categories::{export_category, stored};
use crate::privacy::rights::records;

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
                        let line = cols
                            .iter()
                            .map(|c| f.iter().find(|(k, _)| k == c).map(|(_, v)| csv_cell(v)).unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(",");
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
    s.push_str(&format!(
        "Generated: {}\r\nController: {}, {}\r\nPrivacy contact: {}\r\n",
        rfc3339(generated),
        d.controller.name,
        d.controller.address,
        d.controller.privacy_contact
    ));
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
            s.push_str(&format!("  Kept: {} ({} from {})\r\n", t(&r.description), r.period().label(lang), r.trigger));
        }
    }
    s.push_str("\r\nYour rights\r\n-----------\r\n");
    s.push_str("You may ask for access to, correction or erasure of your data, restriction of or objection to its processing, and a copy to take elsewhere (portability); you may withdraw any consent at any time without affecting what was done before. Most of this is self-service in the privacy centre (/me/privacy); anything else through /privacy/requests.\r\n");
    s.push_str(&format!("You may complain to a supervisory authority: {}.\r\n", t(&d.controller.supervisory_authority)));
    s
}

impl Exports<'_> {
    /// Collects the person's data and media and writes the sealed ZIP; returns the blob and
    /// the archive's size.
    pub(super) async fn write_zip(&self, region: &RegionHandle, e: &ExportRow) -> Result<(BlobId, u64), CoreError> {
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
            (
                SealingWriter {
                    sealer: Some(s),
                    out: std::io::BufWriter::with_capacity(1 << 20, file),
                    buf: Vec::with_capacity(stream::SEALED_SEGMENT * 2),
                    plain: 0,
                },
                header,
            )
        };
        sealer_w.out.write_all(&header).map_err(|_| CoreError::Internal("scratch write"))?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Item>(2);
        let stamp = crate::platform::clock::date_of(now);
        let t = time::OffsetDateTime::from_unix_timestamp(now / 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let zip_time = zip::DateTime::from_date_and_time(
            u16::try_from(stamp.year()).unwrap_or(1980),
            u8::from(stamp.month()),
            stamp.day(),
            t.hour(),
            t.minute(),
            t.second(),
        )
        .unwrap_or_default();
        let writer = tokio::task::spawn_blocking(move || -> Result<u64, String> {
            let mut z = zip::ZipWriter::new_stream(sealer_w);
            while let Some(item) = rx.blocking_recv() {
                let Item::File { name, bytes, compress } = item;
                let method = if compress { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
                let opts = zip::write::SimpleFileOptions::default()
                    .compression_method(method)
                    .last_modified_time(zip_time)
                    .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
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
    async fn collect(
        &self,
        region: &RegionHandle,
        subject: &SubjectId,
        dek: &clearboard_vault::Dek,
        tx: &tokio::sync::mpsc::Sender<Item>,
    ) -> Result<(), CoreError> {
        let now = self.cb.now();
        let policy = self.cb.policy();
        let mut categories = serde_json::Map::new();
        let mut present = Vec::new();
        for c in &policy.doc().categories {
            if !stored(self.cb, &c.id) {
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
                media.push((
                    format!("media/{}.{}", c.id.as_str(), file_ext(mime)),
                    b.clone(),
                    "card_media",
                    mime.clone(),
                    Some(c.id.clone()),
                ));
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
            boards.push(match self.cb.boards().title_for(region, subject, b).await? {
                Some((title, zones)) => json!({ "id": b, "title": title, "zones": zones }),
                None => json!({ "id": b, "title": null }),
            });
        }
        let consents = records::consents_of(region, subject).await?;
        let requests = records::requests_of(region, subject).await?;
        let disclosures = records::disclosures_of(region, subject).await?;
        let audit: Vec<Value> = region
            .store
            .audit_about(subject)
            .await?
            .into_iter()
            .map(|a| json!({ "seq": a.seq, "at": rfc3339(a.at_ms), "actor": a.actor, "action": a.action, "purpose": a.purpose }))
            .collect();
        let mut media_list: Vec<Value> =
            media.iter().map(|(file, _, _, mime, card)| json!({ "file": file, "type": mime, "card_id": card })).collect();
        if let Some((file, p)) = &picture {
            media_list.push(json!({ "file": file, "type": p.mime, "card_id": null }));
        }
        // What the person attached to their support tickets (the assistance category).
        let attachments = if stored(self.cb, "assistance") { self.cb.support().attachments_of(region, subject).await? } else { Vec::new() };
        for a in &attachments {
            media_list.push(json!({ "file": a.file_name(), "type": a.mime, "card_id": null, "message_id": a.message_id }));
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
        for (name, list) in [
            ("consents", &data["consents"]),
            ("requests", &data["requests"]),
            ("disclosures", &data["disclosures"]),
            ("audit", &data["audit"]),
        ] {
            for (file, text) in csv_files("records", &json!({ name: list })) {
                if file != "csv/records.csv" {
                    Self::send(tx, file.replace("csv/records-", "csv/"), Zeroizing::new(text.into_bytes()), true).await?;
                }
            }
        }
        if let Some((file, p)) = picture {
            Self::send(tx, file, p.bytes, false).await?;
        }
        for a in attachments {
            Self::send(tx, a.file_name(), a.bytes, false).await?;
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
        let files = csv_files(
            "user_content",
            &json!({ "cards": [{ "id": "1", "text": "a" }, { "id": "2", "url": "u" }], "participant": { "pseudonym": "P" } }),
        );
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
}
