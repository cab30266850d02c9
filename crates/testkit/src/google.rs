//! An emulator of exactly the Google endpoints clearboard calls (issue 19), an axum server on
//! 127.0.0.1 with the shapes of Google's public documentation:
//!
//! * `GET /o/oauth2/v2/auth` (the authorization endpoint): the person "consents" at once and
//!   is redirected to `redirect_uri?state=…&code=…&scope=…`, or with `error=…` (RFC 6749
//!   §4.1.2.1) for an unknown scope or a missing PKCE challenge.
//! * `POST /token` (`authorization_code` with `code_verifier`, `refresh_token`): JSON
//!   `{access_token, expires_in, refresh_token?, scope, token_type}`; errors as Google's
//!   `{error, error_description}` (`invalid_client` 401, `invalid_grant` 400).
//! * `POST /revoke` (`token=`): 200, or 400 `invalid_token`; revoking a refresh token ends
//!   every access token of the grant.
//! * `GET /drive/v3/files/{id}` (metadata, `fields` honoured) and `?alt=media` (content), with
//!   a bearer token; `drive.file` semantics: only files the person picked exist for the app
//!   (others are 404 `notFound`); Google's own documents answer `alt=media` with 403
//!   `fileNotDownloadable`; errors in Drive's `{error: {code, message, errors: [{domain,
//!   reason, message}]}}` shape.
//!
//! Every request is recorded (method, path, query, form keys and values); the next requests
//! can be told to fail (a timeout, 401, 429, 500).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "clearboard-test.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "emulator-client-secret";
pub const DRIVE_FILE: &str = "https://www.googleapis.com/auth/drive.file";

/// One request as the emulator saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub form: BTreeMap<String, String>,
}

/// How the next matching requests fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Answer after this long (longer than the client's timeout).
    Timeout(Duration),
    Status(u16),
}

/// A file in the emulated Drive.
#[derive(Debug, Clone)]
pub struct File {
    pub name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
    /// Picked with the Picker (or created by the app): visible under `drive.file`.
    pub picked: bool,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    files: BTreeMap<String, File>,
    /// code → (challenge, redirect_uri, scope)
    codes: BTreeMap<String, (String, String, String)>,
    /// refresh token → scope
    refresh: BTreeMap<String, String>,
    /// access token → its refresh token
    access: BTreeMap<String, String>,
    revoked: BTreeSet<String>,
    /// (path prefix, failure, how many more times)
    failures: Vec<(String, Failure, usize)>,
    n: u64,
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Inner>>);

/// The running emulator.
pub struct GoogleEmulator {
    pub base: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for GoogleEmulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl GoogleEmulator {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let app = Router::new()
            .route("/o/oauth2/v2/auth", get(authorize))
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .route("/drive/v3/files/{id}", get(file))
            .layer(axum::middleware::from_fn_with_state(shared.clone(), record))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the Google emulator");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base: format!("http://{addr}"), shared, task }
    }

    /// A configuration's `integrations.google` pointing here.
    pub fn config(&self) -> clearboard_app::google::GoogleConfig {
        configured(&self.base)
    }

    pub fn add_file(&self, id: &str, file: File) {
        self.shared.0.lock().unwrap().files.insert(id.to_string(), file);
    }

    /// The next `times` requests whose path starts with `prefix` fail so.
    pub fn fail(&self, prefix: &str, failure: Failure, times: usize) {
        self.shared.0.lock().unwrap().failures.push((prefix.to_string(), failure, times));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.0.lock().unwrap().requests.clone()
    }

    /// Whether a token (access or refresh) was revoked.
    pub fn revoked(&self, token: &str) -> bool {
        self.shared.0.lock().unwrap().revoked.contains(token)
    }

    /// The refresh tokens issued and not revoked.
    pub fn live_refresh_tokens(&self) -> Vec<String> {
        let i = self.shared.0.lock().unwrap();
        i.refresh.keys().filter(|t| !i.revoked.contains(*t)).cloned().collect()
    }

    /// Every token issued (access and refresh), for forensic scans.
    pub fn issued_tokens(&self) -> Vec<String> {
        let i = self.shared.0.lock().unwrap();
        i.refresh.keys().chain(i.access.keys()).cloned().collect()
    }
}

