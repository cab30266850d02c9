//! Billing (issue 15): an organisation's owner subscribes with each payment method, changes
//! seats and plan, cancels at the end of the period and reactivates; the contract's personal
//! data is sealed with the billing contact's own key, exported, and deleted with that key when
//! the contract has ended (`contract_ended`). C-DATA-3: only a card reference, never a card
//! number; the IBAN sealed and shown masked.

use super::*;
use clearboard_core::platform::clock::DAY;

const IBAN: &str = "FR76 3000 6000 0112 3456 7890 189";
const IBAN_ELECTRONIC: &str = "FR7630006000011234567890189";

pub async fn personal_org(app: &TestApp, token: &str) -> String {
    let orgs: Value = app.get("/api/v1/orgs", Some(token)).await.json().await.unwrap();
    orgs["orgs"][0]["id"].as_str().unwrap().to_string()
}

/// A billing contact made of canaries (every field a person typed).
pub fn contact(needles: &mut Vec<String>) -> Value {
    let (first, last, line1, city, company) = (canary("First"), canary("Last"), canary("Street"), canary("City"), canary("Co"));
    let email = canary_email("billing");
    needles.extend([first.clone(), last.clone(), line1.clone(), city.clone(), company.clone(), email.clone()]);
    json!({
        "first_name": first, "last_name": last, "email": email, "phone": "+33 1 23 45 67 89", "company": company, "vat_id": "FR40303265045",
        "address": { "line1": line1, "postcode": "75002", "city": city, "country": "fr" }
    })
}

pub async fn put(app: &TestApp, org: &str, token: &str, body: &Value) -> reqwest::Response {
    app.http().put(app.url(&format!("/api/v1/orgs/{org}/subscription"))).bearer_auth(token).json(body).send().await.unwrap()
}

pub async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    v
}

