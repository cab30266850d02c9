//! Integrations (issue 19; C-SCOPE-2, C-3P-1): third-party services a person connects, Google
//! Drive first.
//!
//! * `spec`: the shape of a declaration; `records`: the category's export and erasure.
//! * `framework`: what every integration declares in code (provider, exact scopes, purpose,
//!   category), checked against the policy's `[[integrations]]` at start (the registry's
//!   agreement check refuses a mismatch); the service `cb.integrations()`: the list a person
//!   sees, disconnecting (revoked at the provider, tokens deleted), erasure and export.
//! * `oauth`: the authorization code flow with PKCE (S256) and a one-time state (CSRF), the
//!   tokens sealed with the person's key, refreshed when they expire.
//! * `google_drive`: the Drive import: the files the person picked, and only those, fetched,
//!   typed by content, stripped and sealed by the board media path, placed as cards; a job
//!   with progress and a result per file.
//!
//! Limited Use (Google API Services User Data Policy): Drive data (names, types, contents,
//! file ids) goes to the chosen board and nowhere else: it is never logged, counted, sent, or
//! shown to staff; the per-file results are sealed with the person's key. Nothing here may
//! call the network but through the `GoogleApi` port. No file here names this one.

pub mod framework;
pub mod google_drive;
pub mod oauth;
pub mod records;
pub mod spec;
