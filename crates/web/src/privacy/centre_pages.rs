//! Privacy pages for people: the privacy centre (`/me/privacy`, with its exports' download
//! links, which need the session), the page shown after an account is erased (with its signed
//! receipt), and the page where someone who asked through an agent or as a parent gets the copy
//! answering their request with a one-time code (`/privacy/requests/{id}/download`: the code is
//! emailed, typed and posted, never in a URL). Plain HTML forms, no JavaScript.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearboard_core::privacy::rights::erasure::SignedReceipt;
use serde_json::Value;

use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::i18n::{self, Texts};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/privacy", get(centre))
        .route("/me/privacy/exports", post(start_export))
        .route("/privacy/requests/{id}/download", get(request_download_page).post(request_download_submit))
        .route("/privacy/requests/{id}/download/code", post(request_code_submit))
}

#[derive(Template, WebTemplate)]
#[template(path = "erased.html")]
struct ErasedPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    receipt: String,
    signature: String,
    key_id: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

/// The page shown once an account is erased: the signed receipt to keep (shown once; the
/// page without it when reloaded).
pub fn erased_page(st: &AppState, t: &'static Texts, r: Option<&SignedReceipt>) -> Response {
    let page = ErasedPage {
        t,
        signed_in: false,
        consent: None,
        contact: contact(st),
        receipt: r.map(|r| serde_json::to_string_pretty(&r.receipt).unwrap_or_default()).unwrap_or_default(),
        signature: r.map(|r| r.signature.clone()).unwrap_or_default(),
        key_id: r.map(|r| r.key_id.clone()).unwrap_or_default(),
    };
    let mut res = page.into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

struct CategoryView {
    id: String,
    title: String,
    description: String,
    source: String,
    stored: bool,
    data: String,
    /// (purpose, legal basis, recipients)
    purposes: Vec<(String, String, String)>,
    retention: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "privacy_centre.html")]
