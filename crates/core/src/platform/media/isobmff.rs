//! MP4 and QuickTime (ISO base media file format), rebuilt from an allow-list of boxes: `ftyp`
//! and `styp`, `moov` with the boxes playback needs (movie and track headers, edit lists,
//! media headers, handlers without their names, self-contained data references, sample tables,
//! fragment defaults), `moof` with its fragment headers and runs, and `mdat` copied as it is.
//! Everything else goes, at every level: `udta` (with `©xyz`, `loci`, titles), `meta` (Apple
//! keys and items), `uuid` (XMP), `free`, `sidx`, `mfra`, codec configuration boxes outside
//! the list, the encoder name of visual sample entries, and whole tracks that are not audio or
//! video (timed metadata, text, timecode), whose samples are overwritten with zeros in `mdat`.
//!
//! Box order is kept. When boxes before an `mdat` shrink, the offsets that point into it
//! (`stco`, `co64`, `tfhd` base offsets, `trun` data offsets) are moved by the same amount, so
//! the file plays as before. It must not decode or re-encode samples. Nesting is bounded by
//! the allow-list itself, counts by [`MAX_BOXES`].

use super::bytes::{be16, be32, be64, video_damaged};
use crate::platform::error::CoreError;

/// At most this many boxes are read (a fragmented file has a few per fragment).
const MAX_BOXES: usize = 1_000_000;

type Ty = [u8; 4];

/// One box: its type, where it starts in the file, and its payload (after the header).
#[derive(Clone, Copy)]
struct Bx<'a> {
    ty: Ty,
    start: u64,
    /// Where the payload starts in the file.
    at: u64,
    end: u64,
    data: &'a [u8],
}

/// The children of a payload that starts at `base` in the file.
fn boxes<'a>(d: &'a [u8], base: u64, top: bool, count: &mut usize) -> Result<Vec<Bx<'a>>, CoreError> {
    let mut v = Vec::new();
    let mut i = 0usize;
    while i < d.len() {
        *count += 1;
        if *count > MAX_BOXES {
            return Err(video_damaged());
        }
        let size32 = be32(d, i).ok_or_else(video_damaged)?;
        let ty: Ty = d.get(i + 4..i + 8).ok_or_else(video_damaged)?.try_into().map_err(|_| video_damaged())?;
        let (size, header) = match size32 {
            0 if top => (d.len() - i, 8),
            1 => (usize::try_from(be64(d, i + 8).ok_or_else(video_damaged)?).map_err(|_| video_damaged())?, 16),
            s => (s as usize, 8),
        };
        let header = if &ty == b"uuid" { header + 16 } else { header };
        let end = i.checked_add(size).ok_or_else(video_damaged)?;
        if size < header || end > d.len() {
            return Err(video_damaged());
        }
        v.push(Bx { ty, start: base + i as u64, at: base + (i + header) as u64, end: base + end as u64, data: &d[i + header..end] });
        i = end;
    }
    Ok(v)
}

fn child<'a>(list: &[Bx<'a>], ty: &Ty) -> Option<Bx<'a>> {
    list.iter().find(|b| &b.ty == ty).copied()
}

/// How a kept box is rebuilt.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Container,
    Leaf,
    Trak,
    Traf,
    Hdlr,
    Dref,
    Stsd,
    Stco,
    Co64,
    Tfhd,
    Trun,
}

