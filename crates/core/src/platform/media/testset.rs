//! The forensic media test set (issue 11, finding 3): real, decodable images and playable
//! videos, each carrying a marker in every place where metadata hides (EXIF GPS of the second
//! picture of a multi-picture JPEG, bytes after the end, XMP, comments, PNG text and private
//! chunks, WebP EXIF/XMP, MP4 `©xyz`/`loci`/`meta`/XMP `uuid`, WebM tags and names, subtitle
//! tracks), and the decoders that prove pixels and frames survive sanitising.
//!
//! Test support only: compiled for this crate's tests and, through the `test-media` feature,
//! for the test kit; never part of the server. Videos are made by the `ffmpeg` command line
//! (Debian package `ffmpeg`), which must be installed: [`ffmpeg_or_skip`] fails the calling
//! test with an install hint when it is missing, unless `CLEARBOARD_TEST_SKIP` names `media`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// A 32×24 test pattern (RGB), different for each `seed`.
pub fn pattern(seed: u8) -> Vec<u8> {
    (0..24u32).flat_map(|y| (0..32u32).flat_map(move |x| [(x * 8) as u8 ^ seed, (y * 10) as u8, ((x + y) * 4) as u8 ^ seed])).collect()
}

/// A fake ICC profile (viewers ignore a profile they cannot read; the sanitiser keeps it).
fn icc() -> Vec<u8> {
    let mut v = vec![0u8; 132];
    v[..4].copy_from_slice(&132u32.to_be_bytes());
    v[36..40].copy_from_slice(b"acsp");
    v
}

/// A big-endian TIFF (EXIF) block whose GPS directory holds "N" and `text` as the processing
/// method, as a phone writes latitude and its source.
pub fn exif_gps(text: &str) -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0 at 8: one entry, GPS IFD pointer (0x8825) to 26.
    t.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD at 26: LatitudeRef "N", ProcessingMethod (UNDEFINED) at 56.
    let n = u32::try_from(text.len() + 8).unwrap().to_be_bytes();
    t.extend_from_slice(&[0, 2, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0x1B, 0, 7, n[0], n[1], n[2], n[3], 0, 0, 0, 56, 0, 0, 0, 0]);
    t.extend_from_slice(b"ASCII\0\0\0");
    t.extend_from_slice(text.as_bytes());
    t
}

fn jpeg_of(seed: u8, progressive: bool, exif: Option<&[u8]>, xmp: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, 90);
    e.set_progressive(progressive);
    e.add_icc_profile(&icc()).unwrap();
    if let Some(x) = exif {
        e.add_exif_metadata(x).unwrap();
    }
    if let Some(x) = xmp {
        e.add_app_segment(
            1,
            format!("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description exif:GPSLatitude=\"{x}\"/></x:xmpmeta>").into_bytes(),
        )
        .unwrap();
    }
    e.encode(&pattern(seed), 32, 24, jpeg_encoder::ColorType::Rgb).unwrap();
    out
}

/// Inserts a marker segment right after SOI.
fn insert_segment(jpeg: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    let mut seg = vec![0xFF, marker];
    seg.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    seg.extend_from_slice(payload);
    jpeg.splice(2..2, seg);
}

/// A multi-picture JPEG as phones write it: a first picture with EXIF GPS, XMP, a comment
/// and an MPF index (APP2), then a second full JPEG with its own EXIF GPS, then more bytes.
/// Markers: `{m}-exif`, `-xmp`, `-com`, `-gps-second`, `-after-eoi`.
pub fn forensic_jpeg(m: &str) -> Vec<u8> {
    let second = jpeg_of(77, false, Some(&exif_gps(&format!("{m}-gps-second"))), None);
    let mut first = jpeg_of(1, false, Some(&exif_gps(&format!("{m}-exif"))), Some(&format!("{m}-xmp")));
    insert_segment(&mut first, 0xFE, format!("{m}-com").as_bytes());
    // MPF: "MPF\0", a TIFF header, version, two images, and their entries (offsets from the
    // TIFF header, which starts 8 bytes into the segment, so after SOI + 4 + 4).
    let mpf_len = 4 + 8 + 2 + 3 * 12 + 4 + 32;
    let total_first = first.len() + mpf_len + 4;
    let mut mpf = b"MPF\0MM\0\x2a\0\0\0\x08\0\x03".to_vec();
    mpf.extend_from_slice(&[0xB0, 0, 0, 7, 0, 0, 0, 4, b'0', b'1', b'0', b'0']);
    mpf.extend_from_slice(&[0xB0, 1, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2]);
    mpf.extend_from_slice(&[0xB0, 2, 0, 7, 0, 0, 0, 32, 0, 0, 0, 50, 0, 0, 0, 0]);
    for (attr, size, offset) in [(0x2003_0000u32, total_first, 0usize), (0x0001_0000, second.len(), total_first - 8)] {
        mpf.extend_from_slice(&attr.to_be_bytes());
        mpf.extend_from_slice(&u32::try_from(size).unwrap().to_be_bytes());
        mpf.extend_from_slice(&u32::try_from(offset).unwrap().to_be_bytes());
        mpf.extend_from_slice(&[0, 0, 0, 0]);
    }
    assert_eq!(mpf.len(), mpf_len);
    insert_segment(&mut first, 0xE2, &mpf);
    first.extend_from_slice(&second);
    first.extend_from_slice(format!("{m}-after-eoi").as_bytes());
    first
}

