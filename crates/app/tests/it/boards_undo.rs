//! Undo and redo on a board (issue 14, acceptance 1 in part): per person, server-authoritative,
//! applied as new changes everyone receives, and correct while others edit (the rule in
//! `clearboard_core::boards::undo`). Group moves are one operation. The history is bounded and
//! goes with an erased person. Both backends.

use std::time::Duration;

use super::boards::{add_text, fixture, json_ok, req};
use super::*;
use clearboard_testkit::ws;

const WAIT: Duration = Duration::from_secs(5);

async fn patch(app: &TestApp, token: &str, card: &str, body: Value) -> Value {
    json_ok(req(app, "PATCH", &format!("/api/v1/cards/{card}"), Some(token), Some(body)).await, 200).await
}

async fn card(app: &TestApp, token: &str, card: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/cards/{card}"), Some(token)).await
}

both!(undo_and_redo_stay_correct_while_others_edit, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let (undo, redo) = (format!("/api/v1/boards/{}/undo", f.board), format!("/api/v1/boards/{}/redo", f.board));
    let bob = f.bob.token.as_str();
    let alice = f.alice.token.as_str();
    // Nothing to undo yet: an answer that says so, not an error.
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!((v["action"].clone(), v["undo_left"].clone()), (Value::Null, json!(0)));

    // A move, undone and redone; Alice's socket sees both as ordinary card events.
    let mut watch = ws::connect(&app.base, &f.board, alice, None, None).await.unwrap();
    assert_eq!(watch.next(WAIT).await.unwrap()["type"], "hello");
    let c1 = add_text(&app, &f.board, bob, "First idea").await["id"].as_str().unwrap().to_string();
    patch(&app, bob, &c1, json!({ "x": 300, "y": 320 })).await;
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!(v["action"], "move");
    assert_eq!((v["cards"][0]["x"].as_i64(), v["cards"][0]["y"].as_i64()), (Some(40), Some(40)), "back where it was: {v}");
    let seen = watch.until(WAIT, |m| m["type"] == "card" && m["card"]["id"] == c1.as_str() && m["card"]["x"] == 40).await;
    assert!(seen.is_some(), "the undo is broadcast as a change");
    let v = json_ok(req(&app, "POST", &redo, Some(bob), None).await, 200).await;
    assert_eq!((v["action"].clone(), v["cards"][0]["x"].clone(), v["redo_left"].clone()), (json!("move"), json!(300), json!(0)));
    // Per person: Alice has nothing of Bob's to undo.
    let v = json_ok(req(&app, "POST", &undo, Some(alice), None).await, 200).await;
    assert_eq!(v["action"], Value::Null, "Alice did nothing yet");

    // Alice moves the card after Bob: Bob's undo of his move would clobber hers. Refused with
    // the typed error, nothing changes, and the entry leaves his history.
    patch(&app, alice, &c1, json!({ "x": 500, "y": 520 })).await;
    let e = assert_error(req(&app, "POST", &undo, Some(bob), None).await, 409, "undo_conflict").await;
    assert!(e["error"]["message"].as_str().unwrap().contains("Someone else changed this card"), "{e}");
    let now = json_ok(card(&app, bob, &c1).await, 200).await;
    assert_eq!((now["x"].as_i64(), now["y"].as_i64()), (Some(500), Some(520)), "Alice's move stands");
    // In French too.
    patch(&app, bob, &c1, json!({ "x": 510 })).await;
    patch(&app, alice, &c1, json!({ "x": 520 })).await;
    let fr = app.http().post(app.url(&undo)).bearer_auth(bob).header("accept-language", "fr").send().await.unwrap();
    let e = assert_error(fr, 409, "undo_conflict").await;
    assert!(e["error"]["message"].as_str().unwrap().contains("Quelqu’un d’autre a modifié cette carte"), "{e}");

    // A text edit: Alice rewrites Bob's text after him; his undo is refused, her words stay.
    let c2 = add_text(&app, &f.board, bob, "Draft").await["id"].as_str().unwrap().to_string();
    patch(&app, bob, &c2, json!({ "text": "Better" })).await;
    patch(&app, alice, &c2, json!({ "text": "Alice's words" })).await;
    assert_error(req(&app, "POST", &undo, Some(bob), None).await, 409, "undo_conflict").await;
    assert_eq!(json_ok(card(&app, bob, &c2).await, 200).await["text"], "Alice's words");
    // Without anyone else, an edit is undone and redone.
    let c3 = add_text(&app, &f.board, bob, "Version one").await["id"].as_str().unwrap().to_string();
    patch(&app, bob, &c3, json!({ "text": "Version two" })).await;
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!((v["action"].clone(), v["cards"][0]["text"].clone()), (json!("edit"), json!("Version one")));
    let v = json_ok(req(&app, "POST", &redo, Some(bob), None).await, 200).await;
    assert_eq!(v["cards"][0]["text"], "Version two");

    // A delete, undone: the card is back, same id, text and place; redone: gone again.
    patch(&app, bob, &c3, json!({ "x": 700, "y": 80 })).await;
    json_ok(req(&app, "DELETE", &format!("/api/v1/cards/{c3}"), Some(bob), None).await, 204).await;
    assert_eq!(card(&app, alice, &c3).await.status(), 404);
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!(v["action"], "delete");
    let back = json_ok(card(&app, alice, &c3).await, 200).await;
    assert_eq!((back["text"].clone(), back["x"].clone(), back["y"].clone()), (json!("Version two"), json!(700), json!(80)));
    assert!(watch.until(WAIT, |m| m["type"] == "card" && m["card"]["id"] == c3.as_str() && m["card"]["x"] == 700).await.is_some());
    let v = json_ok(req(&app, "POST", &redo, Some(bob), None).await, 200).await;
    assert_eq!(v["deleted"], json!([c3]));
    assert_eq!(card(&app, alice, &c3).await.status(), 404);
    assert!(watch.until(WAIT, |m| m["type"] == "card_deleted" && m["id"] == c3.as_str()).await.is_some());

    // A group move is one operation; a card Alice moved since is skipped, the others go back.
    let g1 = add_text(&app, &f.board, bob, "Group one").await["id"].as_str().unwrap().to_string();
    let g2 = add_text(&app, &f.board, bob, "Group two").await["id"].as_str().unwrap().to_string();
    let moves = format!("/api/v1/boards/{}/moves", f.board);
    let body = json!({ "moves": [{ "card": g1, "x": 1000, "y": 1000 }, { "card": g2, "x": 1250, "y": 1000 }] });
    let v = json_ok(req(&app, "POST", &moves, Some(bob), Some(body)).await, 200).await;
    assert_eq!(v["cards"].as_array().unwrap().len(), 2);
    // Someone else's card in a group is refused whole (Bob is no facilitator).
    let theirs = add_text(&app, &f.board, alice, "Alice's").await["id"].as_str().unwrap().to_string();
    let bad = json!({ "moves": [{ "card": g1, "x": 0, "y": 0 }, { "card": theirs, "x": 0, "y": 0 }] });
    assert_error(req(&app, "POST", &moves, Some(bob), Some(bad)).await, 403, "forbidden").await;
    assert_eq!(json_ok(card(&app, bob, &g1).await, 200).await["x"], 1000, "nothing moved");
    patch(&app, alice, &g2, json!({ "x": 2000 })).await;
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!((v["action"].clone(), v["skipped"].clone()), (json!("group_move"), json!([g2])), "{v}");
    assert_eq!(v["cards"].as_array().unwrap().len(), 1);
    assert_eq!(json_ok(card(&app, bob, &g2).await, 200).await["x"], 2000, "Alice's move stands");
    let g1_now = json_ok(card(&app, bob, &g1).await, 200).await;
    assert_ne!(g1_now["x"], 1000, "Bob's card went back");
    let v = json_ok(req(&app, "POST", &redo, Some(bob), None).await, 200).await;
    assert_eq!((v["cards"][0]["id"].clone(), v["cards"][0]["x"].clone()), (json!(g1), json!(1000)));

    // A new operation ends what could be redone.
    json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    patch(&app, bob, &g1, json!({ "y": 5 })).await;
    let v = json_ok(req(&app, "POST", &redo, Some(bob), None).await, 200).await;
    assert_eq!(v["action"], Value::Null);

    // The undo of a creation deletes the card while its text is still the author's.
    let c4 = add_text(&app, &f.board, bob, "Oops").await["id"].as_str().unwrap().to_string();
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!((v["action"].clone(), v["deleted"].clone()), (json!("create"), json!([c4])));
    let v = json_ok(req(&app, "POST", &redo, Some(bob), None).await, 200).await;
    assert_eq!(v["cards"][0]["text"], "Oops");
    // A locked board takes no undo either.
    json_ok(req(&app, "PATCH", &format!("/api/v1/boards/{}", f.board), Some(alice), Some(json!({ "locked": true }))).await, 200).await;
    assert!(req(&app, "POST", &undo, Some(bob), None).await.status().is_client_error());
    json_ok(req(&app, "PATCH", &format!("/api/v1/boards/{}", f.board), Some(alice), Some(json!({ "locked": false }))).await, 200).await;
    watch.close().await;
});

