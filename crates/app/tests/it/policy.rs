//! Policy as code: the published pages and documents come from the policy file, a changed
//! file changes them (and the guards), and significant versions must be acknowledged.

use super::*;
use clearboard_policy::{DEFAULT_POLICY, Policy};

/// What askama writes for a text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&#34;").replace('\'', "&#39;")
}

fn contains(html: &str, s: &str) -> bool {
    html.contains(s) || html.contains(&esc(s))
}

async fn page(app: &TestApp, path: &str) -> String {
    let res = app.get(path, None).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The text without the block `[[section]]` whose first line is `key = "value"`.
fn without_block(text: &str, section: &str, first_line: &str) -> String {
    let start = text.find(&format!("[[{section}]]\n{first_line}\n")).unwrap_or_else(|| panic!("no {section} {first_line}"));
    let end = text[start..].find("\n\n").map_or(text.len(), |e| start + e + 2);
    format!("{}{}", &text[..start], &text[end..])
}

/// A policy without the statistics module's processing: no navigation category, statistics
/// purpose, page-view retention rule or analytics cookie, and nothing naming them.
pub fn without_statistics(text: &str) -> String {
    let mut t = without_block(text, "categories", "id = \"navigation\"");
    t = without_block(&t, "purposes", "id = \"statistics\"");
    t = without_block(&t, "retention", "category = \"navigation\"");
    t = without_block(&t, "cookies", "name = \"cb_aid\"");
    let all = "categories = [\"user_content\", \"account\", \"navigation\", \"security\", \"consent_records\", \"rights_requests\", \"assistance\", \"contract\", \"newsletter\", \"events\", \"trainings\", \"integrations\", \"job_applications\"]";
    assert_eq!(t.matches(all).count(), 2, "the rights purpose and the EU host name every category");
    t = t.replace(all, &all.replace("\"navigation\", ", ""));
    t.replacen("purposes = [\"hosting\", \"account\", \"statistics\", ", "purposes = [\"hosting\", \"account\", ", 1)
}

/// The policy without what the billing module declares (it may then be switched off).
/// A recipient no module sends data to (what `policy check` and start-up must refuse).
pub const UNIMPLEMENTED_RECIPIENT: &str = r#"
[[recipients]]
id = "resellers"
kind = "partner"
categories = ["contract"]
purposes = ["contract"]
safeguards = ["dpa"]
name = { en = "Resellers", fr = "Revendeurs" }
description = { en = "Nobody: no module sends them anything.", fr = "Personne : aucun module ne leur envoie rien." }
location = { en = "European Union", fr = "Union européenne" }
"#;

pub fn without_billing(text: &str) -> String {
    let mut t = without_block(text, "data_subjects", "id = \"customers\"");
    t = without_block(&t, "categories", "id = \"contract\"");
    t = without_block(&t, "purposes", "id = \"contract\"");
    t = without_block(&t, "retention", "category = \"contract\"");
    for r in ["partners", "affiliates", "payment"] {
        t = without_block(&t, "recipients", &format!("id = \"{r}\""));
    }
    let t = t.replace(", \"contract\"", "").replace(", \"customers\"", "");
    // The legal basis `contract` (of the events purpose) is not billing's.
    let rest = t.replace("legal_basis = \"contract\"", "");
    assert!(!rest.contains("\"contract\"") && !rest.contains("\"customers\""), "every mention of billing is gone");
    t
}

fn write_policy(app: &TestApp, name: &str, text: &str) -> std::path::PathBuf {
    let path = app.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

// C-COOK-4, C-SEC-2: the cookie list and the trust centre (regions, subprocessors, measures) come
// from the policy.
both!(acceptance_2_every_item_of_the_policy_is_published, |b| async move {
    let app = spawn_app(b).await;
    let p = Policy::default_policy().unwrap();
    let d = p.doc();
    let en = page(&app, "/privacy").await;
    let fr = page(&app, "/privacy?lang=fr").await;
    let cookies = page(&app, "/cookies").await;
    let ropa = page(&app, "/privacy/ropa.json").await;
    assert!(fr.contains("lang=\"fr\"") && fr.contains(&esc(&d.meta.title.fr)));
    for (html, lang) in [(&en, "en"), (&fr, "fr")] {
        for x in &d.purposes {
            assert!(contains(html, x.title.get(lang)), "purpose {} missing ({lang})", x.id);
            assert!(contains(html, x.legal_basis.unwrap().label(lang)), "legal basis of {} missing ({lang})", x.id);
        }
        for x in &d.categories {
            assert!(contains(html, x.title.get(lang)) && contains(html, x.description.get(lang)), "category {} missing ({lang})", x.id);
        }
        for x in &d.recipients {
            assert!(contains(html, x.name.get(lang)), "recipient {} missing ({lang})", x.id);
        }
        for x in &d.retention {
            assert!(contains(html, x.description.get(lang)), "retention {}:{} missing ({lang})", x.category, x.trigger);
            if let Some(h) = &x.legal_hold {
                assert!(contains(html, h.reason.get(lang)));
            }
        }
        for x in &d.cookies {
            assert!(
                html.contains(&format!("<code>{}</code>", x.name)) && contains(html, x.purpose.get(lang)),
                "cookie {} missing ({lang})",
                x.name
            );
        }
        for x in &d.transfers {
            assert!(contains(html, x.description.get(lang)));
        }
        assert!(html.contains(&d.controller.privacy_contact) && contains(html, &d.controller.name));
    }
    for x in &d.cookies {
        assert!(cookies.contains(&format!("<code>{}</code>", x.name)) && contains(&cookies, x.purpose.en.as_str()));
    }
    for x in &d.purposes {
        assert!(ropa.contains(&format!("\"id\":\"{}\"", x.id)), "purpose {} missing from the record of processing", x.id);
    }
    for x in &d.categories {
        assert!(ropa.contains(&format!("\"id\":\"{}\"", x.id)), "category {} missing from the record of processing", x.id);
    }
    for x in &d.recipients {
        assert!(ropa.contains(&format!("\"id\":\"{}\"", x.id)), "recipient {} missing from the record of processing", x.id);
    }
    for x in &d.retention {
        assert!(ropa.contains(&serde_json::to_string(&x.description.en).unwrap()), "retention rule missing from the record of processing");
    }
    for x in &d.cookies {
        assert!(ropa.contains(&format!("\"name\":\"{}\"", x.name)), "cookie missing from the record of processing");
    }
    // The trust centre lists regions, subprocessors and security measures.
    let trust = page(&app, "/trust").await;
    for r in &d.regions {
        assert!(contains(&trust, &r.name.en));
    }
    for r in d.recipients.iter().filter(|r| r.kind == clearboard_policy::RecipientKind::Subprocessor) {
        assert!(trust.contains(&format!("subprocessor-{}", r.id)));
    }
    for m in &d.security_measures {
        assert!(contains(&trust, &m.title.en));
    }
    // Every page links the policy pages in its footer.
    for path in ["/", "/signin", "/signup", "/privacy", "/cookies", "/trust"] {
        let html = page(&app, path).await;
        assert!(html.contains("href=\"/privacy\"") && html.contains("href=\"/cookies\"") && html.contains("href=\"/trust\""), "{path}");
    }
});

both!(acceptance_3_record_of_processing_and_dpv, |b| async move {
    let app = spawn_app(b).await;
    let ropa: Value = app.get("/privacy/ropa.json", None).await.json().await.unwrap();
    let acts = ropa["activities"].as_array().unwrap();
    assert!(!acts.is_empty());
    for a in acts {
        for k in
            ["a_controller", "b_purposes", "c_categories", "d_recipients", "e_transfers", "f_erasure_time_limits", "g_security_measures"]
        {
            let v = &a[k];
            assert!(
                !(v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(|o| o.is_empty())),
                "{} {k}",
                a["id"]
            );
        }
    }
    let res = app.get("/privacy/dpv.jsonld", None).await;
    assert_eq!(res.headers()["content-type"], "application/ld+json");
    let dpv: Value = serde_json::from_str(&res.text().await.unwrap()).expect("DPV JSON-LD parses");
    assert_eq!(dpv["@context"]["dpv"], "https://w3id.org/dpv#");
    let handlings = dpv["@graph"].as_array().unwrap().iter().filter(|n| n["@type"] == "dpv:PersonalDataHandling").count();
    assert_eq!(handlings, acts.len());
    let ccpa: Value = app.get("/privacy/ccpa.json", None).await.json().await.unwrap();
    assert_eq!(ccpa["sells_personal_information"], false);
    let fides: Value = app.get("/privacy/fideslang.json", None).await.json().await.unwrap();
    assert!(fides["system"][0]["privacy_declarations"].as_array().is_some_and(|d| d.len() == acts.len()));
    let pj: Value = app.get("/privacy.json", None).await.json().await.unwrap();
    assert_eq!(pj["version"], Policy::default_policy().unwrap().digest());
});

// C-CHG-1, C-USE-1: every version published and kept in the public history; the guard obeys the
// file.
both!(a_changed_policy_file_changes_pages_and_guards, |b| async move {
    let app = spawn_app(b).await;
    let changed = DEFAULT_POLICY
        .replace("name = \"Example Operator SAS\"", "name = \"Changed Operator GmbH\"")
        .replace("Creating and running your user account", "Running your clearboard account")
        .replace("lifetime_days = 90", "lifetime_days = 60");
    let path = write_policy(&app, "changed.toml", &changed);
    let app = app.restart(|c| c.policy_file = Some(path.clone())).await;
    let html = page(&app, "/privacy").await;
    assert!(html.contains("Changed Operator GmbH") && !html.contains("Example Operator SAS"));
    assert!(html.contains("Running your clearboard account") && !html.contains("Creating and running your user account"));
    let cookies = page(&app, "/cookies").await;
    assert!(cookies.contains("<code>cb_device</code>") && cookies.contains("60 days") && !cookies.contains("90 days"));
    let ropa = page(&app, "/privacy/ropa.json").await;
    assert!(ropa.contains("Changed Operator GmbH") && ropa.contains("\"P60D\""));
    let pj: Value = app.get("/privacy.json", None).await.json().await.unwrap();
    assert_eq!(pj["version"], Policy::load(&changed).unwrap().digest());
    // Both versions are in the public history, each with its text.
    let hist: Value = app.get("/api/v1/policy/versions", None).await.json().await.unwrap();
    let versions = hist["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    let old = Policy::default_policy().unwrap().digest().to_string();
    let text = page(&app, &format!("/privacy/history/{old}")).await;
    assert_eq!(text, DEFAULT_POLICY);
    let history_html = page(&app, "/privacy/history").await;
    assert!(history_html.contains(&old[..12]));

    // The purpose guard obeys the file (C-USE-1). A policy that drops `account` from the
    // account purpose no longer starts: the accounts module processes it for that purpose.
    let guarded = changed.replacen(
        "categories = [\"account\", \"security\"]\ndata_subjects = [\"users\"]",
        "categories = [\"security\"]\ndata_subjects = [\"users\"]",
        1,
    );
    assert_ne!(guarded, changed);
    let path = write_policy(&app, "guarded.toml", &guarded);
    let err = build_with(&app, |c| c.policy_file = Some(path.clone())).await.unwrap_err();
    assert!(
        err.contains(
            "purposes[0] (account).categories: the enabled module `accounts` processes `account` for this purpose, which it does not list"
        ),
        "{err}"
    );
    // And at run time the guard refuses what the policy does not declare: with the billing
    // module switched off and its declarations left out, an admin cannot open an account for
    // the reason `contract`.
    let path = write_policy(&app, "no-billing.toml", &without_billing(&changed));
    let app = app
        .restart(|c| {
            c.policy_file = Some(path.clone());
            c.modules.insert("billing".into(), clearboard_app::config::ModuleConfig { enabled: false });
        })
        .await;
    let admin =
        app.new_staff("admin", "Ada", clearboard_core::identity::staff::Role::Admin, Some(time::macros::date!(2026 - 11 - 01))).await;
    let person = app.new_user().await;
    let res = app.get(&format!("/api/v1/staff/accounts/{}?reason=contract", person.id), Some(&admin.token)).await;
    let e = assert_error(res, 403, "purpose_denied").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains("`contract`"), "{e}");
    let res = app.get(&format!("/api/v1/staff/accounts/{}?reason=support_request", person.id), Some(&admin.token)).await;
    assert_eq!(res.status(), 200, "a declared purpose passes");
});

// C-CHG-2
both!(acceptance_4_significant_change_needs_acknowledgement, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let v = app.new_user().await;
    let browser = app.browser();
    browser.post(app.url("/signin")).form(&[("email", v.email.as_str()), ("password", v.password.as_str())]).send().await.unwrap();
    assert_eq!(browser.get(app.url("/me")).send().await.unwrap().status(), 200);

    app.clock.advance(clearboard_core::platform::clock::MINUTE);
    let significant = DEFAULT_POLICY
        .replace("significant = false", "significant = true")
        .replace("published = \"2026-11-29\"", "published = \"2026-11-30\"")
        .replace(
            "summary = { en = \"First published version.\", fr = \"Première version publiée.\" }",
            "summary = { en = \"Backups are now kept 30 days.\", fr = \"Les sauvegardes sont désormais gardées 30 jours.\" }",
        )
        .replace("retention_days = 35", "retention_days = 30");
    let path = write_policy(&app, "significant.toml", &significant);
    let app = app.restart(|c| c.policy_file = Some(path.clone())).await;
    let digest = Policy::load(&significant).unwrap().digest().to_string();

    // Every existing session is stopped at the next request until the person acknowledges.
    let e = assert_error(app.get("/api/v1/me", Some(&u.token)).await, 428, "policy_ack_required").await;
    assert!(e["error"]["detail"].as_str().unwrap().contains(&digest));
    assert_error(app.get("/api/v1/sessions", Some(&u.token)).await, 428, "policy_ack_required").await;
    let status: Value = app.get("/api/v1/me/policy", Some(&u.token)).await.json().await.unwrap();
    assert_eq!(status["acknowledgement_required"]["version"], digest.as_str());
    let res = app.post_json("/api/v1/me/policy-acknowledgements", &json!({"version": "0".repeat(64)}), Some(&u.token)).await;
    assert_error(res, 422, "validation_failed").await;
    let res = app.post_json("/api/v1/me/policy-acknowledgements", &json!({"version": digest}), Some(&u.token)).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.get("/api/v1/me", Some(&u.token)).await.status(), 200);
    // Stored with version and time, and audited.
    let id = clearboard_core::platform::ids::SubjectId::parse(&u.id).unwrap();
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap();
    let acks = eu.store.acks_of(&id).await.unwrap();
    let now = clearboard_core::platform::clock::Clock::now_ms(&app.clock);
    assert!(acks.iter().any(|(d, m, at)| d == &digest && m == "api" && *at == now), "{acks:?}");
    assert!(eu.store.audit_about(&id).await.unwrap().iter().any(|e| e.action == "policy.acknowledged"));

    // The web shows an interstitial; acknowledging there lets the person through.
    let res = browser.get(app.url("/me")).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/policy-update"));
    let html = browser.get(app.url("/policy-update")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Backups are now kept 30 days.") && html.contains(&digest));
    assert_eq!(browser.get(app.url("/privacy")).send().await.unwrap().status(), 200, "the policy itself stays readable");
    let res = browser.post(app.url("/policy-update")).form(&[("version", digest.as_str())]).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/me");
    assert_eq!(browser.get(app.url("/me")).send().await.unwrap().status(), 200);
    let vid = clearboard_core::platform::ids::SubjectId::parse(&v.id).unwrap();
    assert!(eu.store.acks_of(&vid).await.unwrap().iter().any(|(d, m, _)| d == &digest && m == "interstitial"));

    // A person who signs up after the change has nothing to acknowledge.
    let newcomer = app.new_user().await;
    assert_eq!(app.get("/api/v1/me", Some(&newcomer.token)).await.status(), 200);
});

/// The configuration of `app` built again with `change`: `Err` holds why it does not start.
async fn build_with(app: &TestApp, change: impl FnOnce(&mut clearboard_app::Config)) -> Result<(), String> {
    let mut config = app.config.clone();
    change(&mut config);
    let clock: std::sync::Arc<dyn clearboard_core::platform::clock::Clock> = std::sync::Arc::new(app.clock.clone());
    match clearboard_app::build(&config, clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await {
        Ok(built) => {
            built.opened.close().await;
            Ok(())
        }
        Err(e) => Err(format!("{e:#}")),
    }
}

// C-DATA-9, C-USE-1: start-up refuses a policy that declares what no enabled module implements
// (acceptance 2 of the policy-frame issue), and a configuration that switches off a module whose
// processing the policy still declares; each problem is named with its place in the file.
both!(acceptance_2_start_up_refuses_a_policy_and_modules_that_disagree, |b| async move {
    let app = spawn_app(b).await;
    let more = write_policy(&app, "more.toml", &format!("{DEFAULT_POLICY}\n{UNIMPLEMENTED_RECIPIENT}"));
    let err = build_with(&app, |c| c.policy_file = Some(more.clone())).await.unwrap_err();
    assert!(err.contains("and the enabled modules disagree") && err.contains("the service will not start"), "{err}");
    assert!(err.contains("recipients[8] (resellers): no enabled module sends data to this recipient"), "{err}");
    // Statistics switched off while the policy still declares them.
    let err = build_with(&app, |c| {
        c.modules.insert("statistics".into(), clearboard_app::config::ModuleConfig { enabled: false });
    })
    .await
    .unwrap_err();
    assert!(err.contains("categories[2] (navigation): no enabled module implements this category"), "{err}");
    assert!(err.contains("(cb_aid): no enabled module sets this cookie"), "{err}");
    // A field the policy declares that no module stores.
    let extra = DEFAULT_POLICY.replacen(
        "\"password_hash\", \"policy_acknowledgement\"]",
        "\"password_hash\", \"policy_acknowledgement\", \"shoe_size\"]",
        1,
    );
    let extra = write_policy(&app, "extra.toml", &extra);
    let err = build_with(&app, |c| c.policy_file = Some(extra.clone())).await.unwrap_err();
    assert!(err.contains("categories[1] (account).fields[7] (shoe_size): no enabled module stores this field"), "{err}");
    // The service that runs still answers: the refusals changed nothing.
    assert_eq!(app.get("/readyz", None).await.status(), 200);
});

// C-DATA-8, C-USE-4: a switched-off module is not declared by the policy and does not run:
// without the statistics module nothing is counted, no analytics cookie is set, and the pages
// do not mention navigational data.
both!(a_switched_off_module_is_neither_declared_nor_run, |b| async move {
    let app = spawn_app(b).await;
    let text = without_statistics(DEFAULT_POLICY);
    let path = write_policy(&app, "no-statistics.toml", &text);
    let app = app
        .restart(|c| {
            c.policy_file = Some(path.clone());
            c.modules.insert("statistics".into(), clearboard_app::config::ModuleConfig { enabled: false });
        })
        .await;
    assert!(!app.state.cb.module_enabled("statistics") && app.state.cb.module_enabled("consent"));
    let privacy = page(&app, "/privacy").await;
    assert!(!privacy.contains("Navigational data") && !privacy.contains("cb_aid"));
    let cookies = page(&app, "/cookies").await;
    assert!(cookies.contains("cb_consent") && !cookies.contains("cb_aid"));
    // A visitor who accepts everything: nothing is collected, no analytics cookie.
    let res = app.browser().post(app.url("/consent")).form(&[("choice", "accept"), ("return", "/privacy")]).send().await.unwrap();
    let consent = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("cb_consent=").map(|v| v.split(';').next().unwrap_or("").to_string()))
        .expect("the choice is remembered");
    let res = app
        .http()
        .get(app.url("/privacy"))
        .header("cookie", format!("cb_consent={consent}"))
        .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36")
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get_all("set-cookie").iter().all(|v| !v.to_str().unwrap_or("").starts_with("cb_aid=")));
    let eu = app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap();
    let now = clearboard_core::platform::clock::Clock::now_ms(&app.clock);
    assert!(eu.consents.page_views(0, now + 1).await.unwrap().is_empty(), "nothing is counted");
    let runs = app.state.cb.retention().run().await.unwrap();
    assert!(runs.iter().all(|r| !r.rule.starts_with("navigation")));
});

