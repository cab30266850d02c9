//! The support desk over HTTP (issue 16; C-DATA-4, C-CONTACT-1): the
//! form and the API from anyone with the acknowledgement through the real SMTP adapter to the
//! test kit's sink, staff replies by email, the visitor's emailed reply threaded back,
//! identical answers for every address, the rate limit, the private link (its token never in
//! a path), the contact page in English and French, erasure that leaves nothing readable, and
//! canaries kept out of the logs. (The rules in process: `domain/support.rs`.)

use super::*;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, date_of};
use clearboard_testkit::Options;
use clearboard_web::platform::ratelimit::{Limits, Rate};
use std::time::Duration;

fn request(email: &str, message: &str) -> Value {
    json!({
        "first_name": canary("First"), "last_name": canary("Last"), "email": email, "phone": "+33 6 12 34 56 78",
        "subject": "Board will not load", "message": message
    })
}

async fn ack_to(app: &TestApp, to: &str) -> clearboard_testkit::ReceivedMail {
    app.wait_for_mail(to, |m| m.subject.contains("We received") || m.subject.contains("Nous avons bien reçu"), Duration::from_secs(10))
        .await
        .expect("an acknowledgement reaches the mail server")
}

async fn staff(app: &TestApp, tag: &str) -> clearboard_testkit::spawn::TestUser {
    app.new_staff(tag, "Desk", Role::Support, Some(date_of(app.clock.now_ms()))).await
}

