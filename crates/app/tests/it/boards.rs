//! Boards: the product flow, the authorisation matrix, convergence of concurrent edits,
//! anonymity, uploads, facilitation and erasure of board content. Both backends.

use std::time::Duration;

use super::*;
use clearboard_testkit::forensics;
use clearboard_testkit::spawn::TestUser;
use clearboard_testkit::ws;

pub struct Fixture {
    pub alice: TestUser,
    pub bob: TestUser,
    pub carol: TestUser,
    pub dave: TestUser,
    pub erin: TestUser,
    pub org: String,
    pub board: String,
    pub code: String,
    pub participant: String,
    pub pseudonym: String,
    pub dave_board: String,
}

pub(crate) async fn json_ok(res: reqwest::Response, status: u16) -> Value {
    let s = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(s, status, "unexpected status; body: {text}");
    if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() }
}

pub async fn invite_into(app: &TestApp, owner: &TestUser, org: &str, user: &TestUser, role: &str) {
    let inv =
        json_ok(app.post_json(&format!("/api/v1/orgs/{org}/invitations"), &json!({ "role": role }), Some(&owner.token)).await, 201).await;
    json_ok(app.post_json("/api/v1/invitations/accept", &json!({ "token": inv["token"] }), Some(&user.token)).await, 200).await;
}

pub async fn fixture(app: &TestApp) -> Fixture {
    let alice = app.new_user().await;
    let bob = app.new_user().await;
    let carol = app.new_user().await;
    let dave = app.new_user().await;
    let erin_email = canary_email("erin");
    let input = clearboard_core::identity::accounts::NewAccount {
        email: erin_email.clone(),
        password: zeroize::Zeroizing::new("erin staff password".into()),
        first_name: canary("Erin"),
        last_name: "Staff".into(),
        ..Default::default()
    };
    app.state.cb.staff().add(input, clearboard_core::identity::staff::Role::Support, None).await.unwrap();
    let erin = TestUser {
        id: String::new(),
        email: erin_email.clone(),
        password: "erin staff password".into(),
        first_name: String::new(),
        last_name: String::new(),
        phone: String::new(),
        token: app.sign_in(&erin_email, "erin staff password").await,
    };
    let org = json_ok(app.post_json("/api/v1/orgs", &json!({ "name": "Acme workshop team" }), Some(&alice.token)).await, 201).await;
    let org = org["id"].as_str().unwrap().to_string();
    invite_into(app, &alice, &org, &bob, "member").await;
    invite_into(app, &alice, &org, &carol, "admin").await;
    let board = json_ok(app.post_json("/api/v1/boards", &json!({ "title": "Retro", "org_id": org }), Some(&alice.token)).await, 201).await;
    let code = board["join_code"].as_str().unwrap().to_string();
    let board = board["id"].as_str().unwrap().to_string();
    let pseudonym = canary("Pseudo");
    let joined =
        json_ok(app.post_json("/api/v1/join", &json!({ "code": code.to_lowercase(), "pseudonym": pseudonym }), None).await, 201).await;
    let dave_board = json_ok(app.post_json("/api/v1/boards", &json!({ "title": "Dave's" }), Some(&dave.token)).await, 201).await;
    Fixture {
        alice,
        bob,
        carol,
        dave,
        erin,
        org,
        board,
        code,
        participant: joined["token"].as_str().unwrap().to_string(),
        pseudonym,
        dave_board: dave_board["id"].as_str().unwrap().to_string(),
    }
}

async fn add_text(app: &TestApp, board: &str, token: &str, text: &str) -> Value {
    json_ok(app.post_json(&format!("/api/v1/boards/{board}/cards"), &json!({ "kind": "text", "text": text }), Some(token)).await, 201).await
}

async fn req(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> reqwest::Response {
    let mut rb = app.http().request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), app.url(path));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

