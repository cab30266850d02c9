//! The ZIP layout of an export (issue 21): written as a stream at download time, its length
//! known in advance. Text files arrive already deflated with their checksum (from the sealed
//! manifest); media are stored as they are (already compressed) and checksummed as they pass,
//! their checksum in a data descriptor after them. ZIP64 records are added only when the
//! archive's directory needs them (past 4 GiB or 65,535 files); no single file reaches 4 GiB
//! (the build refuses it).
//!
//! [`archive_len`] runs the same code over nothing but the lengths, so the `Content-Length` a
//! download announces is exactly what it sends.

use std::io::Write;

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
/// Names are UTF-8; bit 3: sizes and checksum follow the data.
const UTF8: u16 = 0x0800;
const STREAMED: u16 = 0x0008;
const U32_MAX: u64 = 0xFFFF_FFFF;

/// One file of the archive as its headers describe it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Head<'a> {
    pub name: &'a str,
    pub deflated: bool,
    /// Known in advance (text), or `None`: computed as the bytes pass (media).
    pub crc: Option<u32>,
    pub size: u64,
    pub packed: u64,
}

impl Head<'_> {
    fn method(&self) -> u16 {
        if self.deflated { 8 } else { 0 }
    }

    fn flags(&self) -> u16 {
        if self.crc.is_some() { UTF8 } else { UTF8 | STREAMED }
    }
}

/// A ZIP being written to `w`, file by file.
pub(super) struct ZipOut<W> {
    w: W,
    at: u64,
    central: Vec<u8>,
    count: u64,
    time: u16,
    date: u16,
    start: u64,
}

