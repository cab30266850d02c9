//! How board content is sealed and opened: the authenticated context (table, column, row) of
//! every envelope, the organisation's key owner, the request-scoped key cache (each subject's
//! key read at most once per request), and the one place boards seal and open, which counts
//! what a request did when a [`Tally`] is in scope (issue 12, acceptance 6).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use clearboard_vault::{Aad, Dek, stream};

use crate::boards::layout::Zone;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, BoardId, CardId, CommentId, OrgId, SubjectId};
use crate::platform::keys::SubjectKeys;
use crate::platform::ports::AccountRow;

pub(super) fn card_aad(card: &CardId) -> Aad<'_> {
    Aad { table: "cards", column: "body", row: card.as_str() }
}

pub(super) fn media_aad(blob: &BlobId) -> Aad<'_> {
    Aad { table: "blobs", column: "card_media", row: blob.as_str() }
}

pub(super) fn comment_aad(c: &CommentId) -> Aad<'_> {
    Aad { table: "comments", column: "body", row: c.as_str() }
}

pub(super) fn pseudonym_aad(s: &SubjectId) -> Aad<'_> {
    Aad { table: "participants", column: "pseudonym", row: s.as_str() }
}

pub(super) fn account_aad<'a>(s: &'a SubjectId, column: &'static str) -> Aad<'a> {
    Aad { table: "accounts", column, row: s.as_str() }
}

pub(super) fn org_name_aad(o: &OrgId) -> Aad<'_> {
    Aad { table: "organisations", column: "name", row: o.as_str() }
}

pub(super) fn title_aad(b: &BoardId) -> Aad<'_> {
    Aad { table: "boards", column: "title", row: b.as_str() }
}

pub(super) fn legend_aad(b: &BoardId) -> Aad<'_> {
    Aad { table: "boards", column: "legend", row: b.as_str() }
}

fn zones_aad(b: &BoardId) -> Aad<'_> {
    Aad { table: "boards", column: "zones", row: b.as_str() }
}

/// The sealed form of a board's zones (`None` for none).
pub(super) fn seal_zones(okey: &Dek, board: &BoardId, zones: &[Zone]) -> Result<Option<Vec<u8>>, CoreError> {
    if zones.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_vec(zones).map_err(|_| CoreError::Internal("zones"))?;
    Ok(Some(seal(okey, zones_aad(board), &json)?))
}

/// A board's zones, opened with the organisation's key.
pub(super) fn open_zones(okey: &Dek, board: &BoardId, sealed: Option<&[u8]>) -> Result<Vec<Zone>, CoreError> {
    let Some(sealed) = sealed else { return Ok(Vec::new()) };
    let bytes = open(okey, zones_aad(board), sealed)?;
    serde_json::from_slice(&bytes).map_err(|_| CoreError::Internal("stored zones are not valid"))
}

/// The key owner id of an organisation (organisations have keys like people do).
pub(crate) fn org_key_owner(org: &OrgId) -> SubjectId {
    SubjectId::from_stored(format!("org:{org}"))
}

/// What a piece of work sealed and opened, each as `table.column`, in order. Counted only
/// while [`tallied`] runs it (a test of the card path); otherwise noting costs one task-local
/// lookup per envelope.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub sealed: Vec<String>,
    pub opened: Vec<String>,
}

tokio::task_local! {
    static TALLY: RefCell<Tally>;
}

/// Runs `work`, counting every envelope and media stream of boards it seals and opens (the
/// work must not move them to other tasks; the card path does not).
pub async fn tallied<F: Future>(work: F) -> (F::Output, Tally) {
    TALLY
        .scope(RefCell::new(Tally::default()), async move {
            let out = work.await;
            (out, TALLY.with(RefCell::take))
        })
        .await
}

fn note(aad: &Aad<'_>, sealed: bool) {
    let _ = TALLY.try_with(|t| {
        let mut t = t.borrow_mut();
        let what = format!("{}.{}", aad.table, aad.column);
        if sealed { t.sealed.push(what) } else { t.opened.push(what) }
    });
}

pub(super) fn seal_str(dek: &Dek, aad: Aad<'_>, plaintext: &str) -> Result<Vec<u8>, CoreError> {
    note(&aad, true);
    Ok(dek.seal_str(aad, plaintext)?)
}

pub(super) fn seal(dek: &Dek, aad: Aad<'_>, plaintext: &[u8]) -> Result<Vec<u8>, CoreError> {
    note(&aad, true);
    Ok(dek.seal(aad, plaintext)?)
}

