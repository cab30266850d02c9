//! What every room's storage stands on: connections and the one-SQL-text macros (`db`),
//! migrations, the audit chain appended inside each write transaction (`audit`), the key
//! store (kept in its own database), the local blob store, the directory, the region store
//! (the struct every room's port is implemented on, its audit chain), the layout that
//! opens them all, and the introspection of the real schema (`schema`). It must not hold a
//! room's queries: those live in the room's folder.

#[macro_use]
pub mod db;
#[macro_use]
pub mod audit;
pub mod backup;
pub mod blobs;
pub mod bulk;
pub mod cluster;
pub mod counters;
pub mod directory;
pub mod keys;
pub mod layout;
pub mod migrate;
pub mod region;
pub mod schema;
