//! Segmented encryption of blobs (media, pictures, exports): the STREAM construction
//! (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over XChaCha20-Poly1305.
//!
//! Layout: `0x01 ‖ key_id (u32 BE) ‖ nonce prefix (19) ‖ segment*`. Plaintext is cut into
//! 64 KiB segments; the last segment holds the remainder (possibly empty). Each segment's nonce
//! is `prefix ‖ counter (u32 BE) ‖ last-flag`, so segments cannot be reordered, dropped or
//! truncated without detection, and a reader can decrypt segment by segment.

use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, AeadInOut, Payload};

use crate::envelope::{Aad, Dek, KeyId};
use crate::{VaultError, random};

const VERSION: u8 = 1;
const PREFIX_LEN: usize = 19;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + 4 + PREFIX_LEN;
/// Plaintext bytes per segment.
pub const SEGMENT: usize = 64 * 1024;

fn nonce(prefix: &[u8; PREFIX_LEN], counter: u32, last: bool) -> XNonce {
    let mut n = [0u8; 24];
    n[..PREFIX_LEN].copy_from_slice(prefix);
    n[PREFIX_LEN..PREFIX_LEN + 4].copy_from_slice(&counter.to_be_bytes());
    n[23] = u8::from(last);
    XNonce::from(n)
}

fn blob_aad(aad: Aad<'_>, key_id: KeyId) -> Vec<u8> {
    aad.encode_for(b"cb-blob-v1", key_id)
}

/// Encrypts a whole blob.
pub fn seal(dek: &Dek, aad: Aad<'_>, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let prefix = random::bytes::<PREFIX_LEN>()?;
    let ad = blob_aad(aad, dek.key_id());
    let segments = plaintext.len() / SEGMENT + 1;
    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + segments * TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&dek.key_id().0.to_be_bytes());
    out.extend_from_slice(&prefix);
    for i in 0..segments {
        let start = i * SEGMENT;
        let end = (start + SEGMENT).min(plaintext.len());
        let last = i + 1 == segments;
        let counter = u32::try_from(i).map_err(|_| VaultError::Encrypt)?;
        let ct = dek
            .cipher()
            .encrypt(&nonce(&prefix, counter, last), Payload { msg: &plaintext[start..end], aad: &ad })
            .map_err(|_| VaultError::Encrypt)?;
        out.extend_from_slice(&ct);
    }
    Ok(out)
}

/// The key id a sealed blob names.
pub fn key_id(sealed: &[u8]) -> Result<KeyId, VaultError> {
    if sealed.len() < HEADER_LEN {
        return Err(VaultError::Malformed);
    }
    if sealed[0] != VERSION {
        return Err(VaultError::UnknownVersion(sealed[0]));
    }
    let kid: [u8; 4] = sealed[1..5].try_into().map_err(|_| VaultError::Malformed)?;
    Ok(KeyId(u32::from_be_bytes(kid)))
}

/// Decrypts a blob sealed by [`seal`] with the same associated data.
pub fn open(dek: &Dek, aad: Aad<'_>, sealed: &[u8]) -> Result<crate::SecretBytes, VaultError> {
    let kid = key_id(sealed)?;
    if kid != dek.key_id() {
        return Err(VaultError::Decrypt);
    }
    let prefix: [u8; PREFIX_LEN] = sealed[5..HEADER_LEN].try_into().map_err(|_| VaultError::Malformed)?;
    let body = &sealed[HEADER_LEN..];
    let full = SEGMENT + TAG_LEN;
    let tail = body.len() % full;
    if tail < TAG_LEN {
        return Err(VaultError::Malformed);
    }
    let segments = body.len() / full + 1;
    let ad = blob_aad(aad, kid);
    let mut out = crate::SecretBytes::new(Vec::with_capacity(body.len()));
    for i in 0..segments {
        let start = i * full;
        let end = (start + full).min(body.len());
        let last = i + 1 == segments;
        let counter = u32::try_from(i).map_err(|_| VaultError::Malformed)?;
        // Decrypted in place in the output: one copy of the ciphertext, no buffer per segment.
        let (ct, tag) = body[start..end].split_at(end - start - TAG_LEN);
        let tag = chacha20poly1305::Tag::try_from(tag).map_err(|_| VaultError::Malformed)?;
        let at = out.len();
        out.extend_from_slice(ct);
        dek.cipher()
            .decrypt_inout_detached(&nonce(&prefix, counter, last), &ad, (&mut out[at..]).into(), &tag)
            .map_err(|_| VaultError::Decrypt)?;
    }
    Ok(out)
}

/// Bytes of the header of a sealed blob.
pub const HEADER: usize = HEADER_LEN;
/// Bytes of one full sealed segment.
pub const SEALED_SEGMENT: usize = SEGMENT + TAG_LEN;

/// The sealed size of `plaintext_len` bytes.
pub fn sealed_len(plaintext_len: u64) -> u64 {
    let segments = plaintext_len / SEGMENT as u64 + 1;
    HEADER_LEN as u64 + plaintext_len + segments * TAG_LEN as u64
}

