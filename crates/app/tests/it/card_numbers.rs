//! The card-number guard (issue 15, acceptance 3; C-DATA-3: "a full card number is never
//! stored"): a payment-card number in any field of any request body, JSON or form, is refused
//! with 422 `card_number_refused`, and it reaches no log and no file.

use super::*;

// C-DATA-3
both!(card_numbers_in_any_field_of_any_route_are_refused_and_reach_no_log_or_file, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let c = app.http();
    let mut needles = Vec::new();
    let mut card = || {
        let n = clearboard_testkit::canary_card();
        let g: Vec<String> = (0..4).map(|i| n[i * 4..i * 4 + 4].to_string()).collect();
        needles.extend([n.clone(), g.join(" "), g.join("-")]);
        (n, g)
    };

    // JSON bodies: a sign-up, a sign-in, a profile change, a board, a card, a rights request;
    // plain, spaced, dashed, as a number, nested, and inside a sentence.
    let (n, _) = card();
    let mut body = app.sign_up_body();
    body["first_name"] = json!(n);
    assert_error(app.post_json("/api/v1/accounts", &body, None).await, 422, "card_number_refused").await;
    let (_, g) = card();
    assert_error(
        app.post_json("/api/v1/sessions", &json!({"email": u.email, "password": g.join(" ")}), None).await,
        422,
        "card_number_refused",
    )
    .await;
    let (_, g) = card();
    let res = c
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&u.token)
        .json(&json!({"last_name": g.join("-"), "current_password": u.password}))
        .send()
        .await
        .unwrap();
    assert_error(res, 422, "card_number_refused").await;
    let (n, _) = card();
    assert_error(
        app.post_json("/api/v1/boards", &json!({"title": format!("pay with {n} please")}), Some(&u.token)).await,
        422,
        "card_number_refused",
    )
    .await;
    let board = app.post_json("/api/v1/boards", &json!({"title": "Retro"}), Some(&u.token)).await;
    assert_eq!(board.status(), 201, "positive control: the same route takes a body without a card");
    let board: Value = board.json().await.unwrap();
    let (n, _) = card();
    let as_number: u64 = n.parse().unwrap();
    assert_error(
        app.post_json(
            &format!("/api/v1/boards/{}/cards", board["id"].as_str().unwrap()),
            &json!({"kind": "text", "text": as_number}),
            Some(&u.token),
        )
        .await,
        422,
        "card_number_refused",
    )
    .await;
    let (_, g) = card();
    assert_error(
        app.post_json(
            "/api/v1/requests",
            &json!({"kind": "access", "email": u.email, "details": {"note": [format!("card:\n{}", g.join(" "))]}}),
            None,
        )
        .await,
        422,
        "card_number_refused",
    )
    .await;

    // The support desk (issue 16, acceptance 2) and the newsletter: JSON, and the support
    // form's multipart variant (text fields are read by the support route itself).
    let (n, _) = card();
    let support = json!({"first_name": "Ada", "last_name": "L", "email": "desk@example.test", "subject": "Invoice",
        "message": format!("my card is {n}, charge it")});
    assert_error(app.post_json("/api/v1/support/requests", &support, None).await, 422, "card_number_refused").await;
    let (_, g) = card();
    let form = reqwest::multipart::Form::new()
        .text("first_name", "Ada")
        .text("last_name", "L")
        .text("email", "desk@example.test")
        .text("subject", "Invoice")
        .text("message", format!("card {}", g.join(" ")));
    let res = c.post(app.url("/api/v1/support/requests")).multipart(form).send().await.unwrap();
    assert_error(res, 422, "card_number_refused").await;
    let ok = json!({"first_name": "Ada", "last_name": "L", "email": "desk@example.test", "subject": "Invoice", "message": "no card here"});
    assert_eq!(
        app.post_json("/api/v1/support/requests", &ok, None).await.status(),
        202,
        "positive control: the support route takes a message"
    );
    let (n, _) = card();
    assert_error(
        app.post_json("/api/v1/newsletter/subscriptions", &json!({"email": "news@example.test", "phone": n}), None).await,
        422,
        "card_number_refused",
    )
    .await;

    // A form of a page: the refusal is the error page, in the person's language.
    let (n, _) = card();
    let res = app
        .browser()
        .post(app.url("/signup"))
        .header("accept-language", "fr")
        .form(&[("email", "x@example.test"), ("password", "a fine long password"), ("first_name", n.as_str()), ("last_name", "X")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("card_number_refused") && page.contains("numéro de carte"), "{page}");

    // Nothing of any of them reached a log or a file; what was refused is counted, and the
    // positive controls show that the refused routes were really reached and logged.
    let logs = clearboard_testkit::logs::contents();
    let text = String::from_utf8_lossy(&logs);
    assert!(text.contains("\"status\":422") && text.contains("/api/v1/boards"), "positive control: the requests are logged");
    clearboard_testkit::logs::assert_clean(&needles);
    assert!(app.scan_storage(&needles).await.is_empty(), "a card number reached the disk");
    let metrics = app.http().get(format!("{}/metrics", app.metrics_base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l.starts_with("clearboard_card_numbers_refused_total") && !l.ends_with(" 0")), "{metrics}");
});