// C-USE-2: every purpose of the reference is declared with its legal basis, served by an enabled
// module of the registry (account creation, hosting, contract management, assistance, news and
// invitations, statistics) and published on the notice in both languages; and no enabled module
// serves a purpose the policy leaves out.
both!(c_use_2_every_purpose_of_the_reference_is_declared_served_and_published, |b| async move {
    use clearboard_core::privacy::modules::registry::MODULES;
    use clearboard_policy::LegalBasis;
    let app = spawn_app(b).await;
    let p = Policy::default_policy().unwrap();
    let d = p.doc();
    let en = page(&app, "/privacy").await;
    let fr = page(&app, "/privacy?lang=fr").await;
    let reference = [
        ("account", vec![LegalBasis::LegitimateInterest]),
        ("hosting", vec![LegalBasis::LegitimateInterest]),
        ("contract", vec![LegalBasis::LegitimateInterest, LegalBasis::LegalObligation]),
        ("assistance", vec![LegalBasis::LegitimateInterest]),
        ("marketing", vec![LegalBasis::Consent]),
        ("statistics", vec![LegalBasis::LegitimateInterest]),
    ];
    for (id, bases) in &reference {
        let purpose = d.purposes.iter().find(|x| x.id == *id).unwrap_or_else(|| panic!("purpose {id} is not declared"));
        let basis = purpose.legal_basis.unwrap_or_else(|| panic!("purpose {id} has no legal basis"));
        assert!(bases.contains(&basis), "purpose {id}: basis {basis:?} is not one the reference allows ({bases:?})");
        let serving: Vec<&str> = MODULES.iter().filter(|m| m.purposes.iter().any(|(p, _)| p == id)).map(|m| m.id).collect();
        assert!(!serving.is_empty(), "no module of the registry serves purpose {id}");
        for (html, lang) in [(&en, "en"), (&fr, "fr")] {
            assert!(contains(html, purpose.title.get(lang)), "purpose {id} is not on the notice ({lang})");
        }
    }
    // The modules that serve news and contracts are the business modules built for them.
    let serves = |m: &str, purpose: &str| MODULES.iter().any(|x| x.id == m && x.purposes.iter().any(|(p, _)| *p == purpose));
    assert!(serves("outreach", "marketing"), "the outreach module serves news and invitations");
    assert!(serves("billing", "contract"), "the billing module serves contract management");
    assert!(serves("support", "assistance"), "the support module serves assistance");
    // Nothing served that the policy does not declare.
    for m in MODULES.iter() {
        for (purpose, _) in m.purposes {
            assert!(d.purposes.iter().any(|x| x.id == *purpose), "module {} serves undeclared purpose {purpose}", m.id);
        }
    }
});
