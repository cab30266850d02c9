//! The Google Drive pages. `/integrations/google/connect` is the screen shown before anyone is
//! sent to Google (C-SCOPE-2): who runs the service, exactly the scopes asked, what is read,
//! where it goes and the Limited Use statement, all from the policy's `[[integrations]]`
//! entry, in English or French; its button posts the form that sends the person to Google
//! (PKCE and state made by core). `/integrations/google/callback` is where Google sends them
//! back: a state that is not one we started for this person is refused before anything is
//! exchanged. Only this screen's Content-Security-Policy lets Google's Picker in, and only
//! when the operator configured its key; the script is loaded after the person's click.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearboard_core::integrations::framework::IntegrationView;
use clearboard_core::integrations::google_drive::ID;
use serde::Deserialize;

use crate::pages::ctx::PageCtx;
use crate::platform::error::AppError;
use crate::platform::i18n::Texts;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/integrations/google/connect", get(screen).post(connect))
        .route("/integrations/google/callback", get(callback))
        .route("/integrations/google/disconnect", post(disconnect))
}

/// The CSP of the connect screen when the Picker is offered: Google's script, frames and API
/// origins, here and nowhere else (every other page keeps the default, `'self'` only).
pub const PICKER_CSP: &str = "default-src 'none'; script-src 'self' https://apis.google.com; style-src 'self'; img-src 'self' data: https://*.googleusercontent.com https://ssl.gstatic.com; frame-src https://docs.google.com; connect-src 'self' https://www.googleapis.com https://content.googleapis.com; base-uri 'none'; form-action 'self' https://accounts.google.com; frame-ancestors 'none'";
/// Without the Picker: the default policy, plus the provider's authorization page as a form
/// target (the connect button's redirect).
pub const CONNECT_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self' https://accounts.google.com; frame-ancestors 'none'";

#[derive(Template, WebTemplate)]
#[template(path = "integrations_connect.html")]
struct Screen {
    t: &'static Texts,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    signed_in: bool,
    contact: String,
    name: String,
    provider: String,
    scopes: Vec<String>,
    description: String,
    reads: String,
    destination: String,
    limited_use: String,
    mine: Option<IntegrationView>,
    picker_key: Option<String>,
    /// The Google Cloud project number (the client id's prefix): the Picker's app id, which
    /// `drive.file` needs to grant access to the picked files.
    picker_app: String,
    notice: String,
}

#[derive(Deserialize)]
struct Notice {
    #[serde(default)]
    done: Option<String>,
}

fn redirect_uri(st: &AppState) -> String {
    format!("{}/integrations/google/callback", st.config.public_url.trim_end_matches('/'))
}

async fn screen(State(st): State<AppState>, ctx: PageCtx, Query(n): Query<Notice>) -> Result<Response, AppError> {
    let d = st.cb.integrations().declared(ID)?.clone();
    let lang = ctx.t.lang;
    let mine = match &ctx.auth {
        Some(a) => st.cb.integrations().list(&a.principal).await?.into_iter().find(|i| i.id == ID && i.connected),
        None => None,
    };
    let notice = match (n.done.as_deref(), lang) {
        (Some("connected"), "fr") => "Google Drive est connecté.",
        (Some("connected"), _) => "Google Drive is connected.",
        (Some("disconnected"), "fr") => "Google Drive est déconnecté : l'accès a été révoqué auprès de Google et supprimé ici.",
        (Some("disconnected"), _) => "Google Drive is disconnected: the access was revoked at Google and deleted here.",
        _ => "",
    };
    let picker_key = st.config.picker_api_key.clone().filter(|_| mine.is_some());
    let csp = if picker_key.is_some() { PICKER_CSP } else { CONNECT_CSP };
    let page = Screen {
        t: ctx.t,
        consent: ctx.consent.clone(),
        signed_in: ctx.auth.is_some(),
        contact: crate::pages::ctx::contact(&st),
        name: d.name.clone(),
        provider: d.provider.clone(),
        scopes: d.scopes.clone(),
        description: d.description.get(lang).to_string(),
        reads: d.reads.get(lang).to_string(),
        destination: d.destination.get(lang).to_string(),
        limited_use: d.limited_use.get(lang).to_string(),
        mine,
        picker_key,
        picker_app: st.cb.google().client().and_then(|(id, _)| id.split('-').next().map(str::to_string)).unwrap_or_default(),
        notice: notice.to_string(),
    };
    let mut res = page.into_response();
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    Ok(res)
}

/// The screen's button: a new state and verifier, then off to Google.
async fn connect(State(st): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let Some(auth) = &ctx.auth else { return Ok(Redirect::to("/signin").into_response()) };
    let url = st.cb.integrations().begin(&auth.principal, ID, &redirect_uri(&st)).await?;
    let mut res = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, HeaderValue::from_str(&url).map_err(|_| AppError::from(clearboard_core::CoreError::Internal("location")))?)],
    )
        .into_response();
    res.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(res)
}

#[derive(Deserialize)]
struct Callback {
    #[serde(default)]
    state: String,
    #[serde(default)]
    code: String,
    /// Set by Google when the person declined (`access_denied`).
    #[serde(default)]
    error: Option<String>,
}

async fn callback(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<Callback>) -> Result<Response, AppError> {
    let auth = ctx.auth.as_ref().ok_or_else(|| AppError::from(clearboard_core::CoreError::Unauthenticated))?;
    if q.error.is_some() {
        // Declined at Google: the state is still spent, so it cannot be replayed.
        let _ = st.cb.integrations().complete(&auth.principal, &q.state, "", &redirect_uri(&st)).await;
        return Ok(Redirect::to("/integrations/google/connect").into_response());
    }
    st.cb.integrations().complete(&auth.principal, &q.state, &q.code, &redirect_uri(&st)).await?;
    Ok(Redirect::to("/integrations/google/connect?done=connected").into_response())
}

async fn disconnect(State(st): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let Some(auth) = &ctx.auth else { return Ok(Redirect::to("/signin").into_response()) };
    st.cb.integrations().disconnect(&auth.principal, ID).await?;
    Ok(Redirect::to("/integrations/google/connect?done=disconnected").into_response())
}
