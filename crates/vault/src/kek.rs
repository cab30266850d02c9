//! The key-encryption key (KEK) and the keys derived from it.
//!
//! The KEK is the root secret of a deployment. It never encrypts data directly: HKDF derives
//! one sub-key per use (wrapping DEKs, blind indexes, audit checkpoints, cookie signing), so a
//! key used for one purpose can never be confused with another.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{VaultError, random};

const KEK_FILE_HEADER: &str = "clearboard-kek-v1:";

/// The root key of a deployment. Debug output is redacted.
pub struct Kek(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

impl Kek {
    pub fn generate() -> Result<Self, VaultError> {
        Ok(Self(Zeroizing::new(random::bytes::<32>()?)))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The text stored in a KEK file: a versioned header and 64 hex digits.
    pub fn to_file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{KEK_FILE_HEADER}{}\n", hex::encode(*self.0)))
    }

    /// Parses the text of a KEK file written by [`Kek::to_file_text`].
    pub fn from_file_text(text: &str) -> Result<Self, VaultError> {
        let body = text.trim().strip_prefix(KEK_FILE_HEADER).ok_or(VaultError::KekFile("missing the clearboard-kek-v1 header"))?;
        let raw = Zeroizing::new(hex::decode(body).map_err(|_| VaultError::KekFile("the key is not hexadecimal"))?);
        let arr: [u8; 32] = raw.as_slice().try_into().map_err(|_| VaultError::KekFile("the key must be 32 bytes (64 hex digits)"))?;
        Ok(Self::from_bytes(arr))
    }

    fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        let hk = Hkdf::<Sha256>::new(Some(b"clearboard/kek-derive/v1"), &*self.0);
        let mut okm = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        let _ = hk.expand(label.as_bytes(), &mut *okm);
        okm
    }

    /// Derives every purpose key at once.
    pub fn keyring(&self) -> Keyring {
        Keyring {
            wrap: self.derive("wrap-dek"),
            blind: self.derive("blind-index"),
            audit: self.derive("audit-checkpoint"),
            cookie: self.derive("cookie"),
            receipt: self.derive("receipt-signing"),
        }
    }
}

/// Purpose keys derived from the KEK.
pub struct Keyring {
    pub(crate) wrap: Zeroizing<[u8; 32]>,
    pub(crate) blind: Zeroizing<[u8; 32]>,
    pub(crate) audit: Zeroizing<[u8; 32]>,
    cookie: Zeroizing<[u8; 32]>,
    receipt: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyring(<redacted>)")
    }
}

impl Keyring {
    /// Key material for signing functional cookies (64 bytes, as cookie signing keys want).
    pub fn cookie_key_material(&self) -> Zeroizing<[u8; 64]> {
        let hk = Hkdf::<Sha256>::new(Some(b"clearboard/cookie/v1"), &*self.cookie);
        let mut okm = Zeroizing::new([0u8; 64]);
        let _ = hk.expand(b"cookie-key", &mut *okm);
        okm
    }

    /// The key that signs receipts (its public half is published).
    pub fn receipt_signer(&self) -> crate::receipt::ReceiptSigner {
        crate::receipt::ReceiptSigner::from_seed(&self.receipt)
    }

    /// The key that authenticates audit-log checkpoints.
    pub fn audit_key(&self) -> &[u8; 32] {
        &self.audit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kek_file_round_trip_and_errors() {
        let kek = Kek::generate().unwrap_or_else(|_| Kek::from_bytes([7; 32]));
        let text = kek.to_file_text();
        let back = Kek::from_file_text(&text);
        assert!(back.is_ok());
        assert_eq!(Kek::from_file_text("nope").err(), Some(VaultError::KekFile("missing the clearboard-kek-v1 header")));
        assert_eq!(
            Kek::from_file_text("clearboard-kek-v1:abcd").err(),
            Some(VaultError::KekFile("the key must be 32 bytes (64 hex digits)"))
        );
    }

    #[test]
    fn derived_keys_differ_per_purpose() {
        let ring = Kek::from_bytes([1; 32]).keyring();
        assert_ne!(*ring.wrap, *ring.blind);
        assert_ne!(*ring.blind, *ring.audit);
        assert_ne!(*ring.audit, *ring.cookie);
        assert!(!format!("{ring:?}").contains('1'));
    }
}
