//! The programmes' pages, in English and French (C-SCOPE-1: the public website's events and
//! trainings pages): `/events` and `/trainings` (what is coming, a registration form for
//! each, the same answer whatever the address, rate-limited), the private link's page
//! (`/events/registration`, `/trainings/registration`: the token arrives in the fragment and
//! is posted by the page; confirm, calendar file, cancel, certificate), and for staff
//! `/staff/events` and `/staff/trainings` (sessions, publishing, the check-in or attendance
//! list opened for the reason `events`), `/staff/visits` (the front desk) and a visit's
//! printable badge (no phone).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearboard_core::CoreError;
use clearboard_core::business::programmes::events::AttendanceList;
use clearboard_core::business::programmes::registrations::RegistrationView;
use clearboard_core::business::programmes::sessions::SessionView;
use clearboard_core::business::programmes::visits::{Badge, VisitView};
use serde::Deserialize;

use crate::business::programmes_api::{RegistrationBody, SessionBody, VisitBody, programme};
use crate::business::support_api::{base, limited};
use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error::AppError;
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::extract::ClientIp;
use crate::platform::i18n::Texts;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/events", get(public::<false>))
        .route("/trainings", get(public::<true>))
        .route("/events/{id}/register", post(register::<false>))
        .route("/trainings/{id}/register", post(register::<true>))
        .route("/events/registration", get(link_page::<false>).post(link_submit::<false>))
        .route("/trainings/registration", get(link_page::<true>).post(link_submit::<true>))
        .route("/staff/events", get(staff::<false>).post(staff_publish::<false>))
        .route("/staff/trainings", get(staff::<true>).post(staff_publish::<true>))
        .route("/staff/events/{id}", get(staff_list::<false>))
        .route("/staff/trainings/{id}", get(staff_list::<true>))
        .route("/staff/events/registrations/{id}/check-in", post(staff_check_in::<false>))
        .route("/staff/trainings/registrations/{id}/check-in", post(staff_check_in::<true>))
        .route("/staff/visits", get(visits).post(visit_record))
        .route("/staff/visits/{id}/departure", post(visit_depart))
        .route("/staff/visits/{id}/badge", get(visit_badge))
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    res
}

#[derive(Template, WebTemplate)]
#[template(path = "programmes.html")]
struct PublicPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    refusal: Option<Refusal>,
    notice: String,
    training: bool,
    sessions: Vec<SessionView>,
}

async fn public_page<const TRAINING: bool>(
    st: &AppState,
    ctx: &PageCtx,
    status: StatusCode,
    refusal: Option<Refusal>,
    notice: &str,
) -> Response {
    let sessions = st.cb.programmes().upcoming(programme(TRAINING)).await.unwrap_or_default();
    let refused = refusal.as_ref().map(Refusal::mark);
    let p = PublicPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        contact: contact(st),
        consent: ctx.consent.clone(),
        refusal,
        notice: notice.to_string(),
        training: TRAINING,
        sessions,
    };
    no_store(form_page(status, refused, p))
}

async fn public<const TRAINING: bool>(State(st): State<AppState>, ctx: PageCtx) -> Response {
    public_page::<TRAINING>(&st, &ctx, StatusCode::OK, None, "").await
}

fn received_words(t: &Texts) -> &'static str {
    if t.lang == "fr" {
        "Merci : pour terminer votre inscription, ouvrez le lien que nous envoyons à l'adresse que vous avez donnée."
    } else {
        clearboard_core::business::programmes::registrations::RECEIVED
    }
}

async fn register<const TRAINING: bool>(
    State(st): State<AppState>,
    ctx: PageCtx,
    ip: ClientIp,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<RegistrationBody>,
) -> Response {
    let refuse = |e: AppError| Refusal::new(&e, ctx.t);
    if let Err(e) = limited(&st, &ip).await {
        return public_page::<TRAINING>(&st, &ctx, StatusCode::OK, Some(refuse(e)), "").await;
    }
    let new = match f.into_new(TRAINING, ctx.t.lang) {
        Ok(n) => n,
        Err(e) => return public_page::<TRAINING>(&st, &ctx, StatusCode::OK, Some(refuse(e)), "").await,
    };
    match st.cb.programmes().register(programme(TRAINING), &id, new, &base(&st)).await {
        Ok(()) => public_page::<TRAINING>(&st, &ctx, StatusCode::ACCEPTED, None, received_words(ctx.t)).await,
        Err(e) => public_page::<TRAINING>(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), "").await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "programme_link.html")]
struct LinkPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    refusal: Option<Refusal>,
    notice: String,
    training: bool,
    token: String,
    session: Option<SessionView>,
    registration: Option<RegistrationView>,
}

fn link_view(
    st: &AppState,
    ctx: &PageCtx,
    training: bool,
    refusal: Option<Refusal>,
    notice: &str,
    token: &str,
    found: Option<(SessionView, RegistrationView)>,
) -> Response {
    let refused = refusal.as_ref().map(Refusal::mark);
    let p = LinkPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        contact: contact(st),
        consent: ctx.consent.clone(),
        refusal,
        notice: notice.to_string(),
        training,
        token: token.to_string(),
        session: found.as_ref().map(|(s, _)| s.clone()),
        registration: found.map(|(_, r)| r),
    };
    no_store(form_page(StatusCode::OK, refused, p))
}

