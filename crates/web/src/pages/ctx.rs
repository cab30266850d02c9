//! The context of every HTML page: its language (`?lang=`, else the `cb_lang` cookie that
//! remembers it, else the account's, else the browser's), who is signed in, the policy acknowledgement gate (a signed-in person who
//! must acknowledge a significant change is sent to the interstitial first), and the consent
//! window when the visitor has not chosen yet (rendered by the page template, `base.html`).
//! Also the privacy contact every page shows (refusals are `platform::error_page::Refusal`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::platform::extract::MaybeAuth;
use crate::platform::i18n::{self, Texts};
use crate::platform::state::AppState;
use crate::privacy::consent::ConsentWindow;

/// The language and sign-in state of a page request. A signed-in person who must acknowledge
/// a significant policy change is sent to the interstitial first (except on the policy pages).
pub struct PageCtx {
    pub t: &'static Texts,
    pub auth: Option<crate::platform::extract::Auth>,
    /// The consent window the page carries, in its language (C-COOK-3), if any.
    pub consent: Option<ConsentWindow>,
}

fn ack_exempt(path: &str) -> bool {
    path == "/policy-update" || path == "/signout" || path == "/cookies" || path == "/trust" || path.starts_with("/privacy")
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let MaybeAuth(auth) = MaybeAuth::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let mut t = i18n::from_headers(&parts.headers);
        let asked = i18n::from_query(parts.uri.query());
        if let Some(a) = &auth {
            if let Ok(region) = state.cb.region(&a.principal.region)
                && let Ok(Some(acc)) = region.store.account(&a.principal.subject).await
            {
                if i18n::from_cookie(&parts.headers).is_none() {
                    t = i18n::texts(&acc.locale);
                }
                // A language chosen at the foot of a page is also the account's from now on (its
                // emails too); the middleware remembers it in the cookie for this browser.
                if let Some(q) = asked.filter(|q| q.lang != acc.locale) {
                    let change =
                        clearboard_core::identity::accounts::ProfileChange { locale: Some(q.lang.to_string()), ..Default::default() };
                    if let Err(e) = state.cb.accounts().update(&a.principal, change).await {
                        tracing::warn!(error = %e, "the chosen language was not saved on the account");
                    }
                }
            }
            if !ack_exempt(parts.uri.path()) {
                match state.cb.policy_versions().ack_required(&a.principal).await {
                    Ok(Some(_)) => return Err(Redirect::to("/policy-update").into_response()),
                    Ok(None) => {}
                    Err(e) => return Err(crate::platform::error::AppError::from(e).into_response()),
                }
            }
        }
        if let Some(q) = asked {
            t = q;
        }
        let consent = crate::privacy::consent::window(state, &parts.extensions, t.lang);
        Ok(Self { t, auth, consent })
    }
}

/// The privacy contact the policy names (shown in every page's footer).
pub fn contact(st: &AppState) -> String {
    st.cb.policy().doc().controller.privacy_contact.clone()
}
