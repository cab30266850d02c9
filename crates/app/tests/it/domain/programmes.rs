//! The programmes in the domain (issue 18; C-DATA-5, C-DATA-6): registration for an event
//! with confirmation from the mailbox, the calendar file, cancellation and the waiting list's
//! promotion, check-in, and the purge the policy's period after the event; a visit recorded,
//! badged without the phone and purged; a training's registration, attendance and a PDF
//! certificate read back with poppler's `pdftotext`; export and erasure of an attendee with
//! an account (raw scan with a positive control); staff without the role or the training
//! refused and logged. (The public pages and the API over HTTP: `it/programmes.rs`.)

use super::*;
use clearboard_core::business::programmes::registrations::NewRegistration;
use clearboard_core::business::programmes::sessions::NewSession;
use clearboard_core::business::programmes::visits::NewVisit;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, DAY, HOUR, date_of};
use clearboard_core::platform::ports::Programme;
use clearboard_testkit::domain::BASE_URL;

async fn desk(d: &Domain, tag: &str) -> clearboard_testkit::Person {
    d.new_staff(tag, Role::Support, Some(date_of(d.clock.now_ms()))).await
}

fn person(email: &str, phone: Option<&str>, address: Option<&str>) -> NewRegistration {
    NewRegistration {
        first_name: canary("First"),
        last_name: canary("Last"),
        email: email.into(),
        phone: phone.map(Into::into),
        postal_address: address.map(Into::into),
        lang: "en".into(),
        invitations: false,
    }
}

/// The token of the newest link to `path` mailed to `to`.
fn token_in_mail(d: &Domain, to: &str, path: &str) -> String {
    let m = d.mail_to(to, |m| m.subject.starts_with("Confirm your registration")).expect("a confirmation request");
    let link = m.first_link().expect("a link");
    assert!(link.starts_with(&format!("{BASE_URL}{path}#")), "the token travels in the fragment: {link}");
    link.split('#').nth(1).unwrap().to_string()
}

fn event(title: &str, starts: i64, capacity: Option<i64>) -> NewSession {
    NewSession {
        title: title.into(),
        description: Some("Retro boards, live.".into()),
        starts_at: Some(starts),
        ends_at: Some(starts + 2 * HOUR),
        place: Some("online".into()),
        capacity,
        ..Default::default()
    }
}

