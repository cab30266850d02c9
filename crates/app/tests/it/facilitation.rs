//! Facilitation on the board (issue 14, acceptance 2): the countdown that pauses
//! participation when it ends, votes whose counts stay hidden (through the API, the export and
//! the socket) until revealed, and the ranked results. Both backends.

use std::time::Duration;

use super::boards::{add_text, fixture, json_ok, req};
use super::*;
use clearboard_testkit::ws;

const WAIT: Duration = Duration::from_secs(5);

both!(facilitation_timer_pauses_participation_until_resumed, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let board = format!("/api/v1/boards/{}", f.board);
    let timer = format!("{board}/timer");
    let start = json!({ "action": "start", "seconds": 60, "pause_participation": true });
    // Only facilitators hold the countdown.
    assert_error(req(&app, "POST", &timer, Some(&f.participant), Some(start.clone())).await, 403, "forbidden").await;
    assert_error(req(&app, "POST", &timer, Some(&f.bob.token), Some(start.clone())).await, 403, "forbidden").await;
    let long = json!({ "action": "start", "seconds": 4 * 3600 + 1 });
    assert_error(req(&app, "POST", &timer, Some(&f.alice.token), Some(long)).await, 422, "validation_failed").await;
    let mut bob = ws::connect(&app.base, &f.board, &f.bob.token, None, None).await.unwrap();
    assert_eq!(bob.next(WAIT).await.unwrap()["type"], "hello");
    let v = json_ok(req(&app, "POST", &timer, Some(&f.alice.token), Some(start)).await, 200).await;
    assert_eq!(
        v["timer"],
        json!({ "running": true, "remaining_ms": 60_000, "ends_at": "2026-11-29T12:01:00Z", "pause_participation": true, "participation_paused": false })
    );
    // Everyone sees it: the `board` event on the socket, and the board as each one opens it.
    let ev = bob.until(WAIT, |m| m["type"] == "board").await.expect("a board event with the countdown");
    assert_eq!((ev["board"]["timer"]["running"].as_bool(), ev["board"]["timer"]["remaining_ms"].as_i64()), (Some(true), Some(60_000)));
    app.clock.advance(20_000);
    let seen = json_ok(app.get(&board, Some(&f.participant)).await, 200).await;
    assert_eq!(seen["board"]["timer"]["remaining_ms"], 40_000, "measured with the server's clock");
    let card = add_text(&app, &f.board, &f.participant, "Before the end").await;
    let id = card["id"].as_str().unwrap().to_string();
    let bobs = add_text(&app, &f.board, &f.bob.token, "Bob's own").await["id"].as_str().unwrap().to_string();

    // Time is up: participants and members are refused (cards, edits, votes, comments) until
    // the facilitator resumes; facilitators go on.
    app.clock.advance(40_000);
    let seen = json_ok(app.get(&board, Some(&f.participant)).await, 200).await;
    assert_eq!(
        seen["board"]["timer"],
        json!({ "running": false, "remaining_ms": 0, "pause_participation": true, "participation_paused": true })
    );
    let late = app.post_json(&format!("{board}/cards"), &json!({ "kind": "text", "text": "Too late" }), Some(&f.participant)).await;
    let e = assert_error(late, 409, "participation_on_hold").await;
    assert!(e["error"]["message"].as_str().unwrap().contains("time is up"), "{e}");
    let edit = req(&app, "PATCH", &format!("/api/v1/cards/{id}"), Some(&f.participant), Some(json!({ "text": "edited" }))).await;
    assert_error(edit, 409, "participation_on_hold").await;
    assert_error(req(&app, "POST", &format!("/api/v1/cards/{id}/votes"), Some(&f.bob.token), None).await, 409, "participation_on_hold")
        .await;
    let comment = req(&app, "POST", &format!("/api/v1/cards/{id}/comments"), Some(&f.bob.token), Some(json!({ "text": "hm" }))).await;
    assert_error(comment, 409, "participation_on_hold").await;
    add_text(&app, &f.board, &f.carol.token, "Facilitators still can").await;
    json_ok(req(&app, "POST", &format!("/api/v1/cards/{id}/votes"), Some(&f.alice.token), None).await, 200).await;
    // On the socket too: a participant's move is answered with the catalogue's code.
    bob.send_text(&json!({ "type": "patch", "req": 3, "card": bobs, "patch": { "x": 10, "y": 10 } }).to_string()).await;
    let e = bob.until(WAIT, |m| m["type"] == "error").await.unwrap();
    assert_eq!((e["req"].as_i64(), e["error"]["code"].as_str()), (Some(3), Some("participation_on_hold")));

    // Resumed: everyone takes part again.
    let v = json_ok(req(&app, "POST", &timer, Some(&f.alice.token), Some(json!({ "action": "resume" }))).await, 200).await;
    assert!(v.get("timer").is_none(), "{v}");
    add_text(&app, &f.board, &f.participant, "After the resume").await;

    // Paused by the facilitator: what is left stays, nobody is refused, and it goes on.
    json_ok(
        req(&app, "POST", &timer, Some(&f.alice.token), Some(json!({ "action": "start", "seconds": 120, "pause_participation": true })))
            .await,
        200,
    )
    .await;
    app.clock.advance(20_000);
    let v = json_ok(req(&app, "POST", &timer, Some(&f.alice.token), Some(json!({ "action": "pause" }))).await, 200).await;
    assert_eq!((v["timer"]["running"].as_bool(), v["timer"]["remaining_ms"].as_i64()), (Some(false), Some(100_000)));
    app.clock.advance(3_600_000);
    add_text(&app, &f.board, &f.participant, "While paused").await;
    assert_error(req(&app, "POST", &timer, Some(&f.alice.token), Some(json!({ "action": "pause" }))).await, 409, "conflict").await;
    let v = json_ok(req(&app, "POST", &timer, Some(&f.alice.token), Some(json!({ "action": "resume" }))).await, 200).await;
    assert_eq!((v["timer"]["running"].as_bool(), v["timer"]["remaining_ms"].as_i64()), (Some(true), Some(100_000)));
    // Without the option, the end refuses nothing; stopping takes the countdown away.
    json_ok(req(&app, "POST", &timer, Some(&f.alice.token), Some(json!({ "action": "start", "seconds": 5 }))).await, 200).await;
    app.clock.advance(6_000);
    add_text(&app, &f.board, &f.participant, "No pause asked").await;
    let v = json_ok(req(&app, "POST", &timer, Some(&f.alice.token), Some(json!({ "action": "stop" }))).await, 200).await;
    assert!(v.get("timer").is_none());
});

