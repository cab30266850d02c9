//! The support desk's JSON API: `POST /api/v1/support/requests` from anyone (the same 202
//! whatever the address, rate-limited per client), the private link (its token in the body,
//! never in a path), the signed-in requester's tickets, and the staff desk under
//! `/api/v1/staff/support/…`. Handlers never log bodies, addresses or tokens.

use axum::Json;
use axum::Router;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearboard_core::business::support::desk::TicketUpdate;
use clearboard_core::business::support::service::{ATTACHMENT_MAX, NewTicket, RECEIVED};
use clearboard_core::platform::error_codes::ErrorCode;
use serde::Deserialize;
use serde_json::json;

use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth, ClientIp, MaybeAuth, TokenBody};
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;
use crate::platform::upload::multipart_error;

pub(crate) const FORM_LIMIT: usize = ATTACHMENT_MAX + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/support/requests", post(submit).layer(DefaultBodyLimit::max(FORM_LIMIT * 2)))
        .route("/api/v1/support/ticket", post(by_token))
        .route("/api/v1/support/ticket/replies", post(reply_by_token).layer(DefaultBodyLimit::max(FORM_LIMIT * 2)))
        .route("/api/v1/me/support/tickets", get(mine))
        .route("/api/v1/me/support/tickets/{id}", get(my_ticket))
        .route("/api/v1/me/support/tickets/{id}/replies", post(my_reply))
        .route("/api/v1/staff/support/tickets", get(queue))
        .route("/api/v1/staff/support/tickets/{id}", get(open).patch(update))
        .route("/api/v1/staff/support/tickets/{id}/replies", post(staff_reply))
        .route("/api/v1/staff/support/canned", get(canned))
}

pub(crate) fn base(st: &AppState) -> String {
    st.config.public_url.trim_end_matches('/').to_string()
}

/// One bucket per client for every public form that sends mail.
pub(crate) fn limited(st: &AppState, ip: &ClientIp) -> Result<(), AppError> {
    if st.limiter.check(st.cb.clock(), Scope::SignUpIp, &crate::platform::extract::ip_key(ip)) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::RateLimited))
    }
}

/// The one answer to every accepted message (identical bytes for every address).
pub(crate) fn received() -> Response {
    (StatusCode::ACCEPTED, Json(json!({ "status": "received", "message": RECEIVED }))).into_response()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestBody {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    lang: Option<String>,
    /// `general` (default) or `privacy` (a message for the privacy contact).
    #[serde(default)]
    topic: Option<String>,
    /// An image, base64 (multipart forms send the file `attachment`).
    #[serde(default)]
    attachment_base64: Option<String>,
    #[serde(skip)]
    attachment: Option<Vec<u8>>,
}

impl RequestBody {
    pub(crate) fn into_new(self, channel: &str, lang: Option<&str>, auth: Option<&Auth>) -> Result<NewTicket, AppError> {
        use base64::Engine;
        let lang = self.lang.as_deref().or(lang).unwrap_or("en");
        if !matches!(lang, "en" | "fr") {
            return Err(AppError::new(ErrorCode::ValidationFailed).detail("`lang` is `en` or `fr`").field("lang"));
        }
        let topic = self.topic.unwrap_or_default();
        if !matches!(topic.as_str(), "" | "general" | "privacy") {
            return Err(AppError::new(ErrorCode::ValidationFailed).detail("`topic` is `general` or `privacy`").field("topic"));
        }
        let attachment = match (self.attachment, self.attachment_base64.as_deref().filter(|a| !a.is_empty())) {
            (Some(a), _) => Some(a),
            (None, Some(b)) => Some(base64::engine::general_purpose::STANDARD.decode(b).map_err(|_| {
                AppError::new(ErrorCode::ValidationFailed).detail("the attachment is not valid base64").field("attachment_base64")
            })?),
            (None, None) => None,
        };
        Ok(NewTicket {
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            phone: self.phone,
            subject: self.subject,
            message: self.message,
            attachment,
            lang: lang.to_string(),
            channel: channel.to_string(),
            topic,
            account: auth.map(|a| a.principal.subject.clone()),
        })
    }
}

/// Reads a message from JSON or a multipart form (fields plus an `attachment` file).
pub(crate) async fn read_request(st: &AppState, headers: &HeaderMap, req: Request) -> Result<RequestBody, AppError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with("multipart/form-data") {
        let ApiJson(b) = ApiJson::<RequestBody>::from_request(req, st).await?;
        return Ok(b);
    }
    let bad = |e: MultipartError| multipart_error(&e, || AppError::new(ErrorCode::PayloadTooLarge));
    let mut form = Multipart::from_request(req, st).await.map_err(|_| AppError::new(ErrorCode::MalformedMultipart))?;
    let mut b = RequestBody::default();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "attachment" {
            let bytes = field.bytes().await.map_err(bad)?;
            if !bytes.is_empty() {
                b.attachment = Some(bytes.to_vec());
            }
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        // The card-number guard reads JSON and form bodies; a multipart form's text fields
        // are read here, and refused the same way (C-DATA-3).
        crate::platform::card_guard::check_text(&text)?;
        match name.as_str() {
            "first_name" => b.first_name = text,
            "last_name" => b.last_name = text,
            "email" => b.email = text,
            "phone" => b.phone = Some(text),
            "subject" => b.subject = text,
            "message" => b.message = text,
            "lang" => b.lang = Some(text).filter(|l| !l.is_empty()),
            "topic" => b.topic = Some(text),
            _ => {}
        }
    }
    Ok(b)
}

