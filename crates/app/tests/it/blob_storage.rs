//! Blobs on S3-compatible storage (issue 20): what the bucket itself holds, read with the
//! server's own API rather than our adapter. Media is sealed before it is uploaded (C-SEC-1:
//! the server never sees plaintext, nothing relies on server-side encryption), an erasure
//! deletes the person's objects (C-DSR-1), and a bad `blob_url` stops the start-up with an
//! error that does not repeat it. Every other test's PostgreSQL half runs on S3 too
//! (`clearboard_testkit::s3`), the SQLite half on the folder store.

use super::*;
use clearboard_core::platform::ids::{RegionId, SubjectId};
use clearboard_testkit::s3::S3Server;

/// Uploads a picture with `gps` in its EXIF and `pixels` in its image data; returns its blob id.
async fn picture(app: &TestApp, u: &clearboard_testkit::spawn::TestUser, gps: &str, pixels: &str) -> String {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(super::accounts::jpeg(gps, pixels)).file_name("me.jpg").mime_str("image/jpeg").unwrap(),
    );
    let res = app.http().put(app.url("/api/v1/me/picture")).bearer_auth(&u.token).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let eu = app.state.cb.region(&RegionId::new("eu")).unwrap().clone();
    let row = eu.store.account(&SubjectId::parse(&u.id).unwrap()).await.unwrap().unwrap();
    row.picture_blob.expect("the account names its picture").as_str().to_string()
}

// C-SEC-1, C-DSR-1: sealed before upload; erased with the person, object by object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_s3_media_is_sealed_before_upload_and_erasure_deletes_the_objects() {
    if !clearboard_testkit::pg::require(module_path!()).await {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let (Some(server), Some(bucket)) = (S3Server::get_async().await, app.s3_bucket.clone()) else {
        return; // CLEARBOARD_TEST_SKIP names `s3` (recorded as a skip by the test kit).
    };
    assert!(app.blobs_on_s3("eu") && app.blobs_on_s3("us"), "the PostgreSQL half keeps its blobs on S3");
    let (gone, kept) = (app.new_user().await, app.new_user().await);
    let (gps, pixels) = (canary("Gps"), canary("Pixels"));
    let gone_blob = picture(&app, &gone, &gps, &pixels).await;
    let kept_blob = picture(&app, &kept, &canary("Gps"), &canary("Pixels")).await;

    // Positive control: the raw listing sees both objects, under the region's prefix.
    let keys = server.raw_keys(&bucket).await;
    for b in [&gone_blob, &kept_blob] {
        assert!(keys.contains(&format!("eu/{b}")), "the bucket holds eu/{b}: {keys:?}");
    }
    // What the server holds (the object's bytes as stored: the port does not open them) is
    // ciphertext: no canary in any encoding, no JPEG header.
    let id = clearboard_core::platform::ids::BlobId::from_stored(gone_blob.clone());
    let raw = app.blob_store("eu").get(&id).await.unwrap().expect("the object is there");
    assert!(raw.len() > 32 && !raw.starts_with(&[0xFF, 0xD8]), "the object is not the JPEG");
    assert!(clearboard_testkit::forensics::scan_bytes(&raw, &[gps.clone(), pixels.clone()]).is_empty(), "no plaintext in the object");
    assert!(app.scan_storage(&[gps.clone(), pixels.clone()]).await.is_empty(), "nor anywhere else");
    assert_eq!(app.decrypting_scan(std::slice::from_ref(&pixels)).await.hits.len(), 1, "positive control: the service can open it");

    let res =
        app.http().delete(app.url("/api/v1/me")).bearer_auth(&gone.token).json(&json!({ "password": gone.password })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let keys = server.raw_keys(&bucket).await;
    assert!(!keys.iter().any(|k| k.ends_with(&gone_blob)), "no object of the erased person is left: {keys:?}");
    assert!(keys.contains(&format!("eu/{kept_blob}")), "the other person's object stays");
    assert!(app.decrypting_scan(&[gps, pixels]).await.hits.is_empty());
}

// Issue 20: a bad blob_url is refused at start-up, saying why without repeating the URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_refuses_a_bad_blob_url_without_echoing_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let build = |url: &'static str, dir: bool| {
        let mut config = app.config.clone();
        let region = config.region.entry("eu".into()).or_default();
        region.blob_url = Some(url.into());
        if dir {
            region.blob_dir = Some(app.dir.path().join("elsewhere"));
        }
        let clock: std::sync::Arc<dyn clearboard_core::platform::clock::Clock> = std::sync::Arc::new(app.clock.clone());
        async move {
            match clearboard_app::build(&config, clock, None, clearboard_web::platform::ratelimit::Limits::relaxed()).await {
                Ok(built) => {
                    built.opened.close().await;
                    String::new()
                }
                Err(e) => format!("{e:#}"),
            }
        }
    };
    for (url, dir, says) in [
        ("s3://AKIAEXAMPLE:SeCrEtKeY@media/eu", false, "must not carry credentials"),
        ("s3://media/eu?endpoint=http://127.0.0.1:1&secret_key=SeCrEtKeY", false, "known query parameters"),
        ("gs://media/eu", false, "scheme must be file or s3"),
        ("file:///tmp/clearboard-blobs", true, "both blob_url and blob_dir"),
    ] {
        let e = build(url, dir).await;
        assert!(e.contains(says) && e.contains("`eu`"), "{url}: {e}");
        assert!(!e.contains("SeCrEtKeY") && !e.contains("AKIAEXAMPLE"), "the error does not repeat the URL: {e}");
    }
}
