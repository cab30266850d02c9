use super::*;

#[test]
fn default_policy_is_valid_and_answers_queries() {
    let p = match Policy::default_policy() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(p.minimum_age(), 16);
    assert_eq!(p.digest().len(), 64);
    assert!(p.check("account", "account").is_ok());
    assert!(p.check("statistics", "account").is_err());
    assert!(p.check("nonexistent", "account").is_err());
    assert!(p.declares("account", "email"));
    assert!(!p.declares("account", "shoe_size"));
    assert_eq!(p.doc().categories.len(), 13);
    assert_eq!(p.retention_period("events", "event_ended"), Some(Period::Days(30)));
    assert_eq!(p.retention_period("events", "visit_ended"), Some(Period::Days(14)));
    assert_eq!(p.retention_period("trainings", "training_ended"), Some(Period::Months(12)));
    assert!(p.check("events", "trainings").is_ok());
    assert_eq!(p.retention_period("job_applications", "last_contact"), Some(Period::Days(730)));
    assert!(p.check("recruitment", "job_applications").is_ok() && p.check("marketing", "job_applications").is_err());
    assert_eq!(
        p.user_consent_purposes().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        vec!["marketing"],
        "the talent pool is asked only on the application form"
    );
    assert!(p.check("imports", "integrations").is_ok() && p.check("imports", "user_content").is_ok());
    assert_eq!(p.retention_period("integrations", "disconnected"), Some(Period::Days(0)));
    assert_eq!(p.retention_period("assistance", "request_closed"), Some(Period::Days(1095)));
    assert_eq!(p.retention_period("contract", "contract_ended"), Some(Period::Days(0)));
    assert!(p.check("contract", "contract").is_ok());
    assert_eq!(p.retention_period("newsletter", "last_contact"), Some(Period::Months(36)));
    assert!(p.check("marketing", "newsletter").is_ok());
    assert_eq!(p.retention_period("navigation", "collected"), Some(Period::Months(13)));
    assert_eq!(p.retention_period("rights_requests", "request_closed"), Some(Period::Days(730)));
    assert_eq!(p.cookie("cb_consent").and_then(Cookie::lifetime), Some(Period::Months(6)));
    assert_eq!(p.cookie("cb_session").and_then(Cookie::lifetime), None);
}