pub(super) fn open_string(dek: &Dek, aad: Aad<'_>, envelope: &[u8]) -> Result<String, CoreError> {
    note(&aad, false);
    Ok(dek.open_string(aad, envelope)?)
}

pub(super) fn open(dek: &Dek, aad: Aad<'_>, envelope: &[u8]) -> Result<clearboard_vault::SecretBytes, CoreError> {
    note(&aad, false);
    Ok(dek.open(aad, envelope)?)
}

/// Seals an uploaded medium as a stream (`clearboard_vault::stream`).
pub(super) fn seal_media(dek: &Dek, blob: &BlobId, plaintext: &[u8]) -> Result<Vec<u8>, CoreError> {
    let aad = media_aad(blob);
    note(&aad, true);
    Ok(stream::seal(dek, aad, plaintext)?)
}

pub(super) fn open_media(dek: &Dek, blob: &BlobId, sealed: &[u8]) -> Result<clearboard_vault::SecretBytes, CoreError> {
    let aad = media_aad(blob);
    note(&aad, false);
    Ok(stream::open(dek, aad, sealed)?)
}

/// The keys one request uses, each read from the region's key store (through
/// [`SubjectKeys`]) at most once: the author's key seals a card and opens the author's name
/// with one read. The names opened are kept for the request too (a board's snapshot names
/// each author once, not once per card).
pub(crate) struct KeyCache<'a> {
    subject_keys: SubjectKeys<'a>,
    region: &'a RegionHandle,
    keys: HashMap<SubjectId, Option<Arc<Dek>>>,
    names: HashMap<SubjectId, String>,
    /// Account rows read beforehand (`None`: no account), opened only if a name is shown.
    accounts: HashMap<SubjectId, Option<AccountRow>>,
}

impl<'a> KeyCache<'a> {
    pub(crate) fn new(subject_keys: SubjectKeys<'a>, region: &'a RegionHandle) -> Self {
        Self { subject_keys, region, keys: HashMap::new(), names: HashMap::new(), accounts: HashMap::new() }
    }

    /// A name this request opened already.
    pub(crate) fn name(&self, s: &SubjectId) -> Option<&str> {
        self.names.get(s).map(String::as_str)
    }

    /// Keeps a name opened for the rest of the request.
    pub(crate) fn keep_name(&mut self, s: &SubjectId, name: &str) {
        self.names.insert(s.clone(), name.to_owned());
    }

    /// The region the keys are read from.
    pub(crate) fn region(&self) -> &'a RegionHandle {
        self.region
    }

    /// The subject's key, or `None` once it is destroyed.
    pub(crate) async fn get(&mut self, s: &SubjectId) -> Result<Option<Arc<Dek>>, CoreError> {
        if let Some(k) = self.keys.get(s) {
            return Ok(k.clone());
        }
        let k = read_key(self.subject_keys, self.region, s).await?;
        self.keys.insert(s.clone(), k.clone());
        Ok(k)
    }

    /// The subject's key; `Erased` once it is destroyed.
    pub(crate) async fn current(&mut self, s: &SubjectId) -> Result<Arc<Dek>, CoreError> {
        self.get(s).await?.ok_or(CoreError::Erased)
    }

    /// Keeps a key read beforehand (`None`: destroyed) for the rest of the request.
    pub(crate) fn keep_key(&mut self, s: &SubjectId, k: Option<Arc<Dek>>) {
        self.keys.insert(s.clone(), k);
    }

    /// Keeps an account row read beforehand (`None`: the subject holds no account).
    pub(crate) fn keep_account(&mut self, s: &SubjectId, a: Option<AccountRow>) {
        self.accounts.insert(s.clone(), a);
    }

    /// The account row read beforehand, if it was (then it is no longer kept).
    pub(crate) fn take_account(&mut self, s: &SubjectId) -> Option<Option<AccountRow>> {
        self.accounts.remove(s)
    }
}

/// Reads a subject's key as [`KeyCache::get`] does, on its own (beside other reads of the same
/// request, before its cache exists): `None` once destroyed.
pub(crate) async fn read_key(keys: SubjectKeys<'_>, region: &RegionHandle, s: &SubjectId) -> Result<Option<Arc<Dek>>, CoreError> {
    match keys.current(region, s).await {
        Ok(k) => Ok(Some(Arc::new(k))),
        Err(CoreError::Erased) => Ok(None),
        Err(e) => Err(e),
    }
}
