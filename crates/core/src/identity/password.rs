//! Password hashing with Argon2id (OWASP parameters: m = 19 MiB, t = 2, p = 1), run on the
//! blocking pool so it never stalls the async workers. A failed lookup still pays for one
//! verification, so response times do not reveal whether an account exists.
//!
//! Every hash and verification takes a permit from the domain's [`Work`] bound first (C-SEC-1,
//! issue 11 finding 5): at most `permits` run at once, so Argon2id's memory is bounded at
//! `permits × 19 MiB` however many requests arrive. Others queue for at most `queue_wait`; a
//! request that would wait longer, or that finds the queue full, is refused with 503 `busy`
//! and `Retry-After` instead of piling up.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use zeroize::Zeroizing;

use crate::platform::error::CoreError;
pub use crate::platform::work::Work;

/// Hashes a password into a PHC string.
pub async fn hash(work: &Work, password: Zeroizing<String>) -> Result<Zeroizing<String>, CoreError> {
    work.run(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| Zeroizing::new(h.to_string()))
            .map_err(|_| CoreError::Internal("password hashing failed"))
    })
    .await?
}

/// Checks a password against a PHC string.
pub async fn verify(work: &Work, phc: Zeroizing<String>, password: Zeroizing<String>) -> Result<bool, CoreError> {
    work.run(move || {
        let parsed = PasswordHash::new(&phc).map_err(|_| CoreError::Internal("stored password hash is malformed"))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await?
}

static DUMMY: OnceLock<String> = OnceLock::new();

/// Spends the time of one verification, for unknown accounts.
pub async fn verify_dummy(work: &Work, password: Zeroizing<String>) -> Result<(), CoreError> {
    let phc = match DUMMY.get() {
        Some(p) => p.clone(),
        None => {
            let random = clearboard_vault::random::bytes::<16>().map(hex::encode).unwrap_or_default();
            let h = hash(work, Zeroizing::new(random)).await?;
            DUMMY.get_or_init(|| h.to_string()).clone()
        }
    };
    verify(work, Zeroizing::new(phc), password).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let w = Work::default();
        let h = hash(&w, Zeroizing::new("correct horse battery".into())).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!h.contains("correct horse"));
        assert!(verify(&w, h.clone(), Zeroizing::new("correct horse battery".into())).await.unwrap());
        assert!(!verify(&w, h, Zeroizing::new("wrong".into())).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_work_is_bounded_and_overflow_is_busy() {
        let w = std::sync::Arc::new(Work::new(2, Duration::from_secs(30)));
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let w = w.clone();
                tokio::spawn(async move { hash(&w, Zeroizing::new(format!("password number {i}"))).await.map(|_| ()) })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(w.in_flight_peak(), 2);
        assert_eq!(w.in_flight(), 0);
        // No waiting allowed: the third of three at once is refused, not queued.
        let w = std::sync::Arc::new(Work::new(1, Duration::from_millis(1)));
        let results = futures_join(&w).await;
        assert!(results.iter().any(|r| matches!(r, Err(CoreError::Busy { .. }))), "one was refused");
        assert!(results.iter().any(Result::is_ok), "one ran");
    }

    async fn futures_join(w: &std::sync::Arc<Work>) -> Vec<Result<(), CoreError>> {
        let a = {
            let w = w.clone();
            tokio::spawn(async move { hash(&w, Zeroizing::new("first one".into())).await.map(|_| ()) })
        };
        let b = {
            let w = w.clone();
            tokio::spawn(async move { hash(&w, Zeroizing::new("second one".into())).await.map(|_| ()) })
        };
        vec![a.await.unwrap(), b.await.unwrap()]
    }
}
