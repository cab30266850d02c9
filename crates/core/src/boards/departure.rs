//! What deleting an account does to the organisations the person belongs to, said and asked
//! before it happens (issue 14, C-RET-1, C-DSR-1):
//! * an organisation they are the last member of is deleted with them, with its boards (and
//!   what participants posted on them);
//! * an organisation they own alone while others belong to it needs their choice: pass it on
//!   to a member they pick (the longest-standing admin, else member, is offered first), or
//!   delete it with its boards. A deletion without the choices is refused
//!   (`organisation_choice_required`), naming the organisations (ids and names, which are the
//!   organisation's, not personal);
//! * any other stays as it is (other owners remain; the person just leaves it).
//!
//! A transfer is audited and its new owner is told by email, in their language. Erasure
//! without a choice (a rights request worked by staff) keeps the default:
//! `erasure::erase_contributions_counted` passes ownership to [`default_heir`].

use std::collections::BTreeMap;

use serde_json::json;

use crate::boards::kinds::OrgRole;
use crate::boards::service::{Boards, PURPOSE};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{OrgId, SubjectId};
use crate::platform::mail::Mail;
use crate::platform::mail_texts;
use crate::platform::ports::MemberRow;

/// A member an organisation can be passed on to, named as the board shows members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heir {
    pub id: SubjectId,
    pub name: String,
    pub role: OrgRole,
}

/// What becomes of one organisation when its member deletes their account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Deleted with them: the person is its last member.
    Deleted,
    /// The person owns it alone and others belong to it: they choose. `heirs` are its other
    /// members, the one offered by default first.
    Choose { heirs: Vec<Heir> },
    /// Nothing changes for it (other owners remain).
    Stays,
}

/// One organisation, its size, and its fate.
#[derive(Debug, Clone)]
pub struct OrgFate {
    pub id: OrgId,
    pub name: String,
    pub personal: bool,
    /// Members, the person included.
    pub members: usize,
    pub boards: usize,
    pub fate: Fate,
}

/// The choice for an organisation whose fate is [`Fate::Choose`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgDecision {
    TransferTo(SubjectId),
    Delete,
}

/// The choices, by organisation.
pub type Decisions = BTreeMap<OrgId, OrgDecision>;

/// The member offered first when an organisation is passed on: the longest-standing admin,
/// else the longest-standing member (`others` in the order they joined).
pub fn default_heir(others: &[MemberRow]) -> Option<&MemberRow> {
    others.iter().find(|m| m.role == OrgRole::Admin).or_else(|| others.first())
}

