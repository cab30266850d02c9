//! Import bombs for the abuse drill (issue 11, finding 2): ZIP archives of under 1 MB that
//! declare, or inflate to, a gigabyte or so, written record by record so that their headers can
//! say what a bomb's headers say (the zip crate only compresses the runs of identical bytes).
//! It owns the shapes and their figures; it must not send anything nor know the server.

use std::io::Write;

use serde_json::json;

/// What a bomb may weigh on the wire.
pub(crate) const MAX_SENT: usize = 1_000_000;
const MIB: u64 = 1024 * 1024;
/// What the lying headers claim: 3 GiB.
const LIE: u64 = 3 << 30;

/// One hostile archive.
pub(crate) struct Bomb {
    pub(crate) shape: &'static str,
    pub(crate) bytes: Vec<u8>,
    /// The sum of the uncompressed sizes its headers declare (a nested archive's included).
    pub(crate) declared: u64,
    /// What its entries really inflate to.
    pub(crate) inflates_to: u64,
    pub(crate) entries: usize,
}

/// An entry as written: its data is already compressed (`method` 8) or stored (0).
struct Entry<'a> {
    name: String,
    method: u16,
    crc: u32,
    data: &'a [u8],
    declared: u64,
}

/// CRC-32 (IEEE), bit by bit: only ever run on small inputs here.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
        }
    }
    !c
}

fn u16le(v: usize) -> [u8; 2] {
    u16::try_from(v).expect("fits a ZIP field").to_le_bytes()
}

fn u32le(v: u64) -> [u8; 4] {
    u32::try_from(v).expect("fits a ZIP field").to_le_bytes()
}

/// A ZIP (no ZIP64) of `entries`: each local header and its data, the central directory, its
/// end record.
fn zip_of(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u64;
        let fixed = |rec: &mut Vec<u8>| {
            rec.extend_from_slice(&[20, 0, 0, 0]); // version needed, flags
            rec.extend_from_slice(&e.method.to_le_bytes());
            rec.extend_from_slice(&[0, 0, 0x21, 0]); // time, date (1980-01-01)
            rec.extend_from_slice(&e.crc.to_le_bytes());
            rec.extend_from_slice(&u32le(e.data.len() as u64));
            rec.extend_from_slice(&u32le(e.declared));
            rec.extend_from_slice(&u16le(e.name.len()));
            rec.extend_from_slice(&[0, 0]); // extra length
        };
        out.extend_from_slice(b"PK\x03\x04");
        fixed(&mut out);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(e.data);
        central.extend_from_slice(b"PK\x01\x02\x14\x03");
        fixed(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&[0, 0, 0xA4, 0x81]); // external attributes: a 0644 file
        central.extend_from_slice(&u32le(offset));
        central.extend_from_slice(e.name.as_bytes());
    }
    let at = out.len() as u64;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&u16le(entries.len()));
    out.extend_from_slice(&u16le(entries.len()));
    out.extend_from_slice(&u32le(central.len() as u64));
    out.extend_from_slice(&u32le(at));
    out.extend_from_slice(&[0, 0]);
    out
}

/// `n` bytes of `byte`, deflated at the best level by the zip crate, and their CRC.
fn deflated(byte: u8, n: u64) -> (Vec<u8>, u32) {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).compression_level(Some(9));
    w.start_file("x", options).expect("start a file");
    let chunk = vec![byte; MIB as usize];
    for _ in 0..n / MIB {
        w.write_all(&chunk).expect("deflate");
    }
    w.write_all(&chunk[..(n % MIB) as usize]).expect("deflate");
    let zip = w.finish().expect("finish").into_inner();
    // The local header: sizes are there (a seekable writer needs no data descriptor).
    assert_eq!(&zip[..4], b"PK\x03\x04");
    let field = |at: usize, len: usize| zip[at..at + len].iter().rev().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    assert_eq!(field(6, 2) & 8, 0, "no data descriptor");
    let (crc, csize, usize_) = (field(14, 4) as u32, field(18, 4) as usize, field(22, 4));
    assert_eq!(usize_, n);
    let start = 30 + field(26, 2) as usize + field(28, 2) as usize;
    (zip[start..start + csize].to_vec(), crc)
}

/// An export's `data.json` whose cards name `media` files (plus one text card).
fn data_json(media: &[String]) -> Vec<u8> {
    let mut cards: Vec<serde_json::Value> = media
        .iter()
        .enumerate()
        .map(|(i, f)| json!({ "board_id": "b1", "kind": "image", "media": { "file": f }, "position": [i * 10, 0] }))
        .collect();
    cards.push(json!({ "board_id": "b1", "kind": "text", "text": "bomb", "position": [0, 40] }));
    serde_json::to_vec(&json!({ "format": "clearboard-export", "version": 1, "boards": [{ "id": "b1", "title": "Bomb" }], "categories": { "user_content": { "data": { "cards": cards } } } })).expect("json")
}

fn stored(name: String, data: &[u8]) -> Entry<'_> {
    Entry { name, method: 0, crc: crc32(data), data, declared: data.len() as u64 }
}

/// The shapes, each built once; `n` bombs cycle through them.
pub(crate) struct Arsenal {
    shapes: Vec<Bomb>,
}

