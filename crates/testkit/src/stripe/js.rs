//! The browser's side of the emulator: a stand-in for the part of Stripe.js the card form
//! uses, the card field's iframe (served from the emulator's origin, like Stripe's own
//! `js.stripe.com` frames), and the call that field makes with the publishable key
//! (`POST /v1/payment_methods`, form-encoded `type=card&card[number]=…&card[exp_month]=…&
//! card[exp_year]=…&card[cvc]=…`), answered like Stripe: a `payment_method` whose `card` holds
//! only brand, last four and expiry, or Stripe's `card_error`.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// `Stripe(pk)` → `{ elements() → { create('card') → { mount(target) } }, createPaymentMethod({ type, card }) }`.
/// The page's script never sees the number: it asks the frame, which answers with the result.
const STRIPE_JS: &str = r#"(function () {
  "use strict";
  var origin = new URL(document.currentScript.src).origin;
  function Stripe(key) {
    if (typeof key !== "string" || key.indexOf("pk_") !== 0) throw new Error("Stripe(): a publishable key (pk_…) is required");
    var pending = {};
    var next = 0;
    window.addEventListener("message", function (e) {
      if (e.origin !== origin || !e.data || typeof e.data.id !== "number" || !pending[e.data.id]) return;
      var resolve = pending[e.data.id];
      delete pending[e.data.id];
      resolve(e.data.result);
    });
    return {
      elements: function () {
        return {
          create: function (type) {
            if (type !== "card") throw new Error("this stand-in makes card elements only");
            var element = { _frame: null };
            element.mount = function (target) {
              var host = typeof target === "string" ? document.querySelector(target) : target;
              var frame = document.createElement("iframe");
              frame.name = "__privateStripeFrame" + Date.now();
              frame.title = "Secure card payment input frame";
              frame.setAttribute("allow", "payment *");
              frame.style.border = "0";
              frame.style.width = "100%";
              frame.style.height = "3em";
              frame.src = origin + "/v3/elements/card#" + encodeURIComponent(location.origin);
              host.appendChild(frame);
              element._frame = frame;
            };
            return element;
          },
        };
      },
      createPaymentMethod: function (params) {
        return new Promise(function (resolve) {
          var frame = params && params.card && params.card._frame;
          if (!frame) {
            resolve({ error: { type: "validation_error", message: "Mount the card element first." } });
            return;
          }
          var id = ++next;
          pending[id] = resolve;
          frame.contentWindow.postMessage({ id: id, action: "createPaymentMethod", key: key, type: params.type || "card" }, origin);
        });
      },
    };
  }
  window.Stripe = Stripe;
})();
"#;

