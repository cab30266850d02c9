//! Careers' pages: `/careers` (the open posts and the application form, EN/FR, no account
//! needed, the talent-pool box never ticked), `/careers/application` (what the private link
//! opens: the token arrives in the link's fragment and is posted by the page, never put in a
//! path or a log; see, download, withdraw the talent pool, erase) and the staff pipeline
//! `/staff/recruitment` (no personal data in the list; opening an application names the
//! reason `recruitment` and is audited; decisions are emailed to the candidate).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearboard_core::CoreError;
use clearboard_core::business::programmes::careers::service::{
    ApplicationSummary, ApplicationView, JobView, RECEIVED, RECEIVED_FR, STATUSES, TALENT_POOL,
};
use serde::Deserialize;

use crate::business::careers_api::{APPLICATION_LIMIT, read_application};
use crate::business::support_api::{base, limited};
use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::extract::ClientIp;
use crate::platform::i18n::Texts;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/careers", get(careers_page))
        .route("/careers/{id}/apply", post(apply).layer(DefaultBodyLimit::max(APPLICATION_LIMIT * 2)))
        .route("/careers/application", get(application_page).post(application_submit))
        .route("/staff/recruitment", get(staff_pipeline))
        .route("/staff/recruitment/{id}", get(staff_open))
        .route("/staff/recruitment/{id}/decision", post(staff_decide))
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    res
}

#[derive(Template, WebTemplate)]
#[template(path = "careers.html")]
struct CareersPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    notice: String,
    jobs: Vec<JobView>,
    talent_pool_text: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

async fn render_careers(st: &AppState, ctx: &PageCtx, status: StatusCode, refusal: Option<Refusal>, notice: &str) -> Response {
    let refused = refusal.as_ref().map(Refusal::mark);
    let jobs = st.cb.careers().jobs(ctx.t.lang).await.unwrap_or_default();
    let talent_pool_text = st
        .cb
        .policy()
        .purpose(TALENT_POOL)
        .and_then(|p| p.consent_text.as_ref())
        .map(|c| c.get(ctx.t.lang).to_string())
        .unwrap_or_default();
    let p = CareersPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        contact: contact(st),
        refusal,
        notice: notice.to_string(),
        jobs,
        talent_pool_text,
        consent: ctx.consent.clone(),
    };
    no_store(form_page(status, refused, p))
}

async fn careers_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    render_careers(&st, &ctx, StatusCode::OK, None, "").await
}

async fn apply(State(st): State<AppState>, ctx: PageCtx, ip: ClientIp, Path(id): Path<String>, req: Request) -> Response {
    if let Err(e) = limited(&st, &ip).await {
        return render_careers(&st, &ctx, StatusCode::OK, Some(Refusal::new(&e, ctx.t)), "").await;
    }
    let new = match read_application(&st, req, ctx.t.lang).await {
        Ok(n) => n,
        Err(e) => return render_careers(&st, &ctx, StatusCode::OK, Some(Refusal::new(&e, ctx.t)), "").await,
    };
    match st.cb.careers().apply(&id, new, &base(&st)).await {
        Ok(_) => {
            let words = if ctx.t.lang == "fr" { RECEIVED_FR } else { RECEIVED };
            render_careers(&st, &ctx, StatusCode::ACCEPTED, None, words).await
        }
        Err(e) => render_careers(&st, &ctx, StatusCode::OK, Some(Refusal::of(e, ctx.t)), "").await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "careers_application.html")]
struct ApplicationPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    notice: String,
    application: Option<ApplicationView>,
    token: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

fn application_view(
    st: &AppState,
    ctx: &PageCtx,
    refusal: Option<Refusal>,
    notice: &str,
    a: Option<ApplicationView>,
    token: &str,
) -> Response {
    let refused = refusal.as_ref().map(Refusal::mark);
    let p = ApplicationPage {
        t: ctx.t,
        signed_in: ctx.auth.is_some(),
        contact: contact(st),
        refusal,
        notice: notice.to_string(),
        application: a,
        token: token.to_string(),
        consent: ctx.consent.clone(),
    };
    no_store(form_page(StatusCode::OK, refused, p))
}

async fn application_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    application_view(&st, &ctx, None, "", None, "")
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
    /// `show` (default), `withdraw` or `erase`.
    #[serde(default)]
    action: Option<String>,
}

async fn application_submit(State(st): State<AppState>, ctx: PageCtx, axum::Form(f): axum::Form<TokenForm>) -> Response {
    let careers = st.cb.careers();
    let fr = ctx.t.lang == "fr";
    let answer = match f.action.as_deref() {
        Some("withdraw") => careers.withdraw_talent_pool(&f.token).await.map(|v| {
            (
                Some(v),
                if fr { "Votre accord pour le vivier de talents est retiré." } else { "Your agreement to the talent pool is withdrawn." },
            )
        }),
        Some("erase") => careers.erase_by_token(&f.token).await.map(|_| {
            (
                None,
                if fr {
                    "Votre candidature est effacée, avec la clé qui la chiffrait."
                } else {
                    "Your application is erased, with the key that encrypted it."
                },
            )
        }),
        _ => careers.by_token(&f.token).await.map(|v| (Some(v), "")),
    };
    match answer {
        Ok((v, notice)) => {
            let token = if v.is_some() { f.token.as_str() } else { "" };
            application_view(&st, &ctx, None, notice, v, token)
        }
        Err(e) => application_view(&st, &ctx, Some(Refusal::of(e, ctx.t)), "", None, ""),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_recruitment.html")]
struct StaffPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    items: Vec<ApplicationSummary>,
    jobs: Vec<JobView>,
    opened: Option<ApplicationView>,
    decisions: &'static [&'static str],
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

#[derive(Deserialize, Default)]
struct StaffQuery {
    #[serde(default)]
    reason: Option<String>,
}

async fn staff_page(st: &AppState, ctx: &PageCtx, opened: Option<(&str, &str)>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let careers = st.cb.careers();
    let data = async {
        let items = careers.pipeline(&auth.principal, None).await?;
        let jobs = careers.all_jobs(&auth.principal, ctx.t.lang).await?;
        let view = match opened {
            Some((id, reason)) => Some(careers.open(&auth.principal, id, reason).await?),
            None => None,
        };
        Ok::<_, CoreError>((items, jobs, view))
    }
    .await;
    match data {
        Ok((items, jobs, opened)) => no_store(
            StaffPage {
                items,
                jobs,
                opened,
                decisions: &STATUSES[1..],
                t: ctx.t,
                signed_in: true,
                contact: contact(st),
                refusal: None,
                consent: ctx.consent.clone(),
            }
            .into_response(),
        ),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}

async fn staff_pipeline(State(st): State<AppState>, ctx: PageCtx) -> Response {
    staff_page(&st, &ctx, None).await
}

async fn staff_open(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>, Query(q): Query<StaffQuery>) -> Response {
    let reason = q.reason.unwrap_or_default();
    staff_page(&st, &ctx, Some((&id, &reason))).await
}

#[derive(Deserialize)]
struct DecisionForm {
    status: String,
}

async fn staff_decide(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<DecisionForm>,
) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.careers().decide(&auth.principal, &id, &f.status).await {
        Ok(_) => Redirect::to(&format!("/staff/recruitment/{id}?reason=recruitment")).into_response(),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}
