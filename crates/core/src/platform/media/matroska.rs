//! WebM and Matroska (EBML), rebuilt from an allow-list of elements: the EBML header (version
//! and document type), then one Segment holding a new SeekHead, Info (timestamp scale and
//! duration), Tracks (audio and video tracks with the fields a decoder needs, no names),
//! Clusters (timestamps and the blocks of kept tracks, copied as they are) and Cues (with
//! cluster positions moved to where the clusters now are). Tags, Attachments, Chapters,
//! titles, application and date fields, Void and CRC elements, subtitle and other tracks with
//! their blocks, unknown elements and anything after the Segment are dropped. Elements of
//! unknown size (live recordings) are given their size.
//!
//! It must not decode or re-encode frames. Nesting is fixed by the allow-list, counts are
//! bounded by [`MAX_ELEMENTS`].

use super::bytes::video_damaged;
use crate::platform::error::CoreError;

/// At most this many elements are read (an hour of audio and video has a few hundred
/// thousand blocks); it also bounds the memory of the element lists.
const MAX_ELEMENTS: usize = 1_000_000;

const EBML: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TRACKS: u32 = 0x1654_AE6B;
const CLUSTER: u32 = 0x1F43_B675;
const CUES: u32 = 0x1C53_BB6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_TYPE: u32 = 0x83;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const CUE_POINT: u32 = 0xBB;
const CUE_TRACK_POSITIONS: u32 = 0xB7;
const CUE_TRACK: u32 = 0xF7;
const CUE_CLUSTER_POSITION: u32 = 0xF1;

/// EBML header fields kept: versions, lengths and document type.
const HEADER_KEEP: [u32; 7] = [0x4286, 0x42F7, 0x42F2, 0x42F3, 0x4282, 0x4287, 0x4285];
const INFO_KEEP: [u32; 2] = [0x2A_D7B1, 0x4489];
/// Track fields kept (Video and Audio are rebuilt with their own lists).
const TRACK_KEEP: [u32; 16] = [
    TRACK_NUMBER,
    0x73C5,
    TRACK_TYPE,
    0xB9,
    0x88,
    0x55AA,
    0x9C,
    0x23_E383,
    0x23_4E7A,
    0x23_314F,
    0x86,
    0x63A2,
    0x56AA,
    0x56BB,
    0x22_B59C,
    0x6D80,
];
const VIDEO: u32 = 0xE0;
const AUDIO: u32 = 0xE1;
const VIDEO_KEEP: [u32; 16] =
    [0xB0, 0xBA, 0x54B0, 0x54BA, 0x54B2, 0x54B3, 0x9A, 0x53B8, 0x53C0, 0x54AA, 0x54BB, 0x54CC, 0x54DD, 0x55B0, 0x23_83E3, 0x2E_B524];
const AUDIO_KEEP: [u32; 4] = [0xB5, 0x78B5, 0x9F, 0x6264];
/// Children of a Cluster (ending an unknown-size Cluster at anything else).
const CLUSTER_CHILDREN: [u32; 9] = [0xE7, 0xA7, 0xAB, SIMPLE_BLOCK, BLOCK_GROUP, 0xAF, 0x5854, 0xEC, 0xBF];
/// Block group fields kept: the block, its duration, references, padding and additions
/// (which carry the alpha channel of VP8/VP9).
const BLOCK_GROUP_KEEP: [u32; 5] = [BLOCK, 0x9B, 0xFB, 0x75A2, 0x75A1];
const CUE_POINT_KEEP: u32 = 0xB3;
const CUE_POSITIONS_KEEP: [u32; 3] = [CUE_TRACK, 0x5378, 0xB2];

/// An element: its id, where it starts (relative to the slice it was read from) and its data.
#[derive(Clone, Copy)]
struct El<'a> {
    id: u32,
    start: usize,
    end: usize,
    data: &'a [u8],
}