/// The card field's page: three inputs, nothing of the embedding page's.
const CARD_HTML: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Card</title>
<style>body{margin:0;font:16px sans-serif;display:flex;gap:.5em}input{padding:.3em;border:1px solid #888}</style></head>
<body>
<input id="cardnumber" name="cardnumber" autocomplete="cc-number" inputmode="numeric" aria-label="Card number" placeholder="1234 1234 1234 1234" size="22">
<input id="exp" name="exp-date" autocomplete="cc-exp" inputmode="numeric" aria-label="Expiry (MM / YY)" placeholder="MM / YY" size="7">
<input id="cvc" name="cvc" autocomplete="cc-csc" inputmode="numeric" aria-label="CVC" placeholder="CVC" size="4">
<script src="/v3/elements/card.js"></script>
</body></html>
"#;

/// The frame's script: on the page's request, posts the card to the emulator's own origin and
/// answers with the payment method (or the error), to the page's origin only.
const CARD_JS: &str = r#"(function () {
  "use strict";
  var parent = decodeURIComponent(location.hash.slice(1));
  window.addEventListener("message", function (e) {
    if (e.origin !== parent || !e.data || e.data.action !== "createPaymentMethod") return;
    var exp = document.getElementById("exp").value.split("/");
    var body = new URLSearchParams();
    body.set("type", e.data.type);
    body.set("card[number]", document.getElementById("cardnumber").value.replace(/[^0-9]/g, ""));
    body.set("card[exp_month]", (exp[0] || "").trim());
    body.set("card[exp_year]", (exp[1] || "").trim());
    body.set("card[cvc]", document.getElementById("cvc").value.trim());
    var reply = function (result) { e.source.postMessage({ id: e.data.id, result: result }, parent); };
    fetch("/v1/payment_methods", {
      method: "POST",
      headers: { "authorization": "Bearer " + e.data.key, "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    })
      .then(function (r) { return r.json(); })
      .then(function (j) { reply(j.error ? { error: j.error } : { paymentMethod: j }); })
      .catch(function () { reply({ error: { type: "api_connection_error", message: "The card could not be sent." } }); });
  });
})();
"#;

/// The stand-in's files, by path.
pub(super) fn page(path: &str) -> Option<Response> {
    let (body, ct) = match path {
        "/v3" | "/v3/" => (STRIPE_JS, "text/javascript; charset=utf-8"),
        "/v3/elements/card" => (CARD_HTML, "text/html; charset=utf-8"),
        "/v3/elements/card.js" => (CARD_JS, "text/javascript; charset=utf-8"),
        _ => return None,
    };
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Some(res)
}

fn card_error(code: &str, message: &str, param: &str) -> (u16, Value) {
    (402, json!({ "error": { "type": "card_error", "code": code, "message": message, "param": param } }))
}

/// The brand Stripe names for a number (by its first digits).
fn brand(number: &str) -> &'static str {
    let two: u32 = number.get(..2).and_then(|p| p.parse().ok()).unwrap_or(0);
    let four: u32 = number.get(..4).and_then(|p| p.parse().ok()).unwrap_or(0);
    match () {
        _ if number.starts_with('4') => "visa",
        _ if (51..=55).contains(&two) || (2221..=2720).contains(&four) => "mastercard",
        _ if two == 34 || two == 37 => "amex",
        _ => "unknown",
    }
}

/// `POST /v1/payment_methods` from the card field: the number checked, only brand, last four
/// and expiry kept under a new `pm_…`.
pub(super) fn create_payment_method(
    created: &mut BTreeMap<String, (String, String, u32, u32)>,
    form: &BTreeMap<String, String>,
) -> (u16, Value) {
    if form.get("type").map(String::as_str) != Some("card") {
        return (
            400,
            json!({ "error": { "type": "invalid_request_error", "code": "parameter_invalid_empty", "message": "Invalid type.", "param": "type" } }),
        );
    }
    let number = form.get("card[number]").cloned().unwrap_or_default();
    let digits: Vec<u8> = number.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    if !(12..=19).contains(&digits.len()) || digits.len() != number.len() || !clearboard_core::platform::card_numbers::luhn(&digits) {
        return card_error("incorrect_number", "Your card number is incorrect.", "card[number]");
    }
    let Some(month) = form.get("card[exp_month]").and_then(|m| m.parse::<u32>().ok()).filter(|m| (1..=12).contains(m)) else {
        return card_error("invalid_expiry_month", "Your card's expiration month is invalid.", "card[exp_month]");
    };
    let Some(year) =
        form.get("card[exp_year]").and_then(|y| y.parse::<u32>().ok()).map(|y| if y < 100 { 2000 + y } else { y }).filter(|y| *y >= 2025)
    else {
        return card_error("invalid_expiry_year", "Your card's expiration year is invalid.", "card[exp_year]");
    };
    let cvc = form.get("card[cvc]").map(String::as_str).unwrap_or_default();
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        return card_error("invalid_cvc", "Your card's security code is invalid.", "card[cvc]");
    }
    let id = format!("pm_emu{:06}", created.len() + 1);
    let (brand, last4) = (brand(&number).to_string(), number[number.len() - 4..].to_string());
    created.insert(id.clone(), (brand.clone(), last4.clone(), month, year));
    (
        200,
        json!({ "id": id, "object": "payment_method", "type": "card", "customer": null,
            "card": { "brand": brand, "last4": last4, "exp_month": month, "exp_year": year, "funding": "credit" } }),
    )
}
