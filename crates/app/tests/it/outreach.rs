//! Outreach over HTTP (issue 17), through the real SMTP adapter and sink: the newsletter page
//! in both languages, `POST /api/v1/newsletter/subscriptions` answering the same bytes for
//! every address (acceptance 6), the confirmation from the mailbox (acceptance 1), a campaign
//! written and sent by marketing staff with the RFC 8058/2369 headers, and RFC 8058's
//! one-click POST unsubscribing without a session, the next campaign skipping the person
//! (acceptance 3, C-RET-5). The rules on the clock (purges, the three-year rule, the crash
//! mid-send, policy notices) are domain tests: `it/domain/outreach.rs`.

use super::*;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::Clock;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

async fn status_and_text(res: reqwest::Response) -> (u16, String) {
    let s = res.status().as_u16();
    (s, res.text().await.unwrap())
}

/// Subscribes through the API and confirms through the pages, as a person would.
async fn subscribe_and_confirm(app: &TestApp, email: &str) {
    let res = app.post_json("/api/v1/newsletter/subscriptions", &json!({ "email": email }), None).await;
    assert_eq!(res.status().as_u16(), 202);
    let m = app.wait_for_mail(email, |m| m.subject == "Confirm your subscription", WAIT).await.expect("a confirmation message");
    let link = m.first_link().unwrap();
    let u = url::Url::parse(&link).unwrap();
    assert_eq!(u.path(), "/newsletter/confirm");
    let token = link.split("token=").nth(1).unwrap().to_string();
    let page = app.browser().get(app.url(&format!("/newsletter/confirm?token={token}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("newsletter-confirm"), "the link shows a button, it confirms nothing by itself");
    let res = app.browser().post(app.url("/newsletter/confirm")).form(&[("token", token.as_str())]).send().await.unwrap();
    let (status, body) = status_and_text(res).await;
    assert_eq!(status, 200);
    assert!(body.contains("Confirmed, thank you"), "{body}");
}

// The newsletter page of the public website, and the same answer for every address.
both!(outreach_newsletter_page_and_api_answer_the_same_for_every_address, |b| async move {
    let app = spawn_app(b).await;
    let page = app.http().get(app.url("/newsletter")).header("accept-language", "fr").send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("M'abonner") && page.contains("Envoyez-moi des nouvelles de clearboard"),
        "French, with the policy's consent text"
    );
    let page = app.http().get(app.url("/newsletter")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Subscribe") && page.contains("newsletter-form"));

    // Unknown, pending, confirmed and account-holder addresses: the same status and bytes.
    let confirmed = canary_email("confirmed");
    subscribe_and_confirm(&app, &confirmed).await;
    let user = app.new_user().await;
    let fresh = canary_email("fresh");
    let mut answers = Vec::new();
    for email in [fresh.as_str(), fresh.as_str(), confirmed.as_str(), user.email.as_str()] {
        answers.push(status_and_text(app.post_json("/api/v1/newsletter/subscriptions", &json!({ "email": email }), None).await).await);
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 202);
    // An account holder who says yes in the privacy centre gets the same double opt-in.
    let other = app.new_user().await;
    let res = app
        .http()
        .put(app.url("/api/v1/me/consents"))
        .bearer_auth(&other.token)
        .json(&json!({ "purpose": "marketing", "granted": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(app.wait_for_mail(&other.email, |m| m.subject == "Confirm your subscription", WAIT).await.is_some());
    // The form page too.
    let res = app
        .browser()
        .post(app.url("/newsletter"))
        .form(&[("email", canary_email("form").as_str()), ("newsletter", "1")])
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_text(res).await;
    assert_eq!(status, 202);
    assert!(body.contains("a link to confirm the subscription is on its way"));
    // A bad link is refused on the page, with the catalogue's code.
    let res = app.browser().post(app.url("/newsletter/confirm")).form(&[("token", "nope")]).send().await.unwrap();
    assert!(res.text().await.unwrap().contains("link_invalid"));
    let e = app.post_json("/api/v1/newsletter/subscriptions", &json!({ "email": "not an address" }), None).await;
    assert_error(e, 422, "validation_failed").await;
    clearboard_testkit::logs::assert_clean(&[confirmed.clone(), fresh.clone()]);
});

// C-RET-5: acceptance 2 (headers) and 3 of issue 17, over HTTP.
both!(c_ret_5_one_click_post_unsubscribes_without_a_session_and_the_next_campaign_skips, |b| async move {
    let app = spawn_app(b).await;
    let (ann, bob) = (canary_email("ann"), canary_email("bob"));
    subscribe_and_confirm(&app, &ann).await;
    subscribe_and_confirm(&app, &bob).await;
    let today = clearboard_core::platform::clock::date_of(app.clock.now_ms());
    let staff = app.new_staff("marketing", "Mia", Role::Marketing, Some(today)).await;
    let body = json!({ "list": "newsletter", "subject": "Spring news", "body_markdown": "# New\n\nBoards have **timers**.", "subject_fr": "Nouvelles", "body_markdown_fr": "Des **minuteurs**." });
    // Not for people who are not marketing staff.
    let user = app.new_user().await;
    assert_error(app.post_json("/api/v1/staff/campaigns", &body, Some(&user.token)).await, 403, "forbidden").await;
    let res = app.post_json("/api/v1/staff/campaigns", &body, Some(&staff.token)).await;
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let preview: Value = app.get(&format!("/api/v1/staff/campaigns/{id}/preview?lang=fr"), Some(&staff.token)).await.json().await.unwrap();
    assert_eq!(preview["html"], "<p>Des <strong>minuteurs</strong>.</p>\n");
    let res = app.post_json(&format!("/api/v1/staff/campaigns/{id}/send"), &json!({}), Some(&staff.token)).await;
    assert_eq!(res.status().as_u16(), 202);
    let m = app.wait_for_mail(&ann, |m| m.subject == "Spring news", WAIT).await.expect("the campaign");
    assert!(m.html.as_deref().unwrap().contains("<strong>timers</strong>"), "HTML and plain text");
    assert!(m.text.contains("Boards have timers."));
    let lu = m.header("List-Unsubscribe").expect("List-Unsubscribe").to_string();
    assert!(lu.contains("<mailto:unsubscribe@127.0.0.1?subject=unsubscribe%20u1."), "{lu}");
    assert_eq!(m.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    assert!(m.header("List-Id").unwrap().starts_with("clearboard news <newsletter."));
    let https = lu[1..lu.find('>').unwrap()].to_string();
    assert!(https.starts_with(&app.url("/newsletter/unsubscribe?token=")) && m.text.contains(&https), "{lu}");
    // The job finishes; progress on the staff API.
    let mut status = Value::Null;
    for _ in 0..100 {
        status = app.get(&format!("/api/v1/staff/campaigns/{id}"), Some(&staff.token)).await.json().await.unwrap();
        if status["status"] == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status["status"], "sent", "{status}");
    assert_eq!(status["sent"], 2);
    // Progress on the staff page too (counts only).
    let page = app.page_text("/staff/campaigns", &staff.token).await;
    assert!(page.contains(&format!("data-campaign=\"{id}\"")) && page.contains("<td>sent</td><td>2</td>"), "{page}");

    // GET shows a confirmation and changes nothing (link scanners open links).
    let page = app.http().get(&https).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Stop receiving our news?"));
    // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to that URI, without any
    // cookie, session or Origin.
    let res = app
        .http()
        .post(&https)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    let (status_code, text) = status_and_text(res).await;
    assert_eq!(status_code, 200);
    assert!(text.contains("you will no longer receive our news"), "{text}");
    // In the ledger.
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap();
    let s = eu.outreach.contact_by_email(&app.state.cb.blind_email(&ann)).await.unwrap().unwrap().subject_id;
    let last = eu.consents.consents_of_subject(&s).await.unwrap().pop().unwrap();
    assert_eq!((last.granted, last.method.as_str()), (false, "unsubscribe_one_click:newsletter"));

    // The next campaign skips her.
    let res = app.post_json("/api/v1/staff/campaigns", &body, Some(&staff.token)).await;
    let second = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    app.post_json(&format!("/api/v1/staff/campaigns/{second}/send"), &json!({}), Some(&staff.token)).await;
    let mut status = Value::Null;
    for _ in 0..100 {
        status = app.get(&format!("/api/v1/staff/campaigns/{second}"), Some(&staff.token)).await.json().await.unwrap();
        if status["status"] == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!((status["sent"].as_u64(), status["status"].as_str()), (Some(1), Some("sent")), "{status}");
    assert_eq!(app.mails().iter().filter(|m| m.to.contains(&ann) && m.subject == "Spring news").count(), 1);
    assert_eq!(app.mails().iter().filter(|m| m.to.contains(&bob) && m.subject == "Spring news").count(), 2);
    clearboard_testkit::logs::assert_clean(&[ann.clone(), bob.clone()]);
});

/// Acceptance 2 of issue 17, with the real binary: a send job killed with SIGKILL mid-way and
/// the server restarted on the same storage resumes, and nobody receives the campaign twice.
/// The contacts, the staff member and the campaign are seeded in process on the binary's data
/// dir (SQLite) before it starts; the binary's scheduler sends (20 messages a second). About
/// 30 seconds, most of it seeding through the real SMTP adapter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outreach_a_send_killed_mid_way_resumes_without_sending_anyone_twice() {
    use clearboard_core::business::outreach::campaigns::NewCampaign;
    use clearboard_core::business::outreach::contacts::Subscribe;
    use clearboard_core::identity::sessions::SessionKind;
    let dir = tempfile::tempdir().unwrap();
    let sink = clearboard_testkit::SmtpSink::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut config = clearboard_app::Config {
        data_dir: dir.path().to_path_buf(),
        listen: format!("127.0.0.1:{port}"),
        public_url: Some(base.clone()),
        smtp_url: Some(sink.url()),
        ..Default::default()
    };
    config.mail_from = "clearboard <news@example.org>".into();
    // Seed: 60 confirmed contacts, a marketing staff member, a campaign set to send.
    let n = 60;
    let emails: Vec<String> = (0..n).map(|i| format!("crash{i}-{}@example.test", canary("k").to_lowercase())).collect();
    let (campaign, token) = {
        let clock = std::sync::Arc::new(clearboard_core::platform::clock::SystemClock) as std::sync::Arc<dyn Clock>;
        let app =
            clearboard_app::build(&config, clock.clone(), None, clearboard_web::platform::ratelimit::Limits::relaxed()).await.unwrap();
        let cb = &app.state.cb;
        for e in &emails {
            let s = Subscribe { email: e.clone(), lang: "en".into(), lists: vec![], phone: None, method: "api".into() };
            cb.outreach().subscribe(s, &base).await.unwrap();
        }
        for m in sink.messages() {
            let t = m.first_link().unwrap().split("token=").nth(1).unwrap().to_string();
            cb.outreach().confirm(&t).await.unwrap();
        }
        let today = clearboard_core::platform::clock::date_of(clock.now_ms());
        let email = canary_email("mkt");
        let input = clearboard_core::identity::accounts::NewAccount {
            email: email.clone(),
            password: zeroize::Zeroizing::new("marketing password long".into()),
            first_name: "Mia".into(),
            last_name: "Staff".into(),
            ..Default::default()
        };
        cb.staff().add(input, Role::Marketing, Some(today)).await.unwrap();
        let (token, who) = cb
            .sessions()
            .sign_in(&email, zeroize::Zeroizing::new("marketing password long".into()), SessionKind::Bearer, None)
            .await
            .unwrap();
        let c =
            NewCampaign { list: "newsletter".into(), subject: "Crash news".into(), body_markdown: "Hello.".into(), ..Default::default() };
        let id = cb.outreach().create_campaign(&who, c).await.unwrap();
        cb.outreach().schedule(&who, &id, None).await.unwrap();
        app.opened.close().await;
        (id, token.to_string())
    };
    let serve = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_clearboard"))
            .arg("serve")
            .env_remove("CLEARBOARD_DATABASE_URL")
            .env("CLEARBOARD_DATA_DIR", dir.path())
            .env("CLEARBOARD_LISTEN", format!("127.0.0.1:{port}"))
            .env("CLEARBOARD_PUBLIC_URL", &base)
            .env("CLEARBOARD_SMTP_URL", sink.url())
            .env("CLEARBOARD_MAIL_FROM", "clearboard <news@example.org>")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the binary starts")
    };
    let received = || sink.messages().into_iter().filter(|m| m.subject == "Crash news").map(|m| m.to[0].clone()).collect::<Vec<_>>();
    let mut child = serve();
    // Killed as soon as a part of the list has gone out, in the middle of the job.
    let mut waited = 0;
    while received().len() < 15 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 1;
        assert!(waited < 3000, "the job never started");
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = received().len();
    assert!(at_kill < n, "killed before the end ({at_kill})");
    let mut child = serve();
    let http = reqwest::Client::new();
    let mut status = Value::Null;
    for _ in 0..300 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Ok(res) = http.get(format!("{base}/api/v1/staff/campaigns/{campaign}")).bearer_auth(&token).send().await else { continue };
        status = res.json().await.unwrap_or(Value::Null);
        if status["status"] == "sent" {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status["status"], "sent", "{status}");
    let got = received();
    let distinct: std::collections::BTreeSet<&String> = got.iter().collect();
    assert_eq!(distinct.len(), got.len(), "nobody receives it twice");
    assert!(got.len() > at_kill, "the job resumed after the restart");
    let interrupted = status["interrupted"].as_u64().unwrap() as usize;
    assert!(interrupted <= 1, "at most the message in flight is in doubt: {status}");
    // A message in flight at the kill may have reached the server or not: it is in doubt and
    // never sent again; everyone else received it exactly once.
    assert!(n - got.len() <= interrupted, "everyone else received it: {status}");
    assert_eq!(status["sent"].as_u64().unwrap() as usize + interrupted, n);
}
