//! The storage conformance suites on both backends (`clearboard_testkit::conformance`), run on
//! the stores a domain harness opens on disk, as a deployment does: no server. Also: every
//! port of core has its suite here, reopening finds everything, and every column of the
//! tables holding personal data has a category (C-DATA-9).

use super::*;
use clearboard_testkit::conformance::{self, PORTS};
use clearboard_testkit::{Domain, DomainOptions};

/// A fresh harness whose SQLite stores are files, as deployed (WAL, durability settings).
async fn on_disk(b: Backend) -> Domain {
    Domain::with(b, DomainOptions { on_disk: true, ..Default::default() }).await
}

macro_rules! conformance {
    ($($name:ident => $suite:path),* $(,)?) => {
        $(both!($name, |b| async move {
            let d = on_disk(b).await;
            $suite(&d.opened).await;
        });)*
    };
}

conformance! {
    conformance_accounts => conformance::identity::accounts,
    conformance_sessions => conformance::identity::sessions,
    conformance_activations => conformance::identity::activations,
    conformance_keys => conformance::platform::keys,
    conformance_directory => conformance::platform::directory,
    conformance_board_index => conformance::platform::board_index,
    conformance_policy_versions => conformance::platform::policy_versions,
    conformance_blobs => conformance::platform::blobs,
    conformance_orgs => conformance::boards::orgs,
    conformance_boards_and_cards => conformance::boards::boards_and_cards,
    conformance_reactions_and_comments => conformance::boards::reactions_and_comments,
    conformance_contributions => conformance::boards::contributions,
    conformance_deletion => conformance::boards::deletion,
    conformance_consents => conformance::privacy::consents,
    conformance_page_views => conformance::privacy::page_views,
    conformance_acks => conformance::privacy::acks,
    conformance_retention => conformance::privacy::retention,
    conformance_exports => conformance::rights::exports,
    conformance_requests => conformance::rights::requests,
    conformance_disclosures_holds_receipts => conformance::rights::disclosures_holds_receipts,
    conformance_purge_subject => conformance::rights::purge_subject,
    conformance_support_tickets => conformance::support::tickets,
    conformance_contracts => conformance::billing::contracts,
    conformance_invoices => conformance::billing::invoices,
    conformance_partners => conformance::partners::partners,
    conformance_outreach_contacts => conformance::outreach::contacts,
    conformance_outreach_campaigns_and_sends => conformance::outreach::campaigns_and_sends,
    conformance_outreach_notices => conformance::outreach::notices,
    conformance_programmes_registrations => conformance::programmes::registrations,
    conformance_programmes_visits => conformance::programmes::visits,
    conformance_integration_connections => conformance::integrations::connections,
    conformance_careers_applications => conformance::careers::applications,
}

// The Google adapter against the test kit's emulator of Google's endpoints (C-3P-1).
#[tokio::test]
async fn conformance_google_api() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    conformance::integrations::google_api().await;
}

#[tokio::test]
async fn conformance_affiliate_feed_https() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    conformance::partners::affiliate_feed(&clearboard_app::feeds::HttpFeed::new().unwrap()).await;
}

/// The Stripe-API adapter against the test kit's emulator: cards by token attached to a
/// customer, charges once per invoice (idempotency keys), declines said; form-encoded bodies
/// with the secret key; a wrong key is an unavailable provider, never a card accepted.
#[tokio::test]
async fn conformance_payment_provider_stripe() {
    use clearboard_app::stripe::{Stripe, StripeConfig};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emu = clearboard_testkit::stripe::StripeEmulator::start().await;
    let config = StripeConfig {
        api_base: emu.base.clone(),
        secret_key: emu.secret_key.clone(),
        webhook_secret: "whsec_x".into(),
        ..Default::default()
    };
    conformance::billing::payment_provider(&Stripe::new(&config).unwrap(), true).await;
    let seen = emu.requests();
    let posts: Vec<_> = seen.iter().filter(|r| r.method == "POST").collect();
    assert!(!posts.is_empty() && posts.iter().all(|r| r.idempotency_key.is_some()), "every POST has an idempotency key");
    let intents: Vec<_> = posts.iter().filter(|r| r.path == "/v1/payment_intents").collect();
    assert_eq!(intents[0].form["amount"], "2880");
    assert_eq!((intents[0].form["currency"].as_str(), intents[0].form["confirm"].as_str()), ("eur", "true"));
    assert_eq!(intents[0].idempotency_key, intents[1].idempotency_key, "a retried charge reuses its key");
    let wrong = Stripe::new(&StripeConfig { secret_key: "sk_test_wrong".into(), ..config }).unwrap();
    assert!(matches!(
        clearboard_core::platform::ports::PaymentProvider::card(&wrong, "pm_card_visa").await,
        Err(clearboard_core::platform::ports::PaymentError::Unavailable(_))
    ));
}