/// The allow-list: what `ty` becomes inside `parent`, or `None` when it is dropped.
fn kind(parent: &Ty, ty: &Ty) -> Option<Kind> {
    use Kind::*;
    Some(match (parent, ty) {
        (b"moov", b"mvhd") | (b"mvex", b"mehd" | b"trex") | (b"trak", b"tkhd") | (b"edts", b"elst") | (b"mdia", b"mdhd") => Leaf,
        (b"moov", b"mvex") | (b"trak", b"edts" | b"mdia") | (b"mdia", b"minf") | (b"minf", b"dinf" | b"stbl") => Container,
        (b"moov", b"trak") => Trak,
        (b"mdia" | b"minf", b"hdlr") => Hdlr,
        (b"minf", b"vmhd" | b"smhd") => Leaf,
        (b"dinf", b"dref") => Dref,
        (b"stbl", b"stsd") => Stsd,
        (
            b"stbl",
            b"stts" | b"ctts" | b"cslg" | b"stss" | b"stps" | b"stsc" | b"stsz" | b"stz2" | b"sdtp" | b"sbgp" | b"sgpd" | b"subs" | b"padb",
        ) => Leaf,
        (b"stbl", b"stco") => Stco,
        (b"stbl", b"co64") => Co64,
        (b"moof", b"mfhd") | (b"traf", b"tfdt" | b"sbgp" | b"sgpd" | b"subs") => Leaf,
        (b"moof", b"traf") => Traf,
        (b"traf", b"tfhd") => Tfhd,
        (b"traf", b"trun") => Trun,
        _ => return None,
    })
}

/// Codec configuration and display boxes kept inside sample entries.
const SAMPLE_ENTRY_CHILDREN: [&Ty; 27] = [
    b"avcC", b"hvcC", b"vvcC", b"av1C", b"vpcC", b"dvcC", b"dvvC", b"esds", b"dOps", b"dfLa", b"alac", b"dac3", b"dec3", b"dac4", b"pasp",
    b"colr", b"btrt", b"clap", b"fiel", b"mdcv", b"clli", b"SmDm", b"CoLL", b"gama", b"chan", b"wave", b"glbl",
];

/// An offset in the input that must be moved to where the same byte lands in the output.
enum Patch {
    /// A table of `count` 32-bit (`wide` false) or 64-bit absolute offsets at `at` in the output.
    Table { at: usize, count: usize, wide: bool },
    /// A signed 32-bit offset relative to `base` (in the input) at `at`.
    Rel32 { at: usize, base: u64 },
}

/// Where a kept top-level box went.
struct Placed {
    start: u64,
    payload: u64,
    end: u64,
    out_start: usize,
    out_payload: usize,
    /// Its payload was copied as it is (`mdat`).
    verbatim: bool,
}

/// Where kept top-level boxes went, in file order.
struct Layout(Vec<Placed>);

impl Layout {
    /// Where input byte `x` is in the output: the start of a kept box, or any byte of the
    /// payload of a box copied as it is (its end included).
    fn map(&self, x: u64) -> Result<usize, CoreError> {
        let i = self.0.partition_point(|e| e.start <= x);
        let p = i.checked_sub(1).and_then(|i| self.0.get(i)).ok_or_else(video_damaged)?;
        if x == p.start {
            Ok(p.out_start)
        } else if p.verbatim && x >= p.payload && x <= p.end {
            usize::try_from(x - p.payload).ok().and_then(|d| p.out_payload.checked_add(d)).ok_or_else(video_damaged)
        } else {
            Err(video_damaged())
        }
    }
}

struct Rebuild {
    out: Vec<u8>,
    patches: Vec<Patch>,
    /// Track ids of the audio and video tracks (the others are dropped).
    kept: Vec<u32>,
    /// The handler of the track being written.
    handler: Ty,
    count: usize,
}