/// A progressive JPEG with a comment between two of its scans.
pub fn progressive_jpeg_with_comment(text: &str) -> Vec<u8> {
    let mut v = jpeg_of(5, true, None, None);
    // The first scan's data ends at the first marker after it (data has only FF00 and RSTn).
    let sos = v.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let next = (sos + 2..v.len() - 1).find(|&i| v[i] == 0xFF && !matches!(v[i + 1], 0x00 | 0xD0..=0xD7)).unwrap();
    let mut com = vec![0xFF, 0xFE];
    com.extend_from_slice(&u16::try_from(text.len() + 2).unwrap().to_be_bytes());
    com.extend_from_slice(text.as_bytes());
    v.splice(next..next, com);
    v
}

/// The decoded pixels of a JPEG's (first) picture.
pub fn jpeg_pixels(b: &[u8]) -> Vec<u8> {
    let mut d = jpeg_decoder::Decoder::new(b);
    d.decode().expect("a decodable JPEG")
}

/// A PNG with tEXt and iTXt (`{m}-text`, `-itxt`), eXIf (`-exif`), private chunks `prVt` and
/// `zzZz` (`-private`), an ICC profile named `{m}-icc-name`, a time, and bytes after IEND.
pub fn forensic_png(m: &str) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut info = png::Info::with_size(32, 24);
        info.color_type = png::ColorType::Rgb;
        info.bit_depth = png::BitDepth::Eight;
        info.source_gamma = Some(png::ScaledFloat::new(0.45455));
        info.pixel_dims = Some(png::PixelDimensions { xppu: 2835, yppu: 2835, unit: png::Unit::Meter });
        info.icc_profile = Some(icc().into());
        info.exif_metadata = Some(exif_gps(&format!("{m}-exif")).into());
        let mut e = png::Encoder::with_info(&mut out, info).unwrap();
        e.add_text_chunk("Comment".into(), format!("{m}-text")).unwrap();
        e.add_itxt_chunk("Location".into(), format!("{m}-itxt")).unwrap();
        let mut w = e.write_header().unwrap();
        w.write_chunk(png::chunk::ChunkType(*b"prVt"), format!("{m}-private").as_bytes()).unwrap();
        w.write_chunk(png::chunk::ChunkType(*b"tIME"), &[7, 234, 11, 29, 12, 0, 0]).unwrap();
        w.write_image_data(&pattern(9)).unwrap();
        w.write_chunk(png::chunk::ChunkType(*b"zzZz"), format!("{m}-private-2").as_bytes()).unwrap();
        w.finish().unwrap();
    }
    // Name the ICC profile (the encoder calls it "_") and fix the chunk's CRC.
    let at = out.windows(4).position(|w| w == b"iCCP").unwrap() - 4;
    let len = u32::from_be_bytes(out[at..at + 4].try_into().unwrap()) as usize;
    let mut data = format!("{m}-icc-name").into_bytes();
    data.extend_from_slice(&out[at + 8 + 1..at + 8 + len]);
    let mut chunk = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    chunk.extend_from_slice(b"iCCP");
    chunk.extend_from_slice(&data);
    chunk.extend_from_slice(&crc32fast::hash(&chunk[4..]).to_be_bytes());
    out.splice(at..at + 12 + len, chunk);
    out.extend_from_slice(format!("{m}-after-iend").as_bytes());
    out
}

