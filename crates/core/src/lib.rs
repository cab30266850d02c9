//! The clearboard domain, in rooms by concern (see `docs/ARCHITECTURE.md`):
//!
//! - [`platform`]: what every room stands on: the clock, ids, errors, subject keys, the audit
//!   log, mail, throttles, media sanitising, input rules, the ports (traits the stores
//!   implement) and the assembled context.
//! - [`identity`]: accounts, activation, sessions, passwords, staff and the staff gate.
//! - [`boards`]: organisations, boards, cards, reactions, comments, participants, real time.
//! - [`privacy`]: policy versions, consent, navigation statistics, retention, the catalogue
//!   of stored fields, and the rights (requests, deadlines, exports, erasure, privacy centre).
//! - [`business`]: the organisation's own activity: the support desk, billing and outreach (newsletters,
//!   invitations, notices); programmes to come.
//! - [`integrations`]: the integration framework, OAuth with PKCE, and Google Drive import.
//!
//! It holds the rules: validation, purpose guards, encryption of personal fields, audit
//! entries. It must not know HTTP or SQL (no axum, no sqlx): storage is reached through the
//! ports, and only this crate decrypts.
//!
//! Inside the crate, code names the file it uses (`crate::platform::context::Clearboard`,
//! not the re-exports below), so the module graph stays free of cycles (checked by the suite).

pub mod boards;
pub mod business;
pub mod identity;
pub mod integrations;
pub mod platform;
pub mod privacy;

pub use platform::context::{Clearboard, RegionHandle, RegionStores, Settings};
pub use platform::error::CoreError;
pub use platform::error_codes::ErrorCode;
