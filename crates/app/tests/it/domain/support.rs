//! The support desk in the domain (issue 16; C-DATA-4, C-CONTACT-1): a message from anyone
//! sealed with its requester's own key and acknowledged with a private link, staff who open a
//! ticket for a reason (audited) and answer by email, replies by email threaded back into the
//! ticket, a message to the privacy contact that becomes a rights request, the export and
//! erasure of an account holder's tickets, closed tickets erased after the policy's period,
//! and the training gate. (The form, the API and the pages over HTTP: `it/support.rs`.)

use super::*;
use clearboard_core::business::support::service::NewTicket;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, DAY, date_of};
use clearboard_testkit::domain::BASE_URL;

pub fn ask(email: &str, subject: &str, message: &str) -> NewTicket {
    NewTicket {
        first_name: canary("First"),
        last_name: canary("Last"),
        email: email.into(),
        phone: Some("+33 1 23 45 67 89".into()),
        subject: subject.into(),
        message: message.into(),
        lang: "en".into(),
        channel: "web_form".into(),
        ..Default::default()
    }
}

/// An email as a mail client sends it.
pub fn email(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!("From: Zoé Martin <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <x1@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n")
        .into_bytes()
}

async fn trained(d: &Domain, tag: &str) -> clearboard_testkit::Person {
    d.new_staff(tag, Role::Support, Some(date_of(d.clock.now_ms()))).await
}

/// The private link's token, from the acknowledgement sent to `to`.
fn token_of(d: &Domain, to: &str) -> String {
    let ack = d.mail_to(to, |m| m.subject.contains("We received your message")).expect("an acknowledgement");
    let link = ack.first_link().expect("a link");
    assert!(link.starts_with(&format!("{BASE_URL}/support/ticket#")), "the token travels in the fragment: {link}");
    link.split('#').nth(1).unwrap().to_string()
}

// C-DATA-4: names, phone, email and the request are stored for assistance, sealed with the
// requester's own key; staff answer by email and the requester's emailed reply lands in the
// same ticket (acceptance 1, in process; over HTTP with the SMTP sink: `it/support.rs`).
both!(c_data_4_a_message_is_sealed_answered_and_threaded_back_by_email, |b| async move {
    let d = Domain::open(b).await;
    let staff = trained(&d, "desk").await;
    let from = canary_email("visitor");
    let message = canary("Msg");
    let new = ask(&from, "Cannot upload an image", &format!("My picture fails: {message}"));
    let (first, last) = (new.first_name.clone(), new.last_name.clone());
    let id = d.cb.support().submit(new, BASE_URL).await.unwrap();
    let token = token_of(&d, &from);
    let ack = d.mail_to(&from, |m| m.subject.contains("We received")).unwrap();
    let reference = ack.subject.split(['[', ']']).nth(1).unwrap().to_string();
    assert!(reference.starts_with("CB-") && ack.text.contains(&reference));

    // Stored sealed: nothing of it in clear in the region's tables.
    let t = d.region("eu").support.ticket(&id).await.unwrap().unwrap();
    for needle in [&from, &first, &last, &message] {
        for bytes in [&t.contact, &t.title] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} in clear");
        }
    }
    assert_eq!((t.status.as_str(), t.channel.as_str(), t.topic.as_str()), ("open", "web_form", "general"));

    // The queue shows no personal data; opening names a reason, written to the requester's trail.
    let queue = d.cb.support().queue(&staff.principal, None).await.unwrap();
    let listed = serde_json::to_string(&queue).unwrap();
    assert!(listed.contains(&reference) && !listed.contains(&from) && !listed.contains(&message), "{listed}");
    let opened = d.cb.support().open(&staff.principal, &id, "support_request").await.unwrap();
    assert_eq!((opened.email.as_str(), opened.first_name.as_str(), opened.messages.len()), (from.as_str(), first.as_str(), 1));
    let trail = d.region("eu").store.audit_about(&t.requester_id).await.unwrap();
    let open_entry = trail.iter().find(|e| e.action == "staff.ticket_opened").expect("the opening is in the trail");
    assert!(open_entry.detail.contains("support_request") && open_entry.actor == format!("staff:{}", staff.id));
    assert_eq!(open_entry.purpose.as_deref(), Some("assistance"));

    // A staff reply goes out by email with the reference.
    d.cb.support().reply(&staff.principal, &id, Some("Please try a PNG file."), None).await.unwrap();
    let answer = d.mail_to(&from, |m| m.subject.contains("Re:")).expect("the answer is emailed");
    assert!(answer.subject.contains(&reference) && answer.text.contains("Please try a PNG file."));
    let summary = d.cb.support().queue(&staff.principal, Some("waiting")).await.unwrap();
    assert!(summary.iter().any(|s| s.id == id && s.assigned));

    // The requester answers by email: threaded by the reference from the ticket's address.
    let raw = email(
        &from,
        "support@example.org",
        &format!("Re: [{reference}] Re: Cannot upload an image"),
        "It works now, thanks!\n\nOn Mon, clearboard wrote:\n> Please try a PNG file.",
    );
    let delivered = d.cb.support().inbound(&raw, BASE_URL).await.unwrap();
    assert_eq!((delivered.ticket.as_str(), delivered.outcome), (id.as_str(), "threaded"));
    // …or by the private link's token quoted in a reply from anywhere.
    let quoted =
        email(&canary_email("forwarded"), "support@example.org", "Fwd", &format!("One more thing.\n> {BASE_URL}/support/ticket#{token}"));
    assert_eq!(d.cb.support().inbound(&quoted, BASE_URL).await.unwrap().ticket, id);
    let view = d.cb.support().by_token(&token).await.unwrap();
    let thread: Vec<(&str, &str)> = view.messages.iter().map(|m| (m.author.as_str(), m.text.as_str())).collect();
    assert_eq!(
        thread[1..],
        [("staff", "Please try a PNG file."), ("requester", "It works now, thanks!"), ("requester", "One more thing.")]
    );
    assert_eq!((view.status.as_str(), view.messages[2].channel.as_str()), ("open", "email"));

    // The reference alone from another address does not reach the ticket: a new one opens.
    let stranger = email(&canary_email("stranger"), "support@example.org", &format!("Re: [{reference}]"), "let me in");
    let other = d.cb.support().inbound(&stranger, BASE_URL).await.unwrap();
    assert_eq!(other.outcome, "new_ticket");
    assert_ne!(other.ticket, id);
    // A wrong token opens nothing.
    assert!(matches!(d.cb.support().by_token("A".repeat(43).as_str()).await, Err(CoreError::LinkInvalid)));
});

