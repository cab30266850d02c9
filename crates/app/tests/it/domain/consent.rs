//! Consent and statistics in the domain (C-USE-3, C-USE-4, C-COOK-3, C-COOK-5): a visitor's
//! choice is recorded with its proof, repeated choices write nothing and never extend the
//! expiry, withdrawal deletes what was collected; forged consent cookies mean "no choice";
//! statistics are aggregated with small groups suppressed and purged on the clock; marketing
//! consent is never pre-ticked, given and withdrawn alike, and asked again when its wording
//! changes. (The window, cookies and GPC over HTTP: `it/consent.rs`.)

use super::*;
use clearboard_core::platform::clock::{Clock, DAY};

// A visitor's choice is a ledger row with its proof and an audit entry; the same choice
// again writes nothing and keeps the expiry; a change is a new row; withdrawing consent
// deletes the page views collected under it; after six months the choice is gone.
both!(visitor_choices_are_recorded_once_with_their_proof, |b| async move {
    let d = Domain::open(b).await;
    let consents = d.cb.consents();
    let chosen = consents.record_visitor(None, true, "banner", "en").await.unwrap();
    assert!(chosen.statistics && chosen.consent_id.len() == 22);
    // Six calendar months from the policy's cookie declaration (C-COOK-5), not a count of days.
    assert_eq!(chosen.expires_at, consents.valid_until(d.clock.now_ms()), "asked again after six months");
    assert!((181 * DAY..=184 * DAY).contains(&(chosen.expires_at - d.clock.now_ms())), "six calendar months");
    d.clock.advance(DAY);
    let again = consents.record_visitor(Some(&chosen), true, "banner", "en").await.unwrap();
    assert_eq!(again, chosen, "the same choice again: nothing new, the expiry is not pushed back");
    let ledger = consents.visitor_ledger(&chosen.consent_id).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert!(ledger[0].granted && ledger[0].method == "banner" && ledger[0].proof.len() == 32 && ledger[0].policy_version.len() == 64);

    let visitor = seed_visits(&d.cb, &[chosen.consent_id.as_str()], &["/"]).await;
    assert_eq!(d.cb.navigation().count_of(&visitor[0]).await.unwrap(), 1);
    let withdrawn = consents.record_visitor(Some(&chosen), false, "settings", "en").await.unwrap();
    assert_eq!((withdrawn.consent_id.as_str(), withdrawn.statistics), (chosen.consent_id.as_str(), false));
    assert_eq!(d.cb.navigation().forget(&visitor[0]).await.unwrap(), 1, "what was collected under the consent goes");
    assert_eq!(d.cb.navigation().count_of(&visitor[0]).await.unwrap(), 0);
    let ledger = consents.visitor_ledger(&chosen.consent_id).await.unwrap();
    assert_eq!(ledger.iter().map(|r| (r.granted, r.method.as_str())).collect::<Vec<_>>(), vec![(true, "banner"), (false, "settings")]);
    let given = d.region("eu").store.audit_chain().await.unwrap().0;
    assert!(given.iter().any(|r| r.entry.action == "consent.given") && given.iter().any(|r| r.entry.action == "consent.refused"));

    // The cookie carries the choice until it expires, then means "no choice".
    let cookie = consents.encode(&withdrawn);
    assert_eq!(consents.decode(&cookie), Some(withdrawn.clone()));
    d.clock.advance(183 * DAY);
    assert_eq!(consents.decode(&cookie), None, "expired: asked again");
});

// Anything but a cookie we made, unexpired, is no choice: tampered flags or expiry, other
// versions, truncations, garbage (C-COOK-2: a forged cookie never enables statistics).
both!(acceptance_5_forged_consent_cookies_are_ignored, |b| async move {
    let d = Domain::open(b).await;
    let consents = d.cb.consents();
    let good = consents.encode(&consents.record_visitor(None, false, "banner", "en").await.unwrap());
    let (body, mac) = good.rsplit_once('.').unwrap();
    let parts: Vec<&str> = body.split('.').collect();
    let mut forged = vec![
        String::new(),
        "x".into(),
        "v1".into(),
        "v1....".into(),
        format!("{body}.AAAAAAAAAAAAAAAAAAAAAA"),
        format!("{}.{mac}", body.replace(".s0.", ".s1.")),
        format!("{}.{mac}", body.replace("v1.", "v2.")),
        format!("v1.{}.s0.{}.{}.{mac}", parts[1], parts[3], 9_999_999_999_999i64),
        good.replacen('v', "V", 1),
        format!("{good}.extra"),
        "%00%01%02".into(),
        "v1.".repeat(100),
        "é€😀".into(),
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..2_000 {
        let len = (seed % 90) as usize;
        let s: String = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                char::from(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-%="[(seed % 66) as usize])
            })
            .collect();
        forged.push(s);
    }
    for f in &forged {
        assert_eq!(consents.decode(f), None, "a forged cookie is no choice: {f:?}");
    }
    assert!(consents.decode(&good).is_some(), "the genuine cookie still works");
});

