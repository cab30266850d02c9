//! Images: the type is decided by the bytes (never by the name or the declared type), and
//! metadata that can identify people or places (EXIF with GPS, XMP, IPTC, comments, text
//! chunks) is removed before anything is stored (R56: ASVS V14.2.8).
//!
//! Stripping EXIF also drops its orientation tag; a picture taken sideways may show sideways.

use crate::error::CoreError;

/// A recognised image type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }
}

/// Decides the image type from the first bytes.
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageKind::Webp)
    } else {
        None
    }
}

fn damaged() -> CoreError {
    CoreError::UnsupportedMedia("the image file is damaged or truncated".into())
}

/// Sniffs and strips an image; refuses anything that is not a well-formed PNG, JPEG or WebP.
pub fn sanitise_image(bytes: &[u8]) -> Result<(ImageKind, Vec<u8>), CoreError> {
    let kind = sniff(bytes).ok_or_else(|| {
        CoreError::UnsupportedMedia("the file is not a PNG, JPEG or WebP image (its content was checked, not its name)".into())
    })?;
    let out = match kind {
        ImageKind::Png => strip_png(bytes)?,
        ImageKind::Jpeg => strip_jpeg(bytes)?,
        ImageKind::Webp => strip_webp(bytes)?,
    };
    Ok((kind, out))
}

fn strip_png(b: &[u8]) -> Result<Vec<u8>, CoreError> {
    const DROP: [&[u8; 4]; 5] = [b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"];
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..8]);
    let mut i = 8;
    let mut ended = false;
    while i < b.len() {
        if i + 8 > b.len() {
            return Err(damaged());
        }
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let end = i.checked_add(12).and_then(|x| x.checked_add(len)).ok_or_else(damaged)?;
        if end > b.len() {
            return Err(damaged());
        }
        let ty = &b[i + 4..i + 8];
        if !DROP.iter().any(|d| d.as_slice() == ty) {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if ty == b"IEND" {
            ended = true;
            break;
        }
    }
    if !ended {
        return Err(damaged());
    }
    Ok(out)
}

fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, CoreError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        // Skip fill bytes before a marker.
        while i < b.len() && b[i] == 0xFF && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if i + 2 > b.len() || b[i] != 0xFF {
            return Err(damaged());
        }
        let marker = b[i + 1];
        match marker {
            0xD9 => {
                out.extend_from_slice(&b[i..i + 2]);
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        if i + 4 > b.len() {
            return Err(damaged());
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if len < 2 || i + 2 + len > b.len() {
            return Err(damaged());
        }
        let end = i + 2 + len;
        if marker == 0xDA {
            // Start of scan: the rest is image data (and later scans); keep it as it is.
            out.extend_from_slice(&b[i..]);
            return Ok(out);
        }
        // APP1 (EXIF, XMP), APP3–APP13 (incl. IPTC), APP15 and comments go; APP0 (JFIF),
        // APP2 (ICC colour profile) and APP14 (Adobe colour transform) stay.
        let drop = matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE);
        if !drop {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
    }
}

fn strip_webp(b: &[u8]) -> Result<Vec<u8>, CoreError> {
    let riff_len = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    if riff_len + 8 > b.len() || riff_len < 4 {
        return Err(damaged());
    }
    let body = &b[12..8 + riff_len];
    let mut chunks = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if i + 8 > body.len() {
            return Err(damaged());
        }
        let fourcc = &body[i..i + 4];
        let size = u32::from_le_bytes([body[i + 4], body[i + 5], body[i + 6], body[i + 7]]) as usize;
        let padded = size + (size & 1);
        let end = i + 8 + padded;
        if end > body.len() {
            return Err(damaged());
        }
        if fourcc != b"EXIF" && fourcc != b"XMP " {
            let start = chunks.len();
            chunks.extend_from_slice(&body[i..end]);
            if fourcc == b"VP8X" && size >= 1 {
                // Clear the "has EXIF" (0x08) and "has XMP" (0x04) flags.
                chunks[start + 8] &= !0x0C;
            }
        }
        i = end;
    }
    let mut out = Vec::with_capacity(chunks.len() + 12);
    out.extend_from_slice(b"RIFF");
    let total = u32::try_from(chunks.len() + 4).map_err(|_| damaged())?;
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&chunks);
    Ok(out)
}

/// What a board card may carry: an image (stripped) or a video (MP4 or WebM, by content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image(ImageKind),
    Mp4,
    Webm,
}

