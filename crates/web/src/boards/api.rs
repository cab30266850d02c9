//! The boards API: organisations, invitations, boards, cards, reactions, comments, media,
//! joining by code, export, and the board WebSocket (`ws.rs`).

use axum::Json;
use axum::Router;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use clearboard_core::boards::{BoardPatch, CardPatch, CardView, NewCard, TimerRequest};
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::platform::ids::{CommentId, SubjectId};
use serde::Deserialize;
use serde_json::json;

use crate::boards::paths::{board_id, card_id, not_found, org_id};
use crate::identity::cookies::session_cookie;
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth, ClientIp};
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;
use crate::platform::upload::{multipart_error, no_file_field};

/// Uploads of board media may be up to 50 MiB (videos); the framing needs a little more.
const MEDIA_BODY_LIMIT: usize = 52 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orgs", get(list_orgs).post(create_org))
        .route("/api/v1/orgs/{id}/members", get(members))
        .route("/api/v1/orgs/{id}/members/{member}", delete(remove_member))
        .route("/api/v1/orgs/{id}/invitations", get(invitations).post(invite))
        .route("/api/v1/orgs/{id}/invitations/{invitation}", delete(revoke_invitation))
        .route("/api/v1/invitations/accept", post(accept))
        .route("/api/v1/boards", get(list_boards).post(create_board))
        .route("/api/v1/boards/{id}", get(open_board).patch(update_board).delete(delete_board))
        .route("/api/v1/boards/{id}/export", get(export))
        .route("/api/v1/boards/{id}/join-code", post(rotate_join_code))
        .route("/api/v1/boards/{id}/timer", post(timer))
        .route("/api/v1/boards/{id}/results", get(results))
        .route("/api/v1/boards/{id}/cards", post(add_card).layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT)))
        .route("/api/v1/boards/{id}/ws", get(crate::boards::ws::upgrade))
        .route("/api/v1/cards/{id}", get(get_card).patch(update_card).delete(delete_card))
        .route("/api/v1/cards/{id}/approve", post(approve))
        .route("/api/v1/cards/{id}/like", put(like).delete(unlike))
        .route("/api/v1/cards/{id}/votes", post(vote).delete(unvote))
        .route("/api/v1/cards/{id}/comments", post(comment))
        .route("/api/v1/cards/{id}/media", get(media))
        .route("/api/v1/comments/{id}", delete(delete_comment))
        .route("/api/v1/join", post(join))
        .route("/api/v1/participants/me", delete(leave))
        .merge(crate::boards::history::routes())
}

async fn timer(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<TimerRequest>,
) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().timer(&auth.principal, &board_id(&id)?, a.action()?).await?).into_response())
}

async fn results(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(json!({ "results": st.cb.boards().results(&auth.principal, &board_id(&id)?).await? })).into_response())
}

async fn get_card(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().card(&auth.principal, &card_id(&id)?).await?).into_response())
}

async fn list_orgs(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "orgs": st.cb.boards().orgs(&auth.principal).await? })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    name: String,
}

async fn create_org(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<NewOrg>) -> Result<Response, AppError> {
    let org = st.cb.boards().create_org(&auth.principal, &b.name, false).await?;
    Ok((StatusCode::CREATED, Json(org)).into_response())
}

async fn members(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    let m = st.cb.boards().members(&auth.principal, &org_id(&id)?).await?;
    Ok(Json(json!({ "members": m })).into_response())
}

async fn remove_member(State(st): State<AppState>, auth: Auth, Path((id, member)): Path<(String, String)>) -> Result<Response, AppError> {
    let member = SubjectId::parse(&member).ok_or_else(not_found)?;
    st.cb.boards().remove_member(&auth.principal, &org_id(&id)?, &member).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    #[serde(default = "member_role")]
    role: String,
    /// Only the account with this address may accept (optional).
    #[serde(default)]
    email: Option<String>,
}

fn member_role() -> String {
    "member".into()
}

async fn invite(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewInvitation>,
) -> Result<Response, AppError> {
    let inv = st.cb.boards().invite(&auth.principal, &org_id(&id)?, &b.role, b.email.as_deref()).await?;
    let url = invitation_link(&st, &inv.token);
    Ok((StatusCode::CREATED, Json(json!({ "id": inv.id, "token": inv.token.as_str(), "url": url, "expires_at": clearboard_core::platform::clock::rfc3339(inv.expires_at), "invitation": inv.view }))).into_response())
}

/// The link to send: the token is in the fragment, which browsers never send to a server (so
/// it reaches no access log, proxy or metric); the page reads it and posts it.
pub fn invitation_link(st: &AppState, token: &str) -> String {
    format!("{}/app/invitations#{token}", st.config.public_url.trim_end_matches('/'))
}

/// The link to a board's join page with its code in the fragment (same reason).
pub fn join_link(st: &AppState, code: &str) -> String {
    format!("{}/join#{code}", st.config.public_url.trim_end_matches('/'))
}

