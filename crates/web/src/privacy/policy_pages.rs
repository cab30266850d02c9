//! The published policy (C-CHG-1, C-COOK-4, C-SEC-2): `/privacy` in English and French, the
//! cookie list (its page, with the visitor's own records, is `visitor_record`), the trust centre, the version history, and the machine-readable forms
//! (`/privacy.json`, the record of processing, DPV JSON-LD, the CCPA disclosure, fideslang).
//! Everything on these pages is rendered from the loaded policy; nothing is written by hand
//! beyond headings and explanations of rights. The acknowledgement interstitial lives here too.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::privacy::policy_versions::VersionInfo;
use clearboard_policy::{CategoryKind, Party, Policy, exports};
use serde::Deserialize;
use serde_json::Value;

use crate::pages::ctx::PageCtx;
use crate::platform::i18n::{NoticeTexts, Texts, notice_texts};
use crate::platform::state::AppState;
use crate::privacy::consent::ConsentWindow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/privacy", get(privacy))
        .route("/privacy.json", get(privacy_json))
        .route("/privacy/ropa.json", get(ropa_json))
        .route("/privacy/dpv.jsonld", get(dpv_jsonld))
        .route("/privacy/ccpa.json", get(ccpa_json))
        .route("/privacy/fideslang.json", get(fideslang_json))
        .route("/privacy/history", get(history))
        .route("/privacy/history/{version}", get(history_version))
        .route("/trust", get(trust))
        .route("/policy-update", get(update_page).post(update_submit))
}

pub struct CategoryView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub fields: String,
    pub source: String,
    pub kind: &'static str,
}

pub struct PurposeView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub basis: &'static str,
    pub interest: Option<String>,
    pub consent: Option<String>,
    pub categories: String,
    pub subjects: String,
}

pub struct RecipientView {
    pub id: String,
    pub is_subprocessor: bool,
    pub name: String,
    pub kind: &'static str,
    pub description: String,
    pub categories: String,
    pub location: String,
    pub safeguards: String,
    pub transfer: Option<String>,
}

pub struct RetentionView {
    pub category: String,
    pub description: String,
    pub hold: Option<String>,
}

pub struct CookieView {
    pub name: String,
    pub kind: String,
    pub purpose: String,
    pub party: &'static str,
    pub lifetime: String,
    pub consent: &'static str,
}

/// Everything the policy pages show, resolved for one language.
pub struct NoticeView {
    pub lang: &'static str,
    pub title: String,
    pub version: String,
    pub short_version: String,
    pub published: String,
    pub controller: String,
    pub address: String,
    pub contact: String,
    pub dpo: Option<String>,
    pub authority: String,
    pub minimum_age: u32,
    pub erasure_days: u32,
    pub answer_days: u32,
    pub backup_days: u32,
    pub categories: Vec<CategoryView>,
    pub purposes: Vec<PurposeView>,
    pub recipients: Vec<RecipientView>,
    pub retention: Vec<RetentionView>,
    pub regions: Vec<(String, String)>,
    pub transfers: Vec<(String, String, String)>,
    pub cookies: Vec<CookieView>,
    pub measures: Vec<(String, String)>,
    pub integrations: Vec<(String, String)>,
}

