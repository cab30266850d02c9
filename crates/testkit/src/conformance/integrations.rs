//! Conformance of the integrations' ports: the `IntegrationStore` (grants taken once and
//! purged when expired, connections replaced and deleted with their audit, import jobs
//! rewritten as they progress, a person's records deleted) and the `GoogleApi` adapter against
//! the test kit's Google emulator (code exchange with PKCE, refresh, revoke, Drive metadata
//! and content, each failure mapped to its error).

use clearboard_core::platform::ports::{ConnectionRow, GoogleApi, GrantRow, ImportRow, ProviderError};
use clearboard_store::Opened;

use super::{draft, person};
use crate::google::{Failure, File, GoogleEmulator};

pub async fn connections(o: &Opened) {
    let s = &o.regions[0].integrations;
    let (a, b) = (person(o, 71).await, person(o, 72).await);
    let g = GrantRow {
        state_hash: vec![7; 32],
        subject_id: a.clone(),
        provider: "google-drive".into(),
        verifier: vec![1, 2],
        created_at: 10,
        expires_at: 20,
    };
    s.put_grant(&g).await.unwrap();
    s.put_grant(&GrantRow { state_hash: vec![8; 32], expires_at: 5, ..g.clone() }).await.unwrap();
    assert_eq!(s.purge_grants(6).await.unwrap(), 1, "the expired grant goes");
    assert_eq!(s.take_grant(&[7; 32]).await.unwrap(), Some(g.clone()));
    assert_eq!(s.take_grant(&[7; 32]).await.unwrap(), None, "a state works once");

    let c = ConnectionRow {
        subject_id: a.clone(),
        provider: "google-drive".into(),
        scopes: "s1".into(),
        tokens: vec![3, 4, 5],
        connected_at: 10,
        last_used_at: None,
        updated_at: 10,
    };
    s.put_connection(&c, Some(draft("integration.connected", Some(&a)))).await.unwrap();
    let newer = ConnectionRow { tokens: vec![6], last_used_at: Some(30), updated_at: 30, ..c.clone() };
    s.put_connection(&newer, None).await.unwrap();
    assert_eq!(s.connection(&a, "google-drive").await.unwrap(), Some(newer.clone()), "replaced, not doubled");
    assert_eq!(s.connections_of(&a).await.unwrap(), vec![newer]);
    assert!(s.connection(&b, "google-drive").await.unwrap().is_none());
    assert!(s.connections_of(&b).await.unwrap().is_empty());

    let i = ImportRow {
        id: "imp-1".into(),
        subject_id: a.clone(),
        provider: "google-drive".into(),
        board_id: "board".into(),
        status: "queued".into(),
        total: 3,
        done: 0,
        failed: 0,
        results: vec![9],
        created_at: 40,
        updated_at: 40,
    };
    s.put_import(&i, None).await.unwrap();
    let later = ImportRow { status: "partial".into(), done: 2, failed: 1, results: vec![9, 9], updated_at: 50, ..i.clone() };
    s.put_import(&later, Some(draft("integration.import", Some(&a)))).await.unwrap();
    assert_eq!(s.import("imp-1").await.unwrap(), Some(later.clone()));
    assert_eq!(s.imports_of(&a).await.unwrap(), vec![later]);
    assert!(s.imports_of(&b).await.unwrap().is_empty());

    assert!(s.delete_connection(&a, "google-drive", Some(draft("integration.disconnected", Some(&a)))).await.unwrap());
    assert!(!s.delete_connection(&a, "google-drive", None).await.unwrap(), "nothing left to delete");
    s.put_grant(&GrantRow { state_hash: vec![9; 32], ..g }).await.unwrap();
    assert_eq!(s.delete_records_of(&a).await.unwrap(), 2, "the import and the grant");
    assert!(s.import("imp-1").await.unwrap().is_none());
    assert!(s.take_grant(&[9; 32]).await.unwrap().is_none());
}

