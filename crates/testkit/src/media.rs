//! Media files made for tests and benchmarks.

/// A minimal JPEG (1×1, one component) of exactly `len` bytes (at least 40) whose scan data is
/// pseudo-random from `seed`, without 0xFF (which would start a marker): incompressible, and
/// kept byte for byte by the media sanitiser. Different seeds give different files.
pub fn jpeg_of(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
    assert!(len >= v.len() + 2, "a JPEG of {len} bytes is too short");
    let start = v.len();
    v.resize(len - 2, 0);
    // xorshift64, never zero.
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15 | 1;
    for chunk in v[start..].chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for (b, r) in chunk.iter_mut().zip(x.to_le_bytes()) {
            *b = r.min(0xFE);
        }
    }
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}