// C-DATA-3
both!(c_data_3_owners_subscribe_with_each_method_change_cancel_reactivate_and_ended_contracts_go_with_their_key, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let person = contact(&mut needles);
    let plans = ok(app.get("/api/v1/plans", None).await).await;
    assert!(plans["plans"].as_array().unwrap().iter().any(|p| p["id"] == "team" && p["name"]["fr"] == "Équipe"), "{plans}");

    // Bank transfer: 3 seats of the team plan, 8.00 EUR each, 20 % VAT.
    let body = json!({ "plan": "team", "seats": 3, "billing_contact": person, "payment": { "method": "transfer" } });
    let s = ok(put(&app, &org, &u.token, &body).await).await;
    assert_eq!((s["status"].as_str(), s["seats"].as_i64(), s["payment"]["method"].as_str()), (Some("active"), Some(3), Some("transfer")));
    assert_eq!(s["amount"], json!({ "subtotal": 2400, "vat": 480, "total": 2880 }));
    assert_eq!(s["currency"], "EUR");
    assert_eq!(s["billing_contact"]["first_name"], person["first_name"]);
    assert_eq!(s["billing_contact"]["address"]["country"], "FR");
    let got = ok(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&u.token)).await).await;
    assert_eq!(got["id"], s["id"]);

    // SEPA direct debit: the IBAN is checked, kept sealed and shown masked, with a mandate.
    let mut sepa = body.clone();
    sepa["payment"] = json!({ "method": "sepa_debit", "iban": IBAN, "account_holder": "Ada Lovelace" });
    let s = ok(put(&app, &org, &u.token, &sepa).await).await;
    assert_eq!(s["payment"]["iban"], "FR76 •••• 0189");
    let mandate = s["payment"]["mandate_reference"].as_str().unwrap().to_string();
    assert!(mandate.starts_with("CB-") && mandate.len() == 19, "{mandate}");
    assert!(!s.to_string().contains(IBAN_ELECTRONIC) && !s.to_string().contains("0112 3456"), "the IBAN is shown masked only");
    // More seats and another plan, same account: the mandate stays.
    sepa["seats"] = json!(5);
    sepa["plan"] = json!("business");
    let s = ok(put(&app, &org, &u.token, &sepa).await).await;
    assert_eq!(s["payment"]["mandate_reference"], mandate);
    assert_eq!(s["amount"], json!({ "subtotal": 7500, "vat": 1500, "total": 9000 }));
    assert_eq!(s["plan"]["id"], "business");

    // A card is the payment provider's token: the transfer provider takes none; a wrong IBAN,
    // an unknown plan and no seats are refused, and nothing changed.
    let mut card = body.clone();
    card["payment"] = json!({ "method": "card", "token": "pm_card_visa" });
    let e = assert_error(put(&app, &org, &u.token, &card).await, 422, "validation_failed").await;
    assert_eq!(e["error"]["field"], "payment.method");
    let mut bad = sepa.clone();
    bad["payment"]["iban"] = json!("FR76 3000 6000 0112 3456 7890 188");
    assert_eq!(assert_error(put(&app, &org, &u.token, &bad).await, 422, "validation_failed").await["error"]["field"], "payment.iban");
    let mut bad = sepa.clone();
    bad["plan"] = json!("gold");
    assert_error(put(&app, &org, &u.token, &bad).await, 422, "validation_failed").await;
    bad["plan"] = json!("team");
    bad["seats"] = json!(0);
    assert_error(put(&app, &org, &u.token, &bad).await, 422, "validation_failed").await;
    let got = ok(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&u.token)).await).await;
    assert_eq!((got["seats"].as_i64(), got["payment"]["method"].as_str()), (Some(5), Some("sepa_debit")));

    // Someone else's organisation is not found.
    let stranger = app.new_user().await;
    assert_error(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&stranger.token)).await, 404, "not_found").await;
    assert_error(put(&app, &org, &stranger.token, &sepa).await, 404, "not_found").await;

    // On disk, everything the contact typed and the IBAN are sealed.
    let mut on_disk = needles.clone();
    on_disk.push(IBAN_ELECTRONIC.to_string());
    assert!(app.scan_storage(&on_disk).await.is_empty(), "personal data of a contract in clear on disk");
    let opened = app.decrypting_scan(&on_disk).await;
    assert!(opened.hits.iter().any(|(place, _)| place == "contracts.contact"), "positive control: {:?}", opened.hits);
    assert!(opened.hits.iter().any(|(place, n)| place == "contracts.payment" && n == IBAN_ELECTRONIC), "{:?}", opened.hits);

    // The owner's export holds the contract, the IBAN masked.
    let region = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().clone();
    let subject = clearboard_core::platform::ids::SubjectId::parse(&u.id).unwrap();
    let export = app.state.cb.billing().export(&region, &subject).await.unwrap();
    assert_eq!(export["contracts"][0]["billing_contact"]["last_name"], person["last_name"], "{export}");
    assert_eq!(export["contracts"][0]["payment"]["iban"], "FR76 •••• 0189");

    // Cancel at the end of the period, reactivate, cancel again.
    let s = ok(app.http().delete(app.url(&format!("/api/v1/orgs/{org}/subscription"))).bearer_auth(&u.token).send().await.unwrap()).await;
    assert_eq!(s["status"], "cancelling");
    assert_eq!(s["ends_at"], s["current_period"]["end"]);
    let s = ok(put(&app, &org, &u.token, &sepa).await).await;
    assert_eq!((s["status"].as_str(), s["ends_at"].is_null()), (Some("active"), true));
    let s = ok(app.http().delete(app.url(&format!("/api/v1/orgs/{org}/subscription"))).bearer_auth(&u.token).send().await.unwrap()).await;
    assert_eq!(s["status"], "cancelling");

    // Before its end nothing is due; once the period is over the contract has ended and the
    // retention rule (contract_ended, 0 days) deletes it with the contact's key.
    app.state.cb.retention().run().await.unwrap();
    assert_eq!(ok(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&u.token)).await).await["status"], "cancelling");
    app.clock.advance(32 * DAY);
    let token = app.sign_in(&u.email, &u.password).await;
    assert_eq!(ok(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&token)).await).await["status"], "ended");
    let runs = app.state.cb.retention().run().await.unwrap();
    assert!(runs.iter().any(|r| r.rule.starts_with("contract") && r.purged == 1), "{runs:?}");
    assert_error(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&token)).await, 404, "not_found").await;
    let opened = app.decrypting_scan(&on_disk).await;
    assert!(opened.hits.is_empty(), "the contract's data is readable after it ended: {:?}", opened.hits);
    // A new subscription starts afresh.
    let s = ok(put(&app, &org, &token, &body).await).await;
    assert_eq!(s["status"], "active");
    assert_ne!(s["id"], got["id"]);
    clearboard_testkit::logs::assert_clean(&needles);
});

