//! Interface texts in English and French. The language is the account's, else the browser's
//! `Accept-Language`, else English.
//!
//! One file per family of pages; this file only re-exports.

mod billing;
mod board_app;
mod consent;
mod details;
mod errors;
mod notice;
mod texts;
mod without_accounts;

pub use billing::{BILLING_EN, BILLING_FR, BillingTexts, billing_texts};
pub use board_app::{APP_EN, APP_FR, AppTexts, app_texts};
pub use consent::{CONSENT_EN, CONSENT_FR, ConsentTexts, consent_texts};
pub use details::{DETAILS, detail_in};
pub use errors::{ErrorWords, error_words};
pub use notice::{NOTICE_EN, NOTICE_FR, NoticeTexts, notice_texts};
pub use texts::{EN, FR, Texts, answer_lang, from_headers, from_query, password_weakness, texts};
pub use without_accounts::{
    PARTICIPANT_EN, PARTICIPANT_FR, ParticipantTexts, VISITOR_EN, VISITOR_FR, VisitorTexts, participant_texts, visitor_texts,
};
