//! Streaming an export's ZIP at download time (issue 21): the sealed manifest is opened
//! segment by segment, its text files copied into the archive as they were deflated at build
//! time, and each card's media file opened from its sealed blob as it is sent (one decryption,
//! no copy, nothing re-sealed, nothing written to disk). The archive's length was computed at
//! build time; what is sent matches it byte for byte, or the download stops with an error.
//!
//! The archive is never whole in memory: in clear, one batch of opened segments of the manifest
//! or of a media file (2 MiB, opened on both cores, each segment's CRC-32 taken as it is
//! opened), the halves of the next batches opened ahead of it, and one send buffer; ahead of
//! them, a few batches of sealed bytes of the current and the next media file, read from disk
//! while the cores open (issue 21).

use std::io::{BufRead, Read, Write};
use std::sync::Arc;

use clearboard_vault::{Aad, Dek};
use zeroize::Zeroizing;

use super::archive::{CARD_MEDIA, Index};
use super::jobs::export_aad;
use super::sealed_read::{Cache, OpenRead};
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
                return Err(self.went_away());
            }
            self.buf.clear();
        }
        Ok(())
    }

    /// The client went away: the writing stops.
    fn went_away(&mut self) -> std::io::Error {
        self.gone = true;
        std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone")
    }
}

impl<F: FnMut(&[u8]) -> bool> Write for Chunks<F> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        // A whole chunk of a batch of opened media goes out as it is, without a copy into the
        // buffer, when the buffer is empty.
        if self.buf.is_empty() && b.len() >= CHUNK {
            if !(self.send)(&b[..CHUNK]) {
                return Err(self.went_away());
            }
            return Ok(CHUNK);
        }
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

/// Copies the next `n` bytes of `from` into the archive, straight from its buffer.
fn copy_exact(from: &mut impl BufRead, n: u64, z: &mut ZipOut<impl Write>) -> Result<(), &'static str> {
    let mut left = n;
    while left > 0 {
        let got = from.fill_buf().map_err(|_| "export unreadable")?;
        if got.is_empty() {
            return Err("export truncated");
        }
        let take = usize::try_from(left).unwrap_or(usize::MAX).min(got.len());
        z.data(&got[..take]).map_err(|_| "client gone")?;
        from.consume(take);
        left -= take as u64;
    }
    Ok(())
}

impl Download {
    /// Media file `id` of the archive, opened (and, from a local file, read ahead). Blocking.
    fn open_media(&self, id: &str) -> Result<OpenRead, &'static str> {
        let id = BlobId::parse(id).ok_or("malformed export")?;
        let aad = Aad { table: "blobs", column: CARD_MEDIA, row: id.as_str() };
        OpenRead::open(&self.blobs, &id, &self.dek, aad, Cache::Bypass)
            .map_err(|_| "a media file does not decrypt")?
            .ok_or("a media file was deleted since the export was made")
    }

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
        // Written when the export was built, moments before: likely still in memory.
        let mut manifest = OpenRead::open(&self.blobs, &self.manifest, &self.dek, export_aad(&self.manifest), Cache::Use)
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
        // The next media file is opened (and starts being read from disk) while the current one
        // is sent.
        let media_after = |i: usize| index.items.iter().enumerate().skip(i + 1).find_map(|(j, it)| Some((j, it.blob.as_deref()?)));
        let mut ahead = None;
        for (i, item) in index.items.iter().enumerate() {
            let h = item.head();
            z.begin(&h).map_err(|_| "client gone")?;
            let crc = match &item.blob {
                // The text files' checksums were taken at build time over their plaintext.
                None => {
                    copy_exact(&mut manifest, item.packed, &mut z)?;
                    item.crc.unwrap_or(0)
                }
                Some(id) => {
                    let opened = match ahead.take() {
                        Some((j, opened)) if j == i => opened,
                        _ => self.open_media(id),
                    };
                    ahead = media_after(i).map(|(j, next)| (j, self.open_media(next)));
                    let mut media = opened?;
                    if media.len != item.size {
                        return Err("a media file changed since the export was made");
                    }
                    copy_exact(&mut media, item.size, &mut z)?;
                    media.crc()
                }
            };
            z.end(&h, crc).map_err(|_| "client gone")?;
        }
        z.finish().map_err(|_| "client gone")?;
        Ok(())
    }
}
