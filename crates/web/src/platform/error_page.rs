//! How every error leaves (acceptance 3 of issue 12): the last step of `request_context` for
//! answers of status 400 and above. An `AppError` is rendered in the request's language with
//! the request id: as the catalogue's JSON under `/api` and for API clients, as the HTML
//! error page (its code in `data-error-code`) for people browsing pages. A form page that
//! refused a submission (`form_page`) already shows its code and passes. Anything else (a
//! rejection of axum or of a tower layer, a plain-text answer) becomes the catalogue's error
//! of its status. Also the words a form page shows of a refusal (`Refusal`).

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clearboard_core::CoreError;
use clearboard_core::platform::error_codes::ErrorCode;

use crate::platform::error::{AppError, localised, status_of};
use crate::platform::i18n::{Texts, error_words, texts};
use crate::platform::request_id::RequestId;

/// Marks a form page shown again with a refusal (it carries the code in its HTML), and what
/// its answer needs of it.
#[derive(Debug, Clone, Copy)]
pub struct RefusedPage {
    pub code: ErrorCode,
    pub retry_after: Option<u64>,
}

/// A refusal as a form page shows it (`errors.html`): the catalogue's words in the page's
/// language, the detail, and the code (in `data-error-code`).
#[derive(Debug, Clone)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: &'static str,
    pub detail: Option<String>,
    pub retry_after: Option<u64>,
}

impl Refusal {
    /// The refusal of an error in the page's language.
    pub fn new(err: &AppError, t: &Texts) -> Self {
        let detail = err.detail.clone().filter(|_| !err.code.is_server_error());
        Self { code: err.code, message: error_words(err.code, t.lang).message, detail, retry_after: err.retry_after }
    }

    /// What the page's answer needs: its code, and how long to wait when it says so.
    pub fn mark(&self) -> RefusedPage {
        RefusedPage { code: self.code, retry_after: self.retry_after.or(self.code.retry_after_default()) }
    }

    /// The refusal of a domain error (a refused password's reason in the page's language).
    pub fn of(e: CoreError, t: &Texts) -> Self {
        Self::new(&localised(e, t), t)
    }

    /// A refusal of one of the page's own rules.
    pub fn code(code: ErrorCode, t: &Texts) -> Self {
        Self::new(&AppError::new(code), t)
    }
}

/// A form page: `status` when nothing was refused, else the status of the refusal's code,
/// `Retry-After` when it asks to wait, and the mark that lets it through `finish` (the page
/// shows the code itself).
pub fn form_page(status: StatusCode, refused: Option<RefusedPage>, page: impl IntoResponse) -> Response {
    match refused {
        Some(mark) => {
            let mut res = (status_of(mark.code), page).into_response();
            if let Some(secs) = mark.retry_after {
                res.headers_mut().insert(header::RETRY_AFTER, secs.into());
            }
            res.extensions_mut().insert(mark);
            res
        }
        None => (status, page).into_response(),
    }
}

/// What `finish` needs of the request.
pub struct Asked<'a> {
    pub wants_page: bool,
    pub lang: &'static str,
    pub request_id: &'a RequestId,
    pub contact: &'a dyn Fn() -> String,
}

/// The answer as it leaves, for every status of 400 and above.
pub fn finish(res: Response, asked: &Asked<'_>) -> Response {
    if res.status().as_u16() < 400 || res.extensions().get::<RefusedPage>().is_some() {
        return res;
    }
    let err = match res.extensions().get::<AppError>() {
        Some(e) => e.clone(),
        // A rejection from the framework or a plain-text answer: the catalogue's error instead.
        None => {
            let e = AppError::for_status(res.status());
            let retry = e.retry_after.or(e.code.retry_after_default());
            let mut headers = res.headers().clone();
            if let Some(secs) = retry.filter(|_| !headers.contains_key(header::RETRY_AFTER)) {
                headers.insert(header::RETRY_AFTER, secs.into());
            }
            return finish(with_headers(e.clone().into_response(), &headers), asked);
        }
    };
    let lang = err.lang.unwrap_or(asked.lang);
    let out = if asked.wants_page {
        let words = error_words(err.code, lang);
        let page = ErrorPage {
            t: texts(lang),
            signed_in: false,
            // An error page asks for nothing: the consent window waits for a page that worked.
            consent: None,
            contact: (asked.contact)(),
            heading: words.title,
            explanation: words.message,
            detail: err.detail.clone().filter(|_| !err.code.is_server_error()),
            code: err.code,
            request_id: asked.request_id.0.clone(),
        };
        (err.status(), page).into_response()
    } else {
        (err.status(), axum::Json(err.body(lang, Some(&asked.request_id.0)))).into_response()
    };
    let mut out = with_headers(out, res.headers());
    out.extensions_mut().insert(err);
    out
}

/// `res` with the headers of the answer it replaces (cookies, `Retry-After`, `Allow`…), but its
/// own content type and length.
fn with_headers(mut res: Response, headers: &HeaderMap) -> Response {
    for k in headers.keys() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            res.headers_mut().remove(k);
            for v in headers.get_all(k) {
                res.headers_mut().append(k.clone(), v.clone());
            }
        }
    }
    res
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "error_page.html")]
struct ErrorPage {
    t: &'static Texts,
    signed_in: bool,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    contact: String,
    heading: &'static str,
    explanation: &'static str,
    detail: Option<String>,
    code: ErrorCode,
    request_id: String,
}
