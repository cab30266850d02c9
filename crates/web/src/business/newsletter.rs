//! The newsletter's public face (C-RET-5, C-USE-3): the `/newsletter` page and
//! `POST /api/v1/newsletter/subscriptions` (the same answer whatever the address), the
//! confirmation from the mailbox (`/newsletter/confirm`: the link shows a button, the POST
//! confirms, so a mail scanner confirms nothing), unsubscribe (`/newsletter/unsubscribe`: GET
//! shows a confirmation, POST unsubscribes at once, without a session; a POST with
//! `List-Unsubscribe=One-Click` is RFC 8058's one-click), and a campaign read online.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use clearboard_core::business::outreach::contacts::{Subscribe, list_name};
use clearboard_core::business::outreach::lists;
use clearboard_core::platform::error_codes::ErrorCode;
use serde::Deserialize;
use serde_json::json;

use crate::pages::ctx::PageCtx;
use crate::platform::error::AppError;
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::extract::{ApiJson, ClientIp};
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/newsletter/subscriptions", post(api_subscribe))
        .route("/newsletter", get(form).post(form_submit))
        .route("/newsletter/confirm", get(confirm_page).post(confirm_submit))
        .route("/newsletter/unsubscribe", get(unsubscribe_page).post(unsubscribe_submit))
        .route("/newsletter/read", get(read))
}

/// The one answer to every subscription (identical whether or not the address is known).
pub const SUBSCRIBED_EN: &str = "Thank you. If this address can receive email, a message with a link to confirm the subscription is on its way; nothing else is sent before you confirm.";
pub const SUBSCRIBED_FR: &str = "Merci. Si cette adresse peut recevoir des e-mails, un message avec un lien pour confirmer l'abonnement est en route ; rien d'autre n'est envoyé avant votre confirmation.";

/// After an account holder's choice about marketing is recorded (sign-up box, profile,
/// privacy centre): a "yes" starts the double opt-in by email for their address, a "no"
/// withdraws every list at once (`Outreach::follow_consent`). The choice itself is already in
/// the ledger, so a failure here is logged, never shown as a refusal of the choice.
pub async fn follow_consent(
    st: &AppState,
    who: &clearboard_core::identity::principal::Principal,
    purpose: &str,
    granted: bool,
    method: &str,
) {
    if let Err(e) = st.cb.outreach().follow_consent(who, purpose, granted, method, &base(st)).await {
        tracing::warn!(error = %e, "the newsletter subscription could not follow a consent choice");
    }
}

fn base(st: &AppState) -> String {
    st.config.public_url.trim_end_matches('/').to_string()
}

