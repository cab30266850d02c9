//! Business: the modules of the organisation's own activity. Today: the support desk
//! (`support`: assistance requests from anyone, tickets, email both ways), billing
//! (`billing`: contracts, billing contacts, plans, payment methods, invoices) and outreach
//! (`outreach`: newsletters, event invitations, phone-marketing lists, written notices of
//! policy changes) and programmes (`programmes`: events, visits to the premises,
//! trainings, careers).
//!
//! Each module follows the rules every processing activity follows:
//!
//! - it registers with the policy frame what it implements (categories with each column's
//!   classification, purposes, recipients, retention triggers, cookies) in
//!   `privacy::modules`, so the published notice and the software cannot disagree;
//! - every person it holds data about is a subject with their own key, and personal fields
//!   are sealed with it (crypto-shredding erases them);
//! - it provides an exporter and an eraser for each of its categories (see
//!   `privacy::rights::categories`), a retention rule, and entries in the stored-fields
//!   catalogue (`privacy::catalog`, read from the module's declaration);
//! - it reaches storage only through a port of its own in `platform::ports` (no SQL here)
//!   and knows no HTTP (no axum): its routes live in `clearboard-web`.

pub mod billing;
pub mod outreach;
pub mod programmes;
pub mod support;
