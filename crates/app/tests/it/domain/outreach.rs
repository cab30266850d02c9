//! Outreach (issue 17), through core's services on both backends: double opt-in with its proof
//! in the ledger and unconfirmed subscriptions purged (acceptance 1), a campaign sent only to
//! those who consent at send time, with the list headers, resumed after a crash without
//! sending twice (acceptance 2), one-click unsubscribe (acceptance 3, C-RET-5), the three-year
//! rule (acceptance 4, C-RET-4), the written notice of a significant policy version
//! (acceptance 5, C-CHG-3), the same answer whatever the address (acceptance 6), and the
//! exporter and eraser of the `newsletter` category. (Over HTTP with the real SMTP sink:
//! `it/outreach.rs`.)

use super::*;
use clearboard_core::business::outreach::campaigns::NewCampaign;
use clearboard_core::business::outreach::contacts::Subscribe;
use clearboard_core::business::outreach::lists;
use clearboard_core::business::outreach::tokens::{self, Kind};
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, DAY, MINUTE};
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::privacy::rights::categories::{erase_category, export_category};
use clearboard_policy::Policy;
use serde_json::json;

const BASE: &str = "https://clearboard.test";

fn subscription(email: &str, lang: &str) -> Subscribe {
    Subscribe { email: email.into(), lang: lang.into(), lists: vec![], phone: None, method: "web_form".into() }
}

/// The confirmation token of the newest confirmation message to `email`.
fn confirm_token(d: &Domain, email: &str) -> String {
    let link = d.link_in_mail(email, "onfirm");
    link.split("token=").nth(1).expect("a token in the link").to_string()
}

async fn contact_subject(d: &Domain, email: &str) -> Option<SubjectId> {
    d.region("eu").outreach.contact_by_email(&d.cb.blind_email(email)).await.unwrap().map(|c| c.subject_id)
}

async fn marketer(d: &Domain) -> clearboard_testkit::domain::Person {
    let today = clearboard_core::platform::clock::date_of(d.clock.now_ms());
    d.new_staff("marketing", Role::Marketing, Some(today)).await
}

fn campaign(list: &str) -> NewCampaign {
    NewCampaign {
        list: list.into(),
        subject: "Spring news".into(),
        body_markdown: "# What is new\n\nBoards now have **timers**. [Read more](https://clearboard.test/blog)".into(),
        subject_fr: Some("Nouvelles du printemps".into()),
        body_markdown_fr: Some("# Quoi de neuf\n\nLes tableaux ont des **minuteurs**.".into()),
    }
}

