//! Consent and cookies over HTTP (C-COOK-1..5, C-USE-3, C-SHARE-6): the window every page
//! carries until a choice (rendered by the page template), cookies set only after consent and
//! never extended, GPC, forged cookies, what statistics publish, consent at sign-up, a changed
//! cookie purpose, rate limits. The ledger, statistics and consent rules themselves are
//! domain tests: `it/domain/consent.rs`.

use super::*;
use clearboard_core::platform::clock::DAY;

/// The Set-Cookie headers of a response, by name.
fn set_cookies(res: &reqwest::Response) -> Vec<(String, String)> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| {
            let s = v.to_str().unwrap().to_string();
            (s.split('=').next().unwrap().to_string(), s)
        })
        .collect()
}

fn max_age(cookie: &str) -> Option<i64> {
    cookie.split(';').find_map(|p| p.trim().strip_prefix("Max-Age=").map(|v| v.parse().unwrap()))
}

fn value_of(cookie: &str) -> String {
    cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string()
}

async fn get_with(app: &TestApp, path: &str, cookies: &[(&str, &str)], gpc: bool) -> reqwest::Response {
    let mut rb = app.http().get(app.url(path));
    if !cookies.is_empty() {
        rb = rb.header("cookie", cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "));
    }
    if gpc {
        rb = rb.header("sec-gpc", "1");
    }
    rb.header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36")
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
}

async fn choose(app: &TestApp, choice: &str, statistics: bool, cookies: &[(&str, &str)], gpc: bool) -> reqwest::Response {
    let mut form = vec![("choice", choice.to_string()), ("return", "/privacy".to_string())];
    if statistics {
        form.push(("statistics", "on".into()));
    }
    let mut rb = app.browser().post(app.url("/consent")).form(&form);
    if !cookies.is_empty() {
        rb = rb.header("cookie", cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "));
    }
    if gpc {
        rb = rb.header("sec-gpc", "1");
    }
    rb.send().await.unwrap()
}

async fn views(app: &TestApp, visitor: &str) -> u64 {
    app.state.cb.navigation().count_of(visitor).await.unwrap()
}

// C-COOK-1, C-COOK-2, C-COOK-3, C-COOK-5, C-USE-3, C-DATA-8: nothing before a choice, refusing as
// easy as accepting, the choice recorded, analytics only after opt-in, never extended, asked again
// when it expires.
both!(acceptance_1_and_2_consent_lifecycle_on_the_clock, |b| async move {
    let app = spawn_app(b).await;
    // Before any choice: no cookie at all on any public page, the window is there, nothing collected.
    for path in ["/", "/privacy", "/cookies", "/trust", "/signin", "/signup", "/join", "/privacy/history"] {
        let res = get_with(&app, path, &[], false).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(set_cookies(&res).is_empty(), "{path} set a cookie before consent");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("id=\"cb-consent\"") && html.contains("Reject all") && html.contains("Accept all"),
            "{path} has no consent window"
        );
        let (r, a) = (html.find("value=\"reject\"").unwrap(), html.find("value=\"accept\"").unwrap());
        assert!(r < a, "refusing comes first, with the same look");
    }
    let fr = get_with(&app, "/?lang=fr", &[], false).await.text().await.unwrap();
    assert!(fr.contains("Tout refuser") && fr.contains("Tout accepter"));

    // Accept all: one click; the consent cookie, then the analytics cookie at the next page view.
    let res = choose(&app, "accept", false, &[], false).await;
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/privacy"));
    let cookies = set_cookies(&res);
    assert_eq!(cookies.len(), 1);
    let consent = value_of(&cookies[0].1);
    assert!(max_age(&cookies[0].1).unwrap() <= 183 * 86_400);
    let res = get_with(&app, "/privacy", &[("cb_consent", &consent)], false).await;
    let cookies = set_cookies(&res);
    let aid_cookie = cookies.iter().find(|(n, _)| n == "cb_aid").expect("analytics cookie after consent").1.clone();
    assert!(max_age(&aid_cookie).unwrap() <= 395 * 86_400, "at most 13 months");
    assert!(aid_cookie.contains("HttpOnly") && aid_cookie.contains("SameSite=Lax"));
    let aid = value_of(&aid_cookie);
    assert!(!res.text().await.unwrap().contains("id=\"cb-consent\""), "no window once chosen");
    assert_eq!(views(&app, &aid).await, 1);

    // A month later: the visit is counted, the cookie is NOT extended (not set again).
    app.clock.advance(30 * DAY);
    let res = get_with(&app, "/", &[("cb_consent", &consent), ("cb_aid", &aid)], false).await;
    assert!(set_cookies(&res).iter().all(|(n, _)| n != "cb_aid"), "the analytics cookie is never refreshed");
    assert_eq!(views(&app, &aid).await, 2);
    // Pages that are not part of the public website are not counted.
    get_with(&app, "/api/v1/openapi.json", &[("cb_consent", &consent), ("cb_aid", &aid)], false).await;
    assert_eq!(views(&app, &aid).await, 2);

    // The ledger has the choice with its proof; the audit log has it too.
    let c = app.state.cb.consents().decode(&consent).unwrap();
    let ledger = app.state.cb.consents().visitor_ledger(&c.consent_id).await.unwrap();
    assert_eq!(ledger.len(), 1);
    assert!(ledger[0].granted && ledger[0].method == "banner" && ledger[0].proof.len() == 32 && ledger[0].policy_version.len() == 64);

    // Withdrawal through the settings layer: recorded; the cookie goes; past page views go;
    // the next page view collects nothing.
    let res = choose(&app, "save", false, &[("cb_consent", &consent), ("cb_aid", &aid)], false).await;
    let cookies = set_cookies(&res);
    let consent2 = value_of(&cookies.iter().find(|(n, _)| n == "cb_consent").unwrap().1);
    assert_eq!(max_age(&cookies.iter().find(|(n, _)| n == "cb_aid").unwrap().1), Some(0), "analytics cookie removed");
    assert_eq!(views(&app, &aid).await, 0, "what was collected under the consent is deleted");
    let res = get_with(&app, "/", &[("cb_consent", &consent2), ("cb_aid", &aid)], false).await;
    assert!(set_cookies(&res).iter().all(|(n, v)| n != "cb_aid" || max_age(v) == Some(0)));
    assert_eq!(views(&app, &aid).await, 0);
    let ledger = app.state.cb.consents().visitor_ledger(&c.consent_id).await.unwrap();
    assert_eq!(ledger.iter().map(|r| (r.granted, r.method.as_str())).collect::<Vec<_>>(), vec![(true, "banner"), (false, "settings")]);

    // Reject all (another visitor): one click, no analytics cookie, ever.
    let res = choose(&app, "reject", false, &[], false).await;
    let rejected = value_of(&set_cookies(&res)[0].1);
    let res = get_with(&app, "/", &[("cb_consent", &rejected)], false).await;
    assert!(set_cookies(&res).is_empty());
    // Closing the window is refusing.
    let res = choose(&app, "close", false, &[], false).await;
    let closed = app.state.cb.consents().decode(&value_of(&set_cookies(&res)[0].1)).unwrap();
    assert!(!closed.statistics);

    // After six months the choice is asked again.
    app.clock.advance(184 * DAY);
    let html = get_with(&app, "/", &[("cb_consent", &rejected)], false).await.text().await.unwrap();
    assert!(html.contains("id=\"cb-consent\""));
    // The cookies page always offers the choice again ("Cookies" link in every footer).
    let html = get_with(&app, "/cookies", &[("cb_consent", &consent2)], false).await.text().await.unwrap();
    assert!(html.contains("id=\"cb-consent\"") && html.contains("cb_aid"));
    clearboard_testkit::logs::assert_clean(std::slice::from_ref(&aid));
    let logs = String::from_utf8_lossy(&clearboard_testkit::logs::contents()).to_string();
    assert!(!logs.contains("cookie.registry_violation"), "every cookie set is declared in the policy");
});

// C-SHARE-6: the Global Privacy Control signal refuses and withdraws.
both!(acceptance_3_global_privacy_control, |b| async move {
    let app = spawn_app(b).await;
    let gpc: Value = app.get("/.well-known/gpc.json", None).await.json().await.unwrap();
    assert_eq!(gpc["gpc"], true);
    assert!(gpc["lastUpdate"].as_str().unwrap().len() == 10);
    // Earlier "accept", then GPC: no analytics cookie, the old one removed, recorded, no form.
    let res = choose(&app, "accept", false, &[], false).await;
    let consent = value_of(&set_cookies(&res)[0].1);
    let res = get_with(&app, "/", &[("cb_consent", &consent)], false).await;
    let aid = value_of(&set_cookies(&res).iter().find(|(n, _)| n == "cb_aid").unwrap().1);
    let res = get_with(&app, "/privacy", &[("cb_consent", &consent), ("cb_aid", &aid)], true).await;
    let cookies = set_cookies(&res);
    assert!(cookies.iter().all(|(n, v)| n != "cb_aid" || max_age(v) == Some(0)), "no analytics cookie under GPC");
    assert!(!res.text().await.unwrap().contains("id=\"cb-consent\""), "GPC needs no form");
    assert_eq!(views(&app, &aid).await, 0, "earlier page views are deleted with the withdrawal");
    let c = app.state.cb.consents().decode(&consent).unwrap();
    let ledger = app.state.cb.consents().visitor_ledger(&c.consent_id).await.unwrap();
    assert_eq!(ledger.last().map(|r| (r.granted, r.method.as_str())), Some((false, "gpc")));
    // Under GPC, even clicking "accept" does not turn statistics on.
    let res = choose(&app, "accept", false, &[], true).await;
    let v = app.state.cb.consents().decode(&value_of(&set_cookies(&res)[0].1)).unwrap();
    assert!(!v.statistics);
    // A fresh visitor with GPC: refusal recorded once, no window, no cookie but the choice.
    let res = get_with(&app, "/", &[], true).await;
    let cookies = set_cookies(&res);
    assert_eq!(cookies.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), vec!["cb_consent"]);
    let html = res.text().await.unwrap();
    assert!(!html.contains("id=\"cb-consent\""));
});

