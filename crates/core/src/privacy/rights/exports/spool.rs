//! The spool of an uploaded import (issue 11, finding 2): the upload is written, as it
//! arrives, to a scratch file sealed with a key that exists only in this process's memory for
//! the life of the import (STREAM, `clearboard_vault::stream`), then read back with random
//! access, one 64 KiB segment at a time, by the ZIP reader.
//!
//! It owns the scratch file (created 0600, deleted when the spool or its reader is dropped).
//! It must not let plaintext reach the disk, hold more than two segments in memory, or accept
//! more than its byte cap.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use clearboard_vault::stream::{self, Opener, Sealer};
use clearboard_vault::{Aad, Dek, KeyId};

use crate::platform::error::CoreError;

fn aad(id: &str) -> Aad<'_> {
    Aad { table: "scratch", column: "import", row: id }
}

fn scratch_err(_: std::io::Error) -> CoreError {
    CoreError::Internal("import scratch file")
}

/// An upload being written. Dropped before [`Spool::finish`], its file is deleted.
pub struct Spool {
    id: String,
    path: PathBuf,
    key: Dek,
    sealer: Option<Sealer>,
    out: std::io::BufWriter<std::fs::File>,
    buf: Vec<u8>,
    plain: u64,
    max: u64,
}

impl Spool {
    /// A new spool in `dir` accepting at most `max` bytes.
    pub fn create(dir: &Path, max: u64, now: crate::platform::clock::Millis) -> Result<Self, CoreError> {
        std::fs::create_dir_all(dir).map_err(scratch_err)?;
        let id = crate::platform::ids::new_uuid(now)?.to_string();
        let path = dir.join(format!("{id}.import"));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let file = opts.open(&path).map_err(scratch_err)?;
        // The key lives in this struct only: a crash leaves a file nobody can read.
        let key = Dek::generate(KeyId(0))?;
        let (sealer, header) = Sealer::new(&key, aad(&id))?;
        let mut out = std::io::BufWriter::with_capacity(stream::SEALED_SEGMENT, file);
        out.write_all(&header).map_err(scratch_err)?;
        Ok(Spool { id, path, key, sealer: Some(sealer), out, buf: Vec::with_capacity(2 * stream::SEALED_SEGMENT), plain: 0, max })
    }

    /// Appends bytes of the upload; past the cap, `TooLarge` (and the spool should be dropped).
    pub fn write(&mut self, data: &[u8]) -> Result<(), CoreError> {
        if self.plain + data.len() as u64 > self.max {
            return Err(CoreError::TooLarge { max_bytes: usize::try_from(self.max).unwrap_or(usize::MAX) });
        }
        let s = self.sealer.as_mut().ok_or(CoreError::Internal("import spool finished"))?;
        self.buf.clear();
        s.update(data, &mut self.buf)?;
        self.out.write_all(&self.buf).map_err(scratch_err)?;
        self.plain += data.len() as u64;
        Ok(())
    }

    /// Bytes received so far.
    pub fn len(&self) -> u64 {
        self.plain
    }

    pub fn is_empty(&self) -> bool {
        self.plain == 0
    }

