//! Acceptance 3 of issue 12 for the whole suite: every answer of every app the test kit spawns
//! passes through an `Inspector` wrapped around the public router, and is checked there.
//!
//! - Every error (status 400 and above) is the error catalogue's: under `/api`, or in JSON,
//!   the catalogue's JSON, valid against the OpenAPI document's `Error` schema (so its `code`
//!   is in the document's enum), with the code's own status, the request id of the
//!   `x-request-id` header, and `Retry-After` on 429 and 503; elsewhere, an HTML page
//!   (the error page or a form page shown again) whose `data-error-code` is the catalogue's,
//!   with the code's status. 404 fallbacks, 405, rejections of axum extractors and tower
//!   layers, WebSocket upgrade refusals: everything the router answers.
//! - Every success of an operation of the API is documented: its status is in the operation's
//!   responses, and a JSON body is valid against the documented schema.
//!
//! A failure is recorded, printed at once, and fails the test when its `TestApp` is dropped
//! (`assert_clean`). Answers that never reach the router (a connection refused at the cap,
//! a request hyper cannot parse) are outside it.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use clearboard_core::platform::error_codes::ErrorCode;
use serde_json::Value;

/// The largest answer body the inspector reads (error bodies and JSON answers are far smaller).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What every inspector around an app of this test process checked, summed up when the
/// process exits.
static ERRORS: AtomicUsize = AtomicUsize::new(0);
static BODIES: AtomicUsize = AtomicUsize::new(0);
static FAILED: AtomicUsize = AtomicUsize::new(0);
static CODES: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
static AT_EXIT: Once = Once::new();

extern "C" fn summary_at_exit() {
    let codes = CODES.lock().map(|c| c.iter().cloned().collect::<Vec<_>>()).unwrap_or_default();
    eprintln!(
        "error catalogue: {} error answers checked ({} of {} codes seen: {}), {} JSON success bodies checked against the OpenAPI document, {} failures",
        ERRORS.load(Ordering::Relaxed),
        codes.len(),
        ErrorCode::ALL.len(),
        codes.join(", "),
        BODIES.load(Ordering::Relaxed),
        FAILED.load(Ordering::Relaxed),
    );
}

/// What is checked of one request.
#[derive(Debug, Clone)]
pub struct Asked {
    pub method: Method,
    pub path: String,
}

/// Checks answers against the error catalogue and the OpenAPI document; records failures.
#[derive(Clone)]
pub struct Inspector {
    inner: Arc<Inner>,
}

struct Inner {
    doc: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
    failures: Mutex<Vec<String>>,
    errors_seen: Mutex<Vec<(u16, String)>>,
    /// Around an app (its checks count in the process's summary).
    serving: AtomicBool,
}

impl Default for Inspector {
    fn default() -> Self {
        Self::new()
    }
}

impl Inspector {
    pub fn new() -> Self {
        AT_EXIT.call_once(|| {
            // SAFETY: `atexit` only stores the function pointer; the summary only reads
            // atomics and a mutex and prints.
            #[allow(unsafe_code)]
            let _ = unsafe { libc::atexit(summary_at_exit) };
        });
        Self {
            inner: Arc::new(Inner {
                doc: clearboard_web::platform::openapi::spec(),
                validators: Mutex::new(HashMap::new()),
                failures: Mutex::new(Vec::new()),
                errors_seen: Mutex::new(Vec::new()),
                serving: AtomicBool::new(false),
            }),
        }
    }

    /// `router` with every answer checked.
    pub fn around(&self, router: axum::Router) -> axum::Router {
        self.inner.serving.store(true, Ordering::Relaxed);
        router.layer(axum::middleware::from_fn_with_state(self.clone(), inspect))
    }

    /// Every failure so far.
    pub fn failures(&self) -> Vec<String> {
        self.inner.failures.lock().unwrap().clone()
    }

    /// Every error answer seen so far: (status, code).
    pub fn errors_seen(&self) -> Vec<(u16, String)> {
        self.inner.errors_seen.lock().unwrap().clone()
    }

