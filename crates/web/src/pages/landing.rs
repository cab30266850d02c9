//! The landing page: what clearboard is, and a static example of a board (no script, nothing
//! fetched from elsewhere, nothing counted without consent).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::pages::ctx::{PageCtx, contact};
use crate::platform::i18n::{LandingTexts, Texts, landing_texts};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(index))
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    t: &'static Texts,
    demo: &'static LandingTexts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

async fn index(State(st): State<AppState>, ctx: PageCtx) -> impl IntoResponse {
    IndexPage {
        t: ctx.t,
        demo: landing_texts(ctx.t.lang),
        signed_in: ctx.auth.is_some(),
        consent: ctx.consent.clone(),
        contact: contact(&st),
    }
}
