//! Reactions to cards: likes, dot votes within the board's tokens per person, and comments
//! (sealed with their author's key).

use crate::boards::access::Access;
use crate::boards::events::Change;
use crate::boards::input::{COMMENT_MAX, clean_text};
use crate::boards::kinds::CardStatus;
use crate::boards::sealing::{KeyCache, comment_aad, seal_str};
use crate::boards::service::Boards;
use crate::boards::shapes::{CardView, CommentView, RankedCard, Tallies};
use crate::boards::views;
use crate::identity::principal::Principal;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, CardId, CommentId};
use crate::platform::ports::{CardRow, CommentRow, StoreError};

impl Boards<'_> {
    pub(super) fn can_react(&self, a: &Access, row: &CardRow) -> Result<(), CoreError> {
        if row.status == CardStatus::Pending {
            return Err(CoreError::validation("card", "this card waits for the facilitator"));
        }
        a.check_unlocked()
    }

    pub async fn like(&self, who: &Principal, card: &CardId, on: bool) -> Result<CardView, CoreError> {
        let (a, row) = self.card_access(who, card).await?;
        self.can_react(&a, &row)?;
        let seq = a.region.boards.set_like(&a.board.id, card, &who.subject, on, self.cb.now()).await?;
        self.publish_with_reactions(&a, seq, &row).await
    }

    /// Adds (+1) or takes back (−1) a dot vote, within the board's tokens per person.
    pub async fn vote(&self, who: &Principal, card: &CardId, delta: i64) -> Result<CardView, CoreError> {
        let (a, row) = self.card_access(who, card).await?;
        self.can_react(&a, &row)?;
        match a.region.boards.add_vote(&a.board.id, card, &who.subject, delta.signum(), a.board.vote_tokens).await {
            Ok(seq) => self.publish_with_reactions(&a, seq, &row).await,
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

    /// The voting session's results: the cards the person may see, ranked by votes (then
    /// likes), with their counts. Refused while the results are hidden, to facilitators too.
    pub async fn results(&self, who: &Principal, board: &BoardId) -> Result<Vec<RankedCard>, CoreError> {
        let a = self.access(who, board).await?;
        if a.board.votes_hidden {
            return Err(CoreError::VotesHidden);
        }
        let cards = views::card_views(&mut KeyCache::new(self.cb.keys(), &a.region), &a).await?;
        let mut ranked: Vec<RankedCard> = cards
            .into_iter()
            .map(|c| {
                let t = c.card.tallies.unwrap_or(Tallies { likes: 0, votes: None });
                RankedCard {
                    rank: 0,
                    id: c.card.id,
                    text: c.card.text,
                    url: c.card.url,
                    category: c.card.category,
                    votes: t.votes.unwrap_or(0),
                    likes: t.likes,
                }
            })
            .collect();
        ranked.sort_by_key(|c| std::cmp::Reverse((c.votes, c.likes)));
        for i in 0..ranked.len() {
            ranked[i].rank = match i.checked_sub(1).map(|p| &ranked[p]) {
                Some(p) if (p.votes, p.likes) == (ranked[i].votes, ranked[i].likes) => p.rank,
                _ => i + 1,
            };
        }
        Ok(ranked)
    }

    pub async fn comment(&self, who: &Principal, card: &CardId, text: &str) -> Result<CommentView, CoreError> {
        self.guard()?;
        let (a, row) = self.card_access(who, card).await?;
        self.can_react(&a, &row)?;
        let text = clean_text("text", text, COMMENT_MAX)?;
        let now = self.cb.now();
        let id = CommentId::new(now)?;
        // Sealed once; the view is built from the text in hand, with the same key for the
        // author's name.
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let dek = keys.current(&who.subject).await?;
        let c = CommentRow {
            id: id.clone(),
            card_id: card.clone(),
            author_id: who.subject.clone(),
            body: seal_str(&dek, comment_aad(&id), &text)?,
            created_at: now,
            anonymous: a.board.anonymous,
        };
        let seq = a.region.boards.insert_comment(&a.board.id, &c).await?;
        let view = views::comment_view(&a, &mut keys, &c, Some(text)).await?;
        self.publish_comment(&a, seq, &view, &c, &row);
        Ok(view)
    }

    /// Publishes a comment added to a card (`view`: as its author sees it).
    pub(super) fn publish_comment(&self, a: &Access, seq: i64, view: &CommentView, c: &CommentRow, card: &CardRow) {
        let change = Change::Comment {
            comment: view.comment.clone(),
            author: c.author_id.clone(),
            card_author: card.author_id.clone(),
            card_pending: card.status == CardStatus::Pending,
        };
        self.cb.inner.hub.publish(&a.board.id, seq, change);
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
}
