//! Boards (C-DATA-1, C-RET-1): organisations, boards of idea cards (text, link, image,
//! video), likes, dot votes, comments, facilitation (lock, controlled mode, anonymous mode),
//! participants who join by code without an account, and real-time fan-out.
//!
//! What people put on boards is theirs: cards, comments and pseudonyms are sealed with their
//! author's key, so erasing a person makes their contributions unreadable at once. Boards,
//! their titles and legends belong to the organisation (sealed with the organisation's key)
//! and survive their creator. Authorisation is decided here, per board: another
//! organisation's board is "not found", never "forbidden". On an anonymous board no view,
//! export or event says who wrote what; each viewer only learns which cards are their own.
//!
//! Links are stored as text; the server never fetches them. Uploaded images and videos are
//! checked by content and rebuilt from an allow-list of what is needed to show or play them
//! (`media`): metadata (EXIF, GPS, XMP, comments, MP4 `udta`/`meta`, WebM tags), second
//! pictures, subtitle and metadata tracks and bytes after the end are dropped.

pub mod access;
pub mod realtime;
mod views;

use std::collections::HashMap;
use std::sync::Arc;

use clearboard_vault::{Aad, Dek, stream};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use crate::boards::realtime::Change;
use crate::identity::sessions::{Principal, SessionKind};
use crate::platform::audit::Actor;
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, BoardId, CardId, CommentId, OrgId, SubjectId};
use crate::platform::media::{self, MediaKind};
use crate::platform::ports::{BoardRow, CardChange, CardRow, CommentRow, InvitationRow, MemberRow, OrgRow, ParticipantRow, StoreError};

pub use access::{Access, BoardRole};
use views::invitation_view;
pub use views::{BoardSummary, BoardView, CardView, CommentView, InvitationView, MemberView, NewInvitation, OrgView};

const PURPOSE: &str = "hosting";
const CATEGORY: &str = "user_content";

/// Longest card text (characters), as in workshop tools: ideas are short.
pub const CARD_TEXT_MAX: usize = 500;
pub const COMMENT_MAX: usize = 1000;
pub const TITLE_MAX: usize = 120;
pub const IMAGE_MAX_BYTES: usize = 10 * 1024 * 1024;
pub const VIDEO_MAX_BYTES: usize = 50 * 1024 * 1024;
const DEFAULT_COLOR: &str = "#fff3a3";
const INVITATION_DAYS: i64 = 14;

/// One entry of a board's colour legend and categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegendEntry {
    pub id: String,
    pub name: String,
    pub color: String,
}

/// A change to a board's title or settings (facilitators).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardPatch {
    pub title: Option<String>,
    pub legend: Option<Vec<LegendEntry>>,
    pub locked: Option<bool>,
    pub controlled: Option<bool>,
    pub anonymous: Option<bool>,
    pub vote_tokens: Option<i64>,
}

/// A new card.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub x: Option<i64>,
    #[serde(default)]
    pub y: Option<i64>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

/// A change to a card. Fields left out are not touched; last writer wins per field.
/// `base_version` is the version the client saw (a change based on an older version still
/// applies, field by field; the response says which version resulted).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardPatch {
    #[serde(default)]
    pub base_version: Option<i64>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub x: Option<i64>,
    #[serde(default)]
    pub y: Option<i64>,
    #[serde(default)]
    pub color: Option<String>,
    /// `Some(None)` clears the category.
    #[serde(default, deserialize_with = "double_option")]
    pub category: Option<Option<String>>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn card_aad(card: &CardId) -> Aad<'_> {
    Aad { table: "cards", column: "body", row: card.as_str() }
}

fn media_aad(blob: &BlobId) -> Aad<'_> {
    Aad { table: "blobs", column: "card_media", row: blob.as_str() }
}

fn comment_aad(c: &CommentId) -> Aad<'_> {
    Aad { table: "comments", column: "body", row: c.as_str() }
}

fn pseudonym_aad(s: &SubjectId) -> Aad<'_> {
    Aad { table: "participants", column: "pseudonym", row: s.as_str() }
}

fn org_name_aad(o: &OrgId) -> Aad<'_> {
    Aad { table: "organisations", column: "name", row: o.as_str() }
}

fn title_aad(b: &BoardId) -> Aad<'_> {
    Aad { table: "boards", column: "title", row: b.as_str() }
}

fn legend_aad(b: &BoardId) -> Aad<'_> {
    Aad { table: "boards", column: "legend", row: b.as_str() }
}

/// The key owner id of an organisation (organisations have keys like people do).
pub(crate) fn org_key_owner(org: &OrgId) -> SubjectId {
    SubjectId::from_stored(format!("org:{org}"))
}

fn valid_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
}

