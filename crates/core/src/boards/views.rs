//! What people see of boards, decrypted and shaped per viewer. On anonymous boards authors are
//! left out everywhere; `mine` tells each viewer only about their own cards.

use std::collections::HashMap;
use std::sync::Arc;

use clearboard_vault::Dek;

use serde::Serialize;

use crate::boards::access::Access;
use crate::boards::events::CardReactions;
use crate::boards::input::LegendEntry;
use crate::boards::kinds::{CardKind, InvitationStatus, OrgRole};
use crate::boards::realtime::presence_name;
use crate::boards::sealing::{
    KeyCache, account_aad, card_aad, comment_aad, legend_aad, open, open_string, open_zones, org_key_owner, pseudonym_aad, read_key,
    title_aad,
};
use crate::boards::shapes::{BoardShared, BoardView, CardShared, CardView, CommentShared, CommentView, Tallies, TimerView, You};
use crate::platform::clock::rfc3339;
use crate::platform::context::RegionHandle;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, CardId, OrgId, SubjectId};
use crate::platform::keys::SubjectKeys;
use crate::platform::ports::{AccountRow, CardRow, CommentRow, Reactions};

#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub id: OrgId,
    pub name: String,
    pub personal: bool,
    pub role: OrgRole,
    pub region: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub id: SubjectId,
    pub name: String,
    pub role: OrgRole,
    pub joined_at: String,
}

/// An invitation as its organisation's owners and admins see it (never the token).
#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    pub id: String,
    pub role: OrgRole,
    pub status: InvitationStatus,
    /// Whether only one email address can accept it.
    pub bound_to_email: bool,
    pub created_at: String,
    pub expires_at: String,
}

/// A new invitation: its token, shown once.
#[derive(Debug)]
pub struct NewInvitation {
    pub id: String,
    pub token: zeroize::Zeroizing<String>,
    pub expires_at: crate::platform::clock::Millis,
    pub view: InvitationView,
}