// C-DATA-5, acceptance 1: register (confirmation, calendar file, cancel, waiting list
// promotion), check in, and the registrations are erased 30 days after the event ends.
both!(c_data_5_event_registration_waiting_list_check_in_and_purge_after_the_event, |b| async move {
    let d = Domain::open(b).await;
    let staff = desk(&d, "eventdesk").await;
    let p = d.cb.programmes();
    let starts = d.clock.now_ms() + 10 * DAY;
    let id = p.publish(&staff.principal, Programme::Event, event("Retro night", starts, Some(1))).await.unwrap();
    let listed = p.upcoming(Programme::Event).await.unwrap();
    assert_eq!((listed.len(), listed[0].seats_left, listed[0].online), (1, Some(1), true));

    let (a, b2) = (canary_email("alice"), canary_email("bob"));
    let first = person(&a, Some("+33 6 12 34 56 78"), None);
    let (first_name, last_name) = (first.first_name.clone(), first.last_name.clone());
    p.register(Programme::Event, &id, first, BASE_URL).await.unwrap();
    // Bob also asks to be invited to future events: outreach's list asks him to confirm from
    // his mailbox (double opt-in) before anything is sent to him.
    let mut bob = person(&b2, None, None);
    bob.invitations = true;
    p.register(Programme::Event, &id, bob, BASE_URL).await.unwrap();
    let invite =
        d.mails().into_iter().find(|m| m.to[0] == b2 && m.text.contains("/newsletter/confirm?token=")).expect("outreach's confirmation");
    assert!(!invite.text.contains("/events/registration"));
    assert!(d.mail_to(&a, |m| m.text.contains("/newsletter/confirm")).is_none(), "only those who ask");
    let (ta, tb) = (token_in_mail(&d, &a, "/events/registration"), token_in_mail(&d, &b2, "/events/registration"));
    // Sealed: nothing of it in clear in the row.
    let region = d.region("eu");
    let rows = region.programmes.registrations(Programme::Event, &id).await.unwrap();
    assert_eq!(rows.len(), 2);
    for needle in [&a, &first_name, &last_name, &"+33 6 12 34 56 78".to_string()] {
        assert!(!rows[0].contact.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} in clear");
    }
    // The same address again: the same answer, no second registration, a note by email.
    p.register(Programme::Event, &id, person(&a, None, None), BASE_URL).await.unwrap();
    assert!(d.mail_to(&a, |m| m.subject == "You are already registered").is_some());
    assert_eq!(region.programmes.registrations(Programme::Event, &id).await.unwrap().len(), 2);

    // Confirmation from the mailbox: Alice takes the seat, Bob waits.
    let (_, ra) = p.confirm(Programme::Event, &ta, BASE_URL).await.unwrap();
    let (_, rb) = p.confirm(Programme::Event, &tb, BASE_URL).await.unwrap();
    assert_eq!((ra.state.as_str(), rb.state.as_str()), ("registered", "waiting"));
    let confirmed = d.mail_to(&a, |m| m.subject.starts_with("Registration confirmed")).expect("a confirmation");
    assert!(confirmed.text.contains(&format!("{BASE_URL}/api/v1/events/{id}/calendar.ics")), "{}", confirmed.text);
    assert!(d.mail_to(&b2, |m| m.subject.starts_with("Waiting list")).is_some());
    assert_eq!(p.session(Programme::Event, &id).await.unwrap().seats_left, Some(0));
    let ics = p.calendar(Programme::Event, &id).await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("SUMMARY:Retro night\r\n") && ics.contains("BEGIN:VEVENT"), "{ics}");
    assert!(!ics.contains(&a) && !ics.contains(&first_name), "the calendar file names no attendee");
    let (_, view) = p.by_token(Programme::Event, &ta).await.unwrap();
    assert_eq!((view.email.as_str(), view.phone.as_deref()), (a.as_str(), Some("+33 6 12 34 56 78")));

    // Alice cancels: her registration goes at once with its key; Bob is promoted and told.
    let alice = region
        .programmes
        .registration_by_token_hash(Programme::Event, &clearboard_core::platform::tokens::token_hash(&ta))
        .await
        .unwrap()
        .unwrap();
    p.cancel(Programme::Event, &ta, BASE_URL).await.unwrap();
    assert!(region.programmes.registration(Programme::Event, &alice.id).await.unwrap().is_none());
    assert!(matches!(d.cb.keys().current(region, &alice.subject_id).await, Err(CoreError::Erased)));
    assert!(matches!(p.by_token(Programme::Event, &ta).await, Err(CoreError::LinkInvalid)));
    assert!(d.mail_to(&b2, |m| m.subject.starts_with("Registration confirmed")).is_some(), "Bob is told he has the seat");

    // The check-in list, opened for the reason `events`, in each attendee's trail; check-in.
    let list = p.attendance_list(&staff.principal, Programme::Event, &id).await.unwrap();
    assert_eq!(list.registrations.len(), 1);
    assert_eq!((list.registrations[0].state.as_str(), list.registrations[0].email.as_str()), ("registered", b2.as_str()));
    let ends = starts + 2 * HOUR;
    assert_eq!(list.erase_after.as_deref(), Some(clearboard_core::platform::clock::rfc3339(ends + 30 * DAY).as_str()));
    let bob = region.programmes.registration(Programme::Event, &list.registrations[0].id).await.unwrap().unwrap();
    let checked = p.check_in(&staff.principal, Programme::Event, &bob.id, true).await.unwrap();
    assert!(checked.checked_in_at.is_some());
    let trail = region.store.audit_about(&bob.subject_id).await.unwrap();
    let opened = trail.iter().find(|e| e.action == "staff.attendance_list_opened").expect("the opening is in Bob's trail");
    assert!(opened.detail.contains("\"events\"") && opened.actor == format!("staff:{}", staff.id));
    assert!(trail.iter().any(|e| e.action == "programmes.checked_in"));

    // Retention: kept until 30 days after the end, then erased with the key.
    d.clock.set(ends + 30 * DAY - 1);
    let run = d.cb.retention().run().await.unwrap();
    assert_eq!(run.iter().find(|r| r.rule == "events:event_ended").map(|r| r.purged), Some(0));
    assert!(region.programmes.registration(Programme::Event, &bob.id).await.unwrap().is_some());
    d.clock.set(ends + 30 * DAY + 1);
    assert_eq!(d.cb.retention().status().await.unwrap().iter().find(|r| r.rule == "events:event_ended").unwrap().due, 1);
    let run = d.cb.retention().run().await.unwrap();
    assert_eq!(run.iter().find(|r| r.rule == "events:event_ended").map(|r| r.purged), Some(1));
    assert!(region.programmes.registration(Programme::Event, &bob.id).await.unwrap().is_none());
    assert!(matches!(d.cb.keys().current(region, &bob.subject_id).await, Err(CoreError::Erased)));
    // The event itself (no personal data) stays; it is past, so no longer listed.
    assert!(p.upcoming(Programme::Event).await.unwrap().is_empty());
    clearboard_testkit::logs::assert_clean(&[a.clone(), b2.clone(), first_name, last_name]);
});

