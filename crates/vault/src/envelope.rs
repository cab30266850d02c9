//! Data-encryption keys (one per subject) and the envelope format of encrypted fields.
//!
//! Envelope bytes: `0x01 ‖ key_id (u32 BE) ‖ nonce (24) ‖ ciphertext ‖ tag (16)`.
//! The associated data binds each envelope to its place (table, column, row id) and to the key
//! id, so a ciphertext cannot be moved to another row, column or person and still open.
//! A DEK is stored only wrapped by the KEK's wrapping key, with the subject id and key id as
//! associated data (a wrapped key cannot be reassigned to another subject).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

use crate::{Keyring, VaultError, random, xchacha};

const VERSION: u8 = 1;
const NONCE_LEN: usize = xchacha::NONCE_LEN;
const TAG_LEN: usize = xchacha::TAG_LEN;
/// Bytes an envelope adds to its plaintext.
pub const OVERHEAD: usize = 1 + 4 + NONCE_LEN + TAG_LEN;

/// Identifies one of a subject's keys (a subject may get new keys on rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub u32);

/// Where an encrypted value lives: part of the associated data.
#[derive(Debug, Clone, Copy)]
pub struct Aad<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row: &'a str,
}

impl Aad<'_> {
    /// The associated-data bytes: a domain label (fields and blobs differ), then each part
    /// length-prefixed, then the key id.
    pub(crate) fn encode_for(&self, domain: &[u8], key_id: KeyId) -> Vec<u8> {
        let mut out = Vec::with_capacity(domain.len() + 16 + self.table.len() + self.column.len() + self.row.len());
        out.extend_from_slice(domain);
        for part in [self.table, self.column, self.row] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(&key_id.0.to_be_bytes());
        out
    }

    fn encode(&self, key_id: KeyId) -> Vec<u8> {
        self.encode_for(b"cb-field-v1", key_id)
    }
}

/// A subject's data-encryption key. Zeroed on drop; Debug is redacted.
pub struct Dek {
    key_id: KeyId,
    cipher: XChaCha20Poly1305,
    raw: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Dek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dek({:?}, <redacted>)", self.key_id)
    }
}

impl Dek {
    pub fn generate(key_id: KeyId) -> Result<Self, VaultError> {
        Ok(Self::from_raw(key_id, Zeroizing::new(random::bytes::<32>()?)))
    }

    fn from_raw(key_id: KeyId, raw: Zeroizing<[u8; 32]>) -> Self {
        let cipher = XChaCha20Poly1305::new(&(*raw).into());
        Self { key_id, cipher, raw }
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Wraps this key under the KEK for storage in a key store.
    pub fn wrap(&self, ring: &Keyring, subject: &str) -> Result<Vec<u8>, VaultError> {
        let wrapper = XChaCha20Poly1305::new(&(*ring.wrap).into());
        let nonce = random::bytes::<NONCE_LEN>()?;
        let aad = wrap_aad(subject, self.key_id);
        let ct = wrapper.encrypt(&XNonce::from(nonce), Payload { msg: &*self.raw, aad: &aad }).map_err(|_| VaultError::Encrypt)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Unwraps a key stored by [`Dek::wrap`] for `subject`.
    pub fn unwrap(ring: &Keyring, subject: &str, key_id: KeyId, wrapped: &[u8]) -> Result<Self, VaultError> {
        let (&version, rest) = wrapped.split_first().ok_or(VaultError::Malformed)?;
        if version != VERSION {
            return Err(VaultError::UnknownVersion(version));
        }
        if rest.len() != NONCE_LEN + 32 + TAG_LEN {
            return Err(VaultError::Malformed);
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| VaultError::Malformed)?;
        let wrapper = XChaCha20Poly1305::new(&(*ring.wrap).into());
        let aad = wrap_aad(subject, key_id);
        let raw = Zeroizing::new(wrapper.decrypt(&XNonce::from(nonce), Payload { msg: ct, aad: &aad }).map_err(|_| VaultError::Decrypt)?);
        let arr: [u8; 32] = raw.as_slice().try_into().map_err(|_| VaultError::KeyLength)?;
        Ok(Self::from_raw(key_id, Zeroizing::new(arr)))
    }

    /// Encrypts one field value into an envelope (`xchacha`: the bytes of XChaCha20-Poly1305).
    pub fn seal(&self, aad: Aad<'_>, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        let nonce = random::bytes::<NONCE_LEN>()?;
        // Encrypt in place in the output buffer: one allocation, no copy of the ciphertext.
        let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
        out.push(VERSION);
        out.extend_from_slice(&self.key_id.0.to_be_bytes());
        out.extend_from_slice(&nonce);
        let start = out.len();
        out.extend_from_slice(plaintext);
        let tag = xchacha::seal_in_place(&self.raw, &nonce, &aad.encode(self.key_id), &mut out[start..])?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Decrypts an envelope made by [`Dek::seal`] with the same associated data.
    pub fn open(&self, aad: Aad<'_>, envelope: &[u8]) -> Result<crate::SecretBytes, VaultError> {
        self.open_vec(aad, envelope).map(crate::SecretBytes::new)
    }

    /// Decrypts into a new buffer, zeroed when the envelope does not open.
    fn open_vec(&self, aad: Aad<'_>, envelope: &[u8]) -> Result<Vec<u8>, VaultError> {
        let (key_id, nonce, ct) = parse(envelope)?;
        if key_id != self.key_id {
            return Err(VaultError::Decrypt);
        }
        let (body, tag) = ct.split_at(ct.len() - TAG_LEN);
        let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| VaultError::Malformed)?;
        let mut buf = body.to_vec();
        xchacha::open_in_place(&self.raw, &nonce, &aad.encode(key_id), &mut buf, tag)?;
        Ok(buf)
    }

    /// Convenience: seal a UTF-8 string.
    pub fn seal_str(&self, aad: Aad<'_>, s: &str) -> Result<Vec<u8>, VaultError> {
        self.seal(aad, s.as_bytes())
    }

    /// Convenience: open an envelope holding UTF-8 text, decrypted straight into the string's
    /// own buffer (no second copy of the plaintext; bytes that are not text are zeroed).
    pub fn open_string(&self, aad: Aad<'_>, envelope: &[u8]) -> Result<String, VaultError> {
        String::from_utf8(self.open_vec(aad, envelope)?).map_err(|e| {
            e.into_bytes().zeroize();
            VaultError::Malformed
        })
    }

    pub(crate) fn cipher(&self) -> &XChaCha20Poly1305 {
        &self.cipher
    }
}

/// The key id an envelope names, without decrypting it.
pub fn envelope_key_id(envelope: &[u8]) -> Result<KeyId, VaultError> {
    parse(envelope).map(|(k, _, _)| k)
}

fn parse(envelope: &[u8]) -> Result<(KeyId, [u8; NONCE_LEN], &[u8]), VaultError> {
    let (&version, rest) = envelope.split_first().ok_or(VaultError::Malformed)?;
    if version != VERSION {
        return Err(VaultError::UnknownVersion(version));
    }
    if rest.len() < 4 + NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed);
    }
    let (kid, rest) = rest.split_at(4);
    let (nonce, ct) = rest.split_at(NONCE_LEN);
    let kid: [u8; 4] = kid.try_into().map_err(|_| VaultError::Malformed)?;
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| VaultError::Malformed)?;
    Ok((KeyId(u32::from_be_bytes(kid)), nonce, ct))
}

