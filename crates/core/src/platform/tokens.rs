//! Secret tokens of links (activation, sessions' hashes, rights requests, support tickets,
//! newsletter confirmations) and the alphabet of codes people read or type: one rule for all.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::platform::error::CoreError;

/// Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand survives.
pub const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The SHA-256 of a token: the only form in which a link's token is stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new link token: 256 random bits, 43 URL-safe base64 characters.
pub fn new_link_token() -> Result<String, CoreError> {
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(clearboard_vault::random::bytes::<32>()?))
}
