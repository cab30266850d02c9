//! The board application's pages: the list of boards and organisations, the board itself
//! (rendered and kept live by the ES modules under `/assets/board/`, entry `main.js`), joining by
//! code, invitations.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use clearboard_core::CoreError;
use clearboard_core::boards::{BoardSummary, OrgView};
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::platform::ids::{BoardId, OrgId};
use serde::Deserialize;

use crate::identity::cookies::session_cookie;
use crate::pages::ctx::{PageCtx, contact};
use crate::platform::error_page::{Refusal, form_page};
use crate::platform::extract::ClientIp;
use crate::platform::i18n::{AppTexts, ParticipantTexts, Texts, app_texts, participant_texts};
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app", get(app_home))
        .route("/app/boards", post(create_board))
        .route("/app/orgs", post(create_org))
        .route("/app/orgs/{id}/invite", post(invite))
        .route("/app/boards/{id}", get(board_page))
        .route("/app/invitations", get(invitation_page).post(accept_invitation))
        .route("/join", get(join_page).post(join_submit))
}

#[derive(Template, WebTemplate)]
#[template(path = "app.html")]
struct AppPage {
    t: &'static Texts,
    a: &'static AppTexts,
    signed_in: bool,
    contact: String,
    refusal: Option<Refusal>,
    orgs: Vec<OrgView>,
    boards: Vec<BoardSummary>,
    invite_link: Option<String>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    /// The templates the "new board" form and the empty list offer, in the page's language.
    templates: Vec<clearboard_core::boards::TemplateInfo>,
}

async fn render_home(st: &AppState, ctx: &PageCtx, refusal: Option<Refusal>, invite_link: Option<String>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let data = async {
        let orgs = st.cb.boards().orgs(&auth.principal).await?;
        let boards = st.cb.boards().list(&auth.principal).await?;
        Ok::<_, CoreError>((orgs, boards))
    }
    .await;
    match data {
        Ok((orgs, boards)) => {
            let refused = refusal.as_ref().map(Refusal::mark);
            let page = AppPage {
                t: ctx.t,
                a: app_texts(ctx.t.lang),
                signed_in: true,
                consent: ctx.consent.clone(),
                contact: contact(st),
                refusal,
                orgs,
                boards,
                invite_link,
                templates: clearboard_core::boards::templates::catalogue(ctx.t.lang),
            };
            form_page(StatusCode::OK, refused, page)
        }
        // A participant (no account) has no home: back to their board.
        Err(CoreError::Forbidden) => match st.cb.region(&auth.principal.region).ok() {
            Some(r) => match r.boards.participant(&auth.principal.subject).await {
                Ok(Some(p)) => Redirect::to(&format!("/app/boards/{}", p.board_id)).into_response(),
                _ => Redirect::to("/signin").into_response(),
            },
            None => Redirect::to("/signin").into_response(),
        },
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}

async fn app_home(State(st): State<AppState>, ctx: PageCtx) -> Response {
    render_home(&st, &ctx, None, None).await
}

#[derive(Deserialize)]
struct NewBoardForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    org_id: String,
    /// A template's id, or empty for a blank board.
    #[serde(default)]
    template: String,
}

async fn create_board(State(st): State<AppState>, ctx: PageCtx, Form(f): Form<NewBoardForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let org = OrgId::parse(&f.org_id);
    let made = async {
        let template = if f.template.is_empty() { None } else { Some(clearboard_core::boards::Template::parse(&f.template)?) };
        st.cb.boards().create_board_from(&auth.principal, org.as_ref(), &f.title, template, Some(ctx.t.lang)).await
    };
    match made.await {
        Ok(b) => Redirect::to(&format!("/app/boards/{}", b.board.id)).into_response(),
        Err(e) => render_home(&st, &ctx, Some(Refusal::of(e, ctx.t)), None).await,
    }
}

#[derive(Deserialize)]
struct NewOrgForm {
    #[serde(default)]
    name: String,
}

async fn create_org(State(st): State<AppState>, ctx: PageCtx, Form(f): Form<NewOrgForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.boards().create_org(&auth.principal, &f.name, false).await {
        Ok(_) => Redirect::to("/app").into_response(),
        Err(e) => render_home(&st, &ctx, Some(Refusal::of(e, ctx.t)), None).await,
    }
}