// C-USE-3: acceptance 1 and 6 of issue 17.
both!(outreach_double_opt_in_keeps_its_proof_and_unconfirmed_contacts_are_purged, |b| async move {
    let d = on_disk(b).await;
    let o = d.cb.outreach();
    let email = canary_email("news");
    o.subscribe(subscription(&email, "fr"), BASE).await.unwrap();
    let m = d.mail_to(&email, |_| true).expect("a confirmation message");
    assert_eq!(m.subject, "Confirmez votre abonnement");
    assert!(m.text.contains("/newsletter/confirm?token="));
    let subject = contact_subject(&d, &email).await.expect("a contact");
    // Nothing is consented before the confirmation.
    assert!(!o.consents(d.region("eu"), &subject, lists::NEWSLETTER).await.unwrap());
    // Asking again within ten minutes sends nothing more; the answer is the same (acceptance 6).
    o.subscribe(subscription(&email, "fr"), BASE).await.unwrap();
    assert_eq!(d.mails().iter().filter(|m| m.to[0] == email).count(), 1);

    d.clock.advance(5 * MINUTE);
    let token = confirm_token(&d, &email);
    let pending = o.confirmation_pending(&token).await.unwrap();
    assert_eq!(pending.lists, vec!["newsletter".to_string()]);
    let confirmed_at = d.clock.now_ms();
    o.confirm(&token).await.unwrap();
    assert!(matches!(o.confirm(&token).await, Err(CoreError::LinkInvalid)), "a link confirms once");
    assert!(o.consents(d.region("eu"), &subject, lists::NEWSLETTER).await.unwrap());
    assert!(!o.consents(d.region("eu"), &subject, lists::EVENTS).await.unwrap(), "only the lists asked for");

    // The ledger's proof: time, the digest of the exact text shown, method, policy version.
    let shown = lists::consent_text(&d.cb, "fr");
    let ledger = d.region("eu").consents.consents_of_subject(&subject).await.unwrap();
    assert_eq!(ledger.len(), 1);
    let r = &ledger[0];
    assert!(r.granted);
    assert_eq!(r.purpose, "marketing");
    assert_eq!(r.method, "double_opt_in_web_form:newsletter");
    assert_eq!(r.text_digest, lists::digest(&shown));
    assert_eq!(r.policy_version, d.cb.policy().digest());
    assert_eq!(r.at, confirmed_at);
    // The sealed proof keeps the exact text, when it was asked and when it was confirmed.
    let view = o.contact_view(d.region("eu"), &subject).await.unwrap().unwrap();
    assert_eq!(view.email, email);
    assert_eq!(view.proof.asked[0].text, shown);
    assert_eq!(view.proof.asked[0].at, confirmed_at - 5 * MINUTE);
    assert_eq!(view.proof.confirmed, vec![(confirmed_at, vec!["newsletter".to_string()])]);
    assert_eq!(view.confirmed_at.as_deref(), Some(clearboard_core::platform::clock::rfc3339(confirmed_at).as_str()));

    // An address that never confirms receives nothing else and is erased after the policy's
    // window (seven days), its key first.
    let silent = canary_email("silent");
    o.subscribe(subscription(&silent, "en"), BASE).await.unwrap();
    let silent_subject = contact_subject(&d, &silent).await.unwrap();
    let staff = marketer(&d).await;
    let id = o.create_campaign(&staff.principal, campaign("newsletter")).await.unwrap();
    o.schedule(&staff.principal, &id, None).await.unwrap();
    assert!(o.send_batch(&id, BASE, 1000).await.unwrap().done);
    assert_eq!(d.mails().iter().filter(|m| m.to[0] == silent).count(), 1, "the confirmation only");
    assert_eq!(d.mails().iter().filter(|m| m.to[0] == email).count(), 2, "the confirmation and the campaign");

    d.clock.advance(6 * DAY);
    d.cb.retention().run().await.unwrap();
    assert!(contact_subject(&d, &silent).await.is_some(), "within the window: kept");
    d.clock.advance(DAY + MINUTE);
    let runs = d.cb.retention().run().await.unwrap();
    assert!(runs.iter().any(|r| r.rule == "newsletter:not_confirmed" && r.region == "eu" && r.purged == 1), "{runs:?}");
    assert!(contact_subject(&d, &silent).await.is_none(), "unconfirmed: erased");
    assert!(d.region("eu").keys.tombstone(&silent_subject).await.unwrap().is_some(), "key destroyed");
    assert!(contact_subject(&d, &email).await.is_some(), "confirmed: kept");

    // Nothing personal in clear on disk, nor in the logs.
    let hits = d.scan_storage(&[email.clone(), silent.clone()]).await;
    assert!(hits.is_empty(), "{hits:?}");
    clearboard_testkit::logs::assert_clean(&[email.clone(), silent.clone()]);
});

