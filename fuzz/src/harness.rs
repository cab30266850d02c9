//! What each fuzz target does with its input, and the properties it checks.
//!
//! Every function here takes arbitrary bytes and hands them to a parser of untrusted input.
//! The first property is that nothing panics, whatever the input; the asserts add properties
//! that must hold for every input (a failed assert is a bug in the code under test, or a
//! documented behaviour that changed: read its message).
//!
//! This file is shared, unchanged, by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and
//! by the corpus replay test of the app (`crates/app/tests/it/fuzz_corpus.rs`, which includes
//! it with `#[path]`), so `cargo test --workspace` replays every corpus file without
//! cargo-fuzz. It may use only crates both have: clearboard-core, clearboard-policy,
//! clearboard-vault, zip, base64 and sha2, and it must not use `crate::` paths.

use std::io::Write;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clearboard_core::platform::media;
use clearboard_core::privacy::consent::{self, VisitorConsent};
use clearboard_core::privacy::rights::exports;
use clearboard_policy::Policy;
use clearboard_vault::envelope::{self, OVERHEAD};
use clearboard_vault::stream::{self, Opener};
use clearboard_vault::{Aad, Dek, Kek, KeyId, Keyring, VaultError};
use sha2::{Digest, Sha256};

/// A fuzz target: its name (the corpus folder `fuzz/corpus/<name>/`) and its function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: [Target; 5] = [
    ("policy_parser", policy_parser),
    ("envelope_decoder", envelope_decoder),
    ("upload_sniffer", upload_sniffer),
    ("export_importer", export_importer),
    ("consent_cookie", consent_cookie),
];

// ---- Fixed keys, so that corpus files sealed once stay valid in every run. ----

/// The KEK of the fuzzing keyring (a test value, never a deployment's).
const FIXED_KEK: [u8; 32] = *b"clearboard-fuzz-fixed-kek-000001";
/// The subject and key id the fixed DEK is wrapped for.
pub const FIXED_SUBJECT: &str = "fuzz-subject";
pub const FIXED_KEY_ID: KeyId = KeyId(1);
/// A DEK made once by `Dek::generate(KeyId(1))` and wrapped under [`FIXED_KEK`] for
/// [`FIXED_SUBJECT`] (the vault has no constructor from raw bytes, so a fixed DEK is had by
/// unwrapping this). If it stops unwrapping, the wrap format changed: keys in existing key
/// stores would stop unwrapping too.
const FIXED_WRAPPED_DEK: [u8; 73] = [
    1, 12, 212, 166, 170, 151, 244, 228, 29, 154, 90, 249, 240, 88, 244, 217, 241, 198, 192, 213, 156, 79, 160, 18, 66, 254, 177, 87, 74,
    81, 61, 76, 213, 55, 81, 63, 71, 57, 144, 169, 78, 23, 88, 45, 123, 200, 149, 145, 11, 81, 189, 67, 98, 138, 160, 203, 10, 18, 123, 24,
    192, 69, 105, 100, 41, 194, 185, 32, 180, 168, 137, 109, 87,
];

pub fn fixed_keyring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| Kek::from_bytes(FIXED_KEK).keyring())
}

/// The DEK every envelope_decoder input is opened with.
pub fn fixed_dek() -> &'static Dek {
    static DEK: OnceLock<Dek> = OnceLock::new();
    DEK.get_or_init(|| {
        Dek::unwrap(fixed_keyring(), FIXED_SUBJECT, FIXED_KEY_ID, &FIXED_WRAPPED_DEK)
            .expect("the fixed fuzzing DEK no longer unwraps: the DEK wrap format changed")
    })
}

/// The fixed wrapped DEK (a seed of envelope_decoder).
pub fn fixed_wrapped_dek() -> &'static [u8] {
    &FIXED_WRAPPED_DEK
}

/// The consent cookie key: what the fixed keyring gives, as a deployment's would.
pub fn cookie_key() -> [u8; 64] {
    *fixed_keyring().cookie_key_material()
}

// ---- Reading structured inputs. ----

/// Reads fields off the front of an input; past its end every field is empty or zero, so any
/// input is well-formed.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }

    fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        let s = self.bytes(8);
        b[..s.len()].copy_from_slice(s);
        u64::from_le_bytes(b)
    }

    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.u64().to_le_bytes())
    }

    /// A short string: one length byte, then that many bytes (lossy UTF-8).
    fn part(&mut self) -> String {
        let n = usize::from(self.byte());
        String::from_utf8_lossy(self.bytes(n)).into_owned()
    }

    fn rest(self) -> &'a [u8] {
        self.0
    }
}