both!(acceptance_5_forged_consent_cookies_are_ignored, |b| async move {
    // Which values decode is a domain rule (`domain/consent.rs`, thousands of them); here, that
    // the web layer treats one that does not as "no choice": the window, no analytics cookie.
    let app = spawn_app(b).await;
    let res = choose(&app, "accept", false, &[], false).await;
    let good = value_of(&set_cookies(&res)[0].1);
    let (body, mac) = good.rsplit_once('.').unwrap();
    let forged = [
        String::new(),
        format!("{body}.AAAAAAAAAAAAAAAAAAAAAA"),
        format!("{}.{mac}", body.replace(".s1.", ".s0.")),
        format!("{good}.extra"),
    ];
    for f in &forged {
        let res = app.http().get(app.url("/")).header("cookie", format!("cb_consent={f}; cb_aid={f}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "cookie {f:?}");
        assert!(set_cookies(&res).iter().all(|(n, _)| n != "cb_aid"), "a forged cookie never enables analytics ({f:?})");
        assert!(res.text().await.unwrap().contains("id=\"cb-consent\""), "treated as no choice: the window shows ({f:?})");
    }
    let res = app.http().get(app.url("/")).header("cookie", format!("cb_consent={good}")).send().await.unwrap();
    assert!(!res.text().await.unwrap().contains("id=\"cb-consent\""), "the genuine cookie still works");
});

// C-USE-4: aggregated, small groups suppressed, no row-level export.
both!(acceptance_4_statistics_publish_aggregates_only, |b| async move {
    // Aggregation and suppression are domain rules (`domain/consent.rs`); here, what the staff
    // API publishes, to whom, that a refusing visitor is not counted, and the chart page.
    let app = spawn_app(b).await;
    let ids: Vec<String> = (0..12).map(|i| format!("visitor{i:015}")).collect();
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    crate::domain::seed_visits(&app.state.cb, &all, &["/"]).await;
    crate::domain::seed_visits(&app.state.cb, &all[..3], &["/trust"]).await;
    // Someone who refused is not counted.
    let refused = value_of(&set_cookies(&choose(&app, "reject", false, &[], false).await)[0].1);
    get_with(&app, "/trust", &[("cb_consent", &refused)], false).await;

    let staff =
        app.new_staff("stats", "S", clearboard_core::identity::staff::Role::Admin, Some(time::macros::date!(2026 - 11 - 01))).await.token;
    let s: Value = app.get("/api/v1/staff/statistics?days=30", Some(&staff)).await.json().await.unwrap();
    assert_eq!(s["visitors"]["value"], 12, "{s:#}");
    assert!(s["pages"].as_array().unwrap().iter().find(|x| x["page"] == "/trust").unwrap()["views"]["value"].is_null(), "suppressed");
    // No row, address or identifier is out: only aggregate fields.
    fn keys(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                out.insert(k.clone());
                keys(v, out);
            }),
            Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let mut found = std::collections::BTreeSet::new();
    keys(&s, &mut found);
    let allowed = [
        "days",
        "day",
        "epsilon",
        "from",
        "to",
        "funnel",
        "page",
        "visitors",
        "value",
        "k",
        "page_views",
        "pages",
        "views",
        "sections",
        "section",
        "suppressed_cells",
        "visits",
    ];
    assert!(found.iter().all(|k| allowed.contains(&k.as_str())), "only aggregate fields are published: {found:?}");
    assert!(!s.to_string().contains("visitor0000") && !s.to_string().contains("192.0.2"), "no identifier or address");
    assert_error(app.get("/api/v1/staff/statistics", Some(&app.new_user().await.token)).await, 403, "forbidden").await;
    let html = app.page_text("/staff/statistics", &staff).await;
    assert!(html.contains("<svg") && !html.contains("<script"));
});

// C-USE-3
both!(marketing_consent_over_http_is_asked_unticked, |b| async move {
    // The consent rules are domain tests (`domain/consent.rs`); here, sign-up records the
    // answer it asked, the API changes it, and the sign-up page asks it unticked.
    let app = spawn_app(b).await;
    let mut body = app.sign_up_body();
    body["marketing"] = json!(false);
    let u = app.new_user_with(body).await;
    let c: Value = app.get("/api/v1/me/consents", Some(&u.token)).await.json().await.unwrap();
    let m = c["consents"].as_array().unwrap().iter().find(|x| x["purpose"] == "marketing").unwrap().clone();
    assert_eq!((m["granted"].as_bool(), m["method"].as_str()), (Some(false), Some("sign_up")));
    let put = |purpose: &str, granted: bool| {
        app.http().put(app.url("/api/v1/me/consents")).bearer_auth(&u.token).json(&json!({ "purpose": purpose, "granted": granted })).send()
    };
    let c: Value = put("marketing", true).await.unwrap().json().await.unwrap();
    assert_eq!(c["consents"][0]["granted"], true);
    assert_error(put("statistics", true).await.unwrap(), 422, "validation_failed").await;
    let html = app.http().get(app.url("/signup")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("name=\"marketing\" value=\"on\">"), "unticked");
});

both!(a_changed_cookie_purpose_asks_again_and_nothing_else_does, |b| async move {
    use clearboard_policy::DEFAULT_POLICY;
    let app = spawn_app(b).await;
    let consent = value_of(&set_cookies(&choose(&app, "accept", false, &[], false).await)[0].1);
    let dir = app.dir.path().to_path_buf();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // A change that does not touch what the window asks: the choice stands.
    let renamed = DEFAULT_POLICY.replace("name = \"Example Operator SAS\"", "name = \"Renamed Operator SAS\"");
    assert_ne!(renamed, DEFAULT_POLICY);
    let path = write("renamed.toml", &renamed);
    let app = app.restart(|c| c.policy_file = Some(path.clone())).await;
    let res = get_with(&app, "/", &[("cb_consent", &consent)], false).await;
    assert!(set_cookies(&res).iter().any(|(n, _)| n == "cb_aid"), "the earlier accept still counts");
    assert!(!res.text().await.unwrap().contains("id=\"cb-consent\""));
    // The analytics cookie's purpose changes: the earlier accept no longer counts; asked again.
    let changed = renamed.replace(
        "so that statistics can tell visits from visitors. Thirteen months at most.",
        "so that statistics can tell visits from visitors and measure sections. Thirteen months at most.",
    );
    assert_ne!(changed, renamed);
    let path = write("changed.toml", &changed);
    let app = app.restart(|c| c.policy_file = Some(path.clone())).await;
    let res = get_with(&app, "/", &[("cb_consent", &consent)], false).await;
    assert!(set_cookies(&res).is_empty(), "no analytics cookie under a consent given for other purposes");
    assert!(res.text().await.unwrap().contains("id=\"cb-consent\""), "asked again");
});

both!(consent_rows_are_deduplicated_per_visitor_and_rate_limited_per_address, |b| async move {
    // Real limits (the test kit relaxes them by default).
    let app =
        spawn_with(b, clearboard_testkit::Options { limits: clearboard_web::platform::ratelimit::Limits::default(), ..Default::default() })
            .await;
    // The same choice again with a valid record: no new row, the expiry is not pushed back.
    let res = choose(&app, "accept", false, &[], false).await;
    let consent = value_of(&set_cookies(&res)[0].1);
    app.clock.advance(DAY);
    let again = choose(&app, "accept", false, &[("cb_consent", &consent)], false).await;
    assert_eq!(again.status(), 303);
    let c = app.state.cb.consents().decode(&consent).unwrap();
    let ledger = app.state.cb.consents().visitor_ledger(&c.consent_id).await.unwrap();
    assert_eq!(ledger.len(), 1, "a repeated choice writes no new row");
    if let Some(v) = set_cookies(&again).iter().find(|(n, _)| n == "cb_consent") {
        assert_eq!(app.state.cb.consents().decode(&value_of(&v.1)).unwrap().expires_at, c.expires_at, "never extended");
    }
    // A GPC client that keeps no cookie: refused on every page, recorded at most at the rate.
    let mut recorded = 0;
    for _ in 0..100 {
        let res = get_with(&app, "/", &[], true).await;
        assert_eq!(res.status(), 200);
        if set_cookies(&res).iter().any(|(n, _)| n == "cb_consent") {
            recorded += 1;
        }
        assert!(set_cookies(&res).iter().all(|(n, _)| n != "cb_aid"), "nothing is collected");
        assert!(!res.text().await.unwrap().contains("id=\"cb-consent\""), "the GPC refusal applies without a window");
    }
    assert!((1..=20).contains(&recorded), "{recorded} rows for 100 cookie-less GPC pages");
    // Choices from one address beyond the rate: 429, nothing written.
    let mut limited = 0;
    for i in 0..40 {
        let res = choose(&app, if i % 2 == 0 { "accept" } else { "reject" }, false, &[], false).await;
        if res.status() == 429 {
            limited += 1;
        }
    }
    assert!(limited > 0, "consent choices from one address are rate-limited");
});

// C-USE-3: a consent purpose whose text changes asks again (issue 13, acceptance 6): each
// record keeps the digest of the consent purposes it was given under; under another digest
// the choice no longer counts (treated as a no) until the person answers again.
both!(a_changed_consent_purpose_asks_again_and_counts_as_no_until_answered, |b| async move {
    use clearboard_policy::DEFAULT_POLICY;
    let app = spawn_app(b).await;
    let mut body = app.sign_up_body();
    body["marketing"] = json!(true);
    let u = app.new_user_with(body).await;
    let marketing = |c: &Value| c["consents"].as_array().unwrap().iter().find(|x| x["purpose"] == "marketing").unwrap().clone();
    let c: Value = app.get("/api/v1/me/consents", Some(&u.token)).await.json().await.unwrap();
    assert_eq!((marketing(&c)["granted"].as_bool(), marketing(&c)["ask_again"].as_bool()), (Some(true), Some(false)));
    // The ledger keeps the digest each choice was made under (a visitor's too).
    let id = clearboard_core::platform::ids::SubjectId::parse(&u.id).unwrap();
    let eu = clearboard_core::platform::ids::RegionId::new("eu");
    let ledger = app.state.cb.region(&eu).unwrap().consents.consents_of_subject(&id).await.unwrap();
    assert_eq!(ledger.last().unwrap().purposes_digest, app.state.cb.policy().consent_purposes_digest());
    let visitor = value_of(&set_cookies(&choose(&app, "accept", true, &[], false).await)[0].1);
    let vid = app.state.cb.consents().decode(&visitor).unwrap().consent_id;
    let vrows = app.state.cb.consents().visitor_ledger(&vid).await.unwrap();
    assert_eq!(vrows.last().unwrap().purposes_digest, app.state.cb.policy().cookie_consent_digest());

    // The marketing purpose's text changes.
    let old = "by email or phone. I can withdraw this at any time.";
    assert!(DEFAULT_POLICY.contains(old));
    let changed = DEFAULT_POLICY.replace(old, "by email, phone or post. I can withdraw this at any time.");
    let path = app.dir.path().join("changed-consent.toml");
    std::fs::write(&path, &changed).unwrap();
    let app = app.restart(|c| c.policy_file = Some(path.clone())).await;
    let c: Value = app.get("/api/v1/me/consents", Some(&u.token)).await.json().await.unwrap();
    assert_eq!(
        (marketing(&c)["granted"].as_bool(), marketing(&c)["ask_again"].as_bool()),
        (Some(false), Some(true)),
        "a consent given under another digest no longer counts: {c}"
    );
    let html = app.http().get(app.url("/me")).bearer_auth(&u.token).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-ask-again=\"marketing\""), "the profile asks again");
    assert!(!html.contains("name=\"marketing\" value=\"on\" checked"), "not pre-ticked");
    let fr = app.http().get(app.url("/me?lang=fr")).bearer_auth(&u.token).send().await.unwrap().text().await.unwrap();
    assert!(fr.contains("merci de choisir à nouveau"));
    // They answer again: the new choice counts.
    let res = app
        .http()
        .put(app.url("/api/v1/me/consents"))
        .bearer_auth(&u.token)
        .json(&json!({ "purpose": "marketing", "granted": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let c: Value = app.get("/api/v1/me/consents", Some(&u.token)).await.json().await.unwrap();
    assert_eq!((marketing(&c)["granted"].as_bool(), marketing(&c)["ask_again"].as_bool()), (Some(true), Some(false)));
});

// C-USE-4: the statistics threshold k and noise ε are the policy's; a threshold that would
// publish one person's visits is refused.
#[test]
fn statistics_threshold_and_noise_live_in_the_policy() {
    use clearboard_policy::{DEFAULT_POLICY, Policy};
    let p = Policy::load(DEFAULT_POLICY).unwrap();
    assert_eq!((p.doc().statistics.k, p.doc().statistics.epsilon), (10, None));
    let noisy = DEFAULT_POLICY.replace("\nk = 10\n", "\nk = 12\nepsilon = 0.5\n");
    let p = Policy::load(&noisy).unwrap();
    assert_eq!((p.doc().statistics.k, p.doc().statistics.epsilon), (12, Some(0.5)));
    let Err(err) = Policy::load(&DEFAULT_POLICY.replace("\nk = 10\n", "\nk = 1\n")) else { panic!("k = 1 is refused") };
    assert!(format!("{err:?}").contains("statistics.k"), "{err:?}");
}
