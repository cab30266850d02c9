//! The test kit: a real clearboard on port 0 with a temporary data dir and a simulated clock,
//! on SQLite or PostgreSQL (databases created per test and dropped after), canaries and a
//! forensic byte scanner that knows nothing of the schema, the store conformance suite, and the
//! house rules checked on the source tree (`house`).
//!
//! PostgreSQL comes from `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! When it cannot be reached the PostgreSQL half of each test is skipped, except with
//! `CI=true`, where that is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod catalogue;
pub mod conformance;
pub mod decrypting;
pub mod deps;
pub mod house;
pub use clearboard_app::forensics;
pub mod logs;
pub mod pg;
pub mod smtp;
pub mod spawn;
pub mod tools;
pub mod ws;

pub use smtp::{ReceivedMail, SmtpSink};
pub use spawn::{Backend, Options, TestApp, spawn_app, spawn_with};

/// A unique marker value for canary tests: easy to grep, never a real datum.
pub fn canary(tag: &str) -> String {
    let r = clearboard_vault::random::bytes::<6>().map(hex::encode).unwrap_or_default();
    let value = format!("Cnry{tag}{r}");
    logs::plant(&value);
    value
}

/// A canary email address.
pub fn canary_email(tag: &str) -> String {
    format!("{}@example.test", canary(tag).to_lowercase())
}

/// Runs a test body on both backends: `both!(name, |backend| async move { … })` defines
/// `name_sqlite` and `name_postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !$crate::pg::available().await {
                    return;
                }
                ($body)($crate::Backend::Postgres).await;
            }
        }
    };
}
