//! A person's own contributions to boards, opened with their key, as typed rows (C-DSR-1,
//! C-DSR-3; issue 21): what the `user_content` category exports. The cards stay typed all the
//! way to the archive (`privacy::rights::exports`), which writes `data.json` and the cards' CSV
//! from them row by row; everything else the category holds is small and stays a JSON value.
//! `to_value` gives the category's JSON for the other readers (privacy centre, tests).

use serde::Serialize;
use serde_json::{Value, json};

use crate::boards::kinds::{CardKind, CardStatus};
use crate::platform::clock::{Millis, rfc3339};
use crate::platform::context::{Clearboard, RegionHandle};
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, BoardId, CardId, SubjectId};
use crate::platform::media::file_ext;
use crate::platform::ports::CardRow;

/// The policy category these contributions are exported under.
pub const USER_CONTENT: &str = "user_content";

/// Cards read per page: a page is opened on a blocking thread while the next one is read.
const PAGE: usize = 2048;

/// Threads opening a person's cards, the pages dealt to them in turn.
const OPENERS: usize = 2;

/// A card's media file in the export.
#[derive(Debug, Serialize)]
pub struct MediaOut {
    #[serde(rename = "type")]
    pub mime: Option<String>,
    pub file: String,
}

/// One card of the person, opened, as `data.json` lists it (the published schema's card).
#[derive(Debug, Serialize)]
pub struct CardOut {
    pub id: CardId,
    pub board_id: BoardId,
    pub kind: CardKind,
    pub text: Option<String>,
    pub url: Option<String>,
    pub media: Option<MediaOut>,
    pub color: String,
    pub category: Option<String>,
    pub position: [i64; 2],
    pub status: CardStatus,
    pub created_at: String,
    pub updated_at: String,
    /// The sealed original the media file is read from at download time (not exported).
    #[serde(skip)]
    pub blob: Option<BlobId>,
    /// When it was created, to list the cards in that order (not exported: `created_at` is).
    #[serde(skip)]
    pub at: Millis,
    /// Its place in the order the cards were read (for cards created in the same millisecond).
    #[serde(skip)]
    pub seq: usize,
}

/// What the category holds about a person; `C` is what their cards were handed to.
pub enum Contributions<C = Vec<CardOut>> {
    /// Their key is gone: nothing of theirs can be opened.
    Erased,
    Held {
        cards: C,
        /// Comments, likes, votes and the participant pseudonym.
        rest: serde_json::Map<String, Value>,
    },
}

/// The category's JSON when the person's key is gone.
pub fn erased() -> Value {
    json!({ "erased": true })
}

/// Takes a person's cards one by one as they are opened, on the threads that open them (so
/// whatever it does with them overlaps the reading of the next page), one sink per thread,
/// then merged and put in order: by creation time, then as they were read (`CardOut::seq`).
pub trait CardSink: Default + Send + 'static {
    fn card(&mut self, c: CardOut) -> Result<(), CoreError>;
    /// Adds the cards another sink took.
    fn merge(self, other: Self) -> Self;
    fn in_order(self) -> Self;
}

impl CardSink for Vec<CardOut> {
    fn card(&mut self, c: CardOut) -> Result<(), CoreError> {
        self.push(c);
        Ok(())
    }

    fn merge(mut self, other: Self) -> Self {
        self.extend(other);
        self
    }

    fn in_order(self) -> Self {
        in_order(self)
    }
}

impl Contributions {
    /// The category's JSON: `rest` with the cards.
    pub fn to_value(&self) -> Result<Value, CoreError> {
        match self {
            Contributions::Erased => Ok(erased()),
            Contributions::Held { cards, rest } => {
                let mut m = rest.clone();
                m.insert("cards".into(), serde_json::to_value(cards).map_err(|_| CoreError::Internal("export cards"))?);
                Ok(Value::Object(m))
            }
        }
    }
}

fn open_card(dek: &clearboard_vault::Dek, c: CardRow, seq: usize) -> Result<CardOut, CoreError> {
    let body = dek.open_string(clearboard_vault::Aad { table: "cards", column: "body", row: c.id.as_str() }, &c.body)?;
    let media = c.blob_id.as_ref().map(|_| MediaOut {
        file: format!("media/{}.{}", c.id.as_str(), file_ext(c.media_type.as_deref().unwrap_or(""))),
        mime: c.media_type.clone(),
    });
    let (text, url) = if c.kind == CardKind::Link { (None, Some(body)) } else { (Some(body), None) };
    Ok(CardOut {
        media,
        text,
        url,
        position: [c.x, c.y],
        created_at: rfc3339(c.created_at),
        updated_at: rfc3339(c.updated_at),
        blob: c.blob_id,
        at: c.created_at,
        seq,
        id: c.id,
        board_id: c.board_id,
        kind: c.kind,
        color: c.color,
        category: c.category,
        status: c.status,
    })
}

