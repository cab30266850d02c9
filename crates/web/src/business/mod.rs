//! The business room's HTTP face: billing (`billing_api`: plans and an organisation's
//! subscription). Handlers parse, call one core method and render; the rules are core's.

pub mod billing_api;
