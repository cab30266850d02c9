//! The storage conformance suites: the same checks of every port core declares
//! (`clearboard_core::platform::ports`), run by `it/store.rs` against SQLite (files, as
//! deployed) and PostgreSQL on freshly opened stores, with no server. Each function takes the
//! opened stores of a new domain harness ([`crate::domain::Domain`] with `on_disk`).
//! [`PORTS`] says which functions prove which port; `it/store.rs` checks that every trait of
//! core's ports is in it.

use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{AccountRow, AuditDraft, SubjectKind};
use clearboard_store::Opened;
use serde_json::json;

pub mod backups;
pub mod billing;
pub mod boards;
pub mod careers;
pub mod identity;
pub mod integrations;
pub mod outreach;
pub mod partners;
pub mod platform;
pub mod privacy;
pub mod programmes;
pub mod rights;
pub mod support;

/// Every port trait of `clearboard_core::platform::ports`, with the suites that prove it.
pub const PORTS: &[(&str, &[&str])] = &[
    ("RegionStore", &["platform::audit", "identity::accounts"]),
    ("IdentityStore", &["identity::accounts", "identity::sessions", "identity::activations"]),
    ("AckStore", &["privacy::acks"]),
    ("RetentionStore", &["privacy::retention"]),
    ("KeyStore", &["platform::keys"]),
    ("Directory", &["platform::directory", "platform::board_index", "platform::policy_versions"]),
    ("BlobStore", &["platform::blobs"]),
    ("BackupShelf", &["backups::shelf"]),
    (
        "BoardStore",
        &["boards::orgs", "boards::boards_and_cards", "boards::reactions_and_comments", "boards::contributions", "boards::deletion"],
    ),
    ("ConsentStore", &["privacy::consents", "privacy::page_views"]),
    ("BillingStore", &["billing::contracts"]),
    ("InvoiceStore", &["billing::invoices"]),
    ("PaymentProvider", &["billing::payment_provider"]),
    ("PartnerStore", &["partners::partners"]),
    ("AffiliateFeed", &["partners::affiliate_feed"]),
    ("RightsStore", &["rights::exports", "rights::requests", "rights::disclosures_holds_receipts", "rights::purge_subject"]),
    ("SupportStore", &["support::tickets"]),
    ("OutreachStore", &["outreach::contacts", "outreach::campaigns_and_sends", "outreach::notices"]),
    ("ProgrammesStore", &["programmes::registrations", "programmes::visits"]),
    ("IntegrationStore", &["integrations::connections"]),
    ("GoogleApi", &["integrations::google_api"]),
    ("CareersStore", &["careers::applications"]),
];

fn draft(action: &str, subject: Option<&SubjectId>) -> AuditDraft {
    AuditDraft {
        at_ms: 1_000,
        actor: "system".into(),
        action: action.into(),
        subject: subject.map(ToString::to_string),
        purpose: Some("account".into()),
        detail: json!({ "n": 1 }),
    }
}

fn row(id: &SubjectId, bidx: u8) -> AccountRow {
    AccountRow {
        subject_id: id.clone(),
        email_bidx: vec![bidx; 32],
        email: vec![1, 2, 3],
        first_name: vec![4],
        last_name: vec![5],
        phone: None,
        password_hash: vec![6],
        picture_blob: None,
        locale: "en".into(),
        created_at: 10,
        updated_at: 10,
    }
}

/// A person with an account in the first region (`n` makes their blind index unique).
async fn person(o: &Opened, n: u8) -> SubjectId {
    let id = SubjectId::new(i64::from(n)).unwrap();
    o.regions[0].store.create_account(SubjectKind::Account, &row(&id, n), draft("account.created", Some(&id))).await.unwrap();
    id
}
