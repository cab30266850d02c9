//! Who is asking: a person whose session token checked out, with the region that holds their
//! data. Every room takes a `Principal` and decides for itself what it may do; this file
//! decides nothing.

use crate::platform::ids::{RegionId, SubjectId};

/// Who is making a request, once their token checked out.
#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: SubjectId,
    pub region: RegionId,
    pub token_hash: Vec<u8>,
}
