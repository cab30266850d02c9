//! The business modules' HTTP face: the support desk (`support_api`: the JSON API of the
//! contact form, the private link, the signed-in requester and staff; `support_pages`: the
//! contact page, the private ticket page and the staff queue, in English and French), billing
//! (`billing_api`: plans, an organisation's subscription and invoices; `billing_pages`: the
//! owner's billing page; `partners_api`: certified partners and the contracts they co-manage) and
//! outreach (`newsletter`: the newsletter pages and API,
//! unsubscribe; `campaigns_api`: the staff campaigns API). Handlers parse, call one core
//! method and render; the rules are core's.

pub mod billing_api;
pub mod billing_pages;
pub mod campaigns_api;
pub mod newsletter;
pub mod partners_api;
pub mod support_api;
pub mod support_pages;
