//! The board as a workshop tool (issue 14, part A): boards made from templates with zones and
//! categories in the board's language, zones that only facilitators change (and everyone
//! sees change), zones in the board's exports and in the person's export (data.json under
//! its published schema), and the board drawn as PNG and PDF with its zones and cards, where
//! hidden votes and anonymous authors never show. Both backends.

use std::time::Duration;

use super::boards::{fixture, json_ok, req};
use super::rights::{export_ready, unzip};
use super::*;
use clearboard_testkit::ws;

const WAIT: Duration = Duration::from_secs(5);

async fn new_board(app: &TestApp, token: &str, body: Value) -> Value {
    json_ok(app.post_json("/api/v1/boards", &body, Some(token)).await, 201).await
}

async fn card_at(app: &TestApp, board: &str, token: &str, text: &str, x: i64, y: i64) -> String {
    let body = json!({ "kind": "text", "text": text, "x": x, "y": y });
    let c = json_ok(app.post_json(&format!("/api/v1/boards/{board}/cards"), &body, Some(token)).await, 201).await;
    c["id"].as_str().unwrap().to_string()
}

fn titles(board: &Value) -> Vec<String> {
    board["zones"].as_array().unwrap().iter().map(|z| z["title"].as_str().unwrap().to_string()).collect()
}

/// The text of a PDF as poppler's `pdftotext` reads it (a reader that is not ours).
pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("board.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils) is needed to read the PDF export: apt-get install poppler-utils");
    assert!(out.status.success(), "pdftotext could not open the PDF: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The size of a PNG, decoded in full.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "the PNG signature");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes.to_vec())).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height)
}

