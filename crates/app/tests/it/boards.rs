//! Boards: the product flow, facilitation, the authorisation matrix and convergence of
//! concurrent edits (anonymity, uploads and erasure are in `board_content`). Both backends.

use std::time::Duration;

use super::*;
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
    let erin = app.new_staff("erin", &canary("Erin"), clearboard_core::identity::staff::Role::Support, None).await;
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

pub(crate) async fn add_text(app: &TestApp, board: &str, token: &str, text: &str) -> Value {
    json_ok(app.post_json(&format!("/api/v1/boards/{board}/cards"), &json!({ "kind": "text", "text": text }), Some(token)).await, 201).await
}

/// A card text near the longest allowed (about 480 characters, numbered, no space at either end), so
/// that a few dozen cards make a snapshot longer than one WebSocket fragment.
pub(crate) fn long_text(i: usize) -> String {
    let words = "a long idea for the workshop, written out in full so that the board weighs something; ".repeat(6);
    format!("{i}: {}", words[..479].trim_end())
}

/// Posts an image card (a small JPEG, as a multipart upload).
pub(crate) async fn add_image(app: &TestApp, board: &str, token: &str) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("kind", "image")
        .part("file", reqwest::multipart::Part::bytes(super::accounts::jpeg("g", "p")).file_name("a.jpg"));
    app.http().post(app.url(&format!("/api/v1/boards/{board}/cards"))).bearer_auth(token).multipart(form).send().await.unwrap()
}

pub(crate) async fn req(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> reqwest::Response {
    let mut rb = app.http().request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), app.url(path));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

// C-DATA-1, C-RET-1: what people put on boards, which they change or delete themselves at any time.
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
    assert!(assert_error(over, 422, "validation_failed").await["error"]["detail"].as_str().unwrap().contains("all 2"));
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
    assert!(assert_error(res, 422, "validation_failed").await["error"]["detail"].as_str().unwrap().contains("locked"));
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
    let media = json_ok(add_image(&app, &f.board, &f.alice.token).await, 201).await["id"].as_str().unwrap().to_string();
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
        let got = ws::upgrade_request(&app.http(), &app.base, bd, token.as_deref()).send().await.unwrap().status().as_u16();
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