// C-RET-5: acceptance 2 and 3 of issue 17.
both!(c_ret_5_a_campaign_reaches_exactly_those_who_consent_with_one_click_unsubscribe_and_never_twice, |b| async move {
    let d = Domain::open(b).await;
    let o = d.cb.outreach();
    let n = 1000;
    let emails: Vec<String> = (0..n).map(|i| format!("reader{i}-{}@example.test", canary("n").to_lowercase())).collect();
    for (i, e) in emails.iter().enumerate() {
        o.subscribe(subscription(e, if i % 3 == 0 { "fr" } else { "en" }), BASE).await.unwrap();
    }
    let tokens: Vec<(String, String)> =
        d.mails().iter().map(|m| (m.to[0].clone(), m.first_link().unwrap().split("token=").nth(1).unwrap().to_string())).collect();
    assert_eq!(tokens.len(), n);
    for (_, t) in &tokens {
        o.confirm(t).await.unwrap();
    }
    // Half withdraw, through the one-click link every message carries.
    let mut consenting = std::collections::BTreeSet::new();
    for (i, e) in emails.iter().enumerate() {
        if i % 2 == 0 {
            let s = contact_subject(&d, e).await.unwrap();
            let t = tokens::make(&d.cb, Kind::Unsubscribe, "eu", &s, "newsletter");
            o.unsubscribe(&t, "one_click").await.unwrap();
        } else {
            consenting.insert(e.clone());
        }
    }
    // Account holders: one said yes in the privacy centre and confirmed from the mailbox (the
    // same double opt-in), one never said yes, one said yes and withdrew.
    let yes = d.new_person().await;
    d.cb.consents().set_subject(&yes.principal, "marketing", true, "privacy_centre", "en").await.unwrap();
    o.follow_consent(&yes.principal, "marketing", true, "privacy_centre", BASE).await.unwrap();
    o.confirm(&confirm_token(&d, &yes.email)).await.unwrap();
    let never = d.new_person().await;
    consenting.insert(yes.email.clone());
    let withdrew = d.new_person().await;
    d.cb.consents().set_subject(&withdrew.principal, "marketing", true, "sign_up", "en").await.unwrap();
    o.follow_consent(&withdrew.principal, "marketing", true, "sign_up", BASE).await.unwrap();
    o.confirm(&confirm_token(&d, &withdrew.email)).await.unwrap();
    d.cb.consents().set_subject(&withdrew.principal, "marketing", false, "privacy_centre", "en").await.unwrap();
    o.follow_consent(&withdrew.principal, "marketing", false, "privacy_centre", BASE).await.unwrap();
    // A withdrawal the ledger holds while the address is still on the list (made through
    // another channel): the purpose guard reads the ledger at send time and skips it.
    let guarded = emails[1].clone();
    let guarded_subject = contact_subject(&d, &guarded).await.unwrap();
    let mut row = d.region("eu").consents.consents_of_subject(&guarded_subject).await.unwrap().pop().unwrap();
    row.id = format!("{}-withdrawn", row.id);
    row.granted = false;
    row.method = "privacy_request:newsletter".into();
    row.at = d.clock.now_ms();
    d.region("eu").consents.append_consent(&row, None).await.unwrap();
    consenting.remove(&guarded);

    let staff = marketer(&d).await;
    let id = o.create_campaign(&staff.principal, campaign("newsletter")).await.unwrap();
    // The campaign is written by staff on duty only.
    let other = d.new_person().await;
    assert!(matches!(o.create_campaign(&other.principal, campaign("newsletter")).await, Err(CoreError::Forbidden)));
    let untrained = d.new_staff("mkt-untrained", Role::Marketing, None).await;
    assert!(matches!(o.create_campaign(&untrained.principal, campaign("newsletter")).await, Err(CoreError::StaffTrainingRequired)));
    let preview = o.preview(&staff.principal, &id, "fr").await.unwrap();
    assert_eq!(preview.subject, "Nouvelles du printemps");
    assert!(preview.body.html.contains("<strong>minuteurs</strong>"));
    o.test_send(&staff.principal, &id, "en", BASE).await.unwrap();
    assert!(d.mail_to(&staff.email, |m| m.subject == "[TEST] Spring news").is_some());

    let before = d.mails().len();
    o.schedule(&staff.principal, &id, None).await.unwrap();
    // A run dies mid-way: 400 handled, then a recipient claimed and never finished (the
    // process was killed while the message was with the mail server).
    let first = o.send_batch(&id, BASE, 400).await.unwrap();
    assert!(!first.done);
    let sent_so_far: std::collections::HashSet<String> = d.mails()[before..].iter().map(|m| m.to[0].clone()).collect();
    let victim = consenting.iter().find(|e| !sent_so_far.contains(*e) && **e != yes.email).unwrap().clone();
    let victim_subject = contact_subject(&d, &victim).await.unwrap();
    assert!(d.region("eu").outreach.claim_send(&id, &victim_subject, d.clock.now_ms()).await.unwrap());
    // The domain restarts (a new context over the same stores) and the job resumes.
    let restarted = d.republish(Policy::default_policy().unwrap()).await;
    let p = restarted.outreach().send_batch(&id, BASE, 100_000).await.unwrap();
    assert!(p.done);

    let campaign_mails: Vec<_> = d.mails()[before..].to_vec();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for m in &campaign_mails {
        *counts.entry(m.to[0].clone()).or_default() += 1;
    }
    assert!(counts.values().all(|c| *c == 1), "nobody receives it twice");
    let expected: std::collections::BTreeSet<String> = consenting.iter().filter(|e| **e != victim).cloned().collect();
    let got: std::collections::BTreeSet<String> = counts.keys().cloned().collect();
    assert_eq!(got, expected, "exactly the consenting recipients (less the one interrupted)");
    assert!(!got.contains(&never.email) && !got.contains(&staff.email) && !got.contains(&withdrew.email));
    let status = o.campaign_status(&staff.principal, &id).await.unwrap();
    assert_eq!(status.status, "sent");
    assert_eq!((status.sent, status.interrupted), (expected.len() as u64, 1));
    // The withdrawn half left the list at once; the ledger, read at send time, skips the one
    // whose withdrawal it holds.
    assert_eq!(status.skipped, 1, "the withdrawal the ledger holds");

    // Every message carries the list headers and a visible link that works without a session.
    for m in &campaign_mails {
        let lu = m.header("List-Unsubscribe").unwrap();
        assert!(
            lu.starts_with("<https://clearboard.test/newsletter/unsubscribe?token=u1.")
                && lu.contains(">, <mailto:unsubscribe@clearboard.test?subject=unsubscribe%20u1."),
            "{lu}"
        );
        assert_eq!(m.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
        assert_eq!(m.header("List-Id"), Some("clearboard news <newsletter.clearboard.test>"));
        let https = lu[1..lu.find('>').unwrap()].to_string();
        assert!(m.text.contains(&https), "the visible link is the header's");
        assert!(m.html.as_deref().unwrap().contains(&https.replace('&', "&amp;")));
    }
    let fr = campaign_mails.iter().find(|m| m.to[0] == emails[3]).unwrap();
    assert_eq!(fr.subject, "Nouvelles du printemps", "each in their language");

    // C-RET-5: one click, and the next campaign skips them (the withdrawal is in the ledger).
    let leaving = campaign_mails.iter().find(|m| m.to[0] != yes.email).unwrap();
    let lu = leaving.header("List-Unsubscribe").unwrap();
    let token = lu[lu.find("token=").unwrap() + 6..lu.find('>').unwrap()].to_string();
    let target = o.unsubscribe_target(&token).await.unwrap();
    assert_eq!(target.lists, vec!["newsletter".to_string()]);
    o.unsubscribe(&token, "one_click").await.unwrap();
    let s = contact_subject(&d, &leaving.to[0]).await.unwrap();
    let last = d.region("eu").consents.consents_of_subject(&s).await.unwrap().pop().unwrap();
    assert_eq!((last.granted, last.method.as_str()), (false, "unsubscribe_one_click:newsletter"));
    let second = o.create_campaign(&staff.principal, campaign("newsletter")).await.unwrap();
    o.schedule(&staff.principal, &second, None).await.unwrap();
    let before = d.mails().len();
    assert!(o.send_batch(&second, BASE, 100_000).await.unwrap().done);
    let again: Vec<String> = d.mails()[before..].iter().map(|m| m.to[0].clone()).collect();
    assert!(!again.contains(&leaving.to[0]), "unsubscribed: skipped");
    assert_eq!(again.len(), consenting.len() - 1, "everyone else who consents, the interrupted one included");
    assert!(matches!(o.unsubscribe("u1.eu.forged.newsletter.AAAA", "one_click").await, Err(CoreError::LinkInvalid)));
    // The mailto half of List-Unsubscribe: a message to that mailbox with the token.
    let by_mail = campaign_mails.iter().find(|m| m.to[0] != yes.email && m.to[0] != leaving.to[0]).unwrap();
    let lu = by_mail.header("List-Unsubscribe").unwrap();
    let mailto = &lu[lu.find("mailto:").unwrap()..];
    let token = mailto[mailto.find("unsubscribe%20").unwrap() + 14..mailto.find('>').unwrap()].to_string();
    o.unsubscribe_by_mail(&format!("From: {}\r\nSubject: unsubscribe {token}\r\n\r\n", by_mail.to[0])).await.unwrap();
    let s = contact_subject(&d, &by_mail.to[0]).await.unwrap();
    let last = d.region("eu").consents.consents_of_subject(&s).await.unwrap().pop().unwrap();
    assert_eq!((last.granted, last.method.as_str()), (false, "unsubscribe_mailto:newsletter"));
});

// C-RET-4: acceptance 4 of issue 17.
both!(c_ret_4_contacts_without_contact_for_three_years_are_deleted, |b| async move {
    let d = Domain::open(b).await;
    let o = d.cb.outreach();
    let (active, inactive) = (canary_email("active"), canary_email("inactive"));
    for e in [&active, &inactive] {
        o.subscribe(subscription(e, "en"), BASE).await.unwrap();
        o.confirm(&confirm_token(&d, e)).await.unwrap();
    }
    // Two years on, a campaign is sent to both; only one opens its link (a click is a contact,
    // a send is not).
    d.clock.advance(730 * DAY);
    let staff = marketer(&d).await;
    let id = o.create_campaign(&staff.principal, campaign("newsletter")).await.unwrap();
    o.schedule(&staff.principal, &id, None).await.unwrap();
    o.send_batch(&id, BASE, 100).await.unwrap();
    let m = d.mail_to(&active, |m| m.subject == "Spring news").unwrap();
    let read = m.text.split_whitespace().find(|w| w.contains("/newsletter/read?token=")).unwrap();
    let (lang, page) = o.read_online(read.split("token=").nth(1).unwrap()).await.unwrap();
    assert_eq!(lang, "en");
    assert!(page.body.html.contains("<strong>timers</strong>"));
    assert!(d.mail_to(&inactive, |m| m.subject == "Spring news").is_some(), "sent, not opened");

    // Three years (36 calendar months) after the subscription, and a few days: the inactive
    // contact is due, the active is not.
    d.clock.advance(370 * DAY);
    let status = d.cb.retention().status().await.unwrap();
    let rule = status.iter().find(|s| s.rule == "newsletter:last_contact").unwrap();
    assert_eq!(rule.due, 1);
    let inactive_subject = contact_subject(&d, &inactive).await.unwrap();
    let runs = d.cb.retention().run().await.unwrap();
    assert!(runs.iter().any(|r| r.rule == "newsletter:last_contact" && r.region == "eu" && r.purged == 1), "{runs:?}");
    assert!(contact_subject(&d, &inactive).await.is_none(), "inactive: deleted");
    assert!(d.region("eu").keys.tombstone(&inactive_subject).await.unwrap().is_some());
    assert!(d.region("eu").outreach.sends_of(&inactive_subject).await.unwrap().is_empty(), "with what was sent to them");
    let active_subject = contact_subject(&d, &active).await.expect("active: kept");
    assert_eq!(d.region("eu").outreach.clicks_of(&active_subject).await.unwrap().len(), 1);
    // Three years after that click, it goes too.
    d.clock.advance(3 * 366 * DAY);
    d.cb.retention().run().await.unwrap();
    assert!(contact_subject(&d, &active).await.is_none());
});

fn is_notice(m: &clearboard_testkit::smtp::ReceivedMail) -> bool {
    m.subject == "Our privacy policy is changing" || m.subject == "Notre politique de confidentialité change"
}

// C-CHG-3: acceptance 5 of issue 17.
both!(c_chg_3_a_significant_policy_version_emails_every_account_holder_once, |b| async move {
    let d = Domain::open(b).await;
    let en = d.new_person().await;
    let mut input = d.new_account();
    input.locale = Some("fr".into());
    let fr = d.new_person_with(input).await;
    let third = d.new_person().await;
    // The current version is not significant: nobody is written to.
    assert_eq!(d.cb.outreach().announce_policy(BASE, 100).await.unwrap().sent, 0);
    d.clock.advance(MINUTE);
    let text = clearboard_policy::DEFAULT_POLICY
        .replace("significant = false", "significant = true")
        .replace("First published version.", "Newsletters and event invitations.");
    let cb = d.republish(Policy::load(&text).unwrap()).await;
    let version = cb.policy().digest().to_string();
    // Someone who signs up under the new version was shown it then.
    d.clock.advance(MINUTE);
    let later_input = d.new_account();
    let later_email = later_input.email.clone();
    let later = cb.accounts().sign_up(later_input).await.unwrap();

    // Queued and rate-limited: two now, the third at the next run, then nobody twice.
    let first = cb.outreach().announce_policy(BASE, 2).await.unwrap();
    assert_eq!((first.sent, first.remaining), (2, 1));
    let second = cb.outreach().announce_policy(BASE, 2).await.unwrap();
    assert_eq!((second.sent, second.remaining), (1, 0));
    assert_eq!(cb.outreach().announce_policy(BASE, 2).await.unwrap().sent, 0);
    for p in [&en, &fr, &third] {
        let got: Vec<_> = d.mails().into_iter().filter(|m| m.to[0] == p.email && is_notice(m)).collect();
        assert_eq!(got.len(), 1, "exactly once");
    }
    let m = d.mail_to(&fr.email, |_| true).unwrap();
    assert_eq!(m.subject, "Notre politique de confidentialité change");
    assert!(m.text.contains("Newsletters and event invitations.") || m.text.contains("/privacy/history"));
    assert_eq!(d.mail_to(&en.email, |_| true).unwrap().subject, "Our privacy policy is changing");
    assert!(d.mails().iter().all(|m| m.to[0] != later_email || !is_notice(m)), "not to those who signed up under it");
    // Recorded, per person, sent.
    let notices = d.region("eu").outreach.notices_of(&version).await.unwrap();
    assert_eq!(notices.len(), 3);
    assert!(notices.iter().all(|(_, state, _)| state == "sent"));
    assert!(notices.iter().all(|(s, _, _)| *s != later.id));
});

// C-DSR-3, C-DSR-4: the newsletter category's exporter and eraser.
both!(outreach_export_and_erasure_cover_subscriptions_sends_and_clicks, |b| async move {
    let d = Domain::open(b).await;
    let o = d.cb.outreach();
    let email = canary_email("export");
    let phone = "+33 6 12 34 56 78";
    let s = Subscribe {
        email: email.clone(),
        lang: "en".into(),
        lists: vec!["newsletter".into(), "phone".into()],
        phone: Some(phone.into()),
        method: "api".into(),
    };
    // A number without the phone list is refused: it is kept only with that consent.
    let e = o.subscribe(Subscribe { lists: vec!["newsletter".into()], ..s.clone() }, BASE).await.unwrap_err();
    assert_eq!(e.field(), Some("phone"));
    o.subscribe(s, BASE).await.unwrap();
    let subject = contact_subject(&d, &email).await.unwrap();
    assert!(o.contact_view(d.region("eu"), &subject).await.unwrap().unwrap().phone.is_none(), "not before the confirmation");
    o.confirm(&confirm_token(&d, &email)).await.unwrap();
    assert_eq!(o.contact_view(d.region("eu"), &subject).await.unwrap().unwrap().phone.as_deref(), Some(phone));
    let staff = marketer(&d).await;
    let id = o.create_campaign(&staff.principal, campaign("newsletter")).await.unwrap();
    o.schedule(&staff.principal, &id, None).await.unwrap();
    o.send_batch(&id, BASE, 100).await.unwrap();
    let eu = d.region("eu");
    let export = export_category(&d.cb, eu, &subject, "newsletter").await.unwrap();
    assert_eq!(export["subscription"]["email"], email);
    assert_eq!(export["subscription"]["phone"], phone);
    assert_eq!(export["subscription"]["lists"], json!(["newsletter", "phone"]));
    assert_eq!(export["sends"][0]["state"], "sent");
    assert_eq!(export["sends"][0]["campaign"], id);
    // Unsubscribing from calls drops the number at once.
    o.unsubscribe(&tokens::make(&d.cb, Kind::Unsubscribe, "eu", &subject, "phone"), "page").await.unwrap();
    assert!(o.contact_view(eu, &subject).await.unwrap().unwrap().phone.is_none());
    let n = erase_category(&d.cb, eu, &subject, "newsletter").await.unwrap();
    assert!(n >= 2);
    assert!(contact_subject(&d, &email).await.is_none());
    assert!(eu.outreach.sends_of(&subject).await.unwrap().is_empty());
    assert!(eu.keys.tombstone(&subject).await.unwrap().is_some(), "crypto-shredded");
    // A hard bounce, read from the mail server's delivery status notification, stops mail to
    // an address; a temporary failure does not.
    let (bounced, full) = (canary_email("bounce"), canary_email("full"));
    for e in [&bounced, &full] {
        o.subscribe(subscription(e, "en"), BASE).await.unwrap();
        o.confirm(&confirm_token(&d, e)).await.unwrap();
    }
    let dsn = format!(
        "Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; {bounced}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\nFinal-Recipient: rfc822; {full}\r\nAction: delayed\r\nStatus: 4.2.2\r\n"
    );
    assert_eq!(o.record_dsn(&dsn).await.unwrap(), 1);
    let id = o.create_campaign(&staff.principal, campaign("newsletter")).await.unwrap();
    o.schedule(&staff.principal, &id, None).await.unwrap();
    o.send_batch(&id, BASE, 100).await.unwrap();
    assert!(d.mail_to(&bounced, |m| m.subject == "Spring news").is_none());
    assert!(d.mail_to(&full, |m| m.subject == "Spring news").is_some());
});

// C-SHARE-1: the phone-marketing call list, through the staff gate, audited per person.
both!(outreach_call_list_holds_only_those_who_consent_to_calls_and_is_audited, |b| async move {
    let d = Domain::open(b).await;
    let o = d.cb.outreach();
    let (caller, reader) = (canary_email("caller"), canary_email("reader"));
    let phone = "+33 1 23 45 67 89";
    let call = Subscribe {
        email: caller.clone(),
        lang: "fr".into(),
        lists: vec!["phone".into()],
        phone: Some(phone.into()),
        method: "web_form".into(),
    };
    o.subscribe(call, BASE).await.unwrap();
    o.subscribe(subscription(&reader, "en"), BASE).await.unwrap();
    // Unconfirmed: not on the list.
    let staff = marketer(&d).await;
    assert!(o.call_list(&staff.principal).await.unwrap().is_empty());
    for e in [&caller, &reader] {
        o.confirm(&confirm_token(&d, e)).await.unwrap();
    }
    let list = o.call_list(&staff.principal).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].phone.as_str(), list[0].lang.as_str()), (phone, "fr"));
    let s = contact_subject(&d, &caller).await.unwrap();
    let trail = d.region("eu").store.audit_about(&s).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "outreach.call_list_exported" && e.actor.contains(staff.id.as_str())), "{trail:?}");
    // Not for others, nor for untrained staff.
    let user = d.new_person().await;
    assert!(matches!(o.call_list(&user.principal).await, Err(CoreError::Forbidden)));
    let officer = d.officer().await;
    assert!(matches!(o.call_list(&officer.principal).await, Err(CoreError::Forbidden)));
    // Withdrawn: off the list at once, the number gone.
    o.unsubscribe(&tokens::make(&d.cb, Kind::Unsubscribe, "eu", &s, "phone"), "page").await.unwrap();
    assert!(o.call_list(&staff.principal).await.unwrap().is_empty());
});
