//! Reading sealed blobs as streams through the `BlobStore` port (issue 21): the sealed length
//! of a blob without reading it when the store keeps a local file, and a blob's plaintext as a
//! `BufRead` opened a batch of 64 KiB segments at a time on both cores, so a download holds a
//! few MiB of a media file in clear (the batch being sent and the halves opened ahead of it),
//! not the file; a local file's sealed bytes are read ahead while the cores open (a card's media
//! past the page cache, on two threads, where the file system allows it: `file_read`). A store
//! without local files (S3) answers through `get`.
//!
//! It must not write plaintext anywhere; errors say what failed, never what a blob holds.

use std::io::{BufRead, Read};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use clearboard_vault::stream::{self, Opener};
use clearboard_vault::{Aad, Dek};

use super::file_read::{FileReader, through_cache};

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

/// A batch of sealed segments, the last `opened` of them already opened into `tail` (by the
/// opening thread), with the CRC-32 of what they hold.
#[derive(Default)]
struct Batch {
    /// The buffer the sealed bytes were read into: they are `buf[at..at + len]` (a read that
    /// passes by the page cache lands at an aligned address, from an aligned offset).
    buf: Vec<u8>,
    at: usize,
    len: usize,
    tail: clearboard_vault::SecretBytes,
    opened: usize,
    tail_crc: crc32fast::Hasher,
}

impl Batch {
    /// The batch's sealed segments.
    fn segments(&self) -> std::slice::Chunks<'_, u8> {
        self.buf[self.at..self.at + self.len].chunks(stream::SEALED_SEGMENT)
    }

    /// Room for `len` sealed bytes at the start of the buffer.
    fn room(&mut self, len: usize) -> &mut [u8] {
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        (self.at, self.len) = (0, len);
        &mut self.buf[..len]
    }
}

/// Where a blob's sealed bytes come from.
enum Source {
    /// A local file read ahead by threads of its own, a share of each batch opened by another:
    /// batches exactly as long as [`OpenRead::fill`] takes, with a way to hand their buffers back.
    Ahead { batches: Receiver<std::io::Result<Batch>>, spent: SyncSender<Batch> },
    /// Anything else (a store without local files), read as it is opened.
    Direct(Box<dyn Read + Send>),
}

/// Batches read (and partly opened) ahead of the opening, per file: the disk reads the next
/// batches while the cores open the current one (cold, reading and opening one after the other
/// cost the sum of both; issue 21).
const AHEAD: usize = 2;

/// Bytes of one batch of sealed segments.
const BATCH_BYTES: u64 = (BATCH * stream::SEALED_SEGMENT) as u64;

fn does_not_open() -> std::io::Error {
    std::io::Error::other("a blob does not open")
}

/// The plaintext length of sealed segments.
fn opened_len(chunks: &[&[u8]]) -> usize {
    chunks.iter().map(|c| c.len().saturating_sub(stream::SEALED_SEGMENT - stream::SEGMENT)).sum()
}

/// Opens the opening thread's share of a batch (`first` is the segment its `sealed` bytes
/// start at, of a blob of `total`): the last half of its segments.
fn open_share(opener: &Opener, first: u64, total: u64, mut b: Batch) -> std::io::Result<Batch> {
    let mut tail = std::mem::take(&mut b.tail);
    let chunks: Vec<&[u8]> = b.segments().collect();
    let n = chunks.len();
    let opened = if n >= 4 { n / 2 } else { 0 };
    let len = opened_len(&chunks[n - opened..]);
    // Truncated or grown within the capacity it was made with: no plaintext left behind in a
    // freed buffer.
    if tail.capacity() < len {
        tail = clearboard_vault::SecretBytes::new(Vec::with_capacity(BATCH * stream::SEGMENT));
    }
    tail.resize(len, 0);
    let opening = open_run(opener, first + (n - opened) as u64, total, &chunks[n - opened..], &mut tail);
    (b.tail, b.opened) = (tail, opened);
    b.tail_crc = opening?;
    Ok(b)
}

