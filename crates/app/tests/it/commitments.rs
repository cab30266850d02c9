//! Commitments of the SPEC that no other test named (the trace, `it/trace.rs`): the subprocessor
//! list of the trust centre (C-SHARE-3), the disclosure log with prior notice or a recorded
//! reason to withhold it (C-SHARE-5, C-SHARE-7), and the privacy contact (C-CONTACT-1).

use super::*;
use clearboard_core::identity::staff::Role;
use clearboard_core::platform::clock::{Clock, date_of};
use clearboard_core::platform::ids::{RegionId, SubjectId};

const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

async fn staff_token(app: &TestApp) -> String {
    app.new_staff("officer", "Pia", Role::PrivacyOfficer, Some(date_of(app.clock.now_ms()))).await.token
}

// C-SHARE-3: every subprocessor is declared on the public trust centre with what it receives,
// where, and under which safeguards (its data processing agreement, and the transfer mechanism
// when it is outside the EU).
both!(c_share_3_the_trust_centre_lists_what_each_subprocessor_receives_where_and_how, |b| async move {
    let app = spawn_app(b).await;
    let res = app.get("/trust", None).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let p = app.state.cb.policy();
    let subprocessors: Vec<_> = p.doc().recipients.iter().filter(|r| r.kind == clearboard_policy::RecipientKind::Subprocessor).collect();
    assert!(subprocessors.len() >= 3, "hosting in each region and email delivery");
    for r in subprocessors {
        let start = html.find(&format!("id=\"subprocessor-{}\"", r.id)).unwrap_or_else(|| panic!("{} is not listed", r.id));
        let row = &html[start..start + html[start..].find("</tr>").unwrap()];
        assert!(row.contains(&r.name.en) && row.contains(&r.location.en), "{}: name and location", r.id);
        for c in &r.categories {
            assert!(row.contains(&p.category(c).unwrap().title.en), "{}: receives {c}", r.id);
        }
        assert!(r.safeguards.iter().any(|s| s == "dpa") && r.safeguards.iter().all(|s| row.contains(s.as_str())), "{}: safeguards", r.id);
        if let Some(t) = r.transfer.as_deref().and_then(|t| p.transfer(t)) {
            let mechanism = t.mechanism.map(|m| m.label("en")).unwrap_or("none");
            assert!(row.contains(&t.to) && row.contains(mechanism), "{}: the transfer and its mechanism", r.id);
        }
    }
});

// C-SHARE-5, C-SHARE-7: each disclosure to a recipient of the policy is recorded with its legal
// basis and scope, in the person's audit trail and the disclosure log that their privacy centre
// and access answers read; the person is told beforehand, unless staff record the legal reason
// that forbids it; an undeclared recipient is refused.
both!(c_share_5_c_share_7_disclosures_are_logged_and_noticed_unless_a_recorded_reason_forbids_it, |b| async move {
    let app = spawn_app(b).await;
    let told = app.new_user().await;
    let not_told = app.new_user().await;
    let staff = staff_token(&app).await;
    let disclose = |subject: &str, withhold: Option<&str>| {
        let body = json!({
            "subject_id": subject, "recipient": "authorities", "legal_basis": "court order 2026/117 (art. 60-1 CPP)",
            "scope": "account", "withhold_notice_reason": withhold,
        });
        let (app, staff) = (&app, staff.clone());
        async move { app.post_json("/api/v1/staff/disclosures", &body, Some(&staff)).await }
    };
    assert_eq!(disclose(&told.id, None).await.status(), 201);
    let secret = "investigation secrecy ordered by the court (art. 11 CPP)";
    assert_eq!(disclose(&not_told.id, Some(secret)).await.status(), 201);
    let res = app
        .post_json(
            "/api/v1/staff/disclosures",
            &json!({ "subject_id": told.id, "recipient": "ad-network", "legal_basis": "none at all", "scope": "account" }),
            Some(&staff),
        )
        .await;
    assert_error(res, 422, "validation_failed").await;
    let res = app
        .post_json(
            "/api/v1/staff/disclosures",
            &json!({ "subject_id": not_told.id, "recipient": "authorities", "legal_basis": "curiosity only", "scope": "account" }),
            Some(&told.token),
        )
        .await;
    assert_error(res, 403, "forbidden").await;
    // Recorded: the audit trail of each person, with the reason for not telling.
    let eu = app.state.cb.region(&RegionId::new("eu")).unwrap().clone();
    for (u, withheld) in [(&told, false), (&not_told, true)] {
        let id = SubjectId::parse(&u.id).unwrap();
        let log = eu.store.audit_about(&id).await.unwrap();
        let e = log.iter().find(|e| e.action == "data.disclosed").expect("the disclosure is audited");
        assert!(e.detail.contains("court order 2026/117") && e.detail.contains("\"scope\":\"account\""), "{}", e.detail);
        assert_eq!(e.detail.contains(secret), withheld, "{}", e.detail);
        // The disclosure log feeds the person's privacy centre and their access answer.
        let o: Value = app.get("/api/v1/me/privacy", Some(&u.token)).await.json().await.unwrap();
        let d = &o["disclosures"].as_array().unwrap()[0];
        assert_eq!((d["recipient"].as_str(), d["scope"].as_str()), (Some("authorities"), Some("account")));
        assert_eq!(
            app.state.cb.requests().right_to_know(&eu, &id).await.unwrap()["disclosed_for_a_business_purpose"][0]["recipient"],
            "authorities"
        );
    }
    // Told beforehand by email; the other person is not.
    let m = app.wait_for_mail(&told.email, |m| m.subject.contains("disclosure"), WAIT).await.expect("prior notice");
    assert!(m.text.contains("authorities") && m.text.contains("court order 2026/117"));
    assert!(app.mails().iter().all(|m| !m.to.iter().any(|t| t == &not_told.email) || !m.subject.contains("disclosure")));
});

