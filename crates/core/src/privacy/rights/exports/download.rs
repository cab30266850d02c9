//! Downloading an export (C-DSR-1, C-DSR-3; issue 11, finding 9).
//!
//! * The owner, signed in: [`Exports::open_download`] answers their own export only (anyone
//!   else's is `NotFound`), while it is ready and within [`link_ttl`](super::jobs::link_ttl); an expired or
//!   revoked one is `ExportGone` (410) and its archive is deleted if it was not already.
//! * Someone who asked through an agent or as a parent (no account to sign in to): the export
//!   answering their request is opened with a one-time code sent to the address that made the
//!   request ([`Exports::send_request_code`]), entered on a page and posted
//!   ([`Exports::open_request_download`]). Codes: 8 digits, stored only as a keyed hash, valid
//!   [`CODE_TTL`], single use, [`CODE_ATTEMPTS`] wrong tries, [`CODES_PER_EXPORT`] sent at most.
//!
//! It must not accept anything in a URL as proof, tell an outsider whether someone else's
//! export exists, or leave an audit gap: every download is in the owner's audit chain.

use std::path::PathBuf;

use clearboard_vault::stream::{self, Opener};
use serde_json::json;

use super::jobs::{Exports, PURPOSE, export_aad, live};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::clock::{MINUTE, Millis};
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::mail::Mail;
use crate::platform::ports::{ExportRow, RequestRow};

/// How long an emailed download code works.
pub const CODE_TTL: Millis = 15 * MINUTE;
/// Wrong codes tried before the code is void.
pub const CODE_ATTEMPTS: i64 = 5;
/// Codes sent for one export at most.
pub const CODES_PER_EXPORT: i64 = 5;

/// An open download: the sealed file and how to open it. The key never leaves core: the
/// archive is read in clear only through [`Download::stream_plaintext`].
pub struct Download {
    path: PathBuf,
    _spool: Spool,
    opener: Opener,
    pub sealed_len: u64,
    pub plain_len: u64,
    pub file_name: String,
}

/// A copy of the sealed archive spooled from a remote blob store (S3), removed when the
/// download that reads it is dropped; nothing when the store has a local file.
struct Spool(Option<PathBuf>);

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A local file holding the sealed archive: the store's own, or a copy spooled into its
/// scratch folder (still sealed) when the store is remote.
async fn local_copy(region: &RegionHandle, blob: &crate::platform::ids::BlobId) -> Result<(PathBuf, bool), CoreError> {
    if let Some(p) = region.blobs.local_path(blob) {
        return Ok((p, false));
    }
    let scratch = region.blobs.scratch_dir();
    std::fs::create_dir_all(&scratch).map_err(|_| CoreError::Internal("scratch folder"))?;
    let tag = hex::encode(clearboard_vault::random::bytes::<8>().map_err(|_| CoreError::Internal("randomness"))?);
    let path = scratch.join(format!("{}.{tag}.download", blob.as_str()));
    if region.blobs.get_to_file(blob, &path).await? { Ok((path, true)) } else { Err(CoreError::ExportGone(GONE_EXPIRED)) }
}

impl Download {
    /// Reads the sealed archive and hands `send` each plaintext segment in order, each opened
    /// as it is read, so the archive is never whole in memory. Blocking: run it on the
    /// blocking pool. Stops early, without error, when `send` returns `false` (the client went
    /// away). The error says what failed, never what the archive holds.
    pub fn stream_plaintext(self, mut send: impl FnMut(&[u8]) -> bool) -> Result<(), &'static str> {
        use std::io::Read;
        let segments = Opener::segments(self.sealed_len).map_err(|_| "malformed export")?;
        let mut f = std::fs::File::open(&self.path).map_err(|_| "export missing")?;
        let mut header = [0u8; stream::HEADER];
        f.read_exact(&mut header).map_err(|_| "export unreadable")?;
        let mut buf = vec![0u8; stream::SEALED_SEGMENT];
        for i in 0..segments {
            let last = i + 1 == segments;
            let want = if last {
                usize::try_from(self.sealed_len - stream::HEADER as u64 - i * stream::SEALED_SEGMENT as u64).unwrap_or(0)
            } else {
                buf.len()
            };
            if want > buf.len() || f.read_exact(&mut buf[..want]).is_err() {
                return Err("export unreadable");
            }
            let pt = self.opener.open(i, last, &buf[..want]).map_err(|_| "export does not decrypt")?;
            if !send(&pt) {
                return Ok(());
            }
        }
        Ok(())
    }
}

const GONE_EXPIRED: &str = "this export has expired (an export can be downloaded for 24 hours); ask for a new one";
const GONE_REVOKED: &str = "this export was revoked when its owner signed out everywhere or changed their password; ask for a new one";
const CODE_WRONG: &str = "the code is wrong or no longer valid; ask for a new one";

