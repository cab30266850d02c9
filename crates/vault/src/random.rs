//! Cryptographically secure random bytes from the operating system.

use crate::VaultError;

/// Fills `buf` from the OS CSPRNG.
pub fn fill(buf: &mut [u8]) -> Result<(), VaultError> {
    getrandom::fill(buf).map_err(|_| VaultError::Random)
}

/// Returns `N` random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut b = [0u8; N];
    fill(&mut b)?;
    Ok(b)
}
