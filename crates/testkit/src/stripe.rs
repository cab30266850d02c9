//! A local emulator of exactly the Stripe API endpoints the payment adapter calls, after
//! Stripe's public API reference: `GET /v1/payment_methods/{id}`, `POST /v1/customers`,
//! `POST /v1/payment_methods/{id}/attach`, `POST /v1/payment_intents`. Bearer secret key
//! (401 otherwise), form-encoded bodies (400 otherwise), Stripe's error JSON
//! (`{"error": {"type", "code", "message", "param"}}`), and `Idempotency-Key`: the same key
//! with the same parameters replays the first answer (`Idempotent-Replayed: true`), with other
//! parameters it is refused (`idempotency_error`). Test cards by token, as Stripe's test mode
//! names them: `pm_card_visa` (4242), `pm_card_mastercard` (4444), `pm_card_chargeDeclined`
//! (attaches, declines charges). Every request is recorded; `sign` makes a webhook signature.
//!
//! And the browser's side, a faithful stand-in for the subset of Stripe.js the card form calls
//! (`Stripe(pk)`, `elements()`, `create('card')`, `mount`, `createPaymentMethod`), served at
//! `/v3/` (`js_url()`): the card field lives in an iframe served from this origin
//! (`/v3/elements/card`), which posts the number to `POST /v1/payment_methods` with the
//! publishable key and hands the page only the resulting `pm_…`. Card numbers are checked
//! (Luhn), kept by nobody (the recorded form has them masked), and a created payment method
//! is known to the API endpoints above with its brand, last four and expiry.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

mod js;

/// One request the emulator received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub form: BTreeMap<String, String>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    /// key → (method and path, form, status, body)
    replays: BTreeMap<String, (String, BTreeMap<String, String>, u16, Value)>,
    customers: u64,
    intents: u64,
    attached: BTreeMap<String, String>,
    /// Payment methods created by the card field: id → (brand, last four, month, year).
    created: BTreeMap<String, (String, String, u32, u32)>,
}

#[derive(Clone)]
struct Emu {
    key: String,
    inner: Arc<Mutex<Inner>>,
}

/// The emulator's publishable key (what a page may hold).
pub const PUBLISHABLE_KEY: &str = "pk_test_clearboard_emulator";

pub struct StripeEmulator {
    pub base: String,
    pub secret_key: String,
    pub publishable_key: String,
    inner: Arc<Mutex<Inner>>,
}

impl StripeEmulator {
    pub async fn start() -> Self {
        let secret_key = "sk_test_clearboard_emulator".to_string();
        let inner: Arc<Mutex<Inner>> = Arc::default();
        let emu = Emu { key: secret_key.clone(), inner: inner.clone() };
        let router = axum::Router::new().fallback(handle).with_state(emu);
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", l.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(l, router).await;
        });
        Self { base, secret_key, publishable_key: PUBLISHABLE_KEY.into(), inner }
    }

    /// Where the stand-in for Stripe.js is served (`payment.stripe.js_url`).
    pub fn js_url(&self) -> String {
        format!("{}/v3/", self.base)
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().map(|i| i.requests.clone()).unwrap_or_default()
    }
}

/// A `Stripe-Signature` header for `payload` at `t` (unix seconds).
pub fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
    format!("t={t},v1={}", clearboard_core::business::billing::webhooks::signature(secret, t, payload))
}

fn error(status: u16, kind: &str, code: &str, message: &str, param: Option<&str>) -> (u16, Value) {
    let mut e = json!({ "type": kind, "message": message });
    if !code.is_empty() {
        e["code"] = json!(code);
    }
    if let Some(p) = param {
        e["param"] = json!(p);
    }
    (status, json!({ "error": e }))
}

fn card(st: &Inner, id: &str) -> Option<Value> {
    let (brand, last4, month, year) = match id {
        "pm_card_visa" | "pm_card_chargeDeclined" => ("visa".into(), "4242".into(), 12, 2034),
        "pm_card_mastercard" => ("mastercard".into(), "4444".into(), 12, 2034),
        _ => st.created.get(id).cloned()?,
    };
    Some(json!({ "id": id, "object": "payment_method", "type": "card", "customer": null,
        "card": { "brand": brand, "last4": last4, "exp_month": month, "exp_year": year, "funding": "credit" } }))
}

