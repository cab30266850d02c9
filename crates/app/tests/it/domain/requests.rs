//! Rights requests in the domain (C-DSR-2, C-DSR-4, C-CCPA-1): deadlines on the simulated
//! clock (the earliest of the policy's 30 days, GDPR's month and the CCPA's 45 days), one
//! extension with reasons decided in time, overdue alerts once, refusals with their reason,
//! verification links that expire, one running request per kind and address, staff entry of
//! emailed requests, and the right to know answered from the disclosure log, which erasure
//! notifies. (Answers over HTTP, agents and guardians: `it/requests.rs`.)

use super::*;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{HOUR, midnight_ms};
use clearboard_core::platform::ids::RegionId;
use clearboard_core::privacy::rights::requests::NewRequest;
use clearboard_testkit::domain::BASE_URL;

fn ask(kind: &str, email: &str, details: Option<&str>) -> NewRequest {
    NewRequest {
        kind: kind.into(),
        email: email.into(),
        details: details.map(str::to_string),
        on_behalf: "self".into(),
        channel: "api".into(),
        lang: "en".into(),
        ..Default::default()
    }
}

/// Submits a request from `email` and follows the verification link mailed to it; the
/// request's id.
async fn submit_verified(d: &Domain, kind: &str, email: &str, details: Option<&str>) -> String {
    let id = d.cb.requests().submit(ask(kind, email, details), BASE_URL).await.unwrap();
    let link = d.link_in_mail(email, "Confirm");
    let token = link.split("token=").nth(1).expect("a token in the link");
    assert_eq!(d.cb.requests().verify(token, BASE_URL).await.unwrap(), "open", "verified, the request opens");
    id
}