fn u16le(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn u32le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn u64le(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn small(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// MS-DOS time and date of a moment (UTC), as ZIP headers hold them.
pub(super) fn dos_time(at: crate::platform::clock::Millis) -> (u16, u16) {
    let t = time::OffsetDateTime::from_unix_timestamp(at / 1000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let year = u16::try_from(t.year().clamp(1980, 2107) - 1980).unwrap_or(0);
    let date = (year << 9) | (u16::from(u8::from(t.month())) << 5) | u16::from(t.day());
    let time = (u16::from(t.hour()) << 11) | (u16::from(t.minute()) << 5) | u16::from(t.second() / 2);
    (time, date)
}

impl<W: Write> ZipOut<W> {
    pub fn new(w: W, (time, date): (u16, u16)) -> Self {
        ZipOut { w, at: 0, central: Vec::new(), count: 0, time, date, start: 0 }
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.w.write_all(bytes)?;
        self.at += bytes.len() as u64;
        Ok(())
    }

    /// Writes the local header of `h`; its data follows through [`ZipOut::data`].
    pub fn begin(&mut self, h: &Head) -> std::io::Result<()> {
        let known = h.crc.is_some();
        let mut v = Vec::with_capacity(30 + h.name.len());
        u32le(&mut v, LOCAL);
        u16le(&mut v, 20);
        u16le(&mut v, h.flags());
        u16le(&mut v, h.method());
        u16le(&mut v, self.time);
        u16le(&mut v, self.date);
        u32le(&mut v, h.crc.unwrap_or(0));
        u32le(&mut v, if known { small(h.packed) } else { 0 });
        u32le(&mut v, if known { small(h.size) } else { 0 });
        u16le(&mut v, u16::try_from(h.name.len()).unwrap_or(u16::MAX));
        u16le(&mut v, 0);
        v.extend_from_slice(h.name.as_bytes());
        self.start = self.at;
        self.put(&v)
    }

    /// Bytes of the current file, as they are stored in the archive.
    pub fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.put(bytes)
    }

    /// Ends the current file: its data descriptor when its checksum was not known in advance,
    /// and its record in the directory.
    pub fn end(&mut self, h: &Head, crc: u32) -> std::io::Result<()> {
        if h.crc.is_none() {
            let mut v = Vec::with_capacity(16);
            u32le(&mut v, DESCRIPTOR);
            u32le(&mut v, crc);
            u32le(&mut v, small(h.packed));
            u32le(&mut v, small(h.size));
            self.put(&v)?;
        }
        let far = self.start >= U32_MAX;
        let c = &mut self.central;
        u32le(c, CENTRAL);
        u16le(c, 45);
        u16le(c, if far { 45 } else { 20 });
        u16le(c, h.flags());
        u16le(c, h.method());
        u16le(c, self.time);
        u16le(c, self.date);
        u32le(c, crc);
        u32le(c, small(h.packed));
        u32le(c, small(h.size));
        u16le(c, u16::try_from(h.name.len()).unwrap_or(u16::MAX));
        u16le(c, if far { 12 } else { 0 });
        u16le(c, 0);
        u16le(c, 0);
        u16le(c, 0);
        u32le(c, 0);
        u32le(c, if far { u32::MAX } else { small(self.start) });
        c.extend_from_slice(h.name.as_bytes());
        if far {
            u16le(c, 1);
            u16le(c, 8);
            u64le(c, self.start);
        }
        self.count += 1;
        Ok(())
    }

    /// Writes the directory and the end records; returns the writer and the archive's length.
    pub fn finish(mut self) -> std::io::Result<(W, u64)> {
        let cd_at = self.at;
        let central = std::mem::take(&mut self.central);
        self.put(&central)?;
        let cd_len = central.len() as u64;
        let mut v = Vec::with_capacity(98);
        let wide = self.count >= 0xFFFF || cd_at >= U32_MAX || cd_len >= U32_MAX;
        if wide {
            let end64_at = self.at;
            u32le(&mut v, END64);
            u64le(&mut v, 44);
            u16le(&mut v, 45);
            u16le(&mut v, 45);
            u32le(&mut v, 0);
            u32le(&mut v, 0);
            u64le(&mut v, self.count);
            u64le(&mut v, self.count);
            u64le(&mut v, cd_len);
            u64le(&mut v, cd_at);
            u32le(&mut v, LOCATOR64);
            u32le(&mut v, 0);
            u64le(&mut v, end64_at);
            u32le(&mut v, 1);
        }
        let n = u16::try_from(self.count).unwrap_or(u16::MAX);
        u32le(&mut v, END);
        u16le(&mut v, 0);
        u16le(&mut v, 0);
        u16le(&mut v, n);
        u16le(&mut v, n);
        u32le(&mut v, small(cd_len));
        u32le(&mut v, small(cd_at));
        u16le(&mut v, 0);
        self.put(&v)?;
        self.w.flush()?;
        Ok((self.w, self.at))
    }
}

/// The exact length of the archive of `heads`, without their data.
pub(super) fn archive_len<'a>(heads: impl IntoIterator<Item = Head<'a>>) -> u64 {
    let mut z = ZipOut::new(std::io::sink(), (0, 0));
    for h in heads {
        // Writing to a sink cannot fail.
        let _ = z.begin(&h);
        z.at += h.packed;
        let _ = z.end(&h, 0);
    }
    z.finish().map_or(0, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn deflate(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn the_zip_crate_and_the_import_reader_read_it_and_its_length_is_known_in_advance() {
        let text = "field,value\r\nname,Ada\r\n".repeat(50);
        let packed = deflate(text.as_bytes());
        let media: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let heads = [
            Head {
                name: "csv/a.csv",
                deflated: true,
                crc: Some(crc32fast::hash(text.as_bytes())),
                size: text.len() as u64,
                packed: packed.len() as u64,
            },
            Head { name: "media/é.jpg", deflated: false, crc: None, size: media.len() as u64, packed: media.len() as u64 },
        ];
        let mut z = ZipOut::new(Vec::new(), dos_time(1_700_000_000_000));
        z.begin(&heads[0]).unwrap();
        z.data(&packed).unwrap();
        z.end(&heads[0], heads[0].crc.unwrap()).unwrap();
        z.begin(&heads[1]).unwrap();
        for c in media.chunks(7000) {
            z.data(c).unwrap();
        }
        z.end(&heads[1], crc32fast::hash(&media)).unwrap();
        let (bytes, n) = z.finish().unwrap();
        assert_eq!((bytes.len() as u64, archive_len(heads)), (n, n));
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut got = String::new();
        a.by_name("csv/a.csv").unwrap().read_to_string(&mut got).unwrap();
        assert_eq!(got, text);
        let mut m = Vec::new();
        a.by_name("media/é.jpg").unwrap().read_to_end(&mut m).unwrap();
        assert_eq!(m, media);
        let mut r = super::super::zipread::Archive::open(std::io::Cursor::new(bytes), super::super::bounds::LIMITS).unwrap();
        let i = r.find("media/é.jpg").unwrap();
        let mut m2 = Vec::new();
        r.open_entry(i, u64::MAX).unwrap().read_to_end(&mut m2).unwrap();
        assert_eq!(m2, media);
    }

    #[test]
    fn past_4_gib_and_65535_files_the_zip64_records_are_written() {
        let names: Vec<String> = (0..70_000).map(|i| format!("media/{i}.png")).collect();
        let heads = names.iter().map(|n| Head { name: n, deflated: false, crc: None, size: 70_000, packed: 70_000 });
        let n = archive_len(heads.clone());
        assert!(n > 70_000 * 70_000);
        // The same layout, written for real over a sink that counts, agrees.
        struct Count(u64, Vec<u8>);
        impl Write for Count {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0 += b.len() as u64;
                self.1 = b[b.len().saturating_sub(98)..].to_vec();
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut z = ZipOut::new(Count(0, Vec::new()), (0, 0));
        let zeros = vec![0u8; 70_000];
        for h in heads {
            z.begin(&h).unwrap();
            z.data(&zeros).unwrap();
            z.end(&h, 0).unwrap();
        }
        let (c, len) = z.finish().unwrap();
        assert_eq!((c.0, len), (n, n));
        assert_eq!(&c.1[..4], &END64.to_le_bytes(), "the ZIP64 end record comes first in the tail");
    }
}
