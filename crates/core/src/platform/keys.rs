//! Subject keys: one data-encryption key per person, wrapped by the KEK in the region's key
//! store. Destroying it (crypto-shredding) makes every envelope of that person unreadable at
//! once, whatever the volume of data, and leaves a tombstone (C-RET-2, R29).

use clearboard_vault::{Dek, KeyId, Keyring};

use crate::platform::clock::Clock;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;

/// The key id every subject's first key gets.
pub const FIRST_KEY: KeyId = KeyId(1);

/// Access to subjects' keys: the key-encryption keyring that wraps them and the clock that
/// dates them; the key store itself is the region's (`region.keys`), given per call.
#[derive(Clone, Copy)]
pub struct SubjectKeys<'a> {
    ring: &'a Keyring,
    clock: &'a dyn Clock,
    /// The domain, to forget a shredded subject in memory here and on the other nodes.
    cb: Option<&'a Clearboard>,
}

impl Clearboard {
    pub fn keys(&self) -> SubjectKeys<'_> {
        SubjectKeys { cb: Some(self), ..SubjectKeys::new(&self.inner.ring, &*self.inner.clock) }
    }
}

impl<'a> SubjectKeys<'a> {
    pub fn new(ring: &'a Keyring, clock: &'a dyn Clock) -> Self {
        Self { ring, clock, cb: None }
    }

    /// Creates and stores the first key of a new subject.
    pub async fn create(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Dek, CoreError> {
        let dek = Dek::generate(FIRST_KEY)?;
        let wrapped = dek.wrap(self.ring, subject.as_str())?;
        region.keys.put(subject, FIRST_KEY.0, &wrapped, self.clock.now_ms()).await?;
        Ok(dek)
    }

    /// The subject's key `key_id`; `Erased` once it has been destroyed.
    pub async fn get(&self, region: &RegionHandle, subject: &SubjectId, key_id: KeyId) -> Result<Dek, CoreError> {
        match crate::platform::memo::wrapped_key(region, subject, key_id.0).await? {
            Some(wrapped) => Ok(Dek::unwrap(self.ring, subject.as_str(), key_id, &wrapped)?),
            None => Err(CoreError::Erased),
        }
    }

    /// The subject's current key.
    pub async fn current(&self, region: &RegionHandle, subject: &SubjectId) -> Result<Dek, CoreError> {
        self.get(region, subject, FIRST_KEY).await
    }

    /// Crypto-shreds a subject: destroys every key and records the tombstone.
    pub async fn shred(&self, region: &RegionHandle, subject: &SubjectId) -> Result<(), CoreError> {
        region.keys.destroy(subject, self.clock.now_ms()).await?;
        if let Some(cb) = self.cb {
            cb.inner.acks.forget(subject);
            cb.inner.hub.notify(crate::platform::bus::Notice::Erased { subject: subject.clone() });
        }
        Ok(())
    }
}