fn conflict(e: CoreError) -> &'static str {
    match e {
        CoreError::Conflict(why) => why,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

// C-DSR-2: answered within the policy's days (reminders, escalation, extension with reason).
both!(acceptance_4_deadlines_on_the_simulated_clock, |b| async move {
    let d = Domain::open(b).await;
    // Received on 31 January 2027 (a Sunday): the policy's 30 days would end on 2 March, the
    // GDPR month on 28 February: the earlier wins.
    d.clock.set(midnight_ms(time::macros::date!(2027 - 01 - 31)) + 10 * HOUR);
    let staff = d.officer().await.id;
    let requests = d.cb.requests();
    let u = canary_email("deadline");
    let id = submit_verified(&d, "rectification", &u, Some("my name is misspelt")).await;
    let queue = requests.queue(&staff).await.unwrap();
    let r = queue.iter().find(|q| q.id == id).unwrap();
    assert_eq!((r.answer_by.as_str(), r.acknowledge_by.as_str(), r.state.as_str()), ("2027-02-28", "2027-02-12", "open"));
    let ack = d.mail_to(&u, |m| m.subject.contains("working on")).expect("an acknowledgement");
    assert!(ack.text.contains("2027-02-28"), "the acknowledgement gives the date");
    // A CCPA request the same day: the policy's 30 days (2 March) come before the CCPA's 45.
    let c = canary_email("ccpa");
    let ccpa_id = submit_verified(&d, "ccpa_know", &c, None).await;
    let ccpa = requests.queue(&staff).await.unwrap().into_iter().find(|q| q.id == ccpa_id).unwrap();
    assert_eq!((ccpa.regime.as_str(), ccpa.answer_by.as_str()), ("ccpa", "2027-03-02"));

    // An extension needs reasons, is told to the person, and runs two more months.
    let e = requests.extend(&staff, &id, "").await.unwrap_err();
    assert_eq!((e.code().as_str(), e.field()), ("validation_failed", Some("reason")));
    d.clock.set(midnight_ms(time::macros::date!(2027 - 02 - 28)) + 23 * HOUR);
    let x = requests.extend(&staff, &id, "we must check the spelling against three systems").await.unwrap();
    assert_eq!(x.extended_to.as_deref(), Some("2027-04-28"));
    let m = d.mail_to(&u, |m| m.subject.contains("more time")).unwrap();
    assert!(m.text.contains("2027-04-28") && m.text.contains("three systems"));
    assert!(conflict(requests.extend(&staff, &id, "and once more for good measure").await.unwrap_err()).contains("already"));

    // The CCPA request was not extended in time: at 00:00 on 3 March it is overdue (alerted
    // once), and too late to extend.
    d.clock.set(midnight_ms(time::macros::date!(2027 - 03 - 03)));
    assert_eq!(requests.overdue().await.unwrap(), vec![ccpa_id.clone()]);
    requests.overdue().await.unwrap();
    let detail = requests.detail(&staff, &ccpa_id).await.unwrap();
    assert_eq!(detail["request"]["overdue"], true);
    let alerts = detail["request"]["events"].as_array().unwrap().iter().filter(|e| e["event"] == "overdue_alert").count();
    assert_eq!(alerts, 1, "alerted once");
    assert!(conflict(requests.extend(&staff, &ccpa_id, "we need more time to search").await.unwrap_err()).contains("too late"));

    // A refusal needs its reason and tells the person they may complain.
    let e = requests.refuse(&staff, &id, "no").await.unwrap_err();
    assert_eq!(e.field(), Some("reason"));
    requests.refuse(&staff, &id, "the name we hold is the one on your contract").await.unwrap();
    let m = d.mail_to(&u, |m| m.subject == "Your privacy request").unwrap();
    assert!(m.text.contains("supervisory authority") && m.text.contains("on your contract"));
    // A closed request cannot be worked again.
    assert!(conflict(requests.complete(&staff, &id, "done after all", BASE_URL).await.unwrap_err()).contains("closed"));
    // Only staff on duty work the queue.
    let someone = d.new_person().await;
    assert!(requests.queue(&someone.id).await.is_err());
});

both!(acceptance_7_links_expire_and_requests_are_not_duplicated, |b| async move {
    let d = Domain::open(b).await;
    let requests = d.cb.requests();
    let eu = RegionId::new("eu");
    let e = requests.submit(ask("everything", "a@example.test", None), BASE_URL).await.unwrap_err();
    assert_eq!(e.field(), Some("kind"));
    assert_eq!(requests.submit(ask("access", "not an address", None), BASE_URL).await.unwrap_err().code().as_str(), "validation_failed");
    assert!(requests.all(&eu).await.unwrap().is_empty(), "nothing recorded");
    // Forged links.
    assert!(matches!(requests.verify("forged", BASE_URL).await, Err(CoreError::LinkInvalid)));
    assert!(matches!(requests.confirm("forged").await, Err(CoreError::LinkInvalid)));
    // A second request of the same kind while one runs.
    let who = canary_email("twice");
    requests.submit(ask("erasure", &who, None), BASE_URL).await.unwrap();
    assert!(conflict(requests.submit(ask("erasure", &who, None), BASE_URL).await.unwrap_err()).contains("already in progress"));
    assert_eq!(requests.all(&eu).await.unwrap().len(), 1);
    // An expired link: 72 hours, then the request closes as expired.
    let link = d.link_in_mail(&who, "Confirm");
    d.clock.advance(72 * HOUR + 1);
    let token = link.split("token=").nth(1).unwrap();
    assert!(matches!(requests.verify(token, BASE_URL).await, Err(CoreError::LinkInvalid)));
    assert_eq!(requests.upkeep().await.unwrap().0, 1);
    assert_eq!(requests.all(&eu).await.unwrap()[0].state, "expired");
    // Staff entry of an emailed request takes the same path (and needs staff).
    let someone = d.new_person().await;
    let emailed = NewRequest { channel: "email".into(), ..ask("objection", &who, Some("received by email on Monday")) };
    assert!(requests.enter_for(&someone.id, emailed.clone(), BASE_URL).await.is_err());
    let staff = d.officer().await.id;
    let id = requests.enter_for(&staff, emailed, BASE_URL).await.unwrap();
    let r = requests.all(&eu).await.unwrap().into_iter().find(|r| r.id == id).unwrap();
    assert_eq!((r.channel.as_str(), r.state.as_str()), ("email", "unverified"));
});
// C-CCPA-1, C-SHARE-7: categories collected and disclosed in the last 12 months, from the records.
both!(ccpa_right_to_know_answers_from_the_records, |b| async move {
    let d = Domain::open(b).await;
    let u = d.new_person().await;
    let staff = d.new_staff("officer", Role::PrivacyOfficer, Some(time::macros::date!(2026 - 11 - 01))).await.id;
    let requests = d.cb.requests();
    // A disclosure to a declared recipient is logged; the person is told beforehand.
    let recipient = d.cb.policy().doc().recipients[0].id.clone();
    let basis = "legal obligation (court order 42)";
    let disclosed = requests.record_disclosure(&staff, &u.id, &recipient, basis, "account", Some("dpo@recipient.example"), None).await;
    assert!(!disclosed.unwrap().is_empty());
    let undeclared = requests.record_disclosure(&staff, &u.id, "nobody", "x y z", "account", None, None).await;
    assert!(undeclared.is_err(), "only declared recipients");
    let eu = d.region("eu").clone();
    let know = requests.right_to_know(&eu, &u.id).await.unwrap();
    let collected: Vec<&str> = know["collected"].as_array().unwrap().iter().map(|c| c["category"].as_str().unwrap()).collect();
    assert!(collected.contains(&"account") && collected.contains(&"security"));
    assert_eq!(know["disclosed_for_a_business_purpose"][0]["recipient"], recipient.as_str());
    assert!(know["sold"].as_array().unwrap().is_empty(), "no sale (C-SHARE-6)");
    // Erasure tells the recipient (Art. 19) and the receipt says so.
    let receipt = d.cb.accounts().delete(&u.principal, Some(Zeroizing::new(u.password.clone()))).await.unwrap();
    let notified = &receipt.receipt["recipients_notified"][0];
    assert_eq!((notified["recipient"].as_str(), notified["notified"].as_bool()), (Some(recipient.as_str()), Some(true)));
    let m = d.mail_to("dpo@recipient.example", |m| m.subject == "Erasure notice").expect("the recipient is told");
    assert!(m.text.contains(u.id.as_str()) && !m.text.contains(&u.email), "by pseudonymous id, never by address");
});