/// A reader thread's work: batches `k`, `k + stride`, `k + 2 × stride`, … of the file (up to
/// offset `end`), each read into a buffer handed back (`recycled`) when there is one, sent to
/// `to_open` in order; stops after the first error, or when no one takes them any more.
fn read_batches(
    r: &mut FileReader,
    k: u64,
    stride: u64,
    end: u64,
    recycled: &std::sync::Mutex<Receiver<Batch>>,
    to_open: &SyncSender<std::io::Result<Batch>>,
) {
    let mut at = stream::HEADER as u64 + k * BATCH_BYTES;
    while at < end {
        let want = usize::try_from((end - at).min(BATCH_BYTES)).unwrap_or(0);
        let mut b = recycled.lock().ok().and_then(|r| r.try_recv().ok()).unwrap_or_default();
        let batch = r.read(&mut b.buf, at, want, end).map(|from| {
            (b.at, b.len) = (from, want);
            b
        });
        let failed = batch.is_err();
        if to_open.send(batch).is_err() || failed {
            return;
        }
        at += stride * BATCH_BYTES;
    }
}

impl Source {
    /// Reads `left` bytes of `file` after its header on threads of their own (which only read,
    /// so the disk is never kept waiting: two, every other batch each, when the file is read past
    /// the page cache), and opens the last half of each batch on another with `opener` (the
    /// blob has `total` segments); directly when no thread can be started.
    fn read_ahead(file: std::fs::File, cache: Cache, left: u64, opener: &Opener, total: u64) -> Self {
        // The download's own way into the file, should no thread start.
        let spare = file.try_clone();
        let first = match cache {
            Cache::Bypass => FileReader::new(file),
            Cache::Use => FileReader::buffered(file),
        };
        // Two readers past the page cache (every other batch each); one through it.
        let second = if first.direct && left > BATCH_BYTES { first.another() } else { None };
        let readers: Vec<FileReader> = std::iter::once(first).chain(second).collect();
        let stride = readers.len() as u64;
        let (spent, recycled) = sync_channel::<Batch>(2 * AHEAD + 2);
        let recycled = Arc::new(std::sync::Mutex::new(recycled));
        let (mut reads, mut started) = (Vec::new(), Vec::new());
        for (k, mut r) in readers.into_iter().enumerate() {
            let (to_open, read) = sync_channel::<std::io::Result<Batch>>(AHEAD.div_ceil(stride as usize));
            let recycled = Arc::clone(&recycled);
            let end = stream::HEADER as u64 + left;
            let body = move || read_batches(&mut r, k as u64, stride, end, &recycled, &to_open);
            started.push(std::thread::Builder::new().name("cb-read-ahead".into()).spawn(body).is_ok());
            reads.push(read);
        }
        let (tx, batches) = sync_channel(AHEAD);
        let opener = opener.clone();
        let opening = std::thread::Builder::new().name("cb-open-ahead".into()).spawn(move || {
            // The batches in order, from each reader in turn; a reader that has no more ends it.
            let mut first = 0u64;
            for read in reads.iter().cycle() {
                let Ok(batch) = read.recv() else { return };
                let segments = batch.as_ref().map_or(0, |b| b.len.div_ceil(stream::SEALED_SEGMENT)) as u64;
                let batch = batch.and_then(|b| open_share(&opener, first, total, b));
                let failed = batch.is_err();
                if tx.send(batch).is_err() || failed {
                    return;
                }
                first += segments;
            }
        });
        if opening.is_ok() && started.iter().all(|s| *s) {
            return Source::Ahead { batches, spent };
        }
        // No thread for it (those that started stop as they find no one to hand their batches
        // to): the download reads the file itself, through the page cache.
        match spare {
            Ok(file) if through_cache(&file).is_ok() => Source::Direct(Box::new(file)),
            _ => Source::Direct(Box::new(std::io::empty())),
        }
    }

