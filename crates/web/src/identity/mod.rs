//! Identity on the web: the accounts, sessions, profile, picture and staff API, and the
//! sign-up, sign-in, activation and profile pages. Handlers parse, call `cb.accounts()`,
//! `cb.sessions()` or `cb.staff()`, and render; the rules are core's.

pub mod activation;
pub mod api;
pub mod cookies;
pub mod departure;
pub mod pages;
pub mod receipts_shown;
