//! The billing run at volume (issue 15): invoices per second of a real billing run for N
//! organisations (`BILLING_ORGS`, default 10,000), each with a running contract and its
//! billing contact, with every invoice's PDF and Factur-X XML built, and the peak memory of
//! the process doing it.
//!
//! Seeding goes through the product: owners sign up (100 organisations each, so Argon2 is
//! not what the seeding waits for), each organisation is created by `Boards::create_org`
//! (its name sealed with its own key) and subscribed by `Billing::subscribe` (the contact a
//! subject of its own, its fields and the payment method sealed with its key; half pay by
//! SEPA direct debit, half by bank transfer). Embedded SQLite, real clock.
//!
//! Timed, in a child process of this binary that opens the same deployment (a hidden
//! `billing-child` mode), so the peak RSS (VmHWM, reset through `/proc/self/clear_refs` after
//! start-up, just before the run) is that of a process doing only this work:
//! `Billing::run` (for each contract: its contact opened, a hold key of the invoice's own
//! created in the key store, the buyer sealed with it, the draft stored, then issued with the
//! next number of the seller's gapless sequence in a transaction with its audit entry), then
//! every issued invoice opened (`open_invoice`) and its PDF and Factur-X XML built, as the
//! download handlers build them.
//!
//! Baseline, in the same child right after: the same invoices as plain rows — one INSERT per
//! invoice (its own transaction, as the run commits one invoice at a time) into a table of the
//! same columns in a fresh SQLite database opened like the product's (WAL, synchronous
//! normal, secure delete), the buyer as clear JSON and the number from a counter: no hold key,
//! no sealing, no audit, no gapless-sequence transaction — plus the same PDF and XML built from
//! them. Ratio = our invoices per second / the baseline's. The time of the PDF and XML alone
//! is reported beside it.

use std::sync::Arc;
use std::time::Instant;

use clearboard_core::business::billing::input::{Address, Contact, PaymentInput, SubscriptionInput};
use clearboard_core::business::billing::{facturx, pdf};
use clearboard_core::platform::clock::{Clock, SystemClock};
use clearboard_core::platform::ids::RegionId;
use serde_json::{Value, json};

const CHILD_TAG: &str = "BILLING_CHILD_RESULT ";
const ORGS_PER_OWNER: usize = 100;
const IBAN: &str = "FR7630006000011234567890189";

fn config(dir: &std::path::Path) -> clearboard_app::Config {
    clearboard_app::Config {
        data_dir: dir.join("data"),
        regions: vec!["eu".into()],
        default_region: "eu".into(),
        public_url: Some("https://clearboard.bench".into()),
        log_level: "warn".into(),
        ..Default::default()
    }
}

