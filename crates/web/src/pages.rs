//! HTML pages: landing, sign-up, sign-in, profile. Plain forms that work without JavaScript;
//! a form with a mistake comes back with what was typed (never the password) and the reason.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearboard_core::CoreError;
use clearboard_core::identity::accounts::{NewAccount, Profile, ProfileChange};
use clearboard_core::identity::activation::Registered;
use clearboard_core::identity::sessions::{SessionInfo, SessionKind, SignIn};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::api::{clear_session_cookie, device_cookie, email_key, localised, presented_device, session_cookie, upload_bytes};
use crate::extract::{ClientIp, MaybeAuth, presented_token};
use crate::i18n::{self, Texts};
use crate::ratelimit::Scope;
use crate::state::AppState;

mod activation;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/signup", get(signup_page).post(signup_submit))
        .route("/signin", get(signin_page).post(signin_submit))
        .route("/activate", get(activation::page).post(activation::submit))
        .route("/signout", post(signout))
        .route("/me", get(profile_page).post(profile_submit))
        .route("/me/email", post(email_submit))
        .route("/me/password", post(password_submit))
        .route("/me/picture", post(picture_submit).layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024)))
        .route("/me/picture/delete", post(picture_delete))
        .route("/me/sessions/end-all", post(end_all))
        .route("/me/delete", post(delete_submit))
        .route("/me/consents", post(consents_submit))
        .route("/staff/statistics", get(staff_statistics))
        .route("/staff/retention", get(staff_retention))
}

/// The language and sign-in state of a page request. A signed-in person who must acknowledge
/// a significant policy change is sent to the interstitial first (except on the policy pages).
pub struct PageCtx {
    pub t: &'static Texts,
    pub auth: Option<crate::extract::Auth>,
}

fn ack_exempt(path: &str) -> bool {
    path == "/policy-update" || path == "/signout" || path == "/cookies" || path == "/trust" || path.starts_with("/privacy")
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let MaybeAuth(auth) = MaybeAuth::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let mut t = i18n::from_headers(&parts.headers);
        if let Some(a) = &auth {
            if let Ok(region) = state.cb.region(&a.principal.region)
                && let Ok(Some(acc)) = region.store.account(&a.principal.subject).await
            {
                t = i18n::texts(&acc.locale);
            }
            if !ack_exempt(parts.uri.path()) {
                match state.cb.policy_versions().ack_required(&a.principal).await {
                    Ok(Some(_)) => return Err(Redirect::to("/policy-update").into_response()),
                    Ok(None) => {}
                    Err(e) => return Err(crate::error::AppError::from(e).into_response()),
                }
            }
        }
        if let Some(q) = i18n::from_query(parts.uri.query()) {
            t = q;
        }
        Ok(Self { t, auth })
    }
}

fn contact(st: &AppState) -> String {
    st.cb.policy().doc().controller.privacy_contact.clone()
}

fn message_of(e: &CoreError) -> String {
    if e.status() >= 500 && !matches!(e, CoreError::Busy { .. }) {
        "something went wrong on our side; try again later".into()
    } else {
        e.to_string()
    }
}

/// A refusal as a page shows it: the status and the words in the page's language where the
/// catalogue has them.
fn refusal(e: CoreError, t: &Texts) -> (StatusCode, String) {
    let message = message_of(&e);
    let err = localised(e, t);
    let text = if matches!(err.code, "password_too_weak" | "rate_limited" | "busy") { err.message } else { message };
    (err.status, text)
}

/// Adds the session and device cookies of a sign-in to a response.
fn with_sign_in_cookies(st: &AppState, mut res: Response, token: &str, device: &str) -> Response {
    res.headers_mut().append(header::SET_COOKIE, session_cookie(st, token));
    res.headers_mut().append(header::SET_COOKIE, device_cookie(st, device));
    res
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
}

async fn index(State(st): State<AppState>, ctx: PageCtx) -> impl IntoResponse {
    IndexPage { t: ctx.t, signed_in: ctx.auth.is_some(), contact: contact(&st) }
}

#[derive(Default, Deserialize)]
struct SignUpForm {
    #[serde(default)]
    marketing: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    locale: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
struct SignUpPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    errors: Vec<String>,
    form: SignUpForm,
    regions: Vec<(String, String)>,
    marketing_text: String,
}

/// The words of the consent-based marketing purpose, asked unticked at sign-up (C-USE-3).
fn marketing_text(st: &AppState, lang: &str) -> String {
    st.cb.policy().purpose("marketing").and_then(|p| p.consent_text.as_ref()).map(|t| t.get(lang).to_string()).unwrap_or_default()
}

