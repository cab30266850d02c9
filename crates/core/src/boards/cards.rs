//! Cards: adding text, link, image and video cards (media checked by content and rebuilt from
//! an allow-list, then sealed), changing them (last writer wins per field), approving,
//! deleting, reading one, its media, and publishing each change to the board's room.
//!
//! The path of a change is straight (issue 12): the text is sealed once, and the view and the
//! event are built from the plaintext in hand, never by opening what was just sealed; every
//! key comes from one request-scoped cache, so the author's key is read once; a change to a
//! card's fields (a move, an edit) reads neither its reactions nor its comments, and its
//! answer and event carry only the card's own fields.

use crate::boards::access::Access;
use crate::boards::events::{CardReactions, Change};
use crate::boards::history::{Action, Fields, Kept, Step};
use crate::boards::input::{
    CARD_TEXT_MAX, CardPatch, DEFAULT_COLOR, IMAGE_MAX_BYTES, NewCard, VIDEO_MAX_BYTES, clamp_pos, clean_text, clean_url, valid_color,
};
use crate::boards::kinds::{CardKind, CardStatus};
use crate::boards::sealing::{KeyCache, card_aad, open_media, seal_media, seal_str};
use crate::boards::service::Boards;
use crate::boards::shapes::{CardShared, CardView};
use crate::boards::views;
use crate::identity::principal::Principal;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, BoardId, CardId};
use crate::platform::media::{self, MediaKind};
use crate::platform::ports::{CardChange, CardRow};

/// A new card, checked, before it is sealed.
struct Draft {
    kind: CardKind,
    body: String,
    media: Option<(BlobId, MediaKind)>,
    x: Option<i64>,
    y: Option<i64>,
    color: Option<String>,
    category: Option<String>,
}