/// The authorization request a browser makes (the emulator consents at once).
async fn authorize(auth_url: &str, client_id: &str, redirect: &str, challenge: &str) -> reqwest::Response {
    let mut url = url::Url::parse(auth_url).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", crate::google::DRIVE_FILE)
        .append_pair("state", "st")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    crate::spawn::local_client().redirect(reqwest::redirect::Policy::none()).build().unwrap().get(url.as_str()).send().await.unwrap()
}

/// The adapter (`clearboard_app::google::Google`) against the emulator.
pub async fn google_api() {
    let emu = GoogleEmulator::start().await;
    let mut cfg = emu.config();
    cfg.timeout_seconds = 1;
    let g = clearboard_app::google::Google::new(cfg).unwrap();
    let (client_id, auth_url) = g.client().expect("configured");
    assert_eq!(client_id, crate::google::CLIENT_ID);
    // An authorization as a browser would make it.
    let verifier = "v".repeat(43);
    let challenge = clearboard_core::integrations::oauth::challenge(&verifier);
    let redirect = "http://127.0.0.1:1/integrations/google/callback";
    let res = authorize(&auth_url, &client_id, redirect, &challenge).await;
    assert_eq!(res.status(), 302);
    let loc = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let code = loc.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    assert_eq!(g.exchange_code(&code, "wrong verifier", redirect).await.unwrap_err(), ProviderError::Unauthorized, "PKCE is checked");
    // A code is spent even when refused, as Google's are: ask again.
    let again = authorize(&auth_url, &client_id, redirect, &challenge).await;
    let loc = url::Url::parse(again.headers()["location"].to_str().unwrap()).unwrap();
    let code = loc.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    let t = g.exchange_code(&code, &verifier, redirect).await.unwrap();
    assert_eq!(t.scope, crate::google::DRIVE_FILE);
    let refresh = t.refresh_token.clone().expect("offline access gives a refresh token");
    let fresh = g.refresh(&refresh).await.unwrap();
    assert!(fresh.refresh_token.is_none() && fresh.access_token != t.access_token);

    emu.add_file("img1", File { name: "a.png".into(), mime_type: "image/png".into(), bytes: vec![1, 2, 3], picked: true });
    emu.add_file("hidden", File { name: "b.png".into(), mime_type: "image/png".into(), bytes: vec![4], picked: false });
    let f = g.file(&fresh.access_token, "img1").await.unwrap();
    assert_eq!((f.id.as_str(), f.name.as_str(), f.mime_type.as_str(), f.size), ("img1", "a.png", "image/png", Some(3)));
    assert_eq!(g.content(&fresh.access_token, "img1", 10).await.unwrap(), vec![1, 2, 3]);
    assert_eq!(g.content(&fresh.access_token, "img1", 2).await.unwrap_err(), ProviderError::TooLarge);
    assert_eq!(g.file(&fresh.access_token, "hidden").await.unwrap_err(), ProviderError::NotFound, "drive.file: not picked, not there");
    assert_eq!(g.file("not a token", "img1").await.unwrap_err(), ProviderError::Unauthorized);
    for (failure, expect) in [
        (Failure::Status(401), ProviderError::Unauthorized),
        (Failure::Status(429), ProviderError::RateLimited),
        (Failure::Status(500), ProviderError::Unavailable),
        (Failure::Timeout(std::time::Duration::from_secs(3)), ProviderError::Timeout),
    ] {
        emu.fail("/drive/v3/files", failure, 1);
        assert_eq!(g.file(&fresh.access_token, "img1").await.unwrap_err(), expect, "{failure:?}");
    }
    g.revoke(&refresh).await.unwrap();
    assert!(emu.revoked(&refresh) && emu.revoked(&fresh.access_token), "the whole grant is revoked");
    assert_eq!(g.file(&fresh.access_token, "img1").await.unwrap_err(), ProviderError::Unauthorized);
    assert_eq!(g.refresh(&refresh).await.unwrap_err(), ProviderError::Unauthorized);
    // Revoking again: nothing left, and that is not an error for us.
    g.revoke(&refresh).await.unwrap();
    assert!(emu.requests().iter().all(|r| r.path != "/drive/v3/files" && !r.path.ends_with("/files")), "never a listing");
}