both!(boards_product_flow, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    // Cards of every kind (media in `uploads`); positions, colours, categories.
    let text = add_text(&app, &f.board, &f.bob.token, "Stand-ups are too long").await;
    assert_eq!(
        (text["kind"].as_str(), text["mine"].as_bool(), text["author"].as_str().map(|a| a.ends_with('.'))),
        (Some("text"), Some(true), Some(true))
    );
    let link = json_ok(
        app.post_json(
            &format!("/api/v1/boards/{}/cards", f.board),
            &json!({ "kind": "link", "url": "https://example.org/retro", "x": 300, "y": 120, "color": "#bde0fe", "category": "question" }),
            Some(&f.participant),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(link["url"], "https://example.org/retro");
    assert_eq!(link["author"], f.pseudonym.as_str());
    let bad = app
        .post_json(
            &format!("/api/v1/boards/{}/cards", f.board),
            &json!({ "kind": "link", "url": "javascript:alert(1)" }),
            Some(&f.bob.token),
        )
        .await;
    assert_eq!(assert_error(bad, 422, "validation_failed").await["error"]["field"], "url");
    let bad = app
        .post_json(&format!("/api/v1/boards/{}/cards", f.board), &json!({ "kind": "text", "text": "x".repeat(501) }), Some(&f.bob.token))
        .await;
    assert_error(bad, 422, "validation_failed").await;
    let bad = app
        .post_json(
            &format!("/api/v1/boards/{}/cards", f.board),
            &json!({ "kind": "text", "text": "ok", "category": "nope" }),
            Some(&f.bob.token),
        )
        .await;
    assert_error(bad, 422, "validation_failed").await;
    // Edit, move, likes, votes with a token limit, comments.
    let id = text["id"].as_str().unwrap();
    let edited = json_ok(
        req(
            &app,
            "PATCH",
            &format!("/api/v1/cards/{id}"),
            Some(&f.bob.token),
            Some(json!({ "base_version": 1, "text": "Shorter stand-ups", "x": 500 })),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (edited["text"].as_str(), edited["x"].as_i64(), edited["version"].as_i64()),
        (Some("Shorter stand-ups"), Some(500), Some(2))
    );
    json_ok(req(&app, "PUT", &format!("/api/v1/cards/{id}/like"), Some(&f.carol.token), None).await, 200).await;
    let patch_tokens = json_ok(
        req(&app, "PATCH", &format!("/api/v1/boards/{}", f.board), Some(&f.alice.token), Some(json!({ "vote_tokens": 2 }))).await,
        200,
    )
    .await;
    assert_eq!(patch_tokens["vote_tokens"], 2);
    json_ok(req(&app, "POST", &format!("/api/v1/cards/{id}/votes"), Some(&f.participant), None).await, 200).await;
    let v = json_ok(req(&app, "POST", &format!("/api/v1/cards/{id}/votes"), Some(&f.participant), None).await, 200).await;
    assert_eq!((v["votes"].as_i64(), v["my_votes"].as_i64()), (Some(2), Some(2)));
    let over = req(&app, "POST", &format!("/api/v1/cards/{id}/votes"), Some(&f.participant), None).await;
    assert!(assert_error(over, 422, "validation_failed").await["error"]["message"].as_str().unwrap().contains("all 2"));
    json_ok(req(&app, "DELETE", &format!("/api/v1/cards/{id}/votes"), Some(&f.participant), None).await, 200).await;
    let c = json_ok(app.post_json(&format!("/api/v1/cards/{id}/comments"), &json!({ "text": "Agreed" }), Some(&f.carol.token)).await, 201)
        .await;
    let (board, cards): (Value, Vec<Value>) = {
        let v = json_ok(app.get(&format!("/api/v1/boards/{}", f.board), Some(&f.bob.token)).await, 200).await;
        (v["board"].clone(), v["cards"].as_array().unwrap().clone())
    };
    assert_eq!(board["title"], "Retro");
    assert!(board.get("join_code").is_none(), "only facilitators see the join code");
    let card = cards.iter().find(|c| c["id"] == id).unwrap();
    assert_eq!((card["likes"].as_i64(), card["votes"].as_i64(), card["comments"][0]["text"].as_str()), (Some(1), Some(1), Some("Agreed")));
    // Export for facilitators: JSON and CSV (formula cells neutralised).
    add_text(&app, &f.board, &f.bob.token, "=HYPERLINK(\"http://evil\")").await;
    let csv = app.get(&format!("/api/v1/boards/{}/export?format=csv", f.board), Some(&f.alice.token)).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("\"Shorter stand-ups\"") && csv.contains("\"'=HYPERLINK"));
    let export = json_ok(app.get(&format!("/api/v1/boards/{}/export", f.board), Some(&f.alice.token)).await, 200).await;
    assert_eq!(export["cards"].as_array().unwrap().len(), 3);
    // Delete a comment, then the card.
    json_ok(req(&app, "DELETE", &format!("/api/v1/comments/{}", c["id"].as_str().unwrap()), Some(&f.carol.token), None).await, 204).await;
    json_ok(req(&app, "DELETE", &format!("/api/v1/cards/{id}"), Some(&f.bob.token), None).await, 204).await;
    assert_error(req(&app, "PATCH", &format!("/api/v1/cards/{id}"), Some(&f.bob.token), Some(json!({ "x": 1 }))).await, 404, "not_found")
        .await;
    // Lists.
    let mine = json_ok(app.get("/api/v1/boards", Some(&f.bob.token)).await, 200).await;
    assert!(mine["boards"].as_array().unwrap().iter().any(|b| b["id"] == f.board.as_str()));
    let theirs = json_ok(app.get("/api/v1/boards", Some(&f.dave.token)).await, 200).await;
    assert!(!theirs["boards"].as_array().unwrap().iter().any(|b| b["id"] == f.board.as_str()));
    let members = json_ok(app.get(&format!("/api/v1/orgs/{}/members", f.org), Some(&f.bob.token)).await, 200).await;
    assert_eq!(members["members"].as_array().unwrap().len(), 3);
});

both!(facilitation_lock_and_controlled_mode, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let board = format!("/api/v1/boards/{}", f.board);
    json_ok(req(&app, "PATCH", &board, Some(&f.alice.token), Some(json!({ "controlled": true }))).await, 200).await;
    let pending = add_text(&app, &f.board, &f.bob.token, "Idea for later").await;
    assert_eq!(pending["status"], "pending");
    let id = pending["id"].as_str().unwrap();
    let seen = |v: &Value| v["cards"].as_array().unwrap().iter().any(|c| c["id"] == id);
    assert!(!seen(&json_ok(app.get(&board, Some(&f.participant)).await, 200).await), "others do not see pending ideas");
    assert!(seen(&json_ok(app.get(&board, Some(&f.bob.token)).await, 200).await), "the author does");
    assert!(seen(&json_ok(app.get(&board, Some(&f.carol.token)).await, 200).await), "facilitators do");
    assert_error(req(&app, "PUT", &format!("/api/v1/cards/{id}/like"), Some(&f.participant), None).await, 404, "not_found").await;
    assert_error(req(&app, "POST", &format!("/api/v1/cards/{id}/approve"), Some(&f.bob.token), None).await, 403, "forbidden").await;
    json_ok(req(&app, "POST", &format!("/api/v1/cards/{id}/approve"), Some(&f.carol.token), None).await, 200).await;
    assert!(seen(&json_ok(app.get(&board, Some(&f.participant)).await, 200).await));
    // Facilitator cards are published at once even in controlled mode.
    assert_eq!(add_text(&app, &f.board, &f.alice.token, "From the facilitator").await["status"], "published");
    // Locked: nobody but facilitators changes anything.
    json_ok(req(&app, "PATCH", &board, Some(&f.alice.token), Some(json!({ "locked": true, "controlled": false }))).await, 200).await;
    let res = app.post_json(&format!("{board}/cards"), &json!({ "kind": "text", "text": "late" }), Some(&f.bob.token)).await;
    assert!(assert_error(res, 422, "validation_failed").await["error"]["message"].as_str().unwrap().contains("locked"));
    assert_error(req(&app, "POST", &format!("/api/v1/cards/{id}/votes"), Some(&f.participant), None).await, 422, "validation_failed").await;
    add_text(&app, &f.board, &f.carol.token, "Still possible for facilitators").await;
});

