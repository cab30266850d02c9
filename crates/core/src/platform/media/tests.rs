//! The forensic media test set through the public entry points (issue 11, finding 3): no
//! marker survives sanitising, pixels and frames do, and the output is a fixed point.

use super::testset::{self, Mp4Layout, contains};
use super::*;

fn no_marker(out: &[u8], m: &str) {
    assert!(!contains(out, m.as_bytes()), "a marker of {m} survived");
}

#[test]
fn c_data_1_forensic_images_lose_every_marker_and_keep_their_pixels() {
    type Pixels = fn(&[u8]) -> Vec<u8>;
    let cases: [(&str, Vec<u8>, ImageKind, Pixels); 3] = [
        ("CnryJ", testset::forensic_jpeg("CnryJ"), ImageKind::Jpeg, testset::jpeg_pixels),
        ("CnryP", testset::forensic_png("CnryP"), ImageKind::Png, testset::png_pixels),
        ("CnryW", testset::forensic_webp("CnryW"), ImageKind::Webp, testset::webp_pixels),
    ];
    for (m, img, kind, pixels) in cases {
        assert!(contains(&img, m.as_bytes()));
        for (k, out) in [sanitise_image(&img).map(|(k, o)| (MediaKind::Image(k), o)).unwrap(), sanitise_media(&img, false).unwrap()] {
            assert_eq!(k, MediaKind::Image(kind));
            no_marker(&out, m);
            assert_eq!(pixels(&out), pixels(&img), "{kind:?} pixels");
            assert!(out.len() <= img.len());
            assert_eq!(sanitise_image(&out).unwrap().1, out, "{kind:?}: a second pass changes nothing");
        }
    }
}

#[test]
fn html_named_png_is_refused_and_a_video_is_not_an_image() {
    let err = sanitise_image(b"<html><script>alert(1)</script></html>").unwrap_err();
    assert_eq!(err.code().as_str(), "unsupported_media");
    assert!(sanitise_media(&testset::forensic_png("x"), true).is_err(), "an image is not a video");
    assert!(sanitise_media(b"\0\0\0\x18ftypisom\0\0\0\0isommp41", true).is_err(), "an MP4 without a movie");
    assert!(sanitise_media(b"\x1a\x45\xdf\xa3\x84\x42\x82\x81\x01", true).is_err(), "EBML without a segment");
}

