//! Legal documents the policy names (C-DPA-1): the data processing agreement at the stable
//! address `/legal/dpa` (the policy's current version) and every kept version at
//! `/legal/dpa/{version}`, in English and French. The texts are the files under
//! `policy/legal/`, embedded in the binary; a version the policy names without its two files
//! is a page that answers 404 (and `it/legal.rs` fails).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::pages::ctx::PageCtx;
use crate::platform::i18n::Texts;
use crate::platform::state::AppState;

/// Every version of the data processing agreement this binary carries: (version, EN, FR).
pub const DPA_DOCUMENTS: &[(&str, &str, &str)] =
    &[("2026-01", include_str!("../../../../policy/legal/dpa-2026-01.en.md"), include_str!("../../../../policy/legal/dpa-2026-01.fr.md"))];

pub fn routes() -> Router<AppState> {
    Router::new().route("/legal/dpa", get(current)).route("/legal/dpa/{version}", get(version))
}

/// One block of a document: a heading or a paragraph.
pub struct Block {
    pub level: u8,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "legal_doc.html")]
pub struct LegalPage {
    pub t: &'static Texts,
    pub signed_in: bool,
    pub consent: Option<crate::privacy::consent::ConsentWindow>,
    pub contact: String,
    pub version: String,
    pub current: bool,
    pub kept: Vec<String>,
    pub blocks: Vec<Block>,
}

/// The text of `version` in `lang`, if this binary carries it.
pub fn dpa_text(version: &str, lang: &str) -> Option<&'static str> {
    DPA_DOCUMENTS.iter().find(|(v, _, _)| *v == version).map(|(_, en, fr)| if lang == "fr" { *fr } else { *en })
}

fn blocks(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| match b.strip_prefix("## ") {
            Some(h) => Block { level: 2, text: h.to_string() },
            None => match b.strip_prefix("# ") {
                Some(h) => Block { level: 1, text: h.to_string() },
                None => Block { level: 0, text: b.replace('\n', " ") },
            },
        })
        .collect()
}

fn page(st: &AppState, ctx: &PageCtx, version: &str) -> Response {
    let p = st.cb.policy().doc();
    let Some(dpa) = &p.dpa else { return StatusCode::NOT_FOUND.into_response() };
    let named = dpa.version == version || dpa.kept.iter().any(|k| k == version);
    let Some(text) = dpa_text(version, ctx.t.lang).filter(|_| named) else { return StatusCode::NOT_FOUND.into_response() };
    let mut kept: Vec<String> = std::iter::once(dpa.version.clone()).chain(dpa.kept.iter().cloned()).collect();
    kept.dedup();
    LegalPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        consent: ctx.consent.clone(),
        contact: p.controller.privacy_contact.clone(),
        version: version.to_string(),
        current: dpa.version == version,
        kept,
        blocks: blocks(text),
    }
    .into_response()
}

async fn current(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let version = st.cb.policy().doc().dpa.as_ref().map(|d| d.version.clone()).unwrap_or_default();
    page(&st, &ctx, &version)
}

async fn version(State(st): State<AppState>, ctx: PageCtx, Path(v): Path<String>) -> Response {
    page(&st, &ctx, &v)
}
