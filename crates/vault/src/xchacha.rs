//! XChaCha20-Poly1305 for the field envelopes (issue 21), built as its specification builds it
//! (draft-irtf-cfrg-xchacha-03, §2.3): HChaCha20 derives a subkey from the key and the first 16
//! bytes of the 24-byte nonce (RustCrypto's `chacha20::hchacha`), and ChaCha20-Poly1305
//! (RFC 8439; ring's implementation, already built for TLS) seals under that subkey with four
//! zero bytes and the nonce's last 8 bytes as its nonce.
//!
//! The bytes are exactly those of `chacha20poly1305::XChaCha20Poly1305` (the tests below compare
//! both on the draft's inputs and on random ones), so every envelope written before opens as it
//! did. Why: a field holds a few dozen bytes, and RustCrypto's crate spent ~2.8 µs on each
//! (its AVX2 Poly1305 prepares powers of the key for every message, its AVX-512 ChaCha20
//! makes sixteen blocks of key stream where two are used); this takes ~0.4 µs (AMD EPYC,
//! 45 bytes, `bench/README.md`). Blobs, sealed in 64 KiB segments (`stream`), keep RustCrypto's
//! crate: at that size both run at the same speed.
//!
//! The subkey is zeroed when sealing or opening ends; ring's own copy of it (a key for one
//! nonce only) is not, as ring does not zero its keys.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, Tag, UnboundKey};
use zeroize::{Zeroize, Zeroizing};

use crate::VaultError;

pub const NONCE_LEN: usize = 24;
pub const TAG_LEN: usize = 16;

/// ChaCha20-Poly1305 under the subkey of `nonce`, with the nonce's tail as its own.
fn subkey(key: &[u8; 32], nonce: &[u8; NONCE_LEN]) -> Result<(LessSafeKey, Nonce), VaultError> {
    let head: &[u8; 16] = nonce[..16].try_into().map_err(|_| VaultError::Malformed)?;
    let mut derived = chacha20::hchacha::<chacha20::R20>(key.into(), head.into());
    let sub = Zeroizing::new(<[u8; 32]>::from(derived));
    derived.zeroize();
    let aead = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &*sub).map_err(|_| VaultError::KeyLength)?);
    let mut tail = [0u8; 12];
    tail[4..].copy_from_slice(&nonce[16..]);
    Ok((aead, Nonce::assume_unique_for_key(tail)))
}

/// Encrypts `buf` in place; returns the tag.
pub fn seal_in_place(key: &[u8; 32], nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut [u8]) -> Result<[u8; TAG_LEN], VaultError> {
    let (aead, n) = subkey(key, nonce)?;
    let tag = aead.seal_in_place_separate_tag(n, Aad::from(aad), buf).map_err(|_| VaultError::Encrypt)?;
    tag.as_ref().try_into().map_err(|_| VaultError::Encrypt)
}

/// Decrypts `buf` in place if `tag` authenticates it with `aad`; otherwise `buf` is zeroed.
pub fn open_in_place(key: &[u8; 32], nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut [u8], tag: &[u8; TAG_LEN]) -> Result<(), VaultError> {
    let (aead, n) = subkey(key, nonce)?;
    match aead.open_in_place_separate_tag(n, Aad::from(aad), Tag::from(*tag), buf, 0..) {
        Ok(_) => Ok(()),
        Err(_) => {
            buf.zeroize();
            Err(VaultError::Decrypt)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};
    use proptest::prelude::*;

    /// What RustCrypto's XChaCha20-Poly1305 (tested on its own against the draft's vectors)
    /// makes of the same inputs.
    fn reference(key: &[u8; 32], nonce: &[u8; 24], aad: &[u8], msg: &[u8]) -> (Vec<u8>, [u8; 16]) {
        let mut ct = msg.to_vec();
        let tag = XChaCha20Poly1305::new(&(*key).into()).encrypt_inout_detached(&XNonce::from(*nonce), aad, (&mut ct[..]).into()).unwrap();
        (ct, tag.as_slice().try_into().unwrap())
    }

    fn both_ways(key: &[u8; 32], nonce: &[u8; 24], aad: &[u8], msg: &[u8]) -> Result<(), TestCaseError> {
        let (want, want_tag) = reference(key, nonce, aad, msg);
        let mut ct = msg.to_vec();
        let tag = seal_in_place(key, nonce, aad, &mut ct).unwrap();
        prop_assert_eq!(&ct, &want);
        prop_assert_eq!(tag, want_tag);
        open_in_place(key, nonce, aad, &mut ct, &tag).unwrap();
        prop_assert_eq!(&ct, msg);
        Ok(())
    }

    /// The inputs of draft-irtf-cfrg-xchacha-03, appendix A.3.1.
    #[test]
    fn the_drafts_example_seals_as_the_reference_does() {
        let key: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let nonce: [u8; 24] = std::array::from_fn(|i| 0x40 + i as u8);
        let aad = [0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7];
        let msg = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        both_ways(&key, &nonce, &aad, msg).unwrap();
        // The ciphertext's first bytes as the draft prints them.
        let (ct, _) = reference(&key, &nonce, &aad, msg);
        assert_eq!(hex::encode(&ct[..8]), "bd6d179d3e83d43b");
    }

    #[test]
    fn a_wrong_tag_aad_or_byte_is_refused_and_leaves_nothing() {
        let (key, nonce) = ([9u8; 32], [4u8; 24]);
        let msg = b"a card's text".to_vec();
        let mut ct = msg.clone();
        let tag = seal_in_place(&key, &nonce, b"cards/body/r1", &mut ct).unwrap();
        for (aad, flip_ct, flip_tag) in
            [(&b"cards/body/r2"[..], false, false), (&b"cards/body/r1"[..], true, false), (&b"cards/body/r1"[..], false, true)]
        {
            let (mut c, mut t) = (ct.clone(), tag);
            if flip_ct {
                c[3] ^= 1;
            }
            if flip_tag {
                t[15] ^= 0x80;
            }
            assert_eq!(open_in_place(&key, &nonce, aad, &mut c, &t), Err(VaultError::Decrypt));
            assert!(c.iter().all(|b| *b == 0), "nothing of the plaintext is left in the buffer");
        }
    }

    proptest! {
        #[test]
        fn any_input_seals_as_the_reference_does(key in any::<[u8; 32]>(), nonce in any::<[u8; 24]>(),
            aad in proptest::collection::vec(any::<u8>(), 0..200), msg in proptest::collection::vec(any::<u8>(), 0..1500)) {
            both_ways(&key, &nonce, &aad, &msg)?;
        }
    }
}