// C-CCPA-3
both!(c_ccpa_3_exercising_a_right_changes_no_plan_price_or_feature, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let body = json!({ "plan": "team", "seats": 4, "billing_contact": contact(&mut needles), "payment": { "method": "transfer" } });
    let before = ok(put(&app, &org, &u.token, &body).await).await;
    let plans_before = ok(app.get("/api/v1/plans", None).await).await;
    // Rights: an export of one's data, a rights request, and a consent withdrawn.
    let res = app.post_json("/api/v1/me/exports", &json!({}), Some(&u.token)).await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = app.post_json("/api/v1/requests", &json!({ "kind": "access", "email": u.email }), None).await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = app
        .http()
        .put(app.url("/api/v1/me/consents"))
        .bearer_auth(&u.token)
        .json(&json!({ "purpose": "marketing", "granted": false }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let after = ok(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&u.token)).await).await;
    for k in ["plan", "seats", "status", "amount", "currency", "current_period", "payment"] {
        assert_eq!(after[k], before[k], "{k} changed after exercising a right");
    }
    assert_eq!(ok(app.get("/api/v1/plans", None).await).await, plans_before);
    // The same boards features remain: creating a board and a card works as before.
    let board: Value = app.post_json("/api/v1/boards", &json!({ "title": "Still here" }), Some(&u.token)).await.json().await.unwrap();
    let card = app
        .post_json(
            &format!("/api/v1/boards/{}/cards", board["id"].as_str().unwrap()),
            &json!({ "kind": "text", "text": "ok" }),
            Some(&u.token),
        )
        .await;
    assert_eq!(card.status(), 201);
});

// The owner's billing page, in English and French: the subscription as shown (IBAN masked)
// and the invoices with their downloads; another organisation's page is not found.
both!(the_owners_billing_page_shows_the_subscription_and_invoices_in_english_and_french, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let page = |lang: &'static str, token: String| {
        let app = &app;
        let org = org.clone();
        async move {
            let res = app
                .http()
                .get(app.url(&format!("/app/orgs/{org}/billing")))
                .bearer_auth(&token)
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, html) = page("en", u.token.clone()).await;
    assert_eq!(status, 200);
    assert!(html.contains("This organisation has no subscription.") && html.contains("Team: 8.00 EUR per seat and month"), "{html}");
    let mut needles = Vec::new();
    let body = json!({ "plan": "team", "seats": 3, "billing_contact": contact(&mut needles), "payment": { "method": "sepa_debit", "iban": IBAN, "account_holder": "Ada Lovelace" } });
    ok(put(&app, &org, &u.token, &body).await).await;
    app.state.cb.billing().run().await.unwrap();
    let (_, html) = page("en", u.token.clone()).await;
    assert!(html.contains("Billing") && html.contains("28.80 EUR") && html.contains("SEPA direct debit FR76 •••• 0189"), "{html}");
    assert!(html.contains("EU-000001 (invoice)") && html.contains("/pdf\"") && !html.contains(IBAN_ELECTRONIC), "{html}");
    assert!(html.contains(body["billing_contact"]["last_name"].as_str().unwrap()));
    ok(app.http().delete(app.url(&format!("/api/v1/orgs/{org}/subscription"))).bearer_auth(&u.token).send().await.unwrap()).await;
    // The page speaks the account's language.
    let res = app.http().patch(app.url("/api/v1/me")).bearer_auth(&u.token).json(&json!({ "locale": "fr" })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let (_, html) = page("fr", u.token.clone()).await;
    assert!(
        html.contains("Facturation") && html.contains("Équipe") && html.contains("prélèvement SEPA") && html.contains("(facture)"),
        "{html}"
    );
    assert!(html.contains("data-status=\"cancelling\"") && html.contains("résilié"), "{html}");
    let stranger = app.new_user().await;
    let (status, _) = page("en", stranger.token.clone()).await;
    assert_eq!(status, 404);
});