impl Exports<'_> {
    /// Checks an export can be downloaded now; an expired one is ended on the spot.
    async fn check_live(&self, region: &RegionHandle, e: ExportRow) -> Result<ExportRow, CoreError> {
        match e.state.as_str() {
            "revoked" => Err(CoreError::ExportGone(GONE_REVOKED)),
            "expired" => Err(CoreError::ExportGone(GONE_EXPIRED)),
            "ready" if live(&e, self.cb.now()) => Ok(e),
            "ready" => {
                self.end(region, e, "expired", None).await?;
                Err(CoreError::ExportGone(GONE_EXPIRED))
            }
            "failed" => Err(CoreError::Conflict("this export could not be made; ask for a new one")),
            _ => Err(CoreError::Conflict("this export is not ready yet; try again in a moment")),
        }
    }

    /// Opens the sealed archive of a live export and records the download.
    async fn open_sealed(&self, region: &RegionHandle, e: &ExportRow, actor: Actor<'_>) -> Result<Download, CoreError> {
        let blob = e.blob_id.clone().ok_or(CoreError::ExportGone(GONE_EXPIRED))?;
        let dek = self.cb.keys().current(region, &e.subject_id).await.map_err(|_| CoreError::ExportGone(GONE_EXPIRED))?;
        let (path, spooled) = local_copy(region, &blob).await?;
        // Dropped on any early return, the guard removes the spooled copy.
        let spool = Spool(spooled.then(|| path.clone()));
        let mut header = [0u8; stream::HEADER];
        let sealed_len = {
            use std::io::Read;
            let mut f = std::fs::File::open(&path).map_err(|_| CoreError::ExportGone(GONE_EXPIRED))?;
            f.read_exact(&mut header).map_err(|_| CoreError::Internal("export unreadable"))?;
            f.metadata().map_err(|_| CoreError::Internal("export unreadable"))?.len()
        };
        let opener = Opener::new(&dek, export_aad(&blob), &header)?;
        let audit = self.cb.audit_draft(actor, "export.downloaded", Some(&e.subject_id), Some(PURPOSE), json!({ "export": e.id }));
        region.store.audit_append(audit).await?;
        Ok(Download {
            path,
            _spool: spool,
            opener,
            sealed_len,
            plain_len: u64::try_from(e.size.unwrap_or(0)).unwrap_or(0),
            file_name: format!("clearboard-export-{}.zip", crate::platform::clock::date_of(e.finished_at.unwrap_or(0))),
        })
    }

    /// The owner's download: their own export only (`NotFound` for anyone else's, whoever
    /// asks), while it is live (`ExportGone` once expired or revoked).
    pub async fn open_download(&self, who: &Principal, id: &str) -> Result<Download, CoreError> {
        let region = self.cb.region(&who.region)?.clone();
        let e = match region.rights.export(id).await? {
            Some(e) if e.subject_id == who.subject => e,
            _ => return Err(CoreError::NotFound),
        };
        let e = self.check_live(&region, e).await?;
        self.open_sealed(&region, &e, Actor::Subject(&who.subject)).await
    }

    /// The request and the export answering it, for someone who asked on another's behalf.
    async fn request_export(&self, request_id: &str) -> Result<(RegionHandle, RequestRow, ExportRow), CoreError> {
        for region in self.cb.regions() {
            let Some(r) = region.rights.request(request_id).await? else { continue };
            // Those who asked for themselves have the account: they sign in.
            if r.on_behalf == "self" {
                return Err(CoreError::NotFound);
            }
            let Some(e) = r.export_id.as_deref() else { return Err(CoreError::NotFound) };
            let e = region.rights.export(e).await?.ok_or(CoreError::NotFound)?;
            return Ok((region.clone(), r, e));
        }
        Err(CoreError::NotFound)
    }

    fn code_hash(&self, export: &str, code: &str) -> Vec<u8> {
        self.cb.inner.blind.of("export-download-code", &format!("{export}:{code}")).to_vec()
    }

    /// Emails a one-time code to the address that made request `request_id`, for the export
    /// answering it. `base_url` names the page where the code is entered.
    pub async fn send_request_code(&self, request_id: &str, base_url: &str) -> Result<(), CoreError> {
        let (region, r, e) = self.request_export(request_id).await?;
        let mut e = self.check_live(&region, e).await?;
        if e.codes_sent >= CODES_PER_EXPORT {
            return Err(CoreError::RateLimited);
        }
        let code = {
            let b = clearboard_vault::random::bytes::<8>()?;
            format!("{:08}", u64::from_le_bytes(b) % 100_000_000)
        };
        e.code_hash = Some(self.code_hash(&e.id, &code));
        e.code_expires_at = Some(self.cb.now() + CODE_TTL);
        e.code_attempts = 0;
        e.codes_sent += 1;
        let audit = self.cb.audit_draft(
            Actor::Subject(&r.requester_id),
            "export.code_sent",
            Some(&e.subject_id),
            Some(PURPOSE),
            json!({ "export": e.id, "request": r.id }),
        );
        if !region.rights.update_export_if(&e, "ready", Some(audit)).await? {
            return Err(CoreError::ExportGone(GONE_REVOKED));
        }
        let (to, lang) = self.cb.requests().reply_address(&region, &r).await?;
        let page = format!("{base_url}/privacy/requests/{}/download", r.id);
        let minutes = CODE_TTL / MINUTE;
        let (subject, text) = if lang == "fr" {
            (
                "Votre code pour télécharger la copie demandée",
                format!(
                    "Votre code : {code}\n\nSaisissez-le dans les {minutes} minutes sur la page où vous l'avez demandé :\n{page}\n\nIl ne sert qu'une fois. Si vous n'avez rien demandé, ignorez ce message.\n"
                ),
            )
        } else {
            (
                "Your code to download the copy you asked for",
                format!(
                    "Your code: {code}\n\nEnter it within {minutes} minutes on the page where you asked for it:\n{page}\n\nIt works once. If you did not ask for it, ignore this message.\n"
                ),
            )
        };
        self.cb.transfers().send_mail(None, Mail { to, subject: subject.into(), text, ..Mail::default() }).await.map_err(|e| {
            tracing::warn!(error = %e, "a download code could not be emailed");
            CoreError::Unavailable("the code could not be emailed; try again later")
        })
    }

    /// Opens the export answering request `request_id` with the code emailed for it (single
    /// use; after [`CODE_ATTEMPTS`] wrong tries it is void).
    pub async fn open_request_download(&self, request_id: &str, code: &str) -> Result<Download, CoreError> {
        use subtle::ConstantTimeEq;
        let (region, r, e) = self.request_export(request_id).await?;
        let mut e = self.check_live(&region, e).await?;
        let wrong = || CoreError::validation("code", CODE_WRONG);
        let (Some(expected), Some(until)) = (e.code_hash.clone(), e.code_expires_at) else { return Err(wrong()) };
        if until <= self.cb.now() || e.code_attempts >= CODE_ATTEMPTS {
            return Err(wrong());
        }
        let code = code.trim();
        let ok =
            code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()) && self.code_hash(&e.id, code).ct_eq(&expected).unwrap_u8() == 1;
        if !ok {
            e.code_attempts += 1;
            if e.code_attempts >= CODE_ATTEMPTS {
                e.code_hash = None;
                e.code_expires_at = None;
            }
            region.rights.update_export_if(&e, "ready", None).await?;
            return Err(wrong());
        }
        e.code_hash = None;
        e.code_expires_at = None;
        if !region.rights.update_export_if(&e, "ready", None).await? {
            return Err(CoreError::ExportGone(GONE_REVOKED));
        }
        self.open_sealed(&region, &e, Actor::Subject(&r.requester_id)).await
    }
}

