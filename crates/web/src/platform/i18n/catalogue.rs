//! The English catalogue as a whole: every English text of every family (the shell, the board
//! application and its accessible names, billing, consent, the notice, people without accounts,
//! the error catalogue) whose French differs. The French crawl (issue 14, acceptance 5) looks
//! for these in every page and every error answered in French.

use clearboard_core::platform::error_codes::ErrorCode;
use serde::Serialize;
use serde_json::Value;

use crate::platform::i18n::billing::{BILLING_EN, BILLING_FR};
use crate::platform::i18n::board_a11y::{BOARD_A11Y_EN, BOARD_A11Y_FR};
use crate::platform::i18n::board_app::{APP_EN, APP_FR};
use crate::platform::i18n::consent::{CONSENT_EN, CONSENT_FR};
use crate::platform::i18n::errors::error_words;
use crate::platform::i18n::landing::{LANDING_EN, LANDING_FR};
use crate::platform::i18n::notice::{NOTICE_EN, NOTICE_FR};
use crate::platform::i18n::texts::{EN, FR};
use crate::platform::i18n::without_accounts::{PARTICIPANT_EN, PARTICIPANT_FR, VISITOR_EN, VISITOR_FR};

/// The English texts of `en` whose French (the same field of `fr`) is different.
fn differing<T: Serialize>(en: &T, fr: &T, out: &mut Vec<String>) {
    let (Ok(Value::Object(en)), Ok(Value::Object(fr))) = (serde_json::to_value(en), serde_json::to_value(fr)) else { return };
    for (k, v) in en {
        if let (Some(e), Some(f)) = (v.as_str(), fr.get(&k).and_then(Value::as_str))
            && e != f
        {
            out.push(e.to_string());
        }
    }
}

/// Every English text of the catalogue that French says differently, sorted, without repeats.
pub fn english_catalogue() -> Vec<String> {
    let mut out = Vec::new();
    differing(&EN, &FR, &mut out);
    differing(&APP_EN, &APP_FR, &mut out);
    differing(&BOARD_A11Y_EN, &BOARD_A11Y_FR, &mut out);
    differing(&BILLING_EN, &BILLING_FR, &mut out);
    differing(&CONSENT_EN, &CONSENT_FR, &mut out);
    differing(&NOTICE_EN, &NOTICE_FR, &mut out);
    differing(&PARTICIPANT_EN, &PARTICIPANT_FR, &mut out);
    differing(&VISITOR_EN, &VISITOR_FR, &mut out);
    differing(&LANDING_EN, &LANDING_FR, &mut out);
    for (en, fr) in LANDING_EN.cards.iter().zip(LANDING_FR.cards.iter()) {
        differing(en, fr, &mut out);
    }
    out.extend(LANDING_EN.points.iter().zip(LANDING_FR.points.iter()).filter(|(e, f)| e != f).map(|(e, _)| e.to_string()));
    for code in ErrorCode::ALL {
        differing(error_words(*code, "en"), error_words(*code, "fr"), &mut out);
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_every_family_and_no_french() {
        let all = english_catalogue();
        assert!(all.iter().any(|s| s == EN.sign_in) && all.iter().any(|s| s == APP_EN.add_card));
        assert!(all.iter().any(|s| s == error_words(ErrorCode::ALL[0], "en").message));
        assert!(!all.iter().any(|s| s == FR.sign_in || s == APP_FR.add_card));
    }
}