/// A variable-length integer at `i`: `(value with its length marker, length)` for ids.
fn read_id(b: &[u8], i: usize) -> Result<(u32, usize), CoreError> {
    let first = *b.get(i).ok_or_else(video_damaged)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 4 {
        return Err(video_damaged());
    }
    let bytes = b.get(i..i + len).ok_or_else(video_damaged)?;
    Ok((bytes.iter().fold(0u32, |a, &x| a << 8 | u32::from(x)), len))
}

/// A size at `i`: `(Some(value) or None when unknown, length)`.
fn read_size(b: &[u8], i: usize) -> Result<(Option<u64>, usize), CoreError> {
    let first = *b.get(i).ok_or_else(video_damaged)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return Err(video_damaged());
    }
    let bytes = b.get(i..i + len).ok_or_else(video_damaged)?;
    let mask = if len == 8 { 0 } else { 0xFFu8 >> len };
    let value = bytes[1..].iter().fold(u64::from(first & mask), |a, &x| a << 8 | u64::from(x));
    let all_ones = (1u64 << (7 * len)) - 1;
    Ok((if value == all_ones { None } else { Some(value) }, len))
}

/// The elements of `d`. An element of unknown size is allowed only when `unknown_ok` says so
/// for its id; it then ends at the first element that is not one of its children.
fn elements<'a>(
    d: &'a [u8],
    count: &mut usize,
    unknown_ok: &dyn Fn(u32) -> bool,
    stop: &dyn Fn(u32) -> bool,
) -> Result<Vec<El<'a>>, CoreError> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < d.len() {
        *count += 1;
        if *count > MAX_ELEMENTS {
            return Err(video_damaged());
        }
        let (id, il) = read_id(d, i)?;
        if stop(id) {
            break;
        }
        let (size, sl) = read_size(d, i + il)?;
        let from = i + il + sl;
        let end = match size {
            Some(s) => from.checked_add(usize::try_from(s).map_err(|_| video_damaged())?).ok_or_else(video_damaged)?,
            None if unknown_ok(id) && id == CLUSTER => {
                let rest = d.get(from..).ok_or_else(video_damaged)?;
                let kids = elements(rest, count, &|_| false, &|c| !CLUSTER_CHILDREN.contains(&c))?;
                from + kids.last().map_or(0, |k| k.end)
            }
            None if unknown_ok(id) => d.len(),
            None => return Err(video_damaged()),
        };
        v.push(El { id, start: i, end, data: d.get(from..end).ok_or_else(video_damaged)? });
        if id == SEGMENT {
            // The first Segment is the file; what follows it is not read.
            break;
        }
        i = end;
    }
    Ok(v)
}

fn children<'a>(d: &'a [u8], count: &mut usize) -> Result<Vec<El<'a>>, CoreError> {
    elements(d, count, &|_| false, &|_| false)
}

fn uint(d: &[u8]) -> Result<u64, CoreError> {
    if d.len() > 8 {
        return Err(video_damaged());
    }
    Ok(d.iter().fold(0u64, |a, &x| a << 8 | u64::from(x)))
}

/// The track number a (simple) block belongs to.
fn block_track(d: &[u8]) -> Result<u64, CoreError> {
    match read_size(d, 0)? {
        (Some(n), _) => Ok(n),
        (None, _) => Err(video_damaged()),
    }
}

/// A size as EBML writes it (`v[8 - len..]`): eight bytes when `fixed`, else the shortest
/// (all ones is reserved for "unknown").
fn vint(n: u64, fixed: bool) -> ([u8; 8], usize) {
    let len = if fixed { 8 } else { (1..=8).find(|&l| n < (1u64 << (7 * l)) - 1).unwrap_or(8) };
    let mut v = n.to_be_bytes();
    v[8 - len] |= 0x80 >> (len - 1);
    (v, len)
}

struct Writer {
    out: Vec<u8>,
    count: usize,
}

impl Writer {
    fn id(&mut self, id: u32) {
        let b = id.to_be_bytes();
        let skip = (id.leading_zeros() / 8) as usize;
        self.out.extend_from_slice(&b[skip.min(3)..]);
    }

