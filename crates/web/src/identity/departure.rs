//! Deleting an account asks first (issue 14): the profile page lists each organisation the
//! person belongs to with its members and boards counts, and what becomes of it. An
//! organisation they are the last member of goes with them (one with boards needs its own
//! ticked box); one they own alone with other members needs their choice: pass it on to a
//! member they pick (the longest-standing admin, else member, is preselected) or delete it
//! with its boards. The API asks the same choices (`organisations` of `DELETE /api/v1/me`).
//!
//! Post/Redirect/Get: a deletion from the page answers 303 to `/me/deleted`, which shows the
//! signed receipt once (`receipts_shown`); reloading it resubmits nothing.

use std::collections::{BTreeMap, HashMap};

use clearboard_core::boards::departure::{Decisions, Fate, OrgDecision};
use clearboard_core::identity::principal::Principal;
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::platform::ids::{OrgId, SubjectId};
use serde::Deserialize;

use crate::platform::error::AppError;
use crate::platform::error_page::Refusal;
use crate::platform::i18n::{self, Texts, confirm_label, error_words, fate_sentence};
use crate::platform::state::AppState;

/// One organisation on the profile page: its id, what happens to it, the label of the box
/// that confirms its deletion (when it goes with the person and has boards), and the choice
/// it needs (when the person owns it alone with other members).
#[derive(Debug, Clone)]
pub struct Leaving {
    pub id: String,
    pub sentence: String,
    pub confirm: Option<String>,
    pub choice: Option<Choice>,
}

/// The two ways out for an organisation the person owns alone with other members.
#[derive(Debug, Clone)]
pub struct Choice {
    /// (member id, name), the preselected first.
    pub heirs: Vec<(String, String)>,
    pub pass_on: &'static str,
    pub delete: &'static str,
}

/// What deleting the account now would do, in the page's language.
pub async fn leaving(st: &AppState, who: &Principal, lang: &str) -> Vec<Leaving> {
    let fates = st.cb.boards().departure(who).await.unwrap_or_default();
    fates
        .into_iter()
        .map(|o| Leaving {
            id: o.id.to_string(),
            sentence: fate_sentence(&o, lang),
            confirm: (o.fate == Fate::Deleted && o.boards > 0).then(|| confirm_label(&o.name, lang)),
            choice: match o.fate {
                Fate::Choose { heirs } => Some(Choice {
                    heirs: heirs.into_iter().map(|h| (h.id.to_string(), h.name)).collect(),
                    pass_on: i18n::pass_on_label(lang),
                    delete: i18n::delete_label(lang),
                }),
                _ => None,
            },
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

/// The page's choices: `fate_<org id>` is `transfer` (to the member `heir_<org id>`) or
/// `delete`. An organisation without a choice stays out (the deletion is then refused).
pub fn form_decisions(leaving: &[Leaving], form: &HashMap<String, String>) -> Decisions {
    let mut out = Decisions::new();
    for l in leaving.iter().filter(|l| l.choice.is_some()) {
        let Some(org) = OrgId::parse(&l.id) else { continue };
        let decision = match form.get(&format!("fate_{}", l.id)).map(String::as_str) {
            Some("delete") => OrgDecision::Delete,
            Some("transfer") => match form.get(&format!("heir_{}", l.id)).and_then(|h| SubjectId::parse(h)) {
                Some(to) => OrgDecision::TransferTo(to),
                None => continue,
            },
            _ => continue,
        };
        out.insert(org, decision);
    }
    out
}

/// One organisation's choice in the API: `"delete"` or `{"transfer_to": "<member id>"}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum ApiChoice {
    Word(String),
    Transfer(TransferTo),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferTo {
    transfer_to: String,
}

/// The API's choices, by organisation id; 422 naming the rule for anything else.
pub fn api_decisions(body: Option<BTreeMap<String, ApiChoice>>) -> Result<Decisions, AppError> {
    let bad = |d: &'static str| AppError::new(ErrorCode::ValidationFailed).detail(d).field("organisations");
    let mut out = Decisions::new();
    for (id, choice) in body.unwrap_or_default() {
        let org = OrgId::parse(&id).ok_or_else(|| bad("the keys of `organisations` are organisation ids"))?;
        let d = match choice {
            ApiChoice::Word(w) if w == "delete" => OrgDecision::Delete,
            ApiChoice::Word(_) => return Err(bad("each choice is `\"delete\"` or `{\"transfer_to\": \"<member id>\"}`")),
            ApiChoice::Transfer(t) => OrgDecision::TransferTo(
                SubjectId::parse(&t.transfer_to).ok_or_else(|| bad("`transfer_to` is the id of a member of the organisation"))?,
            ),
        };
        out.insert(org, d);
    }
    Ok(out)
}