/// Media entries of the ratio bomb, and what each inflates to: 9 × 105 MiB ≈ 0.92 GiB at about
/// 1,030:1, the most DEFLATE allows (an honest 1 GiB cannot be sent in under 1 MB).
const RATIO_FILES: usize = 9;
const RATIO_FILE: u64 = 105 * MIB;
/// What the lying `data.json` really inflates to.
const LIAR_REAL: u64 = 32 * MIB;
/// Entries of the many-entries bomb (the planned bound is 10,000).
const MANY: usize = 11_000;
/// The JSON bomb: `[` repeated (deep nesting and size at once).
const DEEP_JSON: u64 = 110 * MIB;

impl Arsenal {
    pub(crate) fn build() -> Arsenal {
        let mut shapes = Vec::new();
        // 1. A `data.json` whose headers declare 3 GiB; it inflates to 32 MiB of zeros.
        let (zeros, zeros_crc) = deflated(0, LIAR_REAL);
        let liar = zip_of(&[Entry { name: "data.json".into(), method: 8, crc: zeros_crc, data: &zeros, declared: LIE }]);
        shapes.push(Bomb { shape: "declared 3 GiB", bytes: liar.clone(), declared: LIE, inflates_to: LIAR_REAL, entries: 1 });

        // 2. 11,000 entries (empty, stored) beside a valid `data.json`.
        let json = data_json(&[]);
        let mut entries = vec![stored("data.json".into(), &json)];
        let names: Vec<String> = (0..MANY).map(|i| format!("m/{i:04x}")).collect();
        entries.extend(names.iter().map(|n| stored(n.clone(), &[])));
        shapes.push(Bomb {
            shape: "11,000 entries",
            bytes: zip_of(&entries),
            declared: json.len() as u64,
            inflates_to: json.len() as u64,
            entries: MANY + 1,
        });

        // 3. A valid export whose 9 pictures are 105 MiB of zeros each (ratio ~1,030:1).
        let (big, big_crc) = deflated(0, RATIO_FILE);
        let media: Vec<String> = (0..RATIO_FILES).map(|i| format!("media/{i}.jpg")).collect();
        let json = data_json(&media);
        let mut entries = vec![stored("data.json".into(), &json)];
        entries.extend(media.iter().map(|m| Entry { name: m.clone(), method: 8, crc: big_crc, data: &big, declared: RATIO_FILE }));
        let total = RATIO_FILES as u64 * RATIO_FILE + json.len() as u64;
        shapes.push(Bomb { shape: "ratio 1000:1", bytes: zip_of(&entries), declared: total, inflates_to: total, entries: RATIO_FILES + 1 });

        // 4. A valid export whose picture is itself an archive (bomb 1: 3 GiB declared).
        let media = vec!["media/0.jpg".to_string()];
        let json = data_json(&media);
        let bytes = zip_of(&[stored("data.json".into(), &json), stored(media[0].clone(), &liar)]);
        shapes.push(Bomb {
            shape: "nested zip",
            bytes,
            declared: json.len() as u64 + liar.len() as u64 + LIE,
            inflates_to: json.len() as u64 + liar.len() as u64,
            entries: 2,
        });

        // 5. A `data.json` of 110 MiB of `[` (declared honestly).
        let (deep, deep_crc) = deflated(b'[', DEEP_JSON);
        let bytes = zip_of(&[Entry { name: "data.json".into(), method: 8, crc: deep_crc, data: &deep, declared: DEEP_JSON }]);
        shapes.push(Bomb { shape: "deep JSON 110 MiB", bytes, declared: DEEP_JSON, inflates_to: DEEP_JSON, entries: 1 });

        for b in &shapes {
            assert!(b.bytes.len() < MAX_SENT, "the {} bomb weighs {} bytes", b.shape, b.bytes.len());
        }
        Arsenal { shapes }
    }

    /// The `i`-th bomb to send (the shapes in turn).
    pub(crate) fn nth(&self, i: usize) -> &Bomb {
        &self.shapes[i % self.shapes.len()]
    }

    pub(crate) fn shapes(&self) -> &[Bomb] {
        &self.shapes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_zip_crate() {
        // "123456789" is the CRC-32 check value of the standard.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    /// Positive control: every bomb is an archive a standard reader opens, with the entries
    /// and sizes it claims (a refusal of garbage would prove nothing).
    #[test]
    fn every_bomb_is_a_readable_archive() {
        use std::io::Read;
        let a = Arsenal::build();
        for b in a.shapes() {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(&b.bytes)).unwrap_or_else(|e| panic!("{}: {e}", b.shape));
            assert_eq!(z.len(), b.entries, "{}", b.shape);
            let declared: u64 = (0..z.len()).map(|i| z.by_index_raw(i).unwrap().size()).sum();
            let mut json = String::new();
            z.by_name("data.json").unwrap().take(1 << 20).read_to_string(&mut json).ok();
            match b.shape {
                "nested zip" => {
                    let mut inner = Vec::new();
                    z.by_name("media/0.jpg").unwrap().read_to_end(&mut inner).unwrap();
                    let mut inner = zip::ZipArchive::new(std::io::Cursor::new(inner)).unwrap();
                    assert_eq!(inner.by_index_raw(0).unwrap().size(), LIE);
                }
                "ratio 1000:1" => {
                    assert_eq!(declared, b.declared);
                    let mut head = vec![1u8; 1 << 20];
                    z.by_name("media/8.jpg").unwrap().read_exact(&mut head).unwrap();
                    assert!(head.iter().all(|x| *x == 0), "the pictures inflate to zeros");
                    assert!(json.contains("media/8.jpg"));
                }
                "11,000 entries" => assert!(json.starts_with("{\"")),
                _ => assert_eq!(declared, b.declared, "{}", b.shape),
            }
        }
    }
}
