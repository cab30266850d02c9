//! Organisations (a personal workspace per person, shared ones with owner, admin and member
//! roles) and invitations by link: one use, 14 days, optionally bound to one address (kept
//! only as its blind index).

use serde_json::json;
use zeroize::Zeroizing;

use crate::boards::input::clean_text;
use crate::boards::kinds::OrgRole;
use crate::boards::sealing::{KeyCache, open_string, org_key_owner, org_name_aad, seal_str};
use crate::boards::service::{Boards, PURPOSE};
use crate::boards::views::{self, InvitationView, MemberView, NewInvitation, OrgView, invitation_view};
use crate::identity::principal::Principal;
use crate::platform::audit::Actor;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{OrgId, SubjectId};
use crate::platform::ports::{InvitationRow, MemberRow, OrgRow};

const INVITATION_DAYS: i64 = 14;

impl Boards<'_> {
    /// Creates an organisation in the creator's region, with them as owner.
    pub async fn create_org(&self, who: &Principal, name: &str, personal: bool) -> Result<OrgView, CoreError> {
        self.guard()?;
        let region = self.cb.region(&who.region)?.clone();
        if region.store.account(&who.subject).await?.is_none() {
            return Err(CoreError::Forbidden);
        }
        let name = clean_text("name", name, 80)?;
        let now = self.cb.now();
        let id = OrgId::new(now)?;
        let key = self.cb.keys().create(&region, &org_key_owner(&id)).await?;
        let org = OrgRow { id: id.clone(), name: seal_str(&key, org_name_aad(&id), &name)?, personal, created_at: now };
        let owner = MemberRow { org_id: id.clone(), subject_id: who.subject.clone(), role: OrgRole::Owner, joined_at: now };
        self.cb.directory().index_org(&id, &region.id).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "org.created",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "org": id, "personal": personal }),
        );
        if let Err(e) = region.boards.create_org(&org, &owner, audit).await {
            let _ = self.cb.directory().unindex_org(&id).await;
            let _ = region.keys.discard(&org_key_owner(&id)).await;
            return Err(e.into());
        }
        Ok(OrgView { id, name, personal, role: OrgRole::Owner, region: region.id.to_string() })
    }

    pub(super) async fn org_name(&self, region: &RegionHandle, org: &OrgRow) -> Result<String, CoreError> {
        let key = self.cb.keys().current(region, &org_key_owner(&org.id)).await?;
        open_string(&key, org_name_aad(&org.id), &org.name)
    }

    /// The person's organisations; a personal workspace is created on first use.
    pub async fn orgs(&self, who: &Principal) -> Result<Vec<OrgView>, CoreError> {
        self.guard()?;
        let region = self.cb.region(&who.region)?.clone();
        let mut rows = region.boards.orgs_of(&who.subject).await?;
        if !rows.iter().any(|(o, _)| o.personal) && region.store.account(&who.subject).await?.is_some() {
            self.create_org(who, "Personal workspace", true).await?;
            rows = region.boards.orgs_of(&who.subject).await?;
        }
        let mut out = Vec::with_capacity(rows.len());
        for (o, role) in rows {
            let name = self.org_name(&region, &o).await?;
            out.push(OrgView { id: o.id, name, personal: o.personal, role, region: region.id.to_string() });
        }
        Ok(out)
    }

    pub(super) async fn org_member(&self, who: &Principal, org: &OrgId) -> Result<(RegionHandle, MemberRow), CoreError> {
        let region = self.cb.directory().org_region(org).await?.ok_or(CoreError::NotFound)?;
        if region != who.region {
            return Err(CoreError::NotFound);
        }
        let region = self.cb.region(&region)?.clone();
        let m = region.boards.member(org, &who.subject).await?.ok_or(CoreError::NotFound)?;
        Ok((region, m))
    }

    /// Members of an organisation (to its members).
    pub async fn members(&self, who: &Principal, org: &OrgId) -> Result<Vec<MemberView>, CoreError> {
        self.guard()?;
        let (region, _) = self.org_member(who, org).await?;
        let mut out = Vec::new();
        let mut keys = KeyCache::new(self.cb.keys(), &region);
        for m in region.boards.members(org).await? {
            let name = views::display_name(&mut keys, &m.subject_id).await?;
            out.push(MemberView { id: m.subject_id, name, role: m.role, joined_at: crate::platform::clock::rfc3339(m.joined_at) });
        }
        Ok(out)
    }

    /// An invitation link token for an organisation (owners and admins), valid 14 days and
    /// for one use. With `email`, only the account with that address can accept it (the
    /// address itself is not kept: only its keyed blind index).
    pub async fn invite(&self, who: &Principal, org: &OrgId, role: &str, email: Option<&str>) -> Result<NewInvitation, CoreError> {
        let (region, me) = self.org_member(who, org).await?;
        if !me.role.manages() {
            return Err(CoreError::Forbidden);
        }
        let org_row = region.boards.org(org).await?.ok_or(CoreError::NotFound)?;
        if org_row.personal {
            return Err(CoreError::validation("org", "a personal workspace has no other members; create an organisation to invite people"));
        }
        let role = match OrgRole::parse(role) {
            Some(r @ (OrgRole::Admin | OrgRole::Member)) => r,
            _ => return Err(CoreError::validation("role", "invite as `member` or `admin`")),
        };
        let email_bidx = match email.map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Some(self.cb.inner.blind.email(&crate::platform::validate::email(e)?).to_vec()),
            None => None,
        };
        let raw = clearboard_vault::random::bytes::<32>()?;
        let token = Zeroizing::new(format!("inv1.{}.{}", region.id, hex::encode(raw)));
        let now = self.cb.now();
        let inv = InvitationRow {
            id: crate::platform::ids::new_uuid(now)?.to_string(),
            org_id: org.clone(),
            token_hash: crate::identity::sessions::token_hash(&token),
            role,
            created_by: Some(who.subject.clone()),
            created_at: now,
            expires_at: now + INVITATION_DAYS * crate::platform::clock::DAY,
            revoked_at: None,
            email_bidx,
            accepted_at: None,
            accepted_by: None,
        };
        region.boards.create_invitation(&inv).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "org.invitation_created",
            None,
            Some(PURPOSE),
            json!({ "org": org, "invitation": inv.id, "role": role, "bound": inv.email_bidx.is_some() }),
        );
        region.store.audit_append(audit).await?;
        Ok(NewInvitation { id: inv.id.clone(), token, expires_at: inv.expires_at, view: invitation_view(&inv, now) })
    }

    /// The invitations of an organisation (owners and admins).
    pub async fn invitations(&self, who: &Principal, org: &OrgId) -> Result<Vec<InvitationView>, CoreError> {
        let (region, me) = self.org_member(who, org).await?;
        if !me.role.manages() {
            return Err(CoreError::Forbidden);
        }
        let now = self.cb.now();
        Ok(region.boards.invitations_of(org).await?.iter().map(|i| invitation_view(i, now)).collect())
    }

    /// Revokes an unused invitation (owners and admins).
    pub async fn revoke_invitation(&self, who: &Principal, org: &OrgId, id: &str) -> Result<(), CoreError> {
        let (region, me) = self.org_member(who, org).await?;
        if !me.role.manages() {
            return Err(CoreError::Forbidden);
        }
        if !region.boards.invitations_of(org).await?.iter().any(|i| i.id == id) {
            return Err(CoreError::NotFound);
        }
        if !region.boards.revoke_invitation(id, self.cb.now()).await? {
            return Err(CoreError::Conflict("this invitation was already used or revoked"));
        }
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "org.invitation_revoked",
            None,
            Some(PURPOSE),
            json!({ "org": org, "invitation": id }),
        );
        region.store.audit_append(audit).await?;
        Ok(())
    }

    /// Joins the organisation an invitation token names. The token works once, until it
    /// expires or is revoked, and only for the address it is bound to (if any).
    pub async fn accept_invitation(&self, who: &Principal, token: &str) -> Result<OrgView, CoreError> {
        self.guard()?;
        let region_name = token.split('.').nth(1).unwrap_or_default();
        let invalid = || CoreError::validation("token", "this invitation is not valid, was already used, has expired or was revoked");
        let region = self.cb.region_named(region_name).map_err(|_| invalid())?.clone();
        if region.id != who.region {
            return Err(CoreError::validation(
                "token",
                "this organisation keeps its data in another region than your account; ask for a new account in that region",
            ));
        }
        let inv = region.boards.invitation_by_hash(&crate::identity::sessions::token_hash(token)).await?.ok_or_else(invalid)?;
        let now = self.cb.now();
        let Some(account) = region.store.account(&who.subject).await? else {
            return Err(CoreError::Forbidden);
        };
        if let Some(existing) = region.boards.member(&inv.org_id, &who.subject).await? {
            // Already a member: nothing to use the invitation for.
            let org = region.boards.org(&inv.org_id).await?.ok_or(CoreError::NotFound)?;
            return Ok(OrgView {
                name: self.org_name(&region, &org).await?,
                id: org.id,
                personal: org.personal,
                role: existing.role,
                region: region.id.to_string(),
            });
        }
        if inv.revoked_at.is_some() || inv.accepted_at.is_some() || inv.expires_at <= now {
            return Err(invalid());
        }
        if let Some(bidx) = &inv.email_bidx
            && !bool::from(subtle::ConstantTimeEq::ct_eq(bidx.as_slice(), account.email_bidx.as_slice()))
        {
            return Err(CoreError::validation(
                "token",
                "this invitation is for another email address; sign in with the account it was sent to",
            ));
        }
        let m = MemberRow { org_id: inv.org_id.clone(), subject_id: who.subject.clone(), role: inv.role, joined_at: now };
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "org.joined",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "org": inv.org_id, "role": inv.role, "invitation": inv.id }),
        );
        if !region.boards.accept_invitation(&inv.id, &m, audit).await? {
            return Err(invalid());
        }
        let org = region.boards.org(&inv.org_id).await?.ok_or(CoreError::NotFound)?;
        Ok(OrgView {
            name: self.org_name(&region, &org).await?,
            id: org.id,
            personal: org.personal,
            role: inv.role,
            region: region.id.to_string(),
        })
    }

    /// Removes a member (owners and admins; anyone may leave). The last owner cannot leave
    /// without naming another owner.
    pub async fn remove_member(&self, who: &Principal, org: &OrgId, member: &SubjectId) -> Result<(), CoreError> {
        let (region, me) = self.org_member(who, org).await?;
        let leaving_self = member == &who.subject;
        if !leaving_self && !me.role.manages() {
            return Err(CoreError::Forbidden);
        }
        let members = region.boards.members(org).await?;
        let target = members.iter().find(|m| &m.subject_id == member).ok_or(CoreError::NotFound)?;
        if target.role == OrgRole::Owner && members.iter().filter(|m| m.role == OrgRole::Owner).count() == 1 {
            return Err(CoreError::validation("member", "the last owner cannot leave; make someone else owner first"));
        }
        if target.role == OrgRole::Owner && me.role != OrgRole::Owner {
            return Err(CoreError::Forbidden);
        }
        let audit =
            self.cb.audit_draft(Actor::Subject(&who.subject), "org.member_removed", Some(member), Some(PURPOSE), json!({ "org": org }));
        region.boards.remove_member(org, member, audit).await?;
        Ok(())
    }
}
