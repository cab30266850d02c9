//! What the software does for each category of the policy when a person exercises their
//! rights: how the category is exported (access, portability) and erased. A test walks the
//! policy: every category must be either handled here or provably not stored (no column of
//! the catalog belongs to it), so no personal data can escape an export or an erasure.
//! The request workflow (deadlines, verification, receipts) builds on these.
//!
//! Takes the whole context (`Clearboard`): each category's handler calls the room that stores it
//! (accounts, boards, sessions) and the subject keys.

use serde_json::{Value, json};

use crate::platform::clock::rfc3339;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::SubjectId;

/// How a category is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Stored by this version: exported by [`export_category`], erased by [`erase_category`].
    Stored,
    /// Not stored by this version of the software (the reason says what will store it).
    NotCollected(&'static str),
}

/// The handling of a policy category, or `None` when the software does not know it.
pub fn handling(category: &str) -> Option<Handling> {
    match category {
        "account" | "security" | "user_content" | "navigation" => Some(Handling::Stored),
        "contract" => Some(Handling::NotCollected("no contract or billing records are stored yet")),
        "assistance" => Some(Handling::NotCollected("no assistance requests are stored yet")),
        "events" => Some(Handling::NotCollected("no event or visit records are stored yet")),
        "trainings" => Some(Handling::NotCollected("no training records are stored yet")),
        "job_applications" => Some(Handling::NotCollected("no job applications are stored yet")),
        _ => None,
    }
}

/// Exports what is stored about `subject` in `category`, in clear, as JSON.
pub async fn export_category(cb: &Clearboard, region: &RegionHandle, subject: &SubjectId, category: &str) -> Result<Value, CoreError> {
    match category {
        "account" => {
            let p = cb.accounts().profile(&region.id, subject).await?;
            let acks: Vec<Value> = region
                .store
                .acks_of(subject)
                .await?
                .into_iter()
                .map(|(d, m, at)| json!({ "policy_version": d, "how": m, "at": rfc3339(at) }))
                .collect();
            Ok(json!({ "profile": p, "policy_acknowledgements": acks }))
        }
        "security" => {
            let sessions: Vec<Value> = region
                .store
                .sessions_of(subject)
                .await?
                .into_iter()
                .map(|s| json!({ "kind": s.kind, "started_at": rfc3339(s.created_at), "last_used_at": rfc3339(s.last_seen_at) }))
                .collect();
            Ok(json!({ "sessions": sessions }))
        }
        "user_content" => export_user_content(cb, region, subject).await,
        // Navigational data is tied to a browser's analytics cookie, never to an account: there
        // is nothing to export for an account (a visitor reads theirs on the cookies page).
        "navigation" => Ok(json!({ "page_views": [], "linked_to_account": false })),
        other => match handling(other) {
            Some(Handling::NotCollected(why)) => Ok(json!({ "stored": false, "why": why })),
            _ => Err(CoreError::Internal("no exporter for this category")),
        },
    }
}

/// A person's own contributions to boards: cards (with their media references), comments,
/// likes, votes and their participant pseudonym.
async fn export_user_content(cb: &Clearboard, region: &RegionHandle, subject: &SubjectId) -> Result<Value, CoreError> {
    let (cards, comments, reactions, participant) = region.boards.contributions_of(subject).await?;
    let dek = match cb.keys().current(region, subject).await {
        Ok(k) => k,
        Err(CoreError::Erased) => return Ok(json!({ "erased": true })),
        Err(e) => return Err(e),
    };
    let mut card_out = Vec::new();
    for c in &cards {
        let body = dek.open_string(clearboard_vault::Aad { table: "cards", column: "body", row: c.id.as_str() }, &c.body)?;
        let link = c.kind == crate::boards::kinds::CardKind::Link;
        card_out.push(json!({
            "id": c.id, "board_id": c.board_id, "kind": c.kind,
            "text": (!link).then_some(&body), "url": link.then_some(&body),
            "media": c.blob_id.as_ref().map(|_| json!({ "type": c.media_type, "file": format!("media/{}.{}", c.id, crate::platform::media::file_ext(c.media_type.as_deref().unwrap_or(""))) })),
            "color": c.color, "category": c.category, "position": [c.x, c.y], "status": c.status,
            "created_at": rfc3339(c.created_at), "updated_at": rfc3339(c.updated_at),
        }));
    }
    let mut comment_out = Vec::new();
    for c in &comments {
        let body = dek.open_string(clearboard_vault::Aad { table: "comments", column: "body", row: c.id.as_str() }, &c.body)?;
        comment_out.push(json!({ "id": c.id, "card_id": c.card_id, "text": body, "created_at": rfc3339(c.created_at) }));
    }
    let pseudonym = match &participant {
        Some(p) => Some(
            dek.open_string(clearboard_vault::Aad { table: "participants", column: "pseudonym", row: subject.as_str() }, &p.pseudonym)?,
        ),
        None => None,
    };
    Ok(json!({
        "cards": card_out,
        "comments": comment_out,
        "likes": reactions.likes.iter().map(|(c, _)| c).collect::<Vec<_>>(),
        "votes": reactions.votes.iter().map(|(c, _, n)| json!({ "card_id": c, "count": n })).collect::<Vec<_>>(),
        "participant": participant.map(|p| json!({ "board_id": p.board_id, "pseudonym": pseudonym, "joined_at": rfc3339(p.created_at) })),
    }))
}

/// Erases what is stored about `subject` in `category` (account erasure as a whole is
/// [`crate::identity::accounts::Accounts::delete`], which destroys the key first).
pub async fn erase_category(cb: &Clearboard, region: &RegionHandle, subject: &SubjectId, category: &str) -> Result<u64, CoreError> {
    match category {
        "security" => {
            let audit = cb.audit_draft(crate::platform::audit::Actor::System, "sessions.erased", Some(subject), Some("rights"), json!({}));
            Ok(region.store.delete_sessions_of(subject, None, Some(audit)).await?)
        }
        "account" => Err(CoreError::validation("category", "the account is erased as a whole, by deleting it")),
        "navigation" => Ok(0),
        "user_content" => {
            let e = cb.boards().erase_contributions(region, subject).await?;
            Ok(e.cards + e.comments + e.likes + e.votes)
        }
        other => match handling(other) {
            Some(Handling::NotCollected(_)) => Ok(0),
            _ => Err(CoreError::Internal("no eraser for this category")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::catalog::STORED_FIELDS;

    /// Every category of the policy is handled; a category said not to be stored has no column
    /// in the catalog; every stored column's category is handled as stored.
    #[test]
    fn every_policy_category_has_an_exporter_and_an_eraser_or_is_not_stored() {
        let p = clearboard_policy::Policy::default_policy().unwrap();
        for c in &p.doc().categories {
            match handling(&c.id) {
                None => panic!("category {} has no exporter or eraser", c.id),
                Some(Handling::NotCollected(_)) => {
                    assert!(!STORED_FIELDS.iter().any(|f| f.category == c.id), "{} is stored but said not to be", c.id);
                }
                Some(Handling::Stored) => {}
            }
            assert!(p.retention_of(&c.id).next().is_some(), "category {} has no retention rule", c.id);
        }
        for f in STORED_FIELDS {
            assert_eq!(handling(f.category), Some(Handling::Stored), "{}.{} is stored without an exporter/eraser", f.table, f.column);
        }
    }
}
