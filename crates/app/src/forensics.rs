//! A forensic scanner: reads raw bytes of files and folders and looks for needles in several
//! encodings (UTF-8, lower-case, UTF-16 LE/BE, base64 at the three alignments, hex). It knows
//! nothing of clearboard's schema or formats, which is what makes "0 hits" believable.
//! `clearboard forensics scan` and the tests use it. Blobs on S3 are not files: they are read
//! through the blob store port, object by object ([`scan_remote_blobs`]).

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub path: PathBuf,
    pub needle: String,
    pub encoding: &'static str,
}

fn base64_forms(engine: &impl Engine, bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for k in 0..3usize {
        let mut input = vec![0u8; k];
        input.extend_from_slice(bytes);
        let enc = engine.encode(&input);
        let skip = match k {
            0 => 0,
            1 => 2,
            _ => 3,
        };
        let full = (input.len() / 3) * 4;
        if full > skip + 8 {
            out.push(enc.as_bytes()[skip..full].to_vec());
        }
    }
    out
}

/// The byte patterns a needle may take on disk.
pub fn encodings(needle: &str) -> Vec<(&'static str, Vec<u8>)> {
    let mut v: Vec<(&'static str, Vec<u8>)> = vec![("utf-8", needle.as_bytes().to_vec())];
    let lower = needle.to_lowercase();
    if lower != needle {
        v.push(("utf-8 lower-case", lower.as_bytes().to_vec()));
    }
    v.push(("utf-16le", needle.encode_utf16().flat_map(u16::to_le_bytes).collect()));
    v.push(("utf-16be", needle.encode_utf16().flat_map(u16::to_be_bytes).collect()));
    for f in base64_forms(&STANDARD, needle.as_bytes()) {
        v.push(("base64", f));
    }
    for f in base64_forms(&URL_SAFE_NO_PAD, needle.as_bytes()) {
        v.push(("base64url", f));
    }
    v.push(("hex", hex::encode(needle.as_bytes()).into_bytes()));
    // JSON-escaped (quotes, backslashes, control and non-ASCII characters as \uXXXX).
    let mut json = String::new();
    for c in needle.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => json.push(c),
            c => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    json.push_str(&format!("\\u{:04x}", u));
                }
            }
        }
    }
    if json != needle {
        v.push(("json-escaped", json.into_bytes()));
    }
    v
}

/// All needles in all encodings, searched in one pass (Aho-Corasick).
struct Patterns {
    labels: Vec<(String, &'static str)>,
    automaton: aho_corasick::AhoCorasick,
}

impl Patterns {
    fn new(needles: &[String]) -> Self {
        let mut labels = Vec::new();
        let mut bytes = Vec::new();
        for n in needles {
            for (e, b) in encodings(n) {
                if !b.is_empty() {
                    labels.push((n.clone(), e));
                    bytes.push(b);
                }
            }
        }
        // Construction fails only for patterns far larger than any needle (limits of the
        // automaton's size); a scanner that silently found nothing would be worse than a stop.
        #[allow(clippy::expect_used)]
        let automaton = aho_corasick::AhoCorasick::new(&bytes).expect("needle patterns");
        Self { labels, automaton }
    }

    fn hits(&self, hay: &[u8]) -> Vec<(String, &'static str)> {
        let mut seen = std::collections::BTreeSet::new();
        for m in self.automaton.find_overlapping_iter(hay) {
            seen.insert(m.pattern().as_usize());
        }
        seen.into_iter().map(|i| self.labels[i].clone()).collect()
    }
}

fn files_under(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                files_under(&e.path(), out);
            }
        }
    } else if p.is_file() {
        out.push(p.to_path_buf());
    }
}

/// Every file under the given paths.
pub fn all_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        files_under(p, &mut files);
    }
    files
}

/// Scans raw bytes of every file under `paths` for every needle in every encoding.
pub fn scan(paths: &[PathBuf], needles: &[String]) -> Vec<Hit> {
    let patterns = Patterns::new(needles);
    let mut hits = Vec::new();
    for f in all_files(paths) {
        let Ok(bytes) = std::fs::read(&f) else { continue };
        for (needle, encoding) in patterns.hits(&bytes) {
            hits.push(Hit { path: f.clone(), needle, encoding });
        }
    }
    hits
}

/// Scans every object of the regions whose blobs are on S3 (listed and read through the blob
/// store port); hits are named `s3:<region>/<id>`. Returns the hits and the objects scanned.
pub async fn scan_remote_blobs(layout: &clearboard_store::Layout, needles: &[String]) -> anyhow::Result<(Vec<Hit>, usize)> {
    let patterns = Patterns::new(needles);
    let (mut hits, mut objects) = (Vec::new(), 0);
    for r in &layout.regions {
        if !matches!(layout.blob_location(r)?, clearboard_store::platform::blobs::BlobLocation::S3(_)) {
            continue; // a folder: its files are scanned as files
        }
        let store = layout.open_blobs(r)?;
        for id in store.list().await? {
            let Some(bytes) = store.get(&id).await? else { continue };
            objects += 1;
            for (needle, encoding) in patterns.hits(&bytes) {
                hits.push(Hit { path: PathBuf::from(format!("s3:{}/{}", r.id, id.as_str())), needle, encoding });
            }
        }
    }
    Ok((hits, objects))
}

/// Scans a byte buffer (e.g. captured logs).
pub fn scan_bytes(bytes: &[u8], needles: &[String]) -> Vec<(String, &'static str)> {
    Patterns::new(needles).hits(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positive control: the scanner finds needles in every encoding it claims.
    #[test]
    fn finds_each_encoding() {
        let n = "CnryPositive1234";
        let payloads: Vec<Vec<u8>> = vec![
            format!("xx{n}yy").into_bytes(),
            format!("xx{}yy", n.to_lowercase()).into_bytes(),
            n.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            STANDARD.encode(format!("a{n}b")).into_bytes(),
            STANDARD.encode(format!("ab{n}c")).into_bytes(),
            STANDARD.encode(n).into_bytes(),
            URL_SAFE_NO_PAD.encode(format!("xyz{n}")).into_bytes(),
            hex::encode(n).into_bytes(),
        ];
        for p in payloads {
            assert!(!scan_bytes(&p, &[n.to_string()]).is_empty(), "missed in {:?}", String::from_utf8_lossy(&p));
        }
        assert!(scan_bytes(b"nothing here", &[n.to_string()]).is_empty());
    }
}