// Acceptance 2: the same work and the same kind of answer whatever the address (an account's
// or not); a screenshot loses its GPS position and is sealed; bounds are enforced.
both!(acceptance_2_same_work_for_every_address_and_attachments_lose_gps, |b| async move {
    use clearboard_core::platform::media::testset;
    let d = Domain::open(b).await;
    let known = d.new_person().await;
    let unknown = canary_email("unknown");
    let mut shapes = Vec::new();
    for to in [&known.email, &unknown] {
        let new = NewTicket { first_name: "Sam".into(), last_name: "Doe".into(), phone: None, ..ask(to, "Hello", "A question") };
        d.cb.support().submit(new, BASE_URL).await.unwrap();
        let ack = d.mail_to(to, |m| m.subject.contains("We received")).expect("both are acknowledged");
        // The same words but for the reference and the link's token.
        let reference = ack.subject.split(['[', ']']).nth(1).unwrap().to_string();
        let token = ack.first_link().unwrap().split('#').nth(1).unwrap().to_string();
        shapes.push((ack.subject.replace(&reference, "REF"), ack.text.replace(&reference, "REF").replace(&token, "TOKEN")));
    }
    assert_eq!(shapes[0], shapes[1], "the acknowledgements do not tell an account from a stranger");

    let m = canary("Gps");
    let mut new = ask(&unknown, "Screenshot", "see attached");
    new.attachment = Some(testset::forensic_jpeg(&m));
    let id = d.cb.support().submit(new, BASE_URL).await.unwrap();
    let region = d.region("eu");
    let msg = &region.support.messages(&id).await.unwrap()[0];
    assert_eq!(msg.attachment_type.as_deref(), Some("image/jpeg"));
    let t = region.support.ticket(&id).await.unwrap().unwrap();
    let key = d.cb.keys().current(region, &t.requester_id).await.unwrap();
    let blob = msg.attachment_blob.clone().unwrap();
    let sealed = region.blobs.get(&blob).await.unwrap().unwrap();
    assert!(!testset::contains(&sealed, m.as_bytes()), "sealed on disk");
    let aad = clearboard_vault::Aad { table: "support_messages", column: "attachment", row: blob.as_str() };
    let clear = clearboard_vault::stream::open(&key, aad, &sealed).unwrap();
    assert!(clear.starts_with(&[0xFF, 0xD8, 0xFF]), "still a JPEG");
    for marker in ["-exif", "-gps-second", "-xmp", "-com", "-after-eoi"] {
        assert!(!testset::contains(&clear, format!("{m}{marker}").as_bytes()), "{marker} survived");
    }
    // What is not an image is refused by its content; bounds hold.
    let mut bad = ask(&unknown, "x", "y");
    bad.attachment = Some(b"%PDF-1.7 not an image".to_vec());
    assert!(matches!(d.cb.support().submit(bad, BASE_URL).await, Err(CoreError::UnsupportedMedia(_))));
    let e = d.cb.support().submit(ask(&unknown, "x", &"y".repeat(10_001)), BASE_URL).await.unwrap_err();
    assert_eq!(e.field(), Some("message"));
    let e = d.cb.support().submit(ask("not an address", "x", "y"), BASE_URL).await.unwrap_err();
    assert_eq!(e.field(), Some("email"));
});