both!(acceptance_4_statistics_are_k_anonymous_and_purged_on_the_clock, |b| async move {
    let d = Domain::open(b).await;
    // 12 visitors who accepted, each viewing / and some /signup; 3 viewing /trust.
    let ids: Vec<String> = (0..12).map(|i| format!("visitor{i:015}")).collect();
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    seed_visits(&d.cb, &all, &["/"]).await;
    seed_visits(&d.cb, &all.iter().step_by(2).copied().collect::<Vec<_>>(), &["/signup"]).await;
    seed_visits(&d.cb, &all[..3], &["/trust"]).await;
    // Pages outside the public website are not counted.
    seed_visits(&d.cb, &all, &["/api/v1/openapi.json"]).await;

    let now = d.clock.now_ms();
    let s = d.cb.navigation().statistics(now - 30 * DAY, now + 1).await.unwrap();
    assert_eq!((s.k, s.visitors.value, s.page_views.value), (10, Some(12), Some(21)), "{s:#?}");
    let page = |p: &str| s.pages.iter().find(|x| x.page == p).cloned().unwrap();
    assert_eq!(page("/").visitors.value, Some(12));
    assert_eq!(page("/signup").visitors.value, None, "6 people < k = 10: suppressed");
    assert_eq!(page("/trust").views.value, None, "3 people: suppressed");
    assert!(s.pages.iter().all(|p| p.page != "/api/v1/openapi.json"));
    assert!(s.suppressed_cells >= 4);
    // Every published number counts at least k people.
    let json = serde_json::to_value(&s).unwrap();
    let mut numbers = Vec::new();
    fn values(v: &serde_json::Value, out: &mut Vec<u64>) {
        match v {
            serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| if k == "value" { out.extend(v.as_u64()) } else { values(v, out) }),
            serde_json::Value::Array(a) => a.iter().for_each(|v| values(v, out)),
            _ => {}
        }
    }
    values(&json, &mut numbers);
    assert!(!numbers.is_empty() && numbers.iter().all(|&n| n >= 10), "every published count covers at least k people: {numbers:?}");

    // Retention: page views older than the rule's 395 days go at the next run.
    d.clock.advance(395 * DAY);
    let kept = d.cb.retention().run().await.unwrap();
    assert!(kept.iter().filter(|r| r.rule == "navigation:collected").all(|r| r.purged == 0), "not before 395 days");
    d.clock.advance(DAY);
    let runs = d.cb.retention().run().await.unwrap();
    assert_eq!(runs.iter().filter(|r| r.rule == "navigation:collected").map(|r| r.purged).sum::<u64>(), 21);
    assert_eq!(d.cb.navigation().count_of(&ids[0]).await.unwrap(), 0);
});

both!(marketing_consent_is_unticked_withdrawn_as_easily_and_asked_again_when_reworded, |b| async move {
    let d = Domain::open(b).await;
    let u = d.new_person().await;
    let consents = d.cb.consents();
    let marketing = |lang: &'static str| {
        let consents = d.cb.consents();
        let who = u.principal.clone();
        async move { consents.of_subject(&who, lang).await.unwrap().into_iter().find(|c| c.purpose == "marketing").unwrap() }
    };
    let m = marketing("en").await;
    assert!(!m.granted && m.since.is_none() && !m.text.is_empty(), "never pre-ticked: no record means no");
    consents.set_subject(&u.principal, "marketing", false, "sign_up", "en").await.unwrap();
    consents.set_subject(&u.principal, "marketing", true, "privacy_centre", "en").await.unwrap();
    assert!(marketing("en").await.granted);
    // Given under the English wording: a person reading the French one is asked again.
    assert!(!marketing("fr").await.granted, "a choice made under other wording is asked again");
    consents.set_subject(&u.principal, "marketing", false, "privacy_centre", "en").await.unwrap();
    let m = marketing("en").await;
    assert_eq!((m.granted, m.method.as_deref()), (false, Some("privacy_centre")));
    // Only consent-based purposes are chosen this way.
    let e = consents.set_subject(&u.principal, "statistics", true, "privacy_centre", "en").await.unwrap_err();
    assert_eq!((e.code().as_str(), e.field()), ("validation_failed", Some("purpose")));

    let eu = d.region("eu");
    let ledger = eu.consents.consents_of_subject(&u.id).await.unwrap();
    assert_eq!(ledger.iter().map(|r| r.granted).collect::<Vec<_>>(), vec![false, true, false]);
    assert!(ledger.iter().all(|r| r.proof.len() == 32));
    let audit = eu.store.audit_about(&u.id).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "consent.withdrawn") && audit.iter().any(|e| e.action == "consent.given"));
});
