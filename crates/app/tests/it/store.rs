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
    let id = clearboard_core::ids::SubjectId::parse(&user.id).unwrap();
    assert!(again.regions[0].store.account(&id).await.unwrap().is_some());
    again.close().await;
});
