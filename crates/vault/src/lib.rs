//! The vault: everything cryptographic that clearboard relies on, kept in one small crate.
//!
//! It owns the key hierarchy (a key-encryption key, one data-encryption key per subject),
//! the envelope format of encrypted fields and blobs, blind indexes for lookups on encrypted
//! values, and the hash chain of the audit log. It does no I/O and knows nothing of storage:
//! key stores and audit tables live in `clearboard-store`, behind ports defined in core.
//! It must never log, print or format key material or plaintext.

pub mod audit;
pub mod blind;
pub mod envelope;
pub mod kek;
pub mod random;
pub mod receipt;
pub mod secret;
pub mod stream;
pub mod xchacha;

pub use blind::BlindIndexer;
pub use envelope::{Aad, Dek, KeyId};
pub use kek::{Kek, Keyring};
pub use secret::SecretBytes;

/// Errors of the vault. Messages never contain key material or plaintext.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("envelope is malformed")]
    Malformed,
    #[error("envelope uses an unknown version {0}")]
    UnknownVersion(u8),
    #[error("decryption failed: wrong key, wrong context or tampered data")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
    #[error("key material has the wrong length")]
    KeyLength,
    #[error("the system random number generator failed")]
    Random,
    #[error("the key-encryption key file is invalid: {0}")]
    KekFile(&'static str),
}
