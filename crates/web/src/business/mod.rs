//! The business room's HTTP face: billing (`billing_api`: plans, an organisation's
//! subscription and invoices; `billing_pages`: the owner's billing page). Handlers parse, call one core method and render; the rules are core's.

pub mod billing_api;
pub mod billing_pages;
