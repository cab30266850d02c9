//! Subject keys: one data-encryption key per person, wrapped by the KEK in the region's key
//! store. Destroying it (crypto-shredding) makes every envelope of that person unreadable at
//! once, whatever the volume of data, and leaves a tombstone (C-RET-2, R29).

use clearboard_vault::{Dek, KeyId};

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;

/// The key id every subject's first key gets.
pub const FIRST_KEY: KeyId = KeyId(1);

/// Access to subjects' keys.
pub struct SubjectKeys<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn keys(&self) -> SubjectKeys<'_> {
        SubjectKeys { cb: self }
    }
}

impl SubjectKeys<'_> {
    /// Creates and stores the first key of a new subject.
    pub async fn create(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Dek, CoreError> {
        let dek = Dek::generate(FIRST_KEY)?;
        let wrapped = dek.wrap(&self.cb.inner.ring, subject.as_str())?;
        region.keys.put(subject, FIRST_KEY.0, &wrapped, self.cb.now()).await?;
        Ok(dek)
    }

    /// The subject's key `key_id`; `Erased` once it has been destroyed.
    pub async fn get(&self, region: &RegionHandle, subject: &SubjectId, key_id: KeyId) -> Result<Dek, CoreError> {
        match region.keys.get(subject, key_id.0).await? {
            Some(wrapped) => Ok(Dek::unwrap(&self.cb.inner.ring, subject.as_str(), key_id, &wrapped)?),
            None => Err(CoreError::Erased),
        }
    }

    /// The subject's current key.
    pub async fn current(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Dek, CoreError> {
        self.get(region, subject, FIRST_KEY).await
    }

    /// Crypto-shreds a subject: destroys every key and records the tombstone.
    pub async fn shred(&self, region: &RegionHandle, subject: &SubjectId) -> Result<(), CoreError> {
        region.keys.destroy(subject, self.cb.now()).await?;
        Ok(())
    }
}
