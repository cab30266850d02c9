//! Rights (GDPR chapter III, CCPA): one engine for every channel and kind.
//!
//! It owns the category handlers (how each category of the policy is exported and erased),
//! requests (verification, confirmation, deadlines, events), deadlines (calendar months,
//! business days, extensions), exports and imports (sealed ZIPs, bounded readers), erasure
//! (key destroyed first, then rows, blobs, physical clean-up, recipients told, a signed
//! receipt) and the privacy centre (what a person sees of all this).
//!
//! It must not store anything itself: rows go through the `RightsStore` port, blobs through
//! the blob store; decryption happens here and nowhere outside core.

pub mod categories;
pub mod deadlines;
pub mod erasure;
pub mod exports;
pub mod privacy_centre;
pub mod records;
pub mod requests;
