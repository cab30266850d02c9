//! Storage: the SQLite and PostgreSQL implementations of core's ports, their migrations, and
//! the local blob store.
//!
//! One SQL text serves both backends (`$N` placeholders, BIGINT milliseconds, TEXT ids, BLOB or
//! BYTEA envelopes): the `tx!` and `conn!` macros expand a body once per backend, so each arm
//! is type-checked against its own driver. Dialect differences (locks, DDL) stay in small
//! per-backend branches. Nothing outside this crate writes SQL.

#[macro_use]
pub mod db;
#[macro_use]
pub mod audit;
pub mod blobs;
pub mod boards;
pub mod consent;
pub mod directory;
pub mod keys;
pub mod layout;
pub mod migrate;
pub mod region;
pub mod rights;

pub use db::{Backend, Db};
pub use layout::{Layout, Opened, RegionLocation};