// C-CONTACT-1: a message to the published privacy contact asking for a right becomes a
// tracked rights request of the existing engine, linked to its ticket; anything else stays a
// ticket (acceptance 3).
both!(c_contact_1_a_rights_message_to_the_privacy_contact_becomes_a_rights_request, |b| async move {
    let d = Domain::open(b).await;
    let officer = d.officer().await;
    let privacy = d.cb.policy().doc().controller.privacy_contact.clone();
    let from = canary_email("rights");
    let raw = email(&from, &privacy, "My data", "Hello, please delete my account and all my data.");
    let delivered = d.cb.support().inbound(&raw, BASE_URL).await.unwrap();
    assert_eq!(delivered.outcome, "new_ticket");
    let t = d.region("eu").support.ticket(&delivered.ticket).await.unwrap().unwrap();
    assert_eq!((t.topic.as_str(), t.channel.as_str()), ("privacy", "email"));
    let request = t.rights_request_id.clone().expect("the ticket names the rights request");
    let detail = d.cb.requests().detail(&officer.id, &request).await.unwrap();
    let detail = serde_json::to_value(&detail).unwrap();
    assert_eq!((detail["request"]["kind"].as_str(), detail["request"]["channel"].as_str()), (Some("erasure"), Some("email")), "{detail}");
    assert!(d.mail_to(&from, |m| m.subject.contains("Confirm your privacy request")).is_some(), "the engine's verification link is sent");
    // The same from the contact form, in French.
    let mut fr = ask(&canary_email("formfr"), "Mes données", "Je voudrais une copie de mes données personnelles.");
    fr.topic = "privacy".into();
    fr.lang = "fr".into();
    let id = d.cb.support().submit(fr, BASE_URL).await.unwrap();
    let t = d.region("eu").support.ticket(&id).await.unwrap().unwrap();
    let kind = serde_json::to_value(d.cb.requests().detail(&officer.id, t.rights_request_id.as_deref().unwrap()).await.unwrap()).unwrap();
    assert_eq!(kind["request"]["kind"].as_str(), Some("access"));
    // A question to the privacy contact that asks for no right stays a ticket.
    let q = email(&canary_email("question"), &privacy, "Cookies", "Which cookies do you set on the landing page?");
    let t = d.cb.support().inbound(&q, BASE_URL).await.unwrap();
    assert_eq!(d.region("eu").support.ticket(&t.ticket).await.unwrap().unwrap().rights_request_id, None);
    // …and a rights-sounding message to support is not routed.
    let s = email(&canary_email("support"), "support@example.org", "Account", "How do I delete my board?");
    let t = d.cb.support().inbound(&s, BASE_URL).await.unwrap();
    assert_eq!(d.region("eu").support.ticket(&t.ticket).await.unwrap().unwrap().rights_request_id, None);
});

