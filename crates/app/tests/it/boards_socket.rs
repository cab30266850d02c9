//! The board socket's own messages through a real server (docs/protocol.md): `ping`/`pong`,
//! `patch` answered by `ack` and a `card` event that carries only what the change touched,
//! `error` frames naming the `req` they answer, and the close after a board is deleted. Every
//! frame here is checked against docs/protocol.schema.json by the test kit's client (issue
//! 12, acceptance 4). Both backends.

use std::time::Duration;

use super::*;
use crate::boards::{add_text, fixture, json_ok, long_text, req};
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

// The `pointer` messages of issue 14 (live dragging and cursors) through a real server: a
// drag reaches the others with the name the board shows (a member's display name, a
// participant's pseudonym) and never the sender; nothing is stored (the card's position and
// version, the board's sequence number stay as they were); a drag of a card the sender may not
// move goes without the drag; beyond 20 a second per person frames are dropped, not queued,
// and the socket stays open; on an anonymous board a pointer carries no name at all.
both!(boards_socket_pointers_are_live_limited_and_not_stored, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let card = add_text(&app, &f.board, &f.bob.token, "Drag me").await;
    let id = card["id"].as_str().unwrap().to_string();
    let before = json_ok(req(&app, "GET", &format!("/api/v1/cards/{id}"), Some(&f.bob.token), None).await, 200).await;
    let mut bob = ws::connect(&app.base, &f.board, &f.bob.token, None, None).await.unwrap();
    let mut carol = ws::connect(&app.base, &f.board, &f.carol.token, None, None).await.unwrap();
    let mut part = ws::connect(&app.base, &f.board, &f.participant, None, None).await.unwrap();
    for c in [&mut bob, &mut carol, &mut part] {
        assert_eq!(c.next(WAIT).await.unwrap()["type"], "hello");
    }
    let seq_before = carol.seq;
    assert!(seq_before > 0);
    let bob_name = format!("{} {}.", f.bob.first_name, f.bob.last_name.chars().next().unwrap());

    // Bob drags his card: the others see it where it is now, under Bob's display name.
    bob.send_text(&json!({ "type": "pointer", "x": 510, "y": 620, "drag": { "card": id, "x": 480, "y": 600 } }).to_string()).await;
    let p = carol.until(WAIT, |m| m["type"] == "pointer").await.expect("carol sees bob's drag");
    assert_eq!((p["name"].as_str(), p["x"].as_i64(), p["y"].as_i64()), (Some(bob_name.as_str()), Some(510), Some(620)));
    assert_eq!(p["drag"], json!({ "card": id, "x": 480, "y": 600 }));
    let bob_from = p["from"].as_u64().unwrap();
    let q = part.until(WAIT, |m| m["type"] == "pointer").await.expect("the participant sees it too");
    assert_eq!((q["from"].as_u64(), q["drag"]["x"].as_i64()), (Some(bob_from), Some(480)));

    // The participant's pointer carries their pseudonym; their drag of Bob's card (not theirs
    // to move) is passed on without the drag.
    part.send_text(&json!({ "type": "pointer", "x": 5, "y": 6, "drag": { "card": id, "x": 900, "y": 900 } }).to_string()).await;
    let p = carol.until(WAIT, |m| m["type"] == "pointer" && m["from"].as_u64() != Some(bob_from)).await.unwrap();
    assert_eq!((p["name"].as_str(), p["x"].as_i64(), p.get("drag")), (Some(f.pseudonym.as_str()), Some(5), None));

    // The drag ends: a pointer without a drag.
    bob.send_text(&json!({ "type": "pointer", "x": 511, "y": 621 }).to_string()).await;
    let p = carol.until(WAIT, |m| m["type"] == "pointer" && m["from"].as_u64() == Some(bob_from)).await.unwrap();
    assert!(p.get("drag").is_none());

    // Nothing was stored, and the sender never gets their own pointer.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = json_ok(req(&app, "GET", &format!("/api/v1/cards/{id}"), Some(&f.bob.token), None).await, 200).await;
    assert_eq!(
        (after["x"].clone(), after["y"].clone(), after["version"].clone()),
        (before["x"].clone(), before["y"].clone(), before["version"].clone())
    );
    let mut alice = ws::connect(&app.base, &f.board, &f.alice.token, None, None).await.unwrap();
    let hello = alice.next(WAIT).await.unwrap();
    assert_eq!((hello["type"].as_str(), hello["seq"].as_i64()), (Some("hello"), Some(seq_before)), "no sequence number taken");
    alice.close().await;
    bob.drain(Duration::from_millis(300)).await;
    assert!(!bob.log.iter().any(|m| m["type"] == "pointer" && m["from"].as_u64() == Some(bob_from)), "no echo: {:?}", bob.log);
    assert!(bob.log.iter().any(|m| m["type"] == "pointer" && m["name"] == f.pseudonym.as_str()), "but the others' pointers");
    let seen = carol.log.len();
    carol.drain(Duration::from_millis(300)).await;
    assert!(!carol.log[seen..].iter().any(|m| m["type"] == "pointer"), "nothing else was passed on");

    // 40 frames at once (within the socket's budget of 60): at most the burst of 5 (and what
    // the few milliseconds of sending refill) get through; the socket stays open.
    let start = tokio::time::Instant::now();
    for i in 0..40 {
        bob.send_text(&json!({ "type": "pointer", "x": i, "y": i }).to_string()).await;
    }
    let sent_in = start.elapsed();
    carol.drain(Duration::from_millis(500)).await;
    let burst = carol.log.iter().filter(|m| m["type"] == "pointer" && m["x"].as_i64().is_some_and(|x| x < 40) && m["y"] == m["x"]).count();
    let most = 5 + (sent_in.as_secs_f64() * 20.0).ceil() as usize;
    assert!((1..=most).contains(&burst), "{burst} of 40 passed on in {sent_in:?} (at most {most})");
    eprintln!("pointer rate limit: {burst} of 40 frames sent at once passed on (sent in {sent_in:?})");
    bob.send_text(r#"{"type":"ping"}"#).await;
    assert!(bob.until(WAIT, |m| m["type"] == "pong").await.is_some(), "still open");
    assert!(bob.close_code.is_none());

    // At 20 a second (one every 50 ms, as the page sends) nothing is dropped.
    tokio::time::sleep(Duration::from_millis(300)).await;
    carol.log.clear();
    for i in 0..20 {
        bob.send_text(&json!({ "type": "pointer", "x": 1000 + i, "y": 0 }).to_string()).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    carol.drain(Duration::from_millis(500)).await;
    let steady = carol.log.iter().filter(|m| m["type"] == "pointer" && m["x"].as_i64().is_some_and(|x| x >= 1000)).count();
    assert_eq!(steady, 20, "at 20 Hz every frame is passed on");

    // An anonymous board: pointers carry no name at all (a fresh connection after the switch).
    json_ok(
        req(&app, "PATCH", &format!("/api/v1/boards/{}", f.board), Some(&f.alice.token), Some(json!({ "anonymous": true }))).await,
        200,
    )
    .await;
    for c in [bob, carol, part] {
        c.close().await;
    }
    let mut bob = ws::connect(&app.base, &f.board, &f.bob.token, None, None).await.unwrap();
    let mut part = ws::connect(&app.base, &f.board, &f.participant, None, None).await.unwrap();
    let mut carol = ws::connect(&app.base, &f.board, &f.carol.token, None, None).await.unwrap();
    for c in [&mut bob, &mut carol, &mut part] {
        let hello = c.next(WAIT).await.unwrap();
        let text = hello.to_string();
        assert!(!text.contains(&f.pseudonym) && !text.contains(&bob_name), "no name in the snapshot's presence: {}", hello["present"]);
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    bob.send_text(&json!({ "type": "pointer", "x": 1, "y": 2, "drag": { "card": id, "x": 3, "y": 4 } }).to_string()).await;
    part.send_text(&json!({ "type": "pointer", "x": 7, "y": 8 }).to_string()).await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let p = carol.until(WAIT, |m| m["type"] == "pointer").await.expect("both pointers reach carol");
        seen.push(p);
    }
    for p in &seen {
        assert!(p.get("name").is_none(), "no name on an anonymous board: {p}");
        let text = p.to_string();
        assert!(!text.contains(&f.pseudonym) && !text.contains(&f.bob.first_name) && !text.contains(&f.bob.id), "{text}");
    }
    assert!(seen.iter().any(|p| p["drag"]["card"] == id), "the drag itself still shows: {seen:?}");
    for c in [bob, carol, part] {
        c.close().await;
    }
    clearboard_testkit::logs::assert_clean(&[f.pseudonym.clone(), f.bob.first_name.clone()]);
});

/// Reads one WebSocket frame a server sent (unmasked, RFC 6455 §5.2): whether it is the last
/// of its message, its opcode and its payload.
async fn read_frame(s: &mut tokio::net::TcpStream) -> (bool, u8, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    let mut head = [0u8; 2];
    s.read_exact(&mut head).await.unwrap();
    assert_eq!(head[1] & 0x80, 0, "a server's frames are not masked");
    let len = match head[1] & 0x7f {
        126 => u64::from(s.read_u16().await.unwrap()),
        127 => s.read_u64().await.unwrap(),
        n => u64::from(n),
    };
    let mut payload = vec![0u8; usize::try_from(len).unwrap()];
    s.read_exact(&mut payload).await.unwrap();
    (head[0] & 0x80 != 0, head[0] & 0x0f, payload)
}

// A snapshot longer than a fragment goes out as one message in fragments (a text frame, then
// continuations, FIN on the last only), none longer than `FRAGMENT`, so a socket never holds
// a buffer the size of its board (issue 21); a WebSocket client gets the one `hello` whole.
both!(boards_socket_sends_a_long_snapshot_in_fragments, |b| async move {
    use clearboard_web::boards::upgrade::FRAGMENT;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let n = 40;
    for i in 0..n {
        add_text(&app, &f.board, &f.bob.token, &long_text(i)).await;
    }
    let addr = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "GET /api/v1/boards/{}/ws HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer {}\r\n\r\n",
        f.board, f.bob.token
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    while !answer.ends_with(b"\r\n\r\n") {
        answer.push(s.read_u8().await.unwrap());
    }
    let answer = String::from_utf8(answer).unwrap().to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 101"), "{answer}");
    // RFC 6455 §1.3's own example key and answer.
    assert!(answer.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="), "{answer}");
    let mut frames = vec![read_frame(&mut s).await];
    while !frames.last().unwrap().0 {
        frames.push(read_frame(&mut s).await);
    }
    assert!(frames.len() >= 3, "{} frames", frames.len());
    assert_eq!(frames[0].1, 1, "the first frame is text");
    assert!(frames[1..].iter().all(|(_, op, _)| *op == 0), "the others continue it");
    assert!(frames.iter().all(|(_, _, p)| p.len() <= FRAGMENT));
    let whole: Vec<u8> = frames.iter().flat_map(|(_, _, p)| p.iter().copied()).collect();
    let hello: Value = serde_json::from_slice(&whole).unwrap();
    ws::assert_frame(&hello, true);
    assert_eq!((hello["type"].as_str(), hello["cards"].as_array().map(Vec::len)), (Some("hello"), Some(n)));
    drop(s);

    let mut c = ws::connect(&app.base, &f.board, &f.carol.token, None, None).await.unwrap();
    let hello = c.next(WAIT).await.unwrap();
    assert_eq!((hello["type"].as_str(), c.cards.len()), (Some("hello"), n));
    assert!(hello.to_string().len() > 2 * FRAGMENT);
    c.close().await;
});
