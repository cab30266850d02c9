//! Privacy: the policy made executable.
//!
//! It owns policy versions and acknowledgements, the consent ledger, navigation statistics
//! (only with consent, aggregated with k-anonymity and optional noise), retention (the
//! scheduler, legal holds), the catalogue of every stored personal field, and the rights
//! people exercise ([`rights`]: requests, deadlines, exports, erasure, the privacy centre).
//!
//! It must not reach into a room's storage other than through that room's port and the
//! category handlers in `rights::categories`; every category of the policy has an exporter,
//! an eraser and a retention rule, or is provably not stored (a test walks the policy).

pub mod ack_cache;
pub mod catalog;
pub mod consent;
pub mod navigation;
pub mod policy_versions;
pub mod retention;
pub mod rights;