impl Boards<'_> {
    /// The fate of each organisation `who` belongs to if they delete their account now.
    pub async fn departure(&self, who: &Principal) -> Result<Vec<OrgFate>, CoreError> {
        let orgs = self.orgs(who).await?;
        let region = self.cb.region(&who.region)?.clone();
        let mut keys = crate::boards::sealing::KeyCache::new(self.cb.keys(), &region);
        let mut out = Vec::with_capacity(orgs.len());
        for o in orgs {
            let all = region.boards.members(&o.id).await?;
            let members = all.len();
            let others: Vec<MemberRow> = all.into_iter().filter(|m| m.subject_id != who.subject).collect();
            let boards = region.boards.boards_of_org(&o.id).await?.len();
            let fate = if others.is_empty() {
                Fate::Deleted
            } else if o.role == OrgRole::Owner && !others.iter().any(|m| m.role == OrgRole::Owner) {
                // The default first, then the others in the order they joined.
                let mut ordered: Vec<&MemberRow> = others.iter().collect();
                if let Some(first) = default_heir(&others)
                    && let Some(i) = ordered.iter().position(|m| m.subject_id == first.subject_id)
                {
                    let m = ordered.remove(i);
                    ordered.insert(0, m);
                }
                let mut heirs = Vec::with_capacity(ordered.len());
                for m in ordered {
                    let name = crate::boards::views::display_name(&mut keys, &m.subject_id).await?;
                    heirs.push(Heir { id: m.subject_id.clone(), name, role: m.role });
                }
                Fate::Choose { heirs }
            } else {
                Fate::Stays
            };
            out.push(OrgFate { id: o.id, name: o.name, personal: o.personal, members, boards, fate });
        }
        Ok(out)
    }

    /// Checks `decisions` against the fates of `who`'s organisations: every organisation to
    /// choose for has a choice, every transfer names one of its members, nothing else is
    /// named. Returns the fates to carry out.
    pub async fn check_departure(&self, who: &Principal, decisions: &Decisions) -> Result<Vec<OrgFate>, CoreError> {
        let fates = self.departure(who).await?;
        let missing: Vec<(String, String)> = fates
            .iter()
            .filter(|f| matches!(f.fate, Fate::Choose { .. }) && !decisions.contains_key(&f.id))
            .map(|f| (f.id.to_string(), f.name.clone()))
            .collect();
        if !missing.is_empty() {
            return Err(CoreError::OrganisationChoiceRequired(missing));
        }
        for (org, d) in decisions {
            let Some(f) = fates.iter().find(|f| &f.id == org) else {
                return Err(CoreError::validation("organisations", "choose only for organisations you own with other members"));
            };
            match (&f.fate, d) {
                (Fate::Choose { heirs }, OrgDecision::TransferTo(to)) if !heirs.iter().any(|h| &h.id == to) => {
                    return Err(CoreError::validation("organisations", "pass an organisation on only to one of its other members"));
                }
                (Fate::Choose { .. }, _) => {}
                _ => return Err(CoreError::validation("organisations", "choose only for organisations you own with other members")),
            }
        }
        Ok(fates)
    }

    /// Carries out checked `decisions` (before the account is erased): each transfer makes
    /// its member the owner (audited, and told by email in their language); each deletion
    /// deletes the organisation with its boards.
    pub(crate) async fn settle_departure(&self, who: &Principal, decisions: &Decisions, base_url: &str) -> Result<(), CoreError> {
        let region = self.cb.region(&who.region)?.clone();
        let orgs = self.orgs(who).await?;
        for (org, d) in decisions {
            let Some(o) = orgs.iter().find(|o| &o.id == org) else { continue };
            match d {
                OrgDecision::Delete => {
                    self.delete_org_with_boards(
                        &region,
                        org,
                        "owner deleted their account and chose to delete it",
                        Actor::Subject(&who.subject),
                    )
                    .await?;
                }
                OrgDecision::TransferTo(to) => {
                    let Some(heir) = region.boards.member(org, to).await? else { return Err(CoreError::NotFound) };
                    let m = MemberRow { role: OrgRole::Owner, ..heir };
                    let audit = self.cb.audit_draft(
                        Actor::Subject(&who.subject),
                        "org.owner_transferred",
                        Some(to),
                        Some(PURPOSE),
                        json!({ "org": org, "reason": "the owner deleted their account and chose this member" }),
                    );
                    region.boards.put_member(&m, audit).await?;
                    tracing::info!(event = "org.owner_transferred", org = %org, to = %to);
                    self.tell_new_owner(&region, to, &o.name, base_url).await;
                }
            }
        }
        Ok(())
    }

    /// The email to an organisation's new owner, in their account's language.
    async fn tell_new_owner(&self, region: &RegionHandle, to: &SubjectId, org: &str, base_url: &str) {
        let Ok((row, dek)) = self.cb.accounts().load(region, to).await else { return };
        let Ok(p) = self.cb.accounts().open(&dek, &row) else { return };
        let date = self.cb.clock().today().to_string();
        let args = [("org", org), ("name", p.first_name.as_str()), ("date", date.as_str()), ("base_url", base_url)];
        let (subject, text) = mail_texts::render("org.passed_on", mail_texts::lang(&row.locale), &args);
        if let Err(e) = self.cb.transfers().send_mail(Some((region, to)), Mail { to: p.email, subject, text, ..Mail::default() }).await {
            tracing::warn!(error = %e, "the new owner of an organisation could not be told");
        }
    }
}