/// Rebuilds an MP4 or QuickTime file (the caller has sniffed `ftyp`).
pub(super) fn rebuild(b: &[u8]) -> Result<Vec<u8>, CoreError> {
    let mut count = 0;
    let top = boxes(b, 0, true, &mut count)?;
    let moov = match top.iter().filter(|x| &x.ty == b"moov").collect::<Vec<_>>()[..] {
        [m] => *m,
        _ => return Err(video_damaged()),
    };
    let traks = boxes(moov.data, moov.at, false, &mut count)?;
    let mut r = Rebuild { out: Vec::with_capacity(b.len()), patches: Vec::new(), kept: Vec::new(), handler: *b"vide", count };
    let mut zero = Vec::new();
    for t in traks.iter().filter(|t| &t.ty == b"trak") {
        let (id, handler) = track_identity(t, &mut r.count)?;
        if is_av(&handler) {
            r.kept.push(id);
        } else {
            dropped_samples(t, &mut r.count, &mut zero)?;
        }
    }
    if r.kept.is_empty() {
        return Err(video_damaged());
    }
    let mut layout = Vec::new();
    for x in &top {
        let at = r.out.len();
        match &x.ty {
            b"ftyp" | b"styp" | b"mdat" => {
                r.out.extend_from_slice(&(u32::try_from(x.data.len() + 8).map_err(|_| video_damaged())?).to_be_bytes());
                r.out.extend_from_slice(&x.ty);
                r.out.extend_from_slice(x.data);
            }
            b"moov" | b"moof" => r.container(x, x.start)?,
            _ => continue,
        }
        layout.push(Placed { start: x.start, payload: x.at, end: x.end, out_start: at, out_payload: at + 8, verbatim: &x.ty == b"mdat" });
    }
    let layout = Layout(layout);
    let mut out = r.out;
    for p in r.patches {
        match p {
            Patch::Table { at, count, wide } => {
                let w = if wide { 8 } else { 4 };
                for k in 0..count {
                    let pos = at + k * w;
                    if wide {
                        let new = layout.map(be64(&out, pos).ok_or_else(video_damaged)?)? as u64;
                        out[pos..pos + 8].copy_from_slice(&new.to_be_bytes());
                    } else {
                        let new = u32::try_from(layout.map(u64::from(be32(&out, pos).ok_or_else(video_damaged)?))?)
                            .map_err(|_| video_damaged())?;
                        out[pos..pos + 4].copy_from_slice(&new.to_be_bytes());
                    }
                }
            }
            Patch::Rel32 { at, base } => {
                let old = i64::from(be32(&out, at).ok_or_else(video_damaged)? as i32);
                let target = u64::try_from(i64::try_from(base).map_err(|_| video_damaged())? + old).map_err(|_| video_damaged())?;
                let new = layout.map(target)? as i64 - layout.map(base)? as i64;
                let new = i32::try_from(new).map_err(|_| video_damaged())?;
                out[at..at + 4].copy_from_slice(&new.to_be_bytes());
            }
        }
    }
    // Samples of different chunks never overlap: more to zero than the file holds is a
    // crafted table (and would make the work grow past the file's size).
    if zero.iter().try_fold(0u64, |sum, r| sum.checked_add(r.1)).is_none_or(|sum| sum > b.len() as u64) {
        return Err(video_damaged());
    }
    for (start, len) in zero {
        let from = layout.map(start)?;
        let to = layout.map(start.checked_add(len).ok_or_else(video_damaged)?)?;
        if to < from || to - from != usize::try_from(len).map_err(|_| video_damaged())? {
            return Err(video_damaged());
        }
        out[from..to].fill(0);
    }
    Ok(out)
}

fn is_av(handler: &Ty) -> bool {
    matches!(handler, b"vide" | b"soun")
}

/// A track's id and its media handler type (`vide`, `soun`, `meta`, `text`, …).
fn track_identity(t: &Bx, count: &mut usize) -> Result<(u32, Ty), CoreError> {
    let kids = boxes(t.data, t.at, false, count)?;
    let tkhd = child(&kids, b"tkhd").ok_or_else(video_damaged)?;
    let id = be32(tkhd.data, if tkhd.data.first() == Some(&1) { 20 } else { 12 }).ok_or_else(video_damaged)?;
    let handler = match child(&kids, b"mdia") {
        Some(m) => child(&boxes(m.data, m.at, false, count)?, b"hdlr").and_then(|h| h.data.get(8..12)?.try_into().ok()),
        None => None,
    };
    Ok((id, handler.unwrap_or(*b"none")))
}

