//! Privacy on the web: the consent window and cookie registry, the published policy pages and
//! machine-readable documents, the privacy centre and the pages around it, rights requests
//! from anyone, the rights API (exports, imports, receipts), and a visitor's own records on
//! the cookies page.
//! Handlers parse, call core's privacy services, and render; nothing here decrypts.

pub mod api;
pub mod centre_pages;
pub mod consent;
pub mod legal;
pub mod policy_pages;
pub mod requests_api;
pub mod rights_api;
pub mod staff_pages;
pub mod visitor_record;