fn regions(st: &AppState, lang: &str) -> Vec<(String, String)> {
    st.cb
        .policy()
        .doc()
        .regions
        .iter()
        .filter(|r| st.cb.region_ids().any(|id| id.as_str() == r.id))
        .map(|r| (r.id.clone(), r.name.get(lang).to_string()))
        .collect()
}

async fn signup_page(State(st): State<AppState>, ctx: PageCtx) -> impl IntoResponse {
    let form = SignUpForm { region: st.cb.settings().default_region.to_string(), ..SignUpForm::default() };
    SignUpPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        contact: contact(&st),
        errors: vec![],
        form,
        regions: regions(&st, ctx.t.lang),
        marketing_text: marketing_text(&st, ctx.t.lang),
    }
}

async fn signup_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(mut form): Form<SignUpForm>) -> Response {
    let password = Zeroizing::new(std::mem::take(&mut form.password));
    let fail = |form: SignUpForm, status: StatusCode, msg: String| {
        let page = SignUpPage {
            t: ctx.t,
            signed_in: false,
            contact: contact(&st),
            errors: vec![msg],
            form,
            regions: regions(&st, ctx.t.lang),
            marketing_text: marketing_text(&st, ctx.t.lang),
        };
        (status, page).into_response()
    };
    if !st.limiter.check(st.cb.clock(), Scope::SignUpIp, ip.0.to_string().as_bytes())
        || !st.limiter.check(st.cb.clock(), Scope::SignUpAddress, &email_key(&st, &form.email))
    {
        return fail(form, StatusCode::TOO_MANY_REQUESTS, ctx.t.too_many_attempts.into());
    }
    let input = NewAccount {
        email: form.email.clone(),
        password: password.clone(),
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        phone: Some(form.phone.clone()),
        birth_date: Some(std::mem::take(&mut form.birth_date)),
        region: Some(form.region.clone()).filter(|r| !r.is_empty()),
        locale: Some(form.locale.clone()).filter(|l| !l.is_empty()),
    };
    // The question was asked, unticked: record the answer either way.
    let granted = form.marketing.is_some();
    let record_consent = |region, subject| {
        let st = st.clone();
        async move {
            let who = clearboard_core::identity::sessions::Principal { subject, region, token_hash: Vec::new() };
            if let Err(e) = st.cb.consents().set_subject(&who, "marketing", granted, "sign_up", ctx.t.lang).await {
                tracing::warn!(error = %e, "consent at sign-up not recorded");
            }
        }
    };
    match st.cb.accounts().register(input, st.config.public_url.trim_end_matches('/')).await {
        Ok(Registered::Created(profile)) => {
            record_consent(profile.region.clone(), profile.id.clone()).await;
            let attempt = SignIn { email: &form.email, password, kind: SessionKind::Cookie, replaces: None, device: None };
            match st.cb.sessions().sign_in_with(attempt).await {
                Ok(s) => with_sign_in_cookies(&st, Redirect::to("/me").into_response(), &s.token, &s.device_cookie),
                Err(_) => Redirect::to("/signin").into_response(),
            }
        }
        Ok(Registered::Pending(account)) => {
            if let Some((region, subject)) = account {
                record_consent(region, subject).await;
            }
            // The same page for a new address and for one that has an account.
            CheckMailboxPage { t: ctx.t, signed_in: false, contact: contact(&st) }.into_response()
        }
        Err(e) => {
            let (status, message) = refusal(e, ctx.t);
            fail(form, status, message)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
struct SignInPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    errors: Vec<String>,
    email: String,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

async fn signin_page(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<NoticeQuery>) -> impl IntoResponse {
    let notice = match q.notice.as_str() {
        "deleted" => Some(ctx.t.deleted),
        "activated" => Some(ctx.t.activated),
        _ => None,
    };
    SignInPage { t: ctx.t, signed_in: ctx.auth.is_some(), contact: contact(&st), errors: vec![], email: String::new(), notice }
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn signin_submit(
    State(st): State<AppState>,
    ip: ClientIp,
    ctx: PageCtx,
    headers: HeaderMap,
    Form(mut form): Form<SignInForm>,
) -> Response {
    let password = Zeroizing::new(std::mem::take(&mut form.password));
    let fail = |email: String, status: StatusCode, msg: String| {
        (status, SignInPage { t: ctx.t, signed_in: false, contact: contact(&st), errors: vec![msg], email, notice: None }).into_response()
    };
    if !st.limiter.check(st.cb.clock(), Scope::SignInIp, ip.0.to_string().as_bytes()) {
        return fail(form.email, StatusCode::TOO_MANY_REQUESTS, ctx.t.too_many_attempts.into());
    }
    let device = presented_device(&st, &headers);
    let mut parts = Request::new(()).into_parts().0;
    parts.headers = headers;
    let presented = presented_token(&parts, &st).map(|(t, _)| Zeroizing::new(t));
    let attempt = SignIn {
        email: &form.email,
        password,
        kind: SessionKind::Cookie,
        replaces: presented.as_deref().map(String::as_str),
        device: device.as_deref(),
    };
    match st.cb.sessions().sign_in_with(attempt).await {
        Ok(s) => with_sign_in_cookies(&st, Redirect::to("/me").into_response(), &s.token, &s.device_cookie),
        Err(e) => {
            let (status, message) = refusal(e, ctx.t);
            fail(form.email, status, message)
        }
    }
}

fn signed_out_redirect(st: &AppState, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(header::SET_COOKIE, clear_session_cookie(st));
    res.headers_mut().insert("clear-site-data", header::HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""));
    res
}

async fn signout(State(st): State<AppState>, ctx: PageCtx) -> Response {
    if let Some(a) = ctx.auth {
        let _ = st.cb.sessions().sign_out(&a.principal).await;
    }
    signed_out_redirect(&st, "/")
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
struct ProfilePage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    errors: Vec<String>,
    saved: bool,
    p: Profile,
    phone: String,
    sessions: Vec<SessionInfo>,
    consents: Vec<clearboard_core::privacy::consent::PurposeConsent>,
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: String,
}

async fn render_profile(st: &AppState, ctx: &PageCtx, errors: Vec<String>, saved: bool, status: StatusCode) -> Response {
    let Some(auth) = &ctx.auth else {
        return Redirect::to("/signin").into_response();
    };
    let p = match st.cb.accounts().me(&auth.principal).await {
        Ok(p) => p,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let sessions = st.cb.sessions().list(&auth.principal).await.unwrap_or_default();
    let consents = st.cb.consents().of_subject(&auth.principal, ctx.t.lang).await.unwrap_or_default();
    let phone = p.phone.clone().unwrap_or_default();
    (status, ProfilePage { t: ctx.t, signed_in: true, contact: contact(st), errors, saved, p, phone, sessions, consents }).into_response()
}

async fn profile_page(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<SavedQuery>) -> Response {
    render_profile(&st, &ctx, vec![], q.saved == "1", StatusCode::OK).await
}

async fn after_change(st: &AppState, ctx: &PageCtx, result: Result<(), CoreError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/me?saved=1").into_response(),
        Err(e) => {
            let (status, message) = refusal(e, ctx.t);
            render_profile(st, ctx, vec![message], false, status).await
        }
    }
}

#[derive(Deserialize)]
struct ProfileForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    locale: String,
}

async fn profile_submit(State(st): State<AppState>, ctx: PageCtx, Form(f): Form<ProfileForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let change = ProfileChange {
        first_name: Some(f.first_name),
        last_name: Some(f.last_name),
        phone: Some(Some(f.phone)),
        locale: Some(f.locale).filter(|l| !l.is_empty()),
        ..ProfileChange::default()
    };
    let r = st.cb.accounts().update(&auth.principal, change).await.map(|_| ());
    after_change(&st, &ctx, r).await
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

async fn email_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(mut f): Form<EmailForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let change = ProfileChange {
        email: Some(f.email),
        current_password: Some(Zeroizing::new(std::mem::take(&mut f.current_password))),
        client: Some(ip.0.to_string()),
        ..ProfileChange::default()
    };
    let r = st.cb.accounts().update(&auth.principal, change).await.map(|_| ());
    after_change(&st, &ctx, r).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn password_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(mut f): Form<PasswordForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let change = ProfileChange {
        new_password: Some(Zeroizing::new(std::mem::take(&mut f.new_password))),
        current_password: Some(Zeroizing::new(std::mem::take(&mut f.current_password))),
        client: Some(ip.0.to_string()),
        ..ProfileChange::default()
    };
    let r = st.cb.accounts().update(&auth.principal, change).await.map(|_| ());
    after_change(&st, &ctx, r).await
}

async fn picture_submit(State(st): State<AppState>, ctx: PageCtx, headers: HeaderMap, req: Request) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let r = match upload_bytes(&st, &headers, req).await {
        Ok(bytes) => st.cb.accounts().set_picture(&auth.principal, &bytes).await.map(|_| ()),
        Err(e) => return render_profile(&st, &ctx, vec![e.message], false, e.status).await,
    };
    after_change(&st, &ctx, r).await
}

async fn picture_delete(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let r = st.cb.accounts().remove_picture(&auth.principal).await;
    after_change(&st, &ctx, r).await
}

async fn end_all(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let _ = st.cb.sessions().sign_out_everywhere(&auth.principal).await;
    signed_out_redirect(&st, "/signin")
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    password: String,
}

async fn delete_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(mut f): Form<DeleteForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let pw = Zeroizing::new(std::mem::take(&mut f.password));
    match st.cb.accounts().delete_from(&auth.principal, Some(pw), Some(&ip.0.to_string())).await {
        Ok(receipt) => {
            let mut res = crate::privacy_pages::erased_page(&st, ctx.t, &receipt);
            res.headers_mut().append(header::SET_COOKIE, clear_session_cookie(&st));
            res.headers_mut().insert("clear-site-data", header::HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""));
            res
        }
        Err(e) => {
            let (status, message) = refusal(e, ctx.t);
            render_profile(&st, &ctx, vec![message], false, status).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "check_mailbox.html")]