async fn invite(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let Some(org) = OrgId::parse(&id) else { return crate::platform::error::not_found().await.into_response() };
    match st.cb.boards().invite(&auth.principal, &org, "member", None).await {
        Ok(inv) => {
            let link = crate::boards::api::invitation_link(&st, &inv.token);
            render_home(&st, &ctx, None, Some(link)).await
        }
        Err(e) => render_home(&st, &ctx, Some(Refusal::of(e, ctx.t)), None).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
struct BoardPage {
    t: &'static Texts,
    a: &'static AppTexts,
    signed_in: bool,
    contact: String,
    data: String,
    participant: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

async fn board_page(State(st): State<AppState>, ctx: PageCtx, Path(id): Path<String>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/join").into_response() };
    let Some(board) = BoardId::parse(&id) else { return crate::platform::error::not_found().await.into_response() };
    let access = match st.cb.boards().access(&auth.principal, &board).await {
        Ok(a) => a,
        Err(e) => return crate::platform::error::AppError::from(e).into_response(),
    };
    let a = app_texts(ctx.t.lang);
    let data = serde_json::json!({ "board_id": board, "lang": ctx.t.lang, "t": a, "a11y": crate::platform::i18n::board_a11y(ctx.t.lang) })
        .to_string()
        .replace('<', "\\u003c");
    let participant = access.role == clearboard_core::boards::BoardRole::Participant;
    BoardPage {
        t: ctx.t,
        a,
        // Participants have no account: no profile or boards links for them.
        signed_in: !participant,
        consent: ctx.consent.clone(),
        contact: contact(&st),
        data,
        participant,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "invitation.html")]
struct InvitationPage {
    t: &'static Texts,
    a: &'static AppTexts,
    signed_in: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contact: String,
    token: String,
    refusal: Option<Refusal>,
}

/// The invitation page: the token comes in the link's fragment (never sent to the server);
/// `/assets/fragment.js` copies it into the form, which posts it. Without JavaScript, the
/// person pastes it.
async fn invitation_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let signed_in = ctx.auth.is_some();
    InvitationPage {
        t: ctx.t,
        a: app_texts(ctx.t.lang),
        signed_in,
        consent: ctx.consent.clone(),
        contact: contact(&st),
        token: String::new(),
        refusal: None,
    }
    .into_response()
}

#[derive(Deserialize)]
struct InvitationForm {
    #[serde(default)]
    token: String,
}

async fn accept_invitation(State(st): State<AppState>, ctx: PageCtx, Form(f): Form<InvitationForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let token = f.token.trim().trim_start_matches('#').to_string();
    match st.cb.boards().accept_invitation(&auth.principal, &token).await {
        Ok(_) => Redirect::to("/app").into_response(),
        Err(e) => {
            let refusal = Refusal::of(e, ctx.t);
            let code = refusal.mark();
            // The token is not echoed back into the page.
            let page = InvitationPage {
                t: ctx.t,
                a: app_texts(ctx.t.lang),
                signed_in: true,
                consent: ctx.consent.clone(),
                contact: contact(&st),
                token: String::new(),
                refusal: Some(refusal),
            };
            form_page(StatusCode::OK, Some(code), page)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "join.html")]
struct JoinPage {
    t: &'static Texts,
    a: &'static AppTexts,
    signed_in: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contact: String,
    code: String,
    pseudonym: String,
    refusal: Option<Refusal>,
}

async fn join_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    JoinPage {
        t: ctx.t,
        a: app_texts(ctx.t.lang),
        signed_in: ctx.auth.is_some(),
        consent: ctx.consent.clone(),
        contact: contact(&st),
        code: String::new(),
        pseudonym: String::new(),
        refusal: None,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "participant_joined.html")]
struct JoinedPage {
    t: &'static Texts,
    p: &'static ParticipantTexts,
    signed_in: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contact: String,
    code: String,
    board: String,
}

#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    pseudonym: String,
}

async fn join_submit(State(st): State<AppState>, ip: ClientIp, ctx: PageCtx, Form(f): Form<JoinForm>) -> Response {
    let fail = |refusal: Refusal, f: JoinForm| {
        let code = refusal.mark();
        let page = JoinPage {
            t: ctx.t,
            a: app_texts(ctx.t.lang),
            signed_in: ctx.auth.is_some(),
            consent: ctx.consent.clone(),
            contact: contact(&st),
            code: f.code,
            pseudonym: f.pseudonym,
            refusal: Some(refusal),
        };
        form_page(StatusCode::OK, Some(code), page)
    };
    if !st.limiter.check(&st.cb, Scope::SignInIp, ip.0.to_string().as_bytes()).await {
        return fail(Refusal::code(ErrorCode::RateLimited, ctx.t), f);
    }
    match st.cb.boards().join(&f.code, &f.pseudonym).await {
        Ok(j) => {
            // The recovery code is shown on this page only, then the person goes to the board.
            let page = JoinedPage {
                t: ctx.t,
                p: participant_texts(ctx.t.lang),
                signed_in: false,
                consent: ctx.consent.clone(),
                contact: contact(&st),
                code: j.recovery_code.to_string(),
                board: j.board.to_string(),
            };
            let mut res = page.into_response();
            res.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            res.headers_mut().append(header::SET_COOKIE, session_cookie(&st, &j.token));
            res
        }
        Err(e) => {
            let unknown_code = matches!(e, CoreError::NotFound);
            let mut refusal = Refusal::of(e, ctx.t);
            if unknown_code {
                refusal.detail = Some(if ctx.t.lang == "fr" { "aucun tableau n’a ce code" } else { "no board has this code" }.into());
            }
            fail(refusal, f)
        }
    }
}