/// The byte ranges of a dropped track's samples, from its sample table.
fn dropped_samples(t: &Bx, count: &mut usize, ranges: &mut Vec<(u64, u64)>) -> Result<(), CoreError> {
    let mut level = boxes(t.data, t.at, false, count)?;
    for ty in [b"mdia", b"minf", b"stbl"] {
        match child(&level, ty) {
            Some(x) => level = boxes(x.data, x.at, false, count)?,
            None => return Ok(()),
        }
    }
    let table = |ty: &Ty, entry: usize| -> Result<Option<(&[u8], usize)>, CoreError> {
        let Some(x) = child(&level, ty) else { return Ok(None) };
        let n = be32(x.data, 4).ok_or_else(video_damaged)? as usize;
        let rows = x.data.get(8..).ok_or_else(video_damaged)?;
        if n.checked_mul(entry).is_none_or(|len| len > rows.len()) {
            return Err(video_damaged());
        }
        Ok(Some((rows, n)))
    };
    let (offsets, chunks, wide) = match (table(b"stco", 4)?, table(b"co64", 8)?) {
        (Some((o, n)), _) => (o, n, false),
        (None, Some((o, n))) => (o, n, true),
        (None, None) => return Ok(()),
    };
    let (stsc, runs) = table(b"stsc", 12)?.ok_or_else(video_damaged)?;
    let stsz = child(&level, b"stsz").ok_or_else(video_damaged)?;
    let fixed = u64::from(be32(stsz.data, 4).ok_or_else(video_damaged)?);
    let sizes = stsz.data.get(12..).ok_or_else(video_damaged)?;
    let (mut sample, mut run) = (0usize, 0usize);
    for c in 0..chunks {
        while run + 1 < runs && be32(stsc, (run + 1) * 12).ok_or_else(video_damaged)? as usize <= c + 1 {
            run += 1;
        }
        let per_chunk = u64::from(be32(stsc, run * 12 + 4).ok_or_else(video_damaged)?);
        let start = if wide { be64(offsets, c * 8) } else { be32(offsets, c * 4).map(u64::from) }.ok_or_else(video_damaged)?;
        let len = if fixed > 0 {
            fixed.checked_mul(per_chunk).ok_or_else(video_damaged)?
        } else {
            let n = usize::try_from(per_chunk).map_err(|_| video_damaged())?;
            let mut sum = 0u64;
            for k in sample..sample.checked_add(n).ok_or_else(video_damaged)? {
                sum += u64::from(be32(sizes, k * 4).ok_or_else(video_damaged)?);
            }
            sample += n;
            sum
        };
        ranges.push((start, len));
    }
    Ok(())
}

impl Rebuild {
    /// Writes a kept box whose children are judged against its type by the allow-list.
    /// `moof` is the start of the enclosing fragment (the default base of its offsets).
    fn container(&mut self, x: &Bx, moof: u64) -> Result<(), CoreError> {
        let at = self.open(&x.ty);
        let kids = boxes(x.data, x.at, false, &mut self.count)?;
        let mut first_traf = true;
        for k in &kids {
            let Some(kk) = kind(&x.ty, &k.ty) else { continue };
            match kk {
                Kind::Leaf => self.leaf(&k.ty, k.data)?,
                Kind::Container => self.container(k, moof)?,
                Kind::Trak => {
                    let (id, handler) = track_identity(k, &mut self.count)?;
                    if is_av(&handler) && self.kept.contains(&id) {
                        self.handler = handler;
                        self.container(k, moof)?;
                    }
                }
                Kind::Traf => {
                    self.traf(k, moof, first_traf)?;
                    first_traf = false;
                }
                Kind::Hdlr => {
                    // Version, flags, pre-defined, handler type and reserved; an empty name.
                    let head = k.data.get(..24).ok_or_else(video_damaged)?;
                    self.leaf(&k.ty, &[head, &[0]].concat())?;
                }
                Kind::Dref => {
                    let entries = boxes(k.data.get(8..).ok_or_else(video_damaged)?, k.at + 8, false, &mut self.count)?.len().max(1);
                    let mut d = vec![0, 0, 0, 0];
                    d.extend_from_slice(&u32::try_from(entries).map_err(|_| video_damaged())?.to_be_bytes());
                    for _ in 0..entries {
                        // A self-contained `url ` (flag 1): the media is in this file.
                        d.extend_from_slice(&[0, 0, 0, 12, b'u', b'r', b'l', b' ', 0, 0, 0, 1]);
                    }
                    self.leaf(&k.ty, &d)?;
                }
                Kind::Stsd => self.stsd(k)?,
                Kind::Stco | Kind::Co64 => {
                    let wide = kk == Kind::Co64;
                    let n = be32(k.data, 4).ok_or_else(video_damaged)? as usize;
                    let table = n.checked_mul(if wide { 8 } else { 4 }).and_then(|l| k.data.get(8..8 + l)).ok_or_else(video_damaged)?;
                    let start = self.open(&k.ty);
                    self.out.extend_from_slice(&k.data[..8]);
                    self.patches.push(Patch::Table { at: self.out.len(), count: n, wide });
                    self.out.extend_from_slice(table);
                    self.close(start)?;
                }
                Kind::Tfhd | Kind::Trun => return Err(video_damaged()),
            }
        }
        self.close(at)
    }