    /// Starts a master element; its size is written by [`Writer::close`].
    fn open(&mut self, id: u32) -> usize {
        self.id(id);
        let at = self.out.len();
        self.out.extend_from_slice(&[0x01, 0, 0, 0, 0, 0, 0, 0]);
        at
    }

    /// Ends a master element: an eight-byte size when `fixed` (positions inside it were
    /// recorded), else the shortest.
    fn close(&mut self, at: usize, fixed: bool) {
        let n = (self.out.len() - at - 8) as u64;
        let (v, len) = vint(n, fixed);
        self.out[at..at + len].copy_from_slice(&v[8 - len..]);
        if len < 8 {
            self.out.copy_within(at + 8.., at + len);
            self.out.truncate(self.out.len() - (8 - len));
        }
    }

    fn leaf(&mut self, e: &El) {
        self.id(e.id);
        let (v, len) = vint(e.data.len() as u64, false);
        self.out.extend_from_slice(&v[8 - len..]);
        self.out.extend_from_slice(e.data);
    }

    /// A master element keeping only the listed children, copied as they are.
    fn filtered(&mut self, e: &El, keep: &[u32]) -> Result<(), CoreError> {
        let at = self.open(e.id);
        for k in children(e.data, &mut self.count)? {
            if keep.contains(&k.id) {
                self.leaf(&k);
            }
        }
        self.close(at, false);
        Ok(())
    }
}