// C-DATA-4 (retention: three years after the request is closed): the scheduler erases a
// closed ticket with its key once the period has passed, keeps open ones, and the queue says
// when each closed ticket goes (acceptance 4).
both!(c_data_4_closed_tickets_are_erased_three_years_after_closing_open_ones_kept, |b| async move {
    let d = Domain::open(b).await;
    let staff = trained(&d, "closer").await;
    let support = d.cb.support();
    let closed = support.submit(ask(&canary_email("closed"), "Done", "Solved soon"), BASE_URL).await.unwrap();
    let open = support.submit(ask(&canary_email("open"), "Pending", "Still open"), BASE_URL).await.unwrap();
    let change = clearboard_core::business::support::desk::TicketUpdate { status: Some("closed".into()), assign_to_me: Some(true) };
    let s = support.update(&staff.principal, &closed, change).await.unwrap();
    let closed_at = d.clock.now_ms();
    assert_eq!(s.erase_after.as_deref(), Some(clearboard_core::platform::clock::rfc3339(closed_at + 1095 * DAY).as_str()));
    let region = d.region("eu");
    let requester = region.support.ticket(&closed).await.unwrap().unwrap().requester_id;

    // Just before the period: nothing goes.
    d.clock.set(closed_at + 1095 * DAY - 1);
    let run = d.cb.retention().run().await.unwrap();
    let rule = run.iter().find(|r| r.rule.starts_with("assistance")).expect("the rule runs");
    assert_eq!((rule.due, rule.purged), (0, 0));
    assert!(region.support.ticket(&closed).await.unwrap().is_some());
    // Past it: the closed ticket goes with its key; the open one stays, readable.
    d.clock.set(closed_at + 1095 * DAY + 1);
    let status = d.cb.retention().status().await.unwrap();
    assert_eq!(status.iter().find(|r| r.rule.starts_with("assistance")).unwrap().due, 1);
    let run = d.cb.retention().run().await.unwrap();
    assert_eq!(run.iter().find(|r| r.rule.starts_with("assistance")).unwrap().purged, 1);
    assert!(region.support.ticket(&closed).await.unwrap().is_none());
    assert!(region.support.messages(&closed).await.unwrap().is_empty());
    assert!(matches!(d.cb.keys().current(region, &requester).await, Err(CoreError::Erased)));
    assert!(support.open(&staff.principal, &open, "support_request").await.is_err(), "the staff training ran out meanwhile");
    let fresh = trained(&d, "fresh").await;
    assert_eq!(support.open(&fresh.principal, &open, "support_request").await.unwrap().messages[0].text, "Still open");
});

