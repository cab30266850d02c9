//! The business modules' storage: the support desk (`SupportStore`: tickets and their
//! threads), billing (`BillingStore`: contracts and their contacts; invoices) and outreach
//! (`OutreachStore`: newsletter contacts, campaigns, sends, clicks, written policy notices) and the programmes (`ProgrammesStore`:
//! events and trainings with their registrations, visits to the premises).
//! Each module's port is implemented on the region store, like every room's; it stores what
//! core hands it, sealed, and holds no rule.

pub mod billing;
pub mod careers;
pub mod outreach;
pub mod partners;
pub mod programmes;
pub mod support;