/// One cell of the authorisation matrix.
struct Cell {
    route: String,
    role: &'static str,
    expected: u16,
    got: u16,
}

both!(acceptance_2_authorisation_matrix, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    // Resources of org A: a card and a comment by alice (the owner), a media card, a pending card.
    let card = add_text(&app, &f.board, &f.alice.token, "Owner's idea").await;
    let card = card["id"].as_str().unwrap().to_string();
    let comment = json_ok(
        app.post_json(&format!("/api/v1/cards/{card}/comments"), &json!({ "text": "owner comment" }), Some(&f.alice.token)).await,
        201,
    )
    .await;
    let comment = comment["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text("kind", "image")
        .part("file", reqwest::multipart::Part::bytes(super::accounts::jpeg("g", "p")).file_name("a.jpg"));
    let media = app
        .http()
        .post(app.url(&format!("/api/v1/boards/{}/cards", f.board)))
        .bearer_auth(&f.alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let media = json_ok(media, 201).await["id"].as_str().unwrap().to_string();
    // Another organisation's resources: Dave's board and card.
    let dave_card = add_text(&app, &f.dave_board, &f.dave.token, "Dave's idea").await["id"].as_str().unwrap().to_string();

    let roles: [(&'static str, Option<String>); 6] = [
        ("anonymous", None),
        ("participant", Some(f.participant.clone())),
        ("member", Some(f.bob.token.clone())),
        ("admin", Some(f.carol.token.clone())),
        ("other_org", Some(f.dave.token.clone())),
        ("staff_untrained", Some(f.erin.token.clone())),
    ];
    let bd = &f.board;
    let org = &f.org;
    // (method, path, body, expected status per role in the order above)
    type Row = (&'static str, String, Option<Value>, [u16; 6]);
    let rows: Vec<Row> = vec![
        ("GET", format!("/api/v1/boards/{bd}"), None, [401, 200, 200, 200, 404, 404]),
        ("PATCH", format!("/api/v1/boards/{bd}"), Some(json!({ "vote_tokens": 5 })), [401, 403, 403, 200, 404, 404]),
        ("GET", format!("/api/v1/boards/{bd}/export"), None, [401, 403, 403, 200, 404, 404]),
        ("POST", format!("/api/v1/boards/{bd}/cards"), Some(json!({ "kind": "text", "text": "hi" })), [401, 201, 201, 201, 404, 404]),
        ("PATCH", format!("/api/v1/cards/{card}"), Some(json!({ "x": 10 })), [401, 403, 403, 200, 404, 404]),
        ("PUT", format!("/api/v1/cards/{card}/like"), None, [401, 200, 200, 200, 404, 404]),
        ("POST", format!("/api/v1/cards/{card}/votes"), None, [401, 200, 200, 200, 404, 404]),
        ("POST", format!("/api/v1/cards/{card}/comments"), Some(json!({ "text": "c" })), [401, 201, 201, 201, 404, 404]),
        ("GET", format!("/api/v1/cards/{media}/media"), None, [401, 200, 200, 200, 404, 404]),
        ("POST", format!("/api/v1/cards/{card}/approve"), None, [401, 403, 403, 200, 404, 404]),
        ("DELETE", format!("/api/v1/comments/{comment}"), None, [401, 403, 403, 204, 404, 404]),
        ("GET", format!("/api/v1/orgs/{org}/members"), None, [401, 404, 200, 200, 404, 404]),
        ("POST", format!("/api/v1/orgs/{org}/invitations"), Some(json!({ "role": "member" })), [401, 404, 403, 201, 404, 404]),
        ("GET", format!("/api/v1/orgs/{org}/invitations"), None, [401, 404, 403, 200, 404, 404]),
        ("DELETE", format!("/api/v1/orgs/{org}/invitations/0192f0c4-7a3b-7c1e-9a2b-1234567890ab"), None, [401, 404, 403, 404, 404, 404]),
        ("POST", format!("/api/v1/boards/{bd}/join-code"), None, [401, 403, 403, 200, 404, 404]),
        ("GET", format!("/api/v1/boards/{}", f.dave_board), None, [401, 404, 404, 404, 200, 404]),
        ("PATCH", format!("/api/v1/cards/{dave_card}"), Some(json!({ "x": 1 })), [401, 404, 404, 404, 200, 404]),
        ("DELETE", format!("/api/v1/cards/{card}/like"), None, [401, 200, 200, 200, 404, 404]),
        ("DELETE", format!("/api/v1/cards/{card}/votes"), None, [401, 200, 200, 200, 404, 404]),
        ("GET", "/api/v1/boards".to_string(), None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/v1/orgs".to_string(), None, [401, 200, 200, 200, 200, 200]),
        ("POST", "/api/v1/orgs".to_string(), Some(json!({ "name": "Another team" })), [401, 403, 201, 201, 201, 201]),
        ("DELETE", format!("/api/v1/orgs/{org}/members/0192f0c4-7a3b-7c1e-9a2b-1234567890ab"), None, [401, 404, 403, 404, 404, 404]),
        ("POST", "/api/v1/invitations/accept".to_string(), Some(json!({ "token": "inv1.eu.00" })), [401, 422, 422, 422, 422, 422]),
    ];
    let mut cells = Vec::new();
    for (method, path, body, expected) in &rows {
        for (i, (role, token)) in roles.iter().enumerate() {
            let res = req(&app, method, path, token.as_deref(), body.clone()).await;
            let got = res.status().as_u16();
            if got == 404 {
                // "Not found" looks the same whether the thing exists elsewhere or not at all.
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["error"]["code"], "not_found");
            }
            cells.push(Cell { route: format!("{method} {path}"), role, expected: expected[i], got });
        }
    }
    // Deleting a card: fresh card per role, so each cell tests the same situation.
    for (i, (role, token)) in roles.iter().enumerate() {
        let c = add_text(&app, &f.board, &f.alice.token, "to delete").await["id"].as_str().unwrap().to_string();
        let got = req(&app, "DELETE", &format!("/api/v1/cards/{c}"), token.as_deref(), None).await.status().as_u16();
        cells.push(Cell { route: "DELETE /api/v1/cards/{id}".into(), role, expected: [401, 403, 403, 204, 404, 404][i], got });
    }
    // Deleting a board: a fresh board of org A per role.
    for (i, (role, token)) in roles.iter().enumerate() {
        let nb =
            json_ok(app.post_json("/api/v1/boards", &json!({ "title": "to delete", "org_id": f.org }), Some(&f.alice.token)).await, 201)
                .await;
        let got =
            req(&app, "DELETE", &format!("/api/v1/boards/{}", nb["id"].as_str().unwrap()), token.as_deref(), None).await.status().as_u16();
        cells.push(Cell { route: "DELETE /api/v1/boards/{id}".into(), role, expected: [401, 404, 403, 204, 404, 404][i], got });
    }
    // The WebSocket upgrade, with real upgrade headers.
    for (i, (role, token)) in roles.iter().enumerate() {
        let mut rb = app
            .http()
            .get(app.url(&format!("/api/v1/boards/{bd}/ws")))
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let got = rb.send().await.unwrap().status().as_u16();
        cells.push(Cell { route: "GET /api/v1/boards/{id}/ws".into(), role, expected: [401, 101, 101, 101, 404, 404][i], got });
    }
    // A cross-site WebSocket upgrade is refused even with a valid session.
    let res = app
        .http()
        .get(app.url(&format!("/api/v1/boards/{bd}/ws")))
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("origin", "https://evil.example")
        .bearer_auth(&f.bob.token)
        .send()
        .await
        .unwrap();
    cells.push(Cell { route: "GET ws (cross-site Origin)".into(), role: "member", expected: 403, got: res.status().as_u16() });
    // Random, well-formed ids that exist nowhere answer exactly like other organisations' ids.
    let ghost = "0192f0c4-7a3b-7c1e-9a2b-1234567890ab";
    for path in [format!("/api/v1/boards/{ghost}"), format!("/api/v1/cards/{ghost}/like")] {
        let got = req(&app, if path.ends_with("like") { "PUT" } else { "GET" }, &path, Some(&f.bob.token), None).await.status().as_u16();
        cells.push(Cell { route: path, role: "member", expected: 404, got });
    }
    // Leaving a board (participants only), last because it erases the participant.
    for (i, (role, token)) in roles.iter().enumerate() {
        let got = req(&app, "DELETE", "/api/v1/participants/me", token.as_deref(), None).await.status().as_u16();
        cells.push(Cell { route: "DELETE /api/v1/participants/me".into(), role, expected: [401, 204, 404, 404, 404, 404][i], got });
    }
    let violations: Vec<String> = cells
        .iter()
        .filter(|c| c.expected != c.got)
        .map(|c| format!("{} as {}: expected {}, got {}", c.route, c.role, c.expected, c.got))
        .collect();
    eprintln!("authorisation matrix ({b:?}): {} cells, {} violations", cells.len(), violations.len());
    assert!(violations.is_empty(), "violations:\n{}", violations.join("\n"));
    assert!(cells.len() >= 150);
});

both!(acceptance_3_concurrent_edits_converge, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let card = add_text(&app, &f.board, &f.alice.token, "Start").await["id"].as_str().unwrap().to_string();
    let mut ws_a = ws::connect(&app.base, &f.board, &f.alice.token, None, None).await.unwrap();
    let mut ws_c = ws::connect(&app.base, &f.board, &f.carol.token, None, None).await.unwrap();
    ws_a.next(Duration::from_secs(5)).await.unwrap();
    ws_c.next(Duration::from_secs(5)).await.unwrap();
    // Alice (author) and Carol (admin) edit the same card at the same time, 40 times each:
    // text from one, position and colour from the other, sometimes the same field.
    let mut tasks = Vec::new();
    for i in 0..40 {
        for (who, token) in [("a", f.alice.token.clone()), ("c", f.carol.token.clone())] {
            let http = app.http();
            let url = app.url(&format!("/api/v1/cards/{card}"));
            let body = if who == "a" {
                json!({ "base_version": 1, "text": format!("text {i}"), "x": i })
            } else {
                json!({ "base_version": 1, "y": i * 2, "color": format!("#0000{:02x}", i), "x": 1000 + i })
            };
            tasks.push(tokio::spawn(async move { http.patch(url).bearer_auth(token).json(&body).send().await.unwrap().status().as_u16() }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200, "every edit applies (last writer wins per field)");
    }
    ws_a.drain(Duration::from_millis(600)).await;
    ws_c.drain(Duration::from_millis(600)).await;
    let server: Value = json_ok(app.get(&format!("/api/v1/boards/{}", f.board), Some(&f.bob.token)).await, 200).await;
    let server_card = server["cards"].as_array().unwrap().iter().find(|c| c["id"] == card.as_str()).unwrap().clone();
    assert_eq!(server_card["version"], 81, "1 + 80 edits");
    for (name, client) in [("alice", &ws_a), ("carol", &ws_c)] {
        let mine = &client.cards[&card];
        for k in ["text", "x", "y", "color", "version"] {
            assert_eq!(mine[k], server_card[k], "{name}'s view of {k} differs from the server");
        }
    }
    // A client that reconnects from its last sequence gets exactly what it missed.
    let since = ws_c.seq;
    json_ok(req(&app, "PATCH", &format!("/api/v1/cards/{card}"), Some(&f.alice.token), Some(json!({ "text": "after" }))).await, 200).await;
    let mut again = ws::connect(&app.base, &f.board, &f.carol.token, Some(since), None).await.unwrap();
    assert_eq!(again.next(Duration::from_secs(5)).await.unwrap()["type"], "resume");
    let m = again.until(Duration::from_secs(5), |v| v["type"] == "card").await.unwrap();
    assert_eq!((m["card"]["text"].as_str(), m["seq"].as_i64()), (Some("after"), Some(since + 1)));
});

both!(acceptance_4_anonymous_boards_reveal_no_author, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    json_ok(
        req(&app, "PATCH", &format!("/api/v1/boards/{}", f.board), Some(&f.alice.token), Some(json!({ "anonymous": true }))).await,
        200,
    )
    .await;
    let mut ws_alice = ws::connect(&app.base, &f.board, &f.alice.token, None, None).await.unwrap();
    let mut ws_part = ws::connect(&app.base, &f.board, &f.participant, None, None).await.unwrap();
    ws_alice.next(Duration::from_secs(5)).await.unwrap();
    ws_part.next(Duration::from_secs(5)).await.unwrap();
    let c1 = add_text(&app, &f.board, &f.bob.token, "Bob's anonymous idea").await;
    assert_eq!(c1["mine"], true);
    let c2 = add_text(&app, &f.board, &f.participant, "Participant's anonymous idea").await;
    let c3 = add_text(&app, &f.board, &f.alice.token, "Facilitator's idea").await;
    json_ok(
        app.post_json(
            &format!("/api/v1/cards/{}/comments", c1["id"].as_str().unwrap()),
            &json!({ "text": "A comment" }),
            Some(&f.carol.token),
        )
        .await,
        201,
    )
    .await;
    json_ok(req(&app, "PUT", &format!("/api/v1/cards/{}/like", c2["id"].as_str().unwrap()), Some(&f.bob.token), None).await, 200).await;
    ws_alice.drain(Duration::from_millis(400)).await;
    ws_part.drain(Duration::from_millis(400)).await;

    // Who must stay hidden: names, pseudonym and ids of every author.
    let mut secrets = vec![f.pseudonym.clone()];
    for u in [&f.alice, &f.bob, &f.carol] {
        secrets.extend([u.first_name.clone(), u.last_name.clone(), u.id.clone()]);
    }
    let own = |who: &str| -> Vec<String> {
        match who {
            "alice" => vec![f.alice.first_name.clone(), f.alice.last_name.clone(), f.alice.id.clone()],
            "bob" => vec![f.bob.first_name.clone(), f.bob.last_name.clone(), f.bob.id.clone()],
            "carol" => vec![f.carol.first_name.clone(), f.carol.last_name.clone(), f.carol.id.clone()],
            _ => vec![f.pseudonym.clone()],
        }
    };
    // Anonymity is fixed when a card is posted: switching the mode off afterwards reveals
    // nobody (security review finding 4), in any view, export or socket message.
    for phase in ["anonymous", "switched off"] {
        if phase == "switched off" {
            let v = json_ok(
                req(&app, "PATCH", &format!("/api/v1/boards/{}", f.board), Some(&f.alice.token), Some(json!({ "anonymous": false }))).await,
                200,
            )
            .await;
            assert_eq!(v["anonymous"], false);
            ws_alice.drain(Duration::from_millis(400)).await;
            ws_part.drain(Duration::from_millis(400)).await;
        }
        // (what, text, the viewer's own identity, which they may see about themselves)
        let mut outputs: Vec<(String, String, Vec<String>)> = Vec::new();
        for (who, token) in [("alice", &f.alice.token), ("bob", &f.bob.token), ("carol", &f.carol.token), ("participant", &f.participant)] {
            let v = json_ok(app.get(&format!("/api/v1/boards/{}", f.board), Some(token)).await, 200).await;
            for c in v["cards"].as_array().unwrap() {
                assert!(c.get("author").is_none(), "{phase}: no author field on cards posted anonymously");
                let expect_mine = (who == "bob" && c["id"] == c1["id"])
                    || (who == "participant" && c["id"] == c2["id"])
                    || (who == "alice" && c["id"] == c3["id"]);
                assert_eq!(c["mine"].as_bool(), Some(expect_mine), "{who} knows exactly which cards are theirs");
            }
            outputs.push((format!("{phase}: GET board as {who}"), v.to_string(), own(who)));
            for c in [&c1, &c2, &c3] {
                let one = app.get(&format!("/api/v1/cards/{}", c["id"].as_str().unwrap()), Some(token)).await.text().await.unwrap();
                outputs.push((format!("{phase}: GET card as {who}"), one, own(who)));
            }
        }
        outputs.push(("card responses".into(), format!("{c1}{c2}{c3}"), vec![]));
        outputs.push((
            format!("{phase}: export json"),
            app.get(&format!("/api/v1/boards/{}/export", f.board), Some(&f.alice.token)).await.text().await.unwrap(),
            vec![],
        ));
        outputs.push((
            format!("{phase}: export csv"),
            app.get(&format!("/api/v1/boards/{}/export?format=csv", f.board), Some(&f.alice.token)).await.text().await.unwrap(),
            vec![],
        ));
        outputs.push((format!("{phase}: ws facilitator"), ws_alice.log.iter().map(Value::to_string).collect(), vec![]));
        outputs.push((format!("{phase}: ws participant"), ws_part.log.iter().map(Value::to_string).collect(), own("participant")));
        let fresh = ws::connect(&app.base, &f.board, &f.alice.token, None, None).await.unwrap().next(Duration::from_secs(5)).await.unwrap();
        outputs.push((format!("{phase}: ws snapshot"), fresh.to_string(), vec![]));
        for (what, text, mine) in &outputs {
            for s in secrets.iter().filter(|s| !mine.contains(s)) {
                assert!(!text.contains(s.as_str()), "{what} reveals an author ({s})");
            }
            assert!(!text.contains("\"author\""), "{what} has an author field");
        }
    }

    // With the mode off, a new card names its author; switching the mode on hides it at once
    // on screens already open: the socket gets the board change, then a resync at a sequence
    // number of its own (it was dropped when the two shared one).
    let open = add_text(&app, &f.board, &f.bob.token, "Signed idea").await;
    assert!(open["author"].as_str().is_some(), "posted with the mode off: named");
    ws_alice.drain(Duration::from_millis(300)).await;
    json_ok(
        req(&app, "PATCH", &format!("/api/v1/boards/{}", f.board), Some(&f.alice.token), Some(json!({ "anonymous": true }))).await,
        200,
    )
    .await;
    let board_ev = ws_alice.until(Duration::from_secs(5), |m| m["type"] == "board").await.expect("board change seen live");
    assert_eq!(board_ev["board"]["anonymous"], true);
    let resync = ws_alice.until(Duration::from_secs(5), |m| m["type"] == "resync").await.expect("the open screen is told to reload");
    assert!(resync["seq"].as_i64() > board_ev["seq"].as_i64(), "the reload has its own sequence number");
    let v = json_ok(app.get(&format!("/api/v1/boards/{}", f.board), Some(&f.carol.token)).await, 200).await;
    assert!(v["cards"].as_array().unwrap().iter().all(|c| c.get("author").is_none()), "the mode on hides every author");
    // Presence shows pseudonyms only (members get a generated one), never names.
    let presence: Vec<&Value> = ws_part.log.iter().filter(|m| m["type"] == "presence" || m["type"] == "hello").collect();
    assert!(!presence.is_empty());
});

both!(acceptance_5_uploads_are_sniffed_stripped_and_encrypted, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let url = app.url(&format!("/api/v1/boards/{}/cards", f.board));
    let upload = |kind: &'static str, bytes: Vec<u8>, name: &'static str, mime: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind)
            .text("text", "caption")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name).mime_str(mime).unwrap());
        app.http().post(&url).bearer_auth(&f.bob.token).multipart(form).send()
    };
    let res = upload("image", b"<!doctype html><script>alert(1)</script>".to_vec(), "cat.png", "image/png").await.unwrap();
    let e = assert_error(res, 415, "unsupported_media").await;
    assert!(e["error"]["message"].as_str().unwrap().contains("its content was checked, not its name"));
    let res = upload("video", b"<html>not a video</html>".to_vec(), "clip.mp4", "video/mp4").await.unwrap();
    assert_error(res, 415, "unsupported_media").await;

    let gps = canary("Gps");
    let pixels = canary("Pixels");
    let card = json_ok(upload("image", super::accounts::jpeg(&gps, &pixels), "holiday.png", "image/png").await.unwrap(), 201).await;
    assert_eq!((card["kind"].as_str(), card["media_type"].as_str()), (Some("image"), Some("image/jpeg")));
    // The smallest MP4 the sanitiser accepts: a movie with one video track, and media data
    // (the forensic set with real videos is in media.rs).
    let bx = clearboard_core::platform::media::testset::bx;
    let mut mp4 = bx(b"ftyp", b"isom\0\0\0\0isommp41");
    let tkhd = bx(b"tkhd", &[[0u8; 12].as_slice(), &[0, 0, 0, 1], &[0; 68]].concat());
    let hdlr = bx(b"hdlr", &[[0u8; 8].as_slice(), b"vide", &[0; 13]].concat());
    mp4.extend(bx(b"moov", &[bx(b"mvhd", &[0; 100]), bx(b"trak", &[tkhd, bx(b"mdia", &hdlr)].concat())].concat()));
    let frames = canary("Frames");
    mp4.extend(bx(b"mdat", frames.as_bytes()));
    let video = json_ok(upload("video", mp4, "clip.mov", "application/octet-stream").await.unwrap(), 201).await;
    assert_eq!(video["media_type"], "video/mp4");

    // Served only to those who may see the board, typed, not sniffable, sandboxed.
    let res = app.get(card["media_url"].as_str().unwrap(), Some(&f.participant)).await;
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["content-disposition"], "inline; filename=\"media\"");
    assert!(res.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    let bytes = res.bytes().await.unwrap();
    assert!(!forensics::scan_bytes(&bytes, std::slice::from_ref(&pixels)).is_empty(), "the picture itself is intact");
    assert!(forensics::scan_bytes(&bytes, std::slice::from_ref(&gps)).is_empty(), "EXIF GPS is gone");
    assert_error(app.get(card["media_url"].as_str().unwrap(), Some(&f.dave.token)).await, 404, "not_found").await;
    // Nothing of it is in plaintext on disk.
    let hits = app.scan_storage(&[gps.clone(), pixels.clone(), frames.clone(), "caption".to_string()]).await;
    assert!(hits.iter().all(|h| h.needle == "caption" && !h.path.to_string_lossy().contains("blobs")), "plaintext media on disk: {hits:?}");
    assert!(app.scan_storage(&[gps, pixels, frames]).await.is_empty());
});