async fn submit(
    State(st): State<AppState>,
    ip: ClientIp,
    MaybeAuth(auth): MaybeAuth,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, AppError> {
    limited(&st, &ip)?;
    // The body's language, else the account's, else the request's (issue 14).
    let mut lang = crate::platform::i18n::answer_lang(&headers, req.uri(), None).lang;
    if let Some(a) = &auth
        && let Ok(p) = st.cb.accounts().me(&a.principal).await
    {
        lang = crate::platform::i18n::texts(&p.locale).lang;
    }
    let body = read_request(&st, &headers, req).await?;
    st.cb.support().submit(body.into_new("api", Some(lang), auth.as_ref())?, &base(&st)).await?;
    Ok(received())
}

async fn by_token(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    Ok(Json(st.cb.support().by_token(&b.token).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenReply {
    token: String,
    message: String,
    #[serde(default)]
    attachment_base64: Option<String>,
}

async fn reply_by_token(State(st): State<AppState>, ApiJson(b): ApiJson<TokenReply>) -> Result<Response, AppError> {
    use base64::Engine;
    let attachment = match b.attachment_base64.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(base64::engine::general_purpose::STANDARD.decode(a).map_err(|_| {
            AppError::new(ErrorCode::ValidationFailed).detail("the attachment is not valid base64").field("attachment_base64")
        })?),
        None => None,
    };
    Ok(Json(st.cb.support().reply_by_token(&b.token, &b.message, attachment).await?).into_response())
}

async fn mine(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "tickets": st.cb.support().mine(&auth.principal).await? })).into_response())
}

async fn my_ticket(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.support().my_ticket(&auth.principal, &id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    message: String,
}

async fn my_reply(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MessageBody>,
) -> Result<Response, AppError> {
    Ok(Json(st.cb.support().reply_as_account(&auth.principal, &id, &b.message).await?).into_response())
}

#[derive(Deserialize)]
struct QueueQuery {
    #[serde(default)]
    status: Option<String>,
}

async fn queue(State(st): State<AppState>, auth: Auth, Query(q): Query<QueueQuery>) -> Result<Response, AppError> {
    Ok(Json(json!({ "tickets": st.cb.support().queue(&auth.principal, q.status.as_deref()).await? })).into_response())
}

#[derive(Deserialize)]
struct ReasonQuery {
    #[serde(default)]
    reason: String,
}

async fn open(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<ReasonQuery>) -> Result<Response, AppError> {
    Ok(Json(st.cb.support().open(&auth.principal, &id, &q.reason).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffReply {
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    canned: Option<String>,
}

async fn staff_reply(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StaffReply>,
) -> Result<Response, AppError> {
    let view = st.cb.support().reply(&auth.principal, &id, b.body.as_deref(), b.canned.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Patch {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    assign_to_me: Option<bool>,
}

async fn update(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, ApiJson(b): ApiJson<Patch>) -> Result<Response, AppError> {
    let change = TicketUpdate { status: b.status, assign_to_me: b.assign_to_me };
    Ok(Json(st.cb.support().update(&auth.principal, &id, change).await?).into_response())
}

async fn canned(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "canned": st.cb.support().canned(&auth.principal).await? })).into_response())
}
