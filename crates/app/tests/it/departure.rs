//! Deleting an account through the API asks what becomes of the organisations the person owns
//! with other members (issue 14, C-RET-1, C-DSR-1): without the choices, 409
//! `organisation_choice_required` lists them (ids and names); a choice names `"delete"` or a
//! member to pass the organisation on to; the transfer is audited and the new owner is told by
//! email in their own language. (The page's flow: `journey.rs`.)

use super::*;
use clearboard_testkit::spawn::TestUser;

async fn org(app: &TestApp, owner: &TestUser, name: &str) -> String {
    let o = app.post_json("/api/v1/orgs", &json!({ "name": name }), Some(&owner.token)).await.json::<Value>().await.unwrap();
    o["id"].as_str().unwrap().to_string()
}

async fn delete_me(app: &TestApp, u: &TestUser, query: &str, extra: Value) -> reqwest::Response {
    let mut body = json!({ "password": u.password });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.http().delete(app.url(&format!("/api/v1/me{query}"))).bearer_auth(&u.token).json(&body).send().await.unwrap()
}

async fn role_in(app: &TestApp, u: &TestUser, org: &str) -> Option<String> {
    let orgs = app.get("/api/v1/orgs", Some(&u.token)).await.json::<Value>().await.unwrap();
    let list = orgs.as_array().cloned().or_else(|| orgs["orgs"].as_array().cloned()).unwrap();
    list.iter().find(|o| o["id"] == json!(org)).map(|o| o["role"].as_str().unwrap().to_string())
}

both!(the_api_asks_for_each_shared_organisation_then_passes_it_on_or_deletes_it, |b| async move {
    let app = spawn_app(b).await;
    let alice = app.new_user().await;
    let bob = app.new_user().await;
    let carol = app.new_user().await;
    let team = org(&app, &alice, "Team").await;
    let club = org(&app, &alice, "Club").await;
    let solo = org(&app, &alice, "Solo").await;
    super::boards::invite_into(&app, &alice, &team, &bob, "member").await;
    super::boards::invite_into(&app, &alice, &club, &carol, "member").await;
    // Bob reads his emails in French.
    let r = app.http().patch(app.url("/api/v1/me")).bearer_auth(&bob.token).json(&json!({ "locale": "fr" })).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // No choices: 409, naming Team and Club (not Solo, which goes with Alice), in French too.
    let res = delete_me(&app, &alice, "?lang=fr", json!({})).await;
    assert_eq!(res.status(), 409);
    let e = res.json::<Value>().await.unwrap()["error"].clone();
    assert_eq!(e["code"], json!("organisation_choice_required"));
    let fr =
        clearboard_web::platform::i18n::error_words(clearboard_core::platform::error_codes::ErrorCode::OrganisationChoiceRequired, "fr");
    assert_eq!(e["message"], json!(fr.message));
    let mut named: Vec<(String, String)> = e["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap().to_string(), o["name"].as_str().unwrap().to_string()))
        .collect();
    named.sort();
    let mut expected = vec![(team.clone(), "Team".to_string()), (club.clone(), "Club".to_string())];
    expected.sort();
    assert_eq!(named, expected);
    // One choice missing, a choice that is not one, a member of another organisation: refused.
    let res = delete_me(&app, &alice, "", json!({ "organisations": { team.clone(): "delete" } })).await;
    assert_eq!(res.status(), 409);
    let res = delete_me(&app, &alice, "", json!({ "organisations": { team.clone(): "keep", club.clone(): "delete" } })).await;
    assert_eq!((res.status().as_u16(), res.json::<Value>().await.unwrap()["error"]["field"].clone()), (422, json!("organisations")));
    let wrong = json!({ "organisations": { team.clone(): { "transfer_to": carol.id }, club.clone(): "delete" } });
    assert_eq!(delete_me(&app, &alice, "", wrong).await.status(), 422);
    let stray = json!({ "organisations": { solo.clone(): "delete", team.clone(): "delete", club.clone(): "delete" } });
    assert_eq!(delete_me(&app, &alice, "", stray).await.status(), 422, "Solo has no choice to make");
    assert_eq!(app.get("/api/v1/me", Some(&alice.token)).await.status(), 200, "nothing was done");

    // Team to Bob, Club deleted.
    let choices = json!({ "organisations": { team.clone(): { "transfer_to": bob.id }, club.clone(): "delete" } });
    let res = delete_me(&app, &alice, "", choices).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(role_in(&app, &bob, &team).await.as_deref(), Some("owner"));
    assert_eq!(role_in(&app, &carol, &club).await, None, "Club went with its boards");
    let told = app.wait_for_mail(&bob.email, |m| m.subject.contains("« Team »"), std::time::Duration::from_secs(10)).await;
    let told = told.expect("Bob is told, in French");
    assert!(told.subject.starts_with("Vous êtes propriétaire") && told.text.contains("Bonjour") && !told.text.contains("You now own"));
    assert!(!app.mails().iter().any(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(&carol.email)) && m.subject.contains("Club")));
    // Audited, under Bob's trail.
    let region = app.state.cb.regions().next().unwrap().clone();
    let bob_id = clearboard_core::platform::ids::SubjectId::parse(&bob.id).unwrap();
    let trail = region.store.audit_about(&bob_id).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "org.owner_transferred" && e.detail.contains(&team)), "the transfer is audited");
});