both!(erasure_reaches_board_content, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let bob_text = canary("BobIdea");
    let bob_card = add_text(&app, &f.board, &f.bob.token, &bob_text).await;
    json_ok(
        app.post_json(
            &format!("/api/v1/cards/{}/comments", bob_card["id"].as_str().unwrap()),
            &json!({ "text": "reply from carol" }),
            Some(&f.carol.token),
        )
        .await,
        201,
    )
    .await;
    let carol_card = add_text(&app, &f.board, &f.carol.token, "Carol's idea").await;
    let bob_comment = canary("BobComment");
    json_ok(
        app.post_json(
            &format!("/api/v1/cards/{}/comments", carol_card["id"].as_str().unwrap()),
            &json!({ "text": bob_comment }),
            Some(&f.bob.token),
        )
        .await,
        201,
    )
    .await;
    json_ok(req(&app, "PUT", &format!("/api/v1/cards/{}/like", carol_card["id"].as_str().unwrap()), Some(&f.bob.token), None).await, 200)
        .await;
    let bob_board = json_ok(app.post_json("/api/v1/boards", &json!({ "title": "Bob's own" }), Some(&f.bob.token)).await, 201).await;
    let mut ws_c = ws::connect(&app.base, &f.board, &f.carol.token, None, None).await.unwrap();
    ws_c.next(Duration::from_secs(5)).await.unwrap();

    // Bob deletes his account: his cards, comments and likes go; his personal board goes;
    // the organisation's board survives; others are told to reload.
    json_ok(req(&app, "DELETE", "/api/v1/me", Some(&f.bob.token), Some(json!({ "password": f.bob.password }))).await, 200).await;
    let m = ws_c.until(Duration::from_secs(5), |v| v["type"] == "resync").await;
    assert!(m.is_some(), "open boards are told to reload");
    let v = json_ok(app.get(&format!("/api/v1/boards/{}", f.board), Some(&f.carol.token)).await, 200).await;
    let text = v.to_string();
    assert!(!text.contains(&bob_text) && !text.contains(&bob_comment));
    let carol_view = v["cards"].as_array().unwrap().iter().find(|c| c["id"] == carol_card["id"]).unwrap().clone();
    assert_eq!((carol_view["likes"].as_i64(), carol_view["comments"].as_array().unwrap().len()), (Some(0), 0));
    assert!(app.scan_storage(&[bob_text.clone(), bob_comment.clone()]).await.is_empty());
    assert_error(app.get(&format!("/api/v1/boards/{}", bob_board["id"].as_str().unwrap()), Some(&f.alice.token)).await, 404, "not_found")
        .await;
    let loc = app
        .state
        .cb
        .directory()
        .board_location(&clearboard_core::platform::ids::BoardId::parse(bob_board["id"].as_str().unwrap()).unwrap())
        .await
        .unwrap();
    assert!(loc.is_none(), "the personal workspace and its boards are gone");

    // A participant leaves and erases what they posted.
    let p_text = canary("PartIdea");
    add_text(&app, &f.board, &f.participant, &p_text).await;
    json_ok(req(&app, "DELETE", "/api/v1/participants/me", Some(&f.participant), None).await, 204).await;
    assert_error(app.get(&format!("/api/v1/boards/{}", f.board), Some(&f.participant)).await, 401, "unauthenticated").await;
    let v = json_ok(app.get(&format!("/api/v1/boards/{}", f.board), Some(&f.carol.token)).await, 200).await;
    assert!(!v.to_string().contains(&p_text));
    assert!(app.scan_storage(&[p_text, f.pseudonym.clone()]).await.is_empty());
    // The export of the erased person's categories says nothing is left.
    clearboard_testkit::logs::assert_clean(&[bob_text, bob_comment]);
});