// The account holder's tickets are in their export (C-DSR-3) and go with their account
// (C-DSR-4): those written signed in and those sent from the account's address.
both!(an_account_holders_tickets_are_exported_and_erased_with_the_account, |b| async move {
    let d = Domain::open(b).await;
    let p = d.new_person().await;
    let support = d.cb.support();
    let mut signed_in = ask(&canary_email("elsewhere"), "From the app", "Signed in");
    signed_in.account = Some(p.id.clone());
    support.submit(signed_in, BASE_URL).await.unwrap();
    support.submit(ask(&p.email, "By address", "From my address"), BASE_URL).await.unwrap();
    support.submit(ask(&canary_email("someone"), "Not mine", "Someone else"), BASE_URL).await.unwrap();
    let mine = support.mine(&p.principal).await.unwrap();
    assert_eq!(mine.len(), 2);
    // A staff member's opening is in the account holder's own trail too.
    let desk = trained(&d, "acctdesk").await;
    for t in &mine {
        support.open(&desk.principal, &t.id, "support_request").await.unwrap();
    }
    let own = d.region("eu").store.audit_about(&p.id).await.unwrap();
    let opened = own.iter().filter(|e| e.action == "staff.ticket_opened" && e.detail.contains("support_request")).count();
    assert_eq!(opened, 2, "both openings (signed in, by address) are in the account's trail: {own:?}");
    let region = d.region("eu").clone();
    let export = clearboard_core::privacy::rights::categories::export_category(&d.cb, &region, &p.id, "assistance").await.unwrap();
    let texts: Vec<&str> = export["tickets"].as_array().unwrap().iter().map(|t| t["messages"][0]["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 2);
    assert!(texts.contains(&"Signed in") && texts.contains(&"From my address"));
    let receipt =
        d.cb.erasure()
            .erase_account(&region.id, &p.id, "self_service", None, clearboard_core::platform::audit::Actor::System)
            .await
            .unwrap();
    assert_eq!(receipt.receipt["erased"]["support_tickets"].as_u64(), Some(2));
    let left = region.support.tickets(None).await.unwrap();
    assert_eq!(left.len(), 1, "only the stranger's ticket is left");
});

// C-SHARE-1 for the desk (acceptance 5): staff without current training are refused, and the
// refusal is in the audit trail of the person whose ticket it was; a role the reason does not
// fit is refused too; people who are not staff learn nothing.
both!(acceptance_5_staff_without_current_training_are_refused_and_audited, |b| async move {
    let d = Domain::open(b).await;
    let id = d.cb.support().submit(ask(&canary_email("asked"), "Help", "Please"), BASE_URL).await.unwrap();
    let requester = d.region("eu").support.ticket(&id).await.unwrap().unwrap().requester_id;
    let untrained = d.new_staff("untrained", Role::Support, None).await;
    let lapsed = d.new_staff("lapsed", Role::Support, Some(date_of(d.clock.now_ms() - 400 * DAY))).await;
    for s in [&untrained, &lapsed] {
        assert!(matches!(d.cb.support().queue(&s.principal, None).await, Err(CoreError::StaffTrainingRequired)));
        assert!(matches!(d.cb.support().open(&s.principal, &id, "support_request").await, Err(CoreError::StaffTrainingRequired)));
        assert!(matches!(d.cb.support().reply(&s.principal, &id, Some("hi"), None).await, Err(CoreError::StaffTrainingRequired)));
    }
    let trail = d.region("eu").store.audit_about(&requester).await.unwrap();
    let refusals: Vec<_> = trail.iter().filter(|e| e.action == "staff.access_refused").collect();
    assert_eq!(refusals.len(), 4, "each refused opening and reply is in the person's trail: {trail:?}");
    assert!(refusals.iter().all(|e| e.detail.contains("staff_training_required")));
    assert!(
        refusals.iter().any(|e| e.actor == format!("staff:{}", untrained.id))
            && refusals.iter().any(|e| e.actor == format!("staff:{}", lapsed.id))
    );
    assert!(!trail.iter().any(|e| e.action == "staff.ticket_opened"));
    // Support staff may not open a ticket as a rights request; non-staff get Forbidden only.
    let desk = trained(&d, "desk5").await;
    assert!(matches!(d.cb.support().open(&desk.principal, &id, "rights_request").await, Err(CoreError::Forbidden)));
    let nobody = d.new_person().await;
    assert!(matches!(d.cb.support().open(&nobody.principal, &id, "support_request").await, Err(CoreError::Forbidden)));
    assert!(matches!(d.cb.support().queue(&nobody.principal, None).await, Err(CoreError::Forbidden)));
    assert_eq!(d.cb.support().open(&desk.principal, &id, "support_request").await.unwrap().messages[0].text, "Please");
});

// C-DSR-4 for someone without an account: their erasure request, verified from the address
// they wrote from (here made by writing to the privacy contact), erases every ticket sent
// from that address, with its key; someone else's stays.
both!(an_erasure_request_from_an_address_without_account_erases_its_tickets, |b| async move {
    let d = Domain::open(b).await;
    let officer = d.officer().await;
    let from = canary_email("noaccount");
    d.cb.support().submit(ask(&from, "Question", "How do boards work?"), BASE_URL).await.unwrap();
    let other = d.cb.support().submit(ask(&canary_email("other"), "Mine", "Keep me"), BASE_URL).await.unwrap();
    let privacy = d.cb.policy().doc().controller.privacy_contact.clone();
    let asked =
        d.cb.support().inbound(&email(&from, &privacy, "Erasure", "Please erase everything you hold about me."), BASE_URL).await.unwrap();
    let region = d.region("eu");
    let request = region.support.ticket(&asked.ticket).await.unwrap().unwrap().rights_request_id.expect("routed");
    let link = d.link_in_mail(&from, "Confirm");
    let token = link.split("token=").nth(1).unwrap();
    assert_eq!(d.cb.requests().verify(token, BASE_URL).await.unwrap(), "open");
    let requesters: Vec<_> =
        region.support.tickets(None).await.unwrap().into_iter().filter(|t| t.id != other).map(|t| t.requester_id).collect();
    assert_eq!(requesters.len(), 2);
    d.cb.requests().complete(&officer.id, &request, "", BASE_URL).await.unwrap();
    let answer = d.mail_to(&from, |m| m.subject.contains("our answer")).unwrap();
    assert!(answer.text.contains("What we held is erased") && answer.text.contains("- support requests: 2"), "{}", answer.text);
    let left: Vec<String> = region.support.tickets(None).await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(left, vec![other]);
    for r in &requesters {
        assert!(matches!(d.cb.keys().current(region, r).await, Err(CoreError::Erased)));
    }
});

// C-RET-3 for tickets: a closed ticket of an account holder under a legal hold on the
// `assistance` category outlives the three years (counted as held), and goes at the first run
// after the hold ends.
both!(a_legal_hold_on_assistance_keeps_a_closed_ticket_past_its_period, |b| async move {
    let d = Domain::open(b).await;
    let person = d.new_person().await;
    let staff = trained(&d, "holder").await;
    let officer = d.new_staff("dpo", Role::PrivacyOfficer, Some(date_of(d.clock.now_ms()))).await;
    let support = d.cb.support();
    let mut new = ask(&person.email, "Dispute", "About invoice 12");
    new.account = Some(person.id.clone());
    let id = support.submit(new, BASE_URL).await.unwrap();
    let change = clearboard_core::business::support::desk::TicketUpdate { status: Some("closed".into()), assign_to_me: Some(true) };
    support.update(&staff.principal, &id, change).await.unwrap();
    let closed_at = d.clock.now_ms();
    let until = closed_at + 1500 * DAY;
    d.cb.retention()
        .place_hold(&officer.principal, &person.id, "assistance", "Commercial dispute, court case pending", until)
        .await
        .unwrap();
    let region = d.region("eu");

    d.clock.set(closed_at + 1095 * DAY + 1);
    let run = d.cb.retention().run().await.unwrap();
    let rule = run.iter().find(|r| r.rule.starts_with("assistance")).unwrap();
    assert_eq!((rule.due, rule.purged, rule.held), (1, 0, 1));
    assert!(region.support.ticket(&id).await.unwrap().is_some(), "kept under the hold");

    d.clock.set(until + 1);
    let run = d.cb.retention().run().await.unwrap();
    let rule = run.iter().find(|r| r.rule.starts_with("assistance")).unwrap();
    assert_eq!((rule.due, rule.purged, rule.held), (1, 1, 0));
    assert!(region.support.ticket(&id).await.unwrap().is_none(), "gone once the hold ended");
});

// Threading by the reference header: the desk's messages carry the ticket's thread id in
// `References`; a reply whose client rewrote the subject still lands in its ticket when it
// comes from the ticket's address, and opens a new ticket from anyone else.
both!(a_reply_threads_by_its_references_header_when_the_subject_lost_the_reference, |b| async move {
    use clearboard_core::business::support::service::thread_id;
    let d = Domain::open(b).await;
    let from = canary_email("threaded");
    let id = d.cb.support().submit(ask(&from, "Export fails", "The export never arrives."), BASE_URL).await.unwrap();
    let ack = d.mail_to(&from, |m| m.subject.contains("We received")).unwrap();
    let reference = ack.subject.split(['[', ']']).nth(1).unwrap().to_string();
    let refs: Vec<&str> = ack.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("references")).map(|(_, v)| v.as_str()).collect();
    assert_eq!(refs, [thread_id(&reference).as_str()], "the acknowledgement carries the thread id");
    let reply = |sender: &str| {
        format!(
            "From: Sam <{sender}>\r\nTo: support@example.org\r\nSubject: my export\r\nIn-Reply-To: <a1b2@mail.example>\r\nReferences: <a1b2@mail.example>\r\n {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nStill nothing today.\r\n",
            thread_id(&reference)
        )
    };
    let delivered = d.cb.support().inbound(reply(&from).as_bytes(), BASE_URL).await.unwrap();
    assert_eq!((delivered.ticket.as_str(), delivered.outcome), (id.as_str(), "threaded"));
    let stranger = canary_email("stranger");
    let other = d.cb.support().inbound(reply(&stranger).as_bytes(), BASE_URL).await.unwrap();
    assert_eq!(other.outcome, "new_ticket", "someone else quoting the thread id does not join the ticket");
});
