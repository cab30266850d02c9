//! The support desk's pages: `/contact` (the form, EN/FR, no account needed, an optional
//! screenshot), `/support/ticket` (what the private link opens: the token arrives in the
//! link's fragment and is posted by the page, never put in a path or a log), `/app/support`
//! (the signed-in person's tickets: the list, one thread, an answer) and the staff
//! queue `/staff/support` (filters, due dates, erase dates, canned answers; opening a ticket
//! names a reason and is audited).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearboard_core::CoreError;
use clearboard_core::business::support::desk::{CANNED, Canned, TicketUpdate};
use clearboard_core::business::support::service::{RECEIVED, TicketSummary, TicketView};
use serde::Deserialize;

use crate::business::support_api::{FORM_LIMIT, base, limited, read_request};
use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::extract::ClientIp;
use crate::platform::i18n::Texts;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contact", get(contact_form).post(contact_submit).layer(DefaultBodyLimit::max(FORM_LIMIT * 2)))
        .route("/support/ticket", get(ticket_page).post(ticket_submit))
        .route("/app/support", get(my_tickets))
        .route("/app/support/{id}", get(my_ticket).post(my_reply))
        .route("/staff/support", get(staff_queue))
        .route("/staff/support/{id}", get(staff_open))
        .route("/staff/support/{id}/reply", post(staff_reply))
        .route("/staff/support/{id}/status", post(staff_status))
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

#[derive(Template, WebTemplate)]
#[template(path = "contact.html")]
struct ContactPage {
    show_form: bool,
    notice: String,
    refusal: Option<Refusal>,
    t: &'static Texts,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    signed_in: bool,
    contact: String,
}

fn contact_page(st: &AppState, ctx: &PageCtx, status: StatusCode, refusal: Option<Refusal>, notice: &str) -> Response {
    let refused = refusal.as_ref().map(Refusal::mark);
    let show_form = notice.is_empty();
    let p = ContactPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        contact: contact(st),
        refusal,
        notice: notice.to_string(),
        show_form,
        consent: ctx.consent.clone(),
    };
    no_store(form_page(status, refused, p))
}

async fn contact_form(State(st): State<AppState>, ctx: PageCtx) -> Response {
    contact_page(&st, &ctx, StatusCode::OK, None, "")
}

fn received_words(t: &Texts) -> &'static str {
    if t.lang == "fr" {
        "Merci : votre message est dans notre file. Un accusé de réception avec un lien privé pour le suivre part vers l'adresse que vous avez donnée."
    } else {
        RECEIVED
    }
}

async fn contact_submit(State(st): State<AppState>, ctx: PageCtx, ip: ClientIp, headers: HeaderMap, req: Request) -> Response {
    if let Err(e) = limited(&st, &ip).await {
        return contact_page(&st, &ctx, StatusCode::OK, Some(Refusal::new(&e, ctx.t)), "");
    }
    let body = match read_request(&st, &headers, req).await {
        Ok(b) => b,
        Err(e) => return contact_page(&st, &ctx, StatusCode::OK, Some(Refusal::new(&e, ctx.t)), ""),
    };
    let new = match body.into_new("web_form", Some(ctx.t.lang), ctx.auth.as_ref()) {
        Ok(n) => n,
        Err(e) => return contact_page(&st, &ctx, StatusCode::OK, Some(Refusal::new(&e, ctx.t)), ""),
    };
    match st.cb.support().submit(new, &base(&st)).await {
        Ok(_) => contact_page(&st, &ctx, StatusCode::ACCEPTED, None, received_words(ctx.t)),
        Err(e) => contact_page(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), ""),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "support_ticket.html")]
struct TicketPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    notice: String,
    ticket: Option<TicketView>,
    token: String,
    /// The signed-in person's own tickets (`/app/support`), not the private link's.
    mine: Option<Vec<TicketSummary>>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

fn ticket_view(st: &AppState, ctx: &PageCtx, refusal: Option<Refusal>, notice: &str, ticket: Option<TicketView>, token: &str) -> Response {
    page(st, ctx, refusal, notice, ticket, token, None)
}

fn page(
    st: &AppState,
    ctx: &PageCtx,
    refusal: Option<Refusal>,
    notice: &str,
    ticket: Option<TicketView>,
    token: &str,
    mine: Option<Vec<TicketSummary>>,
) -> Response {
    let refused = refusal.as_ref().map(Refusal::mark);
    let p = TicketPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        contact: contact(st),
        refusal,
        notice: notice.to_string(),
        ticket,
        token: token.to_string(),
        mine,
        consent: ctx.consent.clone(),
    };
    no_store(form_page(StatusCode::OK, refused, p))
}