// C-DATA-4, acceptance 1: a visitor writes through the API, gets the acknowledgement through
// the mail server, staff answer by email, the visitor replies by email and the reply lands in
// the same ticket; the visitor reads the thread through the private link.
both!(acceptance_1_c_data_4_form_acknowledgement_staff_answer_and_emailed_reply, |b| async move {
    let app = spawn_app(b).await;
    let from = canary_email("visitor");
    let message = canary("Message");
    let body = request(&from, &format!("Nothing shows: {message}"));
    let res = app.post_json("/api/v1/support/requests", &body, None).await;
    assert_eq!(res.status(), 202);
    let ack = ack_to(&app, &from).await;
    let link = ack.first_link().unwrap();
    let (path, token) = link.strip_prefix(&app.base).unwrap().split_once('#').expect("the token is in the fragment");
    assert_eq!(path, "/support/ticket");
    let reference = ack.subject.split(['[', ']']).nth(1).unwrap().to_string();

    // Staff: the queue (no personal data), open for a reason, answer by email.
    let desk = staff(&app, "desk").await;
    let queue = app.get("/api/v1/staff/support/tickets?status=open", Some(&desk.token)).await;
    let queue: Value = queue.json().await.unwrap();
    let item = queue["tickets"].as_array().unwrap().iter().find(|t| t["reference"] == reference.as_str()).unwrap().clone();
    assert!(!queue.to_string().contains(&from) && !queue.to_string().contains(&message));
    let id = item["id"].as_str().unwrap();
    let opened = app.get(&format!("/api/v1/staff/support/tickets/{id}?reason=support_request"), Some(&desk.token)).await;
    assert_eq!(opened.status(), 200);
    let opened: Value = opened.json().await.unwrap();
    assert_eq!(opened["email"], from.as_str());
    let res = app
        .post_json(
            &format!("/api/v1/staff/support/tickets/{id}/replies"),
            &json!({ "body": "Clear your cache, please." }),
            Some(&desk.token),
        )
        .await;
    assert_eq!(res.status(), 201);
    let answer = app.wait_for_mail(&from, |m| m.subject.contains("Re:"), Duration::from_secs(10)).await.expect("the answer is emailed");
    assert!(answer.subject.contains(&reference) && answer.text.contains("Clear your cache, please."));

    // The visitor answers by email, as their mail client sends it; the mail server hands it
    // to the desk (what `clearboard support inbound` does, in process here).
    let reply = format!(
        "From: Visitor <{from}>\r\nTo: support@example.org\r\nSubject: Re: {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nThat fixed it, merci =C3=A0 vous.\r\n\r\nOn Sun, clearboard wrote:\r\n> Clear your cache, please.\r\n",
        answer.subject
    );
    let delivered = app.state.cb.support().inbound(reply.as_bytes(), &app.base).await.unwrap();
    assert_eq!((delivered.ticket.as_str(), delivered.outcome), (id, "threaded"));

    // The private link shows the whole thread; its token travels in the body.
    let view: Value = app.post_json("/api/v1/support/ticket", &json!({ "token": token }), None).await.json().await.unwrap();
    let texts: Vec<&str> = view["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 3, "{view}");
    assert_eq!(texts[1..], ["Clear your cache, please.", "That fixed it, merci à vous."]);
    assert_eq!(view["status"], "open");
    let res = app.post_json("/api/v1/support/ticket/replies", &json!({ "token": token, "message": "And one more." }), None).await;
    assert_eq!(res.status(), 200);
    assert_error(app.post_json("/api/v1/support/ticket", &json!({ "token": "x".repeat(43) }), None).await, 410, "link_invalid").await;
    // The page the link opens holds no token; the form posts it.
    let page = app.browser().get(app.url("/support/ticket")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("data-from-fragment"));
    // Nothing personal or secret in the logs.
    let needles = vec![
        from.clone(),
        message.clone(),
        token.to_string(),
        body["first_name"].as_str().unwrap().to_string(),
        body["last_name"].as_str().unwrap().to_string(),
    ];
    let logs = clearboard_testkit::forensics::scan_bytes(&clearboard_testkit::logs::contents(), &needles);
    assert!(logs.is_empty(), "in the logs: {logs:?}");
});

// Acceptance 2: the same bytes for an address with an account and one without; the rate
// limit holds; a signed-in person sees their ticket.
both!(acceptance_2_identical_answers_and_a_rate_limit, |b| async move {
    let limits = Limits { sign_up_per_ip: Rate { burst: 5, per_minute: 1 }, ..Limits::relaxed() };
    let app = spawn_with(b, Options { limits, configure: None }).await;
    let user = app.new_user().await;
    let stranger = canary_email("stranger");
    let mut bodies = Vec::new();
    for to in [&user.email, &stranger] {
        let res = app.post_json("/api/v1/support/requests", &request(to, "Hello"), None).await;
        assert_eq!(res.status(), 202);
        bodies.push(res.bytes().await.unwrap());
        ack_to(&app, to).await;
    }
    assert_eq!(bodies[0], bodies[1], "known and unknown addresses get the same answer");
    // Signed in: written from the account's address, the ticket is theirs.
    let mine: Value = app.get("/api/v1/me/support/tickets", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(mine["tickets"].as_array().unwrap().len(), 1, "{mine}");
    let id = mine["tickets"][0]["id"].as_str().unwrap();
    let one: Value = app.get(&format!("/api/v1/me/support/tickets/{id}"), Some(&user.token)).await.json().await.unwrap();
    assert_eq!(one["messages"][0]["text"], "Hello");
    // Invalid input names the field.
    let bad = json!({ "first_name": "A", "last_name": "B", "email": "nope", "subject": "s", "message": "m" });
    let e = assert_error(app.post_json("/api/v1/support/requests", &bad, None).await, 422, "validation_failed").await;
    assert_eq!(e["error"]["field"], "email");
    // The client's bucket runs dry within its burst (the sign-up above drew from it too).
    let mut refused = None;
    for _ in 0..4 {
        let res = app.post_json("/api/v1/support/requests", &request(&stranger, "Again"), None).await;
        if res.status() == 429 {
            refused = Some(res);
            break;
        }
        assert_eq!(res.status(), 202);
    }
    let res = refused.expect("the rate limit holds");
    assert!(res.headers().contains_key("retry-after"));
    assert_error(res, 429, "rate_limited").await;
});

// The public website's contact page (one of the pages the scope commitment lists): the form
// in English and French, with the privacy contact as a choice; a French submission is
// acknowledged in French.
both!(the_contact_page_in_english_and_french, |b| async move {
    let app = spawn_app(b).await;
    for (lang, words) in [("en", "Contact us"), ("fr", "Nous contacter")] {
        let page = app.browser().get(app.url(&format!("/contact?lang={lang}"))).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(words) && html.contains("name=\"attachment\"") && html.contains("value=\"privacy\""), "{lang}");
    }
    let to = canary_email("formfr");
    let form = reqwest::multipart::Form::new()
        .text("first_name", "Zoé")
        .text("last_name", canary("Nom"))
        .text("email", to.clone())
        .text("subject", "Question")
        .text("message", "Bonjour")
        .text("topic", "general")
        .text("lang", "fr");
    let res = app.browser().post(app.url("/contact?lang=fr")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 202);
    assert!(res.text().await.unwrap().contains("Merci"));
    let ack = ack_to(&app, &to).await;
    assert!(ack.subject.contains("Nous avons bien reçu") && ack.text.contains("Bonjour Zoé"));
});

// C-DSR-3, C-DSR-4 for tickets (acceptance 4), and acceptance 5 over HTTP: an account
// holder's tickets are in their export and their erasure leaves nothing readable (raw and
// decrypting scans, with positive controls); staff without current training get 403.
both!(acceptance_4_erasure_leaves_no_readable_trace_of_a_ticket, |b| async move {
    let app = spawn_app(b).await;
    let user = app.new_user().await;
    let secret = canary("TicketText");
    let body = json!({ "first_name": user.first_name, "last_name": user.last_name, "email": user.email, "subject": canary("Subj"), "message": secret });
    assert_eq!(app.post_json("/api/v1/support/requests", &body, Some(&user.token)).await.status(), 202);
    ack_to(&app, &user.email).await;
    // The export holds the ticket, and data.json follows its published schema.
    let s = super::rights::export_ready(&app, &user.token).await;
    let zip = app.get(s["download_url"].as_str().unwrap(), Some(&user.token)).await.bytes().await.unwrap();
    let files = super::rights::unzip(&zip);
    let data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    let tickets = data["categories"]["assistance"]["data"]["tickets"].as_array().expect("the assistance category is exported");
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["messages"][0]["text"], secret.as_str());
    let schema: Value = serde_json::from_slice(&files["export-schema.json"]).unwrap();
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&data).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "data.json does not follow its schema: {errors:?}");
    assert!(files.contains_key("csv/assistance-tickets.csv"), "{:?}", files.keys().collect::<Vec<_>>());
    let untrained = app.new_staff("untrained", "Desk", Role::Support, None).await;
    assert_error(app.get("/api/v1/staff/support/tickets", Some(&untrained.token)).await, 403, "staff_training_required").await;
    let needles = vec![secret.clone(), body["subject"].as_str().unwrap().to_string()];
    let before = app.decrypting_scan(&needles).await;
    for n in &needles {
        assert!(before.hits.iter().any(|(_, h)| h == n), "the decrypting scan sees {n} before erasure");
    }
    assert!(app.scan_storage(&needles).await.is_empty(), "sealed: never in clear on disk");
    let control = canary("ClearControl");
    app.plant_in_clear(std::slice::from_ref(&control)).await;
    assert!(!app.scan_storage(std::slice::from_ref(&control)).await.is_empty(), "the raw scan sees a canary written in clear");
    let receipt = super::rights::erase_account_leaving_nothing(&app, &user, &needles).await;
    assert_eq!(receipt["receipt"]["receipt"]["erased"]["support_tickets"], 1, "{receipt}");
});

