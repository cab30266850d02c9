//! The person's cards in the archive (issue 21): each card's `data.json` entry and CSV line
//! encoded on the thread that opens it, while the next page is read (`Encoded`), then written
//! in order into `data.json` (spliced where the cards go) and their CSV, with no JSON tree of
//! them in between (it was most of an export's time and memory at 100,000 cards).

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::io::Write;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::csv::cell;
use crate::boards::contributions::{CardOut, CardSink, MediaOut};
use crate::platform::clock::Millis;
use crate::platform::error::CoreError;
use crate::platform::ids::{BlobId, BoardId, CardId};

/// `value` with `insert` placed at `path` (the last key added to its object when it is not
/// there), serialised without copying either.
pub(super) struct Spliced<'a, T> {
    pub value: &'a Value,
    pub path: &'a [&'a str],
    pub insert: &'a T,
}

impl<T: Serialize> Serialize for Spliced<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (Some((first, rest)), Value::Object(m)) = (self.path.split_first(), self.value) else {
            return self.value.serialize(s);
        };
        let missing = rest.is_empty() && !m.contains_key(*first);
        let mut map = s.serialize_map(Some(m.len() + usize::from(missing)))?;
        for (k, v) in m {
            if k != first {
                map.serialize_entry(k, v)?;
            } else if rest.is_empty() {
                map.serialize_entry(k, self.insert)?;
            } else {
                map.serialize_entry(k, &Spliced { value: v, path: rest, insert: self.insert })?;
            }
        }
        if missing {
            map.serialize_entry(*first, self.insert)?;
        }
        map.end()
    }
}

/// The columns of `csv/user_content-cards.csv`.
const COLUMNS: &str = "id,board_id,kind,text,url,media.type,media.file,color,category,x,y,status,created_at,updated_at\r\n";

fn opt(o: &Option<String>) -> Cow<'_, str> {
    o.as_deref().map(cell).unwrap_or_default()
}

/// Writes a card's CSV line (RFC 4180, formulas defused).
fn csv_line(w: &mut Vec<u8>, c: &CardOut) -> std::io::Result<()> {
    let (mime, file) = match &c.media {
        Some(m) => (opt(&m.mime), cell(&m.file)),
        None => (Default::default(), Default::default()),
    };
    let text = [cell(c.id.as_str()), cell(c.board_id.as_str()), c.kind.as_str().into(), opt(&c.text), opt(&c.url), mime, file];
    for f in text.iter().chain([&cell(&c.color), &opt(&c.category)]) {
        w.extend_from_slice(f.as_bytes());
        w.push(b',');
    }
    write!(w, "{},{},", c.position[0], c.position[1])?;
    for f in [c.status.as_str(), &c.created_at, &c.updated_at] {
        w.extend_from_slice(f.as_bytes());
        w.push(b',');
    }
    w.pop();
    w.extend_from_slice(b"\r\n");
    Ok(())
}

/// A card's media file, listed in `data.json` and read at download time from its sealed blob.
pub(super) struct CardMedia {
    pub card: CardId,
    pub file: String,
    pub mime: String,
    pub blob: BlobId,
}

/// Bytes appended in blocks of about `BLOCK`: one buffer of tens of MB would be copied (and,
/// with the server's allocator settings, mapped again) each time it grew.
#[derive(Default)]
struct Blocks {
    full: Vec<Vec<u8>>,
    cur: Vec<u8>,
}

const BLOCK: usize = 1 << 20;

/// Where one encoding is: its block, start and end.
type At = (usize, usize, usize);

impl Blocks {
    /// Appends what `write` writes as one piece, kept in one block.
    fn put<E>(&mut self, write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>) -> Result<At, E> {
        if self.cur.len() >= BLOCK {
            let next = Vec::with_capacity(BLOCK + BLOCK / 16);
            self.full.push(std::mem::replace(&mut self.cur, next));
        }
        let start = self.cur.len();
        write(&mut self.cur)?;
        Ok((self.full.len(), start, self.cur.len()))
    }

    /// Appends another's blocks after this one's; returns by how much its block numbers move.
    fn append(&mut self, other: Blocks) -> usize {
        self.full.push(std::mem::take(&mut self.cur));
        let shift = self.full.len();
        self.full.extend(other.full);
        self.full.push(other.cur);
        shift
    }

