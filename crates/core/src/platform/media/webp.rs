//! WebP, rebuilt from an allow-list of RIFF chunks: VP8X (rewritten with the EXIF and XMP
//! flags and the reserved bits cleared), ICCP, ANIM, ANMF (each frame rebuilt with only its
//! ALPH and VP8/VP8L sub-chunks), ALPH, VP8 and VP8L. EXIF, XMP and unknown chunks go, and so
//! does whatever follows the RIFF's declared end; sizes and padding are recomputed. It must
//! not decode the image: bitstreams are copied as they are.

use super::bytes::{check_dimensions, damaged, le24, le32};
use crate::platform::error::CoreError;

/// At most this many chunks, frames included.
const MAX_CHUNKS: usize = 100_000;
/// VP8X flags kept: ICC profile, alpha, animation.
const VP8X_FLAGS: u8 = 0x20 | 0x10 | 0x02;

/// Rebuilds a WebP file (the caller has sniffed its header).
pub(super) fn rebuild(b: &[u8]) -> Result<Vec<u8>, CoreError> {
    let riff_len = le32(b, 4).ok_or_else(damaged)? as usize;
    let body = b.get(12..riff_len.checked_add(8).ok_or_else(damaged)?).ok_or_else(damaged)?;
    if riff_len < 4 {
        return Err(damaged());
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut count = 0usize;
    let mut image = false;
    for (fourcc, data) in chunks(body, &mut count)? {
        match &fourcc {
            b"VP8X" => {
                if data.len() < 10 || out.len() > 12 {
                    return Err(damaged());
                }
                check_dimensions(le24(data, 4).ok_or_else(damaged)? + 1, le24(data, 7).ok_or_else(damaged)? + 1)?;
                let mut v = [0u8; 10];
                v[0] = data[0] & VP8X_FLAGS;
                v[4..10].copy_from_slice(&data[4..10]);
                chunk(&mut out, &fourcc, &v)?;
            }
            b"VP8 " | b"VP8L" => {
                simple_dimensions(&fourcc, data)?;
                image = true;
                chunk(&mut out, &fourcc, data)?;
            }
            b"ICCP" | b"ANIM" | b"ALPH" => chunk(&mut out, &fourcc, data)?,
            b"ANMF" => {
                let header = data.get(..16).ok_or_else(damaged)?;
                let mut frame = header.to_vec();
                for (sub, sdata) in chunks(&data[16..], &mut count)? {
                    if matches!(&sub, b"ALPH" | b"VP8 " | b"VP8L") {
                        simple_dimensions(&sub, sdata)?;
                        image = true;
                        chunk(&mut frame, &sub, sdata)?;
                    }
                }
                chunk(&mut out, &fourcc, &frame)?;
            }
            _ => {}
        }
    }
    if !image {
        return Err(damaged());
    }
    let total = u32::try_from(out.len() - 8).map_err(|_| damaged())?;
    out[4..8].copy_from_slice(&total.to_le_bytes());
    Ok(out)
}

/// A chunk: its FourCC and its data, without padding.
type Chunk<'a> = ([u8; 4], &'a [u8]);

/// The chunks of a RIFF body.
fn chunks<'a>(body: &'a [u8], count: &mut usize) -> Result<Vec<Chunk<'a>>, CoreError> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < body.len() {
        *count += 1;
        if *count > MAX_CHUNKS {
            return Err(damaged());
        }
        let fourcc: [u8; 4] = body.get(i..i + 4).ok_or_else(damaged)?.try_into().map_err(|_| damaged())?;
        let size = le32(body, i + 4).ok_or_else(damaged)? as usize;
        let data = body.get(i + 8..i + 8 + size).ok_or_else(damaged)?;
        v.push((fourcc, data));
        // A missing pad byte after the last chunk is tolerated, as decoders do.
        i = (i + 8 + size + (size & 1)).min(body.len());
    }
    Ok(v)
}

/// The size of a lossy (VP8) or lossless (VP8L) bitstream, checked against the limits.
fn simple_dimensions(fourcc: &[u8; 4], d: &[u8]) -> Result<(), CoreError> {
    let (w, h) = match fourcc {
        b"VP8 " => {
            if d.get(3..6) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(damaged());
            }
            let wh = le32(d, 6).ok_or_else(damaged)?;
            (wh & 0x3FFF, (wh >> 16) & 0x3FFF)
        }
        b"VP8L" => {
            if d.first() != Some(&0x2F) {
                return Err(damaged());
            }
            let bits = le32(d, 1).ok_or_else(damaged)?;
            ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        }
        _ => return Ok(()),
    };
    check_dimensions(w, h)
}

fn chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], data: &[u8]) -> Result<(), CoreError> {
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&u32::try_from(data.len()).map_err(|_| damaged())?.to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testset::{self, contains, webp_pixels};
    use super::*;

    #[test]
    fn exif_xmp_unknown_chunks_and_trailer_are_dropped_pixels_survive() {
        let m = "CnryWebpUnit";
        let img = testset::forensic_webp(m);
        for part in ["exif", "xmp", "unknown", "after-riff"] {
            assert!(contains(&img, format!("{m}-{part}").as_bytes()), "the fixture carries {part}");
        }
        let out = rebuild(&img).unwrap();
        assert!(!contains(&out, m.as_bytes()), "a marker survived");
        assert!(!contains(&out, b"EXIF") && !contains(&out, b"XMP "));
        assert_eq!(out[20] & 0x0C, 0, "EXIF and XMP flags cleared");
        assert_eq!(le32(&out, 4).unwrap() as usize, out.len() - 8);
        assert_eq!(webp_pixels(&out), webp_pixels(&img));
        assert_eq!(rebuild(&out).unwrap(), out, "idempotent");
    }

    #[test]
    fn animation_frames_lose_unknown_sub_chunks() {
        let mut frame = vec![0u8; 16];
        chunk(&mut frame, b"VP8L", &[0x2F, 0, 0, 0, 0]).unwrap();
        chunk(&mut frame, b"XYZW", b"CnryInFrame").unwrap();
        let mut body = b"RIFF\0\0\0\0WEBP".to_vec();
        chunk(&mut body, b"VP8X", &[0x02 | 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        chunk(&mut body, b"ANIM", &[0; 6]).unwrap();
        chunk(&mut body, b"ANMF", &frame).unwrap();
        let n = (body.len() - 8) as u32;
        body[4..8].copy_from_slice(&n.to_le_bytes());
        let out = rebuild(&body).unwrap();
        assert!(!contains(&out, b"CnryInFrame") && contains(&out, b"ANMF") && contains(&out, b"VP8L"));
        assert_eq!(out[20], 0x02);
        assert_eq!(rebuild(&out).unwrap(), out);
    }

    #[test]
    fn truncated_or_imageless_webp_is_refused() {
        let img = testset::forensic_webp("x");
        assert!(rebuild(&img[..img.len() / 2]).is_err());
        assert!(rebuild(b"RIFF\x04\0\0\0WEBP").is_err());
        assert!(rebuild(b"RIFF\xff\xff\xff\xffWEBPVP8 ").is_err());
    }
}