// The staff page: the queue by status with due and erase dates and no personal data, a ticket
// opened for a reason (in the person's audit trail), a canned answer sent in the requester's
// language, closing; staff without current training are refused (acceptance 5).
both!(the_staff_support_page_opens_answers_and_closes_tickets, |b| async move {
    let app = spawn_app(b).await;
    let from = canary_email("frpage");
    let mut body = request(&from, "Bonjour, mon tableau a disparu.");
    body["lang"] = json!("fr");
    assert_eq!(app.post_json("/api/v1/support/requests", &body, None).await.status(), 202);
    let reference = ack_to(&app, &from).await.subject.split(['[', ']']).nth(1).unwrap().to_string();
    let desk = staff(&app, "page").await;
    let queue = app.page_text("/staff/support", &desk.token).await;
    assert!(queue.contains(&reference) && !queue.contains(&from), "the queue names the ticket, not the person");
    let id = queue.split("data-ticket=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let opened = app.page_text(&format!("/staff/support/{id}?reason=support_request"), &desk.token).await;
    assert!(opened.contains(&from) && opened.contains("Bonjour, mon tableau a disparu."));
    let t = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().support.ticket(&id).await.unwrap().unwrap();
    let trail = app
        .state
        .cb
        .region(&clearboard_core::platform::ids::RegionId::new("eu"))
        .unwrap()
        .store
        .audit_about(&t.requester_id)
        .await
        .unwrap();
    assert!(trail.iter().any(|e| e.action == "staff.ticket_opened" && e.detail.contains("support_request")));
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        app.browser().post(app.url(&path)).header("authorization", format!("Bearer {}", desk.token)).form(&form).send()
    };
    let res = post(format!("/staff/support/{id}/reply"), vec![("canned", "need_details"), ("body", "")]).await.unwrap();
    assert_eq!(res.status(), 303);
    let answer = app.wait_for_mail(&from, |m| m.subject.contains("Re :"), Duration::from_secs(10)).await.expect("answered in French");
    assert!(answer.text.contains("Pour vous aider, il nous faut quelques précisions") && answer.subject.contains(&reference));
    assert_eq!(post(format!("/staff/support/{id}/status"), vec![("status", "closed")]).await.unwrap().status(), 303);
    let closed = app.page_text("/staff/support?status=closed", &desk.token).await;
    let erase = clearboard_core::platform::clock::rfc3339(app.clock.now_ms() + 1095 * clearboard_core::platform::clock::DAY);
    assert!(closed.contains(&reference) && closed.contains(&erase), "the page says when the closed ticket is erased");
    let untrained = app.new_staff("pageuntrained", "Desk", Role::Support, None).await;
    let res =
        app.browser().get(app.url("/staff/support")).header("authorization", format!("Bearer {}", untrained.token)).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("staff_training_required"));
});