/// What the page says once the requester's message is in the thread.
fn added_words(added: bool, t: &Texts) -> &'static str {
    match (added, t.lang) {
        (false, _) => "",
        (true, "fr") => "Votre message est ajouté à votre demande.",
        (true, _) => "Your message was added to your request.",
    }
}

/// The signed-in person's tickets, and one of them opened (`id`).
async fn my_page(st: &AppState, ctx: &PageCtx, id: Option<&str>, reply: Option<&str>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let support = st.cb.support();
    let data = async {
        if let (Some(id), Some(m)) = (id, reply) {
            support.reply_as_account(&auth.principal, id, m).await?;
        }
        let list = support.mine(&auth.principal).await?;
        let view = match id {
            Some(id) => Some(support.my_ticket(&auth.principal, id).await?),
            None => None,
        };
        Ok::<_, CoreError>((list, view))
    }
    .await;
    let notice = added_words(reply.is_some(), ctx.t);
    match data {
        Ok((list, view)) => page(st, ctx, None, notice, view, "", Some(list)),
        Err(e) => page(st, ctx, Some(Refusal::of(e, ctx.t)), "", None, "", Some(Vec::new())),
    }
}

async fn my_tickets(State(st): State<AppState>, ctx: PageCtx) -> Response {
    my_page(&st, &ctx, None, None).await
}

async fn my_ticket(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    my_page(&st, &ctx, Some(&id), None).await
}

async fn my_reply(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>, axum::Form(f): axum::Form<TicketForm>) -> Response {
    my_page(&st, &ctx, Some(&id), f.message.as_deref().filter(|m| !m.trim().is_empty())).await
}

async fn ticket_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    ticket_view(&st, &ctx, None, "", None, "")
}

#[derive(Deserialize)]
struct TicketForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    message: Option<String>,
}

async fn ticket_submit(State(st): State<AppState>, ctx: PageCtx, axum::Form(f): axum::Form<TicketForm>) -> Response {
    let support = st.cb.support();
    let answer = match f.message.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => support.reply_by_token(&f.token, m, None).await.map(|v| (v, true)),
        None => support.by_token(&f.token).await.map(|v| (v, false)),
    };
    match answer {
        Ok((v, replied)) => {
            let notice = added_words(replied, ctx.t);
            ticket_view(&st, &ctx, None, notice, Some(v), &f.token)
        }
        Err(e) => ticket_view(&st, &ctx, Some(Refusal::of(e, ctx.t)), "", None, ""),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_support.html")]
struct StaffPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    items: Vec<TicketSummary>,
    filters: &'static [&'static str],
    status: String,
    opened: Option<TicketView>,
    canned: &'static [Canned],
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

#[derive(Deserialize, Default)]
struct StaffQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

async fn staff_page(st: &AppState, ctx: &PageCtx, status: Option<&str>, opened: Option<(&str, &str)>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let support = st.cb.support();
    let status = status.unwrap_or("open");
    let data = async {
        let items = support.queue(&auth.principal, Some(status)).await?;
        let view = match opened {
            Some((id, reason)) => Some(support.open(&auth.principal, id, reason).await?),
            None => None,
        };
        Ok::<_, CoreError>((items, view))
    }
    .await;
    match data {
        Ok((items, view)) => no_store(
            StaffPage {
                t: ctx.t,
                signed_in: true,
                contact: contact(st),
                refusal: None,
                items,
                filters: &["open", "waiting", "closed", "all"],
                status: status.to_string(),
                opened: view,
                canned: CANNED,
                consent: ctx.consent.clone(),
            }
            .into_response(),
        ),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}

async fn staff_queue(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<StaffQuery>) -> Response {
    staff_page(&st, &ctx, q.status.as_deref(), None).await
}

async fn staff_open(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Query(q): Query<StaffQuery>) -> Response {
    let reason = q.reason.unwrap_or_default();
    staff_page(&st, &ctx, Some("all"), Some((&id, &reason))).await
}

#[derive(Deserialize)]
struct ReplyForm {
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    canned: Option<String>,
}

async fn staff_reply(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>, axum::Form(f): axum::Form<ReplyForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.support().reply(&auth.principal, &id, f.body.as_deref(), f.canned.as_deref()).await {
        Ok(_) => Redirect::to(&format!("/staff/support/{id}?reason=support_request")).into_response(),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn staff_status(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>, axum::Form(f): axum::Form<StatusForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let change = TicketUpdate { status: Some(f.status), assign_to_me: None };
    match st.cb.support().update(&auth.principal, &id, change).await {
        Ok(_) => Redirect::to("/staff/support").into_response(),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}