/// The decoded pixels of a PNG.
pub fn png_pixels(b: &[u8]) -> Vec<u8> {
    let mut r = png::Decoder::new(std::io::Cursor::new(b)).read_info().expect("a decodable PNG");
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).expect("a decodable PNG frame");
    buf.truncate(info.buffer_size());
    buf
}

/// A lossless WebP with EXIF (`{m}-exif`), XMP (`-xmp`), an unknown chunk (`-unknown`) and
/// bytes after the RIFF (`-after-riff`).
pub fn forensic_webp(m: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = image_webp::WebPEncoder::new(&mut out);
    e.set_icc_profile(icc());
    e.set_exif_metadata(exif_gps(&format!("{m}-exif")));
    e.set_xmp_metadata(format!("<x:xmpmeta>{m}-xmp</x:xmpmeta>").into_bytes());
    e.encode(&pattern(3), 32, 24, image_webp::ColorType::Rgb8).unwrap();
    let unknown = format!("{m}-unknown");
    out.extend_from_slice(b"XYZW");
    out.extend_from_slice(&u32::try_from(unknown.len()).unwrap().to_le_bytes());
    out.extend_from_slice(unknown.as_bytes());
    if unknown.len() % 2 == 1 {
        out.push(0);
    }
    let riff = u32::try_from(out.len() - 8).unwrap();
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out.extend_from_slice(format!("{m}-after-riff").as_bytes());
    out
}

/// The decoded pixels of a WebP.
pub fn webp_pixels(b: &[u8]) -> Vec<u8> {
    let mut d = image_webp::WebPDecoder::new(std::io::Cursor::new(b)).expect("a decodable WebP");
    let mut buf = vec![0; d.output_buffer_size().unwrap()];
    d.read_image(&mut buf).expect("decodable WebP pixels");
    buf
}

// ---- Videos, made by ffmpeg. ----

