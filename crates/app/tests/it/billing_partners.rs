//! Certified partners (issue 15, acceptance 5; C-SHARE-4, C-SHARE-7): staff certify a
//! partner account, an owner names it co-manager of their contract, and the partner sees the
//! contract data of exactly that contract (404 for every other, nothing else of anyone);
//! each opening is in the disclosure log, so in the owner's access log and export and in the
//! billing contact's disclosures, with the partner's notice address for erasure notices.

use super::billing::{contact, ok, personal_org, put};
use super::*;
use clearboard_core::platform::clock::{Clock, DAY};
use clearboard_core::platform::ids::{RegionId, SubjectId};

// C-SHARE-4, C-SHARE-7
both!(c_share_4_a_certified_partner_sees_exactly_the_contracts_it_co_manages_and_each_disclosure_is_logged, |b| async move {
    use clearboard_core::identity::staff::Role;
    let app = spawn_app(b).await;
    let region = app.state.cb.region(&RegionId::new("eu")).unwrap().clone();
    // Two customers, each with a contract.
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let person = contact(&mut needles);
    let body = json!({ "plan": "team", "seats": 2, "billing_contact": person, "payment": { "method": "sepa_debit", "iban": "FR76 3000 6000 0112 3456 7890 189", "account_holder": "Ada Lovelace" } });
    let mine = ok(put(&app, &org, &u.token, &body).await).await["id"].as_str().unwrap().to_string();
    let other = app.new_user().await;
    let other_org = personal_org(&app, &other.token).await;
    let other_body = json!({ "plan": "team", "seats": 1, "billing_contact": contact(&mut needles), "payment": { "method": "transfer" } });
    let theirs = ok(put(&app, &other_org, &other.token, &other_body).await).await["id"].as_str().unwrap().to_string();
    let board: Value = app.post_json("/api/v1/boards", &json!({ "title": "Roadmap" }), Some(&u.token)).await.json().await.unwrap();

    // An account that is not (yet) a certified partner sees nothing.
    let p = app.new_user().await;
    assert_error(app.get("/api/v1/partner/contracts", Some(&p.token)).await, 403, "forbidden").await;
    assert_error(app.get(&format!("/api/v1/partner/contracts/{mine}"), Some(&p.token)).await, 403, "forbidden").await;

    // Staff whose role allows contracts certify it; customers cannot.
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let manager = app.new_staff("cm", "Carla", Role::ContractManager, Some(today)).await;
    let until = (today + time::Duration::days(365)).to_string();
    let cert = json!({ "email": p.email, "company": "Acme Conseil", "notice_email": "dpo@acme-conseil.example", "certified_until": until });
    assert_error(app.post_json("/api/v1/staff/partners", &cert, Some(&u.token)).await, 403, "forbidden").await;
    let certified = ok(app.post_json("/api/v1/staff/partners", &cert, Some(&manager.token)).await).await;
    assert_eq!((certified["id"].as_str(), certified["certified_until"].as_str()), (Some(p.id.as_str()), Some(until.as_str())));
    let offer = ok(app.get("/api/v1/partners", Some(&u.token)).await).await;
    assert!(offer["partners"].as_array().unwrap().iter().any(|x| x["id"] == p.id.as_str() && x["company"] == "Acme Conseil"), "{offer}");

    // Certified but naming no contract yet: an empty list, and every contract is not found.
    assert_eq!(ok(app.get("/api/v1/partner/contracts", Some(&p.token)).await).await["contracts"], json!([]));
    assert_error(app.get(&format!("/api/v1/partner/contracts/{mine}"), Some(&p.token)).await, 404, "not_found").await;

    // The owner names it; only the owner can.
    let name = |org: &str, token: &str| {
        app.http().put(app.url(&format!("/api/v1/orgs/{org}/subscription/partners/{}", p.id))).bearer_auth(token.to_string()).send()
    };
    assert_error(name(&org, &other.token).await.unwrap(), 404, "not_found").await;
    let named = ok(name(&org, &u.token).await.unwrap()).await;
    assert_eq!(named["partners"][0]["id"], p.id.as_str());

    // The partner lists exactly the contract it co-manages, without anyone's personal data,
    // and opens it with its contract data (the IBAN masked).
    let list = ok(app.get("/api/v1/partner/contracts", Some(&p.token)).await).await;
    let ids: Vec<&str> = list["contracts"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![mine.as_str()]);
    assert!(needles.iter().all(|n| !list.to_string().contains(n.as_str())), "the list holds no personal data");
    let opened = ok(app.get(&format!("/api/v1/partner/contracts/{mine}"), Some(&p.token)).await).await;
    assert_eq!(opened["billing_contact"]["email"], person["email"]);
    assert_eq!(opened["payment"]["iban"], "FR76 •••• 0189");
    assert!(!opened.to_string().contains("FR7630006000011234567890189"));

    // Every other contract is not found, and nothing else of the customers is shown.
    assert_error(app.get(&format!("/api/v1/partner/contracts/{theirs}"), Some(&p.token)).await, 404, "not_found").await;
    assert_error(app.get("/api/v1/partner/contracts/not-a-contract", Some(&p.token)).await, 404, "not_found").await;
    assert_error(app.get(&format!("/api/v1/orgs/{org}/subscription"), Some(&p.token)).await, 404, "not_found").await;
    assert_error(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&p.token)).await, 404, "not_found").await;
    assert_error(app.get("/api/v1/staff/contracts", Some(&p.token)).await, 403, "forbidden").await;
    let res = app.get(&format!("/api/v1/boards/{}", board["id"].as_str().unwrap()), Some(&p.token)).await;
    assert_eq!(res.status(), 404, "a partner sees no board");

    // C-SHARE-7: the opening is in the disclosure log, for the billing contact (with the
    // partner's notice address, told of an erasure) and for the owner.
    let row = region.billing.contract(&mine).await.unwrap().unwrap();
    let to_contact = region.rights.disclosures_of(&row.contact_id).await.unwrap();
    assert_eq!(to_contact.len(), 1, "{to_contact:?}");
    assert_eq!((to_contact[0].recipient.as_str(), to_contact[0].contact.as_deref()), ("partners", Some("dpo@acme-conseil.example")));
    assert!(to_contact[0].scope.contains(&mine));
    let trail = region.store.audit_about(&row.contact_id).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "data.disclosed" && e.purpose.as_deref() == Some("contract")), "{trail:?}");
    let centre = ok(app.get("/api/v1/me/privacy", Some(&u.token)).await).await;
    assert!(centre["disclosures"].as_array().unwrap().iter().any(|d| d["recipient"] == "partners"), "{centre}");
    assert!(centre["access_log"].as_array().unwrap().iter().any(|e| e["what"] == "data.disclosed" && e["why"] == "contract"), "{centre}");
    let s = super::rights::export_ready(&app, &u.token).await;
    let zip = app.get(s["download_url"].as_str().unwrap(), Some(&u.token)).await.bytes().await.unwrap();
    let data: Value = serde_json::from_slice(&super::rights::unzip(&zip)["data.json"]).unwrap();
    assert!(
        data["disclosures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["recipient"] == "partners" && d["legal_basis"].as_str().unwrap().starts_with("contract")),
        "{}",
        data["disclosures"]
    );
    assert!(data["audit"].as_array().unwrap().iter().any(|e| e["action"] == "data.disclosed"), "{}", data["audit"]);
    // The other customer's contract was disclosed to no one.
    let other_row = region.billing.contract(&theirs).await.unwrap().unwrap();
    assert!(region.rights.disclosures_of(&other_row.contact_id).await.unwrap().is_empty());
    let other_subject = SubjectId::parse(&other.id).unwrap();
    assert!(region.rights.disclosures_of(&other_subject).await.unwrap().is_empty());

    // Withdrawn by the owner, the partner no longer finds the contract.
    let res = app
        .http()
        .delete(app.url(&format!("/api/v1/orgs/{org}/subscription/partners/{}", p.id)))
        .bearer_auth(&u.token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(res).await["partners"], json!([]));
    assert_error(app.get(&format!("/api/v1/partner/contracts/{mine}"), Some(&p.token)).await, 404, "not_found").await;
    assert_eq!(ok(app.get("/api/v1/partner/contracts", Some(&p.token)).await).await["contracts"], json!([]));

    // Named again, then the certification runs out: the partner is refused.
    ok(name(&org, &u.token).await.unwrap()).await;
    assert_eq!(ok(app.get("/api/v1/partner/contracts", Some(&p.token)).await).await["contracts"].as_array().unwrap().len(), 1);
    app.clock.advance(367 * DAY);
    let token = app.sign_in(&p.email, &p.password).await;
    assert_error(app.get(&format!("/api/v1/partner/contracts/{mine}"), Some(&token)).await, 403, "forbidden").await;
    assert_eq!(region.rights.disclosures_of(&row.contact_id).await.unwrap().len(), 1, "a refusal discloses nothing");
    clearboard_testkit::logs::assert_clean(&needles);
});
