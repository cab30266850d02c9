//! The bounds of an import (issue 11, finding 2), in one place: what an archive may hold
//! (files, names, sizes, ratios, cards, boards), the memory one import may hold, and the
//! [`Budget`] that measures it at run time. The sums are checked at compile time in `plan`.

use super::zipread::Limits;
use crate::platform::clock::{MINUTE, Millis};

/// The most one import holds in memory at any moment (see the module's header).
pub const IMPORT_MEMORY_BOUND: usize = 64 * MIB;
/// The largest upload (spooled, sealed, on disk; never in memory).
pub const IMPORT_UPLOAD_MAX: u64 = 1 << 30;
/// Files in an archive.
pub const IMPORT_MAX_ENTRIES: u64 = 10_000;
/// Bytes of a file name in an archive.
pub const IMPORT_MAX_NAME: usize = 255;
/// Bytes of the archive's directory (read as a stream, not held).
pub const IMPORT_MAX_DIRECTORY: u64 = 4 * MIB as u64;
/// Uncompressed bytes of `data.json`.
pub const IMPORT_MAX_JSON: u64 = 16 * MIB as u64;
/// Uncompressed bytes of any other file: the largest media a card may hold (a video).
pub const IMPORT_MAX_FILE: u64 = crate::boards::VIDEO_MAX_BYTES as u64;
/// Uncompressed bytes of the whole archive.
pub const IMPORT_MAX_TOTAL: u64 = 2 << 30;
/// Compression ratio refused per file and for the archive (after the first MiB).
pub const IMPORT_MAX_RATIO: u64 = 100;
/// Cards and boards read from `data.json`.
pub const IMPORT_MAX_CARDS: usize = 10_000;
pub const IMPORT_MAX_BOARDS: usize = 1_000;
/// The person's comments read from `data.json` (restored on the cards imported).
pub const IMPORT_MAX_COMMENTS: usize = 10_000;
/// Bytes of the plan read from `data.json` (board titles, card texts, links…).
pub const IMPORT_MAX_PLAN: usize = 8 * MIB;
/// Imports running at once in one process (each within [`IMPORT_MEMORY_BOUND`]).
pub const IMPORT_CONCURRENCY: usize = 2;
/// A person's import lock left by a process that died is taken over after this long.
pub const IMPORT_LOCK_STALE: Millis = 30 * MINUTE;

pub(super) const MIB: usize = 1024 * 1024;
/// Read and inflate buffers, the spool's two segments, the end-record search: under 1 MiB.
pub(super) const BUFFERS: usize = MIB;

/// The limits an import reads archives with.
pub const LIMITS: Limits = Limits {
    max_entries: IMPORT_MAX_ENTRIES,
    max_name: IMPORT_MAX_NAME,
    max_directory: IMPORT_MAX_DIRECTORY,
    max_entry: IMPORT_MAX_FILE,
    max_total: IMPORT_MAX_TOTAL,
    max_ratio: IMPORT_MAX_RATIO,
    ratio_floor: MIB as u64,
};

/// The memory an import holds, as it charges and releases it; `peak` is its high-water mark.
#[derive(Debug, Default, Clone, Copy)]
pub struct Budget {
    held: usize,
    pub peak: usize,
}

impl Budget {
    pub(super) fn charge(&mut self, n: usize) {
        self.held += n;
        self.peak = self.peak.max(self.held + BUFFERS);
    }

    pub(super) fn release(&mut self, n: usize) {
        self.held = self.held.saturating_sub(n);
    }
}