async fn handle(State(emu): State<Emu>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_string();
    if method == Method::GET
        && let Some(page) = js::page(&path)
    {
        return page;
    }
    let mut form: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let Ok(mut st) = emu.inner.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if method == Method::POST && path == "/v1/payment_methods" {
        // The card field's call, with the publishable key: the number is read, never kept.
        let (status, body) = if auth == format!("Bearer {PUBLISHABLE_KEY}") {
            js::create_payment_method(&mut st.created, &form)
        } else {
            error(401, "invalid_request_error", "", "Invalid API Key provided.", None)
        };
        for (k, v) in form.iter_mut() {
            if k.starts_with("card[") {
                *v = "•".repeat(v.len().min(4));
            }
        }
        st.requests.push(Recorded { method: method.to_string(), path, form, idempotency_key: key });
        return (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response();
    }
    st.requests.push(Recorded { method: method.to_string(), path: path.clone(), form: form.clone(), idempotency_key: key.clone() });
    let (status, body, replayed) = if auth != format!("Bearer {}", emu.key) {
        let (s, b) = error(401, "invalid_request_error", "", "Invalid API Key provided.", None);
        (s, b, false)
    } else if method == Method::POST
        && !headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().starts_with("application/x-www-form-urlencoded")
        && !body.is_empty()
    {
        let (s, b) = error(400, "invalid_request_error", "", "Request bodies are form-encoded (application/x-www-form-urlencoded).", None);
        (s, b, false)
    } else {
        let what = format!("{method} {path}");
        match key.as_ref().and_then(|k| st.replays.get(k).cloned()) {
            Some((w, f, s, b)) if w == what && f == form => (s, b, true),
            Some(_) => {
                let (s, b) = error(
                    400,
                    "idempotency_error",
                    "",
                    "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                    None,
                );
                (s, b, false)
            }
            None => {
                let (s, b) = route(&mut st, &method, &path, &form);
                if let (Some(k), true) = (&key, method == Method::POST) {
                    st.replays.insert(k.clone(), (what, form, s, b.clone()));
                }
                (s, b, false)
            }
        }
    };
    let mut res = (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response();
    if replayed {
        res.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    res
}

fn route(st: &mut Inner, method: &Method, path: &str, form: &BTreeMap<String, String>) -> (u16, Value) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["v1", "payment_methods", id]) => match card(st, id) {
            Some(mut pm) => {
                pm["customer"] = st.attached.get(*id).map_or(Value::Null, |c| json!(c));
                (200, pm)
            }
            None => {
                error(404, "invalid_request_error", "resource_missing", &format!("No such PaymentMethod: '{id}'"), Some("payment_method"))
            }
        },
        ("POST", ["v1", "customers"]) => {
            st.customers += 1;
            (200, json!({ "id": format!("cus_emu{:06}", st.customers), "object": "customer", "metadata": {} }))
        }
        ("POST", ["v1", "payment_methods", id, "attach"]) => {
            let Some(customer) = form.get("customer") else {
                return error(400, "invalid_request_error", "parameter_missing", "Missing required param: customer.", Some("customer"));
            };
            match card(st, id) {
                Some(mut pm) => {
                    st.attached.insert((*id).to_string(), customer.clone());
                    pm["customer"] = json!(customer);
                    (200, pm)
                }
                None => error(
                    404,
                    "invalid_request_error",
                    "resource_missing",
                    &format!("No such PaymentMethod: '{id}'"),
                    Some("payment_method"),
                ),
            }
        }
        ("POST", ["v1", "payment_intents"]) => {
            let Some(amount) = form.get("amount").and_then(|a| a.parse::<i64>().ok()).filter(|a| *a > 0) else {
                return error(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: amount.", Some("amount"));
            };
            let pm = form.get("payment_method").cloned().unwrap_or_default();
            if card(st, &pm).is_none() {
                return error(
                    404,
                    "invalid_request_error",
                    "resource_missing",
                    &format!("No such PaymentMethod: '{pm}'"),
                    Some("payment_method"),
                );
            }
            st.intents += 1;
            let id = format!("pi_emu{:06}", st.intents);
            if pm == "pm_card_chargeDeclined" {
                let (s, mut b) = error(402, "card_error", "card_declined", "Your card was declined.", None);
                b["error"]["decline_code"] = json!("generic_decline");
                b["error"]["payment_intent"] = json!({ "id": id, "object": "payment_intent", "status": "requires_payment_method" });
                return (s, b);
            }
            let status = if form.get("confirm").map(String::as_str) == Some("true") { "succeeded" } else { "requires_confirmation" };
            (
                200,
                json!({ "id": id, "object": "payment_intent", "amount": amount, "currency": form.get("currency"),
                "customer": form.get("customer"), "payment_method": pm, "status": status, "metadata": { "invoice": form.get("metadata[invoice]") } }),
            )
        }
        _ => error(404, "invalid_request_error", "", &format!("Unrecognized request URL ({method}: {path})."), None),
    }
}