    fn get(&self, (b, s, e): At) -> &[u8] {
        &self.full.get(b).unwrap_or(&self.cur)[s..e]
    }
}

/// Where one card's encodings are, and what else is listed about it.
struct Span {
    at: Millis,
    seq: usize,
    json: At,
    csv: At,
    board: usize,
    media: Option<usize>,
}

/// The person's cards, encoded as they are opened.
#[derive(Default)]
pub(super) struct Encoded {
    json: Blocks,
    csv: Blocks,
    spans: Vec<Span>,
    boards: Vec<BoardId>,
    board_ix: HashMap<BoardId, usize>,
    media: Vec<CardMedia>,
}

impl CardSink for Encoded {
    fn card(&mut self, c: CardOut) -> Result<(), CoreError> {
        let json = self.json.put(|w| serde_json::to_writer(w, &c)).map_err(|_| CoreError::Internal("export cards"))?;
        let csv = self.csv.put(|w| csv_line(w, &c)).map_err(|_| CoreError::Internal("export cards"))?;
        let board = self.board(&c.board_id);
        let media = match (c.blob, c.media) {
            (Some(blob), Some(MediaOut { mime: Some(mime), file })) => {
                self.media.push(CardMedia { card: c.id, file, mime, blob });
                Some(self.media.len() - 1)
            }
            _ => None,
        };
        self.spans.push(Span { at: c.at, seq: c.seq, json, csv, board, media });
        Ok(())
    }

    fn merge(mut self, other: Self) -> Self {
        let (json, csv) = (self.json.append(other.json), self.csv.append(other.csv));
        let media = self.media.len();
        self.media.extend(other.media);
        for mut s in other.spans {
            s.board = self.board(&other.boards[s.board]);
            s.media = s.media.map(|m| m + media);
            (s.json.0, s.csv.0) = (s.json.0 + json, s.csv.0 + csv);
            self.spans.push(s);
        }
        self
    }

    fn in_order(mut self) -> Self {
        self.spans.sort_unstable_by_key(|s| (s.at, s.seq));
        self.board_ix = HashMap::new();
        self
    }
}

impl Encoded {
    /// The index of a board in `boards`, added when new.
    fn board(&mut self, b: &BoardId) -> usize {
        match self.board_ix.get(b) {
            Some(i) => *i,
            None => {
                self.boards.push(b.clone());
                self.board_ix.insert(b.clone(), self.boards.len() - 1);
                self.boards.len() - 1
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The boards the cards are on, in the order they first appear.
    pub fn boards(&self) -> Vec<&BoardId> {
        let mut seen = vec![false; self.boards.len()];
        self.spans.iter().filter(|s| !std::mem::replace(&mut seen[s.board], true)).map(|s| &self.boards[s.board]).collect()
    }

    /// The media files of the cards, in the cards' order.
    pub fn media(&self) -> impl Iterator<Item = &CardMedia> {
        self.spans.iter().filter_map(|s| s.media.map(|i| &self.media[i]))
    }

    /// `data.json`'s list of the cards.
    fn write_json_list(&self, w: &mut dyn Write) -> std::io::Result<()> {
        w.write_all(b"[")?;
        for (i, s) in self.spans.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(self.json.get(s.json))?;
        }
        w.write_all(b"]")
    }

    /// `csv/user_content-cards.csv`.
    pub fn write_csv(&self, w: &mut dyn Write) -> std::io::Result<()> {
        let mut w = std::io::BufWriter::with_capacity(64 * 1024, w);
        w.write_all(COLUMNS.as_bytes())?;
        for s in &self.spans {
            w.write_all(self.csv.get(s.csv))?;
        }
        // The buffer only: flushing the deflater would end a block for nothing.
        w.into_inner().map(drop).map_err(std::io::IntoInnerError::into_error)
    }
}

/// Counts what is written, for `Marker`.
struct Tracked<'a> {
    buf: Vec<u8>,
    len: &'a Cell<usize>,
}

impl Write for Tracked<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        self.len.set(self.buf.len());
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serialised as `null`, noting where in the output it was.
struct Marker<'a> {
    len: &'a Cell<usize>,
    at: &'a Cell<Option<usize>>,
}

