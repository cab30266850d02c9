//! Invoices (issue 15, acceptance 1, 2 and 4): the billing run issues one invoice per running
//! contract and period with the right totals and VAT, numbered in one continuous sequence
//! whatever runs race (200 subscriptions taken out at once, three runs at once); credit notes
//! correct without changing; the Factur-X EN 16931 XML validates with the `factur-x` package
//! and the PDF opens with the number, totals and legal mentions; the end of a contract leaves
//! only the invoice's legally required fields readable, and the end of the ten-year hold
//! takes them with the hold keys.

use super::billing::{contact, ok, personal_org, put};
use super::*;
use clearboard_core::platform::clock::DAY;
use clearboard_testkit::tools::{PyTool, require_unless_skipped};

const FACTURX: PyTool = PyTool { name: "interop-facturx", requirement: "factur-x==7.8 pypdf==7.1.1", script: "python" };

async fn create_org(app: &TestApp, token: &str, name: &str) -> String {
    let o = ok_status(app.post_json("/api/v1/orgs", &json!({ "name": name }), Some(token)).await, 201).await;
    o["id"].as_str().unwrap().to_string()
}

async fn ok_status(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    res.json().await.unwrap()
}

fn eu(app: &TestApp) -> clearboard_core::platform::context::RegionHandle {
    app.state.cb.region(&clearboard_core::platform::ids::RegionId::new("eu")).unwrap().clone()
}

both!(invoices_are_issued_once_per_period_with_vat_and_numbers_without_gaps_across_200_subscriptions, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let mut needles = Vec::new();
    let person = contact(&mut needles);
    // 200 organisations subscribe at once (1 to 5 seats).
    let mut orgs = Vec::new();
    for i in 0..200 {
        orgs.push(create_org(&app, &u.token, &format!("Org {i}")).await);
    }
    let mut puts = Vec::new();
    for (i, org) in orgs.iter().enumerate() {
        let (app, org, token) = (&app, org.clone(), u.token.clone());
        let body = json!({ "plan": "team", "seats": i % 5 + 1, "billing_contact": person, "payment": { "method": "transfer" } });
        puts.push(async move { ok(put(app, &org, &token, &body).await).await });
    }
    futures_util::future::join_all(puts).await;

    // Three runs at once: every contract invoiced once, numbers 1..=200.
    let cb = &app.state.cb;
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let cb = cb.clone();
            tokio::spawn(async move { cb.billing().run().await.unwrap() })
        })
        .collect();
    let mut issued = 0;
    for r in runs {
        let r = r.await.unwrap();
        issued += r.issued + r.resumed;
    }
    assert_eq!(issued, 200);
    let region = eu(&app);
    let all = region.billing.issued("eu").await.unwrap();
    let numbers: Vec<String> = all.iter().map(|i| i.number.clone().unwrap()).collect();
    assert_eq!(numbers, (1..=200).map(|n| format!("EU-{n:06}")).collect::<Vec<_>>());
    for inv in &all {
        let seats = inv.subtotal / 800;
        assert!((1..=5).contains(&seats) && inv.subtotal == seats * 800, "{inv:?}");
        assert_eq!((inv.vat, inv.total), (inv.subtotal / 5, inv.subtotal * 6 / 5), "20 % VAT");
    }
    // Another run the same month issues nothing; the next month bills the next period.
    let again = cb.billing().run().await.unwrap();
    assert_eq!((again.issued, again.already), (0, 200));
    app.clock.advance(31 * DAY);
    assert_eq!(cb.billing().run().await.unwrap().issued, 200);
    let seqs: Vec<i64> = region.billing.issued("eu").await.unwrap().iter().map(|i| i.seq.unwrap()).collect();
    assert_eq!(seqs, (1..=400).collect::<Vec<i64>>());

    // A correction is a credit note with the next number; the invoice does not change.
    let first = all[0].clone();
    let note = cb.billing().credit(&region, &first.id).await.unwrap();
    assert_eq!((note.kind.as_str(), note.number.as_deref(), note.total), ("credit_note", Some("EU-000401"), first.total));
    assert_eq!(region.billing.invoice(&first.id).await.unwrap().unwrap(), first);
    assert!(cb.billing().credit(&region, &first.id).await.is_err(), "credited once");

    // The owner lists and downloads them; anyone else does not find them.
    let token = app.sign_in(&u.email, &u.password).await;
    let org = first.org_id.as_str();
    assert!(orgs.iter().any(|o| o == org));
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&token)).await).await;
    let items = list["invoices"].as_array().unwrap();
    assert_eq!(items.len(), 3, "two invoices and a credit note: {list}");
    let pdf = app.get(items[0]["pdf_url"].as_str().unwrap(), Some(&token)).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-1.4"));
    let xml = app.get(items[0]["xml_url"].as_str().unwrap(), Some(&token)).await.text().await.unwrap();
    assert!(xml.contains(&format!("<ram:ID>{}</ram:ID>", items[0]["number"].as_str().unwrap())), "{xml}");
    let stranger = app.new_user().await;
    assert_error(app.get(items[0]["xml_url"].as_str().unwrap(), Some(&stranger.token)).await, 404, "not_found").await;
    assert_error(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&stranger.token)).await, 404, "not_found").await;
    // No one's personal data in clear on disk.
    assert!(app.scan_storage(&needles).await.is_empty());
});