/// The cards by creation time (then in the order they were read), each moved once: sorting
/// the rows themselves, a few hundred bytes each, cost more than opening them.
fn in_order(cards: Vec<CardOut>) -> Vec<CardOut> {
    let mut keys: Vec<(Millis, usize, usize)> = cards.iter().enumerate().map(|(i, c)| (c.at, c.seq, i)).collect();
    keys.sort_unstable();
    let mut slots: Vec<Option<CardOut>> = cards.into_iter().map(Some).collect();
    keys.into_iter().filter_map(|(_, _, i)| slots[i].take()).collect()
}

/// A person's own contributions: cards (with their media references), comments, likes,
/// votes and their participant pseudonym.
pub async fn contributions(cb: &Clearboard, region: &RegionHandle, subject: &SubjectId) -> Result<Contributions, CoreError> {
    contributions_into(cb, region, subject).await
}

/// The same, the cards handed as they are opened to sinks of type `S` (one per opening
/// thread, merged at the end).
pub async fn contributions_into<S: CardSink>(
    cb: &Clearboard,
    region: &RegionHandle,
    subject: &SubjectId,
) -> Result<Contributions<S>, CoreError> {
    let (comments, reactions, participant) = region.boards.reactions_of(subject).await?;
    let dek = match cb.keys().current(region, subject).await {
        Ok(k) => k,
        Err(CoreError::Erased) => return Ok(Contributions::Erased),
        Err(e) => return Err(e),
    };
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
    // The cards: each page is opened on a blocking thread while the next is read, the pages
    // dealt to the threads in turn, so reading and opening share the cores; never all the
    // sealed rows at once.
    let dek = std::sync::Arc::new(dek);
    let (mut deal, mut openers) = (Vec::new(), Vec::new());
    for _ in 0..OPENERS {
        let (pages, arrived) = std::sync::mpsc::channel::<(usize, Vec<CardRow>)>();
        let dek = std::sync::Arc::clone(&dek);
        openers.push(tokio::task::spawn_blocking(move || -> Result<S, CoreError> {
            let mut sink = S::default();
            for (first, page) in arrived {
                for (i, c) in page.into_iter().enumerate() {
                    sink.card(open_card(&dek, c, first + i)?)?;
                }
            }
            Ok(sink)
        }));
        deal.push(pages);
    }
    let (mut seq, mut turn) = (0, 0);
    let read = region
        .boards
        .cards_of_author(subject, PAGE, &mut |page| {
            let n = page.len();
            // A send fails only when that opener stopped on an error, which it returns below.
            let _ = deal[turn % OPENERS].send((seq, page));
            (seq, turn) = (seq + n, turn + 1);
        })
        .await;
    drop(deal);
    let mut cards: Result<S, CoreError> = Ok(S::default());
    for o in openers {
        let part = o.await.map_err(|_| CoreError::Internal("export cards"))?;
        cards = cards.and_then(|all| Ok(all.merge(part?)));
    }
    read?;
    let cards = cards?.in_order();
    let mut rest = serde_json::Map::new();
    rest.insert("comments".into(), Value::Array(comment_out));
    rest.insert("likes".into(), json!(reactions.likes.iter().map(|(c, _)| c).collect::<Vec<_>>()));
    rest.insert("votes".into(), reactions.votes.iter().map(|(c, _, n)| json!({ "card_id": c, "count": n })).collect());
    rest.insert(
        "participant".into(),
        json!(participant.map(|p| json!({ "board_id": p.board_id, "pseudonym": pseudonym, "joined_at": rfc3339(p.created_at) }))),
    );
    Ok(Contributions::Held { cards, rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(id: &str, at: Millis, seq: usize) -> CardOut {
        CardOut {
            id: CardId::from_stored(id.into()),
            board_id: BoardId::from_stored("b".into()),
            kind: CardKind::Text,
            text: Some(id.into()),
            url: None,
            media: None,
            color: String::new(),
            category: None,
            position: [0, 0],
            status: CardStatus::Published,
            created_at: rfc3339(at),
            updated_at: rfc3339(at),
            blob: None,
            at,
            seq,
        }
    }

    #[test]
    fn cards_come_out_by_creation_time_then_as_read() {
        let cards = vec![at("c", 3, 0), at("a2", 1, 3), at("b", 2, 2), at("a1", 1, 1)];
        let ids: Vec<String> = in_order(cards).into_iter().map(|c| c.id.as_str().to_string()).collect();
        assert_eq!(ids, ["a1", "a2", "b", "c"]);
    }
}
