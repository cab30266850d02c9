//! Outreach (issue 17; C-USE-2, C-USE-3, C-RET-4, C-RET-5, C-CHG-3): newsletters, event
//! invitations and phone-marketing lists with double opt-in and its proof, campaigns gated by
//! consent at send time, one-click unsubscribe (RFC 8058), the three-year rule, and the
//! written notice of significant policy versions.
//!
//! - `lists`: the lists, the purpose and category they serve, the confirmation window;
//! - `tokens`: the per-recipient links (unsubscribe, read online), MACed, never stored;
//! - `contacts`: subscribing, confirming from the mailbox, unsubscribing, bounces, the
//!   scheduler's purges, erasing a contact;
//! - `markdown`: the campaigns' Markdown, rendered to HTML and plain text;
//! - `campaigns`: writing, previewing, test-sending, scheduling and sending (a resumable,
//!   rate-limited job, idempotent per recipient);
//! - `bounces`: hard bounces read from delivery status notifications (no more mail);
//! - `calls`: the phone-marketing call list, exported by marketing staff through the gate,
//!   audited per person;
//! - `notices`: the email every account holder receives once per significant policy version;
//! - `records`: what the exporter and eraser of the `newsletter` category read and delete.
//!
//! Reaches storage only through `platform::ports::OutreachStore` and the consent ledger; no
//! SQL, no HTTP.

pub mod bounces;
pub mod calls;
pub mod campaigns;
pub mod contacts;
pub mod lists;
pub mod markdown;
pub mod notices;
pub mod records;
pub mod tokens;