// C-DATA-3
both!(c_data_3_after_a_contract_ends_only_the_invoice_fields_the_law_requires_remain_until_the_hold_ends, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let person = contact(&mut needles);
    let email = person["email"].as_str().unwrap().to_string();
    let body = json!({ "plan": "team", "seats": 2, "billing_contact": person, "payment": { "method": "sepa_debit", "iban": "DE89 3704 0044 0532 0130 00", "account_holder": "Ada Lovelace" } });
    ok(put(&app, &org, &u.token, &body).await).await;
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 1);
    let del = app.http().delete(app.url(&format!("/api/v1/orgs/{org}/subscription"))).bearer_auth(&u.token).send().await.unwrap();
    assert_eq!(del.status(), 200);
    app.clock.advance(32 * DAY);
    app.state.cb.retention().run().await.unwrap();
    // The contact's key is gone: their email and IBAN are readable nowhere; their name,
    // company and address only in the invoice, under its hold key.
    let iban = "DE89370400440532013000".to_string();
    let opened = app.decrypting_scan(&[email.clone(), iban.clone()]).await;
    assert!(opened.hits.is_empty(), "{:?}", opened.hits);
    let kept = [
        person["first_name"].as_str().unwrap(),
        person["last_name"].as_str().unwrap(),
        person["company"].as_str().unwrap(),
        person["address"]["line1"].as_str().unwrap(),
    ];
    let kept: Vec<String> = kept.iter().map(|s| s.to_string()).collect();
    let opened = app.decrypting_scan(&kept).await;
    assert!(!opened.hits.is_empty() && opened.hits.iter().all(|(place, _)| place == "invoices.buyer"), "{:?}", opened.hits);
    let token = app.sign_in(&u.email, &u.password).await;
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&token)).await).await;
    let xml = app.get(list["invoices"][0]["xml_url"].as_str().unwrap(), Some(&token)).await.text().await.unwrap();
    assert!(xml.contains(&kept[2]) && !xml.contains(&email), "the invoice keeps the buyer, never the email");
    // Ten years later the hold ends: the invoice and its key go.
    app.clock.advance(3651 * DAY);
    let runs = app.state.cb.retention().run().await.unwrap();
    assert!(runs.iter().any(|r| r.rule.starts_with("contract") && r.purged >= 1), "{runs:?}");
    let opened = app.decrypting_scan(&kept).await;
    assert!(opened.hits.is_empty(), "{:?}", opened.hits);
    let token = app.sign_in(&u.email, &u.password).await;
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&token)).await).await;
    assert_eq!(list["invoices"], json!([]));
    clearboard_testkit::logs::assert_clean(&needles);
});