#[tokio::test]
async fn conformance_payment_provider_transfer() {
    conformance::billing::payment_provider(&clearboard_core::business::billing::payments::Transfer, false).await;
}

both!(conformance_audit, |b| async move {
    let d = on_disk(b).await;
    conformance::platform::audit(&d.opened, d.cb.keyring()).await;
});

// C-RET-2: the shelf the retention scheduler prunes, over backups of both backends.
both!(conformance_backup_shelf, |b| async move {
    let app = spawn_app(b).await;
    app.new_user().await;
    let dir = tempfile::tempdir().unwrap();
    conformance::backups::shelf(&app.opened, &clearboard_app::layout(&app.config), dir.path()).await;
});

/// Every trait core declares in `platform/ports/` is listed in `conformance::PORTS`, and
/// every suite listed there runs in this file on both backends.
#[test]
fn every_storage_port_has_a_conformance_suite() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/platform/ports");
    let mut traits = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("pub trait ") {
                traits.push(rest.split([':', ' ', '<', '{']).next().unwrap().to_string());
            }
        }
    }
    assert!(traits.len() >= 10, "the ports were found: {traits:?}");
    let listed: Vec<&str> = PORTS.iter().map(|(t, _)| *t).collect();
    for t in &traits {
        assert!(listed.contains(&t.as_str()), "the port `{t}` has no conformance suite in clearboard_testkit::conformance::PORTS");
    }
    let here = include_str!("store.rs");
    for (port, suites) in PORTS {
        assert!(!suites.is_empty(), "{port}");
        for s in *suites {
            assert!(here.contains(&format!("conformance::{s}")), "the suite {s} of {port} does not run here");
        }
    }
}

both!(reopening_runs_no_migration_twice_and_keeps_data, |b| async move {
    let d = on_disk(b).await;
    let person = d.new_person().await;
    // A second open of the same layout (as a restart or a second node would) finds everything.
    let again = d.layout.open(std::sync::Arc::new(clearboard_vault::Kek::from_bytes([0; 32]).keyring()), 0).await.unwrap();
    assert!(again.regions[0].store.account(&person.id).await.unwrap().is_some());
    again.close().await;
});

// C-DATA-9: the storage layer knows every column's category. Every column of every table of
// every database (the directory, each region's data and key store), read from the engine
// itself, is classified by the module that owns it (personal with its category, a sealed copy,
// or not personal with a reason), and every classified column exists, on both backends.
both!(c_data_9_every_personal_column_has_a_category, |b| async move {
    use clearboard_core::privacy::catalog;
    use clearboard_store::platform::schema;
    let app = spawn_app(b).await;
    let mut read = 0;
    for (kind, name, db) in schema::databases(&app.opened) {
        let cols = schema::columns(db).await.unwrap();
        read += cols.len();
        let unclassified = catalog::unclassified(kind, &cols);
        assert!(unclassified.is_empty(), "{name}: columns no module classifies (declare them in core::privacy::modules): {unclassified:?}");
        let missing = catalog::missing(kind, &cols);
        assert!(missing.is_empty(), "{name}: declared columns the database does not have: {missing:?}");
    }
    assert!(read > 200, "only {read} columns read: is the schema still introspected?");
});