/// Subscriptions share sign-up's per-address budget (each one sends a message).
fn limited(st: &AppState, ip: &ClientIp) -> Result<(), AppError> {
    let allowed = st.limiter.check(st.cb.clock(), Scope::SignUpIp, &crate::platform::extract::ip_key(ip));
    if allowed { Ok(()) } else { Err(AppError::new(ErrorCode::RateLimited)) }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscribeBody {
    email: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    lists: Vec<String>,
    #[serde(default)]
    phone: Option<String>,
}

async fn api_subscribe(
    State(st): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    uri: axum::http::Uri,
    ApiJson(b): ApiJson<SubscribeBody>,
) -> Result<Response, AppError> {
    limited(&st, &ip)?;
    if b.lang.as_deref().is_some_and(|l| !matches!(l, "en" | "fr")) {
        return Err(AppError::new(ErrorCode::ValidationFailed).detail("`lang` is `en` or `fr`").field("lang"));
    }
    let lang = b.lang.unwrap_or_else(|| crate::platform::i18n::answer_lang(&headers, &uri, None).lang.into());
    let s = Subscribe { email: b.email, lang: lang.clone(), lists: b.lists, phone: b.phone, method: "api".into() };
    st.cb.outreach().subscribe(s, &base(&st)).await?;
    let message = if lang == "fr" { SUBSCRIBED_FR } else { SUBSCRIBED_EN };
    Ok((StatusCode::ACCEPTED, Json(json!({ "status": "received", "message": message }))).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "newsletter.html")]
struct NewsletterPage {
    t: &'static crate::platform::i18n::Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    heading_en: &'static str,
    heading_fr: &'static str,
    notice: String,
    show_form: bool,
    consent_text: String,
    action: String,
    token: String,
    button: String,
    campaign_html: String,
}

#[derive(Default)]
struct View {
    heading: (&'static str, &'static str),
    notice: String,
    show_form: bool,
    action: &'static str,
    token: String,
    button: String,
    campaign_html: String,
}

fn page(st: &AppState, ctx: &PageCtx, status: StatusCode, refusal: Option<Refusal>, v: View) -> Response {
    let refused = refusal.as_ref().map(Refusal::mark);
    let (en, fr) = if v.heading.0.is_empty() { ("Our news", "Nos actualités") } else { v.heading };
    let p = NewsletterPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        contact: st.cb.policy().doc().controller.privacy_contact.clone(),
        refusal,
        consent: ctx.consent.clone(),
        heading_en: en,
        heading_fr: fr,
        notice: v.notice,
        show_form: v.show_form,
        consent_text: lists::consent_text(&st.cb, ctx.t.lang),
        action: v.action.to_string(),
        token: v.token,
        button: v.button,
        campaign_html: v.campaign_html,
    };
    let mut res = form_page(status, refused, p);
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

fn fr(ctx: &PageCtx) -> bool {
    ctx.t.lang == "fr"
}

async fn form(State(st): State<AppState>, ctx: PageCtx) -> Response {
    page(&st, &ctx, StatusCode::OK, None, View { show_form: true, ..View::default() })
}

#[derive(Deserialize)]
struct FormBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    newsletter: Option<String>,
    #[serde(default)]
    event_invitations: Option<String>,
    #[serde(default)]
    phone_list: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

async fn form_submit(State(st): State<AppState>, ctx: PageCtx, ip: ClientIp, axum::Form(b): axum::Form<FormBody>) -> Response {
    if let Err(e) = limited(&st, &ip) {
        return e.into_response();
    }
    let mut chosen = Vec::new();
    for (on, list) in [(&b.newsletter, lists::NEWSLETTER), (&b.event_invitations, lists::EVENTS), (&b.phone_list, lists::PHONE)] {
        if on.is_some() {
            chosen.push(list.to_string());
        }
    }
    let s = Subscribe { email: b.email, lang: ctx.t.lang.into(), lists: chosen, phone: b.phone, method: "web_form".into() };
    match st.cb.outreach().subscribe(s, &base(&st)).await {
        Ok(()) => {
            let notice = if fr(&ctx) { SUBSCRIBED_FR } else { SUBSCRIBED_EN };
            page(&st, &ctx, StatusCode::ACCEPTED, None, View { notice: notice.into(), ..View::default() })
        }
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), View { show_form: true, ..View::default() }),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
}

async fn confirm_page(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<TokenQuery>) -> Response {
    let heading = ("Confirm your subscription", "Confirmez votre abonnement");
    match st.cb.outreach().confirmation_pending(&q.token).await {
        Ok(_) => {
            let (notice, button) = if fr(&ctx) {
                ("Confirmez que vous souhaitez recevoir ce que vous avez demandé.", "Je confirme")
            } else {
                ("Confirm that you want to receive what you asked for.", "I confirm")
            };
            page(
                &st,
                &ctx,
                StatusCode::OK,
                None,
                View {
                    heading,
                    notice: notice.into(),
                    action: "/newsletter/confirm",
                    token: q.token,
                    button: button.into(),
                    ..View::default()
                },
            )
        }
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), View { heading, ..View::default() }),
    }
}

async fn confirm_submit(State(st): State<AppState>, ctx: PageCtx, axum::Form(b): axum::Form<TokenForm>) -> Response {
    let heading = ("Confirm your subscription", "Confirmez votre abonnement");
    match st.cb.outreach().confirm(&b.token).await {
        Ok(_) => {
            let notice = if fr(&ctx) {
                "C'est confirmé, merci. Chaque message contient un lien pour vous désabonner en un clic."
            } else {
                "Confirmed, thank you. Every message has a link to unsubscribe in one click."
            };
            page(&st, &ctx, StatusCode::OK, None, View { heading, notice: notice.into(), ..View::default() })
        }
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), View { heading, ..View::default() }),
    }
}

