//! The Stripe-API adapter end to end (issue 15): with `payment.provider = "stripe"` pointing
//! at the test kit's emulator, an owner subscribes with a card token from the provider's own
//! fields (the card read, attached to a customer; only brand, last four and expiry shown and
//! kept), an unknown token is refused, and the billing run charges each invoice once with a
//! payment intent whose idempotency key is the invoice's.

use super::billing::{contact, ok, personal_org, put};
use super::*;
use clearboard_app::config::PaymentConfig;
use clearboard_app::stripe::StripeConfig;
use clearboard_testkit::Options;
use clearboard_testkit::stripe::StripeEmulator;
use clearboard_web::platform::ratelimit::Limits;

// C-DATA-3
both!(c_data_3_a_card_subscription_goes_through_the_stripe_api_and_each_invoice_is_charged_once, |b| async move {
    let emu = StripeEmulator::start().await;
    let stripe = StripeConfig { api_base: emu.base.clone(), secret_key: emu.secret_key.clone(), webhook_secret: "whsec_test".into() };
    let configure =
        move |c: &mut clearboard_app::config::Config| c.payment = PaymentConfig { provider: "stripe".into(), stripe: Some(stripe) };
    let app = spawn_with(b, Options { limits: Limits::relaxed(), configure: Some(Box::new(configure)) }).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let mut body = json!({ "plan": "team", "seats": 2, "billing_contact": contact(&mut needles), "payment": { "method": "card", "token": "pm_nope" } });
    let e = assert_error(put(&app, &org, &u.token, &body).await, 422, "validation_failed").await;
    assert_eq!(e["error"]["field"], "payment.token");
    body["payment"]["token"] = json!("pm_card_visa");
    let s = ok(put(&app, &org, &u.token, &body).await).await;
    assert_eq!(s["payment"], json!({ "method": "card", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034 }));
    let calls: Vec<(String, String)> = emu.requests().iter().map(|r| (r.method.clone(), r.path.clone())).collect();
    for want in
        [("GET", "/v1/payment_methods/pm_card_visa"), ("POST", "/v1/customers"), ("POST", "/v1/payment_methods/pm_card_visa/attach")]
    {
        assert!(calls.iter().any(|(m, p)| m == want.0 && p == want.1), "{want:?} not called: {calls:?}");
    }

    // The run charges the invoice (2 × 8.00 + 20 % VAT = 19.20 EUR) once; a second run of the
    // same period charges nothing more.
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 1);
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 0);
    let intents: Vec<_> = emu.requests().into_iter().filter(|r| r.path == "/v1/payment_intents").collect();
    assert_eq!(intents.len(), 1, "{intents:?}");
    let invoice =
        app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().billing.issued("eu").await.unwrap().remove(0);
    assert_eq!(intents[0].idempotency_key.as_deref(), Some(format!("invoice-{}", invoice.id).as_str()));
    assert_eq!((intents[0].form["amount"].as_str(), intents[0].form["currency"].as_str()), ("1920", "eur"));
    assert!(intents[0].form["customer"].starts_with("cus_") && intents[0].form["payment_method"] == "pm_card_visa");
    clearboard_testkit::logs::assert_clean(&needles);
});