fn mp4_case(layout: Mp4Layout) {
    if !testset::ffmpeg_or_skip("c_data_1_forensic_mp4") {
        return;
    }
    let dir = tempdir(&format!("{layout:?}"));
    let m = format!("CnryMp4{layout:?}");
    let v = testset::forensic_mp4(&m, layout, &dir);
    for part in ["title", "xyz", "loci", "trak-meta", "xmp"] {
        assert!(contains(&v, format!("{m}-{part}").as_bytes()), "{layout:?} fixture carries {part}");
    }
    assert_eq!(testset::ffmpeg_errors(&v, &dir, "in.mp4"), "", "the fixture itself is valid");
    let (kind, out) = sanitise_media(&v, true).unwrap();
    assert_eq!(kind, MediaKind::Mp4);
    no_marker(&out, &m);
    for ty in [b"udta", b"\xA9xyz", b"loci", b"uuid", b"mfra"] {
        assert!(!contains(&out, ty), "{layout:?}: a {} box survived", String::from_utf8_lossy(ty));
    }
    assert_eq!(testset::ffmpeg_errors(&out, &dir, "out.mp4"), "", "ffmpeg reads the rewritten file");
    assert_eq!(testset::frame_md5s(&out, &dir, "out.mp4"), testset::frame_md5s(&v, &dir, "in.mp4"), "{layout:?}: every frame survives");
    assert_eq!(sanitise_media(&out, true).unwrap().1, out, "{layout:?}: a second pass changes nothing");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn c_data_1_forensic_mp4_moov_at_end() {
    mp4_case(Mp4Layout::MoovAtEnd);
}

#[test]
fn c_data_1_forensic_mp4_faststart() {
    mp4_case(Mp4Layout::FastStart);
}

#[test]
fn c_data_1_forensic_mp4_fragmented() {
    mp4_case(Mp4Layout::Fragmented);
}

#[test]
fn c_data_1_forensic_webm() {
    if !testset::ffmpeg_or_skip("c_data_1_forensic_webm") {
        return;
    }
    let dir = tempdir("webm");
    let m = "CnryWebm";
    let v = testset::forensic_webm(m, &dir);
    for part in ["title", "tag", "track-name", "subtitle", "after"] {
        assert!(contains(&v, format!("{m}-{part}").as_bytes()), "the fixture carries {part}");
    }
    let (kind, out) = sanitise_media(&v, true).unwrap();
    assert_eq!(kind, MediaKind::Webm);
    no_marker(&out, m);
    assert!(!contains(&out, &[0x12, 0x54, 0xC3, 0x67]), "no Tags element");
    assert_eq!(testset::ffmpeg_errors(&out, &dir, "out.webm"), "", "ffmpeg reads the rewritten file");
    assert_eq!(testset::frame_md5s(&out, &dir, "out.webm"), testset::frame_md5s(&v, &dir, "in.webm"), "every frame survives");
    assert_eq!(sanitise_media(&out, true).unwrap().1, out, "a second pass changes nothing");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn webm_live_recording_with_unknown_sizes_plays_after_sanitising() {
    if !testset::ffmpeg_or_skip("webm_live_recording") {
        return;
    }
    let dir = tempdir("live");
    let v = testset::live_webm(&dir);
    assert!(contains(&v, &[0x1F, 0x43, 0xB6, 0x75, 0xFF]), "clusters of unknown size");
    assert_eq!(testset::ffmpeg_errors(&v, &dir, "in.webm"), "", "the fixture itself is valid");
    let (_, out) = sanitise_media(&v, true).unwrap();
    assert!(!contains(&out, &[0x1F, 0x43, 0xB6, 0x75, 0xFF]), "every cluster has its size");
    assert_eq!(testset::ffmpeg_errors(&out, &dir, "out.webm"), "");
    assert_eq!(testset::frame_md5s(&out, &dir, "out.webm"), testset::frame_md5s(&v, &dir, "in.webm"));
    assert_eq!(sanitise_media(&out, true).unwrap().1, out);
    std::fs::remove_dir_all(dir).ok();
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("clearboard-media-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes the forensic set as `seed-real-*` files of the upload_sniffer fuzz corpus (run by
/// hand: `cargo test -p clearboard-core write_fuzz_seeds -- --ignored`), so fuzzing starts
/// from real, valid files and their metadata.
#[test]
#[ignore = "writes into fuzz/corpus; run by hand when the test set changes"]
fn write_fuzz_seeds() {
    assert!(testset::ffmpeg_or_skip("write_fuzz_seeds"));
    let dir = tempdir("seeds");
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/upload_sniffer");
    let mut files = vec![
        ("jpeg-mpf.jpg", testset::forensic_jpeg("CnrySeed")),
        ("jpeg-progressive.jpg", testset::progressive_jpeg_with_comment("CnrySeed")),
        ("png.png", testset::forensic_png("CnrySeed")),
        ("webp.webp", testset::forensic_webp("CnrySeed")),
        ("webm.webm", testset::forensic_webm("CnrySeed", &dir)),
    ];
    for layout in [Mp4Layout::MoovAtEnd, Mp4Layout::FastStart, Mp4Layout::Fragmented] {
        files.push((
            ["mp4-", &format!("{layout:?}").to_lowercase(), ".mp4"].concat().leak(),
            testset::forensic_mp4("CnrySeed", layout, &dir),
        ));
    }
    for (name, bytes) in files {
        std::fs::write(corpus.join(format!("seed-real-{name}")), bytes).unwrap();
    }
    std::fs::remove_dir_all(dir).ok();
}

/// Time and peak memory of sanitising a 10 MiB JPEG, a 50 MiB MP4 and a 50 MiB WebM made by ffmpeg (run by
/// hand: `cargo test [--release] -p clearboard-core measure_sanitise -- --ignored --nocapture`).
#[test]
#[ignore = "a measurement: makes 110 MiB of media with ffmpeg"]
#[allow(clippy::disallowed_methods, reason = "a measurement of elapsed time")]
fn measure_sanitise() {
    assert!(testset::ffmpeg_or_skip("measure_sanitise"));
    let dir = tempdir("measure");
    let jpg = dir.join("big.jpg");
    let mp4 = dir.join("big.mp4");
    let webm = dir.join("big.webm");
    let ff = |args: &[&str], out: &std::path::Path| {
        assert!(std::process::Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).arg(out).status().unwrap().success());
    };
    ff(&["-f", "lavfi", "-i", "nullsrc=s=4600x3300,geq=random(1)*255:128:128", "-frames:v", "1", "-q:v", "1"], &jpg);
    ff(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            "25",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "16M",
            "-c:a",
            "aac",
        ],
        &mp4,
    );
    ff(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            "25",
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "16M",
            "-c:a",
            "libopus",
        ],
        &webm,
    );
    let hwm = || std::fs::read_to_string("/proc/self/status").unwrap().lines().find(|l| l.starts_with("VmHWM")).unwrap().to_string();
    for (path, video) in [(jpg, false), (mp4, true), (webm, true)] {
        let bytes = std::fs::read(&path).unwrap();
        let before = hwm();
        let t = std::time::Instant::now();
        let (_, out) = sanitise_media(&bytes, video).unwrap();
        let took = t.elapsed();
        println!(
            "{}: {:.1} MiB in, {:.1} MiB out, {:?}; peak RSS {before} before, {} after",
            path.display(),
            bytes.len() as f64 / 1048576.0,
            out.len() as f64 / 1048576.0,
            took,
            hwm()
        );
    }
    std::fs::remove_dir_all(dir).ok();
}
