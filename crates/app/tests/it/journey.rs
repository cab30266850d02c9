//! What a person meets, from the landing page to leaving (issue 14): the landing page shows the
//! product (a static example board, no script, nothing from elsewhere); signing in lands on the
//! boards; a language chosen once is remembered; pages that do not exist are HTML pages in the
//! person's language (JSON stays for /api); deleting an account asks first: the profile lists
//! what becomes of each organisation (deleted with its boards when the person is its last
//! member; passed on to a member they pick, or deleted, when they were its only owner; left as
//! it is otherwise), each deletion with boards needs its own ticked box, and the deletion does
//! what the list said, then redirects to its receipt.

use super::*;

/// The `confirm_…` boxes of the profile page's deletion form.
fn boxes(html: &str) -> Vec<String> {
    html.split("name=\"confirm_").skip(1).filter_map(|s| s.split('"').next()).map(|id| format!("confirm_{id}")).collect()
}

// C-RET-1, C-DSR-1: the person decides, knowing what goes with them.
both!(deleting_an_account_lists_the_organisations_and_asks_for_each, |b| async move {
    let app = spawn_app(b).await;
    let alice = app.new_user().await;
    let bob = app.new_user().await;
    let carol = app.new_user().await;
    let org = |name: &'static str| {
        let app = &app;
        let token = alice.token.clone();
        async move {
            let o = app.post_json("/api/v1/orgs", &json!({ "name": name }), Some(&token)).await.json::<Value>().await.unwrap();
            o["id"].as_str().unwrap().to_string()
        }
    };
    let team = org("Team").await;
    let solo = org("Solo").await;
    super::boards::invite_into(&app, &alice, &team, &bob, "member").await;
    super::boards::invite_into(&app, &alice, &team, &carol, "admin").await;
    for (title, org) in [("Team board", &team), ("Solo board", &solo)] {
        let r = app.post_json("/api/v1/boards", &json!({ "title": title, "org_id": org }), Some(&alice.token)).await;
        assert_eq!(r.status(), 201);
    }
    let browser = app.browser();
    let res = browser
        .post(app.url("/signin"))
        .form(&[("email", alice.email.as_str()), ("password", alice.password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/app"), "signed in, on the boards");

    let html = browser.get(app.url("/me")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("What happens to your organisations"), "{html}");
    assert!(html.contains("The organisation “Solo” (1 member(s), 1 board(s)) will be deleted with you, with its 1 board(s)"), "{html}");
    let team_line = html.split("<li").find(|li| li.contains("“Team”")).expect("Team is listed");
    assert!(team_line.contains("(3 member(s), 1 board(s)) has other members"), "{team_line}");
    assert!(
        team_line.contains(&format!("name=\"fate_{team}\" value=\"transfer\" checked")) && team_line.contains("Delete it with its boards")
    );
    // The longest-standing admin is offered first, then the other members.
    let offered: Vec<&str> = team_line.split("<option value=\"").skip(1).filter_map(|s| s.split('"').next()).collect();
    assert_eq!(offered, [carol.id.as_str(), bob.id.as_str()], "{team_line}");
    assert_eq!(boxes(&html), vec![format!("confirm_{solo}")], "one box: the organisation deleted with a board");

    // Without the box: refused, nothing erased.
    let res = browser.post(app.url("/me/delete")).form(&[("password", alice.password.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("data-error-code=\"validation_failed\"") && html.contains("Tick the box of each organisation"), "{html}");
    // Without a choice for Team: refused with the catalogue's code, nothing erased.
    let confirm = format!("confirm_{solo}");
    let res =
        browser.post(app.url("/me/delete")).form(&[("password", alice.password.as_str()), (confirm.as_str(), "yes")]).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("data-error-code=\"organisation_choice_required\""));
    assert_eq!(app.get("/api/v1/me", Some(&alice.token)).await.status(), 200, "still there");

    // With both, Team passed on to Bob (not the preselected Carol): erased, then redirected
    // (Post/Redirect/Get) to the receipt, shown once; reloading resubmits nothing.
    let (fate, heir) = (format!("fate_{team}"), format!("heir_{team}"));
    let form =
        [("password", alice.password.as_str()), (confirm.as_str(), "yes"), (fate.as_str(), "transfer"), (heir.as_str(), bob.id.as_str())];
    let res = browser.post(app.url("/me/delete")).form(&form).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/me/deleted"));
    let res = browser.get(app.url("/me/deleted")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().contains("Max-Age=0")), "the session cookie goes");
    assert!(res.text().await.unwrap().contains("id=\"receipt\""));
    let again = browser.get(app.url("/me/deleted")).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let again = again.text().await.unwrap();
    assert!(again.contains("Your account is erased") && !again.contains("id=\"receipt\""), "{again}");
    let orgs = app.get("/api/v1/orgs", Some(&bob.token)).await.json::<Value>().await.unwrap();
    let list = orgs.as_array().cloned().or_else(|| orgs["orgs"].as_array().cloned()).unwrap();
    let t = list.iter().find(|o| o["id"] == json!(team)).expect("Team stays");
    assert_eq!(t["role"], json!("owner"), "Bob owns Team now: {t}");
    assert!(!list.iter().any(|o| o["id"] == json!(solo)));
    let told = app.wait_for_mail(&bob.email, |m| m.subject.contains("You now own"), std::time::Duration::from_secs(10)).await;
    assert!(told.expect("Bob is told").text.contains("“Team”"));
});

// Issue 14: a language chosen once is remembered (the functional cookie the policy declares),
// for pages and API errors alike, and on the account of a signed-in person (their emails too).
both!(a_chosen_language_is_remembered, |b| async move {
    let app = spawn_app(b).await;
    let cookies = app.http().get(app.url("/cookies")).send().await.unwrap().text().await.unwrap();
    assert!(cookies.contains("<code>cb_lang</code>"), "declared in the cookie list");
    let browser = app.browser();
    let res = browser.get(app.url("/signin?lang=fr")).header("accept", "text/html").send().await.unwrap();
    let set: Vec<String> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert!(set.iter().any(|c| c.starts_with("cb_lang=fr;") && c.contains("HttpOnly") && c.contains("Max-Age=31536000")), "{set:?}");
    let html = browser.get(app.url("/trust")).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"fr\""), "the next page is French too");
    let err = browser.get(app.url("/api/v1/me")).send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(
        err["error"]["message"],
        json!(
            clearboard_web::platform::i18n::error_words(clearboard_core::platform::error_codes::ErrorCode::Unauthenticated, "fr").message
        )
    );
    // English again, by the same link.
    browser.get(app.url("/trust?lang=en")).header("accept", "text/html").send().await.unwrap();
    let html = browser.get(app.url("/trust")).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<html lang=\"en\""));

    // A signed-in person: the choice goes on the account.
    let u = app.new_user().await;
    let browser = app.browser();
    browser.post(app.url("/signin")).form(&[("email", u.email.as_str()), ("password", u.password.as_str())]).send().await.unwrap();
    browser.get(app.url("/app?lang=fr")).header("accept", "text/html").send().await.unwrap();
    let me = app.get("/api/v1/me", Some(&u.token)).await.json::<Value>().await.unwrap();
    assert_eq!(me["locale"], json!("fr"), "{me}");
    // A board made now has its categories in French.
    let board = app.post_json("/api/v1/boards", &json!({ "title": "Atelier" }), Some(&u.token)).await.json::<Value>().await.unwrap();
    let names: Vec<&str> = board["legend"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Idée", "Question", "Risque"], "{board}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_page_shows_an_example_board_without_script_or_tracking() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = app.http().get(app.url("/")).header("accept", "text/html").send().await.unwrap();
    assert!(res.headers().get_all("set-cookie").iter().next().is_none(), "no cookie before a choice");
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"demo-board\"") && html.contains("Shorter stand-ups"), "{html}");
    assert_eq!(html.matches("class=\"demo-card ").count(), 5);
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<iframe"), "nothing runs, nothing is fetched");
    let fr = app.http().get(app.url("/?lang=fr")).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(fr.contains("À quoi ressemble un tableau") && !fr.contains("Shorter stand-ups"));
}

