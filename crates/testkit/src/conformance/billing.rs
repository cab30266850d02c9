//! Conformance of the billing ports: contracts with their contact subjects (`BillingStore`),
//! invoices and their one continuous numbering per seller, drafts, immutability once issued
//! and the end of the hold (`InvoiceStore`), and a payment provider (`PaymentProvider`).

use std::collections::BTreeSet;

use clearboard_core::platform::ids::{OrgId, SubjectId};
use clearboard_core::platform::ports::{ChargeRequest, ContractRow, InvoiceRow, PaymentError, PaymentProvider, PaymentRow, StoreError};
use clearboard_store::Opened;

use super::{draft, person};

fn contract(id: &str, org: &OrgId, owner: &SubjectId, contact: &SubjectId, at: i64) -> ContractRow {
    ContractRow {
        id: id.into(),
        org_id: org.clone(),
        owner_id: owner.clone(),
        contact_id: contact.clone(),
        plan: "team".into(),
        seats: 3,
        status: "active".into(),
        payment_method: "transfer".into(),
        contact: vec![1, 2, 3],
        payment: None,
        period_start: at,
        period_end: at + 100,
        ended_at: None,
        created_at: at,
        updated_at: at,
        version: 1,
        contact_bidx: Some(contact.as_str().as_bytes().to_vec()),
    }
}

fn invoice(id: &str, contract: &str, period: i64) -> InvoiceRow {
    InvoiceRow {
        id: id.into(),
        contract_id: contract.into(),
        org_id: org(),
        seller: "eu".into(),
        // A draft: no number yet, not a correction, not an adjustment.
        number: None,
        seq: None,
        status: "draft".into(),
        kind: "invoice".into(),
        adjusts: String::new(),
        corrects: String::new(),
        period_start: period,
        period_end: period + 100,
        currency: "EUR".into(),
        lines: "[]".into(),
        subtotal: 2400,
        vat: 480,
        total: 2880,
        buyer: vec![9; 40],
        hold_until: 5_000,
        issued_at: None,
        created_at: period,
    }
}

/// The organisation every invoice of the suite belongs to.
fn org() -> OrgId {
    OrgId::from_stored("0190c3e2-7b1d-7123-8456-426614174000".into())
}

fn shown(seller: &str, seq: i64) -> String {
    format!("{seller}-{seq}")
}

