//! Item 7 of issue 11, at volume: sign-up with a mail server tells nobody who has an account
//! (the same bytes for every answer), only new addresses get an activation link, and only
//! links let anyone in. Returns a `Verdict`; it never stops early.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::leaks::hist;
use super::limits::count;
use super::{Drill, Verdict};
use crate::{Value, json};

/// One sign-up: status, content type, body bytes.
async fn sign_up(d: &Drill, body: &Value, lang: &str) -> (u16, String, Vec<u8>) {
    let res = d.req("POST", &format!("/api/v1/accounts{lang}"), None).json(body).send().await.expect("sign-up answered");
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (res.status().as_u16(), ct, res.bytes().await.unwrap_or_default().to_vec())
}

fn to(m: &clearboard_testkit::ReceivedMail, email: &str) -> bool {
    m.to.iter().any(|t| t.eq_ignore_ascii_case(email))
}

/// Waits (up to a minute) until every address of `links` has an activation link and every one
/// of `notices` a "someone tried" notice; every message so far.
async fn wait_for_mail(d: &Drill, links: &[String], notices: &[String]) -> Vec<clearboard_testkit::ReceivedMail> {
    let started = Instant::now();
    loop {
        let m = d.sink.messages();
        let missing = links.iter().any(|e| !m.iter().any(|x| to(x, e) && x.text.contains("#token=")))
            || notices.iter().any(|e| !m.iter().any(|x| to(x, e) && x.subject.contains("Someone tried")));
        if !missing || started.elapsed() > Duration::from_secs(60) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Follows the latest activation link mailed to `body`'s address and signs in: 201 when both
/// worked, else the status that failed (0: no link).
async fn activate(d: &Drill, body: &Value, mails: &[clearboard_testkit::ReceivedMail]) -> u16 {
    let (email, password) = (body["email"].as_str().unwrap(), body["password"].as_str().unwrap());
    let link = mails.iter().rfind(|m| to(m, email) && m.text.contains("/activate#token=")).and_then(|m| m.first_link());
    let Some(token) = link.as_deref().and_then(|l| l.split_once("#token=")).map(|x| x.1.to_string()) else { return 0 };
    d.plant("activation token", &token, false);
    let (s, _) = d.call("POST", "/api/v1/accounts/activation", None, Some(json!({ "token": token }))).await;
    if s != 200 {
        return s;
    }
    match d.sign_in(email, password).await {
        Ok((t, dc)) => {
            d.plant("session token", &t, false);
            d.plant("device cookie", &dc, false);
            201
        }
        Err(e) => e.0,
    }
}

/// Item 7: `signups` sign-ups: half new addresses, then a quarter new and a quarter of the
/// first half's addresses again (with an attacker's password), all with a mail server. Every
/// answer must be the same bytes; only new addresses get a link; only links let anyone in.
pub(crate) async fn sign_ups(d: &Drill) -> Verdict {
    let mut v = Verdict::new("7. sign-up tells nobody who has an account; weak passwords refused with their reason");
    let n = d.sizes.signups;
    let c = d.sizes.concurrency.min(4);
    let first: Vec<Value> = (0..n / 2).map(|_| d.sign_up_body()).collect();
    let fresh: Vec<Value> = (0..n / 4).map(|_| d.sign_up_body()).collect();
    let taken: Vec<Value> = first
        .iter()
        .take(n - n / 2 - n / 4)
        .map(|b| {
            let mut a = d.sign_up_body();
            a["email"] = json!(b["email"].as_str().unwrap().to_uppercase());
            a
        })
        .collect();
    for b in first.iter().chain(&fresh).chain(&taken) {
        for k in ["email", "password", "first_name", "last_name"] {
            d.plant(if k == "password" { "password" } else { "email or name" }, b[k].as_str().unwrap(), false);
        }
    }
    let send_all = |bodies: Vec<Value>| {
        futures_util::stream::iter(bodies.into_iter().map(|b| async move { sign_up(d, &b, "").await }))
            .buffer_unordered(c)
            .collect::<Vec<_>>()
    };
    let email = |b: &Value| b["email"].as_str().unwrap().to_string();
    // The first half: new addresses. Before following its link, nobody signs in.
    let mut answers = send_all(first.clone()).await;
    let early: Vec<u16> = futures_util::future::join_all(
        first.iter().take(5).map(|b| d.sign_in(b["email"].as_str().unwrap(), b["password"].as_str().unwrap())),
    )
    .await
    .iter()
    .map(|r| r.as_ref().err().map_or(201, |e| e.0))
    .collect();
    let mails = wait_for_mail(d, &first.iter().map(email).collect::<Vec<_>>(), &[]).await;
    let mut outcomes: Vec<u16> =
        futures_util::stream::iter(first.iter().map(|b| activate(d, b, &mails))).buffer_unordered(c).collect().await;
    // The second: new addresses and the first half's (now accounts) mixed, with an attacker's
    // passwords for the latter.
    let mut second: Vec<Value> = fresh.iter().cloned().zip(taken.iter().cloned()).flat_map(|(a, b)| [a, b]).collect();
    second.extend(fresh.iter().skip(taken.len()).cloned());
    answers.extend(send_all(second).await);
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    let distinct: std::collections::BTreeSet<(&String, &Vec<u8>)> = answers.iter().map(|a| (&a.1, &a.2)).collect();
    v.check(statuses.iter().all(|s| *s == 202), || format!("sign-ups answered {}", hist(&statuses)));
    v.check(distinct.len() == 1, || format!("{} different answers (content type and bytes) for new and taken addresses", distinct.len()));
    let mails = wait_for_mail(d, &fresh.iter().map(email).collect::<Vec<_>>(), &taken.iter().map(email).collect::<Vec<_>>()).await;
    outcomes
        .extend(futures_util::stream::iter(fresh.iter().map(|b| activate(d, b, &mails))).buffer_unordered(c).collect::<Vec<u16>>().await);
    let signed_in = count(&outcomes, 201);
    let new = first.len() + fresh.len();
    // Taken addresses: their own link (of the first half) and a notice, no new link.
    let links_to_taken: usize =
        taken.iter().map(|b| mails.iter().filter(|m| to(m, &email(b)) && m.text.contains("#token=")).count().saturating_sub(1)).sum();
    let notices = taken.iter().filter(|b| mails.iter().any(|m| to(m, &email(b)) && m.subject.contains("Someone tried"))).count();
    // The attacker's passwords open nothing; the owners' still work.
    let mut attacker_in = 0;
    let mut owners_in = 0;
    for (a, owner) in taken.iter().zip(&first) {
        if d.sign_in(a["email"].as_str().unwrap(), a["password"].as_str().unwrap()).await.is_ok() {
            attacker_in += 1;
        }
        if owners_in < 10 && d.sign_in(owner["email"].as_str().unwrap(), owner["password"].as_str().unwrap()).await.is_ok() {
            owners_in += 1;
        }
    }
    v.check(early.iter().all(|s| *s == 401), || format!("signing in before following the link: {}", hist(&early)));
    v.check(signed_in == new, || {
        format!("{signed_in} of {new} new addresses signed in after their link (activation, then sign-in: {})", hist(&outcomes))
    });
    v.check(links_to_taken == 0, || format!("{links_to_taken} activation links went to addresses that have an account"));
    v.check(notices == taken.len(), || format!("{notices} of {} owners were told someone tried", taken.len()));
    v.check(attacker_in == 0, || format!("{attacker_in} attackers' passwords signed in"));
    v.check(owners_in == taken.len().min(10), || format!("{owners_in} owners could still sign in"));

    // Weak passwords: refused with the reason, for a new and a taken address alike, in both
    // languages.
    let mut weak = Vec::new();
    for (lang, reason) in [("", "too easy to guess"), ("?lang=fr", "trop facile à deviner")] {
        for email in [crate::canary_email("weak"), first.last().unwrap()["email"].as_str().unwrap().to_string()] {
            let mut b = d.sign_up_body();
            b["email"] = json!(email);
            b["password"] = json!("password1234");
            let (s, _, body) = sign_up(d, &b, lang).await;
            let e: Value = serde_json::from_slice(&body).unwrap_or_default();
            let ok =
                s == 422 && e["error"]["code"] == "password_too_weak" && e["error"]["message"].as_str().is_some_and(|m| m.contains(reason));
            weak.push((ok, e["error"]["message"].as_str().unwrap_or_default().to_string()));
        }
    }
    v.check(weak.iter().all(|w| w.0), || format!("`password1234` was not refused with its reason: {weak:?}"));
    v.fig(format!(
        "{} sign-ups ({} new, then {} new and {} taken addresses mixed) answered {}, {} distinct answer(s); before the link: {}",
        answers.len(),
        first.len(),
        fresh.len(),
        taken.len(),
        hist(&statuses),
        distinct.len(),
        hist(&early)
    ));
    v.fig(format!(
        "{} mails: activation links to new addresses followed, then signed in: {signed_in}/{new}; new links to taken addresses: {links_to_taken}; owners notified {notices}/{}; attackers' passwords signed in {attacker_in}/{}; owners still in {owners_in}",
        mails.len(),
        taken.len(),
        taken.len()
    ));
    v.fig(format!(
        "`password1234` refused 422 password_too_weak for new and taken addresses: \"{}\"",
        weak.first().map(|w| w.1.as_str()).unwrap_or_default()
    ));
    v
}
