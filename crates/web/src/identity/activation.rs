//! The activation page (issue 11): what an emailed activation link opens. The token travels
//! in the link's fragment, never sent by browsers and so never in a log; a first-party script
//! copies it into a form the person submits. Must not log or echo the token.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use clearboard_core::CoreError;
use serde::Deserialize;

use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::i18n::Texts;
use crate::platform::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "activate.html")]
struct ActivatePage {
    t: &'static Texts,
    signed_in: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contact: String,
    refusal: Option<Refusal>,
}

/// The page an activation link opens (no referrer, so the page's address goes nowhere).
pub(super) async fn page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let mut res =
        ActivatePage { t: ctx.t, signed_in: ctx.auth.is_some(), consent: ctx.consent.clone(), contact: contact(&st), refusal: None }
            .into_response();
    res.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    res
}

#[derive(Deserialize)]
pub(super) struct ActivateForm {
    #[serde(default)]
    token: String,
}

pub(super) async fn submit(State(st): State<AppState>, ctx: PageCtx, Form(f): Form<ActivateForm>) -> Response {
    match st.cb.accounts().activate(&f.token).await {
        Ok(_) => Redirect::to("/signin?notice=activated").into_response(),
        Err(e) => {
            let invalid = matches!(e, CoreError::LinkInvalid);
            let mut refusal = Refusal::of(e, ctx.t);
            if invalid {
                refusal.detail = Some(ctx.t.activation_link_invalid.to_string());
            }
            let code = refusal.mark();
            form_page(
                StatusCode::OK,
                Some(code),
                ActivatePage {
                    t: ctx.t,
                    signed_in: ctx.auth.is_some(),
                    consent: ctx.consent.clone(),
                    contact: contact(&st),
                    refusal: Some(refusal),
                },
            )
        }
    }
}
