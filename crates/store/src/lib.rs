//! Storage: the SQLite and PostgreSQL implementations of core's ports, their migrations, and
//! the local blob store, in the rooms of the domain: `platform` (connections, migrations, the
//! audit chain, the key store, blob stores, the directory, the region store and the storage
//! layout), `identity`, `boards`, `privacy`, `business` and `integrations`, each implementing that room's ports.
//!
//! One SQL text serves both backends (`$N` placeholders, BIGINT milliseconds, TEXT ids, BLOB or
//! BYTEA envelopes): the `tx!` and `conn!` macros expand a body once per backend, so each arm
//! is type-checked against its own driver. Dialect differences (locks, DDL) stay in small
//! per-backend branches. Nothing outside this crate writes SQL.

#[macro_use]
pub mod platform;
pub mod boards;
pub mod business;
pub mod identity;
pub mod integrations;
pub mod privacy;

pub use platform::db::{Backend, Db};
pub use platform::layout::{Layout, Opened, RegionLocation};
