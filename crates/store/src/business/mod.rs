//! The business room's stores: billing (`BillingStore`: contracts and their contacts).
//! It stores what core hands it, sealed; it holds no rule.

pub mod billing;
