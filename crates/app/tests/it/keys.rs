//! Acceptance 3: after a subject's key is destroyed none of their envelopes decrypt, with any
//! key the system holds, and the tombstone persists (also across a restart). Property-tested
//! over random subjects, values and choices of whom to erase, on the real key stores.

use super::*;
use clearboard_core::platform::ids::{RegionId, SubjectId};
use clearboard_vault::{Aad, stream};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

both!(acceptance_3_crypto_shredding_property, |b| async move {
    let app = spawn_app(b).await;
    let cb = app.state.cb.clone();
    let eu = cb.region(&RegionId::new("eu")).unwrap().clone();
    let mut runner = TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
    let strategy =
        (proptest::collection::vec(proptest::collection::vec(".{0,40}", 1..6), 2..6), proptest::collection::vec(any::<bool>(), 6));
    let shredded_all = std::sync::Mutex::new(Vec::new());
    runner
        .run(&strategy, |(people, erase)| {
            block(async {
                // Each person: a key, and envelopes (fields and a blob) sealed with it.
                let mut sealed = Vec::new();
                for (i, values) in people.iter().enumerate() {
                    let id = SubjectId::new(cb.now() + i as i64).unwrap();
                    let dek = cb.keys().create(&eu, &id).await.unwrap();
                    let envs: Vec<(String, Vec<u8>)> = values
                        .iter()
                        .enumerate()
                        .map(|(j, v)| {
                            let col = format!("c{j}");
                            let env = dek.seal_str(Aad { table: "t", column: &col, row: id.as_str() }, v).unwrap();
                            (col, env)
                        })
                        .collect();
                    let blob =
                        stream::seal(&dek, Aad { table: "blobs", column: "b", row: id.as_str() }, values.concat().as_bytes()).unwrap();
                    sealed.push((id, values.clone(), envs, blob));
                }
                for (i, (id, ..)) in sealed.iter().enumerate() {
                    if erase[i] {
                        cb.keys().shred(&eu, id).await.unwrap();
                    }
                }
                // Every key still held by the system.
                let mut live_keys = Vec::new();
                for (id, ..) in &sealed {
                    if let Ok(k) = cb.keys().current(&eu, id).await {
                        live_keys.push(k);
                    }
                }
                for (i, (id, values, envs, blob)) in sealed.iter().enumerate() {
                    let erased = erase[i];
                    prop_assert_eq!(eu.keys.tombstone(id).await.unwrap().is_some(), erased);
                    prop_assert_eq!(eu.keys.get(id, 1).await.unwrap().is_none(), erased);
                    for (j, (col, env)) in envs.iter().enumerate() {
                        let aad = Aad { table: "t", column: col, row: id.as_str() };
                        let opened: Vec<_> = live_keys.iter().filter_map(|k| k.open_string(aad, env).ok()).collect();
                        if erased {
                            prop_assert!(opened.is_empty(), "an envelope of an erased subject opened");
                        } else {
                            prop_assert_eq!(opened, vec![values[j].clone()]);
                        }
                    }
                    let baad = Aad { table: "blobs", column: "b", row: id.as_str() };
                    let blob_opens = live_keys.iter().any(|k| stream::open(k, baad, blob).is_ok());
                    prop_assert_eq!(blob_opens, !erased);
                    if erased {
                        shredded_all.lock().unwrap().push(id.clone());
                    }
                }
                Ok::<(), proptest::test_runner::TestCaseError>(())
            })
        })
        .unwrap();
    let shredded_all = shredded_all.into_inner().unwrap();
    assert!(!shredded_all.is_empty(), "the property exercised erasure");
    // Tombstones persist: reopen the stores as a restarted server would.
    let ring = std::sync::Arc::new(clearboard_vault::Kek::from_bytes([1; 32]).keyring());
    let reopened = clearboard_app::layout(&app.config).open(ring, 0).await.unwrap();
    let keys = &reopened.regions.iter().find(|r| r.id.as_str() == "eu").unwrap().keys;
    let tombs: std::collections::BTreeSet<_> = keys.tombstones().await.unwrap().into_iter().map(|(id, _)| id).collect();
    for id in &shredded_all {
        assert!(tombs.contains(id), "tombstone of {id} lost after reopening");
        assert!(keys.get(id, 1).await.unwrap().is_none());
    }
    reopened.close().await;
});