impl NoticeView {
    pub fn new(p: &Policy, lang: &'static str) -> Self {
        let d = p.doc();
        let n = notice_texts(lang);
        let cat_title = |id: &str| p.category(id).map(|c| c.title.get(lang).to_string()).unwrap_or_else(|| id.to_string());
        let join = |v: Vec<String>| v.join(", ");
        NoticeView {
            lang,
            title: d.meta.title.get(lang).to_string(),
            version: p.digest().to_string(),
            short_version: p.short_version().to_string(),
            published: d.meta.published.clone(),
            controller: d.controller.name.clone(),
            address: d.controller.address.clone(),
            contact: d.controller.privacy_contact.clone(),
            dpo: d.controller.dpo_contact.clone(),
            authority: d.controller.supervisory_authority.get(lang).to_string(),
            minimum_age: d.limits.minimum_age,
            erasure_days: d.limits.erasure_deadline_days,
            answer_days: d.limits.request_answer_days,
            backup_days: d.backups.retention_days,
            categories: d
                .categories
                .iter()
                .map(|c| CategoryView {
                    id: c.id.clone(),
                    title: c.title.get(lang).to_string(),
                    description: c.description.get(lang).to_string(),
                    fields: c.fields.join(", "),
                    source: c.source.get(lang).to_string(),
                    kind: if c.kind == CategoryKind::UserInformation { n.user_information } else { n.other_data },
                })
                .collect(),
            purposes: d
                .purposes
                .iter()
                .map(|pu| PurposeView {
                    id: pu.id.clone(),
                    title: pu.title.get(lang).to_string(),
                    description: pu.description.get(lang).to_string(),
                    basis: pu.legal_basis.map(|b| b.label(lang)).unwrap_or(""),
                    interest: pu.legitimate_interest.as_ref().map(|t| t.get(lang).to_string()),
                    consent: pu.consent_text.as_ref().map(|t| t.get(lang).to_string()),
                    categories: join(pu.categories.iter().map(|c| cat_title(c)).collect()),
                    subjects: join(
                        pu.data_subjects.iter().filter_map(|s| p.data_subject(s)).map(|s| s.title.get(lang).to_string()).collect(),
                    ),
                })
                .collect(),
            recipients: d
                .recipients
                .iter()
                .map(|r| RecipientView {
                    id: r.id.clone(),
                    is_subprocessor: r.kind == clearboard_policy::RecipientKind::Subprocessor,
                    name: r.name.get(lang).to_string(),
                    kind: r.kind.label(lang),
                    description: r.description.get(lang).to_string(),
                    categories: join(r.categories.iter().map(|c| cat_title(c)).collect()),
                    location: r.location.get(lang).to_string(),
                    safeguards: r.safeguards.join(", "),
                    transfer: r
                        .transfer
                        .as_deref()
                        .and_then(|t| p.transfer(t))
                        .map(|t| format!("{} — {}", t.to, t.mechanism.map(|m| m.label(lang)).unwrap_or(""))),
                })
                .collect(),
            retention: d
                .retention
                .iter()
                .map(|r| RetentionView {
                    category: cat_title(&r.category),
                    description: r.description.get(lang).to_string(),
                    hold: r.legal_hold.as_ref().map(|h| h.reason.get(lang).to_string()),
                })
                .collect(),
            regions: d.regions.iter().map(|r| (r.name.get(lang).to_string(), r.location.get(lang).to_string())).collect(),
            transfers: d
                .transfers
                .iter()
                .map(|t| (t.to.clone(), t.mechanism.map(|m| m.label(lang)).unwrap_or("").to_string(), t.description.get(lang).to_string()))
                .collect(),
            cookies: d
                .cookies
                .iter()
                .map(|c| CookieView {
                    name: c.name.clone(),
                    kind: c.kind.as_str().to_string(),
                    purpose: c.purpose.get(lang).to_string(),
                    party: match (c.party, &c.provider) {
                        (Party::First, _) => n.first_party,
                        (Party::Third, _) => n.third_party,
                    },
                    lifetime: c.lifetime().map_or_else(|| n.session_only.to_string(), |p| p.label(lang)),
                    consent: if c.kind.needs_consent() { n.consent_needed } else { n.no_consent_needed },
                })
                .collect(),
            measures: d.security_measures.iter().map(|m| (m.title.get(lang).to_string(), m.description.get(lang).to_string())).collect(),
            integrations: d
                .integrations
                .iter()
                .map(|i| (i.name.clone(), format!("{} {} {}", i.description.get(lang), i.reads.get(lang), i.limited_use.get(lang))))
                .collect(),
        }
    }
}

/// The published policy pages: one context, one template each.
macro_rules! notice_page {
    ($name:ident, $path:literal) => {
        #[derive(Template, WebTemplate)]
        #[template(path = $path)]
        pub struct $name {
            pub t: &'static Texts,
            pub n: &'static NoticeTexts,
            pub v: NoticeView,
            pub signed_in: bool,
            pub consent: Option<ConsentWindow>,
            pub contact: String,
        }

        impl $name {
            /// The page in `t`'s language, for a visitor signed in or not, of the policy `p`,
            /// with the consent window when the visitor has not chosen yet.
            pub fn new(p: &Policy, t: &'static Texts, signed_in: bool, consent: Option<ConsentWindow>) -> Self {
                Self {
                    t,
                    n: notice_texts(t.lang),
                    v: NoticeView::new(p, t.lang),
                    signed_in,
                    consent,
                    contact: p.doc().controller.privacy_contact.clone(),
                }
            }
        }
    };
}

