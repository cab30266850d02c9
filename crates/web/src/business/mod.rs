//! Business's HTTP face: outreach (the newsletter pages and API, unsubscribe, the staff
//! campaigns API).

pub mod campaigns_api;
pub mod newsletter;