/// Acceptance 2: each invoice's XML (an invoice and a credit note) validates as Factur-X
/// EN 16931 with the `factur-x` package, and each PDF opens (pypdf) with the number, the
/// totals and the legal mentions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facturx_xml_validates_en16931_and_the_pdf_carries_number_totals_and_legal_mentions() {
    let Some(python) = require_unless_skipped(FACTURX) else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let body = json!({ "plan": "business", "seats": 3, "billing_contact": contact(&mut needles), "payment": { "method": "transfer" } });
    ok(put(&app, &org, &u.token, &body).await).await;
    app.state.cb.billing().run().await.unwrap();
    let region = eu(&app);
    let first = region.billing.issued("eu").await.unwrap().remove(0);
    app.state.cb.billing().credit(&region, &first.id).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&u.token)).await).await;
    for item in list["invoices"].as_array().unwrap() {
        let n = item["number"].as_str().unwrap();
        for (url, ext) in [(&item["xml_url"], "xml"), (&item["pdf_url"], "pdf")] {
            let bytes = app.get(url.as_str().unwrap(), Some(&u.token)).await.bytes().await.unwrap();
            std::fs::write(dir.path().join(format!("{n}.{ext}")), &bytes).unwrap();
        }
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/interop/facturx_check.py");
    let out = std::process::Command::new(&python).arg(&script).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for n in ["EU-000001", "EU-000002"] {
        let x = &v["xml"][format!("{n}.xml")];
        assert_eq!(x["valid"], true, "{n}: {x}");
        assert_eq!((x["flavor"].as_str(), x["level"].as_str()), (Some("factur-x"), Some("en16931")), "{x}");
        let text = v["pdf"][format!("{n}.pdf")]["text"].as_str().unwrap_or_default();
        assert_eq!(v["pdf"][format!("{n}.pdf")]["pages"], 1);
        // 3 seats of 15.00 EUR: 45.00 before VAT, 9.00 VAT, 54.00 in all.
        for expect in [n, "45.00 EUR", "9.00 EUR", "54.00 EUR", "L441-10", "40", "SIREN 732829320", "FR44732829320"] {
            assert!(text.contains(expect), "{n}: `{expect}` missing from the PDF text:\n{text}");
        }
    }
    let note = v["pdf"]["EU-000002.pdf"]["text"].as_str().unwrap();
    assert!(note.contains("CREDIT NOTE / AVOIR") && note.contains("EU-000001"), "{note}");
}

/// `clearboard billing run` against the app's own storage (the app's configuration).
fn billing_run(app: &TestApp) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_clearboard"));
    cmd.args(["billing", "run"]).env("CLEARBOARD_DATA_DIR", &app.config.data_dir).env("CLEARBOARD_LOG_LEVEL", "warn");
    match &app.config.database_url {
        Some(u) => cmd.env("CLEARBOARD_DATABASE_URL", u),
        None => cmd.env_remove("CLEARBOARD_DATABASE_URL"),
    };
    cmd
}