both!(board_pages_render_for_members_and_participants, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let browser = app.browser();
    browser.post(app.url("/signin")).form(&[("email", f.bob.email.as_str()), ("password", f.bob.password.as_str())]).send().await.unwrap();
    let html = browser.get(app.url("/app")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Retro") && html.contains("Acme workshop team"));
    let res = browser.post(app.url("/app/boards")).form(&[("title", "Planning"), ("org_id", f.org.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let loc = res.headers()["location"].to_str().unwrap().to_string();
    let html = browser.get(app.url(&loc)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("/assets/board.js") && html.contains("id=\"cb-data\"") && !html.contains("<script>"));
    assert_eq!(app.http().get(app.url("/assets/board.js")).send().await.unwrap().status(), 200);
    // Another organisation's board page is not found.
    let res = browser.get(app.url(&format!("/app/boards/{}", f.dave_board))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    // Joining by code through the page.
    let guest = app.browser();
    let res = guest.post(app.url("/join")).form(&[("code", f.code.as_str()), ("pseudonym", "Guest")]).send().await.unwrap();
    assert_eq!(res.headers()["location"], format!("/app/boards/{}", f.board));
    assert_eq!(guest.get(app.url(&format!("/app/boards/{}", f.board))).send().await.unwrap().status(), 200);
    let res = guest.post(app.url("/join")).form(&[("code", "WRONGCODE"), ("pseudonym", "Guest")]).send().await.unwrap();
    assert_eq!(res.status(), 404);
    // Join links carry the code in the fragment (never sent to the server): the page loads the
    // script that copies it into the form; the old path form is gone.
    let html = app.http().get(app.url("/join")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("/assets/fragment.js") && html.contains("data-from-fragment"));
    assert_eq!(app.http().get(app.url(&format!("/j/{}", f.code))).send().await.unwrap().status(), 404);
});

both!(facilitators_delete_boards_with_everything_on_them, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let text = canary("Gone");
    add_text(&app, &f.board, &f.participant, &text).await;
    let form = reqwest::multipart::Form::new()
        .text("kind", "image")
        .part("file", reqwest::multipart::Part::bytes(super::accounts::jpeg("g", "p")).file_name("a.jpg"));
    json_ok(
        app.http()
            .post(app.url(&format!("/api/v1/boards/{}/cards", f.board)))
            .bearer_auth(&f.bob.token)
            .multipart(form)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    assert_error(req(&app, "DELETE", &format!("/api/v1/boards/{}", f.board), Some(&f.bob.token), None).await, 403, "forbidden").await;
    json_ok(req(&app, "DELETE", &format!("/api/v1/boards/{}", f.board), Some(&f.carol.token), None).await, 204).await;
    assert_error(app.get(&format!("/api/v1/boards/{}", f.board), Some(&f.alice.token)).await, 404, "not_found").await;
    assert_error(app.get(&format!("/api/v1/boards/{}", f.board), Some(&f.participant)).await, 401, "unauthenticated").await;
    assert!(forensics::all_files(&[app.config.data_dir.join("regions/eu/blobs")]).is_empty(), "media deleted");
    assert!(app.scan_storage(&[text, f.pseudonym.clone()]).await.is_empty());
    let res = app.post_json("/api/v1/join", &json!({ "code": f.code, "pseudonym": "late" }), None).await;
    assert_error(res, 404, "not_found").await;
});