// Acceptance 1 through the documented pipe command: a mail server runs `clearboard support
// inbound` with one message on standard input; a new message opens a ticket (acknowledged
// through the configured mail server), the reply to the acknowledgement lands in the same
// ticket; only ids are printed, and an unreadable message fails without echoing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_inbound_pipe_command_opens_and_threads_tickets() {
    use std::io::Write;
    let sink = clearboard_testkit::SmtpSink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |raw: Vec<u8>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_clearboard"));
        c.env_remove("CLEARBOARD_DATABASE_URL").env_remove("CLEARBOARD_DATA_DIR").env_remove("CLEARBOARD_LISTEN");
        c.env("CLEARBOARD_SMTP_URL", sink.url()).args(["support", "inbound", "--data-dir", data.to_str().unwrap()]);
        c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        child.stdin.take().unwrap().write_all(&raw).unwrap();
        child.wait_with_output().unwrap()
    };
    let from = canary_email("piped");
    let secret = canary("Piped");
    let first = format!(
        "From: Piped Person <{from}>\r\nTo: support@example.org\r\nSubject: Help with boards\r\n\r\nMy board is empty: {secret}\r\n"
    );
    let out = tokio::task::block_in_place(|| run(first.into_bytes()));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (outcome, id) = stdout.trim().split_once('\t').expect("outcome and ticket id");
    assert_eq!(outcome, "new_ticket");
    let ack = sink.wait_for(&from, |m| m.subject.contains("We received"), Duration::from_secs(10)).await.expect("acknowledged");
    let reply = format!("From: <{from}>\r\nTo: support@example.org\r\nSubject: Re: {}\r\n\r\nFound it, thanks.\r\n", ack.subject);
    let out = tokio::task::block_in_place(|| run(reply.into_bytes()));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("threaded\t{id}"));
    let bad = tokio::task::block_in_place(|| run(format!("Subject: {secret}\r\n\r\nno sender\r\n").into_bytes()));
    assert!(!bad.status.success());
    let said = format!("{}{}", String::from_utf8_lossy(&bad.stdout), String::from_utf8_lossy(&bad.stderr));
    assert!(said.contains("validation_failed") && !said.contains(&secret), "{said}");
    let hits = clearboard_testkit::forensics::scan(&[data], &[secret, from]);
    assert!(hits.is_empty(), "in clear on disk: {hits:?}");
}

