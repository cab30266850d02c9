//! Rights requests from anyone: the API, the web form and its verification pages, and the
//! staff queue (`/api/v1/staff/requests`), plus the disclosure log entry point for staff.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::Router;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::privacy::rights::requests::{DeleteException, NewRequest, RECEIVED};
use serde::Deserialize;
use serde_json::json;

use crate::pages::ctx::PageCtx;
use crate::platform::error::AppError;
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::extract::{ApiJson, Auth, ClientIp};
use crate::platform::i18n::{Texts, answer_lang};
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;
use crate::platform::upload::multipart_error;

const FORM_LIMIT: usize = 6 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests", post(api_submit).layer(DefaultBodyLimit::max(FORM_LIMIT + 64 * 1024)))
        .route("/api/v1/requests/verify", post(api_verify))
        .route("/api/v1/requests/confirm", post(api_confirm))
        .route("/privacy/requests", get(request_form).post(form_submit).layer(DefaultBodyLimit::max(FORM_LIMIT + 64 * 1024)))
        .route("/privacy/requests/verify", get(verify_page).post(verify_submit))
        .route("/privacy/requests/confirm", get(confirm_page).post(confirm_submit))
        .route("/api/v1/staff/requests", get(queue).post(staff_enter))
        .route("/api/v1/staff/requests/{id}", get(detail))
        .route("/api/v1/staff/requests/{id}/document", get(document))
        .route("/api/v1/staff/requests/{id}/extend", post(extend))
        .route("/api/v1/staff/requests/{id}/refuse", post(refuse))
        .route("/api/v1/staff/requests/{id}/complete", post(complete))
        .route("/api/v1/staff/disclosures", post(disclose))
        .route("/staff/requests", get(staff_page))
        .route("/staff/requests/{id}/{action}", post(staff_action))
}

fn base(st: &AppState) -> String {
    st.config.public_url.trim_end_matches('/').to_string()
}

fn limited(st: &AppState, ip: &ClientIp) -> Result<(), AppError> {
    if st.limiter.check(st.cb.clock(), Scope::SignUpIp, &crate::platform::extract::ip_key(ip)) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::RateLimited))
    }
}

/// The one answer to every accepted submission (identical bytes for known and unknown
/// addresses).
fn received() -> Response {
    (StatusCode::ACCEPTED, Json(json!({ "status": "received", "message": RECEIVED }))).into_response()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    kind: String,
    email: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    on_behalf: Option<String>,
    #[serde(default)]
    person_email: Option<String>,
    /// The agent's signed permission (or a guardian's proof), base64.
    #[serde(default)]
    document_base64: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

impl RequestBody {
    /// `lang` is the request's negotiated language, for a body that names none (issue 14).
    fn into_new(self, channel: &str, lang: &str) -> Result<NewRequest, AppError> {
        use base64::Engine;
        if self.lang.as_deref().is_some_and(|l| !matches!(l, "en" | "fr")) {
            return Err(AppError::new(ErrorCode::ValidationFailed).detail("`lang` is `en` or `fr`").field("lang"));
        }
        let document = match self.document_base64.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => Some(base64::engine::general_purpose::STANDARD.decode(d).map_err(|_| {
                AppError::new(ErrorCode::ValidationFailed).detail("the document is not valid base64").field("document_base64")
            })?),
            None => None,
        };
        Ok(NewRequest {
            kind: self.kind,
            email: self.email,
            name: self.name,
            details: self.details,
            on_behalf: self.on_behalf.unwrap_or_else(|| "self".into()),
            person_email: self.person_email,
            document,
            channel: channel.into(),
            lang: self.lang.unwrap_or_else(|| lang.into()),
        })
    }
}

/// Reads a request from JSON or a multipart form (fields plus a `document` file).
async fn read_request(st: &AppState, headers: &HeaderMap, req: Request) -> Result<RequestBody, AppError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.starts_with("multipart/form-data") {
        let bad = |e: MultipartError| multipart_error(&e, || AppError::new(ErrorCode::PayloadTooLarge));
        let mut form = Multipart::from_request(req, st).await.map_err(|_| AppError::new(ErrorCode::MalformedMultipart))?;
        let mut b = RequestBody::default();
        let mut doc: Option<Vec<u8>> = None;
        while let Some(field) = form.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_string();
            if name == "document" {
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    doc = Some(bytes.to_vec());
                }
                continue;
            }
            let text = field.text().await.map_err(bad)?;
            match name.as_str() {
                "kind" => b.kind = text,
                "email" => b.email = text,
                "name" => b.name = Some(text),
                "details" => b.details = Some(text),
                "on_behalf" => b.on_behalf = Some(text),
                "person_email" => b.person_email = Some(text),
                "lang" => b.lang = Some(text),
                _ => {}
            }
        }
        if let Some(d) = doc {
            use base64::Engine;
            b.document_base64 = Some(base64::engine::general_purpose::STANDARD.encode(d));
        }
        Ok(b)
    } else {
        let ApiJson(b) = ApiJson::<RequestBody>::from_request(req, st).await?;
        Ok(b)
    }
}

