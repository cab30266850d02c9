//! French everywhere, emails included (issue 14): every kind of message a person can receive
//! is sent in their language (their account's preference, else the language of the request
//! that caused it). Triggered for a French-speaking person, no fixed English words of the mail
//! catalogue (`platform::mail_texts`) appear, and no common English word; the reverse for an
//! English-speaking one.

use super::*;
use clearboard_core::business::outreach::contacts::Subscribe;
use clearboard_core::identity::accounts::NewAccount;
use clearboard_core::platform::mail_texts::{self, english_fragments, french_fragments};
use clearboard_core::privacy::rights::requests::NewRequest;
use clearboard_testkit::domain::BASE_URL;

fn ask(kind: &str, email: &str, lang: &str) -> NewRequest {
    NewRequest {
        kind: kind.into(),
        email: email.into(),
        on_behalf: "self".into(),
        channel: "web_form".into(),
        lang: lang.into(),
        ..Default::default()
    }
}

/// Submits a request in `lang` and follows its verification link; the request's id.
async fn verified(d: &Domain, kind: &str, email: &str, lang: &str) -> String {
    let id = d.cb.requests().submit(ask(kind, email, lang), BASE_URL).await.unwrap();
    let link = d.link_in_mail(email, &mail_texts::subject("request.verify", lang));
    let token = link.split("token=").nth(1).expect("a token in the link");
    d.cb.requests().verify(token, BASE_URL).await.unwrap();
    id
}

/// Staff's words, in the person's language (they are sent as written).
fn staff_words(lang: &str) -> [&'static str; 4] {
    if lang == "fr" {
        ["il faut vérifier trois systèmes", "la donnée est exacte selon nos pièces", "votre traitement est limité", "décision de justice"]
    } else {
        ["three systems must be checked", "the data is right according to our records", "processing is restricted", "court order"]
    }
}

/// Every kind of email for a person who reads `lang`; the addresses they went to.
async fn every_mail(d: &Domain, lang: &str) -> Vec<String> {
    let staff = d.officer().await.id;
    let requests = d.cb.requests();
    let [extension, refusal, done, basis] = staff_words(lang);
    let p = d.new_person_with(NewAccount { locale: Some(lang.into()), ..d.new_account() }).await;
    // Sign-up: an activation link; and the holder of a taken address is told.
    let newcomer = NewAccount { locale: Some(lang.into()), ..d.new_account() };
    let newcomer_email = newcomer.email.clone();
    d.cb.accounts().register(newcomer, BASE_URL).await.unwrap();
    d.cb.accounts().register(NewAccount { email: p.email.clone(), locale: Some(lang.into()), ..d.new_account() }, BASE_URL).await.unwrap();
    // Rights requests: verification, acknowledgement, extension, refusal, answer.
    let id = verified(d, "rectification", &p.email, lang).await;
    requests.extend(&staff, &id, extension).await.unwrap();
    requests.refuse(&staff, &id, refusal).await.unwrap();
    let id = verified(d, "restriction", &p.email, lang).await;
    requests.complete(&staff, &id, done, BASE_URL).await.unwrap();
    // A disclosure, told beforehand; then an erasure: the receipt, and the recipient told.
    let contact = canary_email("recipient");
    let recipient = d.cb.policy().doc().recipients[0].id.clone();
    requests.record_disclosure(&staff, &p.id, &recipient, basis, "account", Some(&contact), None).await.unwrap();
    let id = verified(d, "erasure", &p.email, lang).await;
    requests.complete(&staff, &id, "", BASE_URL).await.unwrap();
    // An erasure asked from an address without an account.
    let stranger = canary_email("stranger");
    let id = verified(d, "erasure", &stranger, lang).await;
    requests.complete(&staff, &id, "", BASE_URL).await.unwrap();
    // A newsletter subscription's confirmation.
    let reader = canary_email("reader");
    let s = Subscribe { email: reader.clone(), lang: lang.into(), lists: vec!["newsletter".into()], phone: None, method: "api".into() };
    d.cb.outreach().subscribe(s, BASE_URL).await.unwrap();
    vec![p.email, newcomer_email, contact, stranger, reader]
}

/// The prose of a message: its subject and the lines of its body that are not data (JSON of
/// a receipt, links).
fn prose(m: &clearboard_testkit::smtp::ReceivedMail) -> String {
    let body = m.text.lines().filter(|l| {
        let t = l.trim_start();
        !(t.starts_with(['"', '{', '}', '[', ']']) || t.contains("://"))
    });
    format!(" {} \n {} ", m.subject, body.collect::<Vec<_>>().join(" \n ")).to_lowercase().replace([',', '.', ':', ';', '(', ')'], " ")
}

fn check(d: &Domain, lang: &str, addresses: &[String]) {
    let (foreign, words): (Vec<&str>, &[&str]) = if lang == "fr" {
        (english_fragments(), &[" the ", " your ", " you ", " we ", " with ", " this "])
    } else {
        (french_fragments(), &[" vous ", " votre ", " nous ", " avec ", " cette "])
    };
    let mails: Vec<_> =
        d.mails().into_iter().filter(|m| m.to.iter().any(|t| addresses.iter().any(|a| a.eq_ignore_ascii_case(t)))).collect();
    assert!(mails.len() >= 15, "every kind was sent ({} messages)", mails.len());
    for m in &mails {
        for f in &foreign {
            assert!(!m.subject.contains(f) && !m.text.contains(f), "«{f}» in a message in {lang}: {}\n{}", m.subject, m.text);
        }
        let p = prose(m);
        for w in words {
            assert!(!p.contains(w), "«{w}» in a message in {lang}: {}\n{}", m.subject, m.text);
        }
    }
}

both!(every_email_is_in_its_recipients_language, |b| async move {
    let d = Domain::open(b).await;
    let fr = every_mail(&d, "fr").await;
    check(&d, "fr", &fr);
    let en = every_mail(&d, "en").await;
    check(&d, "en", &en);
});