const UNSUB_HEADING: (&str, &str) = ("Unsubscribe", "Se désabonner");

async fn unsubscribe_page(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<TokenQuery>) -> Response {
    match st.cb.outreach().unsubscribe_target(&q.token).await {
        Ok(o) => {
            let list = o.lists.first().map(String::as_str).unwrap_or(lists::NEWSLETTER);
            let (notice, button) = if fr(&ctx) {
                (format!("Ne plus recevoir {} ?", list_name("fr", list)), "Me désabonner")
            } else {
                (format!("Stop receiving {}?", list_name("en", list)), "Unsubscribe")
            };
            page(
                &st,
                &ctx,
                StatusCode::OK,
                None,
                View {
                    heading: UNSUB_HEADING,
                    notice,
                    action: "/newsletter/unsubscribe",
                    token: q.token,
                    button: button.into(),
                    ..View::default()
                },
            )
        }
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), View { heading: UNSUB_HEADING, ..View::default() }),
    }
}

/// The fields of an unsubscribe POST: its token (our page sends it in the body) and whether it
/// is RFC 8058's one-click (`List-Unsubscribe=One-Click`, urlencoded or multipart, as mail
/// clients send it). Token characters need no percent-decoding (base64url and dots).
fn unsubscribe_fields(content_type: &str, body: &[u8]) -> (Option<String>, bool) {
    let text = String::from_utf8_lossy(body);
    if content_type.starts_with("multipart/form-data") {
        return (None, text.contains("name=\"List-Unsubscribe\"") && text.contains("One-Click"));
    }
    let (mut token, mut one_click) = (None, false);
    for pair in text.split('&') {
        match pair.split_once('=') {
            Some(("token", v)) if !v.is_empty() => token = Some(v.to_string()),
            Some(("List-Unsubscribe", "One-Click")) => one_click = true,
            _ => {}
        }
    }
    (token, one_click)
}

/// One click, no session: the token comes in the form (our page) or in the address (RFC
/// 8058: the mail client posts `List-Unsubscribe=One-Click` to the `List-Unsubscribe` URI).
async fn unsubscribe_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (from_body, one_click) = unsubscribe_fields(ct, &body);
    let token = from_body.unwrap_or(q.token);
    let how = if one_click { "one_click" } else { "page" };
    match st.cb.outreach().unsubscribe(&token, how).await {
        Ok(o) => {
            let list = o.lists.first().map(String::as_str).unwrap_or(lists::NEWSLETTER);
            let notice = if fr(&ctx) {
                format!("C'est fait : vous ne recevrez plus {}.", list_name("fr", list))
            } else {
                format!("Done: you will no longer receive {}.", list_name("en", list))
            };
            page(&st, &ctx, StatusCode::OK, None, View { heading: UNSUB_HEADING, notice, ..View::default() })
        }
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), View { heading: UNSUB_HEADING, ..View::default() }),
    }
}

async fn read(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<TokenQuery>) -> Response {
    match st.cb.outreach().read_online(&q.token).await {
        Ok((_, p)) => page(&st, &ctx, StatusCode::OK, None, View { campaign_html: p.body.html, ..View::default() }),
        Err(e) => page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), View::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_click_bodies_are_read_as_mail_clients_send_them() {
        assert_eq!(unsubscribe_fields("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"), (None, true));
        assert_eq!(
            unsubscribe_fields("application/x-www-form-urlencoded", b"token=u1.eu.x.newsletter.abc"),
            (Some("u1.eu.x.newsletter.abc".into()), false)
        );
        let multipart = b"--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n";
        assert_eq!(unsubscribe_fields("multipart/form-data; boundary=b", multipart), (None, true));
        assert_eq!(unsubscribe_fields("", b""), (None, false));
    }
}