/// Contracts: one per organisation, optimistic changes, lookups by owner and contact, the
/// end of contracts, deletion marking the contact erased.
pub async fn contracts(o: &Opened) {
    let r = &o.regions[0];
    let owner = person(o, 61).await;
    let (org, other_org) = (OrgId::new(2).unwrap(), OrgId::new(3).unwrap());
    let contact = SubjectId::new(10).unwrap();
    let c = contract("c1", &org, &owner, &contact, 10);
    r.billing.create_contract(&c, draft("contract.created", Some(&contact))).await.unwrap();
    let again = contract("c2", &org, &owner, &SubjectId::new(11).unwrap(), 10);
    assert!(
        matches!(r.billing.create_contract(&again, draft("x", None)).await, Err(StoreError::Conflict)),
        "one contract per organisation"
    );
    assert_eq!(r.billing.contract_of_org(&org).await.unwrap().as_ref(), Some(&c));
    assert_eq!(r.billing.contract("c1").await.unwrap().as_ref(), Some(&c));
    assert!(r.billing.contract_of_org(&other_org).await.unwrap().is_none());
    // A change names the version it was based on; a stale one is refused.
    let next = ContractRow { seats: 5, ended_at: Some(200), status: "cancelling".into(), version: 2, updated_at: 20, ..c.clone() };
    r.billing.update_contract(&next, draft("contract.changed", Some(&contact))).await.unwrap();
    let stale = ContractRow { seats: 7, version: 2, ..c.clone() };
    assert!(matches!(r.billing.update_contract(&stale, draft("x", None)).await, Err(StoreError::Conflict)));
    assert_eq!(r.billing.contract("c1").await.unwrap().unwrap().seats, 5);
    assert_eq!(r.billing.contracts_of(&owner).await.unwrap().len(), 1);
    assert_eq!(r.billing.contracts_of(&contact).await.unwrap().len(), 1);
    let by_email = r.billing.contracts_of_contact_email(contact.as_str().as_bytes()).await.unwrap();
    assert_eq!(by_email.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), vec!["c1"], "found by the contact's email index");
    assert!(r.billing.contracts_of_contact_email(b"another").await.unwrap().is_empty());
    assert_eq!(r.billing.contracts().await.unwrap().len(), 1);
    assert!(r.billing.contracts_ended_before(199).await.unwrap().is_empty());
    assert_eq!(r.billing.contracts_ended_before(200).await.unwrap().len(), 1);
    assert!(r.rights.subjects_present(std::slice::from_ref(&contact)).await.unwrap().contains(&contact), "the contact is a subject");
    assert!(r.billing.delete_contract("c1", 300, draft("contract.deleted", Some(&contact))).await.unwrap());
    assert!(!r.billing.delete_contract("c1", 300, draft("x", None)).await.unwrap());
    assert!(r.billing.contract("c1").await.unwrap().is_none());
    assert!(r.rights.subjects_present(std::slice::from_ref(&contact)).await.unwrap().is_empty(), "the contact is marked erased");
    // A purged contact (tombstone replay) takes their contract with them.
    let c3 = contract("c3", &other_org, &owner, &SubjectId::new(12).unwrap(), 10);
    r.billing.create_contract(&c3, draft("contract.created", None)).await.unwrap();
    r.rights.purge_subject(&c3.contact_id, 400).await.unwrap();
    assert!(r.billing.contract("c3").await.unwrap().is_none());
}

