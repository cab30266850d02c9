//! Signed receipts (erasure receipts, request answers): Ed25519 over the exact bytes of a
//! canonical JSON document. The signing key is derived from the key-encryption key, so it
//! survives restarts and needs no extra file; its public half is published (trust centre,
//! `/.well-known/clearboard-receipts.json`) so that anyone can check a receipt offline.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

/// Signs receipts. Debug is redacted.
pub struct ReceiptSigner(SigningKey);

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReceiptSigner(public {})", self.public_key())
    }
}

impl ReceiptSigner {
    pub(crate) fn from_seed(seed: &[u8; 32]) -> Self {
        ReceiptSigner(SigningKey::from_bytes(seed))
    }

    /// The public key, base64url without padding (32 bytes).
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.verifying_key().to_bytes())
    }

    /// A short identifier of the key (first 8 bytes of the public key, hex).
    pub fn key_id(&self) -> String {
        hex::encode(&self.0.verifying_key().to_bytes()[..8])
    }

    /// The signature of `message`, base64url without padding (64 bytes).
    pub fn sign(&self, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.0.sign(message).to_bytes())
    }
}

/// Checks a signature made by [`ReceiptSigner::sign`] against a published public key.
pub fn verify(public_key: &str, message: &[u8], signature: &str) -> bool {
    let Ok(pk) = URL_SAFE_NO_PAD.decode(public_key) else { return false };
    let Ok(pk) = <[u8; 32]>::try_from(pk.as_slice()) else { return false };
    let Ok(vk) = VerifyingKey::from_bytes(&pk) else { return false };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(signature) else { return false };
    let Ok(sig) = <[u8; 64]>::try_from(sig.as_slice()) else { return false };
    vk.verify(message, &Signature::from_bytes(&sig)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_rejects_changes() {
        let s = ReceiptSigner::from_seed(&[9; 32]);
        let sig = s.sign(b"receipt body");
        assert!(verify(&s.public_key(), b"receipt body", &sig));
        assert!(!verify(&s.public_key(), b"receipt bodY", &sig));
        let other = ReceiptSigner::from_seed(&[8; 32]);
        assert!(!verify(&other.public_key(), b"receipt body", &sig));
        assert!(!verify("not a key", b"receipt body", &sig));
        assert!(!verify(&s.public_key(), b"receipt body", "AAAA"));
        assert_eq!(s.key_id().len(), 16);
    }
}
