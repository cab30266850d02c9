//! Legal documents (C-DPA-1): the data processing agreement the policy names is published at
//! its stable address in English and French, every version the policy keeps stays published,
//! and each version the policy names has its two documents in the binary.

use super::*;

// C-DPA-1
both!(the_dpa_named_by_the_policy_is_published_at_its_stable_address, |b| async move {
    let app = spawn_app(b).await;
    let dpa = app.state.cb.policy().doc().dpa.clone().expect("the default policy names its DPA");
    assert_eq!(dpa.address, "/legal/dpa");
    for v in std::iter::once(&dpa.version).chain(dpa.kept.iter()) {
        for lang in ["en", "fr"] {
            assert!(clearboard_web::privacy::legal::dpa_text(v, lang).is_some(), "version {v} has no {lang} document");
        }
    }
    let en = app.http().get(app.url("/legal/dpa")).send().await.unwrap();
    assert_eq!(en.status(), 200);
    let en = en.text().await.unwrap();
    assert!(en.contains("Data processing agreement") && en.contains("standard contractual clauses"), "{en}");
    assert!(en.contains(&format!("data-dpa-version=\"{}\"", dpa.version)));
    let fr = app.http().get(app.url("/legal/dpa?lang=fr")).send().await.unwrap().text().await.unwrap();
    assert!(fr.contains("Accord de traitement des données") && fr.contains("clauses contractuelles types"), "{fr}");
    // The version in force also has its own address; a version the policy does not name is 404.
    let same = app.http().get(app.url(&format!("/legal/dpa/{}", dpa.version))).send().await.unwrap();
    assert_eq!(same.status(), 200);
    assert_eq!(app.http().get(app.url("/legal/dpa/1999-01")).send().await.unwrap().status(), 404);
});

// C-DPA-1: a policy must publish the agreement at its stable address.
#[test]
fn a_policy_naming_another_address_for_the_dpa_is_refused() {
    use clearboard_policy::{DEFAULT_POLICY, Policy};
    let moved = DEFAULT_POLICY.replace("address = \"/legal/dpa\"", "address = \"/dpa-old\"");
    assert_ne!(moved, DEFAULT_POLICY);
    let Err(e) = Policy::load(&moved) else { panic!("another address is refused") };
    assert!(format!("{e:?}").contains("dpa.address"), "{e:?}");
}
