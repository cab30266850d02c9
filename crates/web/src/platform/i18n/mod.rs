//! Interface texts in English and French. The language is the account's, else the browser's
//! `Accept-Language`, else English.
//!
//! One file per family of pages; this file only re-exports.

mod access_log;
mod billing;
mod board_a11y;
mod board_app;
mod catalogue;
mod consent;
mod departure;
mod details;
mod errors;
mod import_details;
mod landing;
mod notice;
mod texts;
mod without_accounts;

pub use access_log::{what as access_what, when as access_when, who as access_who};
pub use billing::{BILLING_EN, BILLING_FR, BillingTexts, billing_texts};
pub use board_a11y::{BOARD_A11Y_EN, BOARD_A11Y_FR, BoardA11y, board_a11y};
pub use board_app::{APP_EN, APP_FR, AppTexts, app_texts};
pub use catalogue::english_catalogue;
pub use consent::{CONSENT_EN, CONSENT_FR, ConsentTexts, consent_texts};
pub use departure::{confirm_label, delete_label, fate_sentence, pass_on_label, unconfirmed_detail};
pub use details::{DETAILS, detail_in};
pub use errors::{ErrorWords, error_words};
pub use landing::{LANDING_EN, LANDING_FR, LandingTexts, landing_texts};
pub use notice::{NOTICE_EN, NOTICE_FR, NoticeTexts, notice_texts};
pub use texts::{EN, FR, LANG_COOKIE, Texts, answer_lang, from_cookie, from_headers, from_query, lang_cookie, password_weakness, texts};
pub use without_accounts::{
    PARTICIPANT_EN, PARTICIPANT_FR, ParticipantTexts, VISITOR_EN, VISITOR_FR, VisitorTexts, participant_texts, visitor_texts,
};