impl Serialize for Marker<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.at.set(Some(self.len.get()));
        s.serialize_unit()
    }
}

/// Writes `data` as JSON with the cards at `path`: the document without them is serialised
/// first (it is small), then written around their list.
pub(super) fn write_data_json(w: &mut dyn Write, data: &Value, path: &[&str], cards: Option<&Encoded>) -> std::io::Result<()> {
    let Some(cards) = cards else { return serde_json::to_writer(w, data).map_err(std::io::Error::other) };
    let (len, at) = (Cell::new(0), Cell::new(None));
    let mut doc = Tracked { buf: Vec::new(), len: &len };
    serde_json::to_writer(&mut doc, &Spliced { value: data, path, insert: &Marker { len: &len, at: &at } })
        .map_err(std::io::Error::other)?;
    match at.get() {
        Some(i) if doc.buf[i..].starts_with(b"null") => {
            w.write_all(&doc.buf[..i])?;
            cards.write_json_list(w)?;
            w.write_all(&doc.buf[i + 4..])
        }
        // The path met something other than an object: nothing was placed.
        _ => w.write_all(&doc.buf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards::kinds::{CardKind, CardStatus};
    use serde_json::json;

    fn card(id: &str, kind: CardKind, text: &str, media: Option<&str>, at: Millis) -> CardOut {
        let link = kind == CardKind::Link;
        CardOut {
            id: CardId::from_stored(id.into()),
            board_id: BoardId::from_stored(if at > 5 { "b2" } else { "b1" }.into()),
            kind,
            text: (!link).then(|| text.to_string()),
            url: link.then(|| text.to_string()),
            media: media.map(|m| MediaOut { mime: Some(m.into()), file: format!("media/{id}.jpg") }),
            color: "#fff3a3".into(),
            category: None,
            position: [3, -4],
            status: CardStatus::Published,
            created_at: "2026-12-06T00:00:00Z".into(),
            updated_at: "2026-12-06T00:00:01Z".into(),
            blob: media.map(|_| BlobId::from_stored(format!("blob-{id}"))),
            at,
            seq: 0,
        }
    }

    fn encoded(cards: Vec<CardOut>) -> Encoded {
        let mut e = Encoded::default();
        for c in cards {
            e.card(c).unwrap();
        }
        e.in_order()
    }

    #[test]
    fn the_cards_csv_has_a_line_per_card_quoted_and_defused() {
        let cards = vec![
            card("c1", CardKind::Text, "=SUM(A1), \"quoted\"", None, 0),
            card("c2", CardKind::Link, "https://example.test/a,b", None, 0),
            card("c3", CardKind::Image, "", Some("image/jpeg"), 0),
        ];
        let mut out = Vec::new();
        encoded(cards).write_csv(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], COLUMNS.trim_end());
        assert_eq!(
            lines[1],
            "c1,b1,text,\"'=SUM(A1), \"\"quoted\"\"\",,,,#fff3a3,,3,-4,published,2026-12-06T00:00:00Z,2026-12-06T00:00:01Z"
        );
        assert_eq!(
            lines[2],
            "c2,b1,link,,\"https://example.test/a,b\",,,#fff3a3,,3,-4,published,2026-12-06T00:00:00Z,2026-12-06T00:00:01Z"
        );
        assert_eq!(lines[3], "c3,b1,image,,,image/jpeg,media/c3.jpg,#fff3a3,,3,-4,published,2026-12-06T00:00:00Z,2026-12-06T00:00:01Z");
        assert_eq!((lines.len(), lines[4]), (5, ""));
        // data.json lists the same cards as the category's JSON does.
        let v = serde_json::to_value(card("c3", CardKind::Image, "", Some("image/jpeg"), 0)).unwrap();
        assert_eq!(v["media"], json!({ "type": "image/jpeg", "file": "media/c3.jpg" }));
        assert_eq!((v["position"].clone(), v.get("blob")), (json!([3, -4]), None));
    }

    #[test]
    fn data_json_from_the_encoded_cards_is_the_typed_cards_spliced_in_order() {
        let cards = || {
            vec![
                card("late", CardKind::Text, "on b2", None, 9),
                card("first", CardKind::Link, "https://example.test/", None, 1),
                card("same-ms", CardKind::Image, "", Some("image/png"), 1),
            ]
        };
        let data = json!({ "a": 1, "categories": { "x": { "data": { "comments": [] } } }, "z": [null, "null"] });
        let path = ["categories", "x", "data", "cards"];
        let enc = encoded(cards());
        let mut out = Vec::new();
        write_data_json(&mut out, &data, &path, Some(&enc)).unwrap();
        let typed = cards().in_order();
        let want = serde_json::to_value(Spliced { value: &data, path: &path, insert: &typed }).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), want);
        let ids: Vec<&str> =
            want["categories"]["x"]["data"]["cards"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["first", "same-ms", "late"], "by creation time, then as read");
        assert_eq!(enc.boards().iter().map(|b| b.as_str()).collect::<Vec<_>>(), ["b1", "b2"]);
        assert_eq!(enc.media().map(|m| (m.card.as_str(), m.blob.as_str())).collect::<Vec<_>>(), [("same-ms", "blob-same-ms")]);
        // Erased: the path meets a non-object and the document is written as it is.
        let erased = json!({ "categories": { "x": { "data": { "erased": true } } } });
        let mut out = Vec::new();
        write_data_json(&mut out, &erased, &["categories", "x", "data", "erased", "cards"], Some(&enc)).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), erased);
        // No cards: the document alone.
        let mut out = Vec::new();
        write_data_json(&mut out, &data, &path, None).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), data);
    }

    #[test]
    fn sinks_merged_from_several_threads_give_the_order_of_one() {
        let cards = || {
            let mut v = vec![
                card("late", CardKind::Text, "on b2", None, 9),
                card("first", CardKind::Link, "https://example.test/", None, 1),
                card("same-ms", CardKind::Image, "", Some("image/png"), 1),
                card("later", CardKind::Image, "", Some("image/gif"), 7),
            ];
            for (i, c) in v.iter_mut().enumerate() {
                c.seq = i;
            }
            v
        };
        let (mut a, mut b) = (Encoded::default(), Encoded::default());
        for (i, c) in cards().into_iter().enumerate() {
            if i % 2 == 0 { a.card(c).unwrap() } else { b.card(c).unwrap() }
        }
        let (one, merged) = (encoded(cards()), b.merge(a).in_order());
        let data = json!({ "x": {} });
        let (mut x, mut y) = (Vec::new(), Vec::new());
        write_data_json(&mut x, &data, &["x", "cards"], Some(&one)).unwrap();
        write_data_json(&mut y, &data, &["x", "cards"], Some(&merged)).unwrap();
        assert_eq!(x, y);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        one.write_csv(&mut x).unwrap();
        merged.write_csv(&mut y).unwrap();
        assert_eq!(x, y);
        assert_eq!(one.boards(), merged.boards());
        let files = |e: &Encoded| e.media().map(|m| m.file.clone()).collect::<Vec<_>>();
        assert_eq!(files(&merged), ["media/same-ms.jpg", "media/later.jpg"]);
        assert_eq!(files(&one), files(&merged));
    }

    #[test]
    fn spliced_places_the_list_where_the_path_says() {
        let v = json!({ "a": 1, "categories": { "x": { "data": { "comments": [] } }, "y": { "data": {} } } });
        let insert = vec![json!({ "id": "c1" })];
        let s = serde_json::to_value(Spliced { value: &v, path: &["categories", "x", "data", "cards"], insert: &insert }).unwrap();
        assert_eq!(
            s,
            json!({ "a": 1, "categories": { "x": { "data": { "comments": [], "cards": [{ "id": "c1" }] } }, "y": { "data": {} } } })
        );
        // A path that meets something other than an object leaves it as it is.
        let erased = json!({ "categories": { "x": { "data": { "erased": true } } } });
        let s = serde_json::to_value(Spliced { value: &erased, path: &["categories", "x", "data", "erased", "cards"], insert: &insert });
        assert_eq!(s.unwrap(), erased);
    }
}