    /// A track fragment of a kept track, its offsets recorded for moving.
    fn traf(&mut self, x: &Bx, moof: u64, first: bool) -> Result<(), CoreError> {
        let kids = boxes(x.data, x.at, false, &mut self.count)?;
        let tfhd = child(&kids, b"tfhd").ok_or_else(video_damaged)?;
        let flags = be32(tfhd.data, 0).ok_or_else(video_damaged)? & 0x00FF_FFFF;
        let id = be32(tfhd.data, 4).ok_or_else(video_damaged)?;
        if !self.kept.contains(&id) {
            // Samples of a dropped track inside fragments are not located: refuse rather than
            // keep them.
            return Err(video_damaged());
        }
        let base = if flags & 1 != 0 {
            Some(be64(tfhd.data, 8).ok_or_else(video_damaged)?)
        } else if flags & 0x02_0000 != 0 || first {
            Some(moof)
        } else {
            None
        };
        let at = self.open(&x.ty);
        for k in &kids {
            match kind(&x.ty, &k.ty) {
                Some(Kind::Leaf) => self.leaf(&k.ty, k.data)?,
                Some(Kind::Tfhd) => {
                    let start = self.open(&k.ty);
                    self.out.extend_from_slice(k.data);
                    if flags & 1 != 0 {
                        self.patches.push(Patch::Table { at: start + 16, count: 1, wide: true });
                    }
                    self.close(start)?;
                }
                Some(Kind::Trun) => {
                    let start = self.open(&k.ty);
                    self.out.extend_from_slice(k.data);
                    if be32(k.data, 0).ok_or_else(video_damaged)? & 1 != 0 {
                        be32(k.data, 8).ok_or_else(video_damaged)?;
                        self.patches.push(Patch::Rel32 { at: start + 16, base: base.ok_or_else(video_damaged)? });
                    }
                    self.close(start)?;
                }
                _ => {}
            }
        }
        self.close(at)
    }

    /// Sample descriptions: every entry is kept with its fixed fields (the encoder name of a
    /// visual entry blanked) and only the allow-listed configuration boxes.
    fn stsd(&mut self, x: &Bx) -> Result<(), CoreError> {
        let at = self.open(&x.ty);
        self.out.extend_from_slice(x.data.get(..8).ok_or_else(video_damaged)?);
        for e in boxes(&x.data[8..], x.at + 8, false, &mut self.count)? {
            // Visual entries have 78 bytes of fields, audio ones 28 (QuickTime sound
            // descriptions 44 or 64 by their version).
            let fixed = match (&self.handler, be16(e.data, 8)) {
                (b"vide", _) => 78,
                (_, Some(1)) => 44,
                (_, Some(2)) => 64,
                _ => 28,
            };
            let head = e.data.get(..fixed).ok_or_else(video_damaged)?;
            let entry = self.open(&e.ty);
            self.out.extend_from_slice(head);
            if fixed == 78 {
                let name = entry + 8 + 42;
                self.out[name..name + 32].fill(0);
            }
            for c in boxes(&e.data[fixed..], e.at + fixed as u64, false, &mut self.count)? {
                if SAMPLE_ENTRY_CHILDREN.contains(&&c.ty) {
                    self.leaf(&c.ty, c.data)?;
                }
            }
            self.close(entry)?;
        }
        self.close(at)
    }

