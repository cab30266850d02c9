//! Cards: adding text, link, image and video cards (media checked by content and rebuilt from
//! an allow-list, then sealed), changing them (last writer wins per field), approving,
//! deleting, reading one, its media, and publishing each change to the board's room.

use clearboard_vault::stream;
use zeroize::Zeroizing;

use crate::boards::access::Access;
use crate::boards::events::{CardReactions, Change};
use crate::boards::input::{
    CARD_TEXT_MAX, CardPatch, DEFAULT_COLOR, IMAGE_MAX_BYTES, NewCard, VIDEO_MAX_BYTES, clamp_pos, clean_text, clean_url, valid_color,
};
use crate::boards::sealing::{KeyCache, card_aad, media_aad};
use crate::boards::service::Boards;
use crate::boards::shapes::CardView;
use crate::boards::views;
use crate::identity::principal::Principal;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, BoardId, CardId};
use crate::platform::media::{self, MediaKind};
use crate::platform::ports::{CardChange, CardRow, CommentRow};

impl Boards<'_> {
    pub(super) fn check_can_add(&self, a: &Access) -> Result<(), CoreError> {
        if a.board.locked && !a.facilitator() {
            return Err(CoreError::validation("board", "the facilitator has locked this board"));
        }
        Ok(())
    }

    pub(super) async fn publish_card(&self, a: &Access, seq: i64, card: &CardRow) -> Result<CardView, CoreError> {
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let reactions = a.region.boards.reactions_of_card(&card.id).await?;
        let comments: Vec<CommentRow> = a.region.boards.comments_of_card(&card.id).await?;
        let view = views::card_view(a, &mut keys, card, &reactions, &comments).await?;
        let likers = reactions.likes.iter().filter(|(c, _)| *c == card.id).map(|(_, s)| s.clone()).collect();
        let voters = reactions.votes.iter().filter(|(c, _, _)| *c == card.id).map(|(_, s, n)| (s.clone(), *n)).collect();
        self.cb.inner.hub.publish(
            &a.board.id,
            seq,
            Change::Card {
                card: Box::new(view.card.clone()),
                author: card.author_id.clone(),
                pending: card.status == "pending",
                reactions: Some(CardReactions { likers, voters }),
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
    pub(super) async fn insert_card(
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
        let legend = views::legend(self.cb.keys(), a).await?;
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
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let reactions = a.region.boards.reactions_of_card(&row.id).await?;
        let comments: Vec<CommentRow> = a.region.boards.comments_of_card(&row.id).await?;
        views::card_view(&a, &mut keys, &row, &reactions, &comments).await
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

    pub(super) async fn apply_card_patch(&self, a: &Access, row: CardRow, patch: CardPatch) -> Result<CardView, CoreError> {
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
                && !views::legend(self.cb.keys(), a).await?.iter().any(|l| &l.id == id)
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
}