// Pages that fail are pages, in the person's language; the API keeps its JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_errors_are_html_in_both_languages_and_the_api_stays_json() {
    let app = spawn_app(Backend::Sqlite).await;
    let u = app.new_user().await;
    let browser = app.browser();
    browser.post(app.url("/signin")).form(&[("email", u.email.as_str()), ("password", u.password.as_str())]).send().await.unwrap();
    for (path, status, code) in [
        ("/no-such-page", 404, "not_found"),
        ("/app/boards/not-a-board", 404, "not_found"),
        ("/app/boards/0192f0c4-7a3b-7c1e-9a2b-1234567890ab", 404, "not_found"),
        ("/staff/requests", 403, "forbidden"),
    ] {
        for (lang, words) in [("en", "Back to the home page"), ("fr", "Retour à l’accueil")] {
            let res = browser.get(app.url(&format!("{path}?lang={lang}"))).header("accept", "text/html").send().await.unwrap();
            assert_eq!(res.status().as_u16(), status, "{path} ({lang})");
            assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
            let html = res.text().await.unwrap();
            assert!(
                html.contains(&format!("data-error-code=\"{code}\""))
                    && html.contains(words)
                    && html.contains(&format!("<html lang=\"{lang}\"")),
                "{path} ({lang}): {html}"
            );
        }
    }
    let res = browser.get(app.url("/api/v1/boards/not-a-board")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
}