/// Seals a blob piece by piece (large exports): feed plaintext with [`Sealer::update`], which
/// returns whole sealed segments as they fill, then [`Sealer::finish`]. The output is exactly
/// what [`seal`] produces for the concatenated input.
pub struct Sealer {
    cipher: chacha20poly1305::XChaCha20Poly1305,
    ad: Vec<u8>,
    prefix: [u8; PREFIX_LEN],
    counter: u32,
    buf: crate::SecretBytes,
}

impl Sealer {
    /// A sealer and the header bytes to write first.
    pub fn new(dek: &Dek, aad: Aad<'_>) -> Result<(Self, Vec<u8>), VaultError> {
        let prefix = random::bytes::<PREFIX_LEN>()?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.push(VERSION);
        header.extend_from_slice(&dek.key_id().0.to_be_bytes());
        header.extend_from_slice(&prefix);
        let s = Sealer {
            cipher: dek.cipher().clone(),
            ad: blob_aad(aad, dek.key_id()),
            prefix,
            counter: 0,
            buf: crate::SecretBytes::new(Vec::with_capacity(2 * SEGMENT)),
        };
        Ok((s, header))
    }

    fn segment(&mut self, pt: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), VaultError> {
        let ct = self
            .cipher
            .encrypt(&nonce(&self.prefix, self.counter, last), Payload { msg: pt, aad: &self.ad })
            .map_err(|_| VaultError::Encrypt)?;
        self.counter = self.counter.checked_add(1).ok_or(VaultError::Encrypt)?;
        out.extend_from_slice(&ct);
        Ok(())
    }

    /// Adds plaintext; appends every segment that is complete to `out`.
    pub fn update(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), VaultError> {
        // As in [`seal`], every full segment is not the last: the last one holds the remainder
        // (possibly empty) and is sealed by `finish`.
        while !data.is_empty() {
            let take = (SEGMENT - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == SEGMENT {
                let full = crate::SecretBytes::new(std::mem::take(&mut *self.buf));
                self.segment(&full, false, out)?;
                self.buf.reserve(SEGMENT);
            }
        }
        Ok(())
    }

    /// Seals what remains as the last segment.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), VaultError> {
        let rest = crate::SecretBytes::new(std::mem::take(&mut *self.buf));
        self.segment(&rest, true, out)
    }
}

/// Opens a sealed blob segment by segment (streaming downloads). A clone opens the same blob
/// (on another thread); the key it holds is wiped when it is dropped.
#[derive(Clone)]
pub struct Opener {
    cipher: chacha20poly1305::XChaCha20Poly1305,
    ad: Vec<u8>,
    prefix: [u8; PREFIX_LEN],
}

impl Opener {
    /// From the first [`HEADER`] bytes of the sealed blob.
    pub fn new(dek: &Dek, aad: Aad<'_>, header: &[u8]) -> Result<Self, VaultError> {
        let kid = key_id(header)?;
        if kid != dek.key_id() || header.len() < HEADER_LEN {
            return Err(VaultError::Decrypt);
        }
        let prefix: [u8; PREFIX_LEN] = header[5..HEADER_LEN].try_into().map_err(|_| VaultError::Malformed)?;
        Ok(Opener { cipher: dek.cipher().clone(), ad: blob_aad(aad, kid), prefix })
    }

    /// The number of segments of a sealed blob of `sealed_len` bytes, or an error when that
    /// length cannot be one.
    pub fn segments(sealed_len: u64) -> Result<u64, VaultError> {
        let body = sealed_len.checked_sub(HEADER_LEN as u64).ok_or(VaultError::Malformed)?;
        if (body % SEALED_SEGMENT as u64) < (TAG_LEN as u64) {
            return Err(VaultError::Malformed);
        }
        Ok(body / SEALED_SEGMENT as u64 + 1)
    }

    /// Opens segment `index` (the `last` one is flagged as such).
    pub fn open(&self, index: u64, last: bool, ct: &[u8]) -> Result<crate::SecretBytes, VaultError> {
        let counter = u32::try_from(index).map_err(|_| VaultError::Malformed)?;
        let pt = self
            .cipher
            .decrypt(&nonce(&self.prefix, counter, last), Payload { msg: ct, aad: &self.ad })
            .map_err(|_| VaultError::Decrypt)?;
        Ok(crate::SecretBytes::new(pt))
    }