/// `integrations.google` pointing at an emulator at `base` (two-second timeouts).
pub fn configured(base: &str) -> clearboard_app::google::GoogleConfig {
    clearboard_app::google::GoogleConfig {
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        auth_url: format!("{base}/o/oauth2/v2/auth"),
        token_url: format!("{base}/token"),
        revoke_url: format!("{base}/revoke"),
        api_url: format!("{base}/drive/v3"),
        timeout_seconds: 2,
        picker_api_key: None,
    }
}

fn parse_pairs(s: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(s.as_bytes()).into_owned().collect()
}

async fn record(State(s): State<Shared>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let path = parts.uri.path().to_string();
    let failure = {
        let mut i = s.0.lock().unwrap();
        i.requests.push(Recorded {
            method: parts.method.to_string(),
            path: path.clone(),
            query: parse_pairs(parts.uri.query().unwrap_or("")),
            form: parse_pairs(std::str::from_utf8(&bytes).unwrap_or("")),
        });
        let hit = i.failures.iter().position(|(p, _, n)| *n > 0 && path.starts_with(p.as_str()));
        hit.map(|k| {
            i.failures[k].2 -= 1;
            i.failures[k].1
        })
    };
    match failure {
        Some(Failure::Timeout(d)) => {
            tokio::time::sleep(d).await;
            drive_error(503, "backendError", "The service is currently unavailable.")
        }
        Some(Failure::Status(401)) => drive_error(401, "authError", "Invalid Credentials"),
        Some(Failure::Status(429)) => drive_error(429, "rateLimitExceeded", "Rate Limit Exceeded"),
        Some(Failure::Status(code)) => drive_error(code, "backendError", "Internal Error"),
        None => next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await,
    }
}