// Acceptance 1 through the LMTP listener (`support.inbound_listen`): a mail server delivers a
// reply with LMTP; it lands in the ticket, each recipient gets its answer, a message without
// a sender is refused with its code, and the session follows the protocol's order.
both!(support_lmtp_listener_threads_replies, |b| async move {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let app = spawn_app(b).await;
    let from = canary_email("lmtp");
    assert_eq!(app.post_json("/api/v1/support/requests", &request(&from, "First"), None).await.status(), 202);
    let ack = ack_to(&app, &from).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(clearboard_app::lmtp::serve(app.state.cb.clone(), listener, app.base.clone()));
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
        let mut all = String::new();
        loop {
            let mut l = String::new();
            r.read_line(&mut l).await.unwrap();
            all.push_str(&l);
            if l.len() < 4 || l.as_bytes()[3] == b' ' {
                return all;
            }
        }
    }
    assert!(reply(&mut r).await.starts_with("220 "));
    let mut say = async |line: &str| {
        w.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
    };
    say("MAIL FROM:<x@example.test>").await;
    assert!(reply(&mut r).await.starts_with("503 "), "LHLO comes first");
    say("LHLO mx.example.test").await;
    assert!(reply(&mut r).await.contains("250 SIZE"));
    say(&format!("MAIL FROM:<{from}>")).await;
    assert!(reply(&mut r).await.starts_with("250 "));
    for rcpt in ["support@example.org", "help@example.org"] {
        say(&format!("RCPT TO:<{rcpt}>")).await;
        assert!(reply(&mut r).await.starts_with("250 "));
    }
    say("DATA").await;
    assert!(reply(&mut r).await.starts_with("354 "));
    say(&format!("From: <{from}>\r\nTo: support@example.org\r\nSubject: Re: {}\r\n\r\n..and it works now.\r\n.", ack.subject)).await;
    let first = reply(&mut r).await;
    let second = reply(&mut r).await;
    assert!(first.starts_with("250 2.0.0") && second.starts_with("250 2.0.0"), "one answer per recipient: {first}{second}");
    // A message without a sender is refused, with the code only.
    say("MAIL FROM:<>\r\nRCPT TO:<support@example.org>\r\nDATA").await;
    assert!(reply(&mut r).await.starts_with("250 "));
    assert!(reply(&mut r).await.starts_with("250 "));
    assert!(reply(&mut r).await.starts_with("354 "));
    say("Subject: hello\r\n\r\nno sender\r\n.").await;
    assert_eq!(reply(&mut r).await, "550 5.6.0 refused: validation_failed\r\n");
    say("QUIT").await;
    assert!(reply(&mut r).await.starts_with("221 "));
    server.abort();
    let token = ack.first_link().unwrap().split('#').nth(1).unwrap().to_string();
    let view: Value = app.post_json("/api/v1/support/ticket", &json!({ "token": token }), None).await.json().await.unwrap();
    let texts: Vec<&str> = view["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["First", ".and it works now."], "threaded, dot-unstuffed");
});