pub(crate) fn invitation_view(i: &crate::platform::ports::InvitationRow, now: crate::platform::clock::Millis) -> InvitationView {
    let status = if i.accepted_at.is_some() {
        InvitationStatus::Accepted
    } else if i.revoked_at.is_some() {
        InvitationStatus::Revoked
    } else if i.expires_at <= now {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    };
    InvitationView {
        id: i.id.clone(),
        role: i.role,
        status,
        bound_to_email: i.email_bidx.is_some(),
        created_at: rfc3339(i.created_at),
        expires_at: rfc3339(i.expires_at),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BoardSummary {
    pub id: BoardId,
    pub org_id: OrgId,
    pub org_name: String,
    pub title: String,
    pub created_at: String,
}

/// How a person is shown to others on non-anonymous boards: "First L." for account holders,
/// the pseudonym for participants, "Former member" once erased. Their key comes from the
/// request's cache (a card's author: the key that sealed the card).
pub(crate) async fn display_name(keys: &mut KeyCache<'_>, subject: &SubjectId) -> Result<String, CoreError> {
    if let Some(n) = keys.name(subject) {
        return Ok(n.to_owned());
    }
    let name = open_display_name(keys, subject).await?;
    keys.keep_name(subject, &name);
    Ok(name)
}

/// An account holder's display name, "First L.".
fn account_name(dek: &Dek, subject: &SubjectId, acc: &AccountRow) -> Result<String, CoreError> {
    let first = open_string(dek, account_aad(subject, "first_name"), &acc.first_name)?;
    let last = open_string(dek, account_aad(subject, "last_name"), &acc.last_name)?;
    let initial = last.chars().next().map(|c| format!(" {c}.")).unwrap_or_default();
    Ok(format!("{first}{initial}"))
}

/// What a request will need of the person making it (a new card's author): their key and
/// their account row, read at once and beside the board's access (issue 21: two round trips
/// to the stores off the request's path). The name is opened only if it is shown.
pub(crate) struct Author {
    subject: SubjectId,
    key: Option<Arc<Dek>>,
    account: Option<AccountRow>,
}

impl Author {
    pub(crate) async fn read(keys: SubjectKeys<'_>, region: &RegionHandle, subject: &SubjectId) -> Result<Self, CoreError> {
        let (key, account) = tokio::try_join!(read_key(keys, region, subject), async { Ok(region.store.account(subject).await?) })?;
        Ok(Self { subject: subject.clone(), key, account })
    }

    /// Puts what was read in the request's cache, where [`KeyCache::get`] and
    /// [`display_name`] look first.
    pub(crate) fn keep(self, keys: &mut KeyCache<'_>) {
        keys.keep_account(&self.subject, self.account);
        keys.keep_key(&self.subject, self.key);
    }
}

async fn open_display_name(keys: &mut KeyCache<'_>, subject: &SubjectId) -> Result<String, CoreError> {
    let region = keys.region();
    let account = match keys.take_account(subject) {
        Some(read) => read,
        None => region.store.account(subject).await?,
    };
    if let Some(acc) = account {
        let Some(dek) = keys.get(subject).await? else { return Ok("Former member".into()) };
        return account_name(&dek, subject, &acc);
    }
    if let Some(p) = region.boards.participant(subject).await? {
        let Some(dek) = keys.get(subject).await? else { return Ok("Former member".into()) };
        return open_string(&dek, pseudonym_aad(subject), &p.pseudonym);
    }
    Ok("Former member".into())
}

/// The one name a person goes by on a board, in "Here now", on their cursor and as `you.name`:
/// members their display name ("First L."), participants their pseudonym; on an anonymous
/// board everyone a generated one (never who they are).
pub(crate) async fn shown_name(keys: &mut KeyCache<'_>, a: &Access) -> Result<String, CoreError> {
    if a.board.anonymous { Ok(presence_name(&a.subject, &a.board.id)) } else { display_name(keys, &a.subject).await }
}

/// The board's legend (opened with the organisation's key).
pub(crate) async fn legend(keys: &mut KeyCache<'_>, a: &Access) -> Result<Vec<LegendEntry>, CoreError> {
    let okey = keys.current(&org_key_owner(&a.board.org_id)).await?;
    let bytes = open(&okey, legend_aad(&a.board.id), &a.board.legend)?;
    serde_json::from_slice(&bytes).map_err(|_| CoreError::Internal("stored legend is not valid"))
}

/// What everyone on the board sees of it (title, legend, settings, countdown).
pub(crate) async fn board_shared(keys: &mut KeyCache<'_>, a: &Access) -> Result<BoardShared, CoreError> {
    let okey = keys.current(&org_key_owner(&a.board.org_id)).await?;
    Ok(BoardShared {
        id: a.board.id.clone(),
        title: open_string(&okey, title_aad(&a.board.id), &a.board.title)?,
        legend: legend(keys, a).await?,
        locked: a.board.locked,
        controlled: a.board.controlled,
        anonymous: a.board.anonymous,
        vote_tokens: a.board.vote_tokens,
        votes_hidden: a.board.votes_hidden,
        timer: timer_view(a),
        zones: open_zones(&okey, &a.board.id, a.board.zones.as_deref())?,
    })
}

pub(crate) async fn board_view(keys: &mut KeyCache<'_>, a: &Access) -> Result<BoardView, CoreError> {
    let reactions = a.region.boards.reactions(&a.board.id).await?;
    let used: i64 = reactions.votes.iter().filter(|(_, s, _)| *s == a.subject).map(|(_, _, n)| *n).sum();
    let name = shown_name(keys, a).await?;
    Ok(BoardView {
        board: board_shared(keys, a).await?,
        org_id: a.board.org_id.clone(),
        seq: a.board.seq,
        created_at: rfc3339(a.board.created_at),
        join_code: a.facilitator().then(|| a.board.join_code.clone()),
        you: You { role: a.role, name, votes_left: (a.board.vote_tokens - used).max(0) },
    })
}

/// The countdown as the server's clock has it now.
pub(crate) fn timer_view(a: &Access) -> Option<TimerView> {
    let b = &a.board;
    let (running, remaining_ms, ends_at) = match (b.timer_ends_at, b.timer_left_ms) {
        (Some(end), _) if end > a.now => (true, end - a.now, Some(rfc3339(end))),
        (Some(_), _) => (false, 0, None),
        (None, Some(left)) => (false, left, None),
        (None, None) => return None,
    };
    Some(TimerView { running, remaining_ms, ends_at, pause_participation: b.timer_pauses, participation_paused: a.participation_paused() })
}

/// Whether authors are shown: anonymity is fixed when something is posted (security rule
/// "never undone"); the board's current mode can hide more, never less.
fn named(posted_anonymously: bool, a: &Access) -> bool {
    !(posted_anonymously || a.board.anonymous)
}

/// A comment as the viewer sees it. `text` when the caller holds it in clear (it just sealed
/// it): then nothing of the comment is opened.
pub(crate) async fn comment_view(
    a: &Access,
    keys: &mut KeyCache<'_>,
    c: &CommentRow,
    text: Option<String>,
) -> Result<CommentView, CoreError> {
    let text = match text {
        Some(t) => t,
        None => {
            let Some(dek) = keys.get(&c.author_id).await? else {
                return Err(CoreError::Erased);
            };
            open_string(&dek, comment_aad(&c.id), &c.body)?
        }
    };
    let author = if named(c.anonymous, a) { Some(display_name(keys, &c.author_id).await?) } else { None };
    Ok(CommentView {
        comment: CommentShared { id: c.id.clone(), card_id: c.card_id.clone(), text, author, created_at: rfc3339(c.created_at) },
        mine: c.author_id == a.subject,
    })
}

/// A card's shared fields. `body` is its text or link when the caller holds it in clear
/// (it just sealed it): then nothing is opened; otherwise the stored body is opened once.
/// `tallies` only when the caller read the card's reactions.
pub(crate) async fn card_shared(
    a: &Access,
    keys: &mut KeyCache<'_>,
    card: &CardRow,
    body: Option<String>,
    tallies: Option<Tallies>,
) -> Result<CardShared, CoreError> {
    let body = match body {
        Some(b) => b,
        None => {
            let Some(dek) = keys.get(&card.author_id).await? else {
                return Err(CoreError::Erased);
            };
            open_string(&dek, card_aad(&card.id), &card.body)?
        }
    };
    let (text, url) = if card.kind == CardKind::Link { (String::new(), Some(body)) } else { (body, None) };
    let author = if named(card.anonymous, a) { Some(display_name(keys, &card.author_id).await?) } else { None };
    Ok(CardShared {
        id: card.id.clone(),
        board_id: card.board_id.clone(),
        kind: card.kind,
        text,
        url,
        media_url: card.blob_id.as_ref().map(|_| format!("/api/v1/cards/{}/media", card.id)),
        media_type: card.media_type.clone(),
        x: card.x,
        y: card.y,
        color: card.color.clone(),
        category: card.category.clone(),
        status: card.status,
        version: card.version,
        created_at: rfc3339(card.created_at),
        updated_at: rfc3339(card.updated_at),
        author,
        // Nobody sees the counts of a hidden vote, facilitators included.
        tallies: tallies.map(|t| if a.board.votes_hidden { Tallies { votes: None, ..t } } else { t }),
    })
}

/// Who reacted to one card, from reactions read for it (or for its board).
pub(crate) fn card_reactions(card: &CardId, reactions: &Reactions) -> CardReactions {
    CardReactions {
        likers: reactions.likes.iter().filter(|(c, _)| c == card).map(|(_, s)| s.clone()).collect(),
        voters: reactions.votes.iter().filter(|(c, _, _)| c == card).map(|(_, s, n)| (s.clone(), *n)).collect(),
    }
}

/// The likes and votes of a card, counted.
pub(crate) fn tallies(r: &CardReactions) -> Tallies {
    Tallies { likes: r.likers.len() as i64, votes: Some(r.voters.iter().map(|(_, n)| *n).sum()) }
}

/// A card as the viewer sees it in full: its reactions and comments (snapshots, `GET`).
pub(crate) async fn card_view(
    a: &Access,
    keys: &mut KeyCache<'_>,
    card: &CardRow,
    who: CardReactions,
    comments: &[&CommentRow],
) -> Result<CardView, CoreError> {
    let shared = card_shared(a, keys, card, None, Some(tallies(&who))).await?;
    let mut cv = Vec::new();
    for c in comments.iter().filter(|c| c.card_id == card.id) {
        match comment_view(a, keys, c, None).await {
            Ok(v) => cv.push(v),
            Err(CoreError::Erased) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(CardView { card: shared, mine: card.author_id == a.subject, reactions: Some(who.of(&a.subject)), comments: Some(cv) })
}

/// Every card the viewer may see (pending cards only for facilitators and their author).
pub(crate) async fn card_views(keys: &mut KeyCache<'_>, a: &Access) -> Result<Vec<CardView>, CoreError> {
    let reactions = a.region.boards.reactions(&a.board.id).await?;
    let comments = a.region.boards.comments_of(&a.board.id).await?;
    // Grouped by card once (not scanned whole for every card).
    let mut who: HashMap<&CardId, CardReactions> = HashMap::new();
    for (card, s) in &reactions.likes {
        who.entry(card).or_default().likers.push(s.clone());
    }
    for (card, s, n) in &reactions.votes {
        who.entry(card).or_default().voters.push((s.clone(), *n));
    }
    let mut said: HashMap<&CardId, Vec<&CommentRow>> = HashMap::new();
    for c in &comments {
        said.entry(&c.card_id).or_default().push(c);
    }
    let cards = a.region.boards.cards_of(&a.board.id).await?;
    let mut out = Vec::with_capacity(cards.len());
    for c in &cards {
        if !a.sees(c) {
            continue;
        }
        let its_comments = said.get(&c.id).map_or(&[][..], Vec::as_slice);
        match card_view(a, keys, c, who.remove(&c.id).unwrap_or_default(), its_comments).await {
            Ok(v) => out.push(v),
            Err(CoreError::Erased) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