impl Boards<'_> {
    /// Publishes a card's change to the board's room and gives the changer their view of it.
    /// `reactions`: who reacted, when the change read them (then the card has its tallies).
    pub(super) fn publish_card(&self, a: &Access, seq: i64, row: &CardRow, card: CardShared, reactions: Option<CardReactions>) -> CardView {
        let view = CardView {
            mine: row.author_id == a.subject,
            reactions: reactions.as_ref().map(|r| r.of(&a.subject)),
            comments: None,
            card: card.clone(),
        };
        let pending = row.status == CardStatus::Pending;
        self.cb.inner.hub.publish(
            &a.board.id,
            seq,
            Change::Card { card: Box::new(card), author: row.author_id.clone(), pending, reactions },
        );
        view
    }

    /// Reads a card's reactions (not its comments) and publishes it with them: likes, votes
    /// and approvals.
    pub(super) async fn publish_with_reactions(&self, a: &Access, seq: i64, row: &CardRow) -> Result<CardView, CoreError> {
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let reactions = views::card_reactions(&row.id, &a.region.boards.reactions_of_card(&row.id).await?);
        let card = views::card_shared(a, &mut keys, row, None, Some(views::tallies(&reactions))).await?;
        Ok(self.publish_card(a, seq, row, card, Some(reactions)))
    }

    /// Adds a text or link card.
    pub async fn add_card(&self, who: &Principal, board: &BoardId, new: NewCard) -> Result<CardView, CoreError> {
        self.guard()?;
        // The author's key and account row are read beside the access (same region: the access
        // checks it); the name is opened from them only if the card shows it.
        let region = self.cb.region(&who.region)?;
        let (a, author) = tokio::join!(self.access(who, board), views::Author::read(self.cb.keys(), region, &who.subject));
        let a = a?;
        a.check_unlocked()?;
        let kind =
            CardKind::parse(&new.kind).ok_or_else(|| CoreError::validation("kind", "a card is `text`, `link`, `image` or `video`"))?;
        let body = match kind {
            CardKind::Text => clean_text("text", new.text.as_deref().unwrap_or(""), CARD_TEXT_MAX)?,
            CardKind::Link => clean_url(new.url.as_deref().unwrap_or(""))?,
            CardKind::Image | CardKind::Video => {
                return Err(CoreError::validation("kind", "send images and videos as a multipart upload with a `file` field"));
            }
        };
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        author?.keep(&mut keys);
        let draft = Draft { kind, body, media: None, x: new.x, y: new.y, color: new.color, category: new.category };
        self.insert_card(&a, &mut keys, draft).await
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
        a.check_unlocked()?;
        let kind = CardKind::parse(kind)
            .filter(|k| k.is_media())
            .ok_or_else(|| CoreError::validation("kind", "a media card is `image` or `video`"))?;
        let want_video = kind == CardKind::Video;
        let max = if want_video { VIDEO_MAX_BYTES } else { IMAGE_MAX_BYTES };
        if bytes.len() > max {
            return Err(CoreError::TooLarge { max_bytes: max });
        }
        let (mk, clean) = media::sanitise_media(bytes, want_video)?;
        let caption = match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => clean_text("text", t, CARD_TEXT_MAX)?,
            None => String::new(),
        };
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let dek = keys.current(&who.subject).await?;
        let blob = BlobId::new(self.cb.now())?;
        a.region.blobs.put(&blob, &seal_media(&dek, &blob, &clean)?).await?;
        let draft =
            Draft { kind, body: caption, media: Some((blob.clone(), mk)), x: position.0, y: position.1, color: None, category: None };
        match self.insert_card(&a, &mut keys, draft).await {
            Ok(v) => Ok(v),
            Err(e) => {
                let _ = a.region.blobs.delete(&blob).await;
                Err(e)
            }
        }
    }

    /// Seals a new card once, stores it, and builds its view and event from the plaintext in
    /// hand (a new card has no reactions and no comments: nothing more is read).
    async fn insert_card(&self, a: &Access, keys: &mut KeyCache<'_>, d: Draft) -> Result<CardView, CoreError> {
        let color = d.color.unwrap_or_else(|| DEFAULT_COLOR.into());
        if !valid_color(&color) {
            return Err(CoreError::validation("color", "colours are written #RRGGBB"));
        }
        if let Some(c) = &d.category
            && !views::legend(keys, a).await?.iter().any(|l| &l.id == c)
        {
            return Err(CoreError::validation("category", "choose a category of the board's legend"));
        }
        let now = self.cb.now();
        let id = CardId::new(now)?;
        let dek = keys.current(&a.subject).await?;
        let row = CardRow {
            id: id.clone(),
            board_id: a.board.id.clone(),
            author_id: a.subject.clone(),
            kind: d.kind,
            body: seal_str(&dek, card_aad(&id), &d.body)?,
            blob_id: d.media.as_ref().map(|(b, _)| b.clone()),
            media_type: d.media.map(|(_, k)| k.mime().to_string()),
            x: clamp_pos(d.x.unwrap_or(40))?,
            y: clamp_pos(d.y.unwrap_or(40))?,
            color: color.to_lowercase(),
            category: d.category,
            status: a.new_card_status(),
            version: 1,
            created_at: now,
            updated_at: now,
            anonymous: a.board.anonymous,
        };
        let seq = a.region.boards.insert_card(&row).await?;
        metrics::counter!("clearboard_cards_created_total").increment(1);
        if row.blob_id.is_none() {
            let all = Fields { pos: true, text: true, style: true };
            let step = Step { card: row.id.clone(), before: None, after: Some(row.clone()), fields: all, kept: None };
            self.remember(a, Action::Create, vec![step]);
        }
        let none = CardReactions::default();
        let card = views::card_shared(a, keys, &row, Some(d.body), Some(views::tallies(&none))).await?;
        let mut view = self.publish_card(a, seq, &row, card, Some(none));
        view.comments = Some(Vec::new());
        Ok(view)
    }

    /// One card as the person sees it, with its reactions and comments.
    pub async fn card(&self, who: &Principal, card: &CardId) -> Result<CardView, CoreError> {
        self.guard()?;
        let (a, row) = self.card_access(who, card).await?;
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let reactions = views::card_reactions(&row.id, &a.region.boards.reactions_of_card(&row.id).await?);
        let comments = a.region.boards.comments_of_card(&row.id).await?;
        views::card_view(&a, &mut keys, &row, reactions, &comments.iter().collect::<Vec<_>>()).await
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
        if row.board_id != a.board.id || !a.sees(&row) {
            return Err(CoreError::NotFound);
        }
        // The connection's access is as old as the board's last change: the countdown's end
        // is measured now.
        let a = Access { now: self.cb.now(), ..a.clone() };
        self.apply_card_patch(&a, row, patch).await
    }

    /// Whether this person may show others a live drag of a card (`pointer` frames): the same
    /// rule as a move (its author or a facilitator, not on a locked board), and only for a
    /// published card (a pending one is not everyone's to see). Nothing is opened or stored.
    pub async fn may_drag(&self, a: &Access, card: &CardId) -> Result<bool, CoreError> {
        let Some(row) = a.region.boards.card(card).await? else { return Ok(false) };
        Ok(row.board_id == a.board.id
            && row.status == CardStatus::Published
            && (a.facilitator() || row.author_id == a.subject)
            && Access { now: self.cb.now(), ..a.clone() }.check_unlocked().is_ok())
    }

    /// Applies a patch: a new text is sealed once and the view built from it; a move or a
    /// colour opens the stored text once (the view shows it); reactions and comments are
    /// neither read nor opened.
    pub(super) async fn apply_card_patch(&self, a: &Access, row: CardRow, patch: CardPatch) -> Result<CardView, CoreError> {
        let card = &row.id;
        if !(a.facilitator() || row.author_id == a.subject) {
            return Err(CoreError::Forbidden);
        }
        a.check_unlocked()?;
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let mut change = CardChange { at: self.cb.now(), ..CardChange::default() };
        let mut body = None;
        if patch.text.is_some() || patch.url.is_some() {
            let text = match (row.kind, &patch.text, &patch.url) {
                (CardKind::Link, _, Some(u)) => clean_url(u)?,
                (CardKind::Text, Some(t), _) => clean_text("text", t, CARD_TEXT_MAX)?,
                (CardKind::Image | CardKind::Video, Some(t), _) => {
                    let t = t.trim();
                    if t.is_empty() { String::new() } else { clean_text("text", t, CARD_TEXT_MAX)? }
                }
                _ => return Err(CoreError::validation("text", "this kind of card has no such field")),
            };
            let dek = keys.current(&row.author_id).await?;
            change.body = Some(seal_str(&dek, card_aad(&row.id), &text)?);
            body = Some(text);
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
                && !views::legend(&mut keys, a).await?.iter().any(|l| &l.id == id)
            {
                return Err(CoreError::validation("category", "choose a category of the board's legend"));
            }
            change.category = Some(c.clone());
        }
        let (new, seq) = a.region.boards.change_card(&a.board.id, card, &change).await?.ok_or(CoreError::NotFound)?;
        let fields = Fields {
            pos: change.x.is_some() || change.y.is_some(),
            text: change.body.is_some(),
            style: change.color.is_some() || change.category.is_some(),
        };
        let action = if fields.text {
            Action::Edit
        } else if fields.pos {
            Action::Move
        } else {
            Action::Style
        };
        if fields != Fields::default() {
            self.remember(
                a,
                action,
                vec![Step { card: new.id.clone(), before: Some(row.clone()), after: Some(new.clone()), fields, kept: None }],
            );
        }
        let shared = views::card_shared(a, &mut keys, &new, body, None).await?;
        Ok(self.publish_card(a, seq, &new, shared, None))
    }

    /// Publishes a pending card (controlled mode; facilitators).
    pub async fn approve_card(&self, who: &Principal, card: &CardId) -> Result<CardView, CoreError> {
        let (a, _) = self.card_access(who, card).await?;
        if !a.facilitator() {
            return Err(CoreError::Forbidden);
        }
        let change = CardChange { status: Some(CardStatus::Published), at: self.cb.now(), ..CardChange::default() };
        let (new, seq) = a.region.boards.change_card(&a.board.id, card, &change).await?.ok_or(CoreError::NotFound)?;
        self.publish_with_reactions(&a, seq, &new).await
    }
    /// Deletes a card (its author or a facilitator); its media blob is deleted too. What went
    /// with a text or link card (likes, votes, comments) is kept in the person's history, for
    /// an undo to put back (`undo`).
    pub async fn delete_card(&self, who: &Principal, card: &CardId) -> Result<(), CoreError> {
        let (a, row) = self.card_access(who, card).await?;
        if !(a.facilitator() || row.author_id == who.subject) {
            return Err(CoreError::Forbidden);
        }
        a.check_unlocked()?;
        let (seq, rows) = a.region.boards.delete_card(&a.board.id, card).await?;
        if let Some(b) = &row.blob_id {
            a.region.blobs.delete(b).await?;
        } else {
            let all = Fields { pos: true, text: true, style: true };
            let kept = Kept::of(rows, &a.board);
            self.remember(&a, Action::Delete, vec![Step { card: card.clone(), before: Some(row), after: None, fields: all, kept }]);
        }
        self.cb.inner.hub.publish(&a.board.id, seq, Change::CardDeleted { id: card.clone() });
        Ok(())
    }

    /// The media of a card, decrypted, for those who may see the card.
    pub async fn media(&self, who: &Principal, card: &CardId) -> Result<(String, clearboard_vault::SecretBytes), CoreError> {
        self.guard()?;
        let (a, row) = self.card_access(who, card).await?;
        let (Some(blob), Some(mime)) = (row.blob_id, row.media_type) else {
            return Err(CoreError::NotFound);
        };
        let dek = self.cb.keys().current(&a.region, &row.author_id).await.map_err(|_| CoreError::NotFound)?;
        let sealed = a.region.blobs.get(&blob).await?.ok_or(CoreError::NotFound)?;
        Ok((mime, open_media(&dek, &blob, &sealed)?))
    }
}
