//! The board socket's own messages through a real server (docs/protocol.md): `ping`/`pong`,
//! `patch` answered by `ack` and a `card` event that carries only what the change touched,
//! `error` frames naming the `req` they answer, and the close after a board is deleted. Every
//! frame here is checked against docs/protocol.schema.json by the test kit's client (issue
//! 12, acceptance 4). Both backends.

use std::time::Duration;

use super::*;
use crate::boards::{add_text, fixture, json_ok, req};
use clearboard_testkit::ws;

const WAIT: Duration = Duration::from_secs(5);

both!(boards_socket_patches_acks_errors_and_close, |b| async move {
    // A positive control: the validator the client uses refuses what is not a frame.
    assert!(!ws::violations(&json!({ "type": "card", "seq": 1 }), true).is_empty());
    assert!(!ws::violations(&json!({ "type": "pong" }), false).is_empty(), "pong is the server's");
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let card = add_text(&app, &f.board, &f.bob.token, "Move me").await;
    let id = card["id"].as_str().unwrap().to_string();
    json_ok(req(&app, "PUT", &format!("/api/v1/cards/{id}/like"), Some(&f.carol.token), None).await, 200).await;
    let mut bob = ws::connect(&app.base, &f.board, &f.bob.token, None, None).await.unwrap();
    let mut carol = ws::connect(&app.base, &f.board, &f.carol.token, None, None).await.unwrap();
    assert_eq!(bob.next(WAIT).await.unwrap()["type"], "hello");
    assert_eq!(carol.next(WAIT).await.unwrap()["type"], "hello");
    assert_eq!(carol.cards[&id]["likes"], 1);

    bob.send_text(r#"{"type":"ping"}"#).await;
    assert!(bob.until(WAIT, |m| m["type"] == "pong").await.is_some());

    // A move over the socket: acked with the new version; everyone gets the card event, which
    // leaves out the tallies it did not read, and keeps what they had.
    bob.send_text(&json!({ "type": "patch", "req": 7, "card": id, "patch": { "x": 420, "y": 90 } }).to_string()).await;
    let ack = bob.until(WAIT, |m| m["type"] == "ack").await.unwrap();
    assert_eq!((ack["req"].as_i64(), ack["version"].as_i64()), (Some(7), Some(2)));
    let ev = carol.until(WAIT, |m| m["type"] == "card").await.unwrap();
    assert_eq!((ev["card"]["x"].as_i64(), ev["card"].get("likes"), ev["you"].get("liked")), (Some(420), None, None));
    assert_eq!((carol.cards[&id]["x"].as_i64(), carol.cards[&id]["likes"].as_i64()), (Some(420), Some(1)), "merged, not replaced");

    // Errors name the req of the frame they answer, with the catalogue's code.
    bob.send_text(&json!({ "type": "patch", "req": 8, "card": id, "patch": { "color": "red" } }).to_string()).await;
    let e = bob.until(WAIT, |m| m["type"] == "error").await.unwrap();
    assert_eq!((e["req"].as_i64(), e["error"]["code"].as_str()), (Some(8), Some("validation_failed")));
    let ghost = "0192f0c4-7a3b-7c1e-9a2b-1234567890ab";
    bob.send_text(&json!({ "type": "patch", "req": 9, "card": ghost, "patch": { "x": 1 } }).to_string()).await;
    let e = bob.until(WAIT, |m| m["type"] == "error").await.unwrap();
    assert_eq!((e["req"].as_i64(), e["error"]["code"].as_str()), (Some(9), Some("not_found")));
    bob.send_invalid(r#"{"type":"shout","req":10}"#).await;
    let e = bob.until(WAIT, |m| m["type"] == "error").await.unwrap();
    assert_eq!((e["req"].as_i64(), e["error"]["code"].as_str()), (Some(10), Some("invalid_body")));
    bob.send_invalid("not json").await;
    let e = bob.until(WAIT, |m| m["type"] == "error").await.unwrap();
    assert!(e.get("req").is_none() && e["error"]["code"] == "invalid_body");

    // The board is deleted: open sockets are told to reload, then closed (1000, `resync`).
    json_ok(req(&app, "DELETE", &format!("/api/v1/boards/{}", f.board), Some(&f.alice.token), None).await, 204).await;
    assert!(carol.until(WAIT, |m| m["type"] == "resync").await.is_some());
    carol.drain(Duration::from_millis(500)).await;
    assert_eq!((carol.close_code, carol.close_reason.as_deref()), (Some(1000), Some("resync")));
});
