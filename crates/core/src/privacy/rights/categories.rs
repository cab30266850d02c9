//! What the software does for each category of the policy when a person exercises their
//! rights: the exporter (access, portability) and eraser that the enabled module storing the
//! category registered (`privacy::modules`). A category no enabled module stores has neither,
//! and `policy check` refuses a policy that declares it, so no personal data can escape an
//! export or an erasure and nothing is exported that does not exist.
//!
//! Takes the whole context (`Clearboard`): each handler calls the room that stores it.

use serde_json::Value;

use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;
use crate::privacy::modules::model::{CategoryImpl, Eraser};
use crate::privacy::modules::registry;

/// The handlers of `category`, if an enabled module stores it.
pub fn handlers(cb: &Clearboard, category: &str) -> Option<&'static CategoryImpl> {
    registry::category(&cb.settings().disabled_modules, category)
}

/// Whether an enabled module stores `category`.
pub fn stored(cb: &Clearboard, category: &str) -> bool {
    handlers(cb, category).is_some()
}

/// Exports what is stored about `subject` in `category`, in clear, as JSON.
pub async fn export_category(cb: &Clearboard, region: &RegionHandle, subject: &SubjectId, category: &str) -> Result<Value, CoreError> {
    match handlers(cb, category) {
        Some(h) => (h.exporter)(cb, region, subject).await,
        None => Err(CoreError::Internal("no enabled module stores this category")),
    }
}

/// Erases what is stored about `subject` in `category` (account erasure as a whole is
/// [`crate::privacy::rights::erasure`], which destroys the key first).
pub async fn erase_category(cb: &Clearboard, region: &RegionHandle, subject: &SubjectId, category: &str) -> Result<u64, CoreError> {
    match handlers(cb, category).map(|h| h.eraser) {
        Some(Eraser::Rows(erase)) => erase(cb, region, subject).await,
        Some(Eraser::WithAccount) => Err(CoreError::validation("category", "this category is erased with the account, as a whole")),
        Some(Eraser::AtRetention(why)) => Err(CoreError::validation("category", why)),
        None => Err(CoreError::Internal("no enabled module stores this category")),
    }
}
