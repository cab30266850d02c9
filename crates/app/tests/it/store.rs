//! The store conformance suite on both backends.

use super::*;
use clearboard_testkit::conformance;

both!(conformance_accounts, |b| async move {
    let app = spawn_app(b).await;
    conformance::accounts(&app.opened).await;
});

both!(conformance_sessions, |b| async move {
    let app = spawn_app(b).await;
    conformance::sessions(&app.opened).await;
});

both!(conformance_keys, |b| async move {
    let app = spawn_app(b).await;
    conformance::keys(&app.opened).await;
});

both!(conformance_directory, |b| async move {
    let app = spawn_app(b).await;
    conformance::directory(&app.opened).await;
});

both!(conformance_audit, |b| async move {
    let app = spawn_app(b).await;
    conformance::audit(&app.opened, app.state.cb.keyring()).await;
});

both!(reopening_runs_no_migration_twice_and_keeps_data, |b| async move {
    let app = spawn_app(b).await;
    let user = app.new_user().await;
    // A second open of the same layout (as a restart or a second node would) finds everything.
    let again = clearboard_app::layout(&app.config)
        .open(std::sync::Arc::new(clearboard_vault::Kek::from_bytes([0; 32]).keyring()), 0)
        .await
        .unwrap();
    let id = clearboard_core::platform::ids::SubjectId::parse(&user.id).unwrap();
    assert!(again.regions[0].store.account(&id).await.unwrap().is_some());
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