struct CheckMailboxPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
}

struct RuleRow {
    rule: String,
    days: u32,
    enforcement: &'static str,
    due: u64,
    held: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_retention.html")]
struct StaffRetentionPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    rules: Vec<RuleRow>,
    runs: Vec<clearboard_core::privacy::retention::RunReport>,
    holds: Vec<clearboard_core::privacy::retention::HoldInfo>,
}

/// The staff page of the retention scheduler (C-RET-6): what is due, what was purged, holds.
async fn staff_retention(State(st): State<AppState>, ctx: PageCtx) -> Response {
    use clearboard_core::privacy::retention::Enforcement;
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let r = st.cb.retention();
    let data = async {
        st.cb.staff().on_duty(&auth.principal).await?;
        Ok::<_, CoreError>((r.status().await?, r.runs(50).await?, r.holds(&auth.principal).await?))
    }
    .await;
    match data {
        Ok((rules, runs, holds)) => StaffRetentionPage {
            t: ctx.t,
            signed_in: true,
            contact: contact(&st),
            rules: rules
                .into_iter()
                .map(|s| RuleRow {
                    rule: s.rule,
                    days: s.days,
                    enforcement: match s.enforcement {
                        Some(Enforcement::PurgeSessions) => "scheduler: purge expired sessions",
                        Some(Enforcement::PurgePageViews) => "scheduler: purge old page views",
                        Some(Enforcement::AtTrigger) => "erased when the trigger happens",
                        Some(Enforcement::NotCollected) => "not stored by this version",
                        None => "NOT ENFORCED",
                    },
                    due: s.due,
                    held: s.held,
                })
                .collect(),
            runs,
            holds,
        }
        .into_response(),
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}

/// Consents from the profile page: each consent-based purpose is a checkbox; unticking is
/// withdrawing, as easy as ticking (C-USE-3).
async fn consents_submit(State(st): State<AppState>, ctx: PageCtx, Form(f): Form<std::collections::HashMap<String, String>>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let current = st.cb.consents().of_subject(&auth.principal, ctx.t.lang).await.unwrap_or_default();
    let mut result = Ok(());
    for c in current {
        let wanted = f.contains_key(&c.purpose);
        if wanted != c.granted {
            result = st.cb.consents().set_subject(&auth.principal, &c.purpose, wanted, "privacy_centre", ctx.t.lang).await;
            if result.is_err() {
                break;
            }
        }
    }
    after_change(&st, &ctx, result).await
}

struct Bar {
    label: String,
    value: String,
    y: u32,
    width: u32,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_statistics.html")]
struct StaffStatisticsPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    stats: clearboard_core::privacy::navigation::Stats,
    bars: Vec<Bar>,
    height: u32,
}

/// Aggregated statistics for staff, drawn as inline SVG (no chart library, nothing external).
async fn staff_statistics(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    if let Err(e) = st.cb.staff().on_duty(&auth.principal).await {
        return crate::error::AppError::from(e).into_response();
    }
    let to = st.cb.now() + 1; // up to and including now
    let stats = match st.cb.navigation().statistics(to - 30 * clearboard_core::platform::clock::DAY, to).await {
        Ok(s) => s,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let max = stats.pages.iter().filter_map(|p| p.views.value).max().unwrap_or(1).max(1);
    let bars: Vec<Bar> = stats
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| Bar {
            label: p.page.clone(),
            value: p.views.value.map_or_else(|| format!("fewer than {} people", stats.k), |v| v.to_string()),
            y: 10 + i as u32 * 28,
            width: p.views.value.map_or(0, |v| (v * 360 / max) as u32),
        })
        .collect();
    let height = 20 + bars.len() as u32 * 28;
    StaffStatisticsPage { t: ctx.t, signed_in: true, contact: contact(&st), stats, bars, height }.into_response()
}
