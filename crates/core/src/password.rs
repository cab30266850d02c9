//! Password hashing with Argon2id (OWASP parameters: m = 19 MiB, t = 2, p = 1), run on the
//! blocking pool so it never stalls the async workers. A failed lookup still pays for one
//! verification, so response times do not reveal whether an account exists.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use zeroize::Zeroizing;

use crate::error::CoreError;

/// Hashes a password into a PHC string.
pub async fn hash(password: Zeroizing<String>) -> Result<Zeroizing<String>, CoreError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| Zeroizing::new(h.to_string()))
            .map_err(|_| CoreError::Internal("password hashing failed"))
    })
    .await
    .map_err(|_| CoreError::Internal("password hashing task failed"))?
}

/// Checks a password against a PHC string.
pub async fn verify(phc: Zeroizing<String>, password: Zeroizing<String>) -> Result<bool, CoreError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc).map_err(|_| CoreError::Internal("stored password hash is malformed"))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|_| CoreError::Internal("password verification task failed"))?
}

static DUMMY: OnceLock<String> = OnceLock::new();

/// Spends the time of one verification, for unknown accounts.
pub async fn verify_dummy(password: Zeroizing<String>) {
    let phc = match DUMMY.get() {
        Some(p) => p.clone(),
        None => {
            let random = clearboard_vault::random::bytes::<16>().map(hex::encode).unwrap_or_default();
            match hash(Zeroizing::new(random)).await {
                Ok(h) => DUMMY.get_or_init(|| h.to_string()).clone(),
                Err(_) => return,
            }
        }
    };
    let _ = verify(Zeroizing::new(phc), password).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash(Zeroizing::new("correct horse battery".into())).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!h.contains("correct horse"));
        assert!(verify(h.clone(), Zeroizing::new("correct horse battery".into())).await.unwrap());
        assert!(!verify(h, Zeroizing::new("wrong".into())).await.unwrap());
    }
}