/// Drive's error shape (developers.google.com/drive/api/guides/handle-errors).
fn drive_error(code: u16, reason: &str, message: &str) -> Response {
    let domain = if reason == "rateLimitExceeded" { "usageLimits" } else { "global" };
    let body =
        json!({ "error": { "code": code, "message": message, "errors": [{ "domain": domain, "reason": reason, "message": message }] } });
    (StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response()
}

/// OAuth's error shape (RFC 6749 §5.2, as Google answers it).
fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn new_token(i: &mut Inner, prefix: &str) -> String {
    i.n += 1;
    let r: [u8; 12] = std::array::from_fn(|k| (i.n as u8).wrapping_mul(31).wrapping_add(k as u8 * 7));
    format!("{prefix}{}{}", i.n, hex::encode(Sha256::digest(r))[..24].to_owned())
}

async fn authorize(State(s): State<Shared>, Query(q): Query<BTreeMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID || get("redirect_uri").is_empty() {
        return (StatusCode::BAD_REQUEST, "Error 400: invalid_request").into_response();
    }
    let redirect = get("redirect_uri");
    let state = get("state");
    let back = |extra: String| {
        let sep = if redirect.contains('?') { '&' } else { '?' };
        let loc = format!("{redirect}{sep}state={}&{extra}", url::form_urlencoded::byte_serialize(state.as_bytes()).collect::<String>());
        (StatusCode::FOUND, [(header::LOCATION, loc)]).into_response()
    };
    if get("response_type") != "code" {
        return back("error=unsupported_response_type".into());
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").is_empty() {
        return back("error=invalid_request".into());
    }
    let scope = get("scope");
    if scope.split_whitespace().any(|x| !x.starts_with("https://www.googleapis.com/auth/")) {
        return back("error=invalid_scope".into());
    }
    let code = {
        let mut i = s.0.lock().unwrap();
        let code = new_token(&mut i, "4/0A");
        i.codes.insert(code.clone(), (get("code_challenge"), redirect.clone(), scope.clone()));
        code
    };
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    back(format!("code={}&scope={}", enc(&code), enc(&scope)))
}

async fn token(State(s): State<Shared>, body: String) -> Response {
    let f = parse_pairs(&body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID || get("client_secret") != CLIENT_SECRET {
        return oauth_error(401, "invalid_client", "The OAuth client was not found.");
    }
    let mut i = s.0.lock().unwrap();
    match get("grant_type").as_str() {
        "authorization_code" => {
            let Some((challenge, redirect, scope)) = i.codes.remove(&get("code")) else {
                return oauth_error(400, "invalid_grant", "Malformed auth code.");
            };
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
            if computed != challenge {
                return oauth_error(400, "invalid_grant", "Invalid code verifier.");
            }
            if redirect != get("redirect_uri") {
                return oauth_error(400, "redirect_uri_mismatch", "Bad Request");
            }
            let (refresh, access) = (new_token(&mut i, "1//0g"), new_token(&mut i, "ya29.a0"));
            i.refresh.insert(refresh.clone(), scope.clone());
            i.access.insert(access.clone(), refresh.clone());
            axum::Json(
                json!({ "access_token": access, "expires_in": 3599, "refresh_token": refresh, "scope": scope, "token_type": "Bearer" }),
            )
            .into_response()
        }
        "refresh_token" => {
            let refresh = get("refresh_token");
            let Some(scope) = i.refresh.get(&refresh).cloned().filter(|_| !i.revoked.contains(&refresh)) else {
                return oauth_error(400, "invalid_grant", "Token has been expired or revoked.");
            };
            let access = new_token(&mut i, "ya29.a0");
            i.access.insert(access.clone(), refresh);
            axum::Json(json!({ "access_token": access, "expires_in": 3599, "scope": scope, "token_type": "Bearer" })).into_response()
        }
        _ => oauth_error(400, "unsupported_grant_type", "Invalid grant_type."),
    }
}

async fn revoke(State(s): State<Shared>, body: String) -> Response {
    let t = parse_pairs(&body).get("token").cloned().unwrap_or_default();
    let mut i = s.0.lock().unwrap();
    let refresh = if i.refresh.contains_key(&t) { Some(t.clone()) } else { i.access.get(&t).cloned() };
    match refresh {
        Some(r) if !i.revoked.contains(&r) => {
            // The whole grant goes: the refresh token and every access token from it.
            let from: Vec<String> = i.access.iter().filter(|(_, v)| **v == r).map(|(k, _)| k.clone()).collect();
            i.revoked.insert(r);
            i.revoked.extend(from);
            (StatusCode::OK, axum::Json(json!({}))).into_response()
        }
        _ => oauth_error(400, "invalid_token", "Token expired or revoked"),
    }
}

async fn file(State(s): State<Shared>, Path(id): Path<String>, Query(q): Query<BTreeMap<String, String>>, headers: HeaderMap) -> Response {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    let i = s.0.lock().unwrap();
    let valid = i.access.get(bearer).is_some_and(|r| !i.revoked.contains(bearer) && !i.revoked.contains(r));
    if !valid {
        return drive_error(401, "authError", "Invalid Credentials");
    }
    let scope = i.access.get(bearer).and_then(|r| i.refresh.get(r)).cloned().unwrap_or_default();
    // drive.file: only what the person picked exists for the app.
    let Some(f) = i.files.get(&id).filter(|f| f.picked || !scope.split_whitespace().all(|x| x == DRIVE_FILE)) else {
        return drive_error(404, "notFound", &format!("File not found: {id}."));
    };
    if q.get("alt").map(String::as_str) == Some("media") {
        if f.mime_type.starts_with("application/vnd.google-apps.") {
            return drive_error(
                403,
                "fileNotDownloadable",
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
            );
        }
        return ([(header::CONTENT_TYPE, f.mime_type.clone())], f.bytes.clone()).into_response();
    }
    let all = json!({
        "kind": "drive#file", "id": id, "name": f.name, "mimeType": f.mime_type, "size": f.bytes.len().to_string(),
        "webViewLink": format!("https://drive.google.com/file/d/{id}/view?usp=drivesdk"),
    });
    let fields = q.get("fields").cloned().unwrap_or_else(|| "kind,id,name,mimeType".into());
    let mut out = serde_json::Map::new();
    for k in fields.split(',').map(str::trim) {
        if let Some(v) = all.get(k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    axum::Json(Value::Object(out)).into_response()
}