/// Encodes a short string as [`Input::part`] reads it (for seeds).
pub fn encode_part(s: &str) -> Vec<u8> {
    let len = u8::try_from(s.len()).expect("a part is at most 255 bytes");
    let mut v = vec![len];
    v.extend_from_slice(s.as_bytes());
    v
}

// ---- policy_parser ----

/// Loads arbitrary text as a policy file (invalid UTF-8 is replaced, as a lossy reader would).
/// A policy that loads must answer every query and publication without panicking.
pub fn policy_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Policy::load(&text) {
        Ok(p) => {
            assert_eq!(p.text(), text, "a policy keeps its text");
            assert_eq!(p.digest().len(), 64);
            assert!(p.digest().starts_with(p.short_version()));
            let _ = (p.cookie_consent_digest(), p.consent_purposes_digest(), p.minimum_age(), p.training_validity_days());
            let _ = p.region_ids().count();
            for f in [
                clearboard_policy::exports::policy_json,
                clearboard_policy::exports::ropa,
                clearboard_policy::exports::dpv,
                clearboard_policy::exports::ccpa,
                clearboard_policy::exports::fideslang,
            ] {
                let _ = f(&p).to_string();
            }
            let doc = p.doc();
            for pu in &doc.purposes {
                for c in &doc.categories {
                    assert_eq!(p.check(&pu.id, &c.id).is_ok(), pu.categories.contains(&c.id), "the purpose guard follows the policy");
                    let _ = p.declares(&c.id, "email");
                }
                let _ = p.recipients_for(&pu.id).count();
            }
            for c in &doc.categories {
                let _ = p.retention_of(&c.id).count();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

// ---- envelope_decoder ----

/// Encodes an envelope_decoder input (for seeds).
pub fn envelope_input(flags: u8, table: &str, column: &str, row: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![flags];
    for p in [table, column, row] {
        v.extend(encode_part(p));
    }
    v.extend_from_slice(payload);
    v
}

/// Input: `flags ‖ table ‖ column ‖ row ‖ payload` (each of the three a length byte and
/// text). The payload goes through every reader of encrypted data with the fixed DEK and that
/// associated data: field envelopes, sealed blobs (whole and segment by segment), wrapped keys.
pub fn envelope_decoder(data: &[u8]) {
    let mut input = Input(data);
    let flags = input.byte();
    let (table, column, row) = (input.part(), input.part(), input.part());
    let payload = input.rest();
    let aad = Aad { table: &table, column: &column, row: &row };
    let other_row = format!("{row}~");
    let moved = Aad { row: &other_row, ..aad };
    let dek = fixed_dek();

    // Field envelopes.
    if let Ok(kid) = envelope::envelope_key_id(payload) {
        assert!(payload.len() >= OVERHEAD && payload[0] == 1);
        assert_eq!(kid.0, u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]));
    }
    if let Ok(plain) = dek.open(aad, payload) {
        assert_eq!(plain.len() + OVERHEAD, payload.len());
        assert!(dek.open(moved, payload).is_err(), "an envelope opened under another row");
        let again = dek.seal(aad, &plain).expect("seal");
        assert_eq!(dek.open(aad, &again).expect("reopen").as_slice(), plain.as_slice());
        assert_eq!(dek.open_string(aad, payload).is_ok(), std::str::from_utf8(&plain).is_ok());
    }

    // Sealed blobs: `stream::open` and the streaming `Opener` must agree on every input.
    if let Ok(kid) = stream::key_id(payload) {
        assert!(payload.len() >= stream::HEADER);
        assert_eq!(kid.0, u32::from_be_bytes([payload[1], payload[2], payload[3], payload[4]]));
    }
    let whole = stream::open(dek, aad, payload);
    let header = &payload[..payload.len().min(stream::HEADER)];
    let segmented = Opener::new(dek, aad, header).and_then(|o| open_segments(&o, payload));
    assert_eq!(whole.is_ok(), segmented.is_ok(), "stream::open and Opener disagree");
    if let (Ok(a), Ok(b)) = (&whole, &segmented) {
        assert_eq!(a.as_slice(), b.as_slice());
        assert_eq!(stream::sealed_len(a.len() as u64), payload.len() as u64);
        assert!(stream::open(dek, moved, payload).is_err(), "a blob opened under another row");
    }

    // Segment arithmetic on any length.
    let mut num = Input(payload);
    let len = num.u64();
    if let Ok(n) = Opener::segments(len) {
        let body = len - stream::HEADER as u64;
        let full = (n - 1) * stream::SEALED_SEGMENT as u64;
        assert!(n >= 1 && full <= body && body - full >= 16 && body - full < stream::SEALED_SEGMENT as u64, "segments({len}) = {n}");
    }
    let plain_len = len >> 16;
    assert_eq!(Opener::segments(stream::sealed_len(plain_len)), Ok(plain_len / stream::SEGMENT as u64 + 1));

    // Wrapped keys (the payload as a key store's wrapped DEK, the row as the subject).
    let key_id = KeyId(u32::from(flags & 3));
    if let Ok(k) = Dek::unwrap(fixed_keyring(), &row, key_id, payload) {
        assert_eq!(k.key_id(), key_id);
        assert!(Dek::unwrap(fixed_keyring(), &other_row, key_id, payload).is_err(), "a wrapped key unwrapped for another subject");
        let rewrapped = k.wrap(fixed_keyring(), &row).expect("wrap");
        let back = Dek::unwrap(fixed_keyring(), &row, key_id, &rewrapped).expect("unwrap what was wrapped");
        let env = k.seal(aad, b"probe").expect("seal");
        assert_eq!(back.open(aad, &env).expect("the rewrapped key is the same key").as_slice(), b"probe");
    }
}

/// Opens a sealed blob as a streaming download does: segment by segment.
fn open_segments(opener: &Opener, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
    let n = Opener::segments(sealed.len() as u64)?;
    let body = &sealed[stream::HEADER..];
    let mut out = Vec::with_capacity(body.len());
    let mut count = 0;
    for (i, ct) in body.chunks(stream::SEALED_SEGMENT).enumerate() {
        let i = i as u64;
        out.extend_from_slice(&opener.open(i, i + 1 == n, ct)?);
        count += 1;
    }
    assert_eq!(count, n, "segments() counts the chunks of the body");
    Ok(out)
}

// ---- upload_sniffer ----

/// The marker planted in metadata by [`with_metadata`]; inputs that already hold it are not
/// checked for it.
const MEDIA_MARKER: &[u8] = b"CnryFuzzMetadata";

/// Input: an uploaded file. Whatever the sniffers say, sanitising must not panic. An image or
/// video that sanitises gives an output of the same kind that a second pass accepts and leaves
/// unchanged (images are also no larger). The same file with metadata holding a marker added
/// where it hides in the wild (an XMP segment after the JPEG start, text and private chunks
/// after the PNG header, an EXIF chunk in the WebP, bytes after the end, a `udta` box with
/// `©xyz` after the MP4's boxes) sanitises to the same bytes, so no marker of a dropped part
/// survives.
pub fn upload_sniffer(data: &[u8]) {
    let image = media::sniff(data);
    let video = media::sniff_video(data);
    let sanitised = media::sanitise_image(data);
    if let Ok((kind, clean)) = &sanitised {
        assert_eq!(Some(*kind), image);
        assert_eq!(media::sniff(clean), Some(*kind), "the sanitised file sniffs as another kind");
        assert!(clean.len() <= data.len(), "sanitising added bytes");
        let (kind2, twice) = media::sanitise_image(clean).expect("a sanitised file is refused on a second pass");
        assert_eq!(kind2, *kind);
        assert!(twice == *clean, "sanitising is not idempotent");
        if let Some(variant) = with_metadata(data) {
            let (_, again) = media::sanitise_image(&variant).expect("added metadata made an image unacceptable");
            assert!(again == *clean, "added metadata changed the sanitised image");
        }
    }
    if image.is_none() {
        assert!(sanitised.is_err(), "an image was accepted that does not sniff as one");
    }
    let agree = match (media::sanitise_media(data, false), &sanitised) {
        (Ok((media::MediaKind::Image(k), bytes)), Ok((k0, clean))) => k == *k0 && bytes == *clean,
        (Err(_), Err(_)) => true,
        _ => false,
    };
    assert!(agree, "sanitise_media(_, false) and sanitise_image disagree");
    // A damaged or unsupported video is refused, sniffed or not; one that is accepted:
    if let Ok((kind, clean)) = media::sanitise_media(data, true) {
        assert!(kind.is_video() && Some(kind) == video, "a video was accepted that does not sniff as one");
        assert_eq!(media::sniff_video(&clean), Some(kind), "the sanitised video sniffs as another kind");
        let (kind2, twice) = media::sanitise_media(&clean, true).expect("a sanitised video is refused on a second pass");
        assert!(kind2 == kind && twice == clean, "sanitising a video is not idempotent");
        if let Some(Ok((_, again))) = with_metadata(data).map(|v| media::sanitise_media(&v, true)) {
            assert!(!contains(&again, MEDIA_MARKER), "a metadata marker survived in a video");
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `data` with metadata holding [`MEDIA_MARKER`] added, for the kinds that have a header to
/// add it after; `None` when the input already holds the marker or is too short.
fn with_metadata(data: &[u8]) -> Option<Vec<u8>> {
    if contains(data, MEDIA_MARKER) {
        return None;
    }
    let m = MEDIA_MARKER;
    let mut v = Vec::with_capacity(data.len() + 200);
    if data.starts_with(b"\x89PNG\r\n\x1a\n") && data.len() >= 33 {
        v.extend_from_slice(&data[..33]);
        for (ty, body) in [(b"tEXt", [b"Comment\0".as_slice(), m].concat()), (b"prVt", m.to_vec()), (b"eXIf", m.to_vec())] {
            v.extend_from_slice(&u32::try_from(body.len()).ok()?.to_be_bytes());
            v.extend_from_slice(ty);
            v.extend_from_slice(&body);
            v.extend_from_slice(&[0; 4]);
        }
        v.extend_from_slice(&data[33..]);
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let xmp = [b"http://ns.adobe.com/xap/1.0/\0".as_slice(), m].concat();
        v.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE1]);
        v.extend_from_slice(&u16::try_from(xmp.len() + 2).ok()?.to_be_bytes());
        v.extend_from_slice(&xmp);
        v.extend_from_slice(&[0xFF, 0xFE, 0, u8::try_from(m.len() + 2).ok()?]);
        v.extend_from_slice(m);
        v.extend_from_slice(&data[2..]);
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        let riff = usize::try_from(u32::from_le_bytes(data[4..8].try_into().ok()?)).ok()?;
        let end = riff.checked_add(8).filter(|&e| e <= data.len())?;
        v.extend_from_slice(&data[..end]);
        if end % 2 == 1 {
            // The last chunk's missing pad byte (tolerated on read).
            v.push(0);
        }
        v.extend_from_slice(b"EXIF");
        v.extend_from_slice(&u32::try_from(m.len()).ok()?.to_le_bytes());
        v.extend_from_slice(m);
        let total = u32::try_from(v.len() - 8).ok()?;
        v[4..8].copy_from_slice(&total.to_le_bytes());
    } else if data.len() >= 12 && &data[4..8] == b"ftyp" {
        // Only after boxes that end where they say (a last box of size 0 runs to the end).
        let mut i = 0usize;
        while i < data.len() {
            let size = u64::from(u32::from_be_bytes(data.get(i..i + 4)?.try_into().ok()?));
            let size = if size == 1 { u64::from_be_bytes(data.get(i + 8..i + 16)?.try_into().ok()?) } else { size };
            i = i.checked_add(usize::try_from(size).ok().filter(|&s| s >= 8)?)?;
        }
        v.extend_from_slice(data);
        let xyz = [&[0u8, 0x10, 0x15, 0xC7][..], m].concat();
        v.extend_from_slice(&u32::try_from(xyz.len() + 16).ok()?.to_be_bytes());
        v.extend_from_slice(b"udta");
        v.extend_from_slice(&u32::try_from(xyz.len() + 8).ok()?.to_be_bytes());
        v.extend_from_slice(b"\xA9xyz");
        v.extend_from_slice(&xyz);
        return Some(v);
    } else {
        return None;
    }
    v.extend_from_slice(m);
    Some(v)
}

// ---- export_importer ----

/// The media files of [`wrap_export`]: a valid 1×1 PNG and the start of an MP4.
pub const SAMPLE_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\x0dIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
pub const SAMPLE_MP4: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2\0\0\0\x08free";

/// A ZIP laid out like an export: `data.json` (the given bytes, stored), two media files.
pub fn wrap_export(data_json: &[u8]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [("data.json", data_json), ("media/card-1.png", SAMPLE_PNG), ("media/card-2.mp4", SAMPLE_MP4)] {
        z.start_file(name, stored).expect("zip entry");
        z.write_all(bytes).expect("zip write");
    }
    z.finish().expect("zip finish").into_inner()
}

/// Input: an uploaded export archive. It is checked as it is, and again as the `data.json`
/// of an export archive (mutated ZIPs rarely get past the CRC check, so this is what reaches
/// the import's reading of the JSON). Either must give `Ok` or an error, never a panic.
pub fn export_importer(data: &[u8]) {
    let _ = exports::check_import(data);
    let _ = exports::check_import(&wrap_export(data));
}

// ---- consent_cookie ----

/// The MAC `make_cookie` appends: HMAC-SHA-256 over `cb-consent-v1|body`, 16 bytes (written
/// out here so the target can make bodies the fuzzer chose pass the MAC check).
fn cookie_mac(key: &[u8], body: &str) -> Vec<u8> {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |x: u8| k.iter().map(|b| b ^ x).collect::<Vec<u8>>();
    let mut inner = Sha256::new();
    inner.update(pad(0x36));
    inner.update(b"cb-consent-v1|");
    inner.update(body.as_bytes());
    let mut outer = Sha256::new();
    outer.update(pad(0x5c));
    outer.update(inner.finalize());
    outer.finalize()[..16].to_vec()
}

/// Appends a valid MAC to a cookie body.
fn with_mac(key: &[u8], body: &str) -> String {
    format!("{body}.{}", URL_SAFE_NO_PAD.encode(cookie_mac(key, body)))
}

/// Encodes a consent_cookie input (for seeds).
pub fn consent_input(flags: u8, flip: (u8, u8), now: i64, expires: i64, digest8: &str, text: &str) -> Vec<u8> {
    let mut v = vec![flags, flip.0, flip.1];
    v.extend_from_slice(&now.to_le_bytes());
    v.extend_from_slice(&expires.to_le_bytes());
    v.extend(encode_part(digest8));
    v.extend_from_slice(text.as_bytes());
    v
}

/// Input: `flags ‖ key byte to flip ‖ xor ‖ now (i64 LE) ‖ expiry (i64 LE) ‖ digest8 ‖ text`.
/// The text is parsed as a cookie value, as a cookie body with a valid MAC, and as the
/// consent id of a cookie `make_cookie` builds. A cookie that parses has the fields it was
/// made with, round-trips through `make_cookie`, and never parses under another key (the
/// fixed key with one byte changed, when the xor is not 0).
pub fn consent_cookie(data: &[u8]) {
    let key = cookie_key();
    static MAC_MATCHES: OnceLock<()> = OnceLock::new();
    MAC_MATCHES.get_or_init(|| {
        let body = "v1.AAAAAAAAAAAAAAAAAAAAAA.s1.0123abcd.99";
        assert_eq!(
            consent::make_cookie(&key, "AAAAAAAAAAAAAAAAAAAAAA", true, "0123abcd", 99),
            with_mac(&key, body),
            "the cookie format changed: update cookie_mac in the fuzz harness"
        );
    });

    let mut input = Input(data);
    let flags = input.byte();
    let (at, xor) = (input.byte(), input.byte());
    let now = input.i64();
    let expires = input.i64();
    let digest8 = input.part();
    let text = String::from_utf8_lossy(input.rest()).into_owned();
    let mut other = key;
    other[usize::from(at) % other.len()] ^= xor;
    let other = (xor != 0).then_some(other);
    let statistics = flags & 1 == 1;

    // The text as the cookie value, then as a body with a valid MAC.
    for value in [text.clone(), with_mac(&key, &text)] {
        if let Some(c) = consent::parse_cookie(&value, &key, &digest8, now) {
            assert!(value.len() <= 200 && c.consent_id.len() == 22 && c.expires_at > now);
            let again = consent::make_cookie(&key, &c.consent_id, c.statistics, &digest8, c.expires_at);
            assert!(again.len() <= value.len());
            assert_eq!(consent::parse_cookie(&again, &key, &digest8, now).as_ref(), Some(&c), "a parsed cookie does not round-trip");
            if let Some(other) = &other {
                assert!(consent::parse_cookie(&value, other, &digest8, now).is_none(), "a cookie parsed under another key");
            }
        }
    }

    // The text as the consent id of a cookie make_cookie builds.
    let made = consent::make_cookie(&key, &text, statistics, &digest8, expires);
    let parsed = consent::parse_cookie(&made, &key, &digest8, now);
    let valid = text.len() == 22 && !text.contains('.') && !digest8.contains('.') && expires > now && made.len() <= 200;
    assert_eq!(parsed.is_some(), valid, "parse_cookie({made:?}, now {now}) = {parsed:?}");
    if let Some(c) = parsed {
        assert_eq!(c, VisitorConsent { consent_id: text.clone(), statistics, expires_at: expires });
    }
    if let Some(other) = &other {
        assert!(consent::parse_cookie(&made, other, &digest8, now).is_none(), "a cookie made with one key parsed under another");
    }
}
