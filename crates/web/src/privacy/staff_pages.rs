//! Staff pages of privacy: the retention scheduler (C-RET-6: what is due, what was purged,
//! legal holds) and aggregated statistics drawn as inline SVG (no chart library, nothing
//! external). Staff only, behind the staff gate.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use clearboard_core::CoreError;

use crate::pages::ctx::{PageCtx, contact};
use crate::platform::i18n::Texts;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/staff/statistics", get(staff_statistics)).route("/staff/retention", get(staff_retention))
}

struct RuleRow {
    rule: String,
    period: String,
    enforcement: &'static str,
    due: u64,
    held: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_retention.html")]
struct StaffRetentionPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    rules: Vec<RuleRow>,
    runs: Vec<clearboard_core::privacy::retention::RunReport>,
    holds: Vec<clearboard_core::privacy::retention::HoldInfo>,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

/// The staff page of the retention scheduler (C-RET-6): what is due, what was purged, holds.
async fn staff_retention(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    let r = st.cb.retention();
    let data = async {
        st.cb.staff().on_duty(&auth.principal).await?;
        Ok::<_, CoreError>((r.status().await?, r.runs(50).await?, r.holds(&auth.principal).await?))
    }
    .await;
    match data {
        Ok((rules, runs, holds)) => StaffRetentionPage {
            t: ctx.t,
            signed_in: true,
            consent: ctx.consent.clone(),
            contact: contact(&st),
            rules: rules
                .into_iter()
                .map(|s| RuleRow {
                    rule: s.rule,
                    period: s.period.label(ctx.t.lang),
                    enforcement: enforcement_words(s.enforcement, ctx.t.lang == "fr"),
                    due: s.due,
                    held: s.held,
                })
                .collect(),
            runs,
            holds,
        }
        .into_response(),
        Err(e) => crate::platform::error::AppError::from(e).into_response(),
    }
}

/// How a retention rule is enforced, in English or French.
fn enforcement_words(e: Option<clearboard_core::privacy::modules::model::Enforcement>, fr: bool) -> &'static str {
    use clearboard_core::privacy::modules::model::Enforcement as E;
    let (en, fr_words) = match e {
        Some(E::PurgeSessions) => ("scheduler: purge expired sessions", "planificateur : purge des sessions expirées"),
        Some(E::PurgePageViews) => ("scheduler: purge old page views", "planificateur : purge des anciennes pages vues"),
        Some(E::PurgeVisitorConsents) => {
            ("scheduler: purge visitors' old consent records", "planificateur : purge des anciens choix de cookies des visiteurs")
        }
        Some(E::PurgeClosedRequests) => {
            ("scheduler: erase old request records with their key", "planificateur : effacement des anciennes demandes avec leur clé")
        }
        Some(E::PurgeClosedTickets) => (
            "scheduler: erase old closed support tickets with their key",
            "planificateur : effacement des anciennes demandes d'assistance closes avec leur clé",
        ),
        Some(E::PurgeBackups) => ("scheduler: delete old backup files", "planificateur : suppression des anciennes sauvegardes"),
        Some(E::PurgeIdleParticipants) => {
            ("scheduler: erase participants idle past the rule", "planificateur : effacement des participants inactifs au-delà de la règle")
        }
        Some(E::PurgeEndedContracts) => (
            "scheduler: delete ended contracts with their contact's key",
            "planificateur : suppression des contrats terminés avec la clé de leur contact",
        ),
        Some(E::PurgeUnconfirmedContacts) => (
            "scheduler: erase unconfirmed subscriptions with their key",
            "planificateur : effacement des inscriptions non confirmées avec leur clé",
        ),
        Some(E::PurgeInactiveContacts) => (
            "scheduler: erase inactive newsletter contacts with their key",
            "planificateur : effacement des contacts inactifs de la lettre d'information avec leur clé",
        ),
        Some(E::PurgeEndedEvents) => (
            "scheduler: erase registrations of ended events with their keys",
            "planificateur : effacement des inscriptions aux événements terminés avec leurs clés",
        ),
        Some(E::PurgeEndedVisits) => {
            ("scheduler: erase ended visits with their keys", "planificateur : effacement des visites terminées avec leurs clés")
        }
        Some(E::PurgeEndedTrainings) => (
            "scheduler: erase registrations of ended trainings with their keys",
            "planificateur : effacement des inscriptions aux formations terminées avec leurs clés",
        ),
        Some(E::PurgeStaleApplications) => (
            "scheduler: erase job applications past their last contact (not the talent pool) with their key",
            "planificateur : effacement des candidatures après le dernier contact (hors vivier de talents) avec leur clé",
        ),
        Some(E::AtTrigger) => ("erased when the trigger happens", "effacé quand l'événement déclencheur survient"),
        None => ("NOT ENFORCED", "NON APPLIQUÉ"),
    };
    if fr { fr_words } else { en }
}

struct Bar {
    label: String,
    value: String,
    y: u32,
    width: u32,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_statistics.html")]
struct StaffStatisticsPage {
    t: &'static Texts,
    signed_in: bool,
    contact: String,
    stats: clearboard_core::privacy::navigation::Stats,
    bars: Vec<Bar>,
    height: u32,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

/// Aggregated statistics for staff, drawn as inline SVG (no chart library, nothing external).
async fn staff_statistics(State(st): State<AppState>, ctx: PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return Redirect::to("/signin").into_response() };
    if let Err(e) = st.cb.staff().on_duty(&auth.principal).await {
        return crate::platform::error::AppError::from(e).into_response();
    }
    let to = st.cb.now() + 1; // up to and including now
    let stats = match st.cb.navigation().statistics(to - 30 * clearboard_core::platform::clock::DAY, to).await {
        Ok(s) => s,
        Err(e) => return crate::platform::error::AppError::from(e).into_response(),
    };
    let max = stats.pages.iter().filter_map(|p| p.views.value).max().unwrap_or(1).max(1);
    let bars: Vec<Bar> = stats
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| Bar {
            label: p.page.clone(),
            value: p.views.value.map_or_else(|| format!("fewer than {} people", stats.k), |v| v.to_string()),
            y: 10 + i as u32 * 28,
            width: p.views.value.map_or(0, |v| (v * 360 / max) as u32),
        })
        .collect();
    let height = 20 + bars.len() as u32 * 28;
    StaffStatisticsPage { t: ctx.t, signed_in: true, consent: ctx.consent.clone(), contact: contact(&st), stats, bars, height }
        .into_response()
}