async fn invitations(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(json!({ "invitations": st.cb.boards().invitations(&auth.principal, &org_id(&id)?).await? })).into_response())
}

async fn revoke_invitation(State(st): State<AppState>, auth: Auth, Path((id, inv)): Path<(String, String)>) -> Result<Response, AppError> {
    if uuid::Uuid::parse_str(&inv).is_err() {
        return Err(not_found());
    }
    st.cb.boards().revoke_invitation(&auth.principal, &org_id(&id)?, &inv).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn rotate_join_code(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    let code = st.cb.boards().rotate_join_code(&auth.principal, &board_id(&id)?).await?;
    let url = join_link(&st, &code);
    Ok(Json(json!({ "join_code": code, "url": url })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    token: String,
}

async fn accept(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<AcceptInvitation>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().accept_invitation(&auth.principal, &b.token).await?).into_response())
}

async fn list_boards(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "boards": st.cb.boards().list(&auth.principal).await? })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBoard {
    title: String,
    #[serde(default)]
    org_id: Option<String>,
    /// A template (`GET /api/v1/board-templates`): the board starts with its zones and categories.
    #[serde(default)]
    template: Option<String>,
    /// The language of the template's zone titles and categories (`en`, `fr`); by default the
    /// request's (`?lang=`, else `Accept-Language`), else the creator's account preference.
    #[serde(default)]
    lang: Option<String>,
}

async fn create_board(
    State(st): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    uri: axum::http::Uri,
    ApiJson(b): ApiJson<NewBoard>,
) -> Result<Response, AppError> {
    let org = b.org_id.as_deref().map(org_id).transpose()?;
    let template = b.template.as_deref().map(clearboard_core::boards::Template::parse).transpose()?;
    // A language the API does not speak is refused, template or not (the published schema's
    // enum), rather than passed over.
    if let Some(l) = b.lang.as_deref() {
        clearboard_core::platform::validate::language("lang", l)?;
    }
    // The language asked for (body, `?lang=`, `Accept-Language`); none: the creator's own.
    let asked =
        b.lang.is_some() || uri.query().is_some_and(|q| q.contains("lang=")) || headers.contains_key(axum::http::header::ACCEPT_LANGUAGE);
    let lang = asked.then(|| crate::platform::i18n::answer_lang(&headers, &uri, b.lang.as_deref()).lang);
    let view = st.cb.boards().create_board_from(&auth.principal, org.as_ref(), &b.title, template, lang).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn open_board(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    let (board, cards) = st.cb.boards().open(&auth.principal, &board_id(&id)?).await?;
    Ok(Json(json!({ "board": board, "cards": cards })).into_response())
}

async fn update_board(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<BoardPatch>,
) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().update_board(&auth.principal, &board_id(&id)?, p).await?).into_response())
}

async fn delete_board(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    st.cb.boards().delete_board(&auth.principal, &board_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: Option<String>,
}

fn csv_field(s: &str) -> String {
    // Quote everything; neutralise spreadsheet formulas (CSV injection).
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

async fn export(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    crate::platform::extract::ApiQuery(q): crate::platform::extract::ApiQuery<ExportQuery>,
) -> Result<Response, AppError> {
    let (board, cards) = st.cb.boards().export(&auth.principal, &board_id(&id)?).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => {
            let zones = &board.board.zones;
            let mut res = Json(json!({ "board": { "id": board.board.id, "title": board.board.title, "legend": board.board.legend, "anonymous": board.board.anonymous, "zones": zones }, "cards": cards.iter().map(|c| export_card(c, zones)).collect::<Vec<_>>() })).into_response();
            res.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"board.json\""));
            Ok(res)
        }
        "csv" => {
            let mut out = String::from("id,kind,text,url,category,color,status,likes,votes,comments,author,created_at\r\n");
            for c in &cards {
                let (n, c) = (c.comments.as_ref().map_or(0, Vec::len), &c.card);
                let fields = [
                    c.id.to_string(),
                    c.kind.to_string(),
                    c.text.clone(),
                    c.url.clone().unwrap_or_default(),
                    c.category.clone().unwrap_or_default(),
                    c.color.clone(),
                    c.status.to_string(),
                    c.tallies.map_or(0, |t| t.likes).to_string(),
                    c.tallies.and_then(|t| t.votes).map_or(String::new(), |v| v.to_string()),
                    n.to_string(),
                    c.author.clone().unwrap_or_default(),
                    c.created_at.clone(),
                ];
                out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
                out.push_str("\r\n");
            }
            let mut res = out.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            res.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"board.csv\""));
            Ok(res)
        }
        _ => Err(AppError::new(ErrorCode::ValidationFailed).detail("format is `json` or `csv`").field("format")),
    }
}