async fn api_submit(State(st): State<AppState>, ip: ClientIp, headers: HeaderMap, req: Request) -> Result<Response, AppError> {
    limited(&st, &ip)?;
    let lang = answer_lang(&headers, req.uri(), None).lang;
    let body = read_request(&st, &headers, req).await?;
    st.cb.requests().submit(body.into_new("api", lang)?, &base(&st)).await?;
    Ok(received())
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

async fn api_verify(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    let state = st.cb.requests().verify(&b.token, &base(&st)).await?;
    Ok(Json(json!({ "state": state })).into_response())
}

async fn api_confirm(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    let state = st.cb.requests().confirm(&b.token).await?;
    Ok(Json(json!({ "state": state })).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "requests.html")]
struct RequestsPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    notice: String,
    show_form: bool,
    confirm_action: String,
    token: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

fn page(
    st: &AppState,
    ctx: &PageCtx,
    status: StatusCode,
    refusal: Option<Refusal>,
    notice: &str,
    show_form: bool,
    confirm: (&str, &str),
) -> Response {
    let refused = refusal.as_ref().map(Refusal::mark);
    let p = RequestsPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        consent: ctx.consent.clone(),
        contact: st.cb.policy().doc().controller.privacy_contact.clone(),
        refusal,
        notice: notice.to_string(),
        show_form,
        confirm_action: confirm.0.to_string(),
        token: confirm.1.to_string(),
    };
    let mut res = form_page(status, refused, p);
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

async fn request_form(State(st): State<AppState>, ctx: PageCtx) -> Response {
    page(&st, &ctx, StatusCode::OK, None, "", true, ("", ""))
}

async fn form_submit(State(st): State<AppState>, ctx: PageCtx, ip: ClientIp, headers: HeaderMap, req: Request) -> Response {
    if let Err(e) = limited(&st, &ip) {
        return e.into_response();
    }
    let body = match read_request(&st, &headers, req).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let lang = ctx.t.lang.to_string();
    let new = match body.into_new("web_form", &lang) {
        Ok(n) => NewRequest { lang, ..n },
        Err(e) => return e.into_response(),
    };
    match st.cb.requests().submit(new, &base(&st)).await {
        Ok(_) => page(&st, &ctx, StatusCode::ACCEPTED, None, RECEIVED, false, ("", "")),
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), "", true, ("", "")),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Opening the link shows a button: the request is confirmed by a POST, so that mail scanners
/// that fetch links do not confirm anything.
async fn verify_page(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<TokenQuery>) -> Response {
    let msg = if ctx.t.lang == "fr" { "Confirmez que cette demande est bien la vôtre." } else { "Confirm that this request is yours." };
    page(&st, &ctx, StatusCode::OK, None, msg, false, ("/privacy/requests/verify", &q.token))
}

async fn verify_submit(State(st): State<AppState>, ctx: PageCtx, axum::Form(b): axum::Form<TokenBody>) -> Response {
    match st.cb.requests().verify(&b.token, &base(&st)).await {
        Ok(state) => {
            let msg = if state == "awaiting_confirmation" {
                "Thank you. We have asked the person you act for to confirm; we go ahead once they do."
            } else {
                "Thank you: your request is confirmed. We sent you an acknowledgement with the date we will answer by."
            };
            page(&st, &ctx, StatusCode::OK, None, msg, false, ("", ""))
        }
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), "", false, ("", "")),
    }
}

async fn confirm_page(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<TokenQuery>) -> Response {
    let msg = if ctx.t.lang == "fr" {
        "Confirmez que vous avez autorisé cette personne à agir pour vous."
    } else {
        "Confirm that you authorised this person to act for you."
    };
    page(&st, &ctx, StatusCode::OK, None, msg, false, ("/privacy/requests/confirm", &q.token))
}

async fn confirm_submit(State(st): State<AppState>, ctx: PageCtx, axum::Form(b): axum::Form<TokenBody>) -> Response {
    match st.cb.requests().confirm(&b.token).await {
        Ok(_) => page(&st, &ctx, StatusCode::OK, None, "Thank you: the request made for you goes ahead.", false, ("", "")),
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), "", false, ("", "")),
    }
}

// ---- Staff ----

async fn queue(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "requests": st.cb.requests().queue(&auth.principal.subject).await? })).into_response())
}

async fn detail(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.requests().detail(&auth.principal.subject, &id).await?).into_response())
}

/// A request's proof document, through the staff gate (C-ID-1): the reason names why, the
/// opening is audited in the person's trail, and the bytes are never cached.
async fn document(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    crate::platform::extract::ApiQuery(q): crate::platform::extract::ApiQuery<crate::identity::api::ReasonQuery>,
) -> Result<Response, AppError> {
    let reason = crate::identity::api::parse_reason(&q.reason)?;
    let bytes = st.cb.requests().open_document(&auth.principal, &id, reason).await?;
    let mut res = bytes.to_vec().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_DISPOSITION, axum::http::HeaderValue::from_static("attachment; filename=\"proof-document\""));
    h.insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    h.insert("content-security-policy", axum::http::HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(res)
}

