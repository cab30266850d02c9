//! Business: the modules of the organisation's own activity. Today: `outreach` (newsletters,
//! event invitations, phone-marketing lists, written notices of policy changes).
//!
//! What goes here: billing (contracts, invoices), support (assistance requests), outreach
//! (newsletters, invitations, notices) and programmes (events, visits, trainings, careers).
//! Each module follows the rules every processing activity follows:
//!
//! - it registers with the policy frame what it implements (categories with each column's
//!   classification, purposes, recipients, retention triggers, cookies), so the published
//!   notice and the software cannot disagree (the registry comes with the policy-frame issue);
//! - every person it holds data about is a subject with their own key, and personal fields
//!   are sealed with it (crypto-shredding erases them);
//! - it provides an exporter and an eraser for each of its categories (see
//!   `privacy::rights::categories`), a retention rule, and entries in the stored-fields
//!   catalogue (`privacy::catalog`);
//! - it reaches storage only through a port of its own in `platform::ports` (no SQL here)
//!   and knows no HTTP (no axum): its routes live in `clearboard-web`.

pub mod outreach;