/// Acceptance 1 of the policy issue: at least ten distinct invalid files, each rejected with a
/// message that names the problem and where it is.
#[test]
fn invalid_policies_are_rejected_with_named_problems() {
    let cases: &[(&str, &str, &str)] = &[
        ("minimum_age = 16", "minimum_age = 10", "limits.minimum_age"),
        ("erasure_deadline_days = 60", "erasure_deadline_days = 90", "limits.erasure_deadline_days"),
        ("request_answer_days = 30", "request_answer_days = 45", "limits.request_answer_days"),
        (
            "retention_days = 35",
            "retention_days = 90",
            "backups.retention_days: backups are kept 90 days, longer than the erasure deadline",
        ),
        ("privacy_contact = \"privacy@example.org\"", "privacy_contact = \"nobody\"", "controller.privacy_contact"),
        ("id = \"marketing\"\nlegal_basis = \"consent\"", "id = \"marketing\"", "purposes.marketing: this purpose has no legal basis"),
        ("consent_text = { en = \"Send me", "consent_txt_removed = { en = \"Send me", "unexpected shape"),
        (
            "lifetime_days = 0\npurpose = { en = \"Keeps you",
            "lifetime_days = 800\npurpose = { en = \"Keeps you",
            "cookies.cb_session: a essential cookie may live at most 24 months, and 800 days can outlive them",
        ),
        (
            "[[retention]]\ncategory = \"navigation\"",
            "[[retention]]\ncategory = \"navigation_gone\"",
            "categories.navigation: this category has no retention rule",
        ),
        ("categories = [\"navigation\"]", "categories = [\"shoes\"]", "unknown category `shoes`"),
        ("trigger = \"collected\"", "trigger = \"whenever\"", "unknown trigger `whenever`"),
        ("id = \"staff\"\nkind = \"employees\"", "id = \"staff\"\nkind = \"affiliate\"", "affiliates and partners receive Other Data only"),
        (
            "safeguards = [\"dpa\", \"iso27001\"]",
            "safeguards = [\"iso27001\"]",
            "recipients.hosting-eu: a subprocessor needs a data processing agreement",
        ),
        (
            "title = { en = \"Navigational data\", fr = \"Données de navigation\" }",
            "title = { en = \"Navigational data\", fr = \"\" }",
            "categories.navigation.title: the French text is missing",
        ),
        ("lifetime_months = 13", "lifetime_months = 14", "cookies.cb_aid: a analytics cookie may live at most 13 months, not 14"),
        (
            "lifetime_months = 13",
            "lifetime_days = 395",
            "cookies.cb_aid: a analytics cookie may live at most 13 months, and 395 days can outlive them",
        ),
        (
            "months = 13\ndescription",
            "months = 13\ndays = 395\ndescription",
            "retention.navigation: give the period in `days` or in `months`, not both",
        ),
        ("days = 730\ndescription", "description", "retention.rights_requests: say how long after the trigger the data goes"),
        ("export_link_hours = 24", "export_link_hours = 0", "limits.export_link_hours"),
        (
            "to = \"United States\"\nmechanism = \"scc\"",
            "to = \"United States\"",
            "transfers.us-region: a transfer outside the EU needs a mechanism",
        ),
        (
            "legitimate_interest = { en = \"Improving the website",
            "legitimate_interest_x = { en = \"Improving the website",
            "unexpected shape",
        ),
        ("data_subjects = [\"visitors\"]", "data_subjects = [\"martians\"]", "unknown data subject `martians`"),
        ("published = \"2026-11-29\"", "published = \"yesterday\"", "meta.published"),
        ("transfer = \"us-region\"", "transfer = \"moon\"", "unknown transfer `moon`"),
    ];
    let mut distinct = std::collections::BTreeSet::new();
    for (from, to, expect) in cases {
        let text = DEFAULT_POLICY.replacen(from, to, 1);
        assert_ne!(text, DEFAULT_POLICY, "case `{from}` did not apply");
        let err = Policy::load(&text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(expect), "expected `{expect}` in: {err}");
        distinct.insert(*expect);
    }
    // Removing a legitimate-interest statement is reported by name (the field is optional in
    // the file so that the check, not the parser, speaks).
    let text = DEFAULT_POLICY.replacen(
        "legitimate_interest = { en = \"Improving the website with figures that cannot identify anyone.\", fr = \"Améliorer le site avec des chiffres qui ne permettent d'identifier personne.\" }\n",
        "",
        1,
    );
    let err = Policy::load(&text).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("purposes.statistics: a purpose based on legitimate interest must state the interest"), "{err}");
    let text = DEFAULT_POLICY.replacen(
        "consent_text = { en = \"Send me news about clearboard, new features and invitations to events, by email or phone. I can withdraw this at any time.\", fr = \"Envoyez-moi des nouvelles de clearboard, de ses nouvelles fonctionnalités et des invitations à des événements, par e-mail ou par téléphone. Je peux retirer cet accord à tout moment.\" }\n",
        "",
        1,
    );
    let err = Policy::load(&text).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("purposes.marketing: a consent-based purpose needs a consent_text"), "{err}");
    assert!(distinct.len() >= 10);
    let err = Policy::load("not toml [").err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("not valid TOML"));
}

#[test]
fn record_of_processing_has_every_article_30_item_for_every_activity() {
    let p = Policy::default_policy().unwrap_or_else(|e| panic!("{e}"));
    let r = exports::ropa(&p);
    let acts = r["activities"].as_array().cloned().unwrap_or_default();
    assert_eq!(acts.len(), p.doc().purposes.len());
    for a in &acts {
        for k in
            ["a_controller", "b_purposes", "c_categories", "d_recipients", "e_transfers", "f_erasure_time_limits", "g_security_measures"]
        {
            let v = &a[k];
            let empty = v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(|o| o.is_empty());
            assert!(!empty, "{} has an empty {k}", a["id"]);
        }
        assert!(!a["c_categories"]["data_subjects"].as_array().is_some_and(Vec::is_empty));
        assert!(!a["c_categories"]["personal_data"].as_array().is_some_and(Vec::is_empty));
    }
}

