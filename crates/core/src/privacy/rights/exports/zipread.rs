//! A small ZIP reader for imports that trusts nothing the archive says (issue 11, finding 2).
//!
//! It owns the reading of an uploaded archive: the end record (ZIP64 too), the central
//! directory, the local headers, and each file's bytes as they are inflated. Every quantity has
//! a bound that is checked before the work or the memory it would cost: the number of files and
//! the directory's size before the directory is read, each file's declared size and ratio
//! before it is opened, files that overlap (the "one kernel, many entries" bombs) before any is
//! inflated. While a file is inflated, its bytes are counted (`Read::take` on the compressed
//! side, a counter on the other) and the reading stops at the first byte past its declared
//! size, its cap, or a compression ratio over the limit; at its end, the length and the CRC-32
//! must match the directory. An archive inside the archive is refused.
//!
//! It must not allocate by what the archive declares (only by what was counted, within the
//! caps), must not panic on any input (the `export_importer` fuzz target holds it to that), and
//! must not name files or echo bytes of the archive in its errors.

use std::io::{BufReader, Read, Seek, SeekFrom};

use crate::platform::error::CoreError;

/// The bounds of one archive.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files in the archive.
    pub max_entries: u64,
    /// Bytes of one file name.
    pub max_name: usize,
    /// Bytes of the central directory.
    pub max_directory: u64,
    /// Uncompressed bytes of any one file.
    pub max_entry: u64,
    /// Uncompressed bytes of all files together.
    pub max_total: u64,
    /// Uncompressed bytes per compressed byte, per file and for the whole archive.
    pub max_ratio: u64,
    /// Below this many uncompressed bytes the ratio is not judged (tiny files compress well).
    pub ratio_floor: u64,
}

const EOCD: [u8; 4] = *b"PK\x05\x06";
const Z64_LOCATOR: [u8; 4] = *b"PK\x06\x07";
const Z64_EOCD: [u8; 4] = *b"PK\x06\x06";
const CENTRAL: [u8; 4] = *b"PK\x01\x02";
const LOCAL: [u8; 4] = *b"PK\x03\x04";
const EOCD_LEN: u64 = 22;
const MAX_COMMENT: u64 = 0xFFFF;

/// Signatures of archive and compressed-stream formats: a file that starts with one is an
/// archive inside the archive (the 42.zip kind of bomb), which no export holds.
const NESTED: &[&[u8]] = &[
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"PK\x06\x06",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x28\xb5\x2f\xfd",
];

pub(crate) fn too_large(reason: impl Into<String>) -> CoreError {
    CoreError::ImportRefused { too_large: true, reason: reason.into() }
}

pub(crate) fn invalid(reason: impl Into<String>) -> CoreError {
    CoreError::ImportRefused { too_large: false, reason: reason.into() }
}

const NOT_ZIP: &str = "this is not a ZIP archive (or its end is damaged)";
const BROKEN: &str = "the archive's directory is damaged";

