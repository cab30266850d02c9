//! What deleting an account would do to the organisations the person belongs to, said before
//! it happens (issue 14): an organisation they are the last member of is deleted with its
//! boards (and what participants posted on them); an organisation they own with no other owner
//! passes to its longest-standing member; any other stays as it is. The same rules as
//! `erasure::erase_contributions_counted`, which carries them out.

use crate::boards::kinds::OrgRole;
use crate::boards::service::Boards;
use crate::identity::principal::Principal;
use crate::platform::error::CoreError;
use crate::platform::ids::OrgId;

/// What becomes of one organisation when its member deletes their account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Deleted, with this many boards: the person is its last member.
    Deleted { boards: usize },
    /// Its ownership passes to the longest-standing other member (named as the board shows
    /// members).
    PassesOn { to: String },
    /// Nothing changes for it (other owners remain).
    Stays,
}

/// One organisation and its fate.
#[derive(Debug, Clone)]
pub struct OrgFate {
    pub id: OrgId,
    pub name: String,
    pub personal: bool,
    pub fate: Fate,
}

impl Boards<'_> {
    /// The fate of each organisation `who` belongs to if they delete their account now.
    pub async fn departure(&self, who: &Principal) -> Result<Vec<OrgFate>, CoreError> {
        let orgs = self.orgs(who).await?;
        let region = self.cb.region(&who.region)?.clone();
        let mut keys = crate::boards::sealing::KeyCache::new(self.cb.keys(), &region);
        let mut out = Vec::with_capacity(orgs.len());
        for o in orgs {
            let others: Vec<_> = region.boards.members(&o.id).await?.into_iter().filter(|m| m.subject_id != who.subject).collect();
            let fate = if others.is_empty() {
                Fate::Deleted { boards: region.boards.boards_of_org(&o.id).await?.len() }
            } else if o.role == OrgRole::Owner
                && !others.iter().any(|m| m.role == OrgRole::Owner)
                && let Some(heir) = others.first()
            {
                Fate::PassesOn { to: crate::boards::views::display_name(&mut keys, &heir.subject_id).await? }
            } else {
                Fate::Stays
            };
            out.push(OrgFate { id: o.id, name: o.name, personal: o.personal, fate });
        }
        Ok(out)
    }
}
