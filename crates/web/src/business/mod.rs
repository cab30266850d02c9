//! The business modules' HTTP face: the support desk (`support_api`: the JSON API of the
//! contact form, the private link, the signed-in requester and staff; `support_pages`: the
//! contact page, the private ticket page and the staff queue, in English and French), billing
//! (`billing_api`: plans, an organisation's subscription and invoices; `billing_pages`: the
//! owner's billing page; `partners_api`: certified partners and the contracts they co-manage),
//! outreach (`newsletter`: the newsletter pages and API, unsubscribe; `campaigns_api`: the staff
//! campaigns API), the programmes (`programmes_api`: events, trainings and visits;
//! `programmes_pages`: `/events`, `/trainings`, the private link's page, `/staff/events`,
//! `/staff/visits` and the printable badge) and careers (`careers_api`: posts, applications
//! with their CV, the candidate's private link, the staff pipeline; `careers_pages`:
//! `/careers`, the private application page and `/staff/recruitment`). Handlers parse, call one core
//! method and render; the rules are core's.

pub mod billing_api;
pub mod billing_pages;
pub mod campaigns_api;
pub mod careers_api;
pub mod careers_pages;
pub mod newsletter;
pub mod partners_api;
pub mod programmes_api;
pub mod programmes_pages;
pub mod support_api;
pub mod support_files;
pub mod support_pages;
