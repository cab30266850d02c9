//! Reading a local file's sealed bytes for a download, a batch at a time (issue 21).
//!
//! On Linux, straight from the disk into the batch's buffer where the file system allows it
//! (`O_DIRECT`): a media file is read once, by one download, and the kernel filling its page
//! cache with it took CPU from the opening on the machine's two cores. Two threads read every
//! other batch, so the disk always has a read to do while one of them waits for a core. Through
//! the page cache otherwise, the kernel asked to read ahead.
//!
//! It reads ciphertext only.

/// The alignment of the buffer, the offset and the length of a read that passes by the page
/// cache (a page: enough for every block size up to it).
const ALIGN: usize = 4096;

/// How far ahead of a read through the page cache the kernel is asked to have the file in
/// memory: its own read-ahead, 128 KiB at a time, is slower than the cores open.
const WILL_NEED: u64 = 16 << 20;

/// One thread's way into a file.
pub(super) struct FileReader {
    file: std::fs::File,
    /// Reads pass by the page cache (`O_DIRECT` is set on the file).
    pub direct: bool,
    /// Where the kernel has been asked to read up to.
    asked: u64,
}

impl FileReader {
    /// Past the page cache where the file system allows it.
    pub fn new(file: std::fs::File) -> Self {
        let mut r = Self::buffered(file);
        #[cfg(target_os = "linux")]
        {
            r.direct =
                rustix::fs::fcntl_getfl(&r.file).and_then(|f| rustix::fs::fcntl_setfl(&r.file, f | rustix::fs::OFlags::DIRECT)).is_ok();
        }
        r
    }

    /// Through the page cache.
    pub fn buffered(file: std::fs::File) -> Self {
        FileReader { file, direct: false, asked: 0 }
    }

    /// Another reader of the same file, reading as this one does (`None` if the system gives no
    /// second handle).
    pub fn another(&self) -> Option<Self> {
        Some(FileReader { file: self.file.try_clone().ok()?, direct: self.direct, asked: 0 })
    }

    /// Reads the `want` bytes at offset `at` into `buf` (grown when it is too short) and returns
    /// where in it they start; the file's bytes end at `end`. A direct read the file system
    /// refuses is read through the page cache, and so is everything after it.
    pub fn read(&mut self, buf: &mut Vec<u8>, at: u64, want: usize, end: u64) -> std::io::Result<usize> {
        #[cfg(target_os = "linux")]
        if self.direct {
            match self.read_direct(buf, at, want) {
                Err(e) if e.raw_os_error() == Some(rustix::io::Errno::INVAL.raw_os_error()) => {
                    self.direct = false;
                    through_cache(&self.file)?;
                }
                read => return read,
            }
        }
        self.will_need(at, want, end);
        if buf.len() < want {
            buf.resize(want, 0);
        }
        std::os::unix::fs::FileExt::read_exact_at(&self.file, &mut buf[..want], at)?;
        Ok(0)
    }

    /// Asks the kernel to start reading what comes after `at + want` in the background, up to
    /// [`WILL_NEED`] ahead, once what was asked for runs short. Advice only: a refusal changes
    /// nothing.
    #[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
    fn will_need(&mut self, at: u64, want: usize, end: u64) {
        #[cfg(target_os = "linux")]
        if self.asked < (at + 2 * want as u64).min(end) {
            let from = self.asked.max(at);
            let to = (at + WILL_NEED).min(end);
            if let Some(len) = std::num::NonZeroU64::new(to.saturating_sub(from)) {
                let _ = rustix::fs::fadvise(&self.file, from, Some(len), rustix::fs::Advice::WillNeed);
                self.asked = to;
            }
        }
    }

    /// Reads the aligned blocks holding the `want` bytes at `at` into an aligned part of `buf`.
    #[cfg(target_os = "linux")]
    fn read_direct(&self, buf: &mut Vec<u8>, at: u64, want: usize) -> std::io::Result<usize> {
        let start = at & !(ALIGN as u64 - 1);
        let skip = usize::try_from(at - start).map_err(std::io::Error::other)?;
        let need = skip + want;
        let len = need.next_multiple_of(ALIGN);
        if buf.len() < len + ALIGN {
            // Made once per buffer, long enough for every batch after it (none is longer, and
            // one that starts further into its first block needs at most one block more).
            *buf = vec![0; len + 2 * ALIGN];
        }
        let base = buf.as_ptr().align_offset(ALIGN);
        let room = &mut buf[base..base + len];
        let mut got = 0;
        while got < need {
            match rustix::io::pread(&self.file, &mut room[got..], start + got as u64) {
                Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => got += n,
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(base + skip)
    }
}

/// Makes `file` read through the page cache again (it and every handle that shares its
/// opening).
#[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
pub(super) fn through_cache(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let f = rustix::fs::fcntl_getfl(file)?;
        rustix::fs::fcntl_setfl(file, f.difference(rustix::fs::OFlags::DIRECT))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_the_same_past_the_page_cache_or_through_it_at_any_offset() {
        let len = 3 * (2 << 20) + 777;
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let p = std::env::temp_dir().join(format!("cb-file-read-{}", std::process::id()));
        std::fs::write(&p, &bytes).unwrap();
        let direct = FileReader::new(std::fs::File::open(&p).unwrap());
        let second = direct.another().unwrap();
        let buffered = FileReader::buffered(std::fs::File::open(&p).unwrap());
        for mut r in [direct, second, buffered] {
            let mut buf = Vec::new();
            for (at, want) in [(24, 2 << 20), (24 + (2 << 20), 2 << 20), (4096, 100), (len - 777, 777), (1, 1), (len - 1, 1)] {
                let from = r.read(&mut buf, at as u64, want, len as u64).unwrap();
                assert!(buf[from..from + want] == bytes[at..at + want], "at {at}, direct: {}", r.direct);
                if r.direct {
                    assert_eq!(
                        (buf[from..].as_ptr() as usize - at % ALIGN) % ALIGN,
                        0,
                        "read from an aligned offset to an aligned address"
                    );
                }
            }
            assert!(r.read(&mut buf, len as u64 - 10, 11, len as u64).is_err(), "nothing past the end");
        }
        std::fs::remove_file(p).unwrap();
    }
}