both!(workshop_templates_make_zones_that_only_facilitators_change, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    // The catalogue, in the request's language.
    let res =
        app.http().get(app.url("/api/v1/board-templates")).bearer_auth(&f.bob.token).header("accept-language", "fr").send().await.unwrap();
    let list = json_ok(res, 200).await;
    let ids: Vec<&str> = list["templates"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["retrospective", "swot", "brainstorm", "lean_coffee"]);
    assert_eq!(list["templates"][3]["zones"], json!(["À discuter", "En discussion", "Discuté"]));

    // A board made from a template has its zones and categories, in the language asked for.
    let retro =
        new_board(&app, &f.alice.token, json!({ "title": "Sprint 12", "org_id": f.org, "template": "retrospective", "lang": "fr" })).await;
    assert_eq!(titles(&retro), ["Ce qui a bien marché", "À améliorer", "Actions"]);
    let legend: Vec<&str> = retro["legend"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(legend, ["Bravo", "Problème", "Idée"]);
    let swot = new_board(&app, &f.alice.token, json!({ "title": "Market", "org_id": f.org, "template": "swot" })).await;
    assert_eq!(titles(&swot), ["Strengths", "Weaknesses", "Opportunities", "Threats"], "English by default");
    let blank = new_board(&app, &f.alice.token, json!({ "title": "Blank", "org_id": f.org })).await;
    assert_eq!(blank["zones"], json!([]));
    let bad = app.post_json("/api/v1/boards", &json!({ "title": "X", "template": "kanban" }), Some(&f.alice.token)).await;
    assert_error(bad, 422, "validation_failed").await;
    // A language outside the schema's enum is refused, with a template or without (the API fuzz
    // found the board made without one).
    for body in [json!({ "title": "X", "template": null, "lang": "xx" }), json!({ "title": "X", "template": "swot", "lang": "de" })] {
        let bad = app.post_json("/api/v1/boards", &body, Some(&f.alice.token)).await;
        assert_error(bad, 422, "validation_failed").await;
    }

    // Members see the zones; only facilitators rename, move, add or remove them.
    let id = retro["id"].as_str().unwrap().to_string();
    let zone = format!("/api/v1/boards/{id}/zones/went_well");
    let seen = json_ok(app.get(&format!("/api/v1/boards/{id}"), Some(&f.bob.token)).await, 200).await;
    assert_eq!(titles(&seen["board"]).len(), 3);
    assert_error(req(&app, "PATCH", &zone, Some(&f.bob.token), Some(json!({ "title": "Mine" }))).await, 403, "forbidden").await;
    assert_error(req(&app, "DELETE", &zone, Some(&f.bob.token), None).await, 403, "forbidden").await;
    let add = json!({ "title": "Parking", "x": 0, "y": 1000, "w": 400, "h": 300 });
    assert_error(req(&app, "POST", &format!("/api/v1/boards/{id}/zones"), Some(&f.bob.token), Some(add.clone())).await, 403, "forbidden")
        .await;
    // A participant of another board does not even find this one.
    assert_error(req(&app, "PATCH", &zone, Some(&f.participant), Some(json!({ "x": 5 }))).await, 404, "not_found").await;

    let mut bob = ws::connect(&app.base, &id, &f.bob.token, None, None).await.unwrap();
    assert_eq!(bob.next(WAIT).await.unwrap()["type"], "hello");
    let v = json_ok(req(&app, "PATCH", &zone, Some(&f.alice.token), Some(json!({ "title": "Bien", "x": 10, "y": -20 }))).await, 200).await;
    assert_eq!(
        (v["zones"][0]["title"].as_str(), v["zones"][0]["x"].as_i64(), v["zones"][0]["y"].as_i64()),
        (Some("Bien"), Some(10), Some(-20))
    );
    let ev = bob.until(WAIT, |m| m["type"] == "board").await.expect("a board event with the zones");
    assert_eq!(ev["board"]["zones"][0]["title"], "Bien", "everyone sees the change");
    assert_error(req(&app, "PATCH", &zone, Some(&f.alice.token), Some(json!({ "w": 10 }))).await, 422, "validation_failed").await;
    assert_error(req(&app, "PATCH", &zone, Some(&f.alice.token), Some(json!({ "title": "  " }))).await, 422, "validation_failed").await;
    let missing = format!("/api/v1/boards/{id}/zones/nowhere");
    assert_error(req(&app, "PATCH", &missing, Some(&f.alice.token), Some(json!({ "x": 1 }))).await, 404, "not_found").await;
    let v = json_ok(req(&app, "POST", &format!("/api/v1/boards/{id}/zones"), Some(&f.alice.token), Some(add)).await, 201).await;
    assert_eq!(titles(&v), ["Bien", "À améliorer", "Actions", "Parking"]);
    let parking = v["zones"][3]["id"].as_str().unwrap().to_string();
    let v = json_ok(req(&app, "DELETE", &format!("/api/v1/boards/{id}/zones/{parking}"), Some(&f.alice.token), None).await, 200).await;
    assert_eq!(titles(&v).len(), 3);

    // A card belongs to the zone it was put in: the board's JSON export says which.
    card_at(&app, &id, &f.bob.token, "Flaky CI", 500, 100).await;
    card_at(&app, &id, &f.bob.token, "Nowhere", 3000, 3000).await;
    let export = json_ok(app.get(&format!("/api/v1/boards/{id}/export?format=json"), Some(&f.alice.token)).await, 200).await;
    assert_eq!(export["board"]["zones"].as_array().unwrap().len(), 3);
    let zone_of = |text: &str| export["cards"].as_array().unwrap().iter().find(|c| c["text"] == text).unwrap()["zone"].clone();
    assert_eq!((zone_of("Flaky CI"), zone_of("Nowhere")), (json!("to_improve"), Value::Null));

    // The zones go with the board.
    assert_eq!(req(&app, "DELETE", &format!("/api/v1/boards/{id}"), Some(&f.alice.token), None).await.status(), 204);
    assert_error(req(&app, "PATCH", &zone, Some(&f.alice.token), Some(json!({ "x": 1 }))).await, 404, "not_found").await;
});