notice_page!(PrivacyPage, "privacy.html");
notice_page!(CookiesPage, "cookies.html");
notice_page!(TrustPage, "trust.html");

/// The notice as a standalone HTML page (for `clearboard policy render --format notice`).
pub fn render_notice(p: &Policy, lang: &str) -> Result<String, askama::Error> {
    PrivacyPage::new(p, crate::platform::i18n::texts(lang), false, None).render()
}

/// The cookie list as a standalone HTML page.
pub fn render_cookies(p: &Policy, lang: &str) -> Result<String, askama::Error> {
    CookiesPage::new(p, crate::platform::i18n::texts(lang), false, None).render()
}

async fn privacy(State(st): State<AppState>, ctx: PageCtx) -> impl IntoResponse {
    public(PrivacyPage::new(st.cb.policy(), ctx.t, ctx.auth.is_some(), ctx.consent))
}

async fn trust(State(st): State<AppState>, ctx: PageCtx) -> impl IntoResponse {
    public(TrustPage::new(st.cb.policy(), ctx.t, ctx.auth.is_some(), ctx.consent))
}

/// Public pages may be cached briefly; they hold nothing about the visitor.
fn public(page: impl IntoResponse) -> Response {
    let mut res = page.into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    res
}

fn json_doc(v: Value, content_type: &'static str) -> Response {
    let mut res = Json(v).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    res
}

async fn privacy_json(State(st): State<AppState>) -> Response {
    json_doc(exports::policy_json(st.cb.policy()), "application/json")
}

async fn ropa_json(State(st): State<AppState>) -> Response {
    json_doc(exports::ropa(st.cb.policy()), "application/json")
}

async fn dpv_jsonld(State(st): State<AppState>) -> Response {
    json_doc(exports::dpv(st.cb.policy()), "application/ld+json")
}

async fn ccpa_json(State(st): State<AppState>) -> Response {
    json_doc(exports::ccpa(st.cb.policy()), "application/json")
}

async fn fideslang_json(State(st): State<AppState>) -> Response {
    json_doc(exports::fideslang(st.cb.policy()), "application/json")
}

#[derive(Template, WebTemplate)]
#[template(path = "history.html")]
struct HistoryPage {
    t: &'static Texts,
    n: &'static NoticeTexts,
    signed_in: bool,
    contact: String,
    versions: Vec<VersionInfo>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

async fn history(State(st): State<AppState>, ctx: PageCtx) -> Response {
    match st.cb.policy_versions().history().await {
        Ok(versions) => HistoryPage {
            t: ctx.t,
            n: notice_texts(ctx.t.lang),
            signed_in: ctx.auth.is_some(),
            consent: ctx.consent.clone(),
            contact: st.cb.policy().doc().controller.privacy_contact.clone(),
            versions,
        }
        .into_response(),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}

async fn history_version(State(st): State<AppState>, Path(version): Path<String>) -> Response {
    if version.len() != 64 || !version.chars().all(|c| c.is_ascii_hexdigit()) {
        return crate::platform::error::AppError::new(ErrorCode::NotFound).detail("no such policy version").into_response();
    }
    match st.cb.policy_versions().text_of(&version).await {
        Ok(Some(text)) => {
            let mut res = text.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400, immutable"));
            res
        }
        Ok(None) => crate::platform::error::AppError::new(ErrorCode::NotFound).detail("no such policy version").into_response(),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "policy_update.html")]
struct UpdatePage {
    t: &'static Texts,
    n: &'static NoticeTexts,
    signed_in: bool,
    contact: String,
    version: VersionInfo,
    summary: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

async fn update_page(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.policy_versions().ack_required(&auth.principal).await {
        Ok(Some(version)) => {
            let summary = if ctx.t.lang == "fr" { version.summary_fr.clone() } else { version.summary_en.clone() };
            UpdatePage {
                t: ctx.t,
                n: notice_texts(ctx.t.lang),
                signed_in: true,
                consent: ctx.consent.clone(),
                contact: st.cb.policy().doc().controller.privacy_contact.clone(),
                version,
                summary,
            }
            .into_response()
        }
        Ok(None) => Redirect::to("/me").into_response(),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
struct AckForm {
    #[serde(default)]
    version: String,
}

async fn update_submit(State(st): State<AppState>, ctx: PageCtx, Form(f): Form<AckForm>) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    match st.cb.policy_versions().acknowledge(&auth.principal, &f.version, "interstitial").await {
        Ok(_) => Redirect::to("/me").into_response(),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}
