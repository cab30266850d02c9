//! Plaintext bytes that are wiped when dropped, quickly.
//!
//! `zeroize::Zeroizing<Vec<u8>>` wipes a vector element by element (`Vec<Z>`'s `zeroize` calls
//! each `u8`'s own volatile write), about a byte per cycle: at 16 KiB that was a third of an
//! envelope's opening (issue 21, envelope at 16 KiB 0.67 of raw AEAD). [`SecretBytes`] wipes
//! the whole buffer as one slice (`[u8]::zeroize`: one fill behind an optimisation barrier,
//! which the compiler may not remove) and the spare capacity too. Same guarantee, memset speed.

use zeroize::Zeroize;

/// A byte buffer holding plaintext; wiped (length and spare capacity) on drop. Debug is
/// redacted. Derefs to the `Vec<u8>` it holds.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl Zeroize for SecretBytes {
    fn zeroize(&mut self) {
        self.0.as_mut_slice().zeroize();
        self.0.spare_capacity_mut().zeroize();
        self.0.clear();
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for SecretBytes {}

impl std::ops::Deref for SecretBytes {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl std::ops::DerefMut for SecretBytes {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBytes(<{} bytes redacted>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroize_empties_the_buffer_keeps_its_allocation_and_debug_shows_no_byte() {
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(b"a secret that must not stay in memory");
        let mut s = SecretBytes::from(v);
        assert_eq!(format!("{s:?}"), "SecretBytes(<37 bytes redacted>)");
        let cap = s.capacity();
        s.zeroize();
        assert!(s.is_empty());
        assert_eq!(s.capacity(), cap, "wiped in place, not reallocated (no copy left behind)");
    }
}
