//! The Stripe-API adapter end to end (issue 15): with `payment.provider = "stripe"` pointing
//! at the test kit's emulator, an owner subscribes with a card token from the provider's own
//! fields (the card read, attached to a customer; only brand, last four and expiry shown and
//! kept), an unknown token is refused, and the billing run charges each invoice once with a
//! payment intent whose idempotency key is the invoice's.

use super::billing::{contact, ok, personal_org, put};
use super::*;
use clearboard_app::config::PaymentConfig;
use clearboard_app::stripe::StripeConfig;
use clearboard_core::platform::clock::DAY;
use clearboard_testkit::Options;
use clearboard_testkit::stripe::StripeEmulator;
use clearboard_web::platform::ratelimit::Limits;

/// A deployment whose payment provider is the Stripe API at the emulator, with this webhook
/// secret; with `card_fields`, the emulator's stand-in for Stripe.js and its publishable key
/// too (the billing page's "Pay by card").
pub async fn stripe_app(b: Backend, emu: &StripeEmulator, webhook_secret: &str, card_fields: bool) -> TestApp {
    let stripe = StripeConfig {
        api_base: emu.base.clone(),
        secret_key: emu.secret_key.clone(),
        webhook_secret: webhook_secret.into(),
        publishable_key: if card_fields { emu.publishable_key.clone() } else { String::new() },
        js_url: if card_fields { emu.js_url() } else { String::new() },
    };
    let configure =
        move |c: &mut clearboard_app::config::Config| c.payment = PaymentConfig { provider: "stripe".into(), stripe: Some(stripe) };
    spawn_with(b, Options { limits: Limits::relaxed(), configure: Some(Box::new(configure)) }).await
}

