//! PNG, rebuilt from an allow-list of chunks: the critical ones (IHDR, PLTE, IDAT, IEND), the
//! ancillary chunks that change how pixels look (transparency, gamma, chromaticities, colour
//! space, ICC profile under a neutral name, significant bits, physical size, background,
//! histogram, HDR colour information) and the APNG animation chunks. Text (tEXt, zTXt, iTXt),
//! EXIF (eXIf), times, private and unknown ancillary chunks are dropped, and so is whatever
//! follows IEND. CRCs are recomputed; an unknown critical chunk is refused (a viewer could
//! not show the image). It must not decode the image: IDAT is copied as it is.

use super::bytes::{be32, check_dimensions, damaged};
use crate::platform::error::CoreError;

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The ancillary chunks kept.
const KEEP: [&[u8; 4]; 14] =
    [b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD", b"hIST", b"cICP", b"mDCV", b"cLLI", b"acTL", b"fcTL"];
/// APNG frame data (pixels, like IDAT).
const FRAME_DATA: &[u8; 4] = b"fdAT";
/// The name an ICC profile is given (the original name is free text).
const ICC_NAME: &[u8] = b"ICC profile";
/// At most this many chunks (an APNG has two per frame).
const MAX_CHUNKS: usize = 100_000;

/// Rebuilds a PNG (the caller has sniffed its signature).
pub(super) fn rebuild(b: &[u8]) -> Result<Vec<u8>, CoreError> {
    if b.get(..8) != Some(SIGNATURE.as_slice()) {
        return Err(damaged());
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(SIGNATURE);
    let (mut i, mut count, mut idat) = (8usize, 0usize, false);
    loop {
        let len = be32(b, i).ok_or_else(damaged)? as usize;
        let ty: [u8; 4] = b.get(i + 4..i + 8).ok_or_else(damaged)?.try_into().map_err(|_| damaged())?;
        let data = b.get(i + 8..(i + 8).checked_add(len).ok_or_else(damaged)?).ok_or_else(damaged)?;
        let next = i + 12 + len;
        if next > b.len() {
            return Err(damaged());
        }
        count += 1;
        if count > MAX_CHUNKS || (count == 1) != (&ty == b"IHDR") {
            return Err(damaged());
        }
        match &ty {
            b"IHDR" => {
                if len != 13 {
                    return Err(damaged());
                }
                check_dimensions(be32(data, 0).ok_or_else(damaged)?, be32(data, 4).ok_or_else(damaged)?)?;
                chunk(&mut out, &ty, data)?;
            }
            b"IDAT" => {
                idat = true;
                chunk(&mut out, &ty, data)?;
            }
            b"IEND" => {
                if !idat {
                    return Err(damaged());
                }
                chunk(&mut out, &ty, &[])?;
                return Ok(out);
            }
            b"PLTE" => chunk(&mut out, &ty, data)?,
            b"iCCP" => {
                // Name (1–79 bytes), NUL, compression method, compressed profile.
                let nul = data.iter().take(80).position(|&x| x == 0).ok_or_else(damaged)?;
                let rest = data.get(nul + 1..).ok_or_else(damaged)?;
                chunk(&mut out, &ty, &[ICC_NAME, b"\0", rest].concat())?;
            }
            t if t == FRAME_DATA || KEEP.contains(&t) => chunk(&mut out, &ty, data)?,
            // Bit 5 of the first letter marks an ancillary chunk: those not kept go, a critical
            // chunk we do not know means an image we cannot vouch for.
            t if t[0] & 0x20 == 0 => return Err(damaged()),
            _ => {}
        }
        i = next;
    }
}

fn chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) -> Result<(), CoreError> {
    let len = u32::try_from(data.len()).map_err(|_| damaged())?;
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(ty);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testset::{self, contains, png_pixels};
    use super::*;

    #[test]
    fn text_exif_private_chunks_and_trailer_are_dropped_pixels_survive() {
        let m = "CnryPngUnit";
        let img = testset::forensic_png(m);
        for part in ["text", "itxt", "exif", "private", "after-iend", "icc-name"] {
            assert!(contains(&img, format!("{m}-{part}").as_bytes()), "the fixture carries {part}");
        }
        let out = rebuild(&img).unwrap();
        assert!(!contains(&out, m.as_bytes()), "a marker survived");
        for ty in [b"tEXt", b"iTXt", b"eXIf", b"prVt", b"zzZz", b"tIME"] {
            assert!(!contains(&out, ty), "{} survived", String::from_utf8_lossy(ty));
        }
        assert!(contains(&out, b"gAMA") && contains(&out, b"iCCP") && contains(&out, b"pHYs"));
        assert_eq!(png_pixels(&out), png_pixels(&img));
        assert_eq!(rebuild(&out).unwrap(), out, "idempotent");
    }

    #[test]
    fn unknown_critical_truncated_and_oversized_pngs_are_refused() {
        let img = testset::forensic_png("x");
        let iend = img.windows(4).position(|w| w == b"IEND").unwrap();
        assert!(rebuild(&img[..iend]).is_err(), "no IEND");
        let mut crit = img[..33].to_vec();
        chunk(&mut crit, b"QQQQ", b"?").unwrap();
        crit.extend_from_slice(&img[33..]);
        assert!(rebuild(&crit).is_err(), "an unknown critical chunk");
        let mut huge = SIGNATURE.to_vec();
        chunk(&mut huge, b"IHDR", &[0, 0, 0x40, 0, 0, 0, 0x40, 0, 8, 6, 0, 0, 0]).unwrap();
        chunk(&mut huge, b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 2, 0, 1]).unwrap();
        chunk(&mut huge, b"IEND", &[]).unwrap();
        assert!(rebuild(&huge).unwrap_err().to_string().contains("too large"));
        let mut no_ihdr = SIGNATURE.to_vec();
        chunk(&mut no_ihdr, b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 2, 0, 1]).unwrap();
        chunk(&mut no_ihdr, b"IEND", &[]).unwrap();
        assert!(rebuild(&no_ihdr).is_err());
    }
}