async fn link_page<const TRAINING: bool>(State(st): State<AppState>, ctx: PageCtx) -> Response {
    link_view(&st, &ctx, TRAINING, None, "", "", None)
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    token: String,
    /// `show`, `confirm`, `cancel` or `certificate`.
    #[serde(default)]
    action: String,
}

async fn link_submit<const TRAINING: bool>(State(st): State<AppState>, ctx: PageCtx, axum::Form(f): axum::Form<LinkForm>) -> Response {
    let p = st.cb.programmes();
    let pr = programme(TRAINING);
    let fr = ctx.t.lang == "fr";
    let done = match f.action.as_str() {
        "confirm" => p.confirm(pr, &f.token, &base(&st)).await.map(|v| (Some(v), "")),
        "cancel" => p
            .cancel(pr, &f.token, &base(&st))
            .await
            .map(|()| (None, if fr { "Votre inscription est annulée et effacée." } else { "Your registration is cancelled and erased." })),
        "certificate" if TRAINING => {
            return match p.certificate_by_token(&f.token).await {
                Ok(pdf) => ([(axum::http::header::CONTENT_TYPE, "application/pdf")], pdf).into_response(),
                Err(e) => link_view(&st, &ctx, TRAINING, Some(Refusal::of(e, ctx.t)), "", &f.token, None),
            };
        }
        _ => p.by_token(pr, &f.token).await.map(|v| (Some(v), "")),
    };
    match done {
        Ok((found, notice)) => {
            let token = if found.is_some() { f.token.as_str() } else { "" };
            link_view(&st, &ctx, TRAINING, None, notice, token, found)
        }
        Err(e) => link_view(&st, &ctx, TRAINING, Some(Refusal::of(e, ctx.t)), "", "", None),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_programmes.html")]
struct StaffPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    refusal: Option<Refusal>,
    training: bool,
    sessions: Vec<SessionView>,
    opened: Option<AttendanceList>,
}

async fn staff_page<const TRAINING: bool>(st: &AppState, ctx: &PageCtx, opened: Option<&str>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let p = st.cb.programmes();
    let data = async {
        let sessions = p.sessions_for_staff(&auth.principal, programme(TRAINING)).await?;
        let list = match opened {
            Some(id) => Some(p.attendance_list(&auth.principal, programme(TRAINING), id).await?),
            None => None,
        };
        Ok::<_, CoreError>((sessions, list))
    }
    .await;
    match data {
        Ok((sessions, opened)) => no_store(
            StaffPage {
                t: ctx.t,
                signed_in: true,
                contact: contact(st),
                consent: ctx.consent.clone(),
                refusal: None,
                training: TRAINING,
                sessions,
                opened,
            }
            .into_response(),
        ),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn staff<const TRAINING: bool>(State(st): State<AppState>, ctx: PageCtx) -> Response {
    staff_page::<TRAINING>(&st, &ctx, None).await
}

async fn staff_list<const TRAINING: bool>(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    staff_page::<TRAINING>(&st, &ctx, Some(&id)).await
}

async fn staff_publish<const TRAINING: bool>(State(st): State<AppState>, ctx: PageCtx, axum::Form(f): axum::Form<SessionBody>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let new = match f.into_new() {
        Ok(n) => n,
        Err(e) => return e.into_response(),
    };
    match st.cb.programmes().publish(&auth.principal, programme(TRAINING), new).await {
        Ok(_) => Redirect::to(if TRAINING { "/staff/trainings" } else { "/staff/events" }).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
struct CheckInForm {
    session: String,
    #[serde(default)]
    present: Option<String>,
}

async fn staff_check_in<const TRAINING: bool>(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CheckInForm>,
) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let present = f.present.as_deref() != Some("false");
    match st.cb.programmes().check_in(&auth.principal, programme(TRAINING), &id, present).await {
        Ok(_) => Redirect::to(&format!("/staff/{}/{}", if TRAINING { "trainings" } else { "events" }, f.session)).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_visits.html")]
struct VisitsPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    refusal: Option<Refusal>,
    visits: Vec<VisitView>,
}

async fn visits(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.programmes().visits(&auth.principal).await {
        Ok(visits) => no_store(
            VisitsPage { t: ctx.t, signed_in: true, contact: contact(&st), consent: ctx.consent.clone(), refusal: None, visits }
                .into_response(),
        ),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn visit_record(State(st): State<AppState>, ctx: PageCtx, axum::Form(f): axum::Form<VisitBody>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.programmes().record_visit(&auth.principal, f.into()).await {
        Ok(v) => Redirect::to(&format!("/staff/visits/{}/badge", v.id)).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn visit_depart(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.programmes().depart(&auth.principal, &id).await {
        Ok(_) => Redirect::to("/staff/visits").into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "visit_badge.html")]
struct BadgePage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    badge: Badge,
}

async fn visit_badge(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.programmes().badge(&auth.principal, &id).await {
        Ok(badge) => {
            no_store(BadgePage { t: ctx.t, signed_in: true, contact: contact(&st), consent: ctx.consent.clone(), badge }.into_response())
        }
        Err(e) => AppError::from(e).into_response(),
    }
}
