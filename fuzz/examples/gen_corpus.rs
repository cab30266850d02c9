//! Writes the hand-made seed files of every corpus (`fuzz/corpus/<target>/seed-*`).
//!
//! `cd fuzz && cargo run --example gen_corpus` (re-running it rewrites the seeds only; what
//! fuzzing found stays). Envelope seeds are sealed with the harness's fixed DEK, so they
//! open in every run; they differ between runs of this program (random nonces).

use std::io::Write;
use std::path::{Path, PathBuf};

use clearboard_core::privacy::consent::make_cookie;
use clearboard_fuzz::harness::{
    self, FIXED_SUBJECT, SAMPLE_MP4, SAMPLE_PNG, consent_input, cookie_key, envelope_input, fixed_dek, fixed_wrapped_dek,
};
use clearboard_vault::{Aad, stream};
use serde_json::json;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus().join(target);
    std::fs::create_dir_all(&dir).expect("corpus folder");
    std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("seed file");
}

const MINIMAL_POLICY: &str = r#"[meta]
published = "2026-01-01"
title = { en = "Privacy policy", fr = "Politique de confidentialité" }

[controller]
name = "Example"
address = "1 rue de l'Exemple, Paris"
privacy_contact = "privacy@example.org"
supervisory_authority = { en = "CNIL", fr = "CNIL" }

[limits]
minimum_age = 16
erasure_deadline_days = 30
request_answer_days = 30

[backups]
retention_days = 30

[statistics]
k = 10

[staff]
training_validity_days = 365

[[data_subjects]]
id = "users"
title = { en = "Users", fr = "Utilisateurs" }

[[regions]]
id = "eu"
name = { en = "EU", fr = "UE" }
location = { en = "France", fr = "France" }

[[transfers]]
id = "us"
to = "US"
mechanism = "scc"
description = { en = "SCC", fr = "CCT" }

[[categories]]
id = "account"
kind = "user_information"
ccpa = "identifiers"
fields = ["email"]
title = { en = "Account", fr = "Compte" }
description = { en = "Email", fr = "Courriel" }
source = { en = "You", fr = "Vous" }

[[purposes]]
id = "service"
legal_basis = "contract"
categories = ["account"]
data_subjects = ["users"]
title = { en = "Service", fr = "Service" }
description = { en = "Run it", fr = "Le faire marcher" }

[[purposes]]
id = "stats"
legal_basis = "consent"
categories = ["account"]
data_subjects = ["users"]
title = { en = "Stats", fr = "Stats" }
description = { en = "Count", fr = "Compter" }
consent_text = { en = "Yes", fr = "Oui" }

[[recipients]]
id = "host"
kind = "subprocessor"
categories = ["account"]
purposes = ["service"]
safeguards = ["dpa"]
transfer = "us"
name = { en = "Host", fr = "Hébergeur" }
description = { en = "Hosting", fr = "Hébergement" }
location = { en = "US", fr = "États-Unis" }

[[retention]]
category = "account"
trigger = "account_deleted"
days = 30
description = { en = "Kept 30 days", fr = "Gardé 30 jours" }
legal_hold = { days = 365, reason = { en = "Law", fr = "Loi" } }

[[cookies]]
name = "cb_stats"
kind = "analytics"
party = "first"
lifetime_days = 395
purpose = { en = "Stats", fr = "Stats" }

[[security_measures]]
id = "tls"
title = { en = "TLS", fr = "TLS" }
description = { en = "Encrypted", fr = "Chiffré" }
"#;

fn policy_seeds() {
    let t = "policy_parser";
    assert!(clearboard_policy::Policy::load(MINIMAL_POLICY).is_ok(), "the minimal policy seed must be valid");
    write(t, "minimal.toml", MINIMAL_POLICY.as_bytes());
    write(t, "default.toml", clearboard_policy::DEFAULT_POLICY.as_bytes());
    let invalid = MINIMAL_POLICY.replace("minimum_age = 16", "minimum_age = 5").replace("\"account_deleted\"", "\"never\"");
    assert!(clearboard_policy::Policy::load(&invalid).is_err());
    write(t, "invalid.toml", invalid.as_bytes());
    write(t, "unknown-field.toml", MINIMAL_POLICY.replace("[staff]", "[staff]\nsurprise = 1").as_bytes());
    write(t, "not-toml", b"[meta\npublished = ");
}

