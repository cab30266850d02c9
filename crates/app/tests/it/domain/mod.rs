//! The domain suite: the rules of accounts, sessions, consent and statistics, retention and
//! rights requests with their deadlines, proven through the core services in process
//! (`clearboard_testkit::Domain`: in-memory SQLite or PostgreSQL, the simulated clock, a mail
//! outbox), with no HTTP server and no socket. Every test runs on both backends. What these
//! rules look like over HTTP (status codes, error bodies, cookies, headers, pages) is proven
//! by the HTTP tests beside this folder.
//!
//! `cargo test -p clearboard-app --test it domain::` runs it alone.

mod accounts;
mod consent;
mod mail_lang;
mod outreach;
mod programmes;
mod requests;
mod retention;
mod sessions;
mod support;

pub use super::{Backend, both, canary, canary_email};
pub use clearboard_core::CoreError;
pub use clearboard_testkit::{Domain, DomainOptions};
pub use zeroize::Zeroizing;

/// A harness whose SQLite stores are files (for the tests that scan the disk).
pub async fn on_disk(b: Backend) -> Domain {
    Domain::with(b, DomainOptions { on_disk: true, ..Default::default() }).await
}

/// Page views of each of `visitors` (22-character ids) on each of `pages`, recorded as the web
/// layer records them for visitors who accepted statistics (without GPC). Returns the ids.
pub async fn seed_visits(cb: &clearboard_core::Clearboard, visitors: &[&str], pages: &[&str]) -> Vec<String> {
    for visitor_id in visitors {
        for page in pages {
            let visit = clearboard_core::privacy::navigation::Visit {
                visitor_id,
                ip: std::net::IpAddr::from([192, 0, 2, 7]),
                user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36",
                accept_language: "en-GB,en;q=0.9",
                page,
            };
            cb.navigation().record(visit).await.unwrap();
        }
    }
    visitors.iter().map(|v| (*v).to_string()).collect()
}
