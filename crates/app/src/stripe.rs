//! The Stripe-API adapter of the payment port (`payment.provider = "stripe"`): the card is
//! entered in the provider's own fields, which give a payment-method token (`pm_…`); the
//! server reads the card's brand, last four and expiry (`GET /v1/payment_methods/{id}`),
//! creates a customer (`POST /v1/customers`) and attaches the card to it
//! (`POST /v1/payment_methods/{id}/attach`); an invoice is charged with a payment intent
//! (`POST /v1/payment_intents`, confirmed off session). Bodies are form-encoded, the secret
//! key is the bearer, every POST carries an `Idempotency-Key` derived from what it does, so
//! a retry is never a second customer or a second charge. Errors are Stripe's error JSON;
//! nothing of a body, key or token reaches logs or errors.

use std::time::Duration;

use async_trait::async_trait;
use clearboard_core::platform::ports::{CardReference, Charge, ChargeRequest, PaymentError, PaymentProvider};
use serde_json::Value;

/// `payment.stripe` of the configuration.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripeConfig {
    /// `https://api.stripe.com` in production; the test kit's emulator in tests.
    pub api_base: String,
    pub secret_key: String,
    /// The signing secret of the webhook endpoint (`whsec_…`).
    pub webhook_secret: String,
    /// The publishable key (`pk_…`) the card form gives the provider's script.
    #[serde(default)]
    pub publishable_key: String,
    /// The provider's own script that mounts the card fields (`https://js.stripe.com/v3/` in
    /// production); with it and a publishable key, the owner's billing page offers "Pay by
    /// card", and only that page's Content-Security-Policy allows its origin.
    #[serde(default)]
    pub js_url: String,
}

impl StripeConfig {
    /// The card form's settings, if the script and the publishable key are configured and the
    /// script's address is an absolute http(s) URL.
    pub fn card_fields(&self) -> anyhow::Result<Option<clearboard_web::platform::state::CardFields>> {
        let (js, pk) = (self.js_url.trim(), self.publishable_key.trim());
        if js.is_empty() && pk.is_empty() {
            return Ok(None);
        }
        anyhow::ensure!(
            pk.starts_with("pk_") && pk.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "payment.stripe.publishable_key must be a publishable key (pk_…)"
        );
        let u = reqwest::Url::parse(js).map_err(|_| anyhow::anyhow!("payment.stripe.js_url is not an absolute URL"))?;
        anyhow::ensure!(matches!(u.scheme(), "https" | "http") && u.host().is_some(), "payment.stripe.js_url must be an http(s) URL");
        Ok(Some(clearboard_web::platform::state::CardFields {
            js_url: u.to_string(),
            origin: u.origin().ascii_serialization(),
            publishable_key: pk.to_string(),
        }))
    }
}

#[derive(Clone)]
pub struct Stripe {
    client: reqwest::Client,
    base: String,
    key: String,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripe").field("base", &self.base).finish_non_exhaustive()
    }
}

impl Stripe {
    pub fn new(c: &StripeConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(!c.api_base.trim().is_empty() && !c.secret_key.trim().is_empty(), "payment.stripe needs api_base and secret_key");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Self { client, base: c.api_base.trim_end_matches('/').to_string(), key: c.secret_key.clone() })
    }

    /// One call: the JSON answer, or the error Stripe's error JSON says.
    async fn call(&self, method: reqwest::Method, path: &str, form: &[(&str, String)], key: Option<&str>) -> Result<Value, PaymentError> {
        let mut req = self.client.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(&self.key);
        if method == reqwest::Method::POST {
            req = req.form(form);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let res = req.send().await.map_err(|e| PaymentError::Unavailable(if e.is_timeout() { "timeout" } else { "no answer" }.into()))?;
        let status = res.status().as_u16();
        let body: Value = res.json().await.map_err(|_| PaymentError::Unavailable(format!("an answer that is not JSON ({status})")))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let e = &body["error"];
        let (kind, code) = (e["type"].as_str().unwrap_or_default(), e["code"].as_str().unwrap_or_default());
        Err(match (status, kind, code) {
            (_, _, "resource_missing") => PaymentError::UnknownToken,
            (402, _, _) | (_, "card_error", _) => PaymentError::Declined(e["decline_code"].as_str().unwrap_or(code).to_string()),
            _ => PaymentError::Unavailable(format!("{status} {kind} {code}")),
        })
    }
}

fn text(v: &Value, ptr: &str) -> Result<String, PaymentError> {
    v.pointer(ptr).and_then(Value::as_str).map(str::to_string).ok_or_else(|| PaymentError::Unavailable(format!("no {ptr} in the answer")))
}

#[async_trait]
impl PaymentProvider for Stripe {
    fn id(&self) -> &'static str {
        "stripe"
    }

    async fn card(&self, token: &str) -> Result<CardReference, PaymentError> {
        if !token.starts_with("pm_") || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(PaymentError::UnknownToken);
        }
        let pm = self.call(reqwest::Method::GET, &format!("/v1/payment_methods/{token}"), &[], None).await?;
        if pm["type"] != "card" {
            return Err(PaymentError::UnknownToken);
        }
        let num = |p: &str| pm.pointer(p).and_then(Value::as_u64).unwrap_or(0);
        let customer = self
            .call(reqwest::Method::POST, "/v1/customers", &[("metadata[source]", "clearboard".into())], Some(&format!("customer-{token}")))
            .await?;
        let customer = text(&customer, "/id")?;
        self.call(
            reqwest::Method::POST,
            &format!("/v1/payment_methods/{token}/attach"),
            &[("customer", customer.clone())],
            Some(&format!("attach-{token}-{customer}")),
        )
        .await?;
        Ok(CardReference {
            token: token.to_string(),
            brand: text(&pm, "/card/brand")?,
            last4: text(&pm, "/card/last4")?,
            exp_month: u8::try_from(num("/card/exp_month")).unwrap_or(0),
            exp_year: u16::try_from(num("/card/exp_year")).unwrap_or(0),
            customer: Some(customer),
        })
    }

    async fn charge(&self, req: &ChargeRequest) -> Result<Charge, PaymentError> {
        let mut form = vec![
            ("amount", req.amount.to_string()),
            ("currency", req.currency.to_ascii_lowercase()),
            ("payment_method", req.card.token.clone()),
            ("confirm", "true".into()),
            ("off_session", "true".into()),
            ("metadata[invoice]", req.invoice.clone()),
        ];
        if let Some(c) = &req.card.customer {
            form.push(("customer", c.clone()));
        }
        let pi = self.call(reqwest::Method::POST, "/v1/payment_intents", &form, Some(&format!("invoice-{}", req.invoice))).await?;
        Ok(Charge { id: text(&pi, "/id")?, status: text(&pi, "/status")? })
    }
}
