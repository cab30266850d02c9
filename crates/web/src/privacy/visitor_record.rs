//! A visitor's own records (issue 13, acceptance 5): the cookies page (`/cookies`) shows the
//! visitor, found by their cookies only (the consent id in `cb_consent`, the statistics id in
//! `cb_aid`), their recorded choices and page views, with a form that erases both
//! (`POST /cookies/erase`, CSRF-protected like every form); the same as JSON at
//! `GET|DELETE /api/v1/me/consent-record`. The page is never cached.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use clearboard_core::privacy::visitors::VisitorRecord;

use crate::pages::ctx::PageCtx;
use crate::platform::error::AppError;
use crate::platform::i18n::{NoticeTexts, Texts, VisitorTexts, notice_texts, visitor_texts};
use crate::platform::state::AppState;
use crate::privacy::consent::{ANALYTICS_COOKIE, CONSENT_COOKIE, ConsentWindow, remove_cookie};
use crate::privacy::policy_pages::NoticeView;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cookies", get(cookies))
        .route("/cookies/erase", post(erase_submit))
        .route("/api/v1/me/consent-record", get(read).delete(erase))
}

/// The ids this browser's cookies carry: (consent id, statistics id).
fn ids(st: &AppState, headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let jar = CookieJar::from_headers(headers);
    let consent = jar.get(CONSENT_COOKIE).and_then(|c| st.cb.consents().decode(c.value())).map(|c| c.consent_id);
    let visitor = jar.get(ANALYTICS_COOKIE).map(|c| c.value().to_string());
    (consent, visitor)
}

fn private(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Removes both cookies from the browser (their records are gone).
fn forget_cookies(st: &AppState, mut res: Response) -> Response {
    res.headers_mut().append(header::SET_COOKIE, remove_cookie(st, CONSENT_COOKIE));
    res.headers_mut().append(header::SET_COOKIE, remove_cookie(st, ANALYTICS_COOKIE));
    private(res)
}

#[derive(Template, WebTemplate)]
#[template(path = "cookies_visitor.html")]
struct CookiesPage {
    t: &'static Texts,
    n: &'static NoticeTexts,
    w: &'static VisitorTexts,
    v: NoticeView,
    signed_in: bool,
    consent: Option<ConsentWindow>,
    contact: String,
    record: VisitorRecord,
    erased: bool,
}

fn page(st: &AppState, ctx: PageCtx, record: VisitorRecord, erased: bool) -> CookiesPage {
    let p = st.cb.policy();
    CookiesPage {
        t: ctx.t,
        n: notice_texts(ctx.t.lang),
        w: visitor_texts(ctx.t.lang),
        v: NoticeView::new(p, ctx.t.lang),
        signed_in: ctx.auth.is_some(),
        consent: ctx.consent,
        contact: p.doc().controller.privacy_contact.clone(),
        record,
        erased,
    }
}

async fn cookies(State(st): State<AppState>, ctx: PageCtx, headers: HeaderMap) -> Result<Response, AppError> {
    let (consent, visitor) = ids(&st, &headers);
    let record = st.cb.visitors().record(consent.as_deref(), visitor.as_deref()).await?;
    Ok(private(page(&st, ctx, record, false).into_response()))
}

async fn erase_submit(State(st): State<AppState>, ctx: PageCtx, headers: HeaderMap) -> Result<Response, AppError> {
    let (consent, visitor) = ids(&st, &headers);
    st.cb.visitors().erase(consent.as_deref(), visitor.as_deref()).await?;
    let empty = VisitorRecord { consent_id: None, choices: Vec::new(), page_views: Vec::new() };
    Ok(forget_cookies(&st, page(&st, ctx, empty, true).into_response()))
}

async fn read(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let (consent, visitor) = ids(&st, &headers);
    let record = st.cb.visitors().record(consent.as_deref(), visitor.as_deref()).await?;
    Ok(private(Json(record).into_response()))
}

async fn erase(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let (consent, visitor) = ids(&st, &headers);
    let erased = st.cb.visitors().erase(consent.as_deref(), visitor.as_deref()).await?;
    Ok(forget_cookies(&st, Json(erased).into_response()))
}