fn io_broken(_: std::io::Error) -> CoreError {
    invalid(BROKEN)
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, CoreError> {
    b.get(at..at + 2).and_then(|s| s.try_into().ok()).map(u16::from_le_bytes).ok_or_else(|| invalid(BROKEN))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, CoreError> {
    b.get(at..at + 4).and_then(|s| s.try_into().ok()).map(u32::from_le_bytes).ok_or_else(|| invalid(BROKEN))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, CoreError> {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map(u64::from_le_bytes).ok_or_else(|| invalid(BROKEN))
}

/// One file of the archive, as its directory describes it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub name: Box<str>,
    method: u16,
    crc: u32,
    pub compressed: u64,
    pub size: u64,
    header: u64,
    data: u64,
}

impl Entry {
    /// What the entry costs in memory while the directory is held.
    pub fn footprint(&self) -> usize {
        std::mem::size_of::<Self>() + self.name.len()
    }

    fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// A name that stays inside the archive: relative, no `..`, no drive or backslash, no NUL.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains(['\\', '\0'])
        && name.as_bytes().get(1) != Some(&b':')
        && name.split('/').all(|part| part != "..")
}

/// An opened archive: its entries, checked, and the reader they are read from.
pub(crate) struct Archive<R> {
    r: R,
    limits: Limits,
    pub entries: Vec<Entry>,
}

impl<R: Read + Seek> Archive<R> {
    /// Reads and checks the directory. Nothing is inflated yet.
    pub fn open(mut r: R, limits: Limits) -> Result<Self, CoreError> {
        let len = r.seek(SeekFrom::End(0)).map_err(io_broken)?;
        if len < EOCD_LEN {
            return Err(invalid(NOT_ZIP));
        }
        let tail_len = len.min(EOCD_LEN + MAX_COMMENT);
        let tail_start = len - tail_len;
        let mut tail = vec![0u8; usize::try_from(tail_len).map_err(|_| invalid(NOT_ZIP))?];
        r.seek(SeekFrom::Start(tail_start)).map_err(io_broken)?;
        r.read_exact(&mut tail).map_err(io_broken)?;
        // The last end record whose comment fits in what follows it.
        let at = (0..=tail.len() - EOCD_LEN as usize)
            .rev()
            .find(|&i| tail[i..i + 4] == EOCD && u16_at(&tail, i + 20).is_ok_and(|c| i + EOCD_LEN as usize + usize::from(c) <= tail.len()))
            .ok_or_else(|| invalid(NOT_ZIP))?;
        let eocd_pos = tail_start + at as u64;
        let (disk, cd_disk) = (u16_at(&tail, at + 4)?, u16_at(&tail, at + 6)?);
        let (on_disk, total) = (u16_at(&tail, at + 8)?, u16_at(&tail, at + 10)?);
        let (mut count, mut cd_size, mut cd_off) =
            (u64::from(total), u64::from(u32_at(&tail, at + 12)?), u64::from(u32_at(&tail, at + 16)?));
        let mut cd_limit = eocd_pos;
        if disk != 0 || cd_disk != 0 || on_disk != total {
            return Err(invalid("archives in several parts cannot be imported"));
        }
        drop(tail);
        if total == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_off == 0xFFFF_FFFF {
            let loc_pos = eocd_pos.checked_sub(20).ok_or_else(|| invalid(BROKEN))?;
            let mut loc = [0u8; 20];
            r.seek(SeekFrom::Start(loc_pos)).map_err(io_broken)?;
            r.read_exact(&mut loc).map_err(io_broken)?;
            if loc[..4] != Z64_LOCATOR || u32_at(&loc, 4)? != 0 || u32_at(&loc, 16)? > 1 {
                return Err(invalid(BROKEN));
            }
            let z64 = u64_at(&loc, 8)?;
            if z64.checked_add(56).is_none_or(|end| end > loc_pos) {
                return Err(invalid(BROKEN));
            }
            let mut rec = [0u8; 56];
            r.seek(SeekFrom::Start(z64)).map_err(io_broken)?;
            r.read_exact(&mut rec).map_err(io_broken)?;
            if rec[..4] != Z64_EOCD || u32_at(&rec, 16)? != 0 || u32_at(&rec, 20)? != 0 || u64_at(&rec, 24)? != u64_at(&rec, 32)? {
                return Err(invalid(BROKEN));
            }
            (count, cd_size, cd_off, cd_limit) = (u64_at(&rec, 32)?, u64_at(&rec, 40)?, u64_at(&rec, 48)?, z64);
        }
        // The bounds that decide how much is read and held, before reading it.
        if count > limits.max_entries {
            return Err(too_large(format!("the archive holds {count} files; an import reads at most {}", limits.max_entries)));
        }
        if cd_size > limits.max_directory {
            return Err(too_large(format!("the archive's directory is {cd_size} bytes; an import reads at most {}", limits.max_directory)));
        }
        if cd_off.checked_add(cd_size).is_none_or(|end| end > cd_limit) {
            return Err(invalid(BROKEN));
        }
        r.seek(SeekFrom::Start(cd_off)).map_err(io_broken)?;
        let mut entries = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let mut declared_total = 0u64;
        {
            let mut cd = BufReader::with_capacity(32 * 1024, (&mut r).take(cd_size));
            let mut fixed = [0u8; 46];
            let mut extra = Vec::new();
            for _ in 0..count {
                cd.read_exact(&mut fixed).map_err(io_broken)?;
                entries.push(Self::central_entry(&mut cd, &fixed, &mut extra, &limits)?);
                let e = entries.last().ok_or_else(|| invalid(BROKEN))?;
                declared_total = declared_total.saturating_add(e.size);
                if declared_total > limits.max_total {
                    return Err(too_large(format!(
                        "the archive's files add up to more than {} bytes once uncompressed (an import takes at most that)",
                        limits.max_total
                    )));
                }
            }
        }
        let mut names: Vec<&str> = entries.iter().map(|e| &*e.name).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid("the archive names the same file twice"));
        }
        drop(names);
        let mut a = Archive { r, limits, entries };
        a.locate(cd_off)?;
        // Overlapping files are named as such first; then the ratio of the whole.
        if declared_total > limits.ratio_floor && declared_total / len.max(1) > limits.max_ratio {
            return Err(too_large(format!(
                "the archive is compressed more than {}:1 overall: this is how ZIP bombs are made",
                limits.max_ratio
            )));
        }
        Ok(a)
    }

    /// One central directory record (the 46 fixed bytes are read; the rest follows in `cd`).
    fn central_entry(cd: &mut impl Read, fixed: &[u8; 46], extra: &mut Vec<u8>, limits: &Limits) -> Result<Entry, CoreError> {
        if fixed[..4] != CENTRAL {
            return Err(invalid(BROKEN));
        }
        let flags = u16_at(fixed, 8)?;
        let method = u16_at(fixed, 10)?;
        let crc = u32_at(fixed, 16)?;
        let (mut compressed, mut size) = (u64::from(u32_at(fixed, 20)?), u64::from(u32_at(fixed, 24)?));
        let (name_len, extra_len, comment_len) =
            (usize::from(u16_at(fixed, 28)?), u64::from(u16_at(fixed, 30)?), u64::from(u16_at(fixed, 32)?));
        let disk = u16_at(fixed, 34)?;
        let mut header = u64::from(u32_at(fixed, 42)?);
        if name_len > limits.max_name {
            return Err(invalid(format!("a file name in the archive is longer than {} bytes", limits.max_name)));
        }
        let mut name = vec![0u8; name_len];
        cd.read_exact(&mut name).map_err(io_broken)?;
        extra.clear();
        cd.take(extra_len).read_to_end(extra).map_err(io_broken)?;
        std::io::copy(&mut cd.take(comment_len), &mut std::io::sink()).map_err(io_broken)?;
        // ZIP64: the 8-byte values follow in the extra field, in this order, for the fields
        // that hold their maximum.
        let mut i = 0;
        while i + 4 <= extra.len() {
            let (id, n) = (u16_at(extra, i)?, usize::from(u16_at(extra, i + 2)?));
            if id == 1 {
                let mut at = i + 4;
                for field in [&mut size, &mut compressed, &mut header] {
                    if *field == 0xFFFF_FFFF {
                        *field = u64_at(extra, at)?;
                        at += 8;
                    }
                }
            }
            i += 4 + n;
        }
        if flags & 0x41 != 0 {
            return Err(invalid("encrypted files cannot be imported"));
        }
        if method != 0 && method != 8 {
            return Err(invalid("a file in the archive uses a compression method an import does not read (only stored and deflated)"));
        }
        if disk != 0 {
            return Err(invalid("archives in several parts cannot be imported"));
        }
        let name = String::from_utf8(name).map_err(|_| invalid("a file name in the archive is not valid UTF-8"))?;
        if !safe_name(&name) {
            return Err(invalid("a file name in the archive points outside it"));
        }
        if size > limits.max_entry {
            return Err(too_large(format!(
                "a file in the archive is {size} bytes once uncompressed; an import reads at most {} per file",
                limits.max_entry
            )));
        }
        if size > limits.ratio_floor && size / compressed.max(1) > limits.max_ratio {
            return Err(too_large(format!(
                "a file in the archive is compressed more than {}:1: this is how ZIP bombs are made",
                limits.max_ratio
            )));
        }
        if method == 0 && compressed != size {
            return Err(invalid(BROKEN));
        }
        Ok(Entry { name: name.into_boxed_str(), method, crc, compressed, size, header, data: 0 })
    }

    /// Reads each local header, finds where the data starts, and refuses files that overlap
    /// each other or the directory.
    fn locate(&mut self, cd_off: u64) -> Result<(), CoreError> {
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        order.sort_unstable_by_key(|&i| self.entries[i].header);
        let mut fixed = [0u8; 30];
        let mut name = Vec::new();
        let mut previous_end = 0u64;
        for i in order {
            let e = &mut self.entries[i];
            if e.header < previous_end {
                return Err(invalid("files in the archive overlap: this is how some ZIP bombs are made"));
            }
            if e.header.checked_add(30).is_none_or(|x| x > cd_off) {
                return Err(invalid(BROKEN));
            }
            self.r.seek(SeekFrom::Start(e.header)).map_err(io_broken)?;
            self.r.read_exact(&mut fixed).map_err(io_broken)?;
            if fixed[..4] != LOCAL {
                return Err(invalid(BROKEN));
            }
            let (name_len, extra_len) = (u64::from(u16_at(&fixed, 26)?), u64::from(u16_at(&fixed, 28)?));
            name.clear();
            (&mut self.r).take(name_len).read_to_end(&mut name).map_err(io_broken)?;
            if name != e.name.as_bytes() {
                return Err(invalid("the archive's directory and its files disagree"));
            }
            e.data = e.header + 30 + name_len + extra_len;
            let end = e.data.checked_add(e.compressed).ok_or_else(|| invalid(BROKEN))?;
            if end > cd_off {
                return Err(invalid(BROKEN));
            }
            previous_end = end;
        }
        Ok(())
    }

    /// The index of the file named `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| &*e.name == name)
    }

    /// A reader of file `i`'s uncompressed bytes, stopped at `cap` bytes (and at its declared
    /// size, and at the ratio limit), checked against its CRC-32 at its end.
    pub fn open_entry(&mut self, i: usize, cap: u64) -> Result<EntryReader<'_, R>, CoreError> {
        let e = self.entries.get(i).ok_or_else(|| invalid(BROKEN))?;
        if e.size > cap {
            return Err(too_large(format!("a file in the archive is {} bytes once uncompressed; at most {cap} are read for it", e.size)));
        }
        let (method, data, compressed, size, crc) = (e.method, e.data, e.compressed, e.size, e.crc);
        self.r.seek(SeekFrom::Start(data)).map_err(io_broken)?;
        let raw = (&mut self.r).take(compressed);
        let inner = if method == 8 { Inner::Deflated(Box::new(flate2::read::DeflateDecoder::new(raw))) } else { Inner::Stored(raw) };
        Ok(EntryReader { inner, out: 0, size, compressed, crc: crc32fast::Hasher::new(), expect: crc, limits: self.limits, refused: None })
    }

    /// Refuses an archive inside the archive: the first bytes of every file are looked at.
    pub fn refuse_nested(&mut self) -> Result<(), CoreError> {
        for i in 0..self.entries.len() {
            if self.entries[i].is_dir() || self.entries[i].size == 0 {
                continue;
            }
            let mut head = [0u8; 8];
            let mut n = 0;
            let mut rd = self.open_entry(i, u64::MAX)?;
            while n < head.len() {
                match rd.read(&mut head[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) => return Err(rd.refusal(e)),
                }
            }
            if NESTED.iter().any(|m| head[..n].starts_with(m)) {
                return Err(invalid("the archive holds another archive; an import reads clearboard exports only"));
            }
        }
        Ok(())
    }
}

