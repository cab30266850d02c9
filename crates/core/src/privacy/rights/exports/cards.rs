//! The person's cards in the archive (issue 21): written into `data.json` and their CSV
//! straight from the typed rows, one row at a time, with no JSON tree of them in between (it
//! was most of an export's time and memory at 100,000 cards).

use std::borrow::Cow;
use std::io::Write;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::csv::cell;
use crate::boards::contributions::CardOut;

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

/// Writes the cards' CSV (RFC 4180, formulas defused), one line per card.
pub(super) fn write_csv(w: &mut dyn Write, cards: &[CardOut]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, w);
    w.write_all(COLUMNS.as_bytes())?;
    for c in cards {
        let (mime, file) = match &c.media {
            Some(m) => (opt(&m.mime), cell(&m.file)),
            None => (Default::default(), Default::default()),
        };
        write!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            cell(c.id.as_str()),
            cell(c.board_id.as_str()),
            c.kind.as_str(),
            opt(&c.text),
            opt(&c.url),
            mime,
            file,
            cell(&c.color),
            opt(&c.category),
            c.position[0],
            c.position[1],
            c.status.as_str(),
            c.created_at,
            c.updated_at,
        )?;
    }
    // The buffer only: flushing the deflater would end a block for nothing.
    w.into_inner().map(drop).map_err(std::io::IntoInnerError::into_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards::contributions::MediaOut;
    use crate::boards::kinds::{CardKind, CardStatus};
    use crate::platform::ids::{BoardId, CardId};
    use serde_json::json;

    fn card(id: &str, kind: CardKind, text: &str, media: Option<&str>) -> CardOut {
        let link = kind == CardKind::Link;
        CardOut {
            id: CardId::from_stored(id.into()),
            board_id: BoardId::from_stored("b1".into()),
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
            blob: None,
            at: 0,
        }
    }

    #[test]
    fn the_cards_csv_has_a_line_per_card_quoted_and_defused() {
        let cards = [
            card("c1", CardKind::Text, "=SUM(A1), \"quoted\"", None),
            card("c2", CardKind::Link, "https://example.test/a,b", None),
            card("c3", CardKind::Image, "", Some("image/jpeg")),
        ];
        let mut out = Vec::new();
        write_csv(&mut out, &cards).unwrap();
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
        let v = serde_json::to_value(&cards[2]).unwrap();
        assert_eq!(v["media"], json!({ "type": "image/jpeg", "file": "media/c3.jpg" }));
        assert_eq!((v["position"].clone(), v.get("blob")), (json!([3, -4]), None));
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
