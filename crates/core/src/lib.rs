//! The clearboard domain.
//!
//! One module per concern of the policy: accounts, sessions, staff access, the audit log and
//! the subject keys. It defines the ports it needs (`ports`: region stores, key stores, the
//! directory, blob stores) and the injected `Clock`. It holds the rules: validation, purpose
//! guards, encryption of personal fields, audit entries. It must not know HTTP or SQL.

pub mod accounts;
pub mod activation;
pub mod audit;
pub mod boards;
pub mod catalog;
pub mod clock;
pub mod consent;
pub mod context;
pub mod deadlines;
pub mod erasure;
pub mod error;
pub mod exports;
pub mod ids;
pub mod keys;
pub mod mail;
pub mod media;
pub mod navigation;
pub mod password;
pub mod password_strength;
pub mod policy_versions;
pub mod ports;
pub mod privacy_centre;
pub mod realtime;
pub mod requests;
pub mod retention;
pub mod rights;
pub mod sessions;
pub mod staff;
pub mod throttle;
pub mod validate;

pub use context::{Clearboard, RegionHandle, Settings};
pub use error::CoreError;
