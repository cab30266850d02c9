//! Identity pages: sign-up, sign-in, sign-out, profile (with its consent choices). Plain forms that work without JavaScript;
//! a form with a mistake comes back with what was typed (never the password) and the reason.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearboard_core::CoreError;
use clearboard_core::identity::accounts::{NewAccount, Profile, ProfileChange};
use clearboard_core::identity::activation::Registered;
use clearboard_core::identity::sessions::{SessionInfo, SessionKind, SignIn};
use clearboard_core::platform::error_codes::ErrorCode;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::identity::cookies::{clear_session_cookie, device_cookie, presented_device, session_cookie};
use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::extract::email_key;
use crate::platform::extract::{ClientIp, presented_token};
use crate::platform::i18n::Texts;
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;
use crate::platform::upload::upload_bytes;

/// Where a person lands after signing in or up: their boards (issue 14), not the profile form.
pub const LANDING: &str = "/app";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup_submit))
        .route("/signin", get(signin_page).post(signin_submit))
        .route("/activate", get(crate::identity::activation::page).post(crate::identity::activation::submit))
        .route("/signout", post(signout))
        .route("/me", get(profile_page).post(profile_submit))
        .route("/me/email", post(email_submit))
        .route("/me/password", post(password_submit))
        .route("/me/picture", post(picture_submit).layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024)))
        .route("/me/picture/delete", post(picture_delete))
        .route("/me/sessions/end-all", post(end_all))
        .route("/me/delete", post(delete_submit))
        .route("/me/deleted", get(deleted_page))
        .route("/me/consents", post(consents_submit))
}

/// Adds the session and device cookies of a sign-in to a response.
fn with_sign_in_cookies(st: &AppState, mut res: Response, token: &str, device: &str) -> Response {
    res.headers_mut().append(header::SET_COOKIE, session_cookie(st, token));
    res.headers_mut().append(header::SET_COOKIE, device_cookie(st, device));
    res
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
    refusal: Option<Refusal>,
    form: SignUpForm,
    regions: Vec<(String, String)>,
    marketing_text: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
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
        consent: ctx.consent.clone(),
        contact: contact(&st),
        refusal: None,
        form,
        regions: regions(&st, ctx.t.lang),
        marketing_text: marketing_text(&st, ctx.t.lang),
    }
}