    /// Panics with every failure, if there was one.
    pub fn assert_clean(&self) {
        let failures = self.failures();
        assert!(
            failures.is_empty(),
            "{} answer(s) broke the error catalogue or the OpenAPI document:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Checks one answer; `Err` says what is wrong (also recorded).
    pub fn check(&self, asked: &Asked, status: u16, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
        let r =
            if status >= 400 { self.check_error(asked, status, headers, body) } else { self.check_success(asked, status, headers, body) };
        if let Err(why) = &r {
            self.tally(&FAILED);
            let line = format!("{} {} → {status}: {why}", asked.method, asked.path);
            eprintln!("catalogue: {line}");
            self.inner.failures.lock().unwrap().push(line);
        }
        r
    }

    /// Counts in the process's summary when around an app; whether it did.
    fn tally(&self, counter: &AtomicUsize) -> bool {
        let serving = self.inner.serving.load(Ordering::Relaxed);
        if serving {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        serving
    }

    fn check_error(&self, asked: &Asked, status: u16, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
        let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).ok_or("no x-request-id header")?;
        let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let code = if ct.starts_with("application/json") {
            let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON ({e}): {}", String::from_utf8_lossy(body)))?;
            self.validate("#/components/schemas/Error", &v)?;
            if v["error"]["request_id"] != request_id {
                return Err(format!("the body's request id is not the header's: {v}"));
            }
            v["error"]["code"].as_str().unwrap_or_default().to_string()
        } else if ct.starts_with("text/html") && !asked.path.starts_with("/api/") {
            let html = String::from_utf8_lossy(body);
            let code = html.split_once("data-error-code=\"").and_then(|(_, rest)| rest.split_once('"')).map(|(c, _)| c.to_string());
            code.ok_or_else(|| "an HTML error without data-error-code".to_string())?
        } else {
            return Err(format!("neither the catalogue's JSON nor an error page (content-type `{ct}`): {}", String::from_utf8_lossy(body)));
        };
        let known = ErrorCode::parse(&code).ok_or_else(|| format!("`{code}` is not in the catalogue"))?;
        if known.status() != status {
            return Err(format!("`{code}` is a {} in the catalogue", known.status()));
        }
        if matches!(status, 429 | 503) && !headers.contains_key(header::RETRY_AFTER) {
            return Err(format!("`{code}` without Retry-After"));
        }
        if self.tally(&ERRORS) {
            CODES.lock().unwrap().insert(code.clone());
        }
        self.inner.errors_seen.lock().unwrap().push((status, code));
        Ok(())
    }

    fn check_success(&self, asked: &Asked, status: u16, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
        if !asked.path.starts_with("/api/") || !(200..300).contains(&status) {
            return Ok(());
        }
        let Some(pointer) = self.operation(&asked.method, &asked.path) else {
            return Err("an answer of an operation the OpenAPI document does not describe".into());
        };
        let answer = format!("{pointer}/responses/{status}");
        let Some(doc) = self.inner.doc.pointer(&answer[1..]) else {
            return Err(format!("status {status} is not documented"));
        };
        let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let Some(media) = ct.split(';').next().map(str::trim).filter(|m| !m.is_empty()) else {
            return if body.is_empty() { Ok(()) } else { Err("a body without a content type".into()) };
        };
        let Some(content) = doc.get("content").and_then(|c| c.get(media)) else {
            return Err(format!("`{media}` is not documented for {status}"));
        };
        if media == "application/json" {
            let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))?;
            if content.get("schema").is_none() {
                return Err("a JSON answer without a schema".into());
            }
            self.validate(&format!("{answer}/content/application~1json/schema"), &v)?;
            self.tally(&BODIES);
        }
        Ok(())
    }

    /// The JSON pointer (`#/paths/…/get`) of the operation answering `method path`.
    fn operation(&self, method: &Method, path: &str) -> Option<String> {
        let paths = self.inner.doc["paths"].as_object()?;
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let m = method.as_str().to_ascii_lowercase();
        paths.iter().find_map(|(template, item)| {
            let t: Vec<&str> = template.split('/').collect();
            let fits = t.len() == segs.len() && t.iter().zip(&segs).all(|(a, b)| (a.starts_with('{') && a.ends_with('}')) || a == b);
            (fits && item.get(&m).is_some()).then(|| format!("#/paths/{}/{m}", template.replace('~', "~0").replace('/', "~1")))
        })
    }

    /// Validates `v` against the schema at `pointer` of the document (its `$ref`s resolved
    /// in the document).
    fn validate(&self, pointer: &str, v: &Value) -> Result<(), String> {
        let validator = {
            let mut cache = self.inner.validators.lock().unwrap();
            match cache.get(pointer) {
                Some(val) => val.clone(),
                None => {
                    let mut root = self.inner.doc.clone();
                    if let Some(o) = root.as_object_mut() {
                        // A URI fragment: the braces of path templates are percent-encoded.
                        o.insert("$ref".into(), Value::String(pointer.replace('{', "%7B").replace('}', "%7D")));
                        o.insert("$schema".into(), Value::String("https://json-schema.org/draft/2020-12/schema".into()));
                    }
                    let val =
                        Arc::new(jsonschema::validator_for(&root).map_err(|e| format!("the schema at {pointer} does not compile: {e}"))?);
                    cache.insert(pointer.to_string(), val.clone());
                    val
                }
            }
        };
        let errors: Vec<String> = validator.iter_errors(v).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        if errors.is_empty() { Ok(()) } else { Err(format!("not valid against {pointer}: {}; body: {v}", errors.join("; "))) }
    }
}

async fn inspect(State(insp): State<Inspector>, req: Request, next: Next) -> Response {
    let asked = Asked { method: req.method().clone(), path: req.uri().path().to_string() };
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let json = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("application/json"));
    let api_success = asked.path.starts_with("/api/") && (200..300).contains(&status);
    if status < 400 && !api_success {
        return res;
    }
    if api_success && !json {
        // Bytes (archives, media, CSV) are streamed: only their status and type are checked.
        insp.check(&asked, status, res.headers(), b"").ok();
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            insp.check(&asked, status, &parts.headers, format!("(the body could not be read: {e})").as_bytes()).ok();
            return Response::from_parts(parts, Body::empty());
        }
    };
    insp.check(&asked, status, &parts.headers, &bytes).ok();
    Response::from_parts(parts, Body::from(bytes))
}
