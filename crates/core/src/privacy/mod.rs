//! Privacy: the policy made executable.
//!
//! It owns policy versions and acknowledgements, the consent ledger, navigation statistics
//! (only with consent, aggregated with k-anonymity and optional noise), retention (the
//! scheduler, legal holds), the catalogue of every stored personal field, and the rights
//! people exercise ([`rights`]: requests, deadlines, exports, erasure, the privacy centre).
//!
//! It also owns the module registry ([`modules`]): what each processing activity implements,
//! compared with the policy at start-up and by `clearboard policy check`.
//!
//! It must not reach into a room's storage other than through that room's port and the
//! category handlers the modules register; every category of the policy is stored by an
//! enabled module with an exporter, an eraser and the enforcement of its retention rules.

pub mod ack_cache;
pub mod catalog;
pub mod consent;
pub mod modules;
pub mod navigation;
pub mod policy_versions;
pub mod retention;
pub mod rights;
pub mod transfers;
pub mod visitors;
