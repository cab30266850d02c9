//! The Drive import job: `start` checks the connection, the board and the file ids and records
//! a queued job; `run` fetches each picked file (and nothing else), decides its type by its
//! bytes, and places it through the board media path (images and videos rebuilt without
//! metadata and GPS, sealed with the person's key) or as a link card to the original
//! (documents); each file's outcome is recorded, sealed, as the job goes. A failure of the
//! provider (timeout, 401, 429, 5xx) fails that file with a code the person is told in plain
//! words, and never leaves a half-made card: a card is created only from bytes fully in hand.
//!
//! Limited Use: names, types, contents and ids of Drive files never reach a log line, a metric,
//! an audit detail or anyone but the board's people; the audit entry counts files only.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::boards::input::{IMAGE_MAX_BYTES, NewCard, VIDEO_MAX_BYTES};
use crate::identity::principal::Principal;
use crate::integrations::framework::{Integrations, Tokens};
use crate::integrations::google_drive::ID;
use crate::integrations::spec::PURPOSE;
use crate::platform::audit::Actor;
use crate::platform::clock::rfc3339;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, RegionId, SubjectId};
use crate::platform::media;
use crate::platform::ports::{ConnectionRow, ImportRow, ProviderError};

/// At most this many files per import.
pub const FILES_MAX: usize = 50;

/// One picked file's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileResult {
    pub file_id: String,
    /// `pending`, `imported` or `failed`.
    pub status: String,
    /// `image`, `video` or `link`, once imported.
    pub kind: Option<String>,
    pub card_id: Option<String>,
    /// Why it failed (`provider_timeout`, `provider_unauthorized`, `provider_rate_limited`,
    /// `provider_unavailable`, `file_not_found`, `file_too_large`, `unsupported`, …).
    pub error: Option<String>,
}

/// An import as its owner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportView {
    pub id: String,
    pub board_id: String,
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    pub created_at: String,
    pub updated_at: String,
    pub files: Vec<FileResult>,
}

fn results_aad(id: &str) -> clearboard_vault::Aad<'_> {
    clearboard_vault::Aad { table: "integration_imports", column: "results", row: id }
}

/// A Drive file id as Google issues them (letters, digits, `-` and `_`).
fn valid_file_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub struct DriveImport<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn drive_import(&self) -> DriveImport<'_> {
        DriveImport { cb: self }
    }
}

