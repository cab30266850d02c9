//! What the acknowledgement check keeps in memory (C-CHG-2): the latest significant policy
//! version, and who is known to have acknowledged it. Both never change while the process
//! runs (the policy file is read at start), so a request asks the stores at most once per
//! person. It decides nothing: `policy_versions` does. With several nodes, a node that records
//! a version or erases someone tells the others over the bus, and they forget (`boards::relay`).

use std::collections::HashSet;
use std::sync::Mutex;

use crate::platform::clock::Millis;
use crate::platform::ids::SubjectId;

/// The latest significant version and who acknowledged it; held by the context.
#[derive(Debug, Default)]
pub struct AckCache {
    /// `None`: not looked up yet; `Some(None)`: no significant version.
    latest_significant: Mutex<Option<Option<(String, Millis)>>>,
    acknowledged: Mutex<HashSet<SubjectId>>,
}

impl AckCache {
    /// The latest significant version (digest, recorded at), once looked up.
    pub fn latest(&self) -> Option<Option<(String, Millis)>> {
        self.latest_significant.lock().ok().and_then(|g| g.clone())
    }

    pub fn set_latest(&self, v: Option<(String, Millis)>) {
        if let Ok(mut g) = self.latest_significant.lock() {
            *g = Some(v);
        }
    }

    /// Forgets the latest version (a version was just recorded).
    pub fn forget_latest(&self) {
        if let Ok(mut g) = self.latest_significant.lock() {
            *g = None;
        }
    }

    /// Whether `subject` is known to have acknowledged the latest significant version.
    pub fn knows(&self, subject: &SubjectId) -> bool {
        self.acknowledged.lock().is_ok_and(|g| g.contains(subject))
    }

    pub fn remember(&self, subject: &SubjectId) {
        if let Ok(mut g) = self.acknowledged.lock() {
            g.insert(subject.clone());
        }
    }

    /// Forgets one person (erased: nothing is kept about them, not even this).
    pub fn forget(&self, subject: &SubjectId) {
        if let Ok(mut g) = self.acknowledged.lock() {
            g.remove(subject);
        }
    }

    /// Forgets everything (another node recorded a policy version): looked up again.
    pub fn forget_all(&self) {
        self.forget_latest();
        if let Ok(mut g) = self.acknowledged.lock() {
            g.clear();
        }
    }
}
