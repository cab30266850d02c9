//! The portability round trip (C-DSR-1; issue 21): comments and likes come back with the cards,
//! boards with their zones (issue 14; a bad zone refuses the archive whole), and importing the
//! same export twice does not duplicate its boards. The export's README is in
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
    // Two zones on their board (issue 14): the import recreates them.
    let zones = [
        json!({ "title": "Went well", "x": 0, "y": 0, "w": 600, "h": 400, "color": "#dff5e1" }),
        json!({ "title": "To improve", "x": 620, "y": -40, "w": 500, "h": 420 }),
    ];
    for z in &zones {
        ok_json(app.post_json(&format!("/api/v1/boards/{board}/zones"), z, Some(&p.user.token)).await, 201).await;
    }
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
    let copies = ok_json(fresh.get("/api/v1/boards", Some(&them.token)).await, 200).await;
    let copy = copies["boards"].as_array().unwrap().iter().find(|b| b["title"] == p.board_title.as_str()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let copy = ok_json(fresh.get(&format!("/api/v1/boards/{copy}"), Some(&them.token)).await, 200).await;
    let back: Vec<Value> = copy["board"]["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| json!({ "title": z["title"], "x": z["x"], "y": z["y"], "w": z["w"], "h": z["h"], "color": z["color"] }))
        .collect();
    let wanted = [zones[0].clone(), json!({ "title": "To improve", "x": 620, "y": -40, "w": 500, "h": 420, "color": "#f1f3f7" })];
    assert_eq!(back, wanted, "the zones came back: {copy}");
    // The same export again: nothing new.
    let again = import(&fresh, &them.token, &zip_bytes).await;
    assert_eq!((again["boards"].as_u64(), again["cards"].as_u64()), (Some(0), Some(0)));
    let (n2, seen2) = boards_seen(&fresh, &them.token).await;
    assert_eq!((n2, seen2.matches(&comment).count()), (n, 1), "no board, card or comment twice");
});

// C-DSR-1: a zone an import would refuse (too small here) refuses the archive whole, naming
// the board and the zone, before anything is created.
both!(c_dsr_1_an_import_with_a_bad_zone_is_refused_whole, |b| async move {
    let app = spawn_app(b).await;
    let (p, _, _) = person_with_everything(&app).await;
    let s = export_ready(&app, &p.user.token).await;
    let zip_bytes = app.get(s["download_url"].as_str().unwrap(), Some(&p.user.token)).await.bytes().await.unwrap();
    let mut files = unzip(&zip_bytes);
    let mut data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    data["boards"][1]["zones"] =
        json!([{ "title": "Fine", "x": 0, "y": 0, "w": 300, "h": 300 }, { "title": "Tiny", "x": 0, "y": 0, "w": 10, "h": 300 }]);
    files.insert("data.json".into(), serde_json::to_vec(&data).unwrap());
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in &files {
        z.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut z, bytes).unwrap();
    }
    let bad = z.finish().unwrap().into_inner();
    let them = app.new_user().await;
    let (n, _) = boards_seen(&app, &them.token).await;
    let refused = |lang: &'static str| {
        let req = app.http().post(app.url("/api/v1/me/imports")).bearer_auth(&them.token).header("content-type", "application/zip");
        let req = req.header("accept-language", lang).body(bad.clone());
        async move { assert_error(req.send().await.unwrap(), 422, "import_invalid").await }
    };
    let e = refused("en").await;
    let why = e.to_string();
    assert!(why.contains("zone 2 of board 2") && why.contains("sizes are between 80 and 20000"), "{e}");
    assert_eq!(boards_seen(&app, &them.token).await.0, n, "nothing was created");
    // In French, the rule reads in French (issue 14: French everywhere), numbers kept.
    let e = refused("fr").await;
    assert_eq!(
        e["error"]["detail"], "la zone 2 du tableau 2 de data.json est refusée : les tailles sont comprises entre 80 et 20000",
        "{e}"
    );
    // The same archive with its zones as exported imports.
    let v = import(&app, &them.token, &zip_bytes).await;
    assert_eq!(v["boards"].as_u64(), Some(2));
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

// C-DSR-1 (issue 21): a media file of several 2 MiB batches, read ahead from disk and opened
// partly on another thread, partly on the download's, sent in whole chunks, comes out of the
// archive byte for byte with the checksum the ZIP announces (the zip crate checks it on reading).
both!(c_dsr_1_a_media_file_of_several_batches_downloads_byte_for_byte, |b| async move {
    let app = spawn_app(b).await;
    let me = app.new_user().await;
    let board = ok_json(app.post_json("/api/v1/boards", &json!({ "title": "Large media" }), Some(&me.token)).await, 201).await;
    let board = board["id"].as_str().unwrap().to_string();
    let image = clearboard_testkit::media::jpeg_of(5 * 1024 * 1024 + 3, 1);
    let form = reqwest::multipart::Form::new()
        .text("kind", "image")
        .part("file", reqwest::multipart::Part::bytes(image.clone()).file_name("large.jpg"));
    let res =
        app.http().post(app.url(&format!("/api/v1/boards/{board}/cards"))).bearer_auth(&me.token).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let s = export_ready(&app, &me.token).await;
    let zip_bytes = app.get(s["download_url"].as_str().unwrap(), Some(&me.token)).await.bytes().await.unwrap();
    assert_eq!(s["size"].as_u64(), Some(zip_bytes.len() as u64), "the announced size is what is sent");
    let files = unzip(&zip_bytes);
    let (name, media) = files.iter().find(|(k, _)| k.starts_with("media/") && !k.contains("profile")).unwrap();
    assert_eq!(media.len(), image.len(), "{name}");
    assert!(*media == image, "{name} is not the uploaded image byte for byte");
});