    /// Seals the last segment and opens the spool for reading.
    pub fn finish(mut self) -> Result<SpoolReader, CoreError> {
        let s = self.sealer.take().ok_or(CoreError::Internal("import spool finished"))?;
        self.buf.clear();
        s.finish(&mut self.buf)?;
        self.out.write_all(&self.buf).map_err(scratch_err)?;
        self.out.flush().map_err(scratch_err)?;
        let path = std::mem::take(&mut self.path);
        let mut file = std::fs::File::open(&path).map_err(scratch_err)?;
        let sealed_len = file.metadata().map_err(scratch_err)?.len();
        let mut header = [0u8; stream::HEADER];
        file.read_exact(&mut header).map_err(scratch_err)?;
        let opener = Opener::new(&self.key, aad(&self.id), &header)?;
        let segments = Opener::segments(sealed_len)?;
        if sealed_len != stream::sealed_len(self.plain) {
            let _ = std::fs::remove_file(&path);
            return Err(CoreError::Internal("import scratch file"));
        }
        Ok(SpoolReader {
            path,
            file,
            opener,
            plain_len: self.plain,
            segments,
            pos: 0,
            cached: None,
            plain: clearboard_vault::SecretBytes::default(),
            sealed: vec![0u8; stream::SEALED_SEGMENT],
        })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A finished spool, read back as the plaintext upload (`Read + Seek`). Dropped, its file is
/// deleted.
pub struct SpoolReader {
    path: PathBuf,
    file: std::fs::File,
    opener: Opener,
    plain_len: u64,
    segments: u64,
    pos: u64,
    cached: Option<u64>,
    plain: clearboard_vault::SecretBytes,
    sealed: Vec<u8>,
}

impl SpoolReader {
    /// The upload's length.
    pub fn len(&self) -> u64 {
        self.plain_len
    }

    pub fn is_empty(&self) -> bool {
        self.plain_len == 0
    }

    fn load(&mut self, index: u64) -> std::io::Result<()> {
        if self.cached == Some(index) {
            return Ok(());
        }
        let last = index + 1 == self.segments;
        let start = stream::HEADER as u64 + index * stream::SEALED_SEGMENT as u64;
        let end = if last { stream::sealed_len(self.plain_len) } else { start + stream::SEALED_SEGMENT as u64 };
        let n = usize::try_from(end - start).map_err(std::io::Error::other)?;
        self.file.seek(SeekFrom::Start(start))?;
        self.file.read_exact(&mut self.sealed[..n])?;
        self.plain =
            self.opener.open(index, last, &self.sealed[..n]).map_err(|_| std::io::Error::other("the import scratch file does not open"))?;
        self.cached = Some(index);
        Ok(())
    }
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.plain_len || buf.is_empty() {
            return Ok(0);
        }
        let seg = stream::SEGMENT as u64;
        let index = self.pos / seg;
        self.load(index)?;
        let off = usize::try_from(self.pos - index * seg).map_err(std::io::Error::other)?;
        let avail = self.plain.get(off..).unwrap_or_default();
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SpoolReader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.plain_len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

impl Drop for SpoolReader {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_random_access_and_leaves_no_plaintext_or_file() {
        let dir = std::env::temp_dir().join(format!("cb-spool-{}", std::process::id()));
        let data: Vec<u8> = (0..3 * stream::SEGMENT + 123).map(|i| (i % 251) as u8).collect();
        let marker = b"PLAINTEXT-MARKER-0123456789";
        let mut s = Spool::create(&dir, 10 << 20, 1_700_000_000_000).unwrap();
        s.write(marker).unwrap();
        for chunk in data.chunks(7000) {
            s.write(chunk).unwrap();
        }
        let on_disk = std::fs::read_dir(&dir).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect::<Vec<_>>();
        assert!(on_disk.iter().all(|f| !f.windows(marker.len()).any(|w| w == marker)), "sealed on disk");
        let mut r = s.finish().unwrap();
        assert_eq!(r.len(), (data.len() + marker.len()) as u64);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(&all[marker.len()..], &data[..]);
        for at in [0u64, 5, stream::SEGMENT as u64 - 3, 2 * stream::SEGMENT as u64 + 10, r.len() - 4] {
            r.seek(SeekFrom::Start(at)).unwrap();
            let mut b = [0u8; 8];
            let n = r.read(&mut b).unwrap();
            assert_eq!(&b[..n], &all[at as usize..(at as usize + n)]);
        }
        r.seek(SeekFrom::End(-2)).unwrap();
        let mut b = [0u8; 8];
        assert_eq!(r.read(&mut b).unwrap(), 2);
        drop(r);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the scratch file is gone");
        // Over the cap: refused; a dropped spool leaves nothing.
        let mut s = Spool::create(&dir, 10, 1_700_000_000_000).unwrap();
        assert!(matches!(s.write(&[0u8; 11]), Err(CoreError::TooLarge { .. })));
        drop(s);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let _ = std::fs::remove_dir(&dir);
    }
}