struct CentrePage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    notice: String,
    categories: Vec<CategoryView>,
    /// (created, state, download link)
    exports: Vec<(String, String, String)>,
    requests: Vec<String>,
    /// (when, who, what, why)
    access: Vec<(String, String, String, String)>,
    /// (name, connected, scopes, last used, connect screen)
    integrations: Vec<(String, bool, String, String, String)>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn render(st: &AppState, ctx: &PageCtx, refusal: Option<Refusal>, notice: String, status: StatusCode) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let o = match st.cb.privacy_centre().overview_in(&auth.principal, ctx.t.lang).await {
        Ok(o) => o,
        Err(e) => return crate::platform::error::AppError::from(e).into_response(),
    };
    let categories = o["categories"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| CategoryView {
                    id: s(&c["id"]),
                    title: s(&c["title"]),
                    description: s(&c["description"]),
                    source: s(&c["source"]),
                    stored: c["stored"].as_bool().unwrap_or(false),
                    data: serde_json::to_string_pretty(&c["data"]).unwrap_or_default(),
                    purposes: c["purposes"]
                        .as_array()
                        .map(|ps| {
                            ps.iter()
                                .map(|p| {
                                    let rec: Vec<String> = p["recipients"]
                                        .as_array()
                                        .map(|r| r.iter().map(|x| format!("{} ({})", s(&x["name"]), s(&x["location"]))).collect())
                                        .unwrap_or_default();
                                    (s(&p["title"]), s(&p["legal_basis"]), rec.join(", "))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    retention: c["retention"].as_array().map(|r| r.iter().map(|x| s(&x["description"])).collect()).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let exports = o["exports"]
        .as_array()
        .map(|a| a.iter().map(|e| (s(&e["created_at"]), s(&e["state"]), s(&e["download_url"]))).collect())
        .unwrap_or_default();
    let requests = o["requests"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| format!("{} — {} — {} ({})", s(&r["kind"]), s(&r["state"]), s(&r["received_at"]), s(&r["answer_by"])))
                .collect()
        })
        .unwrap_or_default();
    // The access log in plain language (the codes stay in the downloadable JSON).
    let me = auth.principal.subject.to_string();
    let lang = ctx.t.lang;
    let purpose = |id: &str| {
        let policy = st.cb.policy();
        policy.doc().purposes.iter().find(|p| p.id == id).map(|p| p.title.get(lang).to_string()).unwrap_or_else(|| id.replace('_', " "))
    };
    let access = o["access_log"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        i18n::access_when(&s(&x["at"])),
                        i18n::access_who(&s(&x["who"]), &me, lang).to_string(),
                        i18n::access_what(&s(&x["what"]), lang),
                        purpose(&s(&x["why"])),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let integrations = o["integrations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    let scopes: Vec<String> = i["scopes"].as_array().map(|x| x.iter().map(s).collect()).unwrap_or_default();
                    (
                        s(&i["name"]),
                        i["connected"].as_bool().unwrap_or(false),
                        scopes.join(" "),
                        s(&i["last_used_at"]),
                        s(&i["connect_page"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let refused = refusal.as_ref().map(Refusal::mark);
    let page = CentrePage {
        integrations,
        t: ctx.t,
        signed_in: true,
        consent: ctx.consent.clone(),
        contact: contact(st),
        refusal,
        notice,
        categories,
        exports,
        requests,
        access,
    };
    let mut res = form_page(status, refused, page);
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

#[derive(serde::Deserialize)]
struct CentreQuery {
    #[serde(default)]
    notice: String,
}

async fn centre(State(st): State<AppState>, ctx: PageCtx, axum::extract::Query(q): axum::extract::Query<CentreQuery>) -> Response {
    // What the form just did (Post/Redirect/Get: reloading this page asks for nothing again).
    let notice = match (q.notice.as_str(), ctx.t.lang) {
        ("export", "fr") => "Votre archive est en préparation ; rechargez cette page dans un instant.",
        ("export", _) => "Your archive is being prepared; reload this page in a moment.",
        _ => "",
    };
    render(&st, &ctx, None, notice.into(), StatusCode::OK).await
}

/// Post/Redirect/Get: a started export answers 303 to the centre, which says so.
async fn start_export(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.exports().request(&auth.principal).await {
        Ok(_) => {
            crate::privacy::rights_api::kick_exports(&st);
            Redirect::to("/me/privacy?notice=export#download").into_response()
        }
        Err(e) => render(&st, &ctx, Some(Refusal::of(e, ctx.t)), String::new(), StatusCode::OK).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "request_download.html")]
struct RequestDownloadPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    notice: String,
    id: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

fn request_download(st: &AppState, ctx: &PageCtx, id: &str, status: StatusCode, refusal: Option<Refusal>, notice: &str) -> Response {
    // The id is shown back only if it is an id (it goes into the forms' actions).
    let id = uuid::Uuid::try_parse(id).map(|u| u.to_string()).unwrap_or_default();
    let refused = refusal.as_ref().map(Refusal::mark);
    let page = RequestDownloadPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        consent: ctx.consent.clone(),
        contact: contact(st),
        refusal,
        notice: notice.to_string(),
        id,
    };
    let mut res = form_page(status, refused, page);
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

async fn request_download_page(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    request_download(&st, &ctx, &id, StatusCode::OK, None, "")
}

fn failed(st: &AppState, ctx: &PageCtx, id: &str, e: clearboard_core::CoreError) -> Response {
    request_download(st, ctx, id, StatusCode::OK, Some(Refusal::of(e, ctx.t)), "")
}

async fn request_code_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    ip: crate::platform::extract::ClientIp,
    Path(id): Path<String>,
) -> Response {
    if !st.limiter.check(st.cb.clock(), crate::platform::ratelimit::Scope::SignUpIp, &crate::platform::extract::ip_key(&ip)) {
        return failed(&st, &ctx, &id, clearboard_core::CoreError::RateLimited);
    }
    match st.cb.exports().send_request_code(&id, &crate::privacy::rights_api::base_url(&st)).await {
        Ok(()) => {
            let notice = if ctx.t.lang == "fr" {
                "Un code à usage unique part vers l'adresse qui a fait la demande ; il est valable 15 minutes."
            } else {
                crate::privacy::rights_api::CODE_SENT
            };
            request_download(&st, &ctx, &id, StatusCode::ACCEPTED, None, notice)
        }
        Err(e) => failed(&st, &ctx, &id, e),
    }
}

#[derive(serde::Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn request_download_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CodeForm>,
) -> Response {
    match st.cb.exports().open_request_download(&id, &f.code).await {
        Ok(d) => crate::privacy::rights_api::archive_response(d),
        Err(e) => failed(&st, &ctx, &id, e),
    }
}