both!(undo_history_is_bounded_and_goes_with_an_erased_person, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let undo = format!("/api/v1/boards/{}/undo", f.board);
    let bob = f.bob.token.as_str();
    let c = add_text(&app, &f.board, bob, "Moved a lot").await["id"].as_str().unwrap().to_string();
    for i in 1..=55 {
        patch(&app, bob, &c, json!({ "x": 10 * i })).await;
    }
    // The last 50 operations: 50 undos go back to x = 50, the 51st finds nothing.
    for i in 0..50 {
        let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
        assert_eq!(v["undo_left"], 49 - i);
    }
    assert_eq!(json_ok(card(&app, bob, &c).await, 200).await["x"], 50);
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!((v["action"].clone(), v["redo_left"].clone()), (Value::Null, json!(50)));
    // After the history's lifetime (12 hours), nothing is left to redo (signed in again: the
    // session ended meanwhile).
    app.clock.advance(13 * 3600 * 1000);
    let s = app.post_json("/api/v1/sessions", &json!({ "email": f.bob.email, "password": f.bob.password }), None).await;
    let again = json_ok(s, 201).await["token"].as_str().unwrap().to_string();
    let v = json_ok(req(&app, "POST", &format!("/api/v1/boards/{}/redo", f.board), Some(&again), None).await, 200).await;
    assert_eq!((v["action"].clone(), v["redo_left"].clone()), (Value::Null, json!(0)), "expired");

    // Alice moves a participant's card; the participant leaves (erasure): Alice's entry
    // holding their card is gone with them (nothing to undo, no conflict).
    let s = app.post_json("/api/v1/sessions", &json!({ "email": f.alice.email, "password": f.alice.password }), None).await;
    let alice = json_ok(s, 201).await["token"].as_str().unwrap().to_string();
    let joined = json_ok(app.post_json("/api/v1/join", &json!({ "code": f.code, "pseudonym": "Late Owl" }), None).await, 201).await;
    let participant = joined["token"].as_str().unwrap().to_string();
    let p = add_text(&app, &f.board, &participant, "Participant's idea").await["id"].as_str().unwrap().to_string();
    patch(&app, &alice, &p, json!({ "x": 900 })).await;
    json_ok(req(&app, "DELETE", "/api/v1/participants/me", Some(&participant), None).await, 204).await;
    let v = json_ok(req(&app, "POST", &undo, Some(&alice), None).await, 200).await;
    assert_eq!((v["action"].clone(), v["undo_left"].clone()), (Value::Null, json!(0)), "{v}");
});

