//! Deleting an account asks first (issue 14): the profile page lists what becomes of each
//! organisation the person belongs to (deleted with its boards, passed on to another member,
//! left as it is), and an organisation that would be deleted with boards needs its own ticked
//! box before the deletion goes ahead.

use std::collections::HashMap;

use clearboard_core::boards::departure::Fate;
use clearboard_core::identity::principal::Principal;
use clearboard_core::platform::error_codes::ErrorCode;

use crate::platform::error_page::Refusal;
use crate::platform::i18n::{self, Texts, confirm_label, error_words, fate_sentence};
use crate::platform::state::AppState;

/// One organisation on the profile page: its id, what happens to it, and the label of the box
/// that confirms its deletion (when it would be deleted with boards).
#[derive(Debug, Clone)]
pub struct Leaving {
    pub id: String,
    pub sentence: String,
    pub confirm: Option<String>,
}

/// What deleting the account now would do, in the page's language.
pub async fn leaving(st: &AppState, who: &Principal, lang: &str) -> Vec<Leaving> {
    let fates = st.cb.boards().departure(who).await.unwrap_or_default();
    fates
        .into_iter()
        .map(|o| Leaving {
            id: o.id.to_string(),
            sentence: fate_sentence(&o.name, o.personal, &o.fate, lang),
            confirm: matches!(o.fate, Fate::Deleted { boards } if boards > 0).then(|| confirm_label(&o.name, lang)),
        })
        .collect()
}

/// The refusal when a box of `leaving` is not ticked in `form` (`confirm_<org id>`).
pub fn unconfirmed(leaving: &[Leaving], form: &HashMap<String, String>, t: &Texts) -> Option<Refusal> {
    let missing = leaving.iter().any(|l| l.confirm.is_some() && !form.contains_key(&format!("confirm_{}", l.id)));
    missing.then(|| Refusal {
        code: ErrorCode::ValidationFailed,
        message: error_words(ErrorCode::ValidationFailed, t.lang).message,
        detail: Some(i18n::unconfirmed_detail(t.lang).to_string()),
        retry_after: None,
    })
}
