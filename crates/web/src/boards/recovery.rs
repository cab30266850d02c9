//! Participants without an account after their session (issue 13, acceptance 5): coming back
//! with the recovery code shown at join (`POST /api/v1/participants/recover`, the page
//! `/participants/recover`), then seeing, downloading and erasing what they posted
//! (`GET /api/v1/participants/me`, the page `/participants/me`). The code travels in request
//! bodies only, never in a URL; attempts are rate-limited per client like sign-ins.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use clearboard_core::CoreError;
use clearboard_core::platform::error_codes::ErrorCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::identity::cookies::{clear_session_cookie, session_cookie};
use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error::AppError;
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::extract::{ApiJson, Auth, ClientIp};
use crate::platform::i18n::{ParticipantTexts, Texts, participant_texts};
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/participants/recover", post(recover))
        .route("/api/v1/participants/me", get(content))
        .route("/participants/recover", get(recover_page).post(recover_submit))
        .route("/participants/me", get(home_page))
        .route("/participants/me/export", get(download))
        .route("/participants/me/erase", post(erase_submit))
}

/// A wrong, malformed or spent code: one answer for all (`recovery_code_invalid`).
fn refused(e: CoreError) -> AppError {
    match e {
        CoreError::InvalidCredentials => AppError::new(ErrorCode::RecoveryCodeInvalid),
        other => other.into(),
    }
}

async fn limited(st: &AppState, ip: &ClientIp) -> bool {
    !st.limiter.check(&st.cb, Scope::SignInIp, ip.0.to_string().as_bytes()).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recover {
    code: String,
}

async fn recover(State(st): State<AppState>, ip: ClientIp, ApiJson(b): ApiJson<Recover>) -> Result<Response, AppError> {
    if limited(&st, &ip).await {
        return Err(AppError::new(ErrorCode::RateLimited).retry_after(60));
    }
    let r = st.cb.boards().recover(&b.code).await.map_err(refused)?;
    let mut res = (
        StatusCode::CREATED,
        Json(json!({ "token": r.token.as_str(), "token_type": "Bearer", "board_id": r.board, "participant_id": r.principal.subject })),
    )
        .into_response();
    res.headers_mut().append(header::SET_COOKIE, session_cookie(&st, &r.token));
    Ok(res)
}

async fn content(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let mut res = Json(st.cb.boards().participant_content(&auth.principal).await?).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

async fn download(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let body = st.cb.boards().participant_content(&auth.principal).await?;
    let bytes = serde_json::to_vec_pretty(&body).map_err(|_| AppError::new(ErrorCode::Internal))?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"clearboard-participant.json\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

#[derive(Template, WebTemplate)]
#[template(path = "participant_recover.html")]
struct RecoverPage {
    t: &'static Texts,
    p: &'static ParticipantTexts,
    signed_in: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contact: String,
    refusal: Option<Refusal>,
}

fn recover_form(st: &AppState, ctx: &PageCtx, refusal: Option<Refusal>) -> Response {
    let mark = refusal.as_ref().map(Refusal::mark);
    let page = RecoverPage {
        t: ctx.t,
        p: participant_texts(ctx.t.lang),
        signed_in: false,
        consent: ctx.consent.clone(),
        contact: contact(st),
        refusal,
    };
    form_page(StatusCode::OK, mark, page)
}

async fn recover_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    recover_form(&st, &ctx, None)
}

#[derive(Deserialize)]
struct RecoverForm {
    #[serde(default)]
    code: String,
}

async fn recover_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(f): Form<RecoverForm>) -> Response {
    if limited(&st, &ip).await {
        return recover_form(&st, &ctx, Some(Refusal::code(ErrorCode::RateLimited, ctx.t)));
    }
    match st.cb.boards().recover(&f.code).await {
        Ok(r) => {
            let mut res = Redirect::to("/participants/me").into_response();
            res.headers_mut().append(header::SET_COOKIE, session_cookie(&st, &r.token));
            res
        }
        Err(e) => recover_form(&st, &ctx, Some(Refusal::new(&refused(e), ctx.t))),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "participant_home.html")]
struct HomePage {
    t: &'static Texts,
    p: &'static ParticipantTexts,
    signed_in: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contact: String,
    refusal: Option<Refusal>,
    pseudonym: String,
    board: String,
    joined_at: String,
    cards: Vec<String>,
    comments: Vec<String>,
    reactions: String,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn list(v: &Value, key: &str) -> Vec<Value> {
    v.get(key).and_then(Value::as_array).cloned().unwrap_or_default()
}

async fn home_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/participants/recover").into_response() };
    let p = participant_texts(ctx.t.lang);
    let content = match st.cb.boards().participant_content(&auth.principal).await {
        Ok(v) => v,
        Err(CoreError::NotFound) => {
            return recover_form(
                &st,
                &ctx,
                Some(Refusal { detail: Some(p.not_participant.into()), ..Refusal::code(ErrorCode::NotFound, ctx.t) }),
            );
        }
        Err(e) => return AppError::from(e).into_response(),
    };
    let c = &content["user_content"];
    let who = &c["participant"];
    let cards = list(c, "cards").iter().map(|card| if card["url"].is_string() { text(card, "url") } else { text(card, "text") }).collect();
    let comments = list(c, "comments").iter().map(|m| text(m, "text")).collect();
    let (likes, votes) = (list(c, "likes").len(), list(c, "votes").iter().filter_map(|v| v["count"].as_i64()).sum::<i64>());
    let reactions = if ctx.t.lang == "fr" {
        format!("{likes} mention(s) « j'aime », {votes} vote(s)")
    } else {
        format!("{likes} like(s), {votes} vote(s)")
    };
    HomePage {
        t: ctx.t,
        p,
        signed_in: false,
        consent: ctx.consent.clone(),
        contact: contact(&st),
        refusal: None,
        pseudonym: text(who, "pseudonym"),
        board: text(who, "board_id"),
        joined_at: text(who, "joined_at"),
        cards,
        comments,
        reactions,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "participant_erased.html")]
struct ErasedPage {
    t: &'static Texts,
    p: &'static ParticipantTexts,
    signed_in: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contact: String,
}

async fn erase_submit(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/participants/recover").into_response() };
    if let Err(e) = st.cb.boards().erase_participant(&auth.principal).await {
        return AppError::from(e).into_response();
    }
    let page =
        ErasedPage { t: ctx.t, p: participant_texts(ctx.t.lang), signed_in: false, consent: ctx.consent.clone(), contact: contact(&st) };
    let mut res = page.into_response();
    res.headers_mut().append(header::SET_COOKIE, clear_session_cookie(&st));
    res.headers_mut().insert("clear-site-data", HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""));
    res
}