// C-CONTACT-1: the privacy contact is published, and a message sent to it becomes a tracked
// request: staff enter it, it gets its due date, the sender verifies their address, and staff
// work it from the queue.
both!(c_contact_1_the_privacy_contact_is_published_and_its_messages_become_tracked_requests, |b| async move {
    let app = spawn_app(b).await;
    let contact = app.state.cb.policy().doc().controller.privacy_contact.clone();
    for path in ["/privacy", "/privacy?lang=fr", "/privacy/requests"] {
        let html = app.get(path, None).await.text().await.unwrap();
        assert!(html.contains(&contact), "{path} shows the privacy contact");
    }
    let pj: Value = app.get("/privacy.json", None).await.json().await.unwrap();
    assert_eq!(pj["policy"]["controller"]["privacy_contact"], contact.as_str());
    let staff = staff_token(&app).await;
    let sender = canary_email("wrote");
    let res = app
        .post_json(
            "/api/v1/staff/requests",
            &json!({ "kind": "access", "email": sender, "details": "mail to the privacy contact" }),
            Some(&staff),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let r = app.state.cb.requests().all(&RegionId::new("eu")).await.unwrap().into_iter().find(|r| r.id == id).unwrap();
    let due = date_of(app.clock.now_ms()) + time::Duration::days(30);
    assert_eq!((r.channel.as_str(), r.answer_by.as_str()), ("email", due.to_string().as_str()));
    let m = app.wait_for_mail(&sender, |m| m.subject.contains("Confirm"), WAIT).await.expect("the sender verifies their address");
    let link = url::Url::parse(&m.first_link().unwrap()).unwrap();
    let token = link.query_pairs().find(|(k, _)| k == "token").unwrap().1.to_string();
    assert_eq!(app.post_json("/api/v1/requests/verify", &json!({ "token": token }), None).await.status(), 200);
    let q: Value = app.get("/api/v1/staff/requests", Some(&staff)).await.json().await.unwrap();
    let item = q["requests"].as_array().unwrap().iter().find(|x| x["id"] == id.as_str()).expect("in the staff queue");
    assert_eq!(item["due"], due.to_string().as_str());
});

// C-CCPA-2: a CCPA deletion request erases the person, and the answer states what a legal
// obligation keeps, why and until when (the exception), in the signed receipt sent to them.
both!(c_ccpa_2_a_ccpa_deletion_states_the_legal_exceptions_in_its_answer, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let staff = staff_token(&app).await;
    let reason = "Security incident 2026-12 under investigation (legal obligation to keep the logs)";
    let hold = json!({ "subject_id": u.id, "category": "security", "reason": reason, "until": "2027-06-30" });
    assert_eq!(app.post_json("/api/v1/staff/legal-holds", &hold, Some(&staff)).await.status(), 201);
    let res = app.post_json("/api/v1/requests", &json!({ "kind": "ccpa_delete", "email": u.email }), None).await;
    assert_eq!(res.status(), 202);
    let m = app.wait_for_mail(&u.email, |m| m.subject.contains("Confirm"), WAIT).await.expect("verification link");
    let link = url::Url::parse(&m.first_link().unwrap()).unwrap();
    let token = link.query_pairs().find(|(k, _)| k == "token").unwrap().1.to_string();
    assert_eq!(app.post_json("/api/v1/requests/verify", &json!({ "token": token }), None).await.status(), 200);
    let q: Value = app.get("/api/v1/staff/requests", Some(&staff)).await.json().await.unwrap();
    let item = q["requests"].as_array().unwrap().iter().find(|r| r["kind"] == "ccpa_delete").expect("in the queue").clone();
    assert_eq!(item["regime"], "ccpa");
    let res = app.post_json(&format!("/api/v1/staff/requests/{}/complete", item["id"].as_str().unwrap()), &json!({}), Some(&staff)).await;
    assert_eq!(res.status(), 200);
    let done: Value = res.json().await.unwrap();
    let held = &done["answer"]["receipt"]["receipt"]["held"][0];
    assert_eq!(
        (held["category"].as_str(), held["reason"].as_str(), held["until"].as_str()),
        (Some("security"), Some(reason), Some("2027-06-30"))
    );
    assert_error(app.get("/api/v1/me", Some(&u.token)).await, 401, "unauthenticated").await;
    let answer = app.wait_for_mail(&u.email, |m| m.subject.contains("our answer"), WAIT).await.expect("the answer");
    assert!(answer.text.contains(reason) && answer.text.contains("2027-06-30"), "the exception is stated in the answer");
});
