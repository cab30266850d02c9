//! The landing page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::pages::ctx::{PageCtx, contact};
use crate::platform::i18n::Texts;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(index))
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

async fn index(State(st): State<AppState>, ctx: PageCtx) -> impl IntoResponse {
    IndexPage { t: ctx.t, signed_in: ctx.auth.is_some(), consent: ctx.consent.clone(), contact: contact(&st) }
}