impl MediaKind {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Image(k) => k.mime(),
            Self::Mp4 => "video/mp4",
            Self::Webm => "video/webm",
        }
    }

    pub fn is_video(self) -> bool {
        !matches!(self, Self::Image(_))
    }
}

/// Sniffs a video container from its first bytes.
pub fn sniff_video(bytes: &[u8]) -> Option<MediaKind> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        Some(MediaKind::Mp4)
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some(MediaKind::Webm)
    } else {
        None
    }
}

/// Checks a card upload: `want_video` says what the person chose; the bytes must agree.
/// Images lose their metadata. (Video metadata is kept as uploaded; see the note in the
/// boards module.)
pub fn sanitise_media(bytes: &[u8], want_video: bool) -> Result<(MediaKind, Vec<u8>), CoreError> {
    if want_video {
        let kind = sniff_video(bytes).ok_or_else(|| {
            CoreError::UnsupportedMedia("the file is not an MP4 or WebM video (its content was checked, not its name)".into())
        })?;
        Ok((kind, bytes.to_vec()))
    } else {
        let (k, clean) = sanitise_image(bytes)?;
        Ok((MediaKind::Image(k), clean))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal JPEG with an EXIF segment holding `canary` and a comment.
    pub fn jpeg_with_exif(canary: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let exif = [b"Exif\0\0".as_slice(), b"GPS ", canary.as_bytes()].concat();
        v.extend_from_slice(&[0xFF, 0xE1]);
        v.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(&exif);
        v.extend_from_slice(&[0xFF, 0xFE]);
        v.extend_from_slice(&((canary.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(canary.as_bytes());
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
        v.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0x00, 0x78]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    fn png_chunk(ty: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(ty);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }

    pub fn png_with_text(canary: &str) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]));
        v.extend(png_chunk(b"tEXt", format!("Author\0{canary}").as_bytes()));
        v.extend(png_chunk(b"eXIf", canary.as_bytes()));
        v.extend(png_chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 2, 0, 1]));
        v.extend(png_chunk(b"IEND", &[]));
        v
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn jpeg_exif_and_comments_are_removed() {
        let img = jpeg_with_exif("CANARY-GPS-48.85");
        let (kind, out) = sanitise_image(&img).unwrap();
        assert_eq!(kind, ImageKind::Jpeg);
        assert!(!contains(&out, b"CANARY-GPS"));
        assert!(contains(&out, b"JFIF"));
        assert!(out.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn png_text_chunks_are_removed() {
        let (kind, out) = sanitise_image(&png_with_text("CANARY-AUTHOR")).unwrap();
        assert_eq!(kind, ImageKind::Png);
        assert!(!contains(&out, b"CANARY-AUTHOR"));
        assert!(contains(&out, b"IDAT"));
    }

    #[test]
    fn webp_exif_is_removed_and_flags_cleared() {
        let mut body = b"WEBP".to_vec();
        body.extend_from_slice(b"VP8X");
        body.extend_from_slice(&10u32.to_le_bytes());
        body.extend_from_slice(&[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        body.extend_from_slice(b"EXIF");
        body.extend_from_slice(&5u32.to_le_bytes());
        body.extend_from_slice(b"CANRY\0");
        body.extend_from_slice(b"VP8L");
        body.extend_from_slice(&2u32.to_le_bytes());
        body.extend_from_slice(&[1, 2]);
        let mut img = b"RIFF".to_vec();
        img.extend_from_slice(&(body.len() as u32).to_le_bytes());
        img.extend_from_slice(&body);
        let (kind, out) = sanitise_image(&img).unwrap();
        assert_eq!(kind, ImageKind::Webp);
        assert!(!contains(&out, b"CANRY"));
        assert_eq!(out[20] & 0x0C, 0);
        assert_eq!(u32::from_le_bytes([out[4], out[5], out[6], out[7]]) as usize, out.len() - 8);
    }

    #[test]
    fn html_named_png_is_refused_and_truncation_detected() {
        let err = sanitise_image(b"<html><script>alert(1)</script></html>").unwrap_err();
        assert_eq!(err.code(), "unsupported_media");
        let img = png_with_text("x");
        assert!(sanitise_image(&img[..img.len() - 5]).is_err());
        let j = jpeg_with_exif("x");
        assert!(sanitise_image(&j[..6]).is_err());
    }
}
