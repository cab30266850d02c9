//! A ticket's attachment over HTTP and the signed-in person's tickets in the app (issue 16):
//! the requester downloads it through the private link (token and message in the body) or
//! signed in, nobody else can; staff open it through the gate with a reason, written to the
//! requester's audit trail, and untrained staff are refused (also written); the requester's
//! export carries it next to the ticket, and `/app/support` lists, opens and answers their
//! tickets in English and French.

use super::*;
use base64::Engine;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, date_of};
use clearboard_core::platform::ids::RegionId;
use clearboard_core::platform::media::testset;
use std::time::Duration;

both!(a_tickets_attachment_for_its_requester_staff_with_a_reason_and_the_export, |b| async move {
    let app = spawn_app(b).await;
    let user = app.new_user().await;
    let marker = canary("Gps");
    let body = json!({
        "first_name": user.first_name, "last_name": user.last_name, "email": user.email, "subject": "Screenshot",
        "message": "See the screenshot.", "attachment_base64": base64::engine::general_purpose::STANDARD.encode(testset::forensic_jpeg(&marker))
    });
    assert_eq!(app.post_json("/api/v1/support/requests", &body, Some(&user.token)).await.status(), 202);
    let ack = app.wait_for_mail(&user.email, |m| m.subject.contains("We received"), Duration::from_secs(10)).await.unwrap();
    let token = ack.first_link().unwrap().split_once('#').unwrap().1.to_string();
    let mine: Value = app.get("/api/v1/me/support/tickets", Some(&user.token)).await.json().await.unwrap();
    let id = mine["tickets"][0]["id"].as_str().unwrap().to_string();
    let view: Value = app.get(&format!("/api/v1/me/support/tickets/{id}"), Some(&user.token)).await.json().await.unwrap();
    assert_eq!(view["messages"][0]["attachment_type"], "image/jpeg");
    let message = view["messages"][0]["id"].as_str().unwrap().to_string();

    // Signed in: the cleaned image, as a download; GPS and the other metadata are gone.
    let path = format!("/api/v1/me/support/tickets/{id}/attachments/{message}");
    let res = app.get(&path, Some(&user.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let clear = res.bytes().await.unwrap();
    assert!(clear.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
    for m in ["-exif", "-gps-second", "-xmp", "-com", "-after-eoi"] {
        assert!(!testset::contains(&clear, format!("{marker}{m}").as_bytes()), "{m} survived");
    }
    // Through the private link: the same bytes; the token travels in the body.
    let by_link = app.post_json("/api/v1/support/ticket/attachment", &json!({ "token": token, "message_id": message }), None).await;
    assert_eq!(by_link.status(), 200);
    assert_eq!(by_link.bytes().await.unwrap(), clear);
    assert_error(
        app.post_json("/api/v1/support/ticket/attachment", &json!({ "token": "x".repeat(43), "message_id": message }), None).await,
        410,
        "link_invalid",
    )
    .await;
    // Nobody else: another account gets 404, no session 401.
    let other = app.new_user().await;
    assert_error(app.get(&path, Some(&other.token)).await, 404, "not_found").await;
    assert_eq!(app.get(&path, None).await.status(), 401);

    // Staff: untrained refused (and it is in the trail), no reason refused, then opened.
    let staff_path = format!("/api/v1/staff/support/tickets/{id}/attachments/{message}");
    let untrained = app.new_staff("untrained", "Desk", Role::Support, None).await;
    assert_error(app.get(&format!("{staff_path}?reason=support_request"), Some(&untrained.token)).await, 403, "staff_training_required")
        .await;
    let desk = app.new_staff("desk", "Desk", Role::Support, Some(date_of(app.clock.now_ms()))).await;
    assert_eq!(app.get(&staff_path, Some(&desk.token)).await.status(), 422, "a reason is required");
    let res = app.get(&format!("{staff_path}?reason=support_request"), Some(&desk.token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap(), clear);
    let region = app.state.cb.region(&RegionId::new("eu")).unwrap();
    let t = region.support.ticket(&id).await.unwrap().unwrap();
    let trail = region.store.audit_about(&t.requester_id).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"staff.attachment_opened") && actions.contains(&"staff.access_refused"), "{actions:?}");
    // The staff page links it with its reason.
    let page = app.page_text(&format!("/staff/support/{id}?reason=support_request"), &desk.token).await;
    assert!(page.contains(&format!("/api/v1/staff/support/tickets/{id}/attachments/{message}?reason=support_request")));

    // The export: the file next to the ticket, listed in data.json, which follows its schema.
    let s = super::rights::export_ready(&app, &user.token).await;
    let zip = app.get(s["download_url"].as_str().unwrap(), Some(&user.token)).await.bytes().await.unwrap();
    let files = super::rights::unzip(&zip);
    let name = format!("media/support-{message}.jpg");
    assert_eq!(files.get(&name).map(|f| f.as_slice()), Some(&clear[..]), "{:?}", files.keys().collect::<Vec<_>>());
    let data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    assert!(data["media"].as_array().unwrap().iter().any(|m| m["file"] == name.as_str() && m["message_id"] == message.as_str()));
    let schema: Value = serde_json::from_slice(&files["export-schema.json"]).unwrap();
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&data).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "data.json does not follow its schema: {errors:?}");
});

both!(the_signed_in_person_lists_opens_and_answers_their_tickets_in_the_app, |b| async move {
    let app = spawn_app(b).await;
    let user = app.new_user().await;
    let empty = app.page_text("/app/support?lang=fr", &user.token).await;
    assert!(empty.contains("Mes demandes au support") && empty.contains("Vous n'avez aucune demande"), "{empty}");
    let text = canary("Question");
    let body =
        json!({ "first_name": user.first_name, "last_name": user.last_name, "email": user.email, "subject": "Help", "message": text });
    assert_eq!(app.post_json("/api/v1/support/requests", &body, Some(&user.token)).await.status(), 202);
    // The French chosen above is remembered on the account: English again, by the same link.
    let list = app.page_text("/app/support?lang=en", &user.token).await;
    assert!(list.contains("My support requests") && !list.contains(&text), "the list does not show what tickets say");
    let id = list.split("data-ticket=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let opened = app.page_text(&format!("/app/support/{id}"), &user.token).await;
    assert!(opened.contains(&text) && opened.contains(&format!("action=\"/app/support/{id}\"")));
    // Answer from the page: the message joins the thread and the page says so (in French here).
    let res = app
        .browser()
        .post(app.url(&format!("/app/support/{id}?lang=fr")))
        .header("authorization", format!("Bearer {}", user.token))
        .form(&[("message", "Une précision.")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Votre message est ajouté à votre demande.") && html.contains("Une précision."), "{html}");
    let view: Value = app.get(&format!("/api/v1/me/support/tickets/{id}"), Some(&user.token)).await.json().await.unwrap();
    assert_eq!(view["messages"].as_array().unwrap().len(), 2);
    // Another person's ticket does not open.
    let other = app.new_user().await;
    let refused = app.page_text(&format!("/app/support/{id}"), &other.token).await;
    assert!(!refused.contains(&text));
    // Signed out: to the sign-in page.
    let res = app.browser().get(app.url("/app/support")).send().await.unwrap();
    assert_eq!(res.status(), 303);
});