/// Every card object in a value (a board, a socket frame, an export), at any depth.
fn has_vote_counts(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, x)| (k == "votes" && !x.is_null()) || has_vote_counts(x)),
        Value::Array(a) => a.iter().any(has_vote_counts),
        _ => false,
    }
}

both!(facilitation_hidden_votes_are_revealed_and_ranked, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let board = format!("/api/v1/boards/{}", f.board);
    let a = add_text(&app, &f.board, &f.bob.token, "Shorter stand-ups").await["id"].as_str().unwrap().to_string();
    let b2 = add_text(&app, &f.board, &f.bob.token, "Pair on reviews").await["id"].as_str().unwrap().to_string();
    let c = add_text(&app, &f.board, &f.participant, "No meetings on Fridays").await["id"].as_str().unwrap().to_string();
    // Members cannot open a vote; the facilitator opens one, 3 dots each, results hidden.
    assert_error(req(&app, "PATCH", &board, Some(&f.bob.token), Some(json!({ "votes_hidden": true }))).await, 403, "forbidden").await;
    let v =
        json_ok(req(&app, "PATCH", &board, Some(&f.alice.token), Some(json!({ "vote_tokens": 3, "votes_hidden": true }))).await, 200).await;
    assert_eq!((v["votes_hidden"].as_bool(), v["vote_tokens"].as_i64()), (Some(true), Some(3)));
    let mut carol = ws::connect(&app.base, &f.board, &f.carol.token, None, None).await.unwrap();
    assert_eq!(carol.next(WAIT).await.unwrap()["type"], "hello");
    let mut bob = ws::connect(&app.base, &f.board, &f.bob.token, None, None).await.unwrap();
    assert_eq!(bob.next(WAIT).await.unwrap()["type"], "hello");

    let vote = |card: &str, token: &str| {
        let (path, token) = (format!("/api/v1/cards/{card}/votes"), token.to_string());
        let app = &app;
        async move { req(app, "POST", &path, Some(&token), None).await }
    };
    let mine = json_ok(vote(&a, &f.participant).await, 200).await;
    json_ok(vote(&a, &f.participant).await, 200).await;
    json_ok(vote(&a, &f.bob.token).await, 200).await;
    json_ok(vote(&b2, &f.bob.token).await, 200).await;
    let last = json_ok(vote(&c, &f.alice.token).await, 200).await;
    // Each one sees their own dots, never the counts (facilitators neither).
    assert_eq!((mine["my_votes"].as_i64(), mine.get("votes")), (Some(1), None));
    assert!(!has_vote_counts(&last), "{last}");
    for token in [&f.alice.token, &f.carol.token, &f.bob.token, &f.participant] {
        let seen = json_ok(app.get(&board, Some(token)).await, 200).await;
        assert!(!has_vote_counts(&seen["cards"]), "hidden counts leaked in the board: {seen}");
        let card = json_ok(app.get(&format!("/api/v1/cards/{a}"), Some(token)).await, 200).await;
        assert!(!has_vote_counts(&card), "{card}");
    }
    let participant_view = json_ok(app.get(&board, Some(&f.participant)).await, 200).await;
    let pa = participant_view["cards"].as_array().unwrap().iter().find(|x| x["id"] == a.as_str()).unwrap().clone();
    assert_eq!((pa["my_votes"].as_i64(), participant_view["board"]["you"]["votes_left"].as_i64()), (Some(2), Some(1)));
    let export = json_ok(app.get(&format!("{board}/export"), Some(&f.alice.token)).await, 200).await;
    assert!(!has_vote_counts(&export), "{export}");
    let csv = app.get(&format!("{board}/export?format=csv"), Some(&f.alice.token)).await.text().await.unwrap();
    assert!(csv.lines().skip(1).all(|l| l.split(',').nth(8) == Some("\"\"")), "no count in the CSV: {csv}");
    assert_error(app.get(&format!("{board}/results"), Some(&f.alice.token)).await, 409, "results_not_revealed").await;
    assert_error(app.get(&format!("{board}/results"), Some(&f.participant)).await, 409, "results_not_revealed").await;
    // Nor on the socket: every frame the facilitator's and a member's sockets got.
    carol.drain(Duration::from_millis(500)).await;
    bob.drain(Duration::from_millis(300)).await;
    let cards = carol.log.iter().filter(|m| m["type"] == "card").count();
    assert!(cards >= 5, "the votes went out as card events ({cards})");
    assert!(!carol.log.iter().any(has_vote_counts) && !bob.log.iter().any(has_vote_counts), "hidden counts leaked on the socket");

    // Revealed: counts for everyone, at once (a resync), and the ranked results.
    json_ok(req(&app, "PATCH", &board, Some(&f.alice.token), Some(json!({ "votes_hidden": false }))).await, 200).await;
    assert!(bob.until(WAIT, |m| m["type"] == "resync").await.is_some(), "open screens reload with the counts");
    let seen = json_ok(app.get(&board, Some(&f.participant)).await, 200).await;
    let count = |id: &str| seen["cards"].as_array().unwrap().iter().find(|x| x["id"] == id).unwrap()["votes"].as_i64();
    assert_eq!((count(&a), count(&b2), count(&c)), (Some(3), Some(1), Some(1)));
    let r = json_ok(app.get(&format!("{board}/results"), Some(&f.participant)).await, 200).await;
    let ranked: Vec<(i64, &str, i64)> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["rank"].as_i64().unwrap(), x["text"].as_str().unwrap(), x["votes"].as_i64().unwrap()))
        .collect();
    assert_eq!(ranked[0], (1, "Shorter stand-ups", 3));
    assert_eq!((ranked[1].0, ranked[1].2, ranked[2].0, ranked[2].2), (2, 1, 2, 1), "equal counts share a rank: {ranked:?}");
    assert_error(app.get(&format!("{board}/results"), Some(&f.dave.token)).await, 404, "not_found").await;
});
