//! The fuzz targets' code lives in [`harness`] so that the app's corpus replay test
//! (`crates/app/tests/it/fuzz_corpus.rs`) runs exactly the same checks without cargo-fuzz.

pub mod harness;