// C-SHARE-1 for contracts: a contract manager with current training lists contracts without
// personal data and opens a billing contact only for the reason `contract`, written to the
// contact's audit trail; other roles, untrained staff and customers are refused.
both!(contract_managers_open_contracts_through_the_staff_gate, |b| async move {
    use clearboard_core::identity::staff::Role;
    use clearboard_core::platform::clock::Clock;
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let person = contact(&mut needles);
    let body = json!({ "plan": "team", "seats": 2, "billing_contact": person, "payment": { "method": "transfer" } });
    let id = ok(put(&app, &org, &u.token, &body).await).await["id"].as_str().unwrap().to_string();
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let manager = app.new_staff("cm", "Carla", Role::ContractManager, Some(today)).await;
    let list = ok(app.get("/api/v1/staff/contracts", Some(&manager.token)).await).await;
    assert_eq!(list["contracts"].as_array().unwrap().len(), 1);
    assert_eq!(list["contracts"][0]["id"], id.as_str());
    assert!(needles.iter().all(|n| !list.to_string().contains(n.as_str())), "the list holds no personal data");
    let page = app.page_text("/staff/contracts", &manager.token).await;
    assert!(page.contains(&id) && needles.iter().all(|n| !page.contains(n.as_str())));
    let opened = ok(app.get(&format!("/api/v1/staff/contracts/{id}?reason=contract"), Some(&manager.token)).await).await;
    assert_eq!(opened["billing_contact"]["email"], person["email"]);
    let region = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().clone();
    let contact_id = region.billing.contract(&id).await.unwrap().unwrap().contact_id;
    let trail = region.store.audit_about(&contact_id).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "staff.contract_viewed" && e.purpose.as_deref() == Some("contract")), "{trail:?}");
    assert_error(
        app.get(&format!("/api/v1/staff/contracts/{id}?reason=support_request"), Some(&manager.token)).await,
        422,
        "validation_failed",
    )
    .await;
    // Other roles, untrained staff and customers are refused.
    let support = app.new_staff("sp", "Sam", Role::Support, Some(today)).await;
    assert_error(app.get("/api/v1/staff/contracts", Some(&support.token)).await, 403, "forbidden").await;
    let untrained = app.new_staff("cm2", "Cleo", Role::ContractManager, None).await;
    assert_error(
        app.get(&format!("/api/v1/staff/contracts/{id}?reason=contract"), Some(&untrained.token)).await,
        403,
        "staff_training_required",
    )
    .await;
    let me: Value = app.get("/api/v1/me", Some(&untrained.token)).await.json().await.unwrap();
    let own =
        region.store.audit_about(&clearboard_core::platform::ids::SubjectId::parse(me["id"].as_str().unwrap()).unwrap()).await.unwrap();
    assert!(own.iter().any(|e| e.action == "staff.access_refused"), "the refusal is in the staff member's trail");
    assert_error(app.get("/api/v1/staff/contracts", Some(&u.token)).await, 403, "forbidden").await;
    clearboard_testkit::logs::assert_clean(&needles);
});