async fn build(dir: &std::path::Path) -> clearboard_app::App {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    clearboard_app::build(&config(dir), clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await.unwrap()
}

fn vm_mb(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(&format!("{field}:")))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

fn subscription(i: usize) -> SubscriptionInput {
    SubscriptionInput {
        plan: if i.is_multiple_of(4) { "business" } else { "team" }.into(),
        seats: 1 + (i % 25) as i64,
        billing_contact: Contact {
            first_name: format!("Ada{i}"),
            last_name: "Lovelace".into(),
            email: format!("billing{i}@bench.example"),
            phone: "+33 1 23 45 67 89".into(),
            company: i.is_multiple_of(2).then(|| format!("Company {i} SAS")),
            vat_id: i.is_multiple_of(2).then(|| "FR40303265045".into()),
            address: Address {
                line1: format!("{} rue de la Paix", 1 + i % 200),
                line2: None,
                postcode: "75002".into(),
                city: "Paris".into(),
                country: "FR".into(),
            },
        },
        payment: if i.is_multiple_of(2) {
            PaymentInput::SepaDebit { iban: IBAN.into(), account_holder: format!("Ada{i} Lovelace") }
        } else {
            PaymentInput::Transfer
        },
    }
}

/// Seeds N organisations with their subscriptions; returns the seconds it took.
async fn seed(dir: &std::path::Path, n: usize) -> f64 {
    let t = Instant::now();
    let app = build(dir).await;
    let cb = app.state.cb.clone();
    let mut owner = None;
    for i in 0..n {
        if i.is_multiple_of(ORGS_PER_OWNER) {
            owner = Some(crate::common::signed_up(&cb, &format!("owner{i}@bench.example"), "Owner").await);
        }
        let who = owner.as_ref().unwrap();
        let org = cb.boards().create_org(who, &format!("Organisation {i}"), false).await.unwrap();
        cb.billing().subscribe(who, &org.id, &subscription(i)).await.unwrap();
        if (i + 1).is_multiple_of(1000) {
            println!("billing: seeded {} organisations ({:.0} s)", i + 1, t.elapsed().as_secs_f64());
        }
    }
    app.opened.close().await;
    t.elapsed().as_secs_f64()
}

pub async fn run(n: usize) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let seed_s = seed(dir.path(), n).await;
    println!("billing: {n} organisations with a subscription seeded in {seed_s:.1} s");
    let n_arg = n.to_string();
    let child = crate::common::child_json(&["billing-child", dir.path().to_str().unwrap(), &n_arg], CHILD_TAG, "billing");
    let ours = child["ours"]["invoices_per_s"].as_f64().unwrap();
    let base = child["baseline"]["invoices_per_s"].as_f64().unwrap();
    println!(
        "billing: {n} invoices issued with PDF + Factur-X in {:.1} s: {ours:.0} invoices/s (run {:.1} s, documents {:.1} s), peak RSS {:.0} MB \
         (from {:.0} MB after start-up); baseline (plain inserts + the same PDF and XML) {base:.0} invoices/s; ratio {:.3}; PDF + XML alone {:.0} invoices/s",
        child["ours"]["total_s"].as_f64().unwrap(),
        child["ours"]["run_s"].as_f64().unwrap(),
        child["ours"]["documents_s"].as_f64().unwrap(),
        child["ours"]["rss_peak_mb"].as_f64().unwrap_or(f64::NAN),
        child["ours"]["rss_before_mb"].as_f64().unwrap_or(f64::NAN),
        ours / base,
        child["baseline"]["documents_per_s"].as_f64().unwrap(),
    );
    json!({
        "benchmark": "billing",
        "backend": "sqlite",
        "baseline": "the same invoices as plain rows (one INSERT each in its own transaction into a table of the same columns, fresh SQLite opened like the product's, buyer in clear, number from a counter: no hold key, sealing, audit or gapless-sequence transaction) plus the same PDF and Factur-X XML built from them, in the same child process right after ours",
        "ours": "Billing::run (per contract: contact opened, a hold key of the invoice's own, buyer sealed, draft stored, issued with the next gapless number and its audit entry) then every issued invoice opened and its PDF and Factur-X XML built; in a child process of the bench that opens the seeded deployment, peak RSS = its VmHWM reset (clear_refs 5) after start-up",
        "organisations": n,
        "owners": n.div_ceil(ORGS_PER_OWNER),
        "seed_s": seed_s,
        "invoices_per_s": ours,
        "baseline_invoices_per_s": base,
        "ratio": ours / base,
        "rss_peak_mb": child["ours"]["rss_peak_mb"],
        "child": child,
    })
}