#[test]
fn dpv_json_ld_uses_only_declared_prefixes_and_resolves_its_references() {
    let p = Policy::default_policy().unwrap_or_else(|e| panic!("{e}"));
    let v = exports::dpv(&p);
    let text = serde_json::to_string(&v).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let ctx = v["@context"].as_object().cloned().unwrap_or_default();
    let graph = v["@graph"].as_array().cloned().unwrap_or_default();
    let ids: std::collections::BTreeSet<String> = graph.iter().filter_map(|n| n["@id"].as_str().map(str::to_string)).collect();
    assert_eq!(ids.len(), graph.len(), "every node has a unique @id");
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if !k.starts_with('@') {
                        out.push(k.clone());
                    }
                    if k == "@type" || k == "@id" {
                        match x {
                            serde_json::Value::String(s) => out.push(s.clone()),
                            serde_json::Value::Array(a) => out.extend(a.iter().filter_map(|s| s.as_str().map(str::to_string))),
                            _ => {}
                        }
                    }
                    walk(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut terms = Vec::new();
    walk(&serde_json::Value::Array(graph.clone()), &mut terms);
    for t in &terms {
        let prefix = t.split(':').next().unwrap_or("");
        assert!(ctx.contains_key(prefix), "undeclared prefix in `{t}`");
    }
    // Every reference to a cb: node points at a node of the graph.
    let mut refs = Vec::new();
    fn refs_of(v: &serde_json::Value, top: bool, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if !top
                    && m.len() == 1
                    && let Some(s) = m.get("@id").and_then(|s| s.as_str())
                {
                    out.push(s.to_string());
                }
                m.values().for_each(|x| refs_of(x, false, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs_of(x, top, out)),
            _ => {}
        }
    }
    refs_of(&serde_json::Value::Array(graph), true, &mut refs);
    for r in refs.iter().filter(|r| r.starts_with("cb:")) {
        assert!(ids.contains(r), "dangling reference {r}");
    }
    assert!(terms.iter().any(|t| t == "dpv:PersonalDataHandling"));
}

#[test]
fn ccpa_disclosure_states_no_sale() {
    let p = Policy::default_policy().unwrap_or_else(|e| panic!("{e}"));
    let v = exports::ccpa(&p);
    assert_eq!(v["sells_personal_information"], false);
    assert_eq!(v["shares_for_cross_context_behavioral_advertising"], false);
    assert!(v["categories"].as_array().is_some_and(|c| c.len() >= 3));
    let f = exports::fideslang(&p);
    assert_eq!(f["system"][0]["privacy_declarations"].as_array().map(Vec::len), Some(p.doc().purposes.len()));
}

/// Everything the policy declares, as if enabled modules implemented exactly that.
fn implementation_of(d: &PolicyDoc) -> agree::Implementation {
    let m = agree::ModuleDecl {
        id: "all".into(),
        data_subjects: d.data_subjects.iter().map(|x| x.id.clone()).collect(),
        categories: d
            .categories
            .iter()
            .map(|c| agree::CategoryDecl {
                id: c.id.clone(),
                fields: c.fields.iter().map(|f| agree::FieldDecl { field: f.clone(), stored_in: format!("t.{f}") }).collect(),
                exporter: true,
                eraser: true,
            })
            .collect(),
        purposes: d.purposes.iter().map(|p| (p.id.clone(), p.categories.clone())).collect(),
        recipients: d.recipients.iter().map(|r| r.id.clone()).collect(),
        retention: d.retention.iter().map(|r| (r.category.clone(), r.trigger.clone())).collect(),
        cookies: d.cookies.iter().map(|c| c.name.clone()).collect(),
        integrations: d
            .integrations
            .iter()
            .map(|i| agree::IntegrationDecl {
                id: i.id.clone(),
                provider: i.provider.clone(),
                scopes: i.scopes.clone(),
                purpose: i.purpose.clone(),
            })
            .collect(),
    };
    agree::Implementation { modules: vec![m] }
}

/// Acceptance 2 of the policy-frame issue, on the model: declared but not implemented and
/// implemented but not declared are each named with their place in the file.
#[test]
fn policy_and_modules_must_agree_both_ways() {
    let p = Policy::default_policy().unwrap_or_else(|e| panic!("{e}"));
    let d = p.doc();
    let full = implementation_of(d);
    assert!(p.agreement_problems(&full).is_empty(), "{:?}", p.agreement_problems(&full));
    let msgs = |imp: &agree::Implementation| p.agreement_problems(imp).iter().map(ToString::to_string).collect::<Vec<_>>();
    let nav = d.categories.iter().position(|c| c.id == "navigation").unwrap_or(usize::MAX);

    let mut less = full.clone();
    less.modules[0].categories.retain(|c| c.id != "navigation");
    assert!(
        msgs(&less).contains(&format!("categories[{nav}] (navigation): no enabled module implements this category")),
        "{:?}",
        msgs(&less)
    );

    let mut less = full.clone();
    less.modules[0].categories.iter_mut().for_each(|c| c.fields.retain(|f| f.field != "phone"));
    less.modules[0].categories.iter_mut().filter(|c| c.id == "security").for_each(|c| c.exporter = false);
    less.modules[0].retention.retain(|(c, _)| c != "rights_requests");
    less.modules[0].cookies.clear();
    let m = msgs(&less);
    let acc = d.categories.iter().position(|c| c.id == "account").unwrap_or(usize::MAX);
    let phone = d.categories[acc].fields.iter().position(|f| f == "phone").unwrap_or(usize::MAX);
    assert!(m.contains(&format!("categories[{acc}] (account).fields[{phone}] (phone): no enabled module stores this field")), "{m:?}");
    assert!(m.iter().any(|x| x.ends_with("(security): the module `all` stores it without an exporter (access and portability)")), "{m:?}");
    assert!(
        m.iter().any(|x| x.starts_with("retention[") && x.contains("(rights_requests:request_closed): no enabled module enforces")),
        "{m:?}"
    );
    assert!(m.contains(&"cookies[0] (cb_session): no enabled module sets this cookie".to_string()), "{m:?}");

    let mut more = full.clone();
    more.modules[0].categories.push(agree::CategoryDecl {
        id: "shoe_sizes".into(),
        fields: vec![agree::FieldDecl { field: "size".into(), stored_in: "shoes.size".into() }],
        exporter: true,
        eraser: true,
    });
    more.modules[0]
        .categories
        .iter_mut()
        .filter(|c| c.id == "account")
        .for_each(|c| c.fields.push(agree::FieldDecl { field: "shoe_size".into(), stored_in: "accounts.shoe_size".into() }));
    more.modules[0].cookies.push("cb_tracker".into());
    more.modules[0].recipients.push("ad-network".into());
    more.modules[0].purposes.push(("hosting".into(), vec!["navigation".into()]));
    let m = msgs(&more);
    for expect in [
        "categories: the enabled module `all` stores the category `shoe_sizes` (shoes.size), which the policy does not declare".to_string(),
        format!(
            "categories[{acc}] (account).fields: the enabled module `all` stores `shoe_size` (in accounts.shoe_size), which this category does not list"
        ),
        "cookies: the enabled module `all` sets the cookie `cb_tracker`, which the policy does not declare".to_string(),
        "recipients: the enabled module `all` sends data to `ad-network`, which the policy does not declare".to_string(),
    ] {
        assert!(m.contains(&expect), "missing `{expect}` in {m:?}");
    }
    assert!(
        m.iter().any(|x| x
            .ends_with("(hosting).categories: the enabled module `all` processes `navigation` for this purpose, which it does not list")),
        "{m:?}"
    );
}

/// C-SCOPE-2, C-3P-1: what people are shown before connecting is what the code asks. An
/// integration whose code asks for other scopes (a wider Drive scope), names another provider
/// or serves another purpose than the policy declares is refused, each with its place.
#[test]
fn c_3p_1_an_integration_asking_other_scopes_than_the_policy_declares_is_refused() {
    let p = Policy::default_policy().unwrap_or_else(|e| panic!("{e}"));
    let mut imp = implementation_of(p.doc());
    let x = imp.modules[0].integrations.iter_mut().find(|i| i.id == "google-drive").unwrap_or_else(|| panic!("declared"));
    x.scopes.push("https://www.googleapis.com/auth/drive.readonly".into());
    x.provider = "Someone else".into();
    x.purpose = "statistics".into();
    let problems: Vec<String> = p.agreement_problems(&imp).iter().map(ToString::to_string).collect();
    for (at, says) in [(".scopes", "drive.readonly"), (".provider", "Someone else"), (".purpose", "statistics")] {
        assert!(
            problems.iter().any(|m| m.starts_with("integrations[0] (google-drive)") && m.contains(at) && m.contains(says)),
            "{at}: {problems:?}"
        );
    }
}