    fn open(&mut self, ty: &Ty) -> usize {
        let at = self.out.len();
        self.out.extend_from_slice(&[0, 0, 0, 0]);
        self.out.extend_from_slice(ty);
        at
    }

    fn close(&mut self, at: usize) -> Result<(), CoreError> {
        let size = u32::try_from(self.out.len() - at).map_err(|_| video_damaged())?;
        self.out[at..at + 4].copy_from_slice(&size.to_be_bytes());
        Ok(())
    }

    fn leaf(&mut self, ty: &Ty, data: &[u8]) -> Result<(), CoreError> {
        self.out.extend_from_slice(&u32::try_from(data.len() + 8).map_err(|_| video_damaged())?.to_be_bytes());
        self.out.extend_from_slice(ty);
        self.out.extend_from_slice(data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testset::bx;
    use super::*;

    fn movie(handler: &[u8; 4], stbl: &[u8]) -> Vec<u8> {
        let tkhd = bx(b"tkhd", &[[0u8; 12].as_slice(), &[0, 0, 0, 1], &[0; 68]].concat());
        let hdlr = bx(b"hdlr", &[[0u8; 8].as_slice(), handler, &[0; 12], b"CnryHandlerName\0"].concat());
        let minf = bx(b"minf", &bx(b"stbl", stbl));
        let mut v = bx(b"ftyp", b"isom\0\0\0\0isom");
        let video = bx(b"trak", &[tkhd.clone(), bx(b"mdia", &[hdlr.clone(), minf.clone()].concat())].concat());
        let mut other = video.clone();
        if handler != b"vide" {
            let h2 = bx(b"hdlr", &[[0u8; 8].as_slice(), b"vide", &[0; 13]].concat());
            other = bx(b"trak", &[tkhd, bx(b"mdia", &h2)].concat());
        }
        v.extend(bx(b"moov", &[bx(b"mvhd", &[0; 100]), other, if handler == b"vide" { Vec::new() } else { video }].concat()));
        v
    }

    #[test]
    fn handler_names_go_and_a_crafted_sample_table_cannot_make_work_grow() {
        let mut v = movie(b"vide", &[]);
        v.extend(bx(b"mdat", b"frames"));
        let out = rebuild(&v).unwrap();
        assert!(!out.windows(4).any(|w| w == b"Cnry"), "the handler name is gone");
        assert_eq!(rebuild(&out).unwrap(), out);
        // A metadata track whose chunks all point at the same 1,000 bytes of media data: one
        // chunk is zeroed, 100,000 are refused.
        let meta = |n: u32| {
            let table = |at: u32| [[0u8; 4].as_slice(), &n.to_be_bytes(), &at.to_be_bytes().repeat(n as usize)].concat();
            let stsc = bx(b"stsc", &[[0u8; 4].as_slice(), &[0, 0, 0, 1], &[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]].concat());
            let stsz = bx(b"stsz", &[[0u8; 4].as_slice(), &1000u32.to_be_bytes(), &n.to_be_bytes()].concat());
            let at = movie(b"meta", &[bx(b"stco", &table(0)), stsc.clone(), stsz.clone()].concat()).len() as u32 + 8;
            let mut v = movie(b"meta", &[bx(b"stco", &table(at)), stsc, stsz].concat());
            v.extend(bx(b"mdat", &[7u8; 1000]));
            v
        };
        let out = rebuild(&meta(1)).unwrap();
        assert!(out.ends_with(&[0u8; 1000]), "the dropped track's samples are zeroed");
        let v = meta(100_000);
        assert!(rebuild(&v).is_err(), "more samples to zero than the file holds");
    }
}
