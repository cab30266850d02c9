//! Identifiers: UUIDv7 text whose time part comes from the injected clock and whose remaining
//! 74 bits are random, so ids are unguessable and authorisation never relies on them being secret.

use serde::{Deserialize, Serialize};

use crate::platform::clock::Millis;
use crate::platform::error::CoreError;

/// A new UUIDv7 at `now`.
pub fn new_uuid(now: Millis) -> Result<uuid::Uuid, CoreError> {
    let rnd = clearboard_vault::random::bytes::<10>()?;
    let ms = u64::try_from(now).unwrap_or(0);
    Ok(uuid::Builder::from_unix_timestamp_millis(ms, &rnd).into_uuid())
}

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(now: Millis) -> Result<Self, CoreError> {
                Ok(Self(new_uuid(now)?.to_string()))
            }
            /// Accepts only canonical UUID text, so ids from URLs cannot smuggle anything.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::try_parse(s).ok().map(|u| Self(u.to_string()))
            }
            /// Wraps a value read back from storage.
            pub fn from_stored(s: String) -> Self {
                Self(s)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A person whose data the system holds (account holder, participant, contact…).
    SubjectId
);
id_type!(
    /// A stored blob (picture, media, export).
    BlobId
);
id_type!(
    /// An organisation (workspace).
    OrgId
);
id_type!(
    /// A board.
    BoardId
);
id_type!(
    /// A card ("idea") on a board.
    CardId
);
id_type!(
    /// A comment on a card.
    CommentId
);

/// A region (`eu`, `us`): where a subject's data lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionId(String);

impl RegionId {
    pub fn new(s: &str) -> Self {
        Self(s.to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RegionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_from_the_given_time_and_unique() {
        let a = SubjectId::new(1_764_000_000_000).unwrap();
        let b = SubjectId::new(1_764_000_000_000).unwrap();
        assert_ne!(a, b);
        let u = uuid::Uuid::parse_str(a.as_str()).unwrap();
        assert_eq!(u.get_version_num(), 7);
        let (secs, _) = u.get_timestamp().unwrap().to_unix();
        assert_eq!(secs, 1_764_000_000);
        assert!(SubjectId::parse("../etc").is_none());
        assert_eq!(SubjectId::parse(a.as_str()), Some(a));
    }
}
