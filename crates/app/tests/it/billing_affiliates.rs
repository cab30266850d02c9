//! The contract feed to companies of the group (issue 15; C-SHARE-2, C-SHARE-7): a real HTTP
//! endpoint receives the running contracts' data (Other Data, never User Information), only
//! for a purpose both the policy and the affiliate's configuration name; each contract sent is
//! in the disclosure log (the billing contact's and the owner's), so in the owner's access log,
//! and the owner's erasure tells the affiliate's notice address.

use std::sync::{Arc, Mutex};

use super::billing::{contact, ok, personal_org, put};
use super::*;
use clearboard_core::platform::ids::RegionId;
use clearboard_core::platform::ports::Affiliate;
use clearboard_testkit::Options;
use clearboard_web::platform::ratelimit::Limits;

type Seen = Arc<Mutex<Vec<(String, axum::http::HeaderMap, Vec<u8>)>>>;

/// An affiliate's endpoint: records every request and answers 202.
async fn endpoint() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let router = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: axum::body::Bytes| {
        let s = s.clone();
        async move {
            s.lock().unwrap().push((uri.path().to_string(), headers, body.to_vec()));
            axum::http::StatusCode::ACCEPTED
        }
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, router).await.unwrap() });
    (url, seen)
}

const TOKEN: &str = "feed-secret-7f3a9c";

// C-SHARE-2, C-SHARE-7
both!(c_share_2_affiliates_receive_contract_data_only_for_declared_purposes_and_each_disclosure_is_logged, |b| async move {
    let (url, seen) = endpoint().await;
    let affiliates = vec![
        Affiliate {
            id: "finance".into(),
            company: "Clearboard Finance SAS".into(),
            url: format!("{url}/feeds/contracts"),
            token: Some(TOKEN.into()),
            purposes: vec!["contract".into()],
            notice_email: Some("privacy@finance.example".into()),
        },
        // Configured for a purpose the policy does not declare for affiliates.
        Affiliate {
            id: "adtech".into(),
            company: "Group Media SAS".into(),
            url: format!("{url}/feeds/ads"),
            token: None,
            purposes: vec!["marketing".into()],
            notice_email: None,
        },
    ];
    let app = spawn_with(b, Options { limits: Limits::relaxed(), configure: Some(Box::new(move |c| c.affiliates = affiliates)) }).await;
    let region = app.state.cb.region(&RegionId::new("eu")).unwrap().clone();
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let person = contact(&mut needles);
    let body = json!({ "plan": "team", "seats": 3, "billing_contact": person, "payment": { "method": "sepa_debit", "iban": "FR76 3000 6000 0112 3456 7890 189", "account_holder": "Ada Lovelace" } });
    let id = ok(put(&app, &org, &u.token, &body).await).await["id"].as_str().unwrap().to_string();
    // User Information on a board of the same person: never part of a feed.
    let (title, text) = (canary("BoardTitle"), canary("CardText"));
    let board: Value = app.post_json("/api/v1/boards", &json!({ "title": title }), Some(&u.token)).await.json().await.unwrap();
    let card = app
        .post_json(
            &format!("/api/v1/boards/{}/cards", board["id"].as_str().unwrap()),
            &json!({ "kind": "text", "text": text }),
            Some(&u.token),
        )
        .await;
    assert_eq!(card.status(), 201);

    let reports = app.state.cb.billing().feed_affiliates("contract").await.unwrap();
    let finance = reports.iter().find(|r| r.affiliate == "finance").unwrap();
    assert_eq!((finance.contracts, finance.batches, finance.refused.as_deref()), (1, 1, None), "{reports:?}");
    let adtech = reports.iter().find(|r| r.affiliate == "adtech").unwrap();
    assert!(
        adtech.contracts == 0 && adtech.refused.as_deref().unwrap().contains("not configured for the purpose `contract`"),
        "{reports:?}"
    );
    // A purpose the policy does not declare for affiliates is refused for everyone.
    let reports = app.state.cb.billing().feed_affiliates("marketing").await.unwrap();
    let adtech = reports.iter().find(|r| r.affiliate == "adtech").unwrap();
    assert!(adtech.refused.as_deref().unwrap().contains("declares no `affiliates` recipient"), "{reports:?}");
    assert!(reports.iter().all(|r| r.contracts == 0));

    // Exactly one request reached the endpoint: the finance company's, with its token and
    // the batch as idempotency key, holding the contract's data and nothing else.
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "one batch, to one affiliate");
    let (path, headers, raw) = &got[0];
    assert_eq!(path, "/feeds/contracts");
    assert_eq!(headers["authorization"], format!("Bearer {TOKEN}").as_str());
    let feed: Value = serde_json::from_slice(raw).unwrap();
    assert_eq!(headers["idempotency-key"], feed["batch"].as_str().unwrap());
    assert_eq!((feed["purpose"].as_str(), feed["contracts"].as_array().unwrap().len()), (Some("contract"), 1));
    let c = &feed["contracts"][0];
    assert_eq!(
        (c["contract"].as_str(), c["seats"].as_i64(), c["payment_method"].as_str()),
        (Some(id.as_str()), Some(3), Some("sepa_debit"))
    );
    assert_eq!(c["billing_contact"]["email"], person["email"]);
    let raw = String::from_utf8_lossy(raw);
    for never in [title.as_str(), text.as_str(), "FR7630006000011234567890189", u.email.as_str(), u.first_name.as_str()] {
        assert!(!raw.contains(never), "the feed holds `{never}`: {raw}");
    }

    // C-SHARE-7: in the disclosure log of the billing contact (with the affiliate's notice
    // address) and of the owner, whose access log shows it.
    let row = region.billing.contract(&id).await.unwrap().unwrap();
    let to_contact = region.rights.disclosures_of(&row.contact_id).await.unwrap();
    assert_eq!(to_contact.len(), 1, "{to_contact:?}");
    assert_eq!((to_contact[0].recipient.as_str(), to_contact[0].contact.as_deref()), ("affiliates", Some("privacy@finance.example")));
    let centre = ok(app.get("/api/v1/me/privacy", Some(&u.token)).await).await;
    assert!(centre["disclosures"].as_array().unwrap().iter().any(|d| d["recipient"] == "affiliates"), "{centre}");
    assert!(centre["access_log"].as_array().unwrap().iter().any(|e| e["what"] == "data.disclosed" && e["why"] == "contract"), "{centre}");

    // The owner's erasure tells the affiliate (GDPR Art. 19).
    let erase = app.http().delete(app.url("/api/v1/me")).bearer_auth(&u.token).json(&json!({ "password": u.password }));
    let v: Value = erase.send().await.unwrap().json().await.unwrap();
    let told = v["receipt"]["receipt"]["recipients_notified"].as_array().unwrap();
    assert!(told.iter().any(|t| t["recipient"] == "affiliates" && t["notified"] == true), "{v}");
    let mut secret = needles.clone();
    secret.push(TOKEN.to_string());
    clearboard_testkit::logs::assert_clean(&secret);
});