/// The answer to an access request made by the account holder: the copy waits in their privacy
/// centre, behind sign-in; no link in the message opens it.
pub fn answer_for_owner(lang: &str, base_url: &str, hours: u32) -> String {
    if lang == "fr" {
        format!(
            "Votre copie de vos données est prête : une archive ZIP avec data.json, un CSV par catégorie, vos médias d'origine et un README avec ce que la loi vous doit (finalités, catégories, destinataires, conservation, source, vos droits).\n\nPour votre sécurité, aucun lien de ce message n'ouvre l'archive : connectez-vous, puis téléchargez-la depuis votre centre de confidentialité dans les {hours} heures :\n{base_url}/me/privacy#download\n"
        )
    } else {
        format!(
            "Your copy of your data is ready: a ZIP archive with data.json, one CSV per category, your original media, and a README with what the law says you are owed (purposes, categories, recipients, retention, source, your rights).\n\nFor your safety no link in this message opens it: sign in, then download it from your privacy centre within {hours} hours:\n{base_url}/me/privacy#download\n"
        )
    }
}

/// The answer to an access request made by an agent or a parent (and confirmed by the person):
/// the page where a one-time code sent to their address opens the copy.
pub fn answer_for_requester(lang: &str, base_url: &str, request_id: &str, hours: u32) -> String {
    if lang == "fr" {
        format!(
            "La copie des données que vous avez demandée est prête, avec l'accord de la personne concernée.\n\nPour la télécharger, ouvrez cette page, demandez un code à usage unique (envoyé à cette adresse) et saisissez-le ; la copie peut être téléchargée pendant {hours} heures :\n{base_url}/privacy/requests/{request_id}/download\n"
        )
    } else {
        format!(
            "The copy of the data you asked for is ready, with the agreement of the person it is about.\n\nTo download it, open this page, ask for a one-time code (sent to this address) and enter it there; the copy can be downloaded for {hours} hours:\n{base_url}/privacy/requests/{request_id}/download\n"
        )
    }
}