async fn signup_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(mut form): Form<SignUpForm>) -> Response {
    let password = Zeroizing::new(std::mem::take(&mut form.password));
    let fail = |form: SignUpForm, refusal: Refusal| {
        let code = refusal.mark();
        let page = SignUpPage {
            t: ctx.t,
            signed_in: false,
            consent: ctx.consent.clone(),
            contact: contact(&st),
            refusal: Some(refusal),
            form,
            regions: regions(&st, ctx.t.lang),
            marketing_text: marketing_text(&st, ctx.t.lang),
        };
        form_page(StatusCode::OK, Some(code), page)
    };
    if !st.limiter.check(st.cb.clock(), Scope::SignUpIp, ip.0.to_string().as_bytes())
        || !st.limiter.check(st.cb.clock(), Scope::SignUpAddress, &email_key(&st, &form.email))
    {
        return fail(form, Refusal::code(ErrorCode::RateLimited, ctx.t));
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
            let who = clearboard_core::identity::principal::Principal { subject, region, token_hash: Vec::new() };
            match st.cb.consents().set_subject(&who, "marketing", granted, "sign_up", ctx.t.lang).await {
                Ok(()) => crate::business::newsletter::follow_consent(&st, &who, "marketing", granted, "sign_up").await,
                Err(e) => tracing::warn!(error = %e, "consent at sign-up not recorded"),
            }
        }
    };
    match st.cb.accounts().register(input, st.config.public_url.trim_end_matches('/')).await {
        Ok(Registered::Created(profile)) => {
            record_consent(profile.region.clone(), profile.id.clone()).await;
            let attempt = SignIn { email: &form.email, password, kind: SessionKind::Cookie, replaces: None, device: None };
            match st.cb.sessions().sign_in_with(attempt).await {
                Ok(s) => with_sign_in_cookies(&st, Redirect::to(LANDING).into_response(), &s.token, &s.device_cookie),
                Err(_) => Redirect::to("/signin").into_response(),
            }
        }
        Ok(Registered::Pending(account)) => {
            if let Some((region, subject)) = account {
                record_consent(region, subject).await;
            }
            // The same page for a new address and for one that has an account.
            CheckMailboxPage { t: ctx.t, signed_in: false, consent: ctx.consent.clone(), contact: contact(&st) }.into_response()
        }
        Err(e) => fail(form, Refusal::of(e, ctx.t)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
struct SignInPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    email: String,
    notice: Option<&'static str>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
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
    SignInPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        consent: ctx.consent.clone(),
        contact: contact(&st),
        refusal: None,
        email: String::new(),
        notice,
    }
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
    let fail = |email: String, refusal: Refusal| {
        let code = refusal.mark();
        form_page(
            StatusCode::OK,
            Some(code),
            SignInPage {
                t: ctx.t,
                signed_in: false,
                consent: ctx.consent.clone(),
                contact: contact(&st),
                refusal: Some(refusal),
                email,
                notice: None,
            },
        )
    };
    if !st.limiter.check(st.cb.clock(), Scope::SignInIp, ip.0.to_string().as_bytes()) {
        return fail(form.email, Refusal::code(ErrorCode::RateLimited, ctx.t));
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
        Ok(s) => with_sign_in_cookies(&st, Redirect::to(LANDING).into_response(), &s.token, &s.device_cookie),
        Err(e) => fail(form.email, Refusal::of(e, ctx.t)),
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
    refusal: Option<Refusal>,
    saved: bool,
    p: Profile,
    phone: String,
    sessions: Vec<SessionInfo>,
    consents: Vec<clearboard_core::privacy::consent::PurposeConsent>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    leaving: Vec<crate::identity::departure::Leaving>,
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: String,
}

async fn render_profile(st: &AppState, ctx: &PageCtx, refusal: Option<Refusal>, saved: bool) -> Response {
    let Some(auth) = &ctx.auth else {
        return Redirect::to("/signin").into_response();
    };
    let p = match st.cb.accounts().me(&auth.principal).await {
        Ok(p) => p,
        Err(e) => return crate::platform::error::AppError::from(e).into_response(),
    };
    let sessions = st.cb.sessions().list(&auth.principal).await.unwrap_or_default();
    let consents = st.cb.consents().of_subject(&auth.principal, ctx.t.lang).await.unwrap_or_default();
    let phone = p.phone.clone().unwrap_or_default();
    let leaving = crate::identity::departure::leaving(st, &auth.principal, ctx.t.lang).await;
    let refused = refusal.as_ref().map(Refusal::mark);
    form_page(
        StatusCode::OK,
        refused,
        ProfilePage {
            t: ctx.t,
            signed_in: true,
            consent: ctx.consent.clone(),
            contact: contact(st),
            refusal,
            saved,
            p,
            phone,
            sessions,
            consents,
            leaving,
        },
    )
}

async fn profile_page(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<SavedQuery>) -> Response {
    render_profile(&st, &ctx, None, q.saved == "1").await
}

async fn after_change(st: &AppState, ctx: &PageCtx, result: Result<(), CoreError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/me?saved=1").into_response(),
        Err(e) => render_profile(st, ctx, Some(Refusal::of(e, ctx.t)), false).await,
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

/// Applies a change to the signed-in person's profile and shows the profile again.
async fn change_profile(st: &AppState, ctx: &PageCtx, change: ProfileChange) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let r = st.cb.accounts().update(&auth.principal, change).await.map(|_| ());
    after_change(st, ctx, r).await
}

/// A change that needs the current password (email, password): it goes with the change, and
/// the client's address with it (wrong passwords are throttled per address too).
fn reauthenticated(change: ProfileChange, current_password: &mut String, ip: &ClientIp) -> ProfileChange {
    ProfileChange { current_password: Some(Zeroizing::new(std::mem::take(current_password))), client: Some(ip.0.to_string()), ..change }
}

async fn profile_submit(State(st): State<AppState>, ctx: PageCtx, Form(f): Form<ProfileForm>) -> Response {
    let change = ProfileChange {
        first_name: Some(f.first_name),
        last_name: Some(f.last_name),
        phone: Some(Some(f.phone)),
        locale: Some(f.locale).filter(|l| !l.is_empty()),
        ..ProfileChange::default()
    };
    let chosen = change.locale.clone();
    let mut res = change_profile(&st, &ctx, change).await;
    // The browser's remembered language follows the account's (else the cookie would win).
    if let Some(l) = chosen.filter(|_| res.status().is_redirection()) {
        res.headers_mut().append(axum::http::header::SET_COOKIE, crate::platform::i18n::lang_cookie(&l, st.config.secure_cookies()));
    }
    res
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

async fn email_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(mut f): Form<EmailForm>) -> Response {
    let change = ProfileChange { email: Some(f.email), ..ProfileChange::default() };
    change_profile(&st, &ctx, reauthenticated(change, &mut f.current_password, &ip)).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn password_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(mut f): Form<PasswordForm>) -> Response {
    let change = ProfileChange { new_password: Some(Zeroizing::new(std::mem::take(&mut f.new_password))), ..ProfileChange::default() };
    change_profile(&st, &ctx, reauthenticated(change, &mut f.current_password, &ip)).await
}

async fn picture_submit(State(st): State<AppState>, ctx: PageCtx, headers: HeaderMap, req: Request) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let r = match upload_bytes(&st, &headers, req).await {
        Ok(bytes) => st.cb.accounts().set_picture(&auth.principal, &bytes).await.map(|_| ()),
        Err(e) => return render_profile(&st, &ctx, Some(Refusal::new(&e, ctx.t)), false).await,
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

/// The password, a ticked `confirm_<org id>` for each organisation deleted with boards, and
/// the choice for each one owned with other members (`fate_<org id>`, `heir_<org id>`).
/// Post/Redirect/Get: success answers 303 to `/me/deleted`.
async fn delete_submit(
    State(st): State<AppState>,
    ip: ClientIp,
    ctx: PageCtx,
    headers: axum::http::HeaderMap,
    Form(mut f): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let pw = Zeroizing::new(f.remove("password").unwrap_or_default());
    let leaving = crate::identity::departure::leaving(&st, &auth.principal, ctx.t.lang).await;
    if let Some(refusal) = crate::identity::departure::unconfirmed(&leaving, &f, ctx.t) {
        return render_profile(&st, &ctx, Some(refusal), false).await;
    }
    let decisions = crate::identity::departure::form_decisions(&leaving, &f);
    let client = ip.0.to_string();
    match st.cb.accounts().delete_from(&auth.principal, Some(pw), Some(&client), &decisions, &crate::business::support_api::base(&st)).await
    {
        Ok(receipt) => {
            // The session is gone on the server; the browser still presents its cookie once,
            // to fetch the receipt kept for it.
            let token = presented_session(&st, &headers);
            st.receipts.keep(st.cb.now(), &token, receipt);
            Redirect::to("/me/deleted").into_response()
        }
        Err(e) => render_profile(&st, &ctx, Some(Refusal::of(e, ctx.t)), false).await,
    }
}

/// The session cookie's value, if the request has one.
fn presented_session(st: &AppState, headers: &axum::http::HeaderMap) -> String {
    axum_extra::extract::CookieJar::from_headers(headers)
        .get(st.config.session_cookie_name())
        .map(|c| c.value().to_string())
        .unwrap_or_default()
}

/// After a deletion: the signed receipt (once), and the session cookie and site data removed.
async fn deleted_page(State(st): State<AppState>, ctx: PageCtx, headers: axum::http::HeaderMap) -> Response {
    let token = presented_session(&st, &headers);
    let receipt = if token.is_empty() { None } else { st.receipts.take(st.cb.now(), &token) };
    let mut res = crate::privacy::centre_pages::erased_page(&st, ctx.t, receipt.as_ref());
    res.headers_mut().append(header::SET_COOKIE, clear_session_cookie(&st));
    res.headers_mut().insert("clear-site-data", header::HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""));
    res
}

#[derive(Template, WebTemplate)]
#[template(path = "check_mailbox.html")]
struct CheckMailboxPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
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
            crate::business::newsletter::follow_consent(&st, &auth.principal, &c.purpose, wanted, "privacy_centre").await;
        }
    }
    after_change(&st, &ctx, result).await
}
