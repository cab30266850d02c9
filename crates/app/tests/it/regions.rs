//! Regions (C-LOC-1): a person's data is written only to their region's stores. A US person's
//! canaries (profile, board content, picture) are absent from every file of the EU region and
//! the reverse, by a raw scan of the files and by a scan that opens every envelope with every
//! key of the service; positive controls show both scans see them in their own region. Both
//! backends.

use super::*;
use clearboard_testkit::spawn::TestUser;

async fn person_in(app: &TestApp, region: &str) -> (TestUser, Vec<String>) {
    let mut body = app.sign_up_body();
    body["region"] = json!(region);
    let u = app.new_user_with(body).await;
    let me: Value = app.get("/api/v1/me", Some(&u.token)).await.json().await.unwrap();
    assert_eq!(me["region"], region);
    let title = canary(&format!("Board{region}"));
    let text = canary(&format!("Card{region}"));
    let pixels = canary(&format!("Pixels{region}"));
    let board = crate::boards::json_ok(app.post_json("/api/v1/boards", &json!({ "title": title }), Some(&u.token)).await, 201).await;
    crate::boards::add_text(app, board["id"].as_str().unwrap(), &u.token, &text).await;
    let res =
        app.http().put(app.url("/api/v1/me/picture")).bearer_auth(&u.token).body(super::accounts::jpeg("g", &pixels)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let canaries = vec![u.email.clone(), u.first_name.clone(), u.last_name.clone(), u.phone.clone(), title, text, pixels];
    (u, canaries)
}

// C-LOC-1
both!(a_us_persons_data_is_in_no_eu_file_and_the_reverse, |b| async move {
    let app = spawn_app(b).await;
    let (eu_user, eu) = person_in(&app, "eu").await;
    let (us_user, us) = person_in(&app, "us").await;
    for (here, there, mine, theirs, who) in [("eu", "us", &eu, &us, &us_user), ("us", "eu", &us, &eu, &eu_user)] {
        // Positive control: this region's own people are found here by the decrypting scan.
        let own = app.decrypting_scan_region(here, mine).await;
        let missing: Vec<&String> = mine.iter().filter(|c| !own.hits.iter().any(|(_, n)| n == *c)).collect();
        assert!(missing.is_empty(), "the scan of {here} cannot see its own people's {missing:?}");
        // The other region's people: not one envelope or blob here opens to their data…
        let foreign = app.decrypting_scan_region(here, theirs).await;
        assert!(foreign.hits.is_empty(), "{there} data in {here}: {:?}", foreign.hits);
        // …and no file of this region holds their data, nor even their pseudonymous id, in clear.
        let paths = app.region_storage_paths(here).await;
        assert!(!paths.is_empty());
        let mut needles = theirs.clone();
        needles.push(who.id.clone());
        let raw = clearboard_testkit::forensics::scan(&paths, &needles);
        assert!(raw.is_empty(), "{there} data in the files of {here}: {raw:?}");
        // Positive control for the raw scan: a person's id is in clear in their own region.
        let mine_id = if here == "eu" { &eu_user.id } else { &us_user.id };
        assert!(!clearboard_testkit::forensics::scan(&paths, std::slice::from_ref(mine_id)).is_empty(), "the raw scan sees ids of {here}");
    }
});

// C-LOC-2: a copy of a person's data to another region is checked against the policy's
// transfer mechanisms: to the US region (standard contractual clauses) allowed and audited;
// to a region the policy declares no host and no transfer for, refused and audited. Every
// email goes through the same guard (the mail provider's transfer has its mechanism).
both!(cross_region_copies_and_mail_pass_the_transfer_guard, |b| async move {
    use clearboard_core::platform::ids::{RegionId, SubjectId};
    use clearboard_core::privacy::transfers::{Destination, MAIL_RECIPIENT, Verdict};
    let app = spawn_app(b).await;
    let (eu_user, _) = person_in(&app, "eu").await;
    let cb = &app.state.cb;
    let eu = cb.region(&RegionId::new("eu")).unwrap().clone();
    let subject = SubjectId::parse(&eu_user.id).unwrap();
    let us = RegionId::new("us");
    assert_eq!(cb.transfers().verdict(Destination::Region(&us)), Verdict::Lawful("us-region".into()));
    assert_eq!(cb.transfers().verdict(Destination::Recipient(MAIL_RECIPIENT)), Verdict::Lawful("email-delivery".into()));
    assert_eq!(cb.transfers().verdict(Destination::Recipient("hosting-eu")), Verdict::Inside);
    // With a mechanism: allowed, audited in the person's region.
    let basis = cb.transfers().check(&eu, Destination::Region(&us), Some(&subject)).await.unwrap();
    assert_eq!(basis, "us-region");
    // Without one: refused, audited.
    let elsewhere = RegionId::new("ap");
    let refused = cb.transfers().check(&eu, Destination::Region(&elsewhere), Some(&subject)).await;
    assert!(matches!(refused, Err(clearboard_core::platform::error::CoreError::Forbidden)), "{refused:?}");
    let audit = eu.store.audit_about(&subject).await.unwrap();
    let allowed: Vec<_> = audit.iter().filter(|e| e.action == "transfer.allowed").collect();
    let denied: Vec<_> = audit.iter().filter(|e| e.action == "transfer.refused").collect();
    assert_eq!((allowed.len(), denied.len()), (1, 1), "{audit:?}");
    assert!(allowed[0].detail.to_string().contains("us-region") && denied[0].detail.to_string().contains("\"ap\""));
    // The audit chain still verifies; the audit entries name no person (pseudonymous id only).
    for r in cb.verify_audit().await.unwrap() {
        assert!(r.result.is_ok(), "{}: {:?}", r.chain, r.result);
    }
    let text = format!("{audit:?}");
    assert!(!text.contains(&eu_user.email) && !text.contains(&eu_user.last_name));
});
