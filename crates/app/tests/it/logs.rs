//! Acceptance 7: the logs of a run that touches every route with planted canaries contain
//! none of them (nor tokens), while they do record what happened (positive control).

use super::*;

both!(acceptance_7_logs_hold_no_canaries, |b| async move {
    let app = spawn_app(b).await;
    let mut needles = Vec::new();
    let u = app.new_user().await;
    needles.extend(u.canaries());
    needles.push(u.token.clone());
    let c = app.http();

    // Refused sign-ups (under age, bad email, duplicate), failed sign-ins.
    let mut kid = app.sign_up_body();
    kid["birth_date"] = json!("2015-06-01");
    needles.extend(["email", "first_name", "last_name", "phone", "password"].iter().map(|k| kid[k].as_str().unwrap().to_string()));
    app.post_json("/api/v1/accounts", &kid, None).await;
    let odd = canary("Odd");
    let mut bad = app.sign_up_body();
    bad["email"] = json!(format!("{odd}\n{{\"level\":\"admin\"}}"));
    needles.push(odd);
    app.post_json("/api/v1/accounts", &bad, None).await;
    let mut dup = app.sign_up_body();
    dup["email"] = json!(u.email);
    app.post_json("/api/v1/accounts", &dup, None).await;
    let stranger = canary_email("stranger");
    needles.push(stranger.clone());
    app.post_json("/api/v1/sessions", &json!({"email": stranger, "password": "whatever password"}), None).await;
    app.post_json("/api/v1/sessions", &json!({"email": u.email, "password": "wrong password 123"}), None).await;

    // Profile changes, picture, sessions, staff lookups by a non-staff member.
    let new_email = canary_email("changed");
    let new_last = canary("Last2");
    needles.extend([new_email.clone(), new_last.clone()]);
    c.patch(app.url("/api/v1/me"))
        .bearer_auth(&u.token)
        .json(&json!({"last_name": new_last, "email": new_email, "current_password": u.password}))
        .send()
        .await
        .unwrap();
    let pix = canary("Pix");
    needles.push(pix.clone());
    c.put(app.url("/api/v1/me/picture")).bearer_auth(&u.token).body(super::accounts::jpeg("0", &pix)).send().await.unwrap();
    c.get(app.url("/api/v1/me/picture")).bearer_auth(&u.token).send().await.unwrap();
    c.get(app.url("/api/v1/sessions")).bearer_auth(&u.token).send().await.unwrap();
    c.post(app.url("/api/v1/staff/lookup"))
        .bearer_auth(&u.token)
        .json(&json!({"email": new_email, "reason": "support_request"}))
        .send()
        .await
        .unwrap();
    // Browser pages with forms.
    let browser = app.browser();
    let form_email = canary_email("form");
    let form_name = canary("Form");
    needles.extend([form_email.clone(), form_name.clone()]);
    browser
        .post(app.url("/signup"))
        .form(&[
            ("email", form_email.as_str()),
            ("password", "a fine long password"),
            ("first_name", form_name.as_str()),
            ("last_name", "X"),
            ("birth_date", "1980-01-01"),
            ("region", "eu"),
        ])
        .send()
        .await
        .unwrap();
    browser.get(app.url("/me")).send().await.unwrap();
    // Deletion.
    c.delete(app.url("/api/v1/me")).bearer_auth(&u.token).json(&json!({"password": u.password})).send().await.unwrap();

    let logs = clearboard_testkit::logs::contents();
    let text = String::from_utf8_lossy(&logs);
    assert!(text.contains("auth.sign_in") && text.contains("\"outcome\":\"failure\""), "positive control: sign-in attempts are logged");
    assert!(text.contains("account deleted"), "positive control: the deletion is logged");
    clearboard_testkit::logs::assert_clean(&needles);
});
