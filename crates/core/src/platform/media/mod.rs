//! Media uploads (C-DATA-1 board media, C-DATA-2 profile pictures; R56: ASVS V14.2.8): the
//! type is decided by the bytes (never by the name or the declared type), and every file is
//! rebuilt from an allow-list of the parts needed to show it, so what is not known is dropped
//! (DESIGN.md, security rules). That removes metadata that can identify people or places
//! (EXIF with GPS, XMP, IPTC, comments, text chunks, MP4 `udta`/`meta`/`©xyz`/`loci`, WebM
//! tags), second pictures (multi-picture JPEG), thumbnails, attachments and anything after the
//! end of the image.
//!
//! This module owns the byte-level parsers: each reads untrusted input with bounded
//! dimensions, nesting and counts, never allocates from a size the file declares (output is
//! at most the input's size) and runs in one linear pass. It must not decode pixels or frames
//! (compressed image and video data is copied as it is, so nothing is re-encoded or lost), and
//! it knows nothing of storage or encryption: callers seal what it returns.
//!
//! Stripping EXIF also drops its orientation tag; a picture taken sideways may show sideways.

mod bytes;
mod isobmff;
mod jpeg;
mod matroska;
pub mod pdf;
mod png;
#[cfg(any(test, feature = "test-media"))]
pub mod testset;
mod webp;

use crate::platform::error::CoreError;

/// A recognised image type. The discriminants are stored (profile pictures keep the kind in
/// their first byte): never reorder.
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

pub use bytes::{MAX_PIXELS, MAX_SIDE};

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

/// Sniffs an image and rebuilds it from the parts needed to show it; refuses anything that is
/// not a well-formed PNG, JPEG or WebP within the size limits.
pub fn sanitise_image(bytes: &[u8]) -> Result<(ImageKind, Vec<u8>), CoreError> {
    let kind = sniff(bytes).ok_or_else(|| {
        CoreError::UnsupportedMedia("the file is not a PNG, JPEG or WebP image (its content was checked, not its name)".into())
    })?;
    let out = match kind {
        ImageKind::Png => png::rebuild(bytes)?,
        ImageKind::Jpeg => jpeg::rebuild(bytes)?,
        ImageKind::Webp => webp::rebuild(bytes)?,
    };
    Ok((kind, out))
}

/// What a board card may carry: an image or a video (MP4/MOV or WebM/Matroska, by content).
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

/// Checks a card upload: `want_video` says what the person chose; the bytes must agree. Both
/// images and videos are rebuilt from an allow-list (videos: the boxes or elements playback
/// needs, audio and video tracks only; see `isobmff` and `matroska`).
pub fn sanitise_media(bytes: &[u8], want_video: bool) -> Result<(MediaKind, Vec<u8>), CoreError> {
    if want_video {
        let kind = sniff_video(bytes).ok_or_else(|| {
            CoreError::UnsupportedMedia("the file is not an MP4 or WebM video (its content was checked, not its name)".into())
        })?;
        let out = match kind {
            MediaKind::Mp4 => isobmff::rebuild(bytes)?,
            _ => matroska::rebuild(bytes)?,
        };
        Ok((kind, out))
    } else {
        let (k, clean) = sanitise_image(bytes)?;
        Ok((MediaKind::Image(k), clean))
    }
}

/// The file extension of a media type (exports name their files by it).
pub fn file_ext(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests;
