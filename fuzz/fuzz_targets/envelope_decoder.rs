#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clearboard_fuzz::harness::envelope_decoder(data));