// C-DSR-3: zones are board content; a member's export names them with the board.
both!(workshop_zones_are_in_the_members_export_under_its_schema, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let board = new_board(&app, &f.alice.token, json!({ "title": "Lean", "org_id": f.org, "template": "lean_coffee" })).await;
    let id = board["id"].as_str().unwrap().to_string();
    card_at(&app, &id, &f.bob.token, "Topic one", 20, 100).await;
    let s = export_ready(&app, &f.bob.token).await;
    let files = unzip(&app.get(s["download_url"].as_str().unwrap(), Some(&f.bob.token)).await.bytes().await.unwrap());
    let data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    let entry = data["boards"].as_array().unwrap().iter().find(|b| b["id"] == id.as_str()).expect("the board is listed").clone();
    assert_eq!(titles(&entry), ["To discuss", "Discussing", "Discussed"]);
    let schema: Value = serde_json::from_slice(&files["export-schema.json"]).unwrap();
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&data).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "data.json does not follow its schema: {errors:?}");
});

both!(workshop_board_drawn_as_png_and_pdf_without_hidden_votes_or_anonymous_authors, |b| async move {
    let app = spawn_app(b).await;
    let f = fixture(&app).await;
    let board =
        new_board(&app, &f.alice.token, json!({ "title": "Sprint review", "org_id": f.org, "template": "retrospective", "lang": "en" }))
            .await;
    let id = board["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/boards/{id}");
    let flaky = card_at(&app, &id, &f.bob.token, "Flaky CI", 500, 100).await;
    card_at(&app, &id, &f.bob.token, "Pairing worked", 20, 100).await;
    card_at(&app, &id, &f.alice.token, "Fix the pipeline", 980, 100).await;
    // A vote whose counts are hidden.
    json_ok(req(&app, "PATCH", &base, Some(&f.alice.token), Some(json!({ "votes_hidden": true }))).await, 200).await;
    for _ in 0..3 {
        json_ok(req(&app, "POST", &format!("/api/v1/cards/{flaky}/votes"), Some(&f.bob.token), None).await, 200).await;
    }

    // The same rules as the JSON and CSV exports: facilitators only.
    for path in [format!("{base}/export.png"), format!("{base}/export.pdf")] {
        assert_error(app.get(&path, Some(&f.bob.token)).await, 403, "forbidden").await;
        assert_error(app.get(&path, Some(&f.participant)).await, 404, "not_found").await;
        assert_error(app.get(&path, None).await, 401, "unauthenticated").await;
    }

    // The PNG: a real image of the zones' extent (1420 × 900 board pixels), with the margin
    // and the title band.
    let res = app.get(&format!("{base}/export.png"), Some(&f.alice.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(png_size(&res.bytes().await.unwrap()), (1420 + 2 * 40, 900 + 2 * 40 + 48));

    // The PDF opens in poppler and holds the zones' titles, the cards' texts and their
    // authors; no vote count while the vote is hidden.
    let res = app.get(&format!("{base}/export.pdf"), Some(&f.alice.token)).await;
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap()), (200, "application/pdf"));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&bytes);
    let bob_shown = format!("{} {}.", f.bob.first_name, f.bob.last_name.chars().next().unwrap());
    for t in ["Sprint review", "Went well", "To improve", "Actions", "Flaky CI", "Pairing worked", "Fix the pipeline", bob_shown.as_str()] {
        assert!(text.contains(t), "{t:?} missing from the PDF: {text}");
    }
    assert!(!text.contains("votes"), "a hidden vote's counts leaked into the PDF: {text}");

    // Revealed: the counts are drawn.
    json_ok(req(&app, "PATCH", &base, Some(&f.alice.token), Some(json!({ "votes_hidden": false }))).await, 200).await;
    let text = pdf_text(&app.get(&format!("{base}/export.pdf"), Some(&f.alice.token)).await.bytes().await.unwrap());
    assert!(text.contains("3 votes"), "{text}");

    // Anonymous: no author is drawn; and in French, the labels are French.
    json_ok(req(&app, "PATCH", &base, Some(&f.alice.token), Some(json!({ "anonymous": true }))).await, 200).await;
    let text = pdf_text(&app.get(&format!("{base}/export.pdf?lang=fr"), Some(&f.alice.token)).await.bytes().await.unwrap());
    assert!(text.contains("Flaky CI") && text.contains("3 votes"), "{text}");
    assert!(!text.contains(&f.bob.first_name) && !text.contains(&f.alice.first_name), "an author on an anonymous board: {text}");
    let png = app.get(&format!("{base}/export.png"), Some(&f.alice.token)).await.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
});