/// Likes (PUT), a vote (POST) or a comment (POST with `text`) on a card.
async fn react(app: &TestApp, token: &str, card: &str, what: &str) {
    let (method, path, body, status) = match what {
        "like" => ("PUT", format!("/api/v1/cards/{card}/like"), None, 200),
        "vote" => ("POST", format!("/api/v1/cards/{card}/votes"), None, 200),
        text => ("POST", format!("/api/v1/cards/{card}/comments"), Some(json!({ "text": text })), 201),
    };
    json_ok(req(app, method, &path, Some(token), body).await, status).await;
}

/// A card's comments' texts, sorted (comments made in the same millisecond come in id order).
fn comment_texts(card: &Value) -> Vec<&str> {
    let mut t: Vec<&str> = card["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    t.sort_unstable();
    t
}

both!(undo_of_a_delete_brings_back_likes_votes_and_comments, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let (undo, redo) = (format!("/api/v1/boards/{}/undo", f.board), format!("/api/v1/boards/{}/redo", f.board));
    let (alice, bob, carol) = (f.alice.token.as_str(), f.bob.token.as_str(), f.carol.token.as_str());
    let c = add_text(&app, &f.board, bob, "Keep the retro short").await["id"].as_str().unwrap().to_string();
    // Likes by Alice and Carol, Carol's vote, two comments.
    react(&app, alice, &c, "like").await;
    react(&app, carol, &c, "like").await;
    react(&app, carol, &c, "vote").await;
    react(&app, alice, &c, "Agreed").await;
    react(&app, carol, &c, "With a timer").await;
    let before = json_ok(card(&app, alice, &c).await, 200).await;
    assert_eq!(
        (before["likes"].as_i64(), before["votes"].as_i64(), comment_texts(&before)),
        (Some(2), Some(1), vec!["Agreed", "With a timer"])
    );

    // Bob deletes his card and undoes it: Carol's socket sees the card with its counts, then
    // each comment, as the changes they are.
    let mut watch = ws::connect(&app.base, &f.board, carol, None, None).await.unwrap();
    assert_eq!(watch.next(WAIT).await.unwrap()["type"], "hello");
    json_ok(req(&app, "DELETE", &format!("/api/v1/cards/{c}"), Some(bob), None).await, 204).await;
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!(
        (v["action"].clone(), v["cards"][0]["likes"].clone(), v["cards"][0]["votes"].clone()),
        (json!("delete"), json!(2), json!(1))
    );
    assert_eq!(comment_texts(&v["cards"][0]), vec!["Agreed", "With a timer"]);
    let seen = watch.until(WAIT, |m| m["type"] == "card" && m["card"]["id"] == c.as_str() && m["card"]["likes"] == 2).await.unwrap();
    assert_eq!(
        (seen["card"]["votes"].as_i64(), seen["you"]["liked"].as_bool(), seen["you"]["my_votes"].as_i64()),
        (Some(1), Some(true), Some(1)),
        "{seen}"
    );
    assert!(watch.until(WAIT, |m| m["type"] == "comment" && m["comment"]["text"] == "With a timer").await.is_some());
    // The API shows them back as they were: authors, times, Carol's own like and vote.
    let back = json_ok(card(&app, alice, &c).await, 200).await;
    for k in ["likes", "votes", "comments"] {
        assert_eq!(back[k], before[k], "{k} back as they were");
    }
    let hers = json_ok(card(&app, carol, &c).await, 200).await;
    assert_eq!((hers["liked"].as_bool(), hers["my_votes"].as_i64()), (Some(true), Some(1)));
    // The redo deletes them again, and the next undo brings them back again.
    let v = json_ok(req(&app, "POST", &redo, Some(bob), None).await, 200).await;
    assert_eq!(v["deleted"], json!([c]));
    assert_eq!(card(&app, alice, &c).await.status(), 404);
    assert!(watch.until(WAIT, |m| m["type"] == "card_deleted" && m["id"] == c.as_str()).await.is_some());
    json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    let again = json_ok(card(&app, alice, &c).await, 200).await;
    assert_eq!(
        (again["likes"].clone(), again["votes"].clone(), again["comments"].clone()),
        (before["likes"].clone(), before["votes"].clone(), before["comments"].clone())
    );

    // Votes of a voting session come back while it is open, not once its results are revealed.
    let board = format!("/api/v1/boards/{}", f.board);
    json_ok(req(&app, "PATCH", &board, Some(alice), Some(json!({ "votes_hidden": true }))).await, 200).await;
    let s = add_text(&app, &f.board, bob, "Voted on in secret").await["id"].as_str().unwrap().to_string();
    react(&app, carol, &s, "vote").await;
    react(&app, carol, &s, "like").await;
    json_ok(req(&app, "DELETE", &format!("/api/v1/cards/{s}"), Some(bob), None).await, 204).await;
    json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!(json_ok(card(&app, carol, &s).await, 200).await["my_votes"], 1, "the session is still open: the vote is back");
    json_ok(req(&app, "DELETE", &format!("/api/v1/cards/{s}"), Some(bob), None).await, 204).await;
    json_ok(req(&app, "PATCH", &board, Some(alice), Some(json!({ "votes_hidden": false }))).await, 200).await;
    json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    let revealed = json_ok(card(&app, carol, &s).await, 200).await;
    assert_eq!(
        (revealed["my_votes"].as_i64(), revealed["votes"].as_i64(), revealed["likes"].as_i64()),
        (Some(0), Some(0), Some(1)),
        "the results were revealed since: the vote stays out of them, the like is back"
    );
    watch.close().await;
});

