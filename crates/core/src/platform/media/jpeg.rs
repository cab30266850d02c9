//! JPEG, rebuilt from an allow-list: the primary image only, up to its end-of-image marker,
//! with the segments needed to render it (frame, Huffman, quantisation and arithmetic tables,
//! restart interval, scans with their entropy-coded data) and three colour segments, rebuilt
//! field by field: APP0 JFIF (without its thumbnail), APP2 ICC profile, APP14 Adobe (colour
//! transform). Everything else goes: EXIF and XMP (APP1), MPF and FlashPix (other APP2),
//! IPTC (APP13), other application segments, comments, and whatever follows the end marker,
//! which is where multi-picture files keep their second picture with its own EXIF and GPS.
//!
//! It must not decode the image: entropy-coded data is copied as it is.

use super::bytes::{be16, check_dimensions, damaged};
use crate::platform::error::CoreError;

/// At most this many segments are kept (a progressive JPEG has a few dozen).
const MAX_SEGMENTS: usize = 4096;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

/// Frame headers: baseline, extended, progressive and lossless, Huffman or arithmetic
/// (0xC4 is DHT, 0xC8 is reserved, 0xCC is DAC).
fn is_sof(m: u8) -> bool {
    matches!(m, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF)
}

/// Rebuilds a JPEG (the caller has sniffed its first bytes).
pub(super) fn rebuild(b: &[u8]) -> Result<Vec<u8>, CoreError> {
    if b.get(..2) != Some(&[0xFF, SOI]) {
        return Err(damaged());
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut i = 2;
    let (mut frame, mut scans, mut kept) = (false, 0usize, 0usize);
    loop {
        // A marker, after any number of fill bytes.
        if b.get(i) != Some(&0xFF) {
            return Err(damaged());
        }
        while b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let marker = *b.get(i + 1).ok_or_else(damaged)?;
        if marker == EOI {
            if !frame || scans == 0 {
                return Err(damaged());
            }
            out.extend_from_slice(&[0xFF, EOI]);
            return Ok(out);
        }
        if matches!(marker, 0x00 | 0x01 | SOI | 0xD0..=0xD7) {
            // Stuffing, TEM, a second start or a restart outside a scan: not a JPEG we show.
            return Err(damaged());
        }
        let len = usize::from(be16(b, i + 2).ok_or_else(damaged)?);
        let end = i + 2 + len;
        if len < 2 || end > b.len() {
            return Err(damaged());
        }
        let payload = &b[i + 4..end];
        kept += 1;
        if kept > MAX_SEGMENTS {
            return Err(damaged());
        }
        match marker {
            m if is_sof(m) => {
                if frame || payload.len() < 6 {
                    return Err(damaged());
                }
                frame = true;
                let height = be16(payload, 1).ok_or_else(damaged)?;
                let width = be16(payload, 3).ok_or_else(damaged)?;
                // A height of 0 is declared later (DNL); the width bounds it well enough.
                check_dimensions(u32::from(width), u32::from(height.max(1)))?;
                segment(&mut out, marker, payload)?;
            }
            0xC4 | 0xCC | 0xDB | 0xDD | 0xDC => segment(&mut out, marker, payload)?,
            0xE0 => {
                if let Some(jfif) = jfif(payload) {
                    segment(&mut out, marker, &jfif)?;
                }
            }
            0xE2 if payload.starts_with(b"ICC_PROFILE\0") => segment(&mut out, marker, payload)?,
            0xEE if payload.len() >= 12 && payload.starts_with(b"Adobe") => segment(&mut out, marker, &payload[..12])?,
            SOS => {
                if !frame {
                    return Err(damaged());
                }
                scans += 1;
                segment(&mut out, marker, payload)?;
                let data_end = entropy_end(b, end)?;
                out.extend_from_slice(&b[end..data_end]);
                i = data_end;
                continue;
            }
            // Every other segment (APP1 EXIF/XMP, other APP2, APP3–APP15, COM, EXP, JPG
            // extensions) is dropped.
            _ => {}
        }
        i = end;
    }
}

/// Writes one marker segment (`payload` without its length field).
fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) -> Result<(), CoreError> {
    let len = u16::try_from(payload.len() + 2).map_err(|_| damaged())?;
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// The JFIF header without its thumbnail (version, density units and density), or `None` for
/// any other APP0 (JFXX thumbnails and the rest).
fn jfif(payload: &[u8]) -> Option<Vec<u8>> {
    if payload.len() < 14 || !payload.starts_with(b"JFIF\0") {
        return None;
    }
    let mut v = payload[..12].to_vec();
    v.extend_from_slice(&[0, 0]);
    Some(v)
}

/// Where the entropy-coded data that starts at `from` ends: at the first marker that is not
/// a stuffed zero or a restart (fill bytes before that marker are not part of the data).
fn entropy_end(b: &[u8], from: usize) -> Result<usize, CoreError> {
    let mut j = from;
    loop {
        let ff = j + b.get(j..).ok_or_else(damaged)?.iter().position(|&x| x == 0xFF).ok_or_else(damaged)?;
        let mut k = ff + 1;
        while b.get(k) == Some(&0xFF) {
            k += 1;
        }
        match b.get(k) {
            None => return Err(damaged()),
            Some(0x00 | 0xD0..=0xD7) => j = k + 1,
            Some(_) => return Ok(ff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testset::{self, contains, jpeg_pixels};
    use super::*;

    #[test]
    fn mpf_second_picture_trailer_exif_xmp_and_comments_are_dropped_pixels_survive() {
        let m = "CnryJpegUnit";
        let img = testset::forensic_jpeg(m);
        for part in ["gps-second", "after-eoi", "xmp", "com", "exif"] {
            assert!(contains(&img, format!("{m}-{part}").as_bytes()), "the fixture carries {part}");
        }
        let out = rebuild(&img).unwrap();
        assert!(!contains(&out, m.as_bytes()), "a marker survived");
        assert!(!contains(&out, b"MPF\0") && !contains(&out, b"Exif") && !contains(&out, b"http://ns.adobe.com/xap"));
        assert!(contains(&out, b"JFIF\0") && contains(&out, b"ICC_PROFILE\0"));
        assert_eq!(jpeg_pixels(&out), jpeg_pixels(&img), "the pixels are those of the first picture");
        assert_eq!(rebuild(&out).unwrap(), out, "idempotent");
        assert!(out.ends_with(&[0xFF, EOI]));
    }

    #[test]
    fn progressive_jpeg_with_comments_between_scans_keeps_every_scan() {
        let img = testset::progressive_jpeg_with_comment("CnryBetweenScans");
        let out = rebuild(&img).unwrap();
        assert!(!contains(&out, b"CnryBetweenScans"));
        assert_eq!(jpeg_pixels(&out), jpeg_pixels(&img));
    }

    #[test]
    fn truncated_oversized_and_frameless_jpegs_are_refused() {
        let img = testset::forensic_jpeg("x");
        let eoi = img.windows(2).position(|w| w == [0xFF, EOI]).unwrap();
        assert!(rebuild(&img[..eoi]).is_err(), "no end marker");
        assert!(rebuild(&img[..40]).is_err());
        assert!(rebuild(&[0xFF, SOI, 0xFF, 0xDA, 0, 2, 1, 2, 0xFF, EOI]).is_err(), "a scan before any frame");
        assert!(rebuild(&[0xFF, SOI, 0xFF, EOI]).is_err(), "no image at all");
        let mut huge = vec![0xFF, SOI, 0xFF, 0xC0, 0, 11, 8, 0xFF, 0xFF, 0xFF, 0xFF, 1, 1, 0x11, 0];
        huge.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0xFF, EOI]);
        let e = rebuild(&huge).unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
    }

    #[test]
    fn fill_bytes_stuffing_and_restarts_stay_in_the_data() {
        let mut v = vec![0xFF, SOI, 0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0];
        v.extend_from_slice(&[0xFF, 0xFF, 0xFE, 0, 4, b'h', b'i']);
        v.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, EOI, 9, 9]);
        let out = rebuild(&v).unwrap();
        assert!(out.ends_with(&[0x3F, 0, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, EOI]), "{out:02X?}");
        assert!(!contains(&out, b"hi"));
        assert_eq!(rebuild(&out).unwrap(), out);
    }
}