    /// The next batch of `want` sealed bytes; `done` is the one before it, whose buffers are
    /// used again.
    fn next(&mut self, want: usize, mut done: Batch) -> std::io::Result<Batch> {
        match self {
            Source::Direct(r) => {
                r.read_exact(done.room(want))?;
                (done.opened, done.tail_crc) = (0, crc32fast::Hasher::new());
                done.tail.clear();
                Ok(done)
            }
            Source::Ahead { batches, spent } => {
                let _ = spent.try_send(done);
                let got = batches.recv().map_err(|_| std::io::Error::other("a blob could not be read"))??;
                if got.len != want {
                    return Err(std::io::Error::other("a blob could not be read"));
                }
                Ok(got)
            }
        }
    }
}

/// Whether a local file is read through the page cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cache {
    /// Through it: a file just written, likely still in memory (an export's manifest).
    Use,
    /// Past it where the file system allows (`O_DIRECT`): a file read once, rarely in memory
    /// when it is asked for (a card's media, uploaded long before its owner's export).
    Bypass,
}

/// Where a blob's sealed bytes are: a local file (just after its header) or other bytes.
enum Sealed {
    File(std::fs::File, Cache),
    Other(Box<dyn Read + Send>),
}

/// A sealed blob's remaining bytes, its header and its length. Blocking (run it on the
/// blocking pool).
fn sealed_source(blobs: &Arc<dyn BlobStore>, id: &BlobId, cache: Cache) -> Result<Option<(Sealed, [u8; stream::HEADER], u64)>, CoreError> {
    let unreadable = |_| CoreError::Internal("a blob could not be read");
    let mut header = [0u8; stream::HEADER];
    if let Some(p) = blobs.local_path(id) {
        return match std::fs::File::open(&p) {
            Ok(mut f) => {
                let len = f.metadata().map_err(unreadable)?.len();
                f.read_exact(&mut header).map_err(unreadable)?;
                Ok(Some((Sealed::File(f, cache), header, len)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(_) => Err(CoreError::Internal("a blob could not be read")),
        };
    }
    let Some(b) = tokio::runtime::Handle::current().block_on(blobs.get(id))? else { return Ok(None) };
    let len = b.len() as u64;
    let mut r = std::io::Cursor::new(b);
    r.read_exact(&mut header).map_err(unreadable)?;
    Ok(Some((Sealed::Other(Box::new(r)), header, len)))
}

/// Segments read and opened at once, split over two threads (the machine's two cores: a
/// download opens as fast as both can).
const BATCH: usize = 32;

/// A sealed blob's plaintext, opened [`BATCH`] segments at a time as it is read, its CRC-32
/// taken as each segment is opened (while it is still in the core's cache). Read from a local
/// file, threads of their own read ahead and another opens the last half of each batch while
/// this opens the first half of the one before; otherwise each batch is opened on two threads.
pub(super) struct OpenRead {
    src: Source,
    opener: Opener,
    segments: u64,
    next: u64,
    left: u64,
    /// The current batch (its opened tail is read after `plain`).
    batch: Batch,
    /// The current batch's first segments, opened here.
    plain: clearboard_vault::SecretBytes,
    pos: usize,
    crc: crc32fast::Hasher,
    /// The plaintext length.
    pub len: u64,
}

/// Opens `chunks` (sealed segments `first`, `first + 1`, …, of a blob of `total`) into `out`,
/// one after the other, and returns the CRC-32 of what they hold.
fn open_run(opener: &Opener, first: u64, total: u64, chunks: &[&[u8]], out: &mut [u8]) -> std::io::Result<crc32fast::Hasher> {
    let mut crc = crc32fast::Hasher::new();
    let mut at = 0;
    for (k, c) in chunks.iter().enumerate() {
        let i = first + k as u64;
        let n = c.len().saturating_sub(stream::SEALED_SEGMENT - stream::SEGMENT);
        let into = out.get_mut(at..at + n).ok_or_else(does_not_open)?;
        opener.open_into(i, i + 1 == total, c, into).map_err(|_| does_not_open())?;
        crc.update(into);
        at += n;
    }
    Ok(crc)
}

impl OpenRead {
    /// Opens blob `id` sealed with `dek` under `aad`; `None` when it is gone. Blocking. A blob
    /// in a local file starts being read ahead at once, through the page cache or not (`cache`).
    pub fn open(blobs: &Arc<dyn BlobStore>, id: &BlobId, dek: &Dek, aad: Aad<'_>, cache: Cache) -> Result<Option<Self>, CoreError> {
        let Some((sealed, header, sealed_len)) = sealed_source(blobs, id, cache)? else { return Ok(None) };
        Self::from_sealed(sealed, &header, sealed_len, dek, aad).map(Some)
    }

    fn from_sealed(sealed: Sealed, header: &[u8], sealed_len: u64, dek: &Dek, aad: Aad<'_>) -> Result<Self, CoreError> {
        let opener = Opener::new(dek, aad, header)?;
        let (segments, left) = (Opener::segments(sealed_len)?, sealed_len - stream::HEADER as u64);
        let src = match sealed {
            Sealed::File(f, cache) => Source::read_ahead(f, cache, left, &opener, segments),
            Sealed::Other(r) => Source::Direct(r),
        };
        Ok(OpenRead {
            src,
            opener,
            segments,
            next: 0,
            left,
            batch: Batch::default(),
            plain: clearboard_vault::SecretBytes::new(Vec::with_capacity(BATCH * stream::SEGMENT)),
            pos: 0,
            crc: crc32fast::Hasher::new(),
            len: plain_len(sealed_len)?,
        })
    }

    /// The CRC-32 of the plaintext opened so far (of the whole blob once it is read to its end).
    pub fn crc(&self) -> u32 {
        self.crc.clone().finalize()
    }

    /// Reads the next batch and opens what the opening thread has not.
    fn fill(&mut self) -> std::io::Result<()> {
        let want = usize::try_from(self.left.min(BATCH_BYTES)).map_err(std::io::Error::other)?;
        self.batch = self.src.next(want, std::mem::take(&mut self.batch))?;
        self.left -= want as u64;
        let (first, total, opener) = (self.next, self.segments, &self.opener);
        let chunks: Vec<&[u8]> = self.batch.segments().collect();
        let n = chunks.len();
        let chunks = &chunks[..n - self.batch.opened];
        let len = opened_len(chunks);
        // Truncated, never grown past the capacity it was made with: no plaintext left behind
        // in a freed buffer.
        if self.plain.len() != len {
            self.plain.resize(len, 0);
        }
        let (a, b) = if self.batch.opened > 0 {
            (open_run(opener, first, total, chunks, &mut self.plain), Ok(crc32fast::Hasher::new()))
        } else {
            // Only a blob's last segment is short, so the first half of a batch is whole segments.
            let half = if chunks.len() >= 4 { chunks.len() / 2 } else { 0 };
            let (lo, hi) = self.plain.split_at_mut((half * stream::SEGMENT).min(len));
            if half > 0 {
                std::thread::scope(|s| {
                    let other = s.spawn(|| open_run(opener, first + half as u64, total, &chunks[half..], hi));
                    let mine = open_run(opener, first, total, &chunks[..half], lo);
                    (mine, other.join().unwrap_or_else(|_| Err(does_not_open())))
                })
            } else {
                (open_run(opener, first, total, chunks, hi), Ok(crc32fast::Hasher::new()))
            }
        };
        self.crc.combine(&a?);
        self.crc.combine(&b?);
        self.crc.combine(&self.batch.tail_crc);
        self.next += n as u64;
        self.pos = 0;
        Ok(())
    }
}

impl BufRead for OpenRead {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.pos == self.plain.len() + self.batch.tail.len() {
            if self.next >= self.segments {
                return Ok(&[]);
            }
            self.fill()?;
        }
        match self.pos.checked_sub(self.plain.len()) {
            None => Ok(&self.plain[self.pos..]),
            Some(at) => Ok(&self.batch.tail[at..]),
        }
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.plain.len() + self.batch.tail.len());
    }
}

impl Read for OpenRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let got = self.fill_buf()?;
        let n = got.len().min(buf.len());
        buf[..n].copy_from_slice(&got[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearboard_vault::KeyId;

    /// `sealed` in a file of its own in the system's temporary folder, opened after its header.
    fn file_of(sealed: &[u8], name: &str) -> (std::path::PathBuf, std::fs::File) {
        let p = std::env::temp_dir().join(format!("cb-sealed-read-{}-{name}", std::process::id()));
        std::fs::write(&p, sealed).unwrap();
        let f = after_header(&p);
        (p, f)
    }

    /// The file at `p`, opened after its header.
    fn after_header(p: &std::path::Path) -> std::fs::File {
        let mut f = std::fs::File::open(p).unwrap();
        f.read_exact(&mut [0u8; stream::HEADER]).unwrap();
        f
    }

    #[test]
    fn opens_what_was_sealed_at_every_length_around_segment_and_batch_edges_read_ahead_or_not() {
        let dek = Dek::generate(KeyId(1)).unwrap();
        let aad = Aad { table: "blobs", column: "card_media", row: "x" };
        let seg = stream::SEGMENT;
        for len in [0, 1, seg - 1, seg, seg + 1, 3 * seg, 4 * seg + 3, BATCH * seg, BATCH * seg + 5, 2 * BATCH * seg + seg] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let sealed = stream::seal(&dek, aad, &plain).unwrap();
            assert_eq!(plain_len(sealed.len() as u64).unwrap(), len as u64);
            let (path, file) = file_of(&sealed, &len.to_string());
            let direct = Sealed::Other(Box::new(std::io::Cursor::new(sealed[stream::HEADER..].to_vec())));
            for src in [direct, Sealed::File(file, Cache::Use), Sealed::File(after_header(&path), Cache::Bypass)] {
                let mut r = OpenRead::from_sealed(src, &sealed[..stream::HEADER], sealed.len() as u64, &dek, aad).unwrap();
                let ahead = matches!(r.src, Source::Ahead { .. });
                assert_eq!(r.len, len as u64);
                let mut out = Vec::new();
                r.read_to_end(&mut out).unwrap();
                assert!(out == plain, "length {len}, read ahead: {ahead}");
                assert_eq!(r.crc(), crc32fast::hash(&plain), "length {len}, read ahead: {ahead}");
            }
            std::fs::remove_file(path).unwrap();
        }
    }

    #[test]
    fn a_flipped_byte_in_either_share_of_a_batch_stops_the_reading_with_an_error() {
        let dek = Dek::generate(KeyId(1)).unwrap();
        let aad = Aad { table: "blobs", column: "card_media", row: "y" };
        let plain: Vec<u8> = (0..(BATCH + 3) * stream::SEGMENT).map(|i| (i % 251) as u8).collect();
        let sealed = stream::seal(&dek, aad, &plain).unwrap();
        let at_segment = |k: usize| stream::HEADER + k * stream::SEALED_SEGMENT + 1;
        // Segments 0 and 10: opened by the reader; 25: by the opening thread; the last one.
        for at in [stream::HEADER + 5, at_segment(10), at_segment(25), sealed.len() - 1] {
            let mut bad = sealed.clone();
            bad[at] ^= 0x40;
            let (path, file) = file_of(&bad, &format!("bad-{at}"));
            let direct = Sealed::Other(Box::new(std::io::Cursor::new(bad[stream::HEADER..].to_vec())));
            for src in [direct, Sealed::File(file, Cache::Use), Sealed::File(after_header(&path), Cache::Bypass)] {
                let mut r = OpenRead::from_sealed(src, &bad[..stream::HEADER], bad.len() as u64, &dek, aad).unwrap();
                let err = r.read_to_end(&mut Vec::new()).unwrap_err();
                assert_eq!(err.to_string(), "a blob does not open", "flipped at {at}");
            }
            std::fs::remove_file(path).unwrap();
        }
    }
}