/// Invoices: a draft per contract and period, numbers taken only when issuing, one
/// continuous sequence per seller even when issues race, issued invoices never change,
/// drafts left behind are found, the end of the hold deletes.
pub async fn invoices(o: &Opened) {
    let r = &o.regions[0];
    assert!(r.billing.create_draft(&invoice("i1", "c1", 10)).await.unwrap());
    assert!(!r.billing.create_draft(&invoice("i1b", "c1", 10)).await.unwrap(), "one invoice per contract and period");
    let note = InvoiceRow { kind: "credit_note".into(), corrects: "i1".into(), ..invoice("n1", "c1", 10) };
    assert!(r.billing.create_draft(&note).await.unwrap(), "a credit note of the same period");
    assert_eq!(r.billing.drafts().await.unwrap().len(), 2);
    assert_eq!(r.billing.issue("i1", 50, &shown, draft("invoice.issued", None)).await.unwrap(), Some(1));
    assert_eq!(r.billing.issue("i1", 51, &shown, draft("invoice.issued", None)).await.unwrap(), None, "issued once");
    assert_eq!(r.billing.issue("nope", 51, &shown, draft("invoice.issued", None)).await.unwrap(), None);
    let i1 = r.billing.invoice("i1").await.unwrap().unwrap();
    assert_eq!((i1.seq, i1.number.as_deref(), i1.status.as_str(), i1.issued_at), (Some(1), Some("eu-1"), "issued", Some(50)));
    assert_eq!(r.billing.issue("n1", 52, &shown, draft("credit_note.issued", None)).await.unwrap(), Some(2));
    // Forty drafts issued by four racing runs: numbers 3..=42, each once, no gap.
    for i in 0..40 {
        assert!(r.billing.create_draft(&invoice(&format!("d{i:02}"), &format!("c{i}"), 100)).await.unwrap());
    }
    let mut runs = Vec::new();
    for _ in 0..4 {
        let billing = r.billing.clone();
        runs.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for d in billing.drafts().await.unwrap() {
                if let Some(n) = billing.issue(&d.id, 60, &shown, draft("invoice.issued", None)).await.unwrap() {
                    got.push(n);
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for run in runs {
        all.extend(run.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (3..=42).collect::<Vec<i64>>(), "every draft issued once, numbers continuous");
    let issued: Vec<i64> = r.billing.issued("eu").await.unwrap().iter().filter_map(|i| i.seq).collect();
    assert_eq!(issued, (1..=42).collect::<Vec<i64>>());
    assert!(r.billing.drafts().await.unwrap().is_empty());
    assert!(r.billing.issued("us").await.unwrap().is_empty(), "each seller has its own series");
    assert_eq!(r.billing.invoices_of_org(&org()).await.unwrap().len(), 42);
    // An issued invoice cannot change, even by hand in the database.
    let db = o.region_stores[0].1.db();
    let changed = match db {
        clearboard_store::Db::Sqlite(p, _) => sqlx::query("UPDATE invoices SET total = 1 WHERE id = 'i1'").execute(p).await.is_ok(),
        clearboard_store::Db::Postgres(p) => sqlx::query("UPDATE invoices SET total = 1 WHERE id = 'i1'").execute(p).await.is_ok(),
    };
    assert!(!changed, "an issued invoice was changed");
    assert_eq!(r.billing.invoice("i1").await.unwrap().unwrap().total, 2880);
    // A payment per invoice, updated in place, found by its provider reference, deleted with it.
    let pay = PaymentRow {
        invoice_id: "i1".into(),
        provider: "stripe".into(),
        reference: "pi_1".into(),
        status: "processing".into(),
        recorded_by: "system".into(),
        at: 30,
    };
    r.billing.put_payment(&pay, draft("invoice.charged", None)).await.unwrap();
    let done = PaymentRow { status: "succeeded".into(), at: 31, ..pay };
    r.billing.put_payment(&done, draft("invoice.payment_updated", None)).await.unwrap();
    assert_eq!(r.billing.payment_of("i1").await.unwrap().as_ref(), Some(&done));
    assert_eq!(r.billing.payment_by_reference("pi_1").await.unwrap().as_ref(), Some(&done));
    assert!(r.billing.payment_by_reference("pi_2").await.unwrap().is_none());
    // The end of the hold.
    assert!(r.billing.purge_invoices(4_999).await.unwrap().is_empty());
    let gone: BTreeSet<String> = r.billing.purge_invoices(5_000).await.unwrap().into_iter().collect();
    assert!(r.billing.payment_of("i1").await.unwrap().is_none(), "the payment goes with its invoice");
    assert_eq!(gone.len(), 42);
    assert!(r.billing.invoice("i1").await.unwrap().is_none());
}

/// A payment provider: its name, and a card token it does not take or know is refused with
/// the reason (never a panic, never a card number asked for).
pub async fn payment_provider(p: &dyn PaymentProvider, takes_cards: bool) {
    assert!(["transfer", "stripe"].contains(&p.id()));
    let unknown = p.card("pm_unknown_token").await;
    if takes_cards {
        assert_eq!(unknown, Err(PaymentError::UnknownToken));
        let c = p.card("pm_card_visa").await.unwrap();
        assert_eq!((c.brand.as_str(), c.last4.as_str(), c.exp_month, c.exp_year), ("visa", "4242", 12, 2034));
        assert!(c.customer.as_deref().is_some_and(|c| c.starts_with("cus_")), "attached to a customer: {c:?}");
        let req = ChargeRequest { invoice: "inv-conformance-1".into(), amount: 2880, currency: "EUR".into(), card: c };
        let first = p.charge(&req).await.unwrap();
        assert!(first.id.starts_with("pi_") && first.status == "succeeded", "{first:?}");
        assert_eq!(p.charge(&req).await.unwrap(), first, "the same invoice is charged once, whatever the retries");
        let declined = ChargeRequest { invoice: "inv-conformance-2".into(), card: p.card("pm_card_chargeDeclined").await.unwrap(), ..req };
        assert!(matches!(p.charge(&declined).await, Err(PaymentError::Declined(_))));
    } else {
        assert_eq!(unknown, Err(PaymentError::NoCards));
        assert_eq!(p.card("pm_card_visa").await, Err(PaymentError::NoCards));
    }
}