/// Rebuilds a WebM or Matroska file (the caller has sniffed the EBML magic).
pub(super) fn rebuild(b: &[u8]) -> Result<Vec<u8>, CoreError> {
    let mut w = Writer { out: Vec::with_capacity(b.len()), count: 0 };
    let top = elements(b, &mut w.count, &|id| id == SEGMENT, &|_| false)?;
    let header = top.first().filter(|e| e.id == EBML).ok_or_else(video_damaged)?;
    let doc_type = children(header.data, &mut w.count)?.into_iter().find(|e| e.id == 0x4282).map(|e| e.data);
    if !matches!(doc_type, Some(b"webm" | b"matroska")) {
        return Err(video_damaged());
    }
    w.filtered(header, &HEADER_KEEP)?;
    let segment = top.iter().find(|e| e.id == SEGMENT).ok_or_else(video_damaged)?;
    let parts = elements(segment.data, &mut w.count, &|id| id == CLUSTER, &|id| id == EBML)?;
    let tracks = parts.iter().find(|e| e.id == TRACKS).ok_or_else(video_damaged)?;
    let mut kept = Vec::new();
    for t in children(tracks.data, &mut w.count)?.iter().filter(|t| t.id == TRACK_ENTRY) {
        let fields = children(t.data, &mut w.count)?;
        let field = |id| fields.iter().find(|f| f.id == id).map(|f| uint(f.data)).transpose();
        if matches!(field(TRACK_TYPE)?, Some(1 | 2)) {
            kept.push(field(TRACK_NUMBER)?.ok_or_else(video_damaged)?);
        }
    }
    if kept.is_empty() {
        return Err(video_damaged());
    }
    let seg = w.open(SEGMENT);
    let seg_data = w.out.len();
    // The SeekHead: Info, Tracks and Cues, each at an eight-byte position patched at the end.
    let indexed: Vec<u32> = [INFO, TRACKS, CUES].into_iter().filter(|id| parts.iter().any(|p| p.id == *id)).collect();
    let seek_head = w.open(0x114D_9B74);
    let mut seek_slots = Vec::new();
    for id in &indexed {
        let s = w.open(0x4DBB);
        w.out.extend_from_slice(&[0x53, 0xAB, 0x84]);
        w.out.extend_from_slice(&id.to_be_bytes());
        w.out.extend_from_slice(&[0x53, 0xAC, 0x88]);
        seek_slots.push((*id, w.out.len()));
        w.out.extend_from_slice(&[0; 8]);
        w.close(s, true);
    }
    w.close(seek_head, true);
    let (mut placed, mut clusters, mut cue_slots) = (Vec::new(), Vec::new(), Vec::new());
    for p in &parts {
        let at = w.out.len() - seg_data;
        match p.id {
            INFO => w.filtered(p, &INFO_KEEP)?,
            TRACKS => {
                let t = w.open(TRACKS);
                for e in children(p.data, &mut w.count)?.iter().filter(|t| t.id == TRACK_ENTRY) {
                    let fields = children(e.data, &mut w.count)?;
                    let number = fields.iter().find(|f| f.id == TRACK_NUMBER).map(|f| uint(f.data)).transpose()?;
                    if !number.is_some_and(|n| kept.contains(&n)) {
                        continue;
                    }
                    let te = w.open(TRACK_ENTRY);
                    for f in &fields {
                        match f.id {
                            VIDEO => w.filtered(f, &VIDEO_KEEP)?,
                            AUDIO => w.filtered(f, &AUDIO_KEEP)?,
                            id if TRACK_KEEP.contains(&id) => w.leaf(f),
                            _ => {}
                        }
                    }
                    w.close(te, false);
                }
                w.close(t, false);
            }
            CLUSTER => {
                clusters.push((p.start, at));
                let c = w.open(CLUSTER);
                for k in children(p.data, &mut w.count)? {
                    match k.id {
                        0xE7 => w.leaf(&k),
                        SIMPLE_BLOCK if kept.contains(&block_track(k.data)?) => w.leaf(&k),
                        BLOCK_GROUP => {
                            let fields = children(k.data, &mut w.count)?;
                            let block = fields.iter().find(|f| f.id == BLOCK).ok_or_else(video_damaged)?;
                            if kept.contains(&block_track(block.data)?) {
                                w.filtered(&k, &BLOCK_GROUP_KEEP)?;
                            }
                        }
                        _ => {}
                    }
                }
                w.close(c, false);
            }
            CUES => {
                let cues = w.open(CUES);
                for point in children(p.data, &mut w.count)?.iter().filter(|e| e.id == CUE_POINT) {
                    let fields = children(point.data, &mut w.count)?;
                    let cp = w.open(CUE_POINT);
                    let mut any = false;
                    for f in &fields {
                        if f.id == CUE_POINT_KEEP {
                            w.leaf(f);
                        } else if f.id == CUE_TRACK_POSITIONS {
                            let pos = children(f.data, &mut w.count)?;
                            let track = pos.iter().find(|x| x.id == CUE_TRACK).map(|x| uint(x.data)).transpose()?;
                            let cluster = pos.iter().find(|x| x.id == CUE_CLUSTER_POSITION).map(|x| uint(x.data)).transpose()?;
                            let (Some(track), Some(cluster)) = (track, cluster) else { return Err(video_damaged()) };
                            if !kept.contains(&track) {
                                continue;
                            }
                            any = true;
                            let tp = w.open(CUE_TRACK_POSITIONS);
                            for x in pos.iter().filter(|x| CUE_POSITIONS_KEEP.contains(&x.id)) {
                                w.leaf(x);
                            }
                            w.out.extend_from_slice(&[0xF1, 0x88]);
                            cue_slots.push((w.out.len(), cluster));
                            w.out.extend_from_slice(&[0; 8]);
                            w.close(tp, true);
                        }
                    }
                    if any {
                        w.close(cp, true);
                    } else {
                        w.out.truncate(cp - 1);
                    }
                }
                w.close(cues, true);
            }
            _ => continue,
        }
        placed.push((p.id, at));
    }
    w.close(seg, true);
    let mut out = w.out;
    for (id, slot) in seek_slots {
        let at = placed.iter().find(|p| p.0 == id).map(|p| p.1).ok_or_else(video_damaged)?;
        out[slot..slot + 8].copy_from_slice(&(at as u64).to_be_bytes());
    }
    for (slot, old) in cue_slots {
        let i = clusters.binary_search_by_key(&old, |c| c.0 as u64).map_err(|_| video_damaged())?;
        out[slot..slot + 8].copy_from_slice(&(clusters[i].1 as u64).to_be_bytes());
    }
    Ok(out)
}