/// Whether the video tests run: `true` when ffmpeg is there; `false` (after saying so) when
/// it is missing and `CLEARBOARD_TEST_SKIP` contains `media`; otherwise the test fails.
pub fn ffmpeg_or_skip(test: &str) -> bool {
    let ok = ["ffmpeg", "ffprobe"].iter().all(|t| Command::new(t).arg("-version").output().is_ok_and(|o| o.status.success()));
    if ok {
        return true;
    }
    if std::env::var("CLEARBOARD_TEST_SKIP").is_ok_and(|v| v.contains("media")) {
        println!("{test}: SKIPPED: ffmpeg is missing and CLEARBOARD_TEST_SKIP contains `media`");
        return false;
    }
    panic!("{test} needs ffmpeg and ffprobe: install ffmpeg (apt-get install ffmpeg), or set CLEARBOARD_TEST_SKIP=media to skip it");
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let o = cmd.output().expect("ffmpeg runs");
    assert!(o.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

/// How an MP4 is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mp4Layout {
    /// ffmpeg's default: `mdat` first, `moov` at the end.
    MoovAtEnd,
    /// `-movflags +faststart`: `moov` before `mdat`.
    FastStart,
    /// `-movflags frag_keyframe+empty_moov`: fragments with absolute base offsets.
    Fragmented,
}

/// A one-second 64×48 H.264 + AAC MP4 (and, unfragmented, a subtitle track whose text is
/// `{m}-subtitle`), titled `{m}-title` by ffmpeg (`moov/udta/meta`), to which are added
/// `©xyz` (`{m}-xyz`) and `loci` (`{m}-loci`) in `moov/udta`, a `meta` box in the video
/// track (`{m}-trak-meta`) and XMP `uuid` boxes at the top level (`{m}-xmp`).
pub fn forensic_mp4(m: &str, layout: Mp4Layout, dir: &Path) -> Vec<u8> {
    let srt = dir.join("sub.srt");
    std::fs::write(&srt, format!("1\n00:00:00,000 --> 00:00:00,900\n{m}-subtitle\n")).unwrap();
    let out = dir.join(format!("{layout:?}.mp4"));
    let mut c = Command::new("ffmpeg");
    c.args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=10", "-f", "lavfi", "-i", "sine=duration=1"]);
    if layout != Mp4Layout::Fragmented {
        c.arg("-i").arg(&srt).args(["-map", "0", "-map", "1", "-map", "2", "-c:s", "mov_text"]);
    }
    c.args(["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-metadata", &format!("title={m}-title")]);
    match layout {
        Mp4Layout::MoovAtEnd => {}
        Mp4Layout::FastStart => {
            c.args(["-movflags", "+faststart"]);
        }
        Mp4Layout::Fragmented => {
            c.args(["-movflags", "frag_keyframe+empty_moov"]);
        }
    }
    run(c.arg(&out));
    let mut v = std::fs::read(&out).unwrap();
    let mut udta = bx(b"\xA9xyz", &[&[0, 0x0D, 0x15, 0xC7], format!("{m}-xyz").as_bytes()].concat());
    udta.extend(bx(b"loci", &[&[0, 0, 0, 0, 0x15, 0xC7], format!("{m}-loci\0").as_bytes(), &[0; 13], b"earth\0\0"].concat()));
    insert_into(&mut v, &[b"moov"], &bx(b"udta", &udta));
    let meta = [
        &[0u8, 0, 0, 0][..],
        &bx(b"hdlr", &[&[0u8; 8][..], b"mdta", &[0; 13]].concat()),
        &bx(b"xml ", format!("\0\0\0\0{m}-trak-meta").as_bytes()),
    ]
    .concat();
    insert_into(&mut v, &[b"moov", b"trak"], &bx(b"meta", &meta));
    let xmp_uuid = [
        &[0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC][..],
        format!("<x:xmpmeta>{m}-xmp</x:xmpmeta>").as_bytes(),
    ]
    .concat();
    let uuid = bx(b"uuid", &xmp_uuid);
    let ftyp = u32::from_be_bytes(v[0..4].try_into().unwrap()) as usize;
    v.splice(ftyp..ftyp, uuid.clone());
    shift_offsets(&mut v, ftyp, uuid.len());
    v.extend_from_slice(&uuid);
    v
}

/// A one-second 64×48 VP8 + Opus WebM with a WebVTT subtitle track (`{m}-subtitle`), a title
/// (`{m}-title`), a comment tag (`{m}-tag`) and a track name (`{m}-track-name`), followed by
/// bytes after the Segment (`{m}-after`).
pub fn forensic_webm(m: &str, dir: &Path) -> Vec<u8> {
    let srt = dir.join("sub.srt");
    std::fs::write(&srt, format!("1\n00:00:00,000 --> 00:00:00,900\n{m}-subtitle\n")).unwrap();
    let out = dir.join("forensic.webm");
    run(Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=64x48:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1",
            "-i",
        ])
        .arg(&srt)
        .args(["-map", "0", "-map", "1", "-map", "2", "-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus", "-c:s", "webvtt"])
        .args([
            "-metadata",
            &format!("title={m}-title"),
            "-metadata",
            &format!("comment={m}-tag"),
            "-metadata:s:v:0",
            &format!("title={m}-track-name"),
        ])
        .arg(&out));
    let mut v = std::fs::read(&out).unwrap();
    v.extend_from_slice(format!("{m}-after").as_bytes());
    v
}

/// A WebM as a browser's MediaRecorder writes it: a Segment and Clusters of unknown size, no
/// Cues (ffmpeg's live mode, then each Cluster's size replaced by the one-byte "unknown").
pub fn live_webm(dir: &Path) -> Vec<u8> {
    let out = dir.join("live.webm");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=2:size=64x48:rate=10", "-f", "lavfi", "-i", "sine=duration=2"])
        .args(["-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus", "-cluster_time_limit", "500", "-live", "1", "-f", "webm"])
        .arg(&out));
    let v = std::fs::read(&out).unwrap();
    let (mut w, mut i) = (Vec::new(), 0);
    while let Some(at) = v[i..].windows(4).position(|x| x == [0x1F, 0x43, 0xB6, 0x75]).map(|p| p + i) {
        // The size after the id: its length is given by its first byte's leading zeros.
        let len = v[at + 4].leading_zeros() as usize + 1;
        w.extend_from_slice(&v[i..at + 4]);
        w.push(0xFF);
        i = at + 4 + len;
    }
    w.extend_from_slice(&v[i..]);
    w
}

