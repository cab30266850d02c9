//! Reading sealed blobs as streams through the `BlobStore` port (issue 21): the sealed length
//! of a blob without reading it when the store keeps a local file, and a blob's plaintext as a
//! `Read` opened a batch of 64 KiB segments at a time on both cores, so a download holds 2 MiB
//! of a media file in clear, not the file. A store without local files (S3) answers through `get`.
//!
//! It must not write plaintext anywhere; errors say what failed, never what a blob holds.

use std::io::Read;
use std::sync::Arc;

use clearboard_vault::stream::{self, Opener};
use clearboard_vault::{Aad, Dek};

use crate::platform::error::CoreError;
use crate::platform::ids::BlobId;
use crate::platform::ports::BlobStore;

/// The plaintext length of a sealed blob of `sealed` bytes.
pub(super) fn plain_len(sealed: u64) -> Result<u64, CoreError> {
    let segments = Opener::segments(sealed)?;
    let tags = segments * (stream::SEALED_SEGMENT - stream::SEGMENT) as u64;
    Ok(sealed - stream::HEADER as u64 - tags)
}

/// The sealed length of a blob, `None` when it is gone.
pub(super) async fn sealed_len(blobs: &dyn BlobStore, id: &BlobId) -> Result<Option<u64>, CoreError> {
    if let Some(p) = blobs.local_path(id) {
        return match tokio::fs::metadata(&p).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(_) => Err(CoreError::Internal("a blob could not be read")),
        };
    }
    Ok(blobs.get(id).await?.map(|b| b.len() as u64))
}

/// A sealed blob's bytes, and its length.
type Source = (Box<dyn Read + Send>, u64);

/// A sealed blob's bytes and length. Blocking (run it on the blocking pool).
fn sealed_source(blobs: &Arc<dyn BlobStore>, id: &BlobId) -> Result<Option<Source>, CoreError> {
    if let Some(p) = blobs.local_path(id) {
        return match std::fs::File::open(&p) {
            Ok(f) => {
                let len = f.metadata().map_err(|_| CoreError::Internal("a blob could not be read"))?.len();
                Ok(Some((Box::new(f), len)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(_) => Err(CoreError::Internal("a blob could not be read")),
        };
    }
    let got = tokio::runtime::Handle::current().block_on(blobs.get(id))?;
    Ok(got.map(|b| {
        let len = b.len() as u64;
        (Box::new(std::io::Cursor::new(b)) as Box<dyn Read + Send>, len) as Source
    }))
}

/// Segments read and opened at once, split over two threads (the machine's two cores: a
/// download opens as fast as both can).
const BATCH: usize = 32;

/// A sealed blob's plaintext, opened [`BATCH`] segments at a time as it is read.
pub(super) struct OpenRead {
    src: Box<dyn Read + Send>,
    opener: Opener,
    segments: u64,
    next: u64,
    left: u64,
    sealed: Vec<u8>,
    plain: clearboard_vault::SecretBytes,
    pos: usize,
    /// The plaintext length.
    pub len: u64,
}

impl OpenRead {
    /// Opens blob `id` sealed with `dek` under `aad`; `None` when it is gone. Blocking.
    pub fn open(blobs: &Arc<dyn BlobStore>, id: &BlobId, dek: &Dek, aad: Aad<'_>) -> Result<Option<Self>, CoreError> {
        let Some((mut src, sealed_len)) = sealed_source(blobs, id)? else { return Ok(None) };
        let mut header = [0u8; stream::HEADER];
        src.read_exact(&mut header).map_err(|_| CoreError::Internal("a blob could not be read"))?;
        let opener = Opener::new(dek, aad, &header)?;
        Ok(Some(OpenRead {
            src,
            opener,
            segments: Opener::segments(sealed_len)?,
            next: 0,
            left: sealed_len - stream::HEADER as u64,
            sealed: Vec::new(),
            plain: clearboard_vault::SecretBytes::default(),
            pos: 0,
            len: plain_len(sealed_len)?,
        }))
    }

    /// Reads and opens the next batch of segments.
    fn fill(&mut self) -> std::io::Result<()> {
        let want = usize::try_from(self.left.min((BATCH * stream::SEALED_SEGMENT) as u64)).map_err(std::io::Error::other)?;
        self.sealed.resize(want, 0);
        self.src.read_exact(&mut self.sealed)?;
        self.left -= want as u64;
        let (first, total, opener) = (self.next, self.segments, &self.opener);
        let chunks: Vec<&[u8]> = self.sealed.chunks(stream::SEALED_SEGMENT).collect();
        let open = |from: usize, to: usize| -> Result<Vec<clearboard_vault::SecretBytes>, std::io::Error> {
            (from..to)
                .map(|k| {
                    let i = first + k as u64;
                    opener.open(i, i + 1 == total, chunks[k]).map_err(|_| std::io::Error::other("a blob does not open"))
                })
                .collect()
        };
        let n = chunks.len();
        let (a, b) = if n >= 4 {
            std::thread::scope(|s| {
                let other = s.spawn(|| open(n / 2, n));
                let mine = open(0, n / 2);
                (mine, other.join().unwrap_or_else(|_| Err(std::io::Error::other("a blob does not open"))))
            })
        } else {
            (open(0, n), Ok(Vec::new()))
        };
        self.plain.clear();
        for p in a?.iter().chain(b?.iter()) {
            self.plain.extend_from_slice(p);
        }
        self.next += n as u64;
        self.pos = 0;
        Ok(())
    }
}

impl Read for OpenRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.next >= self.segments {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = (self.plain.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearboard_vault::KeyId;

    #[test]
    fn opens_what_was_sealed_at_every_length_around_segment_and_batch_edges() {
        let dek = Dek::generate(KeyId(1)).unwrap();
        let aad = Aad { table: "blobs", column: "card_media", row: "x" };
        let seg = stream::SEGMENT;
        for len in [0, 1, seg - 1, seg, seg + 1, 3 * seg, BATCH * seg, BATCH * seg + 5, 2 * BATCH * seg + seg] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let sealed = stream::seal(&dek, aad, &plain).unwrap();
            assert_eq!(plain_len(sealed.len() as u64).unwrap(), len as u64);
            let mut src = std::io::Cursor::new(sealed.clone());
            let mut header = [0u8; stream::HEADER];
            src.read_exact(&mut header).unwrap();
            let mut r = OpenRead {
                src: Box::new(src),
                opener: Opener::new(&dek, aad, &header).unwrap(),
                segments: Opener::segments(sealed.len() as u64).unwrap(),
                next: 0,
                left: sealed.len() as u64 - stream::HEADER as u64,
                sealed: Vec::new(),
                plain: clearboard_vault::SecretBytes::default(),
                pos: 0,
                len: len as u64,
            };
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert!(out == plain, "length {len}");
        }
    }
}