fn export_card(view: &CardView, zones: &[clearboard_core::boards::Zone]) -> serde_json::Value {
    let (c, t) = (&view.card, view.card.tallies.unwrap_or(clearboard_core::boards::shapes::Tallies { likes: 0, votes: None }));
    let mut v = json!({
        "id": c.id, "kind": c.kind, "text": c.text, "url": c.url, "media_type": c.media_type, "category": c.category,
        "color": c.color, "status": c.status, "likes": t.likes, "votes": t.votes, "position": [c.x, c.y], "created_at": c.created_at,
        "zone": clearboard_core::boards::layout::zone_of(zones, c.x, c.y).map(|z| z.id.clone()),
        "comments": view.comments.iter().flatten().map(|m| { let m = &m.comment; let mut o = json!({ "text": m.text, "created_at": m.created_at }); if let Some(a) = &m.author { o["author"] = json!(a); } o }).collect::<Vec<_>>(),
    });
    if let Some(a) = &c.author {
        v["author"] = json!(a);
    }
    v
}

async fn add_card(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, AppError> {
    let board = board_id(&id)?;
    let multipart = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
    let view = if multipart {
        let too_large =
            || AppError::new(ErrorCode::PayloadTooLarge).detail("the file is too large (images up to 10 MiB, videos up to 50 MiB)");
        let bad = |e: MultipartError| multipart_error(&e, too_large);
        let mut form = Multipart::from_request(req, &st).await.map_err(|_| AppError::new(ErrorCode::MalformedMultipart))?;
        let (mut kind, mut file, mut text, mut x, mut y) = (None, None, None, None, None);
        while let Some(field) = form.next_field().await.map_err(bad)? {
            match field.name() {
                Some("kind") => kind = Some(field.text().await.map_err(bad)?),
                Some("text") => text = Some(field.text().await.map_err(bad)?),
                Some("x") => x = Some(whole_number(field.text().await.map_err(bad)?, "x")?),
                Some("y") => y = Some(whole_number(field.text().await.map_err(bad)?, "y")?),
                Some("file") => file = Some(field.bytes().await.map_err(bad)?),
                _ => {}
            }
        }
        let file = file.ok_or_else(no_file_field)?;
        let kind = kind.unwrap_or_else(|| "image".into());
        st.cb.boards().add_media_card(&auth.principal, &board, &kind, &file, text, (x, y)).await?
    } else {
        let ApiJson(new) = ApiJson::<NewCard>::from_request(req, &st).await?;
        st.cb.boards().add_card(&auth.principal, &board, new).await?
    };
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn update_card(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<CardPatch>,
) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().update_card(&auth.principal, &card_id(&id)?, p).await?).into_response())
}

async fn delete_card(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    st.cb.boards().delete_card(&auth.principal, &card_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn approve(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().approve_card(&auth.principal, &card_id(&id)?).await?).into_response())
}

async fn like(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().like(&auth.principal, &card_id(&id)?, true).await?).into_response())
}

async fn unlike(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().like(&auth.principal, &card_id(&id)?, false).await?).into_response())
}

async fn vote(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().vote(&auth.principal, &card_id(&id)?, 1).await?).into_response())
}

async fn unvote(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().vote(&auth.principal, &card_id(&id)?, -1).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    text: String,
}

async fn comment(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewComment>,
) -> Result<Response, AppError> {
    let c = st.cb.boards().comment(&auth.principal, &card_id(&id)?, &b.text).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

async fn delete_comment(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = CommentId::parse(&id).ok_or_else(not_found)?;
    st.cb.boards().delete_comment(&auth.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn media(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    let (mime, bytes) = st.cb.boards().media(&auth.principal, &card_id(&id)?).await?;
    let mut res = bytes.to_vec().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&mime).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"media\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert("content-security-policy", HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    code: String,
    pseudonym: String,
}

async fn join(State(st): State<AppState>, ip: ClientIp, ApiJson(b): ApiJson<Join>) -> Result<Response, AppError> {
    // Join codes are guessable only by brute force: limit attempts like sign-ins.
    if !st.limiter.check(&st.cb, Scope::SignInIp, ip.0.to_string().as_bytes()).await {
        return Err(AppError::new(ErrorCode::RateLimited).retry_after(60));
    }
    let j = st.cb.boards().join(&b.code, &b.pseudonym).await?;
    // The recovery code is in this answer only (shown once; kept as a keyed hash).
    let mut res = (
        StatusCode::CREATED,
        Json(json!({
            "token": j.token.as_str(), "token_type": "Bearer", "board_id": j.board, "participant_id": j.principal.subject,
            "recovery_code": j.recovery_code.as_str(),
        })),
    )
        .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().append(header::SET_COOKIE, session_cookie(&st, &j.token));
    Ok(res)
}

async fn leave(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    st.cb.boards().erase_participant(&auth.principal).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().append(header::SET_COOKIE, crate::identity::cookies::clear_session_cookie(&st));
    res.headers_mut().insert("clear-site-data", HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""));
    Ok(res)
}

/// A position field of a multipart card: a whole number, or 422 naming the field (a value that
/// cannot be read is refused, never dropped).
fn whole_number(text: String, field: &'static str) -> Result<i64, AppError> {
    text.trim()
        .parse()
        .map_err(|_| AppError::new(ErrorCode::ValidationFailed).detail(format!("`{field}` must be a whole number")).field(field))
}