    /// Opens segment `index` (the `last` one is flagged as such) from `sealed` (its ciphertext
    /// and tag) into `out`, which must be exactly as long as its plaintext: no buffer of its
    /// own, so a reader can open a batch of segments into one buffer on several threads.
    pub fn open_into(&self, index: u64, last: bool, sealed: &[u8], out: &mut [u8]) -> Result<(), VaultError> {
        let counter = u32::try_from(index).map_err(|_| VaultError::Malformed)?;
        let at = sealed.len().checked_sub(TAG_LEN).ok_or(VaultError::Malformed)?;
        let (ct, tag) = sealed.split_at(at);
        let tag = chacha20poly1305::Tag::try_from(tag).map_err(|_| VaultError::Malformed)?;
        let buf = chacha20poly1305::aead::inout::InOutBuf::new(ct, out).map_err(|_| VaultError::Malformed)?;
        self.cipher.decrypt_inout_detached(&nonce(&self.prefix, counter, last), &self.ad, buf, &tag).map_err(|_| VaultError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aad() -> Aad<'static> {
        Aad { table: "blobs", column: "picture", row: "b1" }
    }

    #[test]
    fn round_trips_at_segment_boundaries() {
        let dek = Dek::generate(KeyId(2)).unwrap();
        for len in [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 3 * SEGMENT + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let sealed = seal(&dek, aad(), &data).unwrap();
            assert_eq!(&*open(&dek, aad(), &sealed).unwrap(), &data, "len {len}");
            assert_eq!(key_id(&sealed).unwrap(), KeyId(2));
        }
    }

    #[test]
    fn a_segment_opens_into_a_buffer_of_its_length_and_a_wrong_one_is_refused() {
        let dek = Dek::generate(KeyId(4)).unwrap();
        let data: Vec<u8> = (0..SEGMENT + 9).map(|i| (i % 247) as u8).collect();
        let sealed = seal(&dek, aad(), &data).unwrap();
        let opener = Opener::new(&dek, aad(), &sealed[..HEADER]).unwrap();
        let body = &sealed[HEADER..];
        let mut out = vec![0u8; SEGMENT];
        opener.open_into(0, false, &body[..SEALED_SEGMENT], &mut out).unwrap();
        assert_eq!(out, data[..SEGMENT]);
        let mut tail = vec![0u8; 9];
        opener.open_into(1, true, &body[SEALED_SEGMENT..], &mut tail).unwrap();
        assert_eq!(tail, data[SEGMENT..]);
        // The wrong position, the wrong last flag, a flipped byte, a short buffer: refused.
        assert!(opener.open_into(1, false, &body[SEALED_SEGMENT..], &mut tail).is_err());
        assert!(opener.open_into(0, true, &body[..SEALED_SEGMENT], &mut out).is_err());
        let mut bad = body[SEALED_SEGMENT..].to_vec();
        bad[0] ^= 1;
        assert!(opener.open_into(1, true, &bad, &mut tail).is_err());
        assert!(opener.open_into(1, true, &body[SEALED_SEGMENT..], &mut [0u8; 8]).is_err());
        assert!(opener.open_into(1, true, &body[..8], &mut []).is_err());
    }

    #[test]
    fn incremental_sealing_matches_and_opens_segment_by_segment() {
        let dek = Dek::generate(KeyId(3)).unwrap();
        for len in [0, 5, SEGMENT, SEGMENT + 1, 2 * SEGMENT, 3 * SEGMENT + 9] {
            let data: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            for piece in [1usize, 7, 4096, SEGMENT, SEGMENT + 3] {
                let (mut s, mut out) = Sealer::new(&dek, aad()).unwrap();
                for chunk in data.chunks(piece) {
                    s.update(chunk, &mut out).unwrap();
                }
                s.finish(&mut out).unwrap();
                assert_eq!(out.len() as u64, sealed_len(len as u64));
                assert_eq!(&*open(&dek, aad(), &out).unwrap(), &data, "len {len} piece {piece}");
                let o = Opener::new(&dek, aad(), &out[..HEADER]).unwrap();
                let n = Opener::segments(out.len() as u64).unwrap();
                let mut back = Vec::new();
                for i in 0..n {
                    let start = HEADER + i as usize * SEALED_SEGMENT;
                    let end = (start + SEALED_SEGMENT).min(out.len());
                    back.extend_from_slice(&o.open(i, i + 1 == n, &out[start..end]).unwrap());
                }
                assert_eq!(back, data);
            }
        }
    }

    #[test]
    fn truncation_reordering_and_context_are_detected() {
        let dek = Dek::generate(KeyId(2)).unwrap();
        let data = vec![42u8; 2 * SEGMENT + 100];
        let sealed = seal(&dek, aad(), &data).unwrap();
        // Drop the last segment: the new last segment was not flagged last.
        let cut = HEADER_LEN + 2 * (SEGMENT + TAG_LEN);
        assert!(open(&dek, aad(), &sealed[..cut]).is_err());
        // Swap the first two segments.
        let mut swapped = sealed.clone();
        let (a, b) = (HEADER_LEN, HEADER_LEN + SEGMENT + TAG_LEN);
        let first = sealed[a..b].to_vec();
        let second = sealed[b..b + SEGMENT + TAG_LEN].to_vec();
        swapped[a..b].copy_from_slice(&second);
        swapped[b..b + SEGMENT + TAG_LEN].copy_from_slice(&first);
        assert!(open(&dek, aad(), &swapped).is_err());
        let other = Aad { table: "blobs", column: "picture", row: "b2" };
        assert!(open(&dek, other, &sealed).is_err());
        assert!(open(&dek, aad(), &sealed[..3]).is_err());
    }
}