fn clean_text(field: &'static str, s: &str, max: usize) -> Result<String, CoreError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(CoreError::validation(field, "this text is empty"));
    }
    if t.chars().count() > max {
        return Err(CoreError::validation(field, format!("at most {max} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(CoreError::validation(field, "control characters are not allowed"));
    }
    Ok(t.to_string())
}

/// A link card's URL: http or https, at most 2,048 bytes, no spaces. It is never fetched.
pub fn clean_url(s: &str) -> Result<String, CoreError> {
    let u = s.trim();
    let bad = || CoreError::validation("url", "give a web address starting with https:// or http://");
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")).ok_or_else(bad)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || u.len() > 2048 || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    Ok(u.to_string())
}

fn clean_legend(entries: Vec<LegendEntry>) -> Result<Vec<LegendEntry>, CoreError> {
    if entries.len() > 50 {
        return Err(CoreError::validation("legend", "at most 50 categories"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let id_ok = !e.id.is_empty() && e.id.len() <= 16 && e.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !id_ok || !seen.insert(e.id.clone()) {
            return Err(CoreError::validation("legend", "each category needs a distinct id of 1 to 16 letters, digits, - or _"));
        }
        if !valid_color(&e.color) {
            return Err(CoreError::validation("legend", "colours are written #RRGGBB"));
        }
        out.push(LegendEntry { id: e.id, name: clean_text("legend", &e.name, 40)?, color: e.color.to_lowercase() });
    }
    Ok(out)
}

fn clamp_pos(v: i64) -> Result<i64, CoreError> {
    if (-100_000..=100_000).contains(&v) { Ok(v) } else { Err(CoreError::validation("x", "positions are between -100000 and 100000")) }
}

fn new_join_code() -> Result<String, CoreError> {
    // 10 characters from an unambiguous alphabet: 50 bits, typed by people at a workshop.
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let raw = clearboard_vault::random::bytes::<10>()?;
    Ok(raw.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect())
}

/// A friendly pseudonym derived from who someone is on one board (presence shows only this).
pub fn presence_name(subject: &SubjectId, board: &BoardId) -> String {
    use sha2::{Digest, Sha256};
    const ADJ: &[&str] = &["Blue", "Calm", "Bright", "Swift", "Kind", "Bold", "Quiet", "Warm", "Clever", "Sunny", "Brave", "Gentle"];
    const ANIMAL: &[&str] = &["Otter", "Heron", "Fox", "Lynx", "Puffin", "Badger", "Falcon", "Seal", "Koala", "Ibex", "Marten", "Wren"];
    let h = Sha256::digest(format!("{subject}/{board}").as_bytes());
    format!("{} {}", ADJ[h[0] as usize % ADJ.len()], ANIMAL[h[1] as usize % ANIMAL.len()])
}

/// Decryption keys fetched once per request.
pub(crate) struct KeyCache<'a> {
    cb: &'a Clearboard,
    region: &'a RegionHandle,
    keys: HashMap<SubjectId, Option<Arc<Dek>>>,
}

impl<'a> KeyCache<'a> {
    pub(crate) fn new(cb: &'a Clearboard, region: &'a RegionHandle) -> Self {
        Self { cb, region, keys: HashMap::new() }
    }

    /// The subject's key, or `None` once it is destroyed.
    pub(crate) async fn get(&mut self, s: &SubjectId) -> Result<Option<Arc<Dek>>, CoreError> {
        if let Some(k) = self.keys.get(s) {
            return Ok(k.clone());
        }
        let k = match self.cb.keys().current(self.region, s).await {
            Ok(k) => Some(Arc::new(k)),
            Err(CoreError::Erased) => None,
            Err(e) => return Err(e),
        };
        self.keys.insert(s.clone(), k.clone());
        Ok(k)
    }
}

pub struct Boards<'a> {
    cb: &'a Clearboard,
}

impl Clearboard {
    pub fn boards(&self) -> Boards<'_> {
        Boards { cb: self }
    }
}

impl Boards<'_> {
    fn guard(&self) -> Result<(), CoreError> {
        Ok(self.cb.policy().check(PURPOSE, CATEGORY)?)
    }

    // ---- Organisations ----

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
        let org = OrgRow { id: id.clone(), name: key.seal_str(org_name_aad(&id), &name)?, personal, created_at: now };
        let owner = MemberRow { org_id: id.clone(), subject_id: who.subject.clone(), role: "owner".into(), joined_at: now };
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
        Ok(OrgView { id, name, personal, role: "owner".into(), region: region.id.to_string() })
    }

    async fn org_name(&self, region: &RegionHandle, org: &OrgRow) -> Result<String, CoreError> {
        let key = self.cb.keys().current(region, &org_key_owner(&org.id)).await?;
        Ok(key.open_string(org_name_aad(&org.id), &org.name)?)
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

    async fn org_member(&self, who: &Principal, org: &OrgId) -> Result<(RegionHandle, MemberRow), CoreError> {
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
        for m in region.boards.members(org).await? {
            let name = views::display_name(self.cb, &region, &m.subject_id).await?;
            out.push(MemberView { id: m.subject_id, name, role: m.role, joined_at: crate::platform::clock::rfc3339(m.joined_at) });
        }
        Ok(out)
    }

    /// An invitation link token for an organisation (owners and admins), valid 14 days and
    /// for one use. With `email`, only the account with that address can accept it (the
    /// address itself is not kept: only its keyed blind index).
    pub async fn invite(&self, who: &Principal, org: &OrgId, role: &str, email: Option<&str>) -> Result<NewInvitation, CoreError> {
        let (region, me) = self.org_member(who, org).await?;
        if !matches!(me.role.as_str(), "owner" | "admin") {
            return Err(CoreError::Forbidden);
        }
        let org_row = region.boards.org(org).await?.ok_or(CoreError::NotFound)?;
        if org_row.personal {
            return Err(CoreError::validation("org", "a personal workspace has no other members; create an organisation to invite people"));
        }
        if !matches!(role, "admin" | "member") {
            return Err(CoreError::validation("role", "invite as `member` or `admin`"));
        }
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
            role: role.to_string(),
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
        if !matches!(me.role.as_str(), "owner" | "admin") {
            return Err(CoreError::Forbidden);
        }
        let now = self.cb.now();
        Ok(region.boards.invitations_of(org).await?.iter().map(|i| invitation_view(i, now)).collect())
    }

    /// Revokes an unused invitation (owners and admins).
    pub async fn revoke_invitation(&self, who: &Principal, org: &OrgId, id: &str) -> Result<(), CoreError> {
        let (region, me) = self.org_member(who, org).await?;
        if !matches!(me.role.as_str(), "owner" | "admin") {
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
        let m = MemberRow { org_id: inv.org_id.clone(), subject_id: who.subject.clone(), role: inv.role.clone(), joined_at: now };
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
        if !leaving_self && !matches!(me.role.as_str(), "owner" | "admin") {
            return Err(CoreError::Forbidden);
        }
        let members = region.boards.members(org).await?;
        let target = members.iter().find(|m| &m.subject_id == member).ok_or(CoreError::NotFound)?;
        if target.role == "owner" && members.iter().filter(|m| m.role == "owner").count() == 1 {
            return Err(CoreError::validation("member", "the last owner cannot leave; make someone else owner first"));
        }
        if target.role == "owner" && me.role != "owner" {
            return Err(CoreError::Forbidden);
        }
        let audit =
            self.cb.audit_draft(Actor::Subject(&who.subject), "org.member_removed", Some(member), Some(PURPOSE), json!({ "org": org }));
        region.boards.remove_member(org, member, audit).await?;
        Ok(())
    }

    // ---- Boards ----

    /// Creates a board in an organisation the person belongs to (their personal workspace by
    /// default).
    pub async fn create_board(&self, who: &Principal, org: Option<&OrgId>, title: &str) -> Result<BoardView, CoreError> {
        self.guard()?;
        let title = clean_text("title", title, TITLE_MAX)?;
        let org = match org {
            Some(o) => o.clone(),
            None => self.orgs(who).await?.into_iter().find(|o| o.personal).map(|o| o.id).ok_or(CoreError::Forbidden)?,
        };
        let (region, _me) = self.org_member(who, &org).await?;
        let now = self.cb.now();
        let id = BoardId::new(now)?;
        let okey = self.cb.keys().current(&region, &org_key_owner(&org)).await?;
        let legend = vec![
            LegendEntry { id: "idea".into(), name: "Idea".into(), color: DEFAULT_COLOR.into() },
            LegendEntry { id: "question".into(), name: "Question".into(), color: "#bde0fe".into() },
            LegendEntry { id: "risk".into(), name: "Risk".into(), color: "#ffc8dd".into() },
        ];
        let legend_json = serde_json::to_vec(&legend).map_err(|_| CoreError::Internal("legend"))?;
        let mut code = new_join_code()?;
        let mut indexed = false;
        for _ in 0..5 {
            match self.cb.directory().index_board(&id, &org, &region.id, &code).await {
                Ok(()) => {
                    indexed = true;
                    break;
                }
                Err(StoreError::Conflict) => code = new_join_code()?,
                Err(e) => return Err(e.into()),
            }
        }
        if !indexed {
            return Err(CoreError::Internal("could not find a free join code"));
        }
        let row = BoardRow {
            id: id.clone(),
            org_id: org.clone(),
            title: okey.seal_str(title_aad(&id), &title)?,
            legend: okey.seal(legend_aad(&id), &legend_json)?,
            created_by: Some(who.subject.clone()),
            created_at: now,
            updated_at: now,
            locked: false,
            controlled: false,
            anonymous: false,
            vote_tokens: 5,
            join_code: code,
            seq: 0,
        };
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "board.created",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "board": id, "org": org }),
        );
        region.boards.create_board(&row, audit).await?;
        let access = self.access(who, &id).await?;
        views::board_view(self.cb, &access).await
    }

    /// Resolves what the person may do on a board; `NotFound` if nothing.
    pub async fn access(&self, who: &Principal, board: &BoardId) -> Result<Access, CoreError> {
        access::resolve(self.cb, who, board).await
    }

    /// The boards of every organisation the person belongs to.
    pub async fn list(&self, who: &Principal) -> Result<Vec<BoardSummary>, CoreError> {
        let orgs = self.orgs(who).await?;
        let region = self.cb.region(&who.region)?.clone();
        let mut out = Vec::new();
        for o in orgs {
            let okey = self.cb.keys().current(&region, &org_key_owner(&o.id)).await?;
            for b in region.boards.boards_of_org(&o.id).await? {
                out.push(BoardSummary {
                    title: okey.open_string(title_aad(&b.id), &b.title)?,
                    id: b.id,
                    org_id: o.id.clone(),
                    org_name: o.name.clone(),
                    created_at: crate::platform::clock::rfc3339(b.created_at),
                });
            }
        }
        Ok(out)
    }

    /// The board and the cards the person may see.
    pub async fn open(&self, who: &Principal, board: &BoardId) -> Result<(BoardView, Vec<CardView>), CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        let b = views::board_view(self.cb, &a).await?;
        let cards = views::card_views(self.cb, &a).await?;
        Ok((b, cards))
    }

    /// Changes a board's title, legend or settings (facilitators).
    pub async fn update_board(&self, who: &Principal, board: &BoardId, patch: BoardPatch) -> Result<BoardView, CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let mut row = a.board.clone();
        let okey = self.cb.keys().current(&a.region, &org_key_owner(&row.org_id)).await?;
        if let Some(t) = &patch.title {
            row.title = okey.seal_str(title_aad(&row.id), &clean_text("title", t, TITLE_MAX)?)?;
        }
        if let Some(l) = patch.legend {
            let l = clean_legend(l)?;
            row.legend = okey.seal(legend_aad(&row.id), &serde_json::to_vec(&l).map_err(|_| CoreError::Internal("legend"))?)?;
        }
        if let Some(v) = patch.vote_tokens {
            if !(0..=99).contains(&v) {
                return Err(CoreError::validation("vote_tokens", "between 0 and 99 votes per person"));
            }
            row.vote_tokens = v;
        }
        let was_anonymous = row.anonymous;
        row.locked = patch.locked.unwrap_or(row.locked);
        row.controlled = patch.controlled.unwrap_or(row.controlled);
        row.anonymous = patch.anonymous.unwrap_or(row.anonymous);
        row.updated_at = self.cb.now();
        let seq = a.region.boards.update_board(&row).await?;
        let a2 = Access { board: row, ..a };
        let view = views::board_view(self.cb, &a2).await?;
        let shared = views::board_shared_json(&view);
        self.cb.inner.hub.publish(board, seq, Change::Board { json: Arc::from(shared.as_str()) });
        if a2.board.anonymous != was_anonymous {
            // Authors shown or hidden: every open screen reloads, at a sequence number of its
            // own (an event sharing the board change's number would be dropped as seen).
            let seq = a2.region.boards.bump_board(board).await?;
            self.cb.inner.hub.publish(board, seq, Change::Resync);
        }
        Ok(view)
    }

    /// Deletes a board and everything on it (facilitators): cards, media, comments, reactions,
    /// and the participants who joined it (their keys are destroyed).
    pub async fn delete_board(&self, who: &Principal, board: &BoardId) -> Result<(), CoreError> {
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "board.deleted",
            Some(&who.subject),
            Some(PURPOSE),
            json!({ "board": board }),
        );
        let (blobs, participants) = a.region.boards.delete_board(board, audit).await?;
        for b in blobs {
            a.region.blobs.delete(&b).await?;
        }
        for p in participants {
            self.cb.keys().shred(&a.region, &p).await?;
        }
        self.cb.directory().unindex_board(board).await?;
        self.cb.inner.hub.forget(board);
        Ok(())
    }

    /// Gives a board a new join code (facilitators): the old code and links stop working at
    /// once; participants already on the board stay.
    pub async fn rotate_join_code(&self, who: &Principal, board: &BoardId) -> Result<String, CoreError> {
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        for _ in 0..5 {
            let code = new_join_code()?;
            match self.cb.directory().rekey_board_code(board, &code).await {
                Ok(()) => {
                    a.region.boards.set_join_code(board, &code).await?;
                    let audit = self.cb.audit_draft(
                        Actor::Subject(&who.subject),
                        "board.join_code_rotated",
                        None,
                        Some(PURPOSE),
                        json!({ "board": board }),
                    );
                    a.region.store.audit_append(audit).await?;
                    return Ok(code);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::Internal("could not find a free join code"))
    }

    // ---- Participants ----

    /// Joins a board by code with a pseudonym, without an account: creates a participant
    /// (a subject with its own key, so it can be exported and erased) and a session.
    pub async fn join(&self, code: &str, pseudonym: &str) -> Result<(Zeroizing<String>, Principal, BoardId), CoreError> {
        self.guard()?;
        let code = code.trim().to_ascii_uppercase();
        let (board, region) = self.cb.directory().board_by_code(&code).await?.ok_or(CoreError::NotFound)?;
        let region = self.cb.region(&region)?.clone();
        let pseudonym = clean_text("pseudonym", pseudonym, 40)?;
        let now = self.cb.now();
        let subject = SubjectId::new(now)?;
        let dek = self.cb.keys().create(&region, &subject).await?;
        let row = ParticipantRow {
            subject_id: subject.clone(),
            board_id: board.clone(),
            pseudonym: dek.seal_str(pseudonym_aad(&subject), &pseudonym)?,
            created_at: now,
        };
        let audit =
            self.cb.audit_draft(Actor::Subject(&subject), "participant.joined", Some(&subject), Some(PURPOSE), json!({ "board": board }));
        if let Err(e) = region.boards.create_participant(&row, audit).await {
            let _ = region.keys.discard(&subject).await;
            return Err(e.into());
        }
        let (token, principal) = self.cb.sessions().start(&region, &subject, SessionKind::Participant, None).await?;
        Ok((token, principal, board))
    }

    /// A participant leaves and erases everything they put on the board (C-DSR-1): their key
    /// is destroyed first, then their contributions and sessions.
    pub async fn erase_participant(&self, who: &Principal) -> Result<(), CoreError> {
        let region = self.cb.region(&who.region)?.clone();
        let p = region.boards.participant(&who.subject).await?.ok_or(CoreError::NotFound)?;
        region.store.delete_sessions_of(&who.subject, None, None).await?;
        self.cb.keys().shred(&region, &who.subject).await?;
        self.erase_contributions(&region, &who.subject).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "participant.erased",
            Some(&who.subject),
            Some("rights"),
            json!({ "board": p.board_id }),
        );
        region.store.audit_append(audit).await?;
        Ok(())
    }

    /// Deletes everything a subject put on boards and tells the open boards (used by account
    /// and participant erasure).
    pub(crate) async fn erase_contributions(
        &self,
        region: &RegionHandle,
        subject: &SubjectId,
    ) -> Result<crate::platform::ports::ErasedContributions, CoreError> {
        let audit = self.cb.audit_draft(Actor::System, "contributions.erased", Some(subject), Some("rights"), json!({}));
        let erased = region.boards.erase_contributions(subject, audit).await?;
        for b in &erased.blobs {
            region.blobs.delete(b).await?;
        }
        for (board, seq) in &erased.boards {
            self.cb.inner.hub.publish(board, *seq, Change::Resync);
            self.cb.inner.hub.forget(board);
        }
        Ok(erased)
    }

    // ---- Cards ----

    fn check_can_add(&self, a: &Access) -> Result<(), CoreError> {
        if a.board.locked && !a.facilitator() {
            return Err(CoreError::validation("board", "the facilitator has locked this board"));
        }
        Ok(())
    }

    async fn publish_card(&self, a: &Access, seq: i64, card: &CardRow) -> Result<CardView, CoreError> {
        let mut keys = KeyCache::new(self.cb, &a.region);
        let reactions = a.region.boards.reactions_of_card(&card.id).await?;
        let comments: Vec<CommentRow> = a.region.boards.comments_of_card(&card.id).await?;
        let view = views::card_view(self.cb, a, &mut keys, card, &reactions, &comments).await?;
        let likers = reactions.likes.iter().filter(|(c, _)| *c == card.id).map(|(_, s)| s.clone()).collect();
        let voters = reactions.votes.iter().filter(|(c, _, _)| *c == card.id).map(|(_, s, n)| (s.clone(), *n)).collect();
        self.cb.inner.hub.publish(
            &a.board.id,
            seq,
            Change::Card {
                json: Arc::from(views::card_shared_json(&view).as_str()),
                author: card.author_id.clone(),
                pending: card.status == "pending",
                likers,
                voters,
            },
        );
        Ok(view)
    }

    /// Adds a text or link card.
    pub async fn add_card(&self, who: &Principal, board: &BoardId, new: NewCard) -> Result<CardView, CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        self.check_can_add(&a)?;
        let body = match new.kind.as_str() {
            "text" => clean_text("text", new.text.as_deref().unwrap_or(""), CARD_TEXT_MAX)?,
            "link" => clean_url(new.url.as_deref().unwrap_or(""))?,
            "image" | "video" => {
                return Err(CoreError::validation("kind", "send images and videos as a multipart upload with a `file` field"));
            }
            _ => return Err(CoreError::validation("kind", "a card is `text`, `link`, `image` or `video`")),
        };
        self.insert_card(&a, &new.kind, &body, None, new.x, new.y, new.color, new.category).await
    }

    /// Adds an image or video card from uploaded bytes.
    pub async fn add_media_card(
        &self,
        who: &Principal,
        board: &BoardId,
        kind: &str,
        bytes: &[u8],
        text: Option<String>,
        position: (Option<i64>, Option<i64>),
    ) -> Result<CardView, CoreError> {
        self.guard()?;
        let a = self.access(who, board).await?;
        self.check_can_add(&a)?;
        let want_video = match kind {
            "image" => false,
            "video" => true,
            _ => return Err(CoreError::validation("kind", "a media card is `image` or `video`")),
        };
        let max = if want_video { VIDEO_MAX_BYTES } else { IMAGE_MAX_BYTES };
        if bytes.len() > max {
            return Err(CoreError::TooLarge { max_bytes: max });
        }
        let (mk, clean) = media::sanitise_media(bytes, want_video)?;
        let caption = match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => clean_text("text", t, CARD_TEXT_MAX)?,
            None => String::new(),
        };
        let dek = self.cb.keys().current(&a.region, &who.subject).await?;
        let blob = BlobId::new(self.cb.now())?;
        a.region.blobs.put(&blob, &stream::seal(&dek, media_aad(&blob), &clean)?).await?;
        match self.insert_card(&a, kind, &caption, Some((blob.clone(), mk)), position.0, position.1, None, None).await {
            Ok(v) => Ok(v),
            Err(e) => {
                let _ = a.region.blobs.delete(&blob).await;
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_card(
        &self,
        a: &Access,
        kind: &str,
        body: &str,
        media: Option<(BlobId, MediaKind)>,
        x: Option<i64>,
        y: Option<i64>,
        color: Option<String>,
        category: Option<String>,
    ) -> Result<CardView, CoreError> {
        let color = color.unwrap_or_else(|| DEFAULT_COLOR.into());
        if !valid_color(&color) {
            return Err(CoreError::validation("color", "colours are written #RRGGBB"));
        }
        let legend = views::legend(self.cb, a).await?;
        if let Some(c) = &category
            && !legend.iter().any(|l| &l.id == c)
        {
            return Err(CoreError::validation("category", "choose a category of the board's legend"));
        }
        let now = self.cb.now();
        let id = CardId::new(now)?;
        let dek = self.cb.keys().current(&a.region, &a.subject).await?;
        let status = if a.board.controlled && !a.facilitator() { "pending" } else { "published" };
        let row = CardRow {
            id: id.clone(),
            board_id: a.board.id.clone(),
            author_id: a.subject.clone(),
            kind: kind.to_string(),
            body: dek.seal_str(card_aad(&id), body)?,
            blob_id: media.as_ref().map(|(b, _)| b.clone()),
            media_type: media.map(|(_, k)| k.mime().to_string()),
            x: clamp_pos(x.unwrap_or(40))?,
            y: clamp_pos(y.unwrap_or(40))?,
            color: color.to_lowercase(),
            category,
            status: status.into(),
            version: 1,
            created_at: now,
            updated_at: now,
            anonymous: a.board.anonymous,
        };
        let seq = a.region.boards.insert_card(&row).await?;
        metrics::counter!("clearboard_cards_created_total").increment(1);
        self.publish_card(a, seq, &row).await
    }

    /// One card as the person sees it.
    pub async fn card(&self, who: &Principal, card: &CardId) -> Result<CardView, CoreError> {
        self.guard()?;
        let (a, row) = self.card_access(who, card).await?;
        let mut keys = KeyCache::new(self.cb, &a.region);
        let reactions = a.region.boards.reactions_of_card(&row.id).await?;
        let comments: Vec<CommentRow> = a.region.boards.comments_of_card(&row.id).await?;
        views::card_view(self.cb, &a, &mut keys, &row, &reactions, &comments).await
    }

    async fn card_access(&self, who: &Principal, card: &CardId) -> Result<(Access, CardRow), CoreError> {
        // The card's board is found through the person's own region only.
        let region = self.cb.region(&who.region)?.clone();
        let row = region.boards.card(card).await?.ok_or(CoreError::NotFound)?;
        let a = self.access(who, &row.board_id).await?;
        if row.status == "pending" && !(a.facilitator() || row.author_id == who.subject) {
            return Err(CoreError::NotFound);
        }
        Ok((a, row))
    }

    /// Changes a card; fields not given stay as they are (last writer wins per field, applied
    /// in one statement, so concurrent edits never fail and converge to the last of each).
    pub async fn update_card(&self, who: &Principal, card: &CardId, patch: CardPatch) -> Result<CardView, CoreError> {
        self.guard()?;
        let (a, row) = self.card_access(who, card).await?;
        self.apply_card_patch(&a, row, patch).await
    }

    /// The same, for a connection that has already resolved its access to the board (real-time
    /// writes): only the card is read again.
    pub async fn update_card_as(&self, a: &Access, card: &CardId, patch: CardPatch) -> Result<CardView, CoreError> {
        self.guard()?;
        let row = a.region.boards.card(card).await?.ok_or(CoreError::NotFound)?;
        if row.board_id != a.board.id || (row.status == "pending" && !(a.facilitator() || row.author_id == a.subject)) {
            return Err(CoreError::NotFound);
        }
        self.apply_card_patch(a, row, patch).await
    }

    async fn apply_card_patch(&self, a: &Access, row: CardRow, patch: CardPatch) -> Result<CardView, CoreError> {
        let card = &row.id;
        if !(a.facilitator() || row.author_id == a.subject) {
            return Err(CoreError::Forbidden);
        }
        if a.board.locked && !a.facilitator() {
            return Err(CoreError::validation("board", "the facilitator has locked this board"));
        }
        let mut change = CardChange { at: self.cb.now(), ..CardChange::default() };
        if patch.text.is_some() || patch.url.is_some() {
            let dek = self.cb.keys().current(&a.region, &row.author_id).await?;
            let body = match (row.kind.as_str(), &patch.text, &patch.url) {
                ("link", _, Some(u)) => clean_url(u)?,
                ("text", Some(t), _) => clean_text("text", t, CARD_TEXT_MAX)?,
                ("image" | "video", Some(t), _) => {
                    let t = t.trim();
                    if t.is_empty() { String::new() } else { clean_text("text", t, CARD_TEXT_MAX)? }
                }
                _ => return Err(CoreError::validation("text", "this kind of card has no such field")),
            };
            change.body = Some(dek.seal_str(card_aad(&row.id), &body)?);
        }
        change.x = patch.x.map(clamp_pos).transpose()?;
        change.y = patch.y.map(clamp_pos).transpose()?;
        if let Some(c) = &patch.color {
            if !valid_color(c) {
                return Err(CoreError::validation("color", "colours are written #RRGGBB"));
            }
            change.color = Some(c.to_lowercase());
        }
        if let Some(c) = &patch.category {
            if let Some(id) = c
                && !views::legend(self.cb, a).await?.iter().any(|l| &l.id == id)
            {
                return Err(CoreError::validation("category", "choose a category of the board's legend"));
            }
            change.category = Some(c.clone());
        }
        let (new, seq) = a.region.boards.change_card(&a.board.id, card, &change).await?.ok_or(CoreError::NotFound)?;
        self.publish_card(a, seq, &new).await
    }

    /// Publishes a pending card (controlled mode; facilitators).
    pub async fn approve_card(&self, who: &Principal, card: &CardId) -> Result<CardView, CoreError> {
        let (a, _) = self.card_access(who, card).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let change = CardChange { status: Some("published".into()), at: self.cb.now(), ..CardChange::default() };
        let (new, seq) = a.region.boards.change_card(&a.board.id, card, &change).await?.ok_or(CoreError::NotFound)?;
        self.publish_card(&a, seq, &new).await
    }

    /// Deletes a card (its author or a facilitator); its media blob is deleted too.
    pub async fn delete_card(&self, who: &Principal, card: &CardId) -> Result<(), CoreError> {
        let (a, row) = self.card_access(who, card).await?;
        if !(a.facilitator() || row.author_id == who.subject) {
            return Err(CoreError::Forbidden);
        }
        if a.board.locked && !a.facilitator() {
            return Err(CoreError::validation("board", "the facilitator has locked this board"));
        }
        let seq = a.region.boards.delete_card(&a.board.id, card).await?;
        if let Some(b) = &row.blob_id {
            a.region.blobs.delete(b).await?;
        }
        self.cb.inner.hub.publish(&a.board.id, seq, Change::CardDeleted { id: card.clone() });
        Ok(())
    }

    fn can_react(&self, a: &Access, row: &CardRow) -> Result<(), CoreError> {
        if row.status == "pending" {
            return Err(CoreError::validation("card", "this card waits for the facilitator"));
        }
        if a.board.locked && !a.facilitator() {
            return Err(CoreError::validation("board", "the facilitator has locked this board"));
        }
        Ok(())
    }

    pub async fn like(&self, who: &Principal, card: &CardId, on: bool) -> Result<CardView, CoreError> {
        let (a, row) = self.card_access(who, card).await?;
        self.can_react(&a, &row)?;
        let seq = a.region.boards.set_like(&a.board.id, card, &who.subject, on, self.cb.now()).await?;
        self.publish_card(&a, seq, &row).await
    }

    /// Adds (+1) or takes back (−1) a dot vote, within the board's tokens per person.
    pub async fn vote(&self, who: &Principal, card: &CardId, delta: i64) -> Result<CardView, CoreError> {
        let (a, row) = self.card_access(who, card).await?;
        self.can_react(&a, &row)?;
        match a.region.boards.add_vote(&a.board.id, card, &who.subject, delta.signum(), a.board.vote_tokens).await {
            Ok(seq) => self.publish_card(&a, seq, &row).await,
            Err(StoreError::Conflict) => Err(CoreError::validation(
                "votes",
                if delta > 0 {
                    format!("you have used all {} of your votes on this board", a.board.vote_tokens)
                } else {
                    "you have no vote on this card to take back".into()
                },
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn comment(&self, who: &Principal, card: &CardId, text: &str) -> Result<CommentView, CoreError> {
        self.guard()?;
        let (a, row) = self.card_access(who, card).await?;
        self.can_react(&a, &row)?;
        let text = clean_text("text", text, COMMENT_MAX)?;
        let now = self.cb.now();
        let id = CommentId::new(now)?;
        let dek = self.cb.keys().current(&a.region, &who.subject).await?;
        let c = CommentRow {
            id: id.clone(),
            card_id: card.clone(),
            author_id: who.subject.clone(),
            body: dek.seal_str(comment_aad(&id), &text)?,
            created_at: now,
            anonymous: a.board.anonymous,
        };
        let seq = a.region.boards.insert_comment(&a.board.id, &c).await?;
        let mut keys = KeyCache::new(self.cb, &a.region);
        let view = views::comment_view(self.cb, &a, &mut keys, &c).await?;
        let shared = views::comment_shared_json(&view);
        self.cb.inner.hub.publish(
            &a.board.id,
            seq,
            Change::Comment {
                card_id: card.clone(),
                json: Arc::from(shared.as_str()),
                author: who.subject.clone(),
                card_author: row.author_id.clone(),
                card_pending: row.status == "pending",
            },
        );
        Ok(view)
    }

    pub async fn delete_comment(&self, who: &Principal, id: &CommentId) -> Result<(), CoreError> {
        let region = self.cb.region(&who.region)?.clone();
        let c = region.boards.comment(id).await?.ok_or(CoreError::NotFound)?;
        let (a, _) = self.card_access(who, &c.card_id).await?;
        if !(a.facilitator() || c.author_id == who.subject) {
            return Err(CoreError::Forbidden);
        }
        let seq = a.region.boards.delete_comment(&a.board.id, id).await?;
        self.cb.inner.hub.publish(&a.board.id, seq, Change::CommentDeleted { card_id: c.card_id, id: id.clone() });
        Ok(())
    }

    /// The media of a card, decrypted, for those who may see the card.
    pub async fn media(&self, who: &Principal, card: &CardId) -> Result<(String, Zeroizing<Vec<u8>>), CoreError> {
        self.guard()?;
        let (a, row) = self.card_access(who, card).await?;
        let (Some(blob), Some(mime)) = (row.blob_id, row.media_type) else {
            return Err(CoreError::NotFound);
        };
        let dek = self.cb.keys().current(&a.region, &row.author_id).await.map_err(|_| CoreError::NotFound)?;
        let sealed = a.region.blobs.get(&blob).await?.ok_or(CoreError::NotFound)?;
        Ok((mime, stream::open(&dek, media_aad(&blob), &sealed)?))
    }

    /// The board's content for facilitators, as JSON or CSV (authors left out on anonymous
    /// boards).
    pub async fn export(&self, who: &Principal, board: &BoardId) -> Result<(BoardView, Vec<CardView>), CoreError> {
        let a = self.access(who, board).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let b = views::board_view(self.cb, &a).await?;
        let cards = views::card_views(self.cb, &a).await?;
        let audit = self.cb.audit_draft(
            Actor::Subject(&who.subject),
            "board.exported",
            None,
            Some(PURPOSE),
            json!({ "board": board, "cards": cards.len() }),
        );
        a.region.store.audit_append(audit).await?;
        Ok((b, cards))
    }

    /// Subscribes to a board's room: the viewer, the room, and the person's presence name.
    pub async fn room(&self, who: &Principal, board: &BoardId) -> Result<(Access, Arc<crate::boards::realtime::Room>, String), CoreError> {
        let a = self.access(who, board).await?;
        // Participants are shown by their pseudonym, members by a generated one; on an
        // anonymous board everyone gets a generated one.
        let name = match &a.role {
            BoardRole::Participant if !a.board.anonymous => views::display_name(self.cb, &a.region, &a.subject).await?,
            _ => presence_name(&a.subject, board),
        };
        Ok((a, self.cb.inner.hub.room(board), name))
    }

    // ---- Erasure of a whole account's board data ----

    /// Erases an account's board data: their contributions everywhere, and the
    /// organisations they leave empty (personal workspaces included, with everything on their
    /// boards and the participants of those boards). Ownership of shared organisations passes
    /// to the longest-standing member.
    /// A board's title and whether `subject` still belongs to its organisation (exports name
    /// the boards a person's cards are on; the title is the organisation's, so it is given
    /// only to its members).
    pub(crate) async fn title_for(&self, region: &RegionHandle, subject: &SubjectId, board: &BoardId) -> Result<Option<String>, CoreError> {
        let Some(row) = region.boards.board(board).await? else { return Ok(None) };
        if region.boards.member(&row.org_id, subject).await?.is_none() {
            return Ok(None);
        }
        let okey = self.cb.keys().current(region, &org_key_owner(&row.org_id)).await?;
        Ok(Some(okey.open_string(title_aad(board), &row.title)?))
    }

    /// Erases everything a person has on boards (their contributions, participation, and the
    /// organisations they were the last member of; ownership passes on otherwise) and counts it.
    pub(crate) async fn erase_contributions_counted(&self, region: &RegionHandle, subject: &SubjectId) -> Result<ErasureCounts, CoreError> {
        let mut counts = ErasureCounts { participant: region.boards.participant(subject).await?.is_some(), ..ErasureCounts::default() };
        for (org, role) in region.boards.orgs_of(subject).await? {
            let others: Vec<MemberRow> = region.boards.members(&org.id).await?.into_iter().filter(|m| &m.subject_id != subject).collect();
            if others.is_empty() {
                let audit = self.cb.audit_draft(
                    Actor::System,
                    "org.deleted",
                    None,
                    Some("rights"),
                    json!({ "org": org.id, "reason": "last member erased" }),
                );
                let boards = region.boards.boards_of_org(&org.id).await?;
                let (blobs, participants) = region.boards.delete_org(&org.id, audit).await?;
                for b in blobs {
                    region.blobs.delete(&b).await?;
                    counts.blobs += 1;
                }
                for p in participants {
                    region.store.delete_sessions_of(&p, None, None).await?;
                    self.cb.keys().shred(region, &p).await?;
                }
                self.cb.keys().shred(region, &org_key_owner(&org.id)).await?;
                self.cb.directory().unindex_org(&org.id).await?;
                for b in boards {
                    self.cb.inner.hub.forget(&b.id);
                }
                counts.orgs_deleted += 1;
            } else if role == "owner"
                && !others.iter().any(|m| m.role == "owner")
                && let Some(heir) = others.first()
            {
                let m = MemberRow { role: "owner".into(), ..heir.clone() };
                let audit =
                    self.cb.audit_draft(Actor::System, "org.owner_passed", Some(&heir.subject_id), Some(PURPOSE), json!({ "org": org.id }));
                region.boards.put_member(&m, audit).await?;
            }
        }
        let e = self.erase_contributions(region, subject).await?;
        counts.cards = e.cards;
        counts.comments = e.comments;
        counts.likes = e.likes;
        counts.votes = e.votes;
        counts.blobs += e.blobs.len() as u64;
        Ok(counts)
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
    pub blobs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_not_fetched() {
        assert!(clean_url("https://example.org/a?b=c").is_ok());
        for bad in ["javascript:alert(1)", "ftp://x", "https://", "https://exa mple.org", "data:text/html,x", "http:///x"] {
            assert!(clean_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn legends_are_validated() {
        let ok = vec![LegendEntry { id: "a".into(), name: "A".into(), color: "#ABCDEF".into() }];
        assert_eq!(clean_legend(ok).unwrap()[0].color, "#abcdef");
        let dup = vec![LegendEntry { id: "a".into(), name: "A".into(), color: "#abcdef".into() }; 2];
        assert!(clean_legend(dup).is_err());
        let bad = vec![LegendEntry { id: "a".into(), name: "A".into(), color: "red".into() }];
        assert!(clean_legend(bad).is_err());
    }

    #[test]
    fn join_codes_are_unambiguous() {
        let c = new_join_code().unwrap();
        assert_eq!(c.len(), 10);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']));
    }
}
