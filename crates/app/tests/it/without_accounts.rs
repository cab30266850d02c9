//! People without accounts (issue 13, acceptance 5): participants come back with the recovery
//! code shown once at join, after their session ended, to see, export and erase what they
//! posted, and what they posted has a retention rule the scheduler enforces; visitors read and
//! erase their consent record and page views on `/cookies`. Both backends.

use clearboard_core::platform::clock::{DAY, HOUR};
use clearboard_web::platform::ratelimit::Limits;

use super::boards::{add_text, json_ok};
use super::*;
use clearboard_testkit::spawn::TestUser;

/// A new session of `user` (theirs ends with the clock).
async fn again(app: &TestApp, user: &TestUser) -> String {
    app.sign_in(&user.email, &user.password).await
}

/// A board of a new user, and a participant who joined it: (owner, board, join answer); its
/// join code is in the answer's `join_code`.
async fn joined(app: &TestApp, pseudonym: &str) -> (TestUser, String, Value) {
    let owner = app.new_user().await;
    let board = json_ok(app.post_json("/api/v1/boards", &json!({ "title": "Workshop" }), Some(&owner.token)).await, 201).await;
    let code = board["join_code"].as_str().unwrap();
    let mut j = json_ok(app.post_json("/api/v1/join", &json!({ "code": code, "pseudonym": pseudonym }), None).await, 201).await;
    j["join_code"] = json!(code);
    (owner, board["id"].as_str().unwrap().to_string(), j)
}

async fn recover(app: &TestApp, code: &str) -> reqwest::Response {
    app.post_json("/api/v1/participants/recover", &json!({ "code": code }), None).await
}

/// The refusal of a recovery, without its request id: every refused code must read the same.
async fn refusal(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let mut body = assert_error(res, 401, "recovery_code_invalid").await;
    body["error"].as_object_mut().unwrap().remove("request_id");
    (status, body)
}