fn envelope_seeds() {
    let t = "envelope_decoder";
    let dek = fixed_dek();
    let field = Aad { table: "accounts", column: "email", row: "r1" };
    let env = dek.seal(field, b"alice@example.test").expect("seal");
    write(t, "field", &envelope_input(0, "accounts", "email", "r1", &env));
    let empty = dek.seal(field, b"").expect("seal");
    write(t, "field-empty", &envelope_input(0, "accounts", "email", "r1", &empty));
    let mut bad_version = env.clone();
    bad_version[0] = 2;
    write(t, "field-version-2", &envelope_input(0, "accounts", "email", "r1", &bad_version));
    write(t, "field-truncated", &envelope_input(0, "accounts", "email", "r1", &env[..20]));
    let blob = Aad { table: "blobs", column: "picture", row: "b1" };
    let sealed = stream::seal(dek, blob, b"a picture's bytes").expect("seal");
    write(t, "blob", &envelope_input(0, "blobs", "picture", "b1", &sealed));
    let sealed_empty = stream::seal(dek, blob, b"").expect("seal");
    write(t, "blob-empty", &envelope_input(0, "blobs", "picture", "b1", &sealed_empty));
    // flags & 3 == 1: KeyId(1), the fixed DEK's id.
    write(t, "wrapped-dek", &envelope_input(1, "", "", FIXED_SUBJECT, fixed_wrapped_dek()));
    write(t, "empty", b"");
}

/// The test images of crates/core/src/platform/media, and a few more.
fn media_seeds() {
    let t = "upload_sniffer";
    fn png_chunk(ty: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(ty);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]));
    png.extend(png_chunk(b"tEXt", b"Author\0CANARY"));
    png.extend(png_chunk(b"eXIf", b"CANARY"));
    png.extend(png_chunk(b"tIME", &[7, 234, 1, 1, 0, 0, 0]));
    png.extend(png_chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 2, 0, 1]));
    png.extend(png_chunk(b"IEND", &[]));
    png.extend_from_slice(b"trailing");
    write(t, "png-text.png", &png);
    write(t, "png-valid.png", SAMPLE_PNG);
    write(t, "png-truncated.png", &png[..png.len() - 20]);

    let mut jpeg = vec![0xFF, 0xD8];
    jpeg.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
    jpeg.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let exif = b"Exif\0\0GPS CANARY";
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(exif);
    jpeg.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x08]);
    jpeg.extend_from_slice(b"CANARY");
    jpeg.extend_from_slice(&[0xFF, 0xED, 0x00, 0x04, 0x1C, 0x02]);
    jpeg.extend_from_slice(&[0xFF, 0xEE, 0x00, 0x04, 0xAD, 0x0E]);
    jpeg.extend_from_slice(&[0xFF, 0xD0]);
    jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
    jpeg.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0x00, 0x78, 0xFF, 0xD1, 0x9A]);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    write(t, "jpeg-exif.jpg", &jpeg);
    write(t, "jpeg-no-scan.jpg", &[0xFF, 0xD8, 0xFF, 0xFF, 0xD9]);
    write(t, "jpeg-truncated.jpg", &jpeg[..9]);

    let mut body = b"WEBP".to_vec();
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&10u32.to_le_bytes());
    body.extend_from_slice(&[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    body.extend_from_slice(b"EXIF");
    body.extend_from_slice(&5u32.to_le_bytes());
    body.extend_from_slice(b"CANRY\0");
    body.extend_from_slice(b"XMP ");
    body.extend_from_slice(&3u32.to_le_bytes());
    body.extend_from_slice(b"<x>\0");
    body.extend_from_slice(b"VP8L");
    body.extend_from_slice(&2u32.to_le_bytes());
    body.extend_from_slice(&[1, 2]);
    let mut webp = b"RIFF".to_vec();
    webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
    webp.extend_from_slice(&body);
    write(t, "webp-exif.webp", &webp);
    write(t, "webp-bad-size.webp", b"RIFF\xff\xff\xff\xffWEBPVP8 ");

    write(t, "mp4.mp4", SAMPLE_MP4);
    write(t, "webm.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm");
    write(t, "html.png", b"<html><script>alert(1)</script></html>");
}

fn export_zip(data: &serde_json::Value, method: zip::CompressionMethod, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(method);
    z.start_file("data.json", opts).expect("zip");
    z.write_all(&serde_json::to_vec_pretty(data).expect("json")).expect("zip");
    z.start_file("README.txt", opts).expect("zip");
    z.write_all(b"Your data held by this clearboard service\r\n").expect("zip");
    for (name, bytes) in files {
        z.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)).expect("zip");
        z.write_all(bytes).expect("zip");
    }
    z.finish().expect("zip").into_inner()
}

