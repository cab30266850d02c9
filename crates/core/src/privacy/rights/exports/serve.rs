//! Streaming an export's ZIP at download time (issue 21): the sealed manifest is opened
//! segment by segment, its text files copied into the archive as they were deflated at build
//! time, and each card's media file opened from its sealed blob as it is sent (one decryption,
//! no copy, nothing re-sealed, nothing written to disk). The archive's length was computed at
//! build time; what is sent matches it byte for byte, or the download stops with an error.
//!
//! The archive is never whole in memory: one batch of segments of the manifest or of a media
//! file (2 MiB, opened on both cores), and one send buffer, at a time.

use std::io::{Read, Write};
use std::sync::Arc;

use clearboard_vault::{Aad, Dek};
use zeroize::Zeroizing;

use super::archive::{CARD_MEDIA, Index};
use super::jobs::export_aad;
use super::sealed_read::OpenRead;
use super::zipwrite::{ZipOut, dos_time};
use crate::platform::ids::BlobId;
use crate::platform::ports::BlobStore;

/// What is sent to the client at once.
const CHUNK: usize = 256 * 1024;
/// The manifest's index is small (a line per file); anything larger is not one.
const INDEX_MAX: usize = 64 << 20;

/// An open download: the sealed manifest and the key that opens it and the media. The key
/// never leaves core: the archive is read in clear only through [`Download::stream_plaintext`].
pub struct Download {
    pub(super) blobs: Arc<dyn BlobStore>,
    pub(super) manifest: BlobId,
    pub(super) dek: Dek,
    pub plain_len: u64,
    pub file_name: String,
}

/// Hands what is written to `send` in chunks; `send` returning `false` (the client went away)
/// stops the writing.
struct Chunks<F> {
    buf: clearboard_vault::SecretBytes,
    send: F,
    gone: bool,
}

impl<F: FnMut(&[u8]) -> bool> Chunks<F> {
    fn push(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            if !(self.send)(&self.buf) {
                self.gone = true;
                return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"));
            }
            self.buf.clear();
        }
        Ok(())
    }
}

impl<F: FnMut(&[u8]) -> bool> Write for Chunks<F> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let n = b.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&b[..n]);
        if self.buf.len() == CHUNK {
            self.push()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.push()
    }
}

fn copy_exact(
    from: &mut impl Read,
    n: u64,
    z: &mut ZipOut<impl Write>,
    crc: &mut crc32fast::Hasher,
    buf: &mut [u8],
) -> Result<(), &'static str> {
    let mut left = n;
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let got = from.read(&mut buf[..want]).map_err(|_| "export unreadable")?;
        if got == 0 {
            return Err("export truncated");
        }
        crc.update(&buf[..got]);
        z.data(&buf[..got]).map_err(|_| "client gone")?;
        left -= got as u64;
    }
    Ok(())
}

impl Download {
    /// Streams the archive to `send`, chunk by chunk, opening the manifest and each media
    /// file as it goes. Blocking: run it on the blocking pool. Stops early, without error,
    /// when `send` returns `false` (the client went away). The error says what failed, never
    /// what the archive holds.
    pub fn stream_plaintext(self, send: impl FnMut(&[u8]) -> bool) -> Result<(), &'static str> {
        let mut out = Chunks { buf: clearboard_vault::SecretBytes::new(Vec::with_capacity(CHUNK)), send, gone: false };
        match self.write_to(&mut out) {
            Ok(()) => out.push().or(Ok(())),
            Err(_) if out.gone => Ok(()),
            Err(why) => Err(why),
        }
    }

    fn write_to(&self, out: &mut impl Write) -> Result<(), &'static str> {
        let mut manifest = OpenRead::open(&self.blobs, &self.manifest, &self.dek, export_aad(&self.manifest))
            .map_err(|_| "export does not decrypt")?
            .ok_or("export missing")?;
        let mut len = [0u8; 4];
        manifest.read_exact(&mut len).map_err(|_| "export unreadable")?;
        let len = usize::try_from(u32::from_le_bytes(len)).unwrap_or(usize::MAX);
        if len > INDEX_MAX {
            return Err("malformed export");
        }
        let mut raw = Zeroizing::new(vec![0u8; len]);
        manifest.read_exact(&mut raw).map_err(|_| "export unreadable")?;
        let index: Index = serde_json::from_slice(&raw).map_err(|_| "malformed export")?;
        drop(raw);
        let mut z = ZipOut::new(out, dos_time(index.generated));
        let mut buf = Zeroizing::new(vec![0u8; 64 * 1024]);
        for item in &index.items {
            let h = item.head();
            z.begin(&h).map_err(|_| "client gone")?;
            let mut crc = crc32fast::Hasher::new();
            match &item.blob {
                None => copy_exact(&mut manifest, item.packed, &mut z, &mut crc, &mut buf)?,
                Some(id) => {
                    let id = BlobId::parse(id).ok_or("malformed export")?;
                    let aad = Aad { table: "blobs", column: CARD_MEDIA, row: id.as_str() };
                    let mut media = OpenRead::open(&self.blobs, &id, &self.dek, aad)
                        .map_err(|_| "a media file does not decrypt")?
                        .ok_or("a media file was deleted since the export was made")?;
                    if media.len != item.size {
                        return Err("a media file changed since the export was made");
                    }
                    copy_exact(&mut media, item.size, &mut z, &mut crc, &mut buf)?;
                }
            }
            // The text files' checksums were taken at build time over their plaintext.
            let crc = if item.blob.is_some() { crc.finalize() } else { item.crc.unwrap_or(0) };
            z.end(&h, crc).map_err(|_| "client gone")?;
        }
        z.finish().map_err(|_| "client gone")?;
        Ok(())
    }
}
