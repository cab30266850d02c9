//! "Pay by card" in real Chromium (issue 15; PCI DSS SAQ A, C-DATA-3): the owner's billing
//! page loads the payment provider's own script (the test kit's stand-in for Stripe.js, served
//! by its Stripe emulator from another origin), whose card field lives in a frame of that
//! origin; the owner types a test card number there and subscribes; the page sends only the
//! `pm_…` token, and the subscription shows the brand and last four the provider gives. Then
//! the card number is looked for in the server's logs, the databases' raw files and the blob
//! folder: it is nowhere. Only this page's Content-Security-Policy lets the provider's origin
//! in, for scripts and frames and nothing else.

use super::*;
use clearboard_testkit::stripe::StripeEmulator;

const LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

async fn csp_of(c: &fantoccini::Client, path: &str) -> String {
    let js = "const done = arguments[arguments.length - 1];
              fetch(arguments[0]).then(r => done(r.headers.get('content-security-policy')));";
    c.execute_async(js, vec![json!(path)]).await.unwrap().as_str().unwrap().to_string()
}

async fn fill(c: &fantoccini::Client, id: &str, text: &str) {
    let e = c.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

// C-DATA-3
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_data_3_the_owner_pays_by_card_in_the_providers_own_field_and_the_number_is_nowhere() {
    let Some(d) = driver().await else { return };
    let emu = StripeEmulator::start().await;
    let app = super::super::billing_stripe::stripe_app(Backend::Sqlite, &emu, "whsec_test", true).await;
    let u = app.new_user().await;
    let org = super::super::billing::personal_org(&app, &u.token).await;
    let number = clearboard_testkit::canary_card();
    let groups: Vec<String> = (0..4).map(|i| number[i * 4..i * 4 + 4].to_string()).collect();
    let needles = vec![number.clone(), groups.join(" "), groups.join("-")];
    let last4 = number[12..].to_string();

    let c = client(&d).await;
    sign_in_page(&c, &app, &u.email, &u.password).await;
    let page = format!("/app/orgs/{org}/billing");
    c.goto(&app.url(&page)).await.unwrap();
    refuse_cookies(&c).await;
    assert!(wait_for(&c, "document.querySelector('#card-element iframe')", LIMIT).await.is_some(), "the provider's field is mounted");

    // Only this page's policy names the provider's origin, for its script and its frame only.
    let csp = csp_of(&c, &page).await;
    let origin = emu.base.clone();
    assert_eq!(csp.matches(origin.as_str()).count(), 2, "{csp}");
    assert!(csp.contains(&format!("script-src 'self' {origin};")) && csp.contains(&format!("frame-src {origin};")), "{csp}");
    assert!(csp.contains("connect-src 'self';") && csp.contains("default-src 'none';"), "{csp}");
    for other in ["/me", "/app"] {
        assert!(!csp_of(&c, other).await.contains(origin.as_str()), "{other} keeps the strict policy");
    }
    // The field is a frame of the provider's origin: this page cannot read into it.
    let src = c.execute("return document.querySelector('#card-element iframe').src", vec![]).await.unwrap();
    assert!(src.as_str().unwrap().starts_with(&format!("{origin}/v3/elements/card")), "{src}");
    let reach = "try { return document.querySelector('#card-element iframe').contentDocument === null; } catch (e) { return true; }";
    assert_eq!(c.execute(reach, vec![]).await.unwrap(), json!(true), "the card field is out of the page's reach");

    // The owner fills in the contact, types the card in the provider's field, and subscribes.
    for (id, text) in [
        ("cf-first", "Ada"),
        ("cf-last", "Lovelace"),
        ("cf-email", "ada.billing@example.test"),
        ("cf-phone", "+33 1 23 45 67 89"),
        ("cf-line1", "1 rue de la Paix"),
        ("cf-postcode", "75002"),
        ("cf-city", "Paris"),
        ("cf-country", "FR"),
    ] {
        fill(&c, id, text).await;
    }
    fill(&c, "cf-seats", "3").await;
    let frame = c.find(Locator::Css("#card-element iframe")).await.unwrap();
    frame.enter_frame().await.unwrap();
    c.find(Locator::Id("cardnumber")).await.unwrap().send_keys(&groups.join(" ")).await.unwrap();
    c.find(Locator::Id("exp")).await.unwrap().send_keys("12 / 34").await.unwrap();
    c.find(Locator::Id("cvc")).await.unwrap().send_keys("123").await.unwrap();
    c.enter_parent_frame().await.unwrap();
    c.find(Locator::Id("card-submit")).await.unwrap().click().await.unwrap();
    let shown =
        format!("document.querySelector('#subscription') && document.querySelector('#subscription').textContent.includes('••••{last4}')");
    if wait_for(&c, &shown, LIMIT).await.is_none() {
        let status = c.execute("const s = document.getElementById('card-status'); return s ? s.textContent : ''", vec![]).await.unwrap();
        panic!("the subscription does not show the card; status: {status}");
    }
    let text = c.find(Locator::Id("subscription")).await.unwrap().text().await.unwrap();
    assert!(text.contains("visa") && text.contains(&format!("••••{last4}")), "{text}");
    assert!(!c.source().await.unwrap().contains(&number), "the page holds no card number");

    // The server kept the provider's reference: brand, last four and expiry from the provider.
    let s: Value = app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&u.token)).await.json().await.unwrap();
    assert_eq!(s["payment"], json!({ "method": "card", "brand": "visa", "last4": last4, "exp_month": 12, "exp_year": 2034 }));
    assert_eq!((s["seats"].as_i64(), s["billing_contact"]["first_name"].as_str()), (Some(3), Some("Ada")));
    // The number went from the provider's frame to the provider (with the publishable key);
    // our server only asked the provider about the token.
    let calls = emu.requests();
    let created: Vec<_> = calls.iter().filter(|r| r.method == "POST" && r.path == "/v1/payment_methods").collect();
    assert_eq!(created.len(), 1, "{calls:?}");
    assert!(calls.iter().any(|r| r.method == "GET" && r.path == "/v1/payment_methods/pm_emu000001"), "{calls:?}");
    assert!(calls.iter().all(|r| r.form.values().all(|v| !v.contains(&number))), "the emulator's record holds no card number");

    // The page in French.
    c.goto(&app.url(&format!("{page}?lang=fr"))).await.unwrap();
    let text = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(text.contains("Payer par carte") && text.contains("Numéro de TVA") && text.contains("Moyen de paiement"), "{text}");
    c.close().await.unwrap();

    // The number is nowhere: not in the logs (the test kit also scans the whole log at exit),
    // not in any database file, WAL or blob of the deployment. Positive control: a marker
    // written in clear is found by the same scan.
    let logs = clearboard_testkit::logs::contents();
    assert!(String::from_utf8_lossy(&logs).contains("/subscription"), "positive control: the request is logged");
    clearboard_testkit::logs::assert_clean(&needles);
    assert!(app.scan_storage(&needles).await.is_empty(), "a card number reached the disk");
    let control = canary("CardControl");
    app.plant_in_clear(std::slice::from_ref(&control)).await;
    assert!(!app.scan_storage(&[control]).await.is_empty(), "positive control: the scan finds what is there");
}