// C-DATA-5, acceptance 2: a visit recorded by the front desk, a badge without the phone, the
// departure, and the visit erased 14 days after it ended.
both!(c_data_5_a_visit_is_recorded_badged_without_the_phone_and_purged_fourteen_days_after, |b| async move {
    let d = Domain::open(b).await;
    let staff = desk(&d, "frontdesk").await;
    let p = d.cb.programmes();
    let (first, last, phone) = (canary("Visitor"), canary("Guest"), "+33 1 98 76 54 32".to_string());
    let v = p
        .record_visit(
            &staff.principal,
            NewVisit { first_name: first.clone(), last_name: last.clone(), phone: Some(phone.clone()), host: "Camille Durand".into() },
        )
        .await
        .unwrap();
    assert_eq!((v.first_name.as_str(), v.phone.as_deref(), v.departed_at.as_deref()), (first.as_str(), Some(phone.as_str()), None));
    let badge = p.badge(&staff.principal, &v.id).await.unwrap();
    let printed = serde_json::to_string(&badge).unwrap();
    assert!(printed.contains(&first) && printed.contains(&last) && printed.contains("Camille Durand"));
    assert!(!printed.contains(&phone) && !printed.contains("phone"), "no phone on a badge: {printed}");
    let region = d.region("eu");
    let row = region.programmes.visit(&v.id).await.unwrap().unwrap();
    for needle in [&first, &last, &phone] {
        assert!(!row.contact.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} in clear");
    }
    let trail = region.store.audit_about(&row.subject_id).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "staff.badge_printed" && e.detail.contains("\"events\"")), "{trail:?}");

    d.clock.advance(3 * HOUR);
    let left = p.depart(&staff.principal, &v.id).await.unwrap();
    let departed = d.clock.now_ms();
    assert_eq!(left.erase_after.as_deref(), Some(clearboard_core::platform::clock::rfc3339(departed + 14 * DAY).as_str()));
    assert_eq!(p.visits(&staff.principal).await.unwrap().len(), 1);

    d.clock.set(departed + 14 * DAY - 1);
    d.cb.retention().run().await.unwrap();
    assert!(region.programmes.visit(&v.id).await.unwrap().is_some());
    d.clock.set(departed + 14 * DAY + 1);
    let run = d.cb.retention().run().await.unwrap();
    assert_eq!(run.iter().find(|r| r.rule == "events:visit_ended").map(|r| r.purged), Some(1));
    assert!(region.programmes.visit(&v.id).await.unwrap().is_none());
    assert!(matches!(d.cb.keys().current(region, &row.subject_id).await, Err(CoreError::Erased)));
});