impl DriveImport<'_> {
    fn integrations(&self) -> Integrations<'_> {
        self.cb.integrations()
    }

    /// Records an import of the picked files onto a board; the caller runs it (`run`).
    pub async fn start(&self, who: &Principal, board: &BoardId, file_ids: &[String]) -> Result<ImportView, CoreError> {
        self.integrations().guard()?;
        self.cb.policy().check(PURPOSE, "user_content")?;
        let region = self.cb.region(&who.region)?.clone();
        region.integrations.connection(&who.subject, ID).await?.ok_or(CoreError::IntegrationNotConnected)?;
        let a = self.cb.boards().access(who, board).await?;
        a.check_unlocked()?;
        if file_ids.is_empty() || file_ids.len() > FILES_MAX {
            return Err(CoreError::validation("file_ids", format!("pick between 1 and {FILES_MAX} files")));
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in file_ids {
            if !valid_file_id(f) {
                return Err(CoreError::validation("file_ids", "a file id is letters, digits, `-` and `_`"));
            }
            if !seen.insert(f.as_str()) {
                return Err(CoreError::validation("file_ids", "a file is picked twice"));
            }
        }
        let files: Vec<FileResult> = file_ids
            .iter()
            .map(|f| FileResult { file_id: f.clone(), status: "pending".into(), kind: None, card_id: None, error: None })
            .collect();
        let now = self.cb.now();
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let mut row = ImportRow {
            id: id.clone(),
            subject_id: who.subject.clone(),
            provider: ID.into(),
            board_id: board.to_string(),
            status: "queued".into(),
            total: files.len() as i64,
            done: 0,
            failed: 0,
            results: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        row.results = self.seal_results(&region, &row, &files).await?;
        region.integrations.put_import(&row, None).await?;
        self.view_of(&region, &row).await
    }

    /// An import, to its owner only.
    pub async fn status(&self, who: &Principal, board: &BoardId, id: &str) -> Result<ImportView, CoreError> {
        let region = self.cb.region(&who.region)?.clone();
        let row = region.integrations.import(id).await?.ok_or(CoreError::NotFound)?;
        if row.subject_id != who.subject || row.board_id != board.as_str() {
            return Err(CoreError::NotFound);
        }
        self.view_of(&region, &row).await
    }

    pub(crate) async fn view_of(&self, region: &RegionHandle, row: &ImportRow) -> Result<ImportView, CoreError> {
        let key = self.cb.keys().current(region, &row.subject_id).await?;
        let files: Vec<FileResult> =
            serde_json::from_slice(&key.open(results_aad(&row.id), &row.results)?).map_err(|_| CoreError::Internal("import results"))?;
        Ok(ImportView {
            id: row.id.clone(),
            board_id: row.board_id.clone(),
            status: row.status.clone(),
            total: row.total,
            done: row.done,
            failed: row.failed,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
            files,
        })
    }

    async fn seal_results(&self, region: &RegionHandle, row: &ImportRow, files: &[FileResult]) -> Result<Vec<u8>, CoreError> {
        let key = self.cb.keys().current(region, &row.subject_id).await?;
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(files).map_err(|_| CoreError::Internal("import results"))?);
        Ok(key.seal(results_aad(&row.id), &plain)?)
    }

    /// Runs a queued import to its end, recording each file's outcome as it goes.
    pub async fn run(&self, region: &RegionId, id: &str) -> Result<ImportView, CoreError> {
        let region = self.cb.region(region)?.clone();
        let mut row = region.integrations.import(id).await?.ok_or(CoreError::NotFound)?;
        let mut files = self.view_of(&region, &row).await?.files;
        let who = Principal { subject: row.subject_id.clone(), region: region.id.clone(), token_hash: Vec::new() };
        let board = BoardId::parse(&row.board_id).ok_or(CoreError::NotFound)?;
        row.status = "running".into();
        let pending: Vec<usize> = files.iter().enumerate().filter(|(_, f)| f.status == "pending").map(|(i, _)| i).collect();
        for i in pending {
            match self.one(&region, &who, &board, &files[i].file_id).await {
                Ok((kind, card)) => {
                    files[i].status = "imported".into();
                    files[i].kind = Some(kind.into());
                    files[i].card_id = Some(card);
                    row.done += 1;
                }
                Err(code) => {
                    files[i].status = "failed".into();
                    files[i].error = Some(code.into());
                    row.failed += 1;
                }
            }
            row.updated_at = self.cb.now();
            row.results = self.seal_results(&region, &row, &files).await?;
            region.integrations.put_import(&row, None).await?;
        }
        row.status = match (row.done, row.failed) {
            (_, 0) => "done",
            (0, _) => "failed",
            _ => "partial",
        }
        .into();
        row.updated_at = self.cb.now();
        row.results = self.seal_results(&region, &row, &files).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&row.subject_id),
            "integration.import",
            Some(&row.subject_id),
            Some(PURPOSE),
            json!({ "provider": ID, "import": row.id, "files": row.total, "imported": row.done, "failed": row.failed }),
        );
        region.integrations.put_import(&row, Some(audit)).await?;
        if let Some(mut c) = region.integrations.connection(&row.subject_id, ID).await? {
            c.last_used_at = Some(self.cb.now());
            c.updated_at = self.cb.now();
            region.integrations.put_connection(&c, None).await?;
        }
        self.view_of(&region, &row).await
    }

    /// One picked file: its metadata, its bytes when it may become a media card, its card.
    async fn one(
        &self,
        region: &RegionHandle,
        who: &Principal,
        board: &BoardId,
        file_id: &str,
    ) -> Result<(&'static str, String), &'static str> {
        let g = self.cb.google();
        let meta =
            self.with_token(region, &who.subject, |t| async move { g.file(&t, file_id).await }).await.map_err(ProviderError::code)?;
        // Google's own documents (Docs, Sheets, Slides…) cannot be downloaded as they are:
        // they become links to the original, as every other document does.
        let downloadable = !meta.mime_type.starts_with("application/vnd.google-apps.");
        let bytes = if downloadable {
            let max = VIDEO_MAX_BYTES.max(IMAGE_MAX_BYTES);
            let id = meta.id.as_str();
            Some(
                self.with_token(region, &who.subject, |t| async move { g.content(&t, id, max).await })
                    .await
                    .map_err(ProviderError::code)?,
            )
        } else {
            None
        };
        let boards = self.cb.boards();
        let media_kind = bytes.as_deref().and_then(|b| match (media::sniff(b), media::sniff_video(b)) {
            (Some(_), _) => Some("image"),
            (None, Some(_)) => Some("video"),
            _ => None,
        });
        let card = match (media_kind, bytes.as_deref()) {
            (Some(kind), Some(b)) => boards.add_media_card(who, board, kind, b, None, (None, None)).await.map(|v| (kind, v)),
            _ => {
                let url = meta
                    .web_view_link
                    .clone()
                    .filter(|u| u.starts_with("https://"))
                    .unwrap_or_else(|| format!("https://drive.google.com/file/d/{}/view", meta.id));
                let new = NewCard { kind: "link".into(), url: Some(url), ..NewCard::default() };
                boards.add_card(who, board, new).await.map(|v| ("link", v))
            }
        };
        match card {
            Ok((kind, v)) => Ok((kind, v.card.id.to_string())),
            Err(CoreError::UnsupportedMedia(_)) => Err("unsupported"),
            Err(CoreError::TooLarge { .. }) => Err("file_too_large"),
            Err(CoreError::Forbidden | CoreError::NotFound) => Err("board_unavailable"),
            Err(_) => Err("not_placed"),
        }
    }

    /// A short-lived access token for Google's Picker in the person's own browser (the Picker
    /// needs one to show their Drive); refreshed when it is about to expire. Only the person
    /// gets it, in a JSON body (never a URL).
    pub async fn picker_token(&self, who: &Principal) -> Result<(String, i64), CoreError> {
        self.integrations().guard()?;
        let region = self.cb.region(&who.region)?.clone();
        let c = region.integrations.connection(&who.subject, ID).await?.ok_or(CoreError::IntegrationNotConnected)?;
        let t = self.integrations().open_tokens(&region, &c).await?;
        if t.access_expires_at > self.cb.now() + 60_000 {
            return Ok((t.access_token, t.access_expires_at));
        }
        let fresh = self.refresh(&region, &c, &t).await.map_err(crate::integrations::oauth::provider_failed)?;
        Ok((fresh, self.cb.now() + 3_000_000))
    }

    /// Calls the provider with a valid access token: refreshed when it expired, and once more
    /// after a 401 (the token may have been revoked early).
    async fn with_token<T, F, Fut>(&self, region: &RegionHandle, subject: &SubjectId, call: F) -> Result<T, ProviderError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, ProviderError>>,
    {
        let c = region.integrations.connection(subject, ID).await.ok().flatten().ok_or(ProviderError::Unauthorized)?;
        let t = self.integrations().open_tokens(region, &c).await.map_err(|_| ProviderError::Unauthorized)?;
        let access =
            if t.access_expires_at <= self.cb.now() + 30_000 { self.refresh(region, &c, &t).await? } else { t.access_token.clone() };
        match call(access).await {
            Err(ProviderError::Unauthorized) => {
                let fresh = self.refresh(region, &c, &t).await?;
                call(fresh).await
            }
            other => other,
        }
    }

    async fn refresh(&self, region: &RegionHandle, c: &ConnectionRow, t: &Tokens) -> Result<String, ProviderError> {
        let refresh = t.refresh_token.clone().ok_or(ProviderError::Unauthorized)?;
        let fresh = self.cb.google().refresh(&refresh).await?;
        let sealed = async {
            let key = self.cb.keys().current(region, &c.subject_id).await?;
            let tokens = self.integrations().seal_tokens(&key, &c.subject_id, &c.provider, &fresh, Some(refresh))?;
            let row = ConnectionRow { tokens, updated_at: self.cb.now(), ..c.clone() };
            region.integrations.put_connection(&row, None).await?;
            Ok::<_, CoreError>(())
        };
        sealed.await.map_err(|_| ProviderError::Unavailable)?;
        Ok(fresh.access_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_ids_are_drives_alphabet_only() {
        assert!(valid_file_id("1AbC-d_9"));
        for bad in ["", "../etc", "a b", "a%2F", &"x".repeat(129)] {
            assert!(!valid_file_id(bad), "{bad}");
        }
    }
}
