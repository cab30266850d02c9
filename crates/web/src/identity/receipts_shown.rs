//! The receipt of an account deleted from the profile page, kept for the page the deletion
//! form redirects to (Post/Redirect/Get, issue 14): in memory for ten minutes, under the hash
//! of the session cookie the browser still presents (its session is already gone on the
//! server), shown once; then the cookie is removed, and reloading the page resubmits nothing.

use std::collections::HashMap;
use std::sync::Mutex;

use clearboard_core::platform::clock::{MINUTE, Millis};
use clearboard_core::privacy::rights::erasure::SignedReceipt;

/// Receipts waiting to be shown after the redirect, by hash of the session cookie.
#[derive(Default)]
pub struct ReceiptsShown(Mutex<HashMap<Vec<u8>, (Millis, SignedReceipt)>>);

/// How long a receipt waits for its page.
const KEEP: Millis = 10 * MINUTE;

impl ReceiptsShown {
    /// Keeps `receipt` for the browser presenting session `token` (forgetting expired ones).
    pub fn keep(&self, now: Millis, token: &str, receipt: SignedReceipt) {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        m.retain(|_, (at, _)| *at + KEEP > now);
        m.insert(clearboard_core::platform::tokens::token_hash(token), (now, receipt));
    }

    /// The receipt kept for session `token`, once.
    pub fn take(&self, now: Millis, token: &str) -> Option<SignedReceipt> {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        m.remove(&clearboard_core::platform::tokens::token_hash(token)).filter(|(at, _)| *at + KEEP > now).map(|(_, r)| r)
    }
}