/// The text of a PDF as poppler's `pdftotext` reads it (a real reader, not ours).
fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext from poppler-utils (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext refused the file: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

// C-DATA-6, acceptance 3: a training registration (names, email, postal address), attendance
// marked by the trainer, a certificate PDF with the right name and dates; erased 12 months
// after the training ends; a paid session cannot be published yet.
both!(c_data_6_training_registration_attendance_and_a_certificate_pdf_with_name_and_dates, |b| async move {
    let d = Domain::open(b).await;
    let trainer = desk(&d, "trainer").await;
    let p = d.cb.programmes();
    let starts = d.clock.now_ms() + 20 * DAY;
    let mut session = event("Facilitating workshops", starts, Some(10));
    session.ends_at = Some(starts + DAY + 8 * HOUR);
    session.trainer = Some("Dominique Martin".into());
    session.place = Some("Lyon".into());
    let mut paid = session.clone();
    paid.price = Some("450.00".into());
    assert_eq!(p.publish(&trainer.principal, Programme::Training, paid).await.unwrap_err().field(), Some("price"));
    let id = p.publish(&trainer.principal, Programme::Training, session).await.unwrap();

    let email = canary_email("trainee");
    let address = format!("{}\n12 rue de la Paix\n75002 Paris", canary("Addr"));
    assert_eq!(
        p.register(Programme::Training, &id, person(&email, None, None), BASE_URL).await.unwrap_err().field(),
        Some("postal_address")
    );
    let new = person(&email, None, Some(&address));
    let (first, last) = (new.first_name.clone(), new.last_name.clone());
    p.register(Programme::Training, &id, new, BASE_URL).await.unwrap();
    let token = token_in_mail(&d, &email, "/trainings/registration");
    let (_, r) = p.confirm(Programme::Training, &token, BASE_URL).await.unwrap();
    assert_eq!((r.state.as_str(), r.postal_address.as_deref()), ("registered", Some(address.as_str())));
    // No certificate before the trainer marks attendance.
    assert!(matches!(p.certificate_by_token(&token).await, Err(CoreError::Conflict(_))));
    let marked = p.check_in(&trainer.principal, Programme::Training, &r.id, true).await.unwrap();
    assert!(marked.checked_in_at.is_some());

    for pdf in [p.certificate_by_token(&token).await.unwrap(), p.certificate(&trainer.principal, &r.id).await.unwrap()] {
        assert!(pdf.starts_with(b"%PDF-1.4"));
        let text = pdftotext(&pdf);
        let (from, to) = (date_of(starts).to_string(), date_of(starts + DAY + 8 * HOUR).to_string());
        assert!(text.contains(&format!("{first} {last}")), "the name: {text}");
        assert!(text.contains(&format!("From / Du {from} to / au {to}")), "the dates: {text}");
        assert!(
            text.contains("Facilitating workshops") && text.contains("Dominique Martin") && text.contains("ATTESTATION DE PRÉSENCE"),
            "{text}"
        );
    }
    let region = d.region("eu");
    let row = region.programmes.registration(Programme::Training, &r.id).await.unwrap().unwrap();
    assert!(region.store.audit_about(&row.subject_id).await.unwrap().iter().any(|e| e.action == "staff.certificate_opened"));

    // Twelve months after the end: erased with the key.
    let ends = starts + DAY + 8 * HOUR;
    let period = d.cb.policy().doc().retention.iter().find(|x| x.name() == "trainings:training_ended").unwrap().period();
    d.clock.set(period.after(ends) - 1);
    d.cb.retention().run().await.unwrap();
    assert!(region.programmes.registration(Programme::Training, &r.id).await.unwrap().is_some());
    d.clock.set(period.after(ends) + 1);
    let run = d.cb.retention().run().await.unwrap();
    assert_eq!(run.iter().find(|x| x.rule == "trainings:training_ended").map(|x| x.purged), Some(1));
    assert!(matches!(d.cb.keys().current(region, &row.subject_id).await, Err(CoreError::Erased)));
    assert!(matches!(p.certificate_by_token(&token).await, Err(CoreError::LinkInvalid)));
});

// Acceptance 5 (C-DSR-3, C-DSR-4): an account holder's registrations for an event and a
// training (made from the account's address) are in their export, and go with the account:
// rows deleted, keys destroyed, nothing readable left on disk (raw scan, with a positive
// control: a session title, stored in clear, is found).
both!(an_attendees_registrations_are_exported_and_erased_with_the_account_leaving_no_trace, |b| async move {
    let d = on_disk(b).await;
    let staff = desk(&d, "exportdesk").await;
    let p = d.cb.programmes();
    let holder = d.new_person().await;
    let control = canary("ControlTitle");
    let starts = d.clock.now_ms() + 5 * DAY;
    let ev = p.publish(&staff.principal, Programme::Event, event(&control, starts, None)).await.unwrap();
    let tr = p.publish(&staff.principal, Programme::Training, event("Training", starts, None)).await.unwrap();
    let address = canary("Street");
    let mut e = person(&holder.email, Some("+33 7 11 22 33 44"), None);
    e.first_name = holder.first_name.clone();
    p.register(Programme::Event, &ev, e, BASE_URL).await.unwrap();
    let mut t = person(&holder.email, None, Some(&address));
    t.last_name = holder.last_name.clone();
    p.register(Programme::Training, &tr, t, BASE_URL).await.unwrap();
    let other = canary_email("other");
    p.register(Programme::Event, &ev, person(&other, None, None), BASE_URL).await.unwrap();

    let region = d.region("eu").clone();
    let cat = |c: &'static str| clearboard_core::privacy::rights::categories::export_category(&d.cb, &region, &holder.id, c);
    let events = cat("events").await.unwrap();
    let trainings = cat("trainings").await.unwrap();
    assert_eq!(events["registrations"].as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events["registrations"][0]["registration"]["first_name"], holder.first_name.as_str());
    assert_eq!(events["registrations"][0]["session"]["title"], control.as_str());
    assert_eq!(trainings["registrations"][0]["registration"]["postal_address"], address.as_str());

    // Positive control: the raw scan sees what is stored in clear.
    assert!(!d.scan_storage(std::slice::from_ref(&control)).await.is_empty(), "the raw scan sees a title stored in clear");
    let receipt =
        d.cb.erasure()
            .erase_account(&region.id, &holder.id, "self_service", None, clearboard_core::platform::audit::Actor::System)
            .await
            .unwrap();
    assert_eq!(receipt.receipt["erased"]["programme_registrations"].as_u64(), Some(2));
    let left = region.programmes.registrations(Programme::Event, &ev).await.unwrap();
    assert_eq!(left.len(), 1, "only the other person's registration is left");
    assert!(region.programmes.registrations(Programme::Training, &tr).await.unwrap().is_empty());
    let needles =
        vec![holder.email.clone(), holder.first_name.clone(), holder.last_name.clone(), address.clone(), "+33 7 11 22 33 44".to_string()];
    let hits = d.scan_storage(&needles).await;
    assert!(hits.is_empty(), "{hits:?}");
    clearboard_testkit::logs::assert_clean(&needles);
    // Someone without an account, verified from their address, has theirs erased too.
    let bidx = d.cb.blind_email(&other);
    assert_eq!(p.erase_by_address(&bidx).await.unwrap(), 1);
    assert!(region.programmes.registrations(Programme::Event, &ev).await.unwrap().is_empty());
});

// Acceptance 6 (C-SHARE-1): staff without the right role or current training are refused,
// and the refusal is in the trail of the person whose data it was; people who are not staff
// learn nothing.
both!(acceptance_6_staff_without_the_role_or_current_training_are_refused_and_logged, |b| async move {
    let d = Domain::open(b).await;
    let staff = desk(&d, "okdesk").await;
    let p = d.cb.programmes();
    let id = p.publish(&staff.principal, Programme::Event, event("Meetup", d.clock.now_ms() + DAY, None)).await.unwrap();
    let email = canary_email("attendee");
    p.register(Programme::Event, &id, person(&email, None, None), BASE_URL).await.unwrap();
    let token = token_in_mail(&d, &email, "/events/registration");
    let (_, r) = p.confirm(Programme::Event, &token, BASE_URL).await.unwrap();
    let visit = p
        .record_visit(&staff.principal, NewVisit { first_name: "Ana".into(), last_name: "Lima".into(), phone: None, host: "Sam".into() })
        .await
        .unwrap();
    let region = d.region("eu");
    let attendee = region.programmes.registration(Programme::Event, &r.id).await.unwrap().unwrap().subject_id;
    let visitor = region.programmes.visit(&visit.id).await.unwrap().unwrap().subject_id;

    let lapsed = d.new_staff("lapsed", Role::Support, Some(date_of(d.clock.now_ms() - 400 * DAY))).await;
    assert!(matches!(p.attendance_list(&lapsed.principal, Programme::Event, &id).await, Err(CoreError::StaffTrainingRequired)));
    assert!(matches!(p.check_in(&lapsed.principal, Programme::Event, &r.id, true).await, Err(CoreError::StaffTrainingRequired)));
    assert!(matches!(p.badge(&lapsed.principal, &visit.id).await, Err(CoreError::StaffTrainingRequired)));
    let refusals = |s| async move {
        region.store.audit_about(s).await.unwrap().into_iter().filter(|e| e.action == "staff.access_refused").collect::<Vec<_>>()
    };
    let on_attendee = refusals(&attendee).await;
    assert_eq!(on_attendee.len(), 2, "{on_attendee:?}");
    assert!(on_attendee.iter().all(|e| e.detail.contains("staff_training_required") && e.actor == format!("staff:{}", lapsed.id)));
    assert_eq!(refusals(&visitor).await.len(), 1);

    // A trained role the reason does not fit (marketing may publish, not open anyone).
    let marketer = d.new_staff("marketer", Role::Marketing, Some(date_of(d.clock.now_ms()))).await;
    p.publish(&marketer.principal, Programme::Event, event("Launch", d.clock.now_ms() + DAY, None)).await.unwrap();
    assert!(matches!(p.attendance_list(&marketer.principal, Programme::Event, &id).await, Err(CoreError::Forbidden)));
    assert!(matches!(p.visits(&marketer.principal).await, Err(CoreError::Forbidden)));
    let officer = d.officer().await;
    assert!(matches!(
        p.publish(&officer.principal, Programme::Event, event("No", d.clock.now_ms() + DAY, None)).await,
        Err(CoreError::Forbidden)
    ));
    let nobody = d.new_person().await;
    assert!(matches!(p.check_in(&nobody.principal, Programme::Event, &r.id, true).await, Err(CoreError::Forbidden)));
    assert!(matches!(p.record_visit(&nobody.principal, NewVisit::default()).await, Err(CoreError::Forbidden)));
    assert_eq!(p.attendance_list(&staff.principal, Programme::Event, &id).await.unwrap().registrations.len(), 1);
});