// C-DATA-3
both!(c_data_3_a_card_subscription_goes_through_the_stripe_api_and_each_invoice_is_charged_once, |b| async move {
    let emu = StripeEmulator::start().await;
    let app = stripe_app(b, &emu, "whsec_test", false).await;
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
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&u.token)).await).await;
    assert_eq!(list["invoices"][0]["payment_status"], "succeeded");

    // Webhooks: a signed event updates the charge's state; a wrong or stale signature is refused.
    use clearboard_core::platform::clock::Clock;
    let pi = emu.requests().into_iter().filter(|r| r.path == "/v1/payment_intents").count();
    assert_eq!(pi, 1);
    let event = json!({ "id": "evt_1", "type": "payment_intent.payment_failed", "data": { "object": { "id": "pi_emu000001", "object": "payment_intent" } } }).to_string();
    let now = app.clock.now_ms() / 1000;
    let hook = |sig: String| {
        app.http()
            .post(app.url("/api/v1/payments/stripe/webhook"))
            .header("stripe-signature", sig)
            .header("content-type", "application/json")
            .body(event.clone())
            .send()
    };
    assert_error(hook(clearboard_testkit::stripe::sign("whsec_other", now, event.as_bytes())).await.unwrap(), 422, "validation_failed")
        .await;
    assert_error(
        hook(clearboard_testkit::stripe::sign("whsec_test", now - 600, event.as_bytes())).await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_error(hook("t=1".into()).await.unwrap(), 422, "validation_failed").await;
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&u.token)).await).await;
    assert_eq!(list["invoices"][0]["payment_status"], "succeeded", "nothing changed by a refused event");
    let got = ok(hook(clearboard_testkit::stripe::sign("whsec_test", now, event.as_bytes())).await.unwrap()).await;
    assert_eq!(got["type"], "payment_intent.payment_failed");
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&u.token)).await).await;
    assert_eq!(list["invoices"][0]["payment_status"], "failed");

    // Refunds, the card detached at the provider, and an event we do not handle.
    let send = |event: Value| {
        let body = event.to_string();
        let sig = clearboard_testkit::stripe::sign("whsec_test", now, body.as_bytes());
        app.http()
            .post(app.url("/api/v1/payments/stripe/webhook"))
            .header("stripe-signature", sig)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let status = || async {
        ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&u.token)).await).await["invoices"][0]["payment_status"].clone()
    };
    let refund = |refunded: i64| {
        json!({ "id": "evt_2", "type": "charge.refunded", "data": { "object": { "id": "ch_1", "object": "charge",
        "payment_intent": "pi_emu000001", "amount": 1920, "amount_refunded": refunded, "refunded": refunded == 1920 } } })
    };
    assert_eq!(ok(send(refund(500)).await.unwrap()).await["type"], "charge.refunded");
    assert_eq!(status().await, "partially_refunded");
    ok(send(refund(1920)).await.unwrap()).await;
    assert_eq!(status().await, "refunded");
    let other = json!({ "id": "evt_3", "type": "payment_method.detached", "data": { "object": { "id": "pm_card_mastercard", "object": "payment_method", "customer": null } } });
    ok(send(other).await.unwrap()).await;
    let s = ok(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&u.token)).await).await;
    assert_eq!(s["payment"]["method"], "card", "another card's detachment changes nothing");
    let detached = json!({ "id": "evt_4", "type": "payment_method.detached", "data": { "object": { "id": "pm_card_visa", "object": "payment_method", "customer": null } } });
    assert_eq!(ok(send(detached).await.unwrap()).await["type"], "payment_method.detached");
    let s = ok(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&u.token)).await).await;
    assert_eq!(s["payment"], json!({ "method": "transfer" }), "the detached card is off the contract");
    let secret = canary("EventData");
    needles.push(secret.clone());
    let unknown = json!({ "id": "evt_5", "type": "customer.updated", "data": { "object": { "id": "cus_1", "name": secret } } });
    let got = ok(send(unknown).await.unwrap()).await;
    assert_eq!((got["received"].as_bool(), got["type"].as_str()), (Some(true), Some("customer.updated")), "acknowledged");
    assert_eq!(status().await, "refunded", "and ignored");
    app.clock.advance(32 * DAY);
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 1);
    let charges = emu.requests().into_iter().filter(|r| r.path == "/v1/payment_intents").count();
    assert_eq!(charges, 1, "the next period's invoice is not charged to the detached card");
    let logs = String::from_utf8_lossy(&clearboard_testkit::logs::contents()).to_string();
    assert!(logs.contains("payment webhook acknowledged and ignored") && logs.contains("customer.updated"), "logged by its type");
    clearboard_testkit::logs::assert_clean(&needles);
});

// The transfer provider takes no cards: staff whose role allows contracts mark an invoice paid
// with the bank's reference; the owner sees it paid; other staff are refused.
both!(staff_mark_transfer_invoices_paid, |b| async move {
    use clearboard_core::identity::staff::Role;
    use clearboard_core::platform::clock::Clock;
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    ok(put(
        &app,
        &org,
        &u.token,
        &json!({ "plan": "team", "seats": 1, "billing_contact": contact(&mut needles), "payment": { "method": "transfer" } }),
    )
    .await)
    .await;
    app.state.cb.billing().run().await.unwrap();
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&u.token)).await).await;
    let id = list["invoices"][0]["id"].as_str().unwrap().to_string();
    assert!(list["invoices"][0]["payment_status"].is_null());
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let support = app.new_staff("sp", "Sam", Role::Support, Some(today)).await;
    let url = format!("/api/v1/staff/invoices/{id}/paid");
    assert_error(app.post_json(&url, &json!({ "reference": "VIR 2026-12-01 4711" }), Some(&support.token)).await, 403, "forbidden").await;
    let manager = app.new_staff("cm", "Carla", Role::ContractManager, Some(today)).await;
    assert_error(app.post_json(&url, &json!({ "reference": " " }), Some(&manager.token)).await, 422, "validation_failed").await;
    let done = ok(app.post_json(&url, &json!({ "reference": "VIR 2026-12-01 4711" }), Some(&manager.token)).await).await;
    assert_eq!((done["provider"].as_str(), done["status"].as_str()), (Some("transfer"), Some("paid")));
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&u.token)).await).await;
    assert_eq!(list["invoices"][0]["payment_status"], "paid");
});
