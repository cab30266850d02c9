//! The test kit: the in-process domain harness (`domain`: core services on in-memory SQLite or
//! PostgreSQL, the simulated clock, a mail outbox; no server), a real clearboard on port 0
//! (`spawn`) for what needs HTTP, SQLite or PostgreSQL databases created per test and dropped
//! after (`pg`), an SMTP server in Rust (`smtp`), canaries and a forensic byte scanner that
//! knows nothing of the schema, an emulator of the Google endpoints the Drive import calls
//! (`google`), an S3-compatible server for blobs (`s3`: moto, the PostgreSQL halves' blob store),
//! the conformance suites of every storage port (`conformance`),
//! and the house rules checked on the source tree (`house`).
//!
//! PostgreSQL comes from `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! A missing dependency (PostgreSQL, a system tool, a PyPI tool) fails the test that needs it
//! and says how to install it, unless `CLEARBOARD_TEST_SKIP` names it; then the skip is printed
//! at once and summarised when the test process exits (`deps`). With `CI=true` nothing is
//! skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod catalogue;
pub mod cluster;
pub mod conformance;
pub mod decrypting;
pub mod deps;
pub mod domain;
pub mod garage;
pub mod google;
pub mod haproxy;
pub mod house;
pub use clearboard_app::forensics;
pub mod logs;
pub mod media;
pub mod pg;
pub mod s3;
pub mod smtp;
pub mod spawn;
pub mod stripe;
pub mod tools;
pub mod ws;

pub use domain::{Domain, DomainOptions, Person};
pub use smtp::{ReceivedMail, SmtpSink};
pub use spawn::{Backend, Options, TestApp, spawn_app, spawn_with};

/// A unique marker value for canary tests: easy to grep, never a real datum.
pub fn canary(tag: &str) -> String {
    let r = clearboard_vault::random::bytes::<6>().map(hex::encode).unwrap_or_default();
    let value = format!("Cnry{tag}{r}");
    logs::plant(&value);
    value
}

/// A canary payment-card number: 16 random digits (after a `4`) passing the Luhn check, planted
/// in its plain, spaced and dashed writings (the log hygiene scan looks for all three).
pub fn canary_card() -> String {
    let r = clearboard_vault::random::bytes::<15>().unwrap_or_default();
    let mut digits: Vec<u8> = std::iter::once(4).chain(r.iter().take(14).map(|b| b % 10)).collect();
    let check = (0..10).find(|c| {
        let mut d = digits.clone();
        d.push(*c);
        clearboard_core::platform::card_numbers::luhn(&d)
    });
    digits.push(check.unwrap_or(0));
    let plain: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let groups: Vec<&str> = (0..4).map(|i| &plain[i * 4..i * 4 + 4]).collect();
    for v in [plain.clone(), groups.join(" "), groups.join("-")] {
        logs::plant(&v);
    }
    plain
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
                if !$crate::pg::require(module_path!()).await {
                    return;
                }
                ($body)($crate::Backend::Postgres).await;
            }
        }
    };
}