/// Export archives laid out as crates/core/src/privacy/rights/exports writes them.
fn export_seeds() {
    let t = "export_importer";
    let card = |id: &str, kind: &str, extra: serde_json::Value| {
        let mut c = json!({ "id": id, "board_id": "board-1", "kind": kind, "text": "hello", "url": null, "media": null,
            "color": "yellow", "category": null, "position": [10, -20], "status": "visible",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z" });
        if let (Some(c), Some(e)) = (c.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                c.insert(k.clone(), v.clone());
            }
        }
        c
    };
    let data = |cards: Vec<serde_json::Value>| {
        json!({
            "format": "clearboard-export", "version": 1, "generated_at": "2026-01-01T00:00:00Z",
            "policy_version": "0".repeat(64), "subject": { "id": "s1", "region": "eu" },
            "categories": { "user_content": { "title": "What you put on boards", "data": {
                "cards": cards, "comments": [], "likes": [], "votes": [], "participant": null } } },
            "boards": [{ "id": "board-1", "title": "Retro" }, { "id": "board-2", "title": null }],
            "consents": [], "requests": [], "disclosures": [], "audit": [],
            "media": [{ "file": "media/c3.png", "type": "image/png", "card_id": "c3" }],
        })
    };
    let cards = vec![
        card("c1", "text", json!({})),
        card("c2", "link", json!({ "text": null, "url": "https://example.org" })),
        card("c3", "image", json!({ "media": { "type": "image/png", "file": "media/c3.png" } })),
        card("c4", "video", json!({ "board_id": "board-2", "media": { "type": "video/mp4", "file": "media/c4.mp4" } })),
    ];
    let full = data(cards.clone());
    let media: &[(&str, &[u8])] = &[("media/c3.png", SAMPLE_PNG), ("media/c4.mp4", SAMPLE_MP4)];
    let zipped = export_zip(&full, zip::CompressionMethod::Deflated, media);
    assert_eq!(clearboard_core::privacy::rights::exports::check_import(&zipped).ok(), Some((2, 4)), "the export seed must import");
    write(t, "export.zip", &zipped);
    write(t, "export-stored.zip", &export_zip(&full, zip::CompressionMethod::Stored, media));
    write(t, "missing-media.zip", &export_zip(&full, zip::CompressionMethod::Stored, &[]));
    let escape = data(vec![card("c5", "image", json!({ "media": { "type": "image/png", "file": "media/../data.json" } }))]);
    write(t, "path-escape.zip", &export_zip(&escape, zip::CompressionMethod::Stored, media));
    let mut other = full.clone();
    other["format"] = json!("other");
    write(t, "other-format.zip", &export_zip(&other, zip::CompressionMethod::Stored, &[]));
    // data.json alone: the target also wraps its input as the data.json of an archive.
    let json_cards = data(vec![
        card("c1", "text", json!({})),
        card("c3", "image", json!({ "media": { "type": "image/png", "file": "media/card-1.png" } })),
        card("c4", "video", json!({ "media": { "type": "video/mp4", "file": "media/card-2.mp4" } })),
        card("c6", "image", json!({ "media": null })),
    ]);
    let text = serde_json::to_vec(&json_cards).expect("json");
    assert_eq!(clearboard_core::privacy::rights::exports::check_import(&harness::wrap_export(&text)).ok(), Some((2, 4)));
    write(t, "data.json", &text);
    write(t, "not-a-zip", b"PK\x03\x04 not really");
}

fn consent_seeds() {
    let t = "consent_cookie";
    let key = cookie_key();
    let (now, exp) = (1_767_225_600_000_i64, 1_798_761_600_000_i64);
    let id = "AbCdEfGhIjKlMnOpQrStUv";
    let cookie = make_cookie(&key, id, true, "0123abcd", exp);
    write(t, "valid", &consent_input(0, (0, 0), now, exp, "0123abcd", &cookie));
    write(t, "valid-other-key", &consent_input(1, (17, 0x40), now, exp, "0123abcd", &cookie));
    write(t, "expired", &consent_input(0, (0, 0), exp + 1, exp, "0123abcd", &cookie));
    write(t, "other-digest", &consent_input(0, (0, 0), now, exp, "ffffffff", &cookie));
    write(t, "body", &consent_input(0, (3, 1), now, exp, "0123abcd", &format!("v1.{id}.s0.0123abcd.{exp}")));
    write(t, "body-plus-sign", &consent_input(0, (3, 1), now, exp, "0123abcd", &format!("v1.{id}.s1.0123abcd.+0{exp}")));
    write(t, "id", &consent_input(1, (63, 0xFF), now, exp, "0123abcd", id));
    write(t, "garbage", &consent_input(0, (0, 0), 0, 0, "", "v1..s2..x.!!!"));
}

fn main() {
    policy_seeds();
    envelope_seeds();
    media_seeds();
    export_seeds();
    consent_seeds();
    // Every seed must pass its own target.
    for (name, run) in harness::TARGETS {
        for entry in std::fs::read_dir(corpus().join(name)).expect("corpus folder") {
            let path = entry.expect("entry").path();
            run(&std::fs::read(&path).expect("seed"));
        }
    }
    println!("seeds written under {}", corpus().display());
}
