//! Erasure receipts that count what was erased (issue 13): every record a person's erasure
//! removes is counted under its category, including what was in the personal workspace that
//! went with them. Both backends.

use super::*;
use crate::boards::{add_text, json_ok};

// C-RET-2, C-DSR-4
both!(receipt_counts_every_card_comment_and_like_including_the_personal_workspace, |b| async move {
    let app = spawn_app(b).await;
    let me = app.new_user().await;
    let friend = app.new_user().await;
    // A personal board with many cards and comments; a shared organisation with one more card.
    let mine = json_ok(app.post_json("/api/v1/boards", &json!({ "title": "Mine" }), Some(&me.token)).await, 201).await;
    let mine = mine["id"].as_str().unwrap().to_string();
    const N: u64 = 25;
    let mut first = String::new();
    for i in 0..N {
        let c = add_text(&app, &mine, &me.token, &format!("idea {i}")).await;
        if i == 0 {
            first = c["id"].as_str().unwrap().to_string();
        }
    }
    for i in 0..3 {
        json_ok(
            app.post_json(&format!("/api/v1/cards/{first}/comments"), &json!({ "text": format!("note {i}") }), Some(&me.token)).await,
            201,
        )
        .await;
    }
    json_ok(app.http().put(app.url(&format!("/api/v1/cards/{first}/like"))).bearer_auth(&me.token).send().await.unwrap(), 200).await;
    let org = json_ok(app.post_json("/api/v1/orgs", &json!({ "name": "Shared team" }), Some(&friend.token)).await, 201).await;
    let org = org["id"].as_str().unwrap().to_string();
    crate::boards::invite_into(&app, &friend, &org, &me, "member").await;
    let shared =
        json_ok(app.post_json("/api/v1/boards", &json!({ "title": "Shared", "org_id": org }), Some(&friend.token)).await, 201).await;
    let shared = shared["id"].as_str().unwrap().to_string();
    add_text(&app, &shared, &me.token, "shared idea").await;
    let kept = add_text(&app, &shared, &friend.token, "friend's idea").await;

    let v = json_ok(
        app.http().delete(app.url("/api/v1/me")).bearer_auth(&me.token).json(&json!({ "password": me.password })).send().await.unwrap(),
        200,
    )
    .await;
    let erased = &v["receipt"]["receipt"]["erased"];
    // Every card they wrote, in their workspace and on the shared board: not `cards: 0`.
    assert_eq!(erased["cards"].as_u64(), Some(N + 1), "receipt: {erased}");
    assert_eq!((erased["comments"].as_u64(), erased["likes"].as_u64()), (Some(3), Some(1)), "receipt: {erased}");
    assert_eq!((erased["organisations_deleted"].as_u64(), erased["boards_deleted"].as_u64()), (Some(1), Some(1)), "receipt: {erased}");
    // The shared organisation and the friend's card stay.
    let after = json_ok(app.get(&format!("/api/v1/boards/{shared}"), Some(&friend.token)).await, 200).await;
    let cards = after["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["id"], kept["id"]);
});