/// The timed part, in a child process (`billing-child <dir> <n>`); prints its result.
pub async fn child_main(dir: &str, n: usize) {
    let dir = std::path::PathBuf::from(dir);
    let app = build(&dir).await;
    let cb = app.state.cb.clone();
    let region = cb.region(&RegionId::new("eu")).unwrap().clone();
    let seller = cb.settings().seller.clone();
    let rss_start = vm_mb("VmHWM");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = vm_mb("VmRSS");

    // Ours: the billing run, then every invoice's PDF and XML.
    let t = Instant::now();
    let report = cb.billing().run().await.unwrap();
    let run_s = t.elapsed().as_secs_f64();
    assert_eq!(report.issued as usize, n, "one invoice per organisation: {report:?}");
    let t2 = Instant::now();
    let issued = region.billing.issued("eu").await.unwrap();
    assert_eq!(issued.len(), n);
    let (mut pdf_bytes, mut xml_bytes) = (0usize, 0usize);
    for inv in issued {
        let open = cb.billing().open_invoice(&region, inv).await.unwrap();
        pdf_bytes += std::hint::black_box(pdf::pdf(&open, &seller)).len();
        xml_bytes += std::hint::black_box(facturx::xml(&open, &seller)).len();
    }
    let documents_s = t2.elapsed().as_secs_f64();
    let total_s = t.elapsed().as_secs_f64();
    let rss_peak = vm_mb("VmHWM");

    // Not timed: the numbers have no gap, and the documents say what the invoice says.
    let mut issued = region.billing.issued("eu").await.unwrap();
    issued.sort_by_key(|i| i.seq);
    assert!(issued.iter().enumerate().all(|(k, i)| i.seq == Some(k as i64 + 1)), "numbers 1..=N without a gap");
    let sample = cb.billing().open_invoice(&region, issued[n / 2].clone()).await.unwrap();
    let sample_xml = facturx::xml(&sample, &seller);
    let buyer = sample.buyer.company.clone().unwrap_or_else(|| sample.buyer.name.clone());
    assert!(
        sample_xml.contains(sample.row.number.as_deref().unwrap()) && sample_xml.contains(&buyer),
        "the XML names the invoice and buyer"
    );
    let sample_pdf = pdf::pdf(&sample, &seller);
    assert!(sample_pdf.starts_with(b"%PDF-"), "a PDF");

    // The baseline's input, prepared untimed: every invoice as it will be written.
    let mut opened = Vec::with_capacity(n);
    for inv in issued {
        opened.push(cb.billing().open_invoice(&region, inv).await.unwrap());
    }
    app.opened.close().await;
    let plain = clearboard_store::platform::db::open_sqlite(
        &dir.join("baseline.db"),
        clearboard_store::platform::db::Durability::Normal,
        "baseline",
    )
    .await
    .unwrap();
    let clearboard_store::Db::Sqlite(pool, _) = &plain else { unreachable!() };
    sqlx::query(
        "CREATE TABLE plain_invoices (id TEXT PRIMARY KEY, contract_id TEXT NOT NULL, org_id TEXT NOT NULL, seller TEXT NOT NULL, \
         seq INTEGER NOT NULL, number TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, period_start INTEGER NOT NULL, \
         period_end INTEGER NOT NULL, currency TEXT NOT NULL, lines TEXT NOT NULL, subtotal INTEGER NOT NULL, vat INTEGER NOT NULL, \
         total INTEGER NOT NULL, buyer TEXT NOT NULL, hold_until INTEGER NOT NULL, issued_at INTEGER NOT NULL, created_at INTEGER NOT NULL)",
    )
    .execute(pool)
    .await
    .unwrap();
    let (mut insert_s, mut docs_s) = (0f64, 0f64);
    let t = Instant::now();
    for (k, o) in opened.iter().enumerate() {
        let r = &o.row;
        let ti = Instant::now();
        let seq = k as i64 + 1;
        sqlx::query("INSERT INTO plain_invoices VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)")
            .bind(&r.id)
            .bind(&r.contract_id)
            .bind(r.org_id.to_string())
            .bind(&r.seller)
            .bind(seq)
            .bind(clearboard_core::business::billing::invoices::number(&r.seller, seq))
            .bind(&r.kind)
            .bind("issued")
            .bind(r.period_start)
            .bind(r.period_end)
            .bind(&r.currency)
            .bind(&r.lines)
            .bind(r.subtotal)
            .bind(r.vat)
            .bind(r.total)
            .bind(serde_json::to_string(&o.buyer).unwrap())
            .bind(r.hold_until)
            .bind(r.issued_at.unwrap_or(r.created_at))
            .bind(r.created_at)
            .execute(pool)
            .await
            .unwrap();
        insert_s += ti.elapsed().as_secs_f64();
        let td = Instant::now();
        std::hint::black_box(pdf::pdf(o, &seller));
        std::hint::black_box(facturx::xml(o, &seller));
        docs_s += td.elapsed().as_secs_f64();
    }
    let base_s = t.elapsed().as_secs_f64();
    plain.close().await;

    let out = json!({
        "ours": {
            "issued": report.issued, "resumed": report.resumed, "already": report.already,
            "run_s": run_s, "documents_s": documents_s, "total_s": total_s, "invoices_per_s": n as f64 / total_s,
            "run_invoices_per_s": n as f64 / run_s, "pdf_bytes_total": pdf_bytes, "xml_bytes_total": xml_bytes,
            "rss_peak_mb": rss_peak, "rss_before_mb": rss_before, "rss_peak_at_start_mb": rss_start, "hwm_reset": reset,
        },
        "baseline": {
            "total_s": base_s, "inserts_s": insert_s, "documents_s": docs_s, "invoices_per_s": n as f64 / base_s,
            "inserts_per_s": n as f64 / insert_s, "documents_per_s": n as f64 / docs_s,
        },
    });
    println!("{CHILD_TAG}{out}");
}
