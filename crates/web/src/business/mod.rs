//! The business modules' HTTP face: the support desk (`support_api`: the JSON API of the
//! contact form, the private link, the signed-in requester and staff; `support_pages`: the
//! contact page, the private ticket page and the staff queue, in English and French).

pub mod support_api;
pub mod support_pages;