// Acceptance 1: a run killed with SIGKILL in the middle leaves numbers without a gap (only
// issued invoices have one), and the next run finishes the work, each contract once.
both!(a_billing_run_killed_in_the_middle_leaves_no_gap_and_the_next_run_finishes, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let mut needles = Vec::new();
    let person = contact(&mut needles);
    const N: usize = 300;
    let mut orgs = Vec::new();
    for i in 0..N {
        orgs.push(create_org(&app, &u.token, &format!("Org {i}")).await);
    }
    let puts = orgs.iter().map(|org| {
        let (app, org, token) = (&app, org.clone(), u.token.clone());
        let body = json!({ "plan": "team", "seats": 2, "billing_contact": person, "payment": { "method": "transfer" } });
        async move { ok(put(app, &org, &token, &body).await).await }
    });
    futures_util::future::join_all(puts).await;
    let region = eu(&app);
    let mut child = billing_run(&app).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let mut at_kill = 0;
    for _ in 0..60_000 {
        at_kill = region.billing.issued("eu").await.unwrap().len();
        if at_kill > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let issued: Vec<i64> = region.billing.issued("eu").await.unwrap().iter().map(|i| i.seq.unwrap()).collect();
    assert!(at_kill > 0 && issued.len() < N, "the run was stopped in the middle ({} of {N} issued)", issued.len());
    assert_eq!(issued, (1..=issued.len() as i64).collect::<Vec<i64>>(), "numbers without a gap after the kill");
    assert!(region.billing.drafts().await.unwrap().len() <= 1, "at most the draft being issued is left");
    let out = billing_run(&app).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let all = region.billing.issued("eu").await.unwrap();
    let seqs: Vec<i64> = all.iter().map(|i| i.seq.unwrap()).collect();
    assert_eq!(seqs, (1..=N as i64).collect::<Vec<i64>>(), "every contract invoiced once, numbers continuous");
    let contracts: std::collections::BTreeSet<&str> = all.iter().map(|i| i.contract_id.as_str()).collect();
    assert_eq!(contracts.len(), N);
    assert!(region.billing.drafts().await.unwrap().is_empty());
});

// Changing seats or plan in a period already invoiced is prorated to the rest of the period:
// an invoice for more, a credit note of the period's invoice for less; the next period is
// billed at the new amount.
both!(changing_seats_mid_period_is_prorated_by_an_invoice_or_a_credit_note, |b| async move {
    let app = spawn_app(b).await;
    let u = app.new_user().await;
    let org = personal_org(&app, &u.token).await;
    let mut needles = Vec::new();
    let mut body = json!({ "plan": "team", "seats": 2, "billing_contact": contact(&mut needles), "payment": { "method": "transfer" } });
    ok(put(&app, &org, &u.token, &body).await).await;
    app.state.cb.billing().run().await.unwrap();
    // The period is 30 days; 15 are left: two more seats cost 2 × 8.00 × 15/30 = 8.00.
    app.clock.advance(15 * DAY);
    let token = app.sign_in(&u.email, &u.password).await;
    body["seats"] = json!(4);
    ok(put(&app, &org, &token, &body).await).await;
    // 10 days left: one seat less is credited 8.00 × 10/30 = 2.67 (rounded half up).
    app.clock.advance(5 * DAY);
    let token = app.sign_in(&u.email, &u.password).await;
    body["seats"] = json!(3);
    ok(put(&app, &org, &token, &body).await).await;
    let list = ok(app.get(&format!("/api/v1/orgs/{org}/invoices"), Some(&token)).await).await;
    let got: Vec<(String, String, i64, i64, i64)> = list["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let n = |k: &str| i[k].as_i64().unwrap();
            (i["number"].as_str().unwrap().to_string(), i["kind"].as_str().unwrap().to_string(), n("subtotal"), n("vat"), n("total"))
        })
        .collect();
    let want =
        [("EU-000001", "invoice", 1600, 320, 1920), ("EU-000002", "invoice", 800, 160, 960), ("EU-000003", "credit_note", 267, 53, 320)];
    assert_eq!(got, want.iter().map(|(a, b, c, d, e)| (a.to_string(), b.to_string(), *c, *d, *e)).collect::<Vec<_>>());
    let xml = app.get(list["invoices"][2]["xml_url"].as_str().unwrap(), Some(&token)).await.text().await.unwrap();
    assert!(
        xml.contains("<ram:TypeCode>381</ram:TypeCode>") && xml.contains("<ram:IssuerAssignedID>EU-000001</ram:IssuerAssignedID>"),
        "{xml}"
    );
    // The run adds nothing this period; the next period is billed for 3 seats.
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 0);
    app.clock.advance(11 * DAY);
    assert_eq!(app.state.cb.billing().run().await.unwrap().issued, 1);
    let last = eu(&app).billing.issued("eu").await.unwrap().pop().unwrap();
    assert_eq!((last.number.as_deref(), last.subtotal, last.vat), (Some("EU-000004"), 2400, 480));
});