/// `ffmpeg -f framemd5` of the audio and video streams: one line per decoded frame.
pub fn frame_md5s(video: &[u8], dir: &Path, name: &str) -> String {
    let f = dir.join(name);
    std::fs::write(&f, video).unwrap();
    let out = run(Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&f).args(["-map", "0:v", "-map", "0:a", "-f", "framemd5", "-"]));
    String::from_utf8(out).unwrap()
}

/// What ffmpeg says when it reads the whole file (empty when it reads it without complaint).
pub fn ffmpeg_errors(video: &[u8], dir: &Path, name: &str) -> String {
    let f = dir.join(name);
    std::fs::write(&f, video).unwrap();
    let o = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&f).args(["-f", "null", "-"]).output().unwrap();
    assert!(o.status.success(), "ffmpeg could not read {name}");
    let probe = Command::new("ffprobe").args(["-v", "error", "-show_streams"]).arg(&f).output().unwrap();
    assert!(probe.status.success(), "ffprobe could not read {name}");
    [String::from_utf8_lossy(&o.stderr), String::from_utf8_lossy(&probe.stderr)].concat()
}

/// An ISO BMFF box.
pub fn bx(ty: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut v = u32::try_from(payload.len() + 8).unwrap().to_be_bytes().to_vec();
    v.extend_from_slice(ty);
    v.extend_from_slice(payload);
    v
}

/// Top-level or nested boxes of `v[from..to]`: `(type, start, end)`.
fn list(v: &[u8], from: usize, to: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut i = from;
    while i + 8 <= to {
        let size = u32::from_be_bytes(v[i..i + 4].try_into().unwrap()) as usize;
        out.push((v[i + 4..i + 8].try_into().unwrap(), i, i + size));
        i += size;
    }
    out
}

/// Appends `child` at the end of the first box at `path`, growing every enclosing box and
/// moving the file offsets that point past the insertion.
fn insert_into(v: &mut Vec<u8>, path: &[&[u8; 4]], child: &[u8]) {
    let (mut from, mut to, mut parents) = (0, v.len(), Vec::new());
    for ty in path {
        let (_, s, e) = *list(v, from, to).iter().find(|b| &b.0 == *ty).unwrap();
        parents.push(s);
        (from, to) = (s + 8, e);
    }
    v.splice(to..to, child.iter().copied());
    for p in parents {
        let size = u32::from_be_bytes(v[p..p + 4].try_into().unwrap()) + u32::try_from(child.len()).unwrap();
        v[p..p + 4].copy_from_slice(&size.to_be_bytes());
    }
    shift_offsets(v, to, child.len());
}

/// Adds `delta` to every chunk offset (`stco`, `co64`) and fragment base offset (`tfhd`)
/// that points at or past `at`, as a muxer would after inserting bytes there.
fn shift_offsets(v: &mut [u8], at: usize, delta: usize) {
    fn walk(v: &mut [u8], from: usize, to: usize, at: usize, delta: usize) {
        for (ty, s, e) in list(v, from, to) {
            match &ty {
                b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"moof" | b"traf" => walk(v, s + 8, e, at, delta),
                b"stco" | b"co64" => {
                    let w = if &ty == b"stco" { 4 } else { 8 };
                    let n = u32::from_be_bytes(v[s + 12..s + 16].try_into().unwrap()) as usize;
                    for k in 0..n {
                        let p = s + 16 + k * w;
                        let old = if w == 4 {
                            u64::from(u32::from_be_bytes(v[p..p + 4].try_into().unwrap()))
                        } else {
                            u64::from_be_bytes(v[p..p + 8].try_into().unwrap())
                        };
                        if old >= at as u64 {
                            let new = old + delta as u64;
                            if w == 4 {
                                v[p..p + 4].copy_from_slice(&u32::try_from(new).unwrap().to_be_bytes());
                            } else {
                                v[p..p + 8].copy_from_slice(&new.to_be_bytes());
                            }
                        }
                    }
                }
                b"tfhd" if v[s + 11] & 1 != 0 => {
                    let old = u64::from_be_bytes(v[s + 16..s + 24].try_into().unwrap());
                    if old >= at as u64 {
                        v[s + 16..s + 24].copy_from_slice(&(old + delta as u64).to_be_bytes());
                    }
                }
                _ => {}
            }
        }
    }
    let len = v.len();
    walk(v, 0, len, at, delta);
}