enum Inner<'a, R> {
    Stored(std::io::Take<&'a mut R>),
    Deflated(Box<flate2::read::DeflateDecoder<std::io::Take<&'a mut R>>>),
}

/// Reads one file, counting: see [`Archive::open_entry`].
pub(crate) struct EntryReader<'a, R> {
    inner: Inner<'a, R>,
    out: u64,
    size: u64,
    compressed: u64,
    crc: crc32fast::Hasher,
    expect: u32,
    limits: Limits,
    refused: Option<CoreError>,
}

impl<R: Read> EntryReader<'_, R> {
    fn consumed(&self) -> u64 {
        let left = match &self.inner {
            Inner::Stored(t) => t.limit(),
            Inner::Deflated(d) => d.get_ref().limit(),
        };
        self.compressed - left
    }

    fn refuse(&mut self, e: CoreError) -> std::io::Error {
        self.refused = Some(e);
        std::io::Error::other("import refused")
    }

    /// The reason a read failed: the refusal recorded, or damage.
    pub fn refusal(&mut self, _e: std::io::Error) -> CoreError {
        self.refused.take().unwrap_or_else(|| invalid("a file in the archive is damaged"))
    }
}

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.refused.is_some() {
            return Err(std::io::Error::other("import refused"));
        }
        // Never more than one byte past the declared size is asked for, so a lie is caught
        // at its first extra byte.
        let room = usize::try_from((self.size - self.out).saturating_add(1)).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = match &mut self.inner {
            Inner::Stored(t) => t.read(&mut buf[..want]),
            Inner::Deflated(d) => d.read(&mut buf[..want]),
        };
        let n = match n {
            Ok(n) => n,
            Err(_) => return Err(self.refuse(invalid("a file in the archive is damaged"))),
        };
        self.out += n as u64;
        if self.out > self.size {
            return Err(self.refuse(invalid("a file in the archive is larger than the archive says: this is how some ZIP bombs are made")));
        }
        if self.out > self.limits.ratio_floor && self.out / self.consumed().max(1) > self.limits.max_ratio {
            return Err(self.refuse(too_large(format!(
                "a file in the archive is compressed more than {}:1: this is how ZIP bombs are made",
                self.limits.max_ratio
            ))));
        }
        self.crc.update(&buf[..n]);
        if n == 0 && !buf.is_empty() {
            if self.out != self.size {
                return Err(self.refuse(invalid("a file in the archive is shorter than the archive says")));
            }
            if self.crc.clone().finalize() != self.expect {
                return Err(self.refuse(invalid("a file in the archive is damaged (its checksum does not match)")));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    const LIMITS: Limits = Limits {
        max_entries: 100,
        max_name: 64,
        max_directory: 64 * 1024,
        max_entry: 1 << 20,
        max_total: 4 << 20,
        max_ratio: 100,
        ratio_floor: 64 * 1024,
    };

    fn zip(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes, deflate) in files {
            let m = if *deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
            z.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(m)).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    fn read_all(a: &mut Archive<Cursor<Vec<u8>>>, i: usize) -> Result<Vec<u8>, CoreError> {
        let mut rd = a.open_entry(i, u64::MAX)?;
        let mut v = Vec::new();
        match rd.read_to_end(&mut v) {
            Ok(_) => Ok(v),
            Err(e) => Err(rd.refusal(e)),
        }
    }

    fn reason(e: CoreError) -> (bool, String) {
        match e {
            CoreError::ImportRefused { too_large, reason } => (too_large, reason),
            other => panic!("not a refusal: {other:?}"),
        }
    }

    #[test]
    fn reads_what_the_zip_crate_writes_stored_and_deflated() {
        let bytes = zip(&[("a.txt", b"hello", false), ("dir/b.json", &[b'x'; 5000], true)]);
        let mut a = Archive::open(Cursor::new(bytes), LIMITS).unwrap();
        assert_eq!(a.entries.len(), 2);
        let b = a.find("dir/b.json").unwrap();
        assert_eq!(read_all(&mut a, b).unwrap(), vec![b'x'; 5000]);
        let t = a.find("a.txt").unwrap();
        assert_eq!(read_all(&mut a, t).unwrap(), b"hello");
        a.refuse_nested().unwrap();
    }

    #[test]
    fn refuses_a_declared_bomb_before_inflating_it() {
        // 2 MiB of zeros: 1 MiB is the cap per file.
        let bytes = zip(&[("big", &vec![0u8; 2 << 20], true)]);
        let (big, why) = reason(Archive::open(Cursor::new(bytes), LIMITS).err().unwrap());
        assert!(big && why.contains("at most"), "{why}");
    }

    #[test]
    fn counts_bytes_and_refuses_a_file_larger_than_declared() {
        let mut bytes = zip(&[("a", &vec![7u8; 100_000], true)]);
        // Lower the declared size in the central directory (the local header of a streamed
        // file says nothing): the inflated bytes go past it.
        let cd = bytes.windows(4).rposition(|w| w == CENTRAL).unwrap();
        bytes[cd + 24..cd + 28].copy_from_slice(&1000u32.to_le_bytes());
        let mut a = Archive::open(Cursor::new(bytes), LIMITS).unwrap();
        let (_, why) = reason(read_all(&mut a, 0).err().unwrap());
        assert!(why.contains("larger than the archive says"), "{why}");
    }

    #[test]
    fn refuses_a_high_ratio_file() {
        // 512 KiB of zeros deflate to about 500 bytes: over 100:1.
        let bytes = zip(&[("z", &vec![0u8; 512 * 1024], true)]);
        let (big, why) = reason(Archive::open(Cursor::new(bytes), LIMITS).err().unwrap());
        assert!(big && why.contains("100:1"), "{why}");
    }

    #[test]
    fn refuses_nested_archives_and_bad_names_and_checksums() {
        let inner = zip(&[("x", b"y", false)]);
        let mut a = Archive::open(Cursor::new(zip(&[("media/a.jpg", &inner, false)])), LIMITS).unwrap();
        assert!(reason(a.refuse_nested().err().unwrap()).1.contains("another archive"));
        for bad in ["../x", "/etc/x", "a/../../x", "c:/x", "a\\b"] {
            let (_, why) = reason(Archive::open(Cursor::new(zip(&[(bad, b"1", false)])), LIMITS).err().unwrap());
            assert!(why.contains("outside"), "{bad}: {why}");
        }
        let mut bytes = zip(&[("a", b"hello world", false)]);
        let at = bytes.windows(11).position(|w| w == b"hello world").unwrap();
        bytes[at] = b'j';
        let mut a = Archive::open(Cursor::new(bytes), LIMITS).unwrap();
        assert!(reason(read_all(&mut a, 0).err().unwrap()).1.contains("checksum"));
    }

    #[test]
    fn refuses_too_many_entries_from_the_end_record_alone() {
        let mut bytes = zip(&[("a", b"1", false)]);
        let end = bytes.windows(4).rposition(|w| w == EOCD).unwrap();
        bytes[end + 8..end + 10].copy_from_slice(&60_000u16.to_le_bytes());
        bytes[end + 10..end + 12].copy_from_slice(&60_000u16.to_le_bytes());
        let (big, why) = reason(Archive::open(Cursor::new(bytes), LIMITS).err().unwrap());
        assert!(big && why.contains("60000 files"), "{why}");
    }

    #[test]
    fn refuses_overlapping_entries() {
        let mut bytes = zip(&[("a", b"same", false), ("b", b"same", false)]);
        // Point the second directory record at the first local header.
        let second = bytes.windows(4).rposition(|w| w == CENTRAL).unwrap();
        bytes[second + 42..second + 46].copy_from_slice(&0u32.to_le_bytes());
        let (_, why) = reason(Archive::open(Cursor::new(bytes), LIMITS).err().unwrap());
        assert!(why.contains("overlap") || why.contains("disagree"), "{why}");
    }

    #[test]
    fn any_prefix_of_an_archive_is_an_error_not_a_panic() {
        let bytes = zip(&[("a.txt", b"hello", true), ("b", &[1u8; 300], true)]);
        for n in 0..bytes.len() {
            let _ = Archive::open(Cursor::new(bytes[..n].to_vec()), LIMITS).map(|mut a| a.refuse_nested());
        }
    }
}
