//! The forensic media test set end to end (issue 11, finding 3; C-DATA-1 board media, C-DATA-2
//! profile pictures): real images and ffmpeg-made videos carrying a marker wherever metadata
//! hides are uploaded as board cards and as profile pictures. What is served holds no marker
//! and shows the same pixels and frames; the raw files of the data dir and databases hold no
//! marker, and neither does anything the service itself can decrypt.

use super::*;
use clearboard_core::platform::media::testset::{self, Mp4Layout, contains};

type Pixels = fn(&[u8]) -> Vec<u8>;

async fn upload_card(app: &TestApp, token: &str, board: &str, kind: &str, bytes: Vec<u8>, name: &'static str) -> Value {
    let form =
        reqwest::multipart::Form::new().text("kind", kind.to_string()).part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
    let res = app.http().post(app.url(&format!("/api/v1/boards/{board}/cards"))).bearer_auth(token).multipart(form).send().await.unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "upload of {name} refused: {body}");
    body
}

async fn served(app: &TestApp, path: &str, token: &str) -> Vec<u8> {
    let res = app.get(path, Some(token)).await;
    assert_eq!(res.status(), 200, "{path}");
    res.bytes().await.unwrap().to_vec()
}

both!(c_data_1_c_data_2_forensic_media_lose_every_marker_served_and_on_disk, |b| async move {
    let app = spawn_app(b).await;
    let user = app.new_user().await;
    let board = app.post_json("/api/v1/boards", &json!({ "title": "Forensics" }), Some(&user.token)).await.json::<Value>().await.unwrap();
    let board = board["id"].as_str().unwrap().to_string();
    let m = canary("Media");
    let mut uploads = 0;

    // Images: as a board card and as the profile picture.
    let images: [(&'static str, Vec<u8>, &str, Pixels); 3] = [
        ("phone.jpg", testset::forensic_jpeg(&m), "image/jpeg", testset::jpeg_pixels),
        ("drawing.png", testset::forensic_png(&m), "image/png", testset::png_pixels),
        ("sticker.webp", testset::forensic_webp(&m), "image/webp", testset::webp_pixels),
    ];
    for (name, bytes, mime, pixels) in images {
        assert!(contains(&bytes, m.as_bytes()), "{name} carries the marker");
        let card = upload_card(&app, &user.token, &board, "image", bytes.clone(), name).await;
        assert_eq!(card["media_type"], mime);
        let out = served(&app, card["media_url"].as_str().unwrap(), &user.token).await;
        assert!(!contains(&out, m.as_bytes()), "{name}: a marker is served on the card");
        assert_eq!(pixels(&out), pixels(&bytes), "{name}: the card shows the same pixels");
        let res = app.http().put(app.url("/api/v1/me/picture")).bearer_auth(&user.token).body(bytes.clone()).send().await.unwrap();
        assert_eq!(res.status(), 200, "{name} as a profile picture");
        let pic = served(&app, "/api/v1/me/picture", &user.token).await;
        assert!(!contains(&pic, m.as_bytes()), "{name}: a marker is served in the profile picture");
        assert_eq!(pixels(&pic), pixels(&bytes), "{name}: the profile picture shows the same pixels");
        uploads += 1;
    }

    // Videos, made by ffmpeg (the test fails with an install hint when it is missing).
    if testset::ffmpeg_or_skip("c_data_1_forensic_media") {
        let dir = tempfile::tempdir().unwrap();
        let videos = [
            ("moov-at-end.mp4", testset::forensic_mp4(&m, Mp4Layout::MoovAtEnd, dir.path()), "video/mp4"),
            ("faststart.mp4", testset::forensic_mp4(&m, Mp4Layout::FastStart, dir.path()), "video/mp4"),
            ("fragmented.mp4", testset::forensic_mp4(&m, Mp4Layout::Fragmented, dir.path()), "video/mp4"),
            ("clip.webm", testset::forensic_webm(&m, dir.path()), "video/webm"),
        ];
        for (name, bytes, mime) in videos {
            assert!(contains(&bytes, m.as_bytes()), "{name} carries the marker");
            let card = upload_card(&app, &user.token, &board, "video", bytes.clone(), name).await;
            assert_eq!(card["media_type"], mime);
            let out = served(&app, card["media_url"].as_str().unwrap(), &user.token).await;
            assert!(!contains(&out, m.as_bytes()), "{name}: a marker is served");
            assert_eq!(testset::ffmpeg_errors(&out, dir.path(), name), "", "{name}: ffmpeg reads what is served");
            let (before, after) = (testset::frame_md5s(&bytes, dir.path(), "in"), testset::frame_md5s(&out, dir.path(), "out"));
            assert!(before.lines().filter(|l| !l.starts_with('#')).count() >= 10, "{name}: frames were decoded");
            assert_eq!(after, before, "{name}: every audio and video frame survives");
            uploads += 1;
        }
    }

    // On disk: no marker in any raw file, and none in anything the service can decrypt (each
    // card's blob and the last profile picture: a new picture deletes the one before).
    uploads += 1;
    let raw = app.scan_storage(std::slice::from_ref(&m)).await;
    assert!(raw.is_empty(), "markers on disk: {raw:?}");
    let report = app.decrypting_scan(std::slice::from_ref(&m)).await;
    assert!(report.blobs_opened >= uploads, "the decrypting scan opened {} of {uploads} uploads", report.blobs_opened);
    assert!(report.hits.is_empty(), "markers in decrypted media: {:?}", report.hits);
});