fn wrap_aad(subject: &str, key_id: KeyId) -> Vec<u8> {
    let mut aad = Vec::with_capacity(24 + subject.len());
    aad.extend_from_slice(b"cb-dek-v1");
    aad.extend_from_slice(&(subject.len() as u32).to_be_bytes());
    aad.extend_from_slice(subject.as_bytes());
    aad.extend_from_slice(&key_id.0.to_be_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kek;
    use proptest::prelude::*;

    fn aad(row: &str) -> Aad<'_> {
        Aad { table: "accounts", column: "email", row }
    }

    #[test]
    fn seal_open_round_trip() {
        let dek = Dek::generate(KeyId(1)).unwrap();
        let env = dek.seal(aad("r1"), b"alice@example.test").unwrap();
        assert_eq!(env.len(), OVERHEAD + 18);
        assert_eq!(&*dek.open(aad("r1"), &env).unwrap(), b"alice@example.test");
        assert_eq!(envelope_key_id(&env).unwrap(), KeyId(1));
    }

    #[test]
    fn wrong_context_or_key_fails() {
        let dek = Dek::generate(KeyId(1)).unwrap();
        let other = Dek::generate(KeyId(1)).unwrap();
        let env = dek.seal(aad("r1"), b"secret").unwrap();
        assert_eq!(dek.open(aad("r2"), &env).err(), Some(VaultError::Decrypt));
        let moved = Aad { table: "accounts", column: "first_name", row: "r1" };
        assert_eq!(dek.open(moved, &env).err(), Some(VaultError::Decrypt));
        assert_eq!(other.open(aad("r1"), &env).err(), Some(VaultError::Decrypt));
        assert_eq!(dek.open(aad("r1"), &env[..10]).err(), Some(VaultError::Malformed));
        let mut bad = env.clone();
        bad[0] = 9;
        assert_eq!(dek.open(aad("r1"), &bad).err(), Some(VaultError::UnknownVersion(9)));
    }

    #[test]
    fn wrap_binds_subject_and_key_id() {
        let ring = Kek::from_bytes([3; 32]).keyring();
        let dek = Dek::generate(KeyId(4)).unwrap();
        let wrapped = dek.wrap(&ring, "subject-a").unwrap();
        let back = Dek::unwrap(&ring, "subject-a", KeyId(4), &wrapped).unwrap();
        let env = dek.seal(aad("x"), b"hello").unwrap();
        assert_eq!(&*back.open(aad("x"), &env).unwrap(), b"hello");
        assert!(Dek::unwrap(&ring, "subject-b", KeyId(4), &wrapped).is_err());
        assert!(Dek::unwrap(&ring, "subject-a", KeyId(5), &wrapped).is_err());
        let other_ring = Kek::from_bytes([4; 32]).keyring();
        assert!(Dek::unwrap(&other_ring, "subject-a", KeyId(4), &wrapped).is_err());
        assert!(!format!("{back:?}").contains("hello"));
    }

    proptest! {
        #[test]
        fn any_single_bit_flip_is_detected(msg in proptest::collection::vec(any::<u8>(), 0..256), pos in any::<usize>(), bit in 0u8..8) {
            let dek = Dek::generate(KeyId(1)).unwrap();
            let mut env = dek.seal(aad("p"), &msg).unwrap();
            let i = pos % env.len();
            env[i] ^= 1 << bit;
            prop_assert!(dek.open(aad("p"), &env).is_err());
        }
    }
}