// C-DATA-3: the owner's export archive holds their contracts (the IBAN masked, never a card
// number), under the Contract category.
both!(c_data_3_the_export_archive_holds_the_contracts, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let person = contact(&mut needles);
    let body = json!({ "plan": "team", "seats": 2, "billing_contact": person, "payment": { "method": "sepa_debit", "iban": IBAN, "account_holder": "Ada Lovelace" } });
    ok(put(&app, &org, &u.token, &body).await).await;
    // The run issues the period's invoice: it is in the export with its buyer (acceptance 6).
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 1);
    let s = super::rights::export_ready(&app, &u.token).await;
    let zip = app.get(s["download_url"].as_str().unwrap(), Some(&u.token)).await.bytes().await.unwrap();
    let files = super::rights::unzip(&zip);
    let data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    let contract = &data["categories"]["contract"];
    assert_eq!(contract["data"]["contracts"][0]["billing_contact"]["last_name"], person["last_name"], "{contract}");
    assert_eq!(contract["data"]["contracts"][0]["payment"]["iban"], "FR76 •••• 0189");
    assert!(!String::from_utf8_lossy(&files["data.json"]).contains(IBAN_ELECTRONIC));
    let invoices = contract["data"]["contracts"][0]["invoices"].as_array().expect("the contract's invoices");
    assert_eq!(invoices.len(), 1, "{contract}");
    let inv = &invoices[0];
    assert!(inv["number"].as_str().is_some_and(|n| n.starts_with("EU-")), "{inv}");
    assert_eq!(inv["kind"], "invoice");
    assert!(
        inv["total"].as_i64().unwrap() > 0
            && inv["total"].as_i64() == Some(inv["subtotal"].as_i64().unwrap() + inv["vat"].as_i64().unwrap())
    );
    assert!(inv["buyer"]["name"].as_str().unwrap().contains(person["last_name"].as_str().unwrap()), "{inv}");
    let schema: Value = serde_json::from_slice(&files["export-schema.json"]).unwrap();
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    assert!(validator.iter_errors(&data).next().is_none(), "data.json follows its schema");
});

/// Every English sentence of the error catalogue: the codes' words and the details.
fn english_catalogue() -> Vec<&'static str> {
    use clearboard_core::platform::error_codes::ErrorCode;
    let mut all: Vec<&'static str> = clearboard_web::platform::i18n::DETAILS.iter().map(|(en, _)| *en).collect();
    for c in ErrorCode::ALL {
        let w = clearboard_web::platform::i18n::error_words(*c, "en");
        all.extend([w.title, w.message]);
    }
    all
}

/// Sends one request in French and checks the refusal: its code, its field, a French detail
/// (`fr_detail`, when the rule has one) and no English sentence of the catalogue anywhere.
async fn refused_in_french(req: reqwest::RequestBuilder, status: u16, code: &str, fr_detail: Option<&str>) -> Value {
    let res = req.header("accept-language", "fr").send().await.unwrap();
    let e = assert_error(res, status, code).await;
    let text = e.to_string();
    for en in english_catalogue() {
        assert!(!text.contains(en), "English `{en}` in a French answer: {e}");
    }
    let fr_message = clearboard_web::platform::i18n::error_words(e["error"]["code"].as_str().and_then(code_of).unwrap(), "fr").message;
    assert_eq!(e["error"]["message"], fr_message, "{e}");
    if let Some(d) = fr_detail {
        assert_eq!(e["error"]["detail"], d, "{e}");
    }
    e
}

fn code_of(s: &str) -> Option<clearboard_core::platform::error_codes::ErrorCode> {
    clearboard_core::platform::error_codes::ErrorCode::ALL.iter().copied().find(|c| c.as_str() == s)
}

