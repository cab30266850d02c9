//! Business's storage: outreach (`OutreachStore`: newsletter contacts, campaigns, sends,
//! clicks, written policy notices).

pub mod outreach;
