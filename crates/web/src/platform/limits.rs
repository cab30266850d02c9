//! Body-size limits of the web layer (what a request may carry before it is refused with 413).

/// Maximum size of an ordinary request body (JSON and forms).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Pictures may be up to the configured maximum; the body limit leaves room for multipart framing.
pub const PICTURE_BODY_LIMIT: usize = 8 * 1024 * 1024;