async fn staff_enter(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<RequestBody>) -> Result<Response, AppError> {
    let id = st.cb.requests().enter_for(&auth.principal.subject, b.into_new("email", "en")?, &base(&st)).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    #[serde(default)]
    reason: String,
}

async fn extend(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, ApiJson(b): ApiJson<Reason>) -> Result<Response, AppError> {
    Ok(Json(st.cb.requests().extend(&auth.principal.subject, &id, &b.reason).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefuseBody {
    #[serde(default)]
    reason: String,
    /// For a CCPA deletion: which of its two exceptions (C-CCPA-5).
    #[serde(default)]
    exception: Option<String>,
}

async fn refuse(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RefuseBody>,
) -> Result<Response, AppError> {
    Ok(Json(refusal(&st, &auth.principal.subject, &id, &b.reason, b.exception.as_deref()).await?).into_response())
}

/// A refusal, with one of a CCPA deletion's two exceptions when `exception` names one (the
/// API and the staff page).
async fn refusal(
    st: &AppState,
    who: &clearboard_core::platform::ids::SubjectId,
    id: &str,
    reason: &str,
    exception: Option<&str>,
) -> Result<clearboard_core::privacy::rights::requests::QueueItem, AppError> {
    let requests = st.cb.requests();
    Ok(match exception {
        None => requests.refuse(who, id, reason).await?,
        Some(e) => {
            let exception = DeleteException::parse(e).ok_or_else(|| {
                AppError::new(ErrorCode::ValidationFailed).detail("`legal_obligation` or `needed_to_provide_services`").field("exception")
            })?;
            requests.refuse_ccpa_delete(who, id, exception, reason).await?
        }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    #[serde(default)]
    note: String,
}

async fn complete(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, ApiJson(b): ApiJson<Note>) -> Result<Response, AppError> {
    Ok(Json(st.cb.requests().complete(&auth.principal.subject, &id, &b.note, &base(&st)).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Disclosure {
    subject_id: String,
    recipient: String,
    legal_basis: String,
    scope: String,
    #[serde(default)]
    contact: Option<String>,
    /// A recorded legal reason not to tell the person beforehand (C-SHARE-5).
    #[serde(default)]
    withhold_notice_reason: Option<String>,
}

async fn disclose(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<Disclosure>) -> Result<Response, AppError> {
    let subject = clearboard_core::platform::ids::SubjectId::parse(&b.subject_id).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let id = st
        .cb
        .requests()
        .record_disclosure(
            &auth.principal.subject,
            &subject,
            &b.recipient,
            &b.legal_basis,
            &b.scope,
            b.contact.as_deref(),
            b.withhold_notice_reason.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

// ---- Staff page ----

#[derive(Template, WebTemplate)]
#[template(path = "staff_requests.html")]
struct StaffRequestsPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    notice: String,
    items: Vec<clearboard_core::privacy::rights::requests::QueueItem>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

async fn render_queue(st: &AppState, ctx: &PageCtx, refusal: Option<Refusal>, notice: String) -> Response {
    let Some(auth) = &ctx.auth else { return axum::response::Redirect::to("/signin").into_response() };
    match st.cb.requests().queue(&auth.principal.subject).await {
        Ok(items) => {
            let refused = refusal.as_ref().map(Refusal::mark);
            let page = StaffRequestsPage {
                t: ctx.t,
                signed_in: true,
                consent: ctx.consent.clone(),
                contact: st.cb.policy().doc().controller.privacy_contact.clone(),
                refusal,
                notice,
                items,
            };
            let mut res = form_page(StatusCode::OK, refused, page);
            res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn staff_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    render_queue(&st, &ctx, None, String::new()).await
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    /// A CCPA deletion's exception (`legal_obligation`, `needed_to_provide_services`), if any.
    #[serde(default)]
    exception: String,
}

async fn staff_action(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path((id, action)): Path<(String, String)>,
    axum::Form(f): axum::Form<ActionForm>,
) -> Response {
    let Some(auth) = &ctx.auth else { return axum::response::Redirect::to("/signin").into_response() };
    let who = &auth.principal.subject;
    let r = match action.as_str() {
        "extend" => st.cb.requests().extend(who, &id, &f.reason).await.map(|_| "Extended; the person was told why."),
        "refuse" => match refusal(&st, who, &id, &f.reason, Some(f.exception.as_str()).filter(|e| !e.is_empty())).await {
            Ok(_) => Ok("Refused; the person was told why and where to complain."),
            Err(e) => return render_queue(&st, &ctx, Some(Refusal::new(&e, ctx.t)), String::new()).await,
        },
        "complete" => st.cb.requests().complete(who, &id, &f.note, &base(&st)).await.map(|_| "Completed; the answer was sent."),
        _ => return AppError::new(ErrorCode::NotFound).into_response(),
    };
    match r {
        Ok(msg) => render_queue(&st, &ctx, None, msg.into()).await,
        Err(e) => render_queue(&st, &ctx, Some(Refusal::of(e, ctx.t)), String::new()).await,
    }
}
