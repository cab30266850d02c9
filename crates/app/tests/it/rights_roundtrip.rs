//! The portability round trip (C-DSR-1; issue 21): comments and likes come back with the cards,
//! and importing the same export twice does not duplicate its boards. The export's README is in
//! the person's language (C-DSR-3; issue 14).

use super::rights::{export_ready, ok_json, person_with_everything, unzip};
use super::*;

async fn import(app: &TestApp, token: &str, zip: &[u8]) -> Value {
    let res = app
        .http()
        .post(app.url("/api/v1/me/imports"))
        .bearer_auth(token)
        .header("content-type", "application/zip")
        .body(zip.to_vec())
        .send()
        .await
        .unwrap();
    ok_json(res, 201).await
}

async fn boards_seen(app: &TestApp, token: &str) -> (usize, String) {
    let boards = ok_json(app.get("/api/v1/boards", Some(token)).await, 200).await;
    let mut seen = String::new();
    for b in boards["boards"].as_array().unwrap() {
        let v = ok_json(app.get(&format!("/api/v1/boards/{}", b["id"].as_str().unwrap()), Some(token)).await, 200).await;
        seen.push_str(&v.to_string());
    }
    (boards["boards"].as_array().unwrap().len(), seen)
}

// C-DSR-1
both!(c_dsr_1_round_trip_keeps_comments_and_likes_and_importing_twice_duplicates_nothing, |b| async move {
    let app = spawn_app(b).await;
    let (p, _, _) = person_with_everything(&app).await;
    let comment = p.canaries.iter().find(|c| c.starts_with("CnryComment")).unwrap().clone();
    // A like on their own link card (their like on someone else's card has nothing to land on).
    let mine = ok_json(app.get("/api/v1/boards", Some(&p.user.token)).await, 200).await;
    let board = mine["boards"].as_array().unwrap().iter().find(|b| b.to_string().contains(&p.board_title)).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let view = ok_json(app.get(&format!("/api/v1/boards/{board}"), Some(&p.user.token)).await, 200).await;
    let link = view["cards"].as_array().unwrap().iter().find(|c| c["kind"] == "link").unwrap()["id"].as_str().unwrap().to_string();
    let res = app.http().put(app.url(&format!("/api/v1/cards/{link}/like"))).bearer_auth(&p.user.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let s = export_ready(&app, &p.user.token).await;
    let zip_bytes = app.get(s["download_url"].as_str().unwrap(), Some(&p.user.token)).await.bytes().await.unwrap();
    assert_eq!(s["size"].as_u64(), Some(zip_bytes.len() as u64), "the announced size is what is sent");
    // Another clearboard, another person: the boards, cards, the comment and the like.
    let fresh = spawn_app(b).await;
    let them = fresh.new_user().await;
    let v = import(&fresh, &them.token, &zip_bytes).await;
    assert_eq!((v["boards"].as_u64(), v["cards"].as_u64()), (Some(2), Some(3)));
    let (n, seen) = boards_seen(&fresh, &them.token).await;
    assert!(seen.contains(&comment), "the comment came back");
    assert!(seen.contains("\"liked\":true"), "the like came back");
    // The same export again: nothing new.
    let again = import(&fresh, &them.token, &zip_bytes).await;
    assert_eq!((again["boards"].as_u64(), again["cards"].as_u64()), (Some(0), Some(0)));
    let (n2, seen2) = boards_seen(&fresh, &them.token).await;
    assert_eq!((n2, seen2.matches(&comment).count()), (n, 1), "no board, card or comment twice");
});

// C-DSR-3
both!(c_dsr_3_the_readme_is_in_the_persons_language, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let res = app.http().patch(app.url("/api/v1/me")).bearer_auth(&u.token).json(&json!({ "locale": "fr" })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let s = export_ready(&app, &u.token).await;
    let bytes = app.get(s["download_url"].as_str().unwrap(), Some(&u.token)).await.bytes().await.unwrap();
    let readme = String::from_utf8(unzip(&bytes)["README.txt"].clone()).unwrap();
    for needle in ["Vos données", "Finalité", "Conservation", "Vos droits", "autorité de contrôle", "portabilité"] {
        assert!(readme.contains(needle), "README lacks {needle}: {readme}");
    }
    assert!(!readme.contains("Your rights"));
});