both!(participants_recover_with_their_code_see_export_and_erase, |b| async move {
    let app = spawn_app(b).await;
    let pseudonym = canary("Guest");
    let (owner, board, j) = joined(&app, &pseudonym).await;
    let code = j["recovery_code"].as_str().expect("the join answer carries the recovery code").to_string();
    assert!(code.len() >= 32, "a high-entropy code: {code}");
    let first = j["token"].as_str().unwrap().to_string();
    let idea = canary("GuestIdea");
    let card = add_text(&app, &board, &first, &idea).await;
    let remark = canary("GuestRemark");
    json_ok(
        app.post_json(&format!("/api/v1/cards/{}/comments", card["id"].as_str().unwrap()), &json!({ "text": remark }), Some(&first)).await,
        201,
    )
    .await;
    // The code is shown once and never stored in clear (only its keyed hash).
    assert!(app.scan_storage(&[code.clone(), code.replace('-', "")]).await.is_empty(), "the recovery code is not on disk");

    // An account holder is not a participant.
    assert_error(app.get("/api/v1/participants/me", Some(&owner.token)).await, 404, "not_found").await;

    // The session ends (absolute timeout): the old token opens nothing.
    app.clock.advance(25 * HOUR);
    assert_error(app.get(&format!("/api/v1/boards/{board}"), Some(&first)).await, 401, "unauthenticated").await;
    let owner = again(&app, &owner).await;

    // A wrong code and a malformed one get the same answer.
    let wrong = refusal(recover(&app, "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789").await).await;
    assert_eq!(refusal(recover(&app, "not a code").await).await, wrong, "one answer for every refused code");

    // The right code, typed in lower case without dashes: a new participant session.
    let back = json_ok(recover(&app, &code.replace('-', "").to_lowercase()).await, 201).await;
    assert_eq!(back["board_id"], board.as_str());
    assert_eq!(back["participant_id"], j["participant_id"]);
    let token = back["token"].as_str().unwrap().to_string();
    let mine = json_ok(app.get("/api/v1/participants/me", Some(&token)).await, 200).await;
    let text = mine.to_string();
    assert!(text.contains(&idea) && text.contains(&remark) && text.contains(&pseudonym), "{mine}");
    assert_eq!(mine["user_content"]["participant"]["board_id"], board.as_str());

    // The same through the pages, in French: the code in a form body, then the page, the download.
    let browser = app.browser();
    let res = browser.post(app.url("/participants/recover?lang=fr")).form(&[("code", code.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/participants/me");
    let html = browser.get(app.url("/participants/me?lang=fr")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Ce que vous avez publié") && html.contains(&idea) && html.contains(&remark), "{html}");
    let html = browser.get(app.url("/participants/me")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("What you posted") && html.contains("/participants/me/erase"), "{html}");
    let export = browser.get(app.url("/participants/me/export")).send().await.unwrap();
    assert_eq!(export.status(), 200);
    assert!(export.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let export: Value = export.json().await.unwrap();
    assert!(export.to_string().contains(&idea), "the export contains what they posted: {export}");
    let wrong_page = app.browser().post(app.url("/participants/recover")).form(&[("code", "nope")]).send().await.unwrap();
    assert_eq!(wrong_page.status(), 401);
    assert!(wrong_page.text().await.unwrap().contains("data-error-code=\"recovery_code_invalid\""));

    // Erase through the page: the key goes first, then every trace.
    let res = browser.post(app.url("/participants/me/erase")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Everything you posted is erased"));
    assert_error(app.get("/api/v1/participants/me", Some(&token)).await, 401, "unauthenticated").await;
    let seen = json_ok(app.get(&format!("/api/v1/boards/{board}"), Some(&owner)).await, 200).await;
    assert!(!seen.to_string().contains(&idea) && !seen.to_string().contains(&remark), "gone from the board");
    // The code opens nothing any more, with the same answer as a wrong one.
    assert_eq!(refusal(recover(&app, &code).await).await, wrong, "a spent code reads like a wrong one");
    assert!(app.scan_storage(&[idea.clone(), remark.clone(), pseudonym.clone()]).await.is_empty(), "no readable trace on disk");
    clearboard_testkit::logs::assert_clean(&[code, idea, remark, pseudonym]);
});

both!(participants_recovery_is_rate_limited, |b| async move {
    let app = spawn_with(b, clearboard_testkit::spawn::Options { limits: Limits::default(), configure: None }).await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let res = recover(&app, "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789").await;
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"));
            assert_error(res, 429, "rate_limited").await;
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "guessing is slowed down: {statuses:?}");
    assert!(statuses[..statuses.len() - 1].iter().all(|s| *s == 401), "{statuses:?}");
});

// C-RET-6: participants' content has its rule in the policy, and the scheduler enforces it.
both!(participants_content_goes_a_year_after_their_last_session, |b| async move {
    let app = spawn_app(b).await;
    let (owner, board, gone) = joined(&app, &canary("Idle")).await;
    let idle_idea = canary("IdleIdea");
    add_text(&app, &board, gone["token"].as_str().unwrap(), &idle_idea).await;
    let kept =
        json_ok(app.post_json("/api/v1/join", &json!({ "code": gone["join_code"], "pseudonym": canary("Back") }), None).await, 201).await;
    let kept_idea = canary("KeptIdea");
    add_text(&app, &board, kept["token"].as_str().unwrap(), &kept_idea).await;
    assert!(app.state.cb.policy().retention_period("user_content", "session_ended").is_some(), "the policy has the rule");

    // Eleven months on, one of them comes back with their code; the other never does.
    app.clock.advance(11 * 31 * DAY);
    json_ok(recover(&app, kept["recovery_code"].as_str().unwrap()).await, 201).await;
    app.state.cb.retention().run().await.unwrap();
    let token = again(&app, &owner).await;
    let seen = json_ok(app.get(&format!("/api/v1/boards/{board}"), Some(&token)).await, 200).await.to_string();
    assert!(seen.contains(&idle_idea) && seen.contains(&kept_idea), "nothing is due before the rule");

    // Past the rule for the first one (a year, and the longest a session lasts), not the other.
    app.clock.advance(40 * DAY);
    let runs = app.state.cb.retention().run().await.unwrap();
    let purged: u64 = runs.iter().filter(|r| r.rule == "user_content:session_ended").map(|r| r.purged).sum();
    assert_eq!(purged, 1, "{runs:?}");
    let token = again(&app, &owner).await;
    let seen = json_ok(app.get(&format!("/api/v1/boards/{board}"), Some(&token)).await, 200).await.to_string();
    assert!(!seen.contains(&idle_idea), "the idle participant's idea is gone");
    assert!(seen.contains(&kept_idea), "the one who came back keeps theirs");
    refusal(recover(&app, gone["recovery_code"].as_str().unwrap()).await).await;
    assert!(app.scan_storage(&[idle_idea]).await.is_empty());
    let status = app.state.cb.retention().status().await.unwrap();
    assert!(status.iter().any(|s| s.rule == "user_content:session_ended" && s.enforcement.is_some()));
});

/// The value a response sets for cookie `name`, if it sets one.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or_default().to_string()))
}

both!(visitors_read_and_erase_their_consent_record_and_page_views, |b| async move {
    let app = spawn_app(b).await;
    let visitor = app.browser();
    let res = visitor.post(app.url("/consent")).form(&[("choice", "accept"), ("return", "/")]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let consent = set_cookie(&res, "cb_consent").expect("the choice is kept in its cookie");
    let res = visitor.get(app.url("/privacy")).send().await.unwrap();
    let aid = set_cookie(&res, "cb_aid").expect("statistics accepted: the analytics cookie is set");
    visitor.get(app.url("/trust")).send().await.unwrap();
    // Someone else's records, which must stay.
    let other = app.browser();
    other.post(app.url("/consent")).form(&[("choice", "accept"), ("return", "/")]).send().await.unwrap();
    other.get(app.url("/privacy")).send().await.unwrap();

    // The API: found by this browser's cookies only.
    let cookies = format!("cb_consent={consent}; cb_aid={aid}");
    let mine = json_ok(app.http().get(app.url("/api/v1/me/consent-record")).header("cookie", &cookies).send().await.unwrap(), 200).await;
    let choices = mine["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 1, "{mine}");
    assert_eq!((choices[0]["purpose"].as_str(), choices[0]["granted"].as_bool()), (Some("statistics"), Some(true)));
    assert_eq!(choices[0]["proof"].as_str().unwrap().len(), 64, "with its proof");
    let mut pages: Vec<&str> = mine["page_views"].as_array().unwrap().iter().map(|v| v["page"].as_str().unwrap()).collect();
    pages.sort_unstable();
    assert_eq!(pages, vec!["/privacy", "/trust"], "{mine}");
    assert!(mine["page_views"].as_array().unwrap().iter().all(|v| v["ip_address"] == "127.0.0.1"), "their own address, opened for them");
    let nothing = json_ok(app.http().get(app.url("/api/v1/me/consent-record")).send().await.unwrap(), 200).await;
    assert!(nothing["choices"].as_array().unwrap().is_empty() && nothing["page_views"].as_array().unwrap().is_empty());

    // The cookies page, in English and French, never cached.
    let res = visitor.get(app.url("/cookies")).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"visitor-choices\"") && html.contains("id=\"visitor-page-views\"") && html.contains("/trust"), "{html}");
    assert!(html.contains("What we hold about this browser") && html.contains("action=\"/cookies/erase\""));
    let html = visitor.get(app.url("/cookies?lang=fr")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Ce que nous détenons au sujet de ce navigateur") && html.contains("accepté"), "{html}");

    // Erasing is a form like the others: refused from another site.
    let views = app.state.cb.navigation().count_of(&aid).await.unwrap();
    assert_eq!(views, 4, "the cookies page is counted too (twice)");
    let res = app
        .http()
        .post(app.url("/cookies/erase"))
        .header("cookie", &cookies)
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_error(res, 403, "cross_site_request_refused").await;
    assert_eq!(app.state.cb.navigation().count_of(&aid).await.unwrap(), views, "nothing erased by the refused request");

    let res = visitor.post(app.url("/cookies/erase")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(set_cookie(&res, "cb_consent").as_deref(), Some(""), "the consent cookie is removed");
    assert_eq!(set_cookie(&res, "cb_aid").as_deref(), Some(""), "the analytics cookie is removed");
    assert!(res.text().await.unwrap().contains("id=\"visitor-erased\""));
    let consent_id = mine["consent_id"].as_str().unwrap();
    assert!(app.state.cb.consents().visitor_ledger(consent_id).await.unwrap().is_empty(), "the consent record is gone");
    assert_eq!(app.state.cb.navigation().count_of(&aid).await.unwrap(), 0, "the page views are gone");
    let after = json_ok(app.http().get(app.url("/api/v1/me/consent-record")).header("cookie", &cookies).send().await.unwrap(), 200).await;
    assert!(after["choices"].as_array().unwrap().is_empty() && after["page_views"].as_array().unwrap().is_empty(), "{after}");
    // The other visitor's records stay; the JSON route erases theirs.
    let erased = json_ok(other.delete(app.url("/api/v1/me/consent-record")).send().await.unwrap(), 200).await;
    assert_eq!((erased["consent_records"].as_u64(), erased["page_views"].as_u64()), (Some(1), Some(1)), "{erased}");
});
