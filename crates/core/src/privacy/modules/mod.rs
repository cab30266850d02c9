//! The module registry (C-DATA-9, C-USE-1): every processing activity is a module that declares
//! what it implements (data subjects, categories with their exporter and eraser, purposes,
//! recipients, retention rules and their enforcement, cookies, integrations) and classifies
//! every column of every table it owns. Start-up and `clearboard policy check` compare the
//! enabled modules with the policy and refuse any disagreement; the schema test compares the
//! declared tables with the real databases and fails on an unclassified column.
//!
//! - `model`: the shape of a declaration; `registry`: the list, switches, the comparison.
//! - `identity`, `boards`, `privacy`, `platform`, `business` (support, billing), `outreach`, `programmes`, `careers`, `integrations`: today's modules, one file per room, each
//!   with the exporters and erasers of the categories it stores.
//!
//! A new activity adds its module here; until it does, the policy cannot declare what it
//! would do.

pub mod boards;
pub mod business;
pub mod careers;
pub mod identity;
pub mod integrations;
pub mod model;
pub mod outreach;
pub mod platform;
pub mod privacy;
pub mod programmes;
pub mod registry;
