//! Blind indexes: keyed HMAC-SHA-256 of normalised values, so encrypted columns can still be
//! looked up and kept unique (sign-in by email) without storing the plaintext or an unkeyed
//! hash that a dictionary could reverse.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Keyring;

/// Computes blind indexes with the deployment's blind-index key.
#[derive(Clone)]
pub struct BlindIndexer {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for BlindIndexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndexer(<redacted>)")
    }
}

impl BlindIndexer {
    pub fn new(ring: &Keyring) -> Self {
        Self { key: ring.blind.clone() }
    }

    fn mac(&self, domain: &str, value: &str) -> [u8; 32] {
        // HMAC accepts keys of any length, so this constructor cannot fail.
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(&*self.key) {
            Ok(m) => m,
            Err(_) => unreachable_hmac(),
        };
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The blind index of an email address, after [`normalise_email`].
    pub fn email(&self, email: &str) -> [u8; 32] {
        self.mac("email", &normalise_email(email))
    }

    /// A blind index in any other named domain (value taken as given).
    pub fn of(&self, domain: &str, value: &str) -> [u8; 32] {
        self.mac(domain, value)
    }
}

#[allow(clippy::panic)]
fn unreachable_hmac() -> ! {
    panic!("HMAC-SHA-256 accepts keys of every length")
}

/// Email normalisation for lookups: trimmed and lower-cased (domain and local part; we treat
/// addresses case-insensitively, as nearly every mail provider does).
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kek;

    #[test]
    fn email_index_is_normalised_and_keyed() {
        let a = BlindIndexer::new(&Kek::from_bytes([1; 32]).keyring());
        let b = BlindIndexer::new(&Kek::from_bytes([2; 32]).keyring());
        assert_eq!(a.email("Alice@Example.TEST "), a.email("alice@example.test"));
        assert_ne!(a.email("alice@example.test"), b.email("alice@example.test"));
        assert_ne!(a.email("alice@example.test"), a.of("phone", "alice@example.test"));
    }
}
