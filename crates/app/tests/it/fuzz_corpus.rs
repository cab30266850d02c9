//! The fuzz corpora without cargo-fuzz (issue 7, drill 3): every committed corpus file is
//! replayed through its target, then each target runs on thousands of inputs derived from
//! its corpus by a fixed-seed mutator, so `cargo test --workspace` holds every parser of
//! untrusted input to the fuzz properties on every run, in a few seconds.
//!
//! The targets are `fuzz/src/harness.rs`, included unchanged: what fails here fails under
//! cargo-fuzz too, and the other way round. Long fuzzing is `drills/fuzz-smoke.sh`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "../../../../fuzz/src/harness.rs"]
mod harness;

/// Mutated inputs per target. The policy parser reads whole policy files and renders every
/// publication of those that load, so it gets fewer to keep the debug-build run short.
const MUTATIONS: [(&str, usize); 5] = [
    ("policy_parser", 2000),
    ("envelope_decoder", 20_000),
    ("upload_sniffer", 50_000),
    ("export_importer", 8000),
    ("consent_cookie", 20_000),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target)
}

/// The corpus of a target, in file-name order (so the mutator's inputs are the same on every
/// machine). An empty or missing folder fails: the corpora are committed.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("corpus folder {}: {e}", dir.display()));
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().expect("file name").to_string_lossy().into_owned(), std::fs::read(&p).expect("corpus file")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus folder {} is empty", dir.display());
    files
}

fn target(name: &str) -> fn(&[u8]) {
    harness::TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f).unwrap_or_else(|| panic!("no fuzz target {name}"))
}

/// Runs one input; a panic is reported with the input saved to a file, so it can be replayed
/// with `cargo fuzz run --sanitizer none <target> <file>` and added to the corpus once fixed.
fn run_one(name: &str, f: fn(&[u8]), input: &[u8], what: &str) {
    if catch_unwind(AssertUnwindSafe(|| f(input))).is_err() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes");
        std::fs::create_dir_all(&dir).expect("crash folder");
        let file = dir.join(format!("{name}-{}", hex::encode(&sha256(input)[..8])));
        std::fs::write(&file, input).expect("crash file");
        panic!("fuzz target {name} panicked on {what} (see the message above); the input is saved as {}", file.display());
    }
}

fn sha256(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

#[test]
fn every_target_has_a_corpus_and_every_corpus_file_passes() {
    for (name, f) in harness::TARGETS {
        for (file, bytes) in corpus(name) {
            run_one(name, f, &bytes, &format!("corpus file {file}"));
        }
    }
    let folders: Vec<String> = std::fs::read_dir(corpus_dir(""))
        .expect("fuzz/corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    for folder in folders {
        assert!(harness::TARGETS.iter().any(|(n, _)| *n == folder), "fuzz/corpus/{folder} belongs to no target");
    }
}

/// SplitMix64: small, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
}

/// Values that sit on boundaries of lengths and counters.
const INTERESTING: [u64; 12] = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, u64::MAX];

/// Applies one to four libFuzzer-like mutations: bit flips, interesting bytes and integers (both
/// byte orders), insertions, deletions, truncation, duplication, and splices from another file.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        match rng.below(10) {
            0 | 1 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                v[i] = INTERESTING[rng.below(INTERESTING.len())] as u8;
            }
            3 => {
                let width = [2, 4, 8][rng.below(3)];
                let x = INTERESTING[rng.below(INTERESTING.len())];
                let bytes = if rng.below(2) == 0 { x.to_le_bytes() } else { x.to_be_bytes() };
                let bytes = if rng.below(2) == 0 { &bytes[..width] } else { &bytes[8 - width..] };
                let i = rng.below(len + 1);
                let end = (i + width).min(len);
                v.splice(i..end, bytes.iter().copied());
            }
            4 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let fill = rng.next_u64() as u8;
                v.splice(i..i, std::iter::repeat_n(fill, n));
            }
            5 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                v.drain(i..i + n);
            }
            6 => v.truncate(rng.below(len + 1)),
            7 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(256));
                let at = rng.below(len + 1);
                let chunk = v[i..i + n].to_vec();
                v.splice(at..at, chunk);
            }
            8 if !other.is_empty() => {
                // Crossover: a head of this file and a tail of the other.
                let cut = rng.below(len + 1);
                let from = rng.below(other.len());
                v.truncate(cut);
                v.extend_from_slice(&other[from..]);
            }
            _ if !other.is_empty() => {
                // Overwrite a stretch with bytes of the other file.
                let from = rng.below(other.len());
                let n = 1 + rng.below((other.len() - from).min(64));
                let at = rng.below(len + 1);
                let end = (at + n).min(len);
                v.splice(at..end, other[from..from + n].iter().copied());
            }
            _ => v.push(rng.next_u64() as u8),
        }
    }
    v
}

/// Runs `count` mutated inputs of one target. A fixed seed per target, so a failure repeats.
fn mutation_smoke(name: &str) {
    let f = target(name);
    let count = MUTATIONS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c).expect("a mutation count");
    let files = corpus(name);
    let mut rng = Rng(u64::from_le_bytes(sha256(name.as_bytes())[..8].try_into().expect("8 bytes")));
    for i in 0..count {
        let (file, base) = &files[rng.below(files.len())];
        let (_, other) = &files[rng.below(files.len())];
        let input = mutate(&mut rng, base, other);
        run_one(name, f, &input, &format!("mutation {i} of {file}"));
    }
}

#[test]
fn mutations_policy_parser() {
    mutation_smoke("policy_parser");
}

#[test]
fn mutations_envelope_decoder() {
    mutation_smoke("envelope_decoder");
}

#[test]
fn mutations_upload_sniffer() {
    mutation_smoke("upload_sniffer");
}

#[test]
fn mutations_export_importer() {
    mutation_smoke("export_importer");
}

#[test]
fn mutations_consent_cookie() {
    mutation_smoke("consent_cookie");
}

#[test]
fn every_target_has_a_mutation_count() {
    for (name, _) in harness::TARGETS {
        assert!(MUTATIONS.iter().any(|(n, _)| *n == name), "no mutation count for {name}");
    }
}