both!(undo_of_a_delete_brings_back_nothing_of_a_person_erased_since, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let undo = format!("/api/v1/boards/{}/undo", f.board);
    let (alice, bob, participant) = (f.alice.token.as_str(), f.bob.token.as_str(), f.participant.as_str());
    let c = add_text(&app, &f.board, bob, "Who said what").await["id"].as_str().unwrap().to_string();
    react(&app, alice, &c, "like").await;
    react(&app, alice, &c, "Mine stays").await;
    react(&app, participant, &c, "like").await;
    react(&app, participant, &c, "vote").await;
    react(&app, participant, &c, "Mine goes").await;
    assert_eq!(json_ok(card(&app, alice, &c).await, 200).await["likes"], 2);
    json_ok(req(&app, "DELETE", &format!("/api/v1/cards/{c}"), Some(bob), None).await, 204).await;
    // The participant leaves (erasure) between the delete and its undo.
    json_ok(req(&app, "DELETE", "/api/v1/participants/me", Some(participant), None).await, 204).await;
    let v = json_ok(req(&app, "POST", &undo, Some(bob), None).await, 200).await;
    assert_eq!(v["action"], "delete", "{v}");
    let back = json_ok(card(&app, alice, &c).await, 200).await;
    assert_eq!((back["likes"].as_i64(), back["votes"].as_i64(), comment_texts(&back)), (Some(1), Some(0), vec!["Mine stays"]));
    assert!(!back.to_string().contains(&f.pseudonym), "nothing of theirs: {back}");
});
