//! What every media parser shares: the size bounds, the errors it answers with, and reading
//! big- and little-endian fields out of a slice, never past its end. Knows no format.

use crate::platform::error::CoreError;

/// The largest side of an image, in pixels (WebP's own limit is 16,383).
pub const MAX_SIDE: u32 = 16_384;
/// The largest image area, in pixels (a 48-megapixel phone picture fits): a viewer decoding
/// an image allocates about four bytes per pixel.
pub const MAX_PIXELS: u64 = 64 * 1024 * 1024;

pub(super) fn damaged() -> CoreError {
    CoreError::UnsupportedMedia("the image file is damaged or truncated".into())
}

pub(super) fn too_big() -> CoreError {
    CoreError::UnsupportedMedia(format!("the image is too large (at most {MAX_SIDE} pixels a side and {MAX_PIXELS} pixels in all)"))
}

pub(super) fn video_damaged() -> CoreError {
    CoreError::UnsupportedMedia("the video file is damaged, truncated or laid out in a way that is not supported".into())
}

/// Refuses an image whose declared size a viewer could not decode safely.
pub(super) fn check_dimensions(width: u32, height: u32) -> Result<(), CoreError> {
    if width == 0 || height == 0 {
        return Err(damaged());
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(too_big());
    }
    Ok(())
}

// ---- Reading big- and little-endian fields out of a slice, never past its end. ----

pub(super) fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

pub(super) fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

pub(super) fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

pub(super) fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

pub(super) fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(3)?)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}