// C-DATA-3
both!(every_refusal_of_the_billing_endpoints_reads_in_french, |b| async move {
    use clearboard_core::identity::staff::Role;
    let emu = clearboard_testkit::stripe::StripeEmulator::start().await;
    let app = super::billing_stripe::stripe_app(b, &emu, "whsec_fr", false).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let good = json!({ "plan": "team", "seats": 2, "billing_contact": contact(&mut needles), "payment": { "method": "transfer" } });
    let sub = |body: &Value| app.http().put(app.url(&format!("/api/v1/orgs/{org}/subscription"))).bearer_auth(&u.token).json(body);
    let with = |ptr: &str, v: Value| {
        let mut body = good.clone();
        *body.pointer_mut(ptr).unwrap() = v;
        body
    };
    let contact_field = |k: &str, v: Value| with(&format!("/billing_contact/{k}"), v);

    // Subscription, seats and plan.
    refused_in_french(
        sub(&with("/plan", json!("gold"))),
        422,
        "validation_failed",
        Some("choisissez l’une des offres de GET /api/v1/plans"),
    )
    .await;
    refused_in_french(sub(&with("/seats", json!(0))), 422, "validation_failed", Some("entre 1 et 100000")).await;
    let mut no_seats = good.clone();
    no_seats.as_object_mut().unwrap().remove("seats");
    let e = refused_in_french(sub(&no_seats), 422, "invalid_body", None).await;
    assert!(e["error"]["detail"].as_str().unwrap().starts_with("champ manquant : `seats` à la ligne 1, colonne "), "{e}");
    refused_in_french(sub(&with("/seats", json!("three"))), 422, "invalid_body", None).await;
    let raw = app.http().put(app.url(&format!("/api/v1/orgs/{org}/subscription"))).bearer_auth(&u.token);
    refused_in_french(raw.header("content-type", "application/json").body("{\"plan\": "), 400, "malformed_json", None).await;
    // The billing contact and the VAT id.
    refused_in_french(sub(&contact_field("first_name", json!(" "))), 422, "validation_failed", Some("ce nom est obligatoire")).await;
    refused_in_french(
        sub(&contact_field("email", json!("not-an-address"))),
        422,
        "validation_failed",
        Some("saisissez une adresse email valide, comme nom@example.org"),
    )
    .await;
    refused_in_french(sub(&contact_field("phone", json!("12"))), 422, "validation_failed", None).await;
    refused_in_french(sub(&contact_field("phone", json!(""))), 422, "validation_failed", Some("un numéro de téléphone est obligatoire"))
        .await;
    refused_in_french(sub(&contact_field("vat_id", json!("123"))), 422, "validation_failed", None).await;
    refused_in_french(
        sub(&contact_field("address", json!({ "line1": "", "postcode": "75002", "city": "Paris", "country": "FR" }))),
        422,
        "validation_failed",
        Some("ce champ est obligatoire"),
    )
    .await;
    refused_in_french(
        sub(&contact_field("address", json!({ "line1": "1 rue", "postcode": "75002", "city": "P".repeat(81), "country": "FR" }))),
        422,
        "validation_failed",
        Some("au plus 80 caractères, sans caractère de contrôle"),
    )
    .await;
    refused_in_french(
        sub(&contact_field("address", json!({ "line1": "1 rue", "postcode": "75002", "city": "Paris", "country": "France" }))),
        422,
        "validation_failed",
        None,
    )
    .await;
    // The payment method: IBAN, card token, method.
    let sepa = json!({ "method": "sepa_debit", "iban": "FR76 3000 6000 0112 3456 7890 188", "account_holder": "Ada Lovelace" });
    refused_in_french(sub(&with("/payment", sepa)), 422, "validation_failed", None).await;
    refused_in_french(sub(&with("/payment", json!({ "method": "card", "token": "pm card" }))), 422, "validation_failed", None).await;
    refused_in_french(
        sub(&with("/payment", json!({ "method": "card", "token": "pm_unknown" }))),
        422,
        "validation_failed",
        Some("le prestataire de paiement ne connaît pas ce jeton de carte"),
    )
    .await;
    refused_in_french(sub(&with("/payment", json!({ "method": "cheque" }))), 422, "invalid_body", None).await;
    // A plan change of a running subscription.
    ok(sub(&good).send().await.unwrap()).await;
    refused_in_french(sub(&with("/plan", json!("gold"))), 422, "validation_failed", None).await;
    refused_in_french(sub(&with("/seats", json!(100_001))), 422, "validation_failed", Some("entre 1 et 100000")).await;

    // Webhooks: no signature, a wrong one, and a signed body that is not an event.
    let hook = |sig: &str, body: &'static str| {
        app.http().post(app.url("/api/v1/payments/stripe/webhook")).header("stripe-signature", sig.to_string()).body(body)
    };
    refused_in_french(hook("", "{}"), 422, "validation_failed", Some("pas de t= ni de v1= dans l’en-tête de signature")).await;
    refused_in_french(hook("t=1,v1=00", "{}"), 422, "validation_failed", Some("la signature n’est pas vérifiée")).await;
    use clearboard_core::platform::clock::Clock;
    let t = app.clock.now_ms() / 1000;
    let signed = clearboard_testkit::stripe::sign("whsec_fr", t, b"not json");
    refused_in_french(hook(&signed, "not json"), 422, "validation_failed", Some("un événement en JSON")).await;

    // Partners and staff: certification rules, naming a partner, opening contracts, marking paid.
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let manager = app.new_staff("frcm", "Carla", Role::ContractManager, Some(today)).await;
    let certify = |body: Value| app.http().post(app.url("/api/v1/staff/partners")).bearer_auth(&manager.token).json(&body);
    let p = app.new_user().await;
    let cert = json!({ "email": p.email, "company": "Acme Conseil", "notice_email": "dpo@acme.example", "certified_until": "2001-01-01" });
    refused_in_french(certify(cert.clone()), 422, "validation_failed", Some("la certification doit prendre fin dans le futur")).await;
    let mut bad = cert.clone();
    bad["certified_until"] = json!("next year");
    refused_in_french(certify(bad), 422, "validation_failed", None).await;
    let mut bad = cert.clone();
    bad["notice_email"] = json!("nobody");
    bad["certified_until"] = json!((today + time::Duration::days(30)).to_string());
    refused_in_french(certify(bad.clone()), 422, "validation_failed", None).await;
    bad["notice_email"] = json!("dpo@acme.example");
    bad["email"] = json!("no-account@example.test");
    refused_in_french(certify(bad), 422, "validation_failed", None).await;
    refused_in_french(certify(json!({ "email": p.email })), 422, "invalid_body", None).await;
    let unknown_partner = clearboard_core::platform::ids::SubjectId::new(app.clock.now_ms()).unwrap();
    let name = app.http().put(app.url(&format!("/api/v1/orgs/{org}/subscription/partners/{unknown_partner}"))).bearer_auth(&u.token);
    refused_in_french(name, 422, "validation_failed", Some("choisissez l’un des partenaires de GET /api/v1/partners")).await;
    let open = app.http().get(app.url("/api/v1/staff/contracts/x?reason=curiosity")).bearer_auth(&manager.token);
    refused_in_french(open, 422, "validation_failed", Some("les contrats ne s’ouvrent que pour le motif `contract`")).await;
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 1);
    let invoices = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&u.token)).await).await;
    let inv = invoices["invoices"][0]["id"].as_str().unwrap().to_string();
    let paid = |reference: String| {
        app.http()
            .post(app.url(&format!("/api/v1/staff/invoices/{inv}/paid")))
            .bearer_auth(&manager.token)
            .json(&json!({ "reference": reference }))
    };
    refused_in_french(paid("R".repeat(101)), 422, "validation_failed", None).await;
    // And the same refusal in English, for contrast: the catalogue's English words.
    let e =
        assert_error(sub(&with("/seats", json!(0))).header("accept-language", "en").send().await.unwrap(), 422, "validation_failed").await;
    assert_eq!(e["error"]["detail"], "between 1 and 100000");
});
