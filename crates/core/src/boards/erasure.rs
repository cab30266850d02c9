//! What the rights engine asks of boards (C-RET-2, C-DSR-1): a person's contributions erased
//! and counted, the organisations they leave empty deleted (ownership passes on otherwise),
//! and board titles for exports (given only to members).

use serde_json::json;

use crate::boards::events::Change;
use crate::boards::kinds::OrgRole;
use crate::boards::layout::Zone;
use crate::boards::sealing::{open_string, open_zones, org_key_owner, title_aad};
use crate::boards::service::{Boards, PURPOSE};
use crate::platform::audit::Actor;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, OrgId, SubjectId};
use crate::platform::ports::{AuditDraft, MemberRow};

impl Boards<'_> {
    /// Deletes everything a subject put on boards and tells the open boards (used by account
    /// and participant erasure).
    pub(crate) async fn erase_contributions(
        &self,
        region: &RegionHandle,
        subject: &SubjectId,
    ) -> Result<crate::platform::ports::ErasedContributions, CoreError> {
        self.erase_contributions_with(region, subject, false, None).await
    }

    /// `erase_contributions`, in the same transaction deleting the person's sessions (with
    /// `sessions`) and appending `then` after the erasure's own audit entry.
    pub(crate) async fn erase_contributions_with(
        &self,
        region: &RegionHandle,
        subject: &SubjectId,
        sessions: bool,
        then: Option<AuditDraft>,
    ) -> Result<crate::platform::ports::ErasedContributions, CoreError> {
        let audit = self.cb.audit_draft(Actor::System, "contributions.erased", Some(subject), Some("rights"), json!({}));
        let audits = std::iter::once(audit).chain(then).collect();
        let erased = region.boards.erase_contributions(subject, sessions, audits).await?;
        // Undo histories hold sealed copies of their cards: gone with them (`history`).
        self.cb.inner.hub.forget_subject(subject);
        for b in &erased.blobs {
            region.blobs.delete(b).await?;
        }
        for (board, seq) in &erased.boards {
            self.cb.inner.hub.publish(board, *seq, Change::Resync);
            self.cb.inner.hub.forget(board);
        }
        Ok(erased)
    }

    /// A board's title and zones, if `subject` still belongs to its organisation (exports
    /// name the boards a person's cards are on; title and zones are the organisation's, so
    /// they are given only to its members).
    pub(crate) async fn title_for(
        &self,
        region: &RegionHandle,
        subject: &SubjectId,
        board: &BoardId,
    ) -> Result<Option<(String, Vec<Zone>)>, CoreError> {
        let Some(found) = region.boards.board_access(board, subject).await? else { return Ok(None) };
        if found.member_role.is_none() {
            return Ok(None);
        }
        let row = found.board;
        let okey = self.cb.keys().current(region, &org_key_owner(&row.org_id)).await?;
        let zones = open_zones(&okey, board, row.zones.as_deref())?;
        Ok(Some((open_string(&okey, title_aad(board), &row.title)?, zones)))
    }

    /// Erases everything a person has on boards and counts it under its category: their
    /// contributions everywhere (those in a workspace that goes with them included: their
    /// contributions are erased and counted first, C-RET-2), their participation, then the
    /// organisations they leave empty (personal workspaces included, with whatever others put
    /// on their boards and the participants of those boards). Ownership of shared
    /// organisations passes to the longest-standing member.
    pub(crate) async fn erase_contributions_counted(&self, region: &RegionHandle, subject: &SubjectId) -> Result<ErasureCounts, CoreError> {
        let mut counts = ErasureCounts { participant: region.boards.participant(subject).await?.is_some(), ..ErasureCounts::default() };
        let orgs = region.boards.orgs_of(subject).await?;
        let e = self.erase_contributions(region, subject).await?;
        counts.cards = e.cards;
        counts.comments = e.comments;
        counts.likes = e.likes;
        counts.votes = e.votes;
        counts.blobs += e.blobs.len() as u64;
        // The memberships went with the contributions: whoever is left belongs to the organisation.
        for (org, role) in orgs {
            let others: Vec<MemberRow> = region.boards.members(&org.id).await?.into_iter().filter(|m| &m.subject_id != subject).collect();
            if others.is_empty() {
                let (boards, blobs) = self.delete_org_with_boards(region, &org.id, "last member erased", Actor::System).await?;
                counts.boards_deleted += boards;
                counts.blobs += blobs;
                counts.orgs_deleted += 1;
            } else if role == OrgRole::Owner
                && !others.iter().any(|m| m.role == OrgRole::Owner)
                && let Some(heir) = crate::boards::departure::default_heir(&others)
            {
                let m = MemberRow { role: OrgRole::Owner, ..heir.clone() };
                let audit =
                    self.cb.audit_draft(Actor::System, "org.owner_passed", Some(&heir.subject_id), Some(PURPOSE), json!({ "org": org.id }));
                region.boards.put_member(&m, audit).await?;
            }
        }
        Ok(counts)
    }

    /// Deletes an organisation with its boards, their blobs, the participants of its boards
    /// and its key. Returns how many boards and blobs went.
    pub(crate) async fn delete_org_with_boards(
        &self,
        region: &RegionHandle,
        org: &OrgId,
        reason: &str,
        actor: Actor<'_>,
    ) -> Result<(u64, u64), CoreError> {
        let audit = self.cb.audit_draft(actor, "org.deleted", None, Some("rights"), json!({ "org": org, "reason": reason }));
        let boards = region.boards.boards_of_org(org).await?;
        let (blobs, participants) = region.boards.delete_org(org, audit).await?;
        let mut blob_count = 0;
        for b in blobs {
            region.blobs.delete(&b).await?;
            blob_count += 1;
        }
        for p in participants {
            region.store.delete_sessions_of(&p, None, None).await?;
            self.cb.keys().shred(region, &p).await?;
        }
        self.cb.keys().shred(region, &org_key_owner(org)).await?;
        self.cb.directory().unindex_org(org).await?;
        for b in &boards {
            self.cb.inner.hub.forget(&b.id);
        }
        Ok((boards.len() as u64, blob_count))
    }
}

/// What erasing a person's board content removed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErasureCounts {
    pub cards: u64,
    pub comments: u64,
    pub likes: u64,
    pub votes: u64,
    pub participant: bool,
    pub orgs_deleted: u64,
    pub boards_deleted: u64,
    pub blobs: u64,
}
