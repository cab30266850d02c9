//! How board content is sealed: the authenticated context (table, column, row) of every
//! envelope, the organisation's key owner, and a cache of the keys one request opens.

use std::collections::HashMap;
use std::sync::Arc;

use clearboard_vault::{Aad, Dek};

use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, BoardId, CardId, CommentId, OrgId, SubjectId};
use crate::platform::keys::SubjectKeys;

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

pub(super) fn org_name_aad(o: &OrgId) -> Aad<'_> {
    Aad { table: "organisations", column: "name", row: o.as_str() }
}

pub(super) fn title_aad(b: &BoardId) -> Aad<'_> {
    Aad { table: "boards", column: "title", row: b.as_str() }
}

pub(super) fn legend_aad(b: &BoardId) -> Aad<'_> {
    Aad { table: "boards", column: "legend", row: b.as_str() }
}

/// The key owner id of an organisation (organisations have keys like people do).
pub(crate) fn org_key_owner(org: &OrgId) -> SubjectId {
    SubjectId::from_stored(format!("org:{org}"))
}

/// Decryption keys fetched once per request (from the region's key store, through
/// [`SubjectKeys`]).
pub(crate) struct KeyCache<'a> {
    subject_keys: SubjectKeys<'a>,
    region: &'a RegionHandle,
    keys: HashMap<SubjectId, Option<Arc<Dek>>>,
}

impl<'a> KeyCache<'a> {
    pub(crate) fn new(subject_keys: SubjectKeys<'a>, region: &'a RegionHandle) -> Self {
        Self { subject_keys, region, keys: HashMap::new() }
    }

    /// The key access behind the cache (for reads the cache does not keep).
    pub(crate) fn subject_keys(&self) -> SubjectKeys<'a> {
        self.subject_keys
    }

    /// The subject's key, or `None` once it is destroyed.
    pub(crate) async fn get(&mut self, s: &SubjectId) -> Result<Option<Arc<Dek>>, CoreError> {
        if let Some(k) = self.keys.get(s) {
            return Ok(k.clone());
        }
        let k = match self.subject_keys.current(self.region, s).await {
            Ok(k) => Some(Arc::new(k)),
            Err(CoreError::Erased) => None,
            Err(e) => return Err(e),
        };
        self.keys.insert(s.clone(), k.clone());
        Ok(k)
    }
}
