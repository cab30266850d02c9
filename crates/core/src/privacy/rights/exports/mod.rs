//! Access and portability exports (C-DSR-1, C-DSR-3) and imports of them (the portability
//! round trip).
//!
//! * A background job collects everything held about a person and the information they are
//!   owed into a sealed manifest (`archive`), sealed with their own key, so an erasure makes
//!   every export unreadable at once; the ZIP is streamed from it and from the sealed media at
//!   download time (`serve`, `zipwrite`, `sealed_read`; issue 21), never at rest in clear.
//! * Downloads (`download`, issue 11 finding 9): only by the signed-in owner (session cookie or
//!   bearer token of the same person; anyone else gets 404), through a plain path that holds no
//!   secret; for the policy's `export_link_hours` (24 by default) after the archive is ready. Signing out everywhere,
//!   changing the password ([`Exports::revoke_all`]) and erasure end every export of the person:
//!   the archive is deleted and its download answers 410. People who asked through an agent or
//!   as a parent have no account to sign in to: they re-verify their address with a one-time
//!   code, emailed and entered on a page, before the download starts.
//! * Imports (`import`, `zipread`, `spool`, issue 11 finding 2): streamed, bounded, at most
//!   [`IMPORT_MEMORY_BOUND`] held per import, one at a time per person.
//!
//! This module must not put a secret in a URL, keep plaintext of an archive on disk, or let a
//! revoked or expired export be read.

mod archive;
mod bounds;
mod cards;
mod csv;
mod download;
mod file_read;
mod import;
mod jobs;
mod plan;
mod readme;
mod sealed_read;
mod serve;
mod spool;
mod zipread;
mod zipwrite;

pub use bounds::{
    Budget, IMPORT_CONCURRENCY, IMPORT_LOCK_STALE, IMPORT_MAX_BOARDS, IMPORT_MAX_CARDS, IMPORT_MAX_COMMENTS, IMPORT_MAX_DIRECTORY,
    IMPORT_MAX_ENTRIES, IMPORT_MAX_FILE, IMPORT_MAX_JSON, IMPORT_MAX_NAME, IMPORT_MAX_PLAN, IMPORT_MAX_RATIO, IMPORT_MAX_TOTAL,
    IMPORT_MEMORY_BOUND, IMPORT_UPLOAD_MAX,
};
pub use download::{CODE_ATTEMPTS, CODE_TTL, CODES_PER_EXPORT, answer_for_owner, answer_for_requester};
pub use import::{ImportCheck, ImportLock, check_import, check_import_from};
pub use jobs::{EXPORT_SCHEMA, ExportView, Exports, FORMAT_VERSION, Revocation, link_ttl};
pub use serve::Download;
pub use spool::{Spool, SpoolReader};
