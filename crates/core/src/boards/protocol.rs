//! The board socket's protocol, typed (`docs/protocol.md`, `docs/protocol.schema.json`): every
//! frame the server sends is a [`ServerMessage`], every frame a client may send a
//! [`ClientMessage`]; both are JSON objects tagged by `type`. A message is serialised once into
//! a [`Frame`] (shared bytes) that every connection sending the same thing reuses; no frame is
//! written by hand anywhere else.
//!
//! Nothing personal beyond what the viewer may see: the shapes come from `shapes`, already
//! cut per viewer (no author on anonymous boards, `you` only about the viewer themselves).

use crate::platform::error_codes::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::boards::input::CardPatch;
use crate::boards::shapes::{BoardShared, BoardView, CardShared, CardView, CommentShared, MyReactions};
use crate::platform::ids::{CardId, CommentId};

/// One serialised message: UTF-8 JSON, cheap to clone (reference-counted bytes).
pub type Frame = bytes::Bytes;

/// What the viewer is to a card in a `card` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CardYou {
    pub mine: bool,
    /// Left out when the change did not touch likes or votes.
    #[serde(flatten)]
    pub reactions: Option<MyReactions>,
}

/// What the viewer is to a comment in a `comment` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CommentYou {
    pub mine: bool,
}

/// Where a card is while someone drags it (board coordinates): live, never stored; the drop is
/// stored through the ordinary move (`patch`, or `PATCH /api/v1/cards/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DragAt {
    pub card: CardId,
    pub x: i64,
    pub y: i64,
}

/// Positions are on the board's plane, as card positions (`input::clamp_pos`).
pub const POINTER_LIMIT: i64 = 100_000;

/// The body of an `error` frame.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody<'a> {
    /// The catalogue's code (`crate::platform::error_codes::ErrorCode`), as the API answers.
    pub code: ErrorCode,
    /// The catalogue's words for the code, in the socket's language.
    pub message: &'a str,
    /// What exactly failed, when there is more to say than the code (never for server errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
}

/// Every frame the server sends on a board socket.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    /// The first frame of a fresh connection: the board, every card the viewer may see, who is
    /// here, and the sequence number they are at.
    Hello {
        seq: i64,
        board: &'a BoardView,
        cards: &'a [CardView],
        present: &'a [String],
    },
    /// The first frame of a connection that asked `?since=N` and can be replayed: the sequenced
    /// events after `from` follow.
    Resume {
        from: i64,
        present: &'a [String],
    },
    /// Who is here (pseudonyms only; at most 50 names, then "+N"). Not sequenced.
    Presence {
        present: &'a [String],
    },
    /// A card was added or changed.
    Card {
        seq: i64,
        card: &'a CardShared,
        you: CardYou,
    },
    CardDeleted {
        seq: i64,
        id: &'a CardId,
    },
    /// A comment was added.
    Comment {
        seq: i64,
        card_id: &'a CardId,
        comment: &'a CommentShared,
        you: CommentYou,
    },
    CommentDeleted {
        seq: i64,
        card_id: &'a CardId,
        id: &'a CommentId,
    },
    /// The board's title, legend or settings changed.
    Board {
        seq: i64,
        board: &'a BoardShared,
    },
    /// Reload from a snapshot (many things changed, or this connection fell behind).
    Resync {
        seq: i64,
    },
    /// Someone else's pointer (board coordinates), and the card they drag if they drag one.
    /// Live only: not sequenced, not stored, at most 20 a second per person. `from` tells
    /// connections apart (a number of this connection only, nothing about the person); `name`
    /// is the name the board shows for them, left out on anonymous boards.
    Pointer {
        from: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<&'a str>,
        x: i64,
        y: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        drag: Option<&'a DragAt>,
    },
    /// The answer to `ping`.
    Pong,
    /// A `patch` applied: the card's new version.
    Ack {
        req: u64,
        version: i64,
    },
    /// A frame that could not be applied; `req` names the `patch` it answers, if any.
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        req: Option<u64>,
        error: ErrorBody<'a>,
    },
}

/// Sent if a message could not be serialised (it cannot happen with these shapes: no map has
/// a non-string key), so that a connection still gets a frame of the protocol.
const UNSERIALISABLE: &str =
    r#"{"type":"error","error":{"code":"internal","message":"something went wrong on our side; try again later"}}"#;

impl ServerMessage<'_> {
    /// The message as one frame.
    pub fn frame(&self) -> Frame {
        match serde_json::to_vec(self) {
            Ok(v) => Frame::from(v),
            Err(_) => Frame::from_static(UNSERIALISABLE.as_bytes()),
        }
    }

    /// The `type` of this message (as in the schema).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Hello { .. } => "hello",
            Self::Resume { .. } => "resume",
            Self::Presence { .. } => "presence",
            Self::Card { .. } => "card",
            Self::CardDeleted { .. } => "card_deleted",
            Self::Comment { .. } => "comment",
            Self::CommentDeleted { .. } => "comment_deleted",
            Self::Board { .. } => "board",
            Self::Resync { .. } => "resync",
            Self::Pointer { .. } => "pointer",
            Self::Pong => "pong",
            Self::Ack { .. } => "ack",
            Self::Error { .. } => "error",
        }
    }
}

/// Every frame a client may send on a board socket.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Keeps the connection alive; answered by `pong`. (A struct variant, so that
    /// `deny_unknown_fields` refuses extra fields here too.)
    Ping {},
    /// A change to a card sent over the socket (cheaper than a request per move): answered by
    /// `ack` or `error` with the same `req`; everyone, the sender included, also gets the
    /// `card` event.
    Patch { req: u64, card: CardId, patch: CardPatch },
    /// The sender's pointer on the board (board coordinates), and the card they drag with where
    /// it is now: passed on to the others as `pointer`, never stored, never answered. Beyond 20
    /// a second per person the server drops them.
    Pointer {
        x: i64,
        y: i64,
        #[serde(default)]
        drag: Option<DragAt>,
    },
}

impl ClientMessage {
    /// Reads a client frame. On failure, the `req` the frame carried (if it had one, so the
    /// error can name it) and what is wrong, for people.
    pub fn parse(text: &str) -> Result<Self, (Option<u64>, &'static str)> {
        #[derive(Deserialize)]
        struct Req {
            #[serde(default)]
            req: Option<u64>,
        }
        let refused = || {
            let req = serde_json::from_str::<Req>(text).ok().and_then(|r| r.req);
            (req, "messages are JSON objects: ping, patch with req, card and patch, or pointer with x, y and drag (see docs/protocol.md)")
        };
        match serde_json::from_str(text) {
            // Ids are canonical UUID text, as in paths.
            Ok(Self::Patch { card, .. }) if CardId::parse(card.as_str()).is_none_or(|c| c != card) => Err(refused()),
            Ok(Self::Pointer { x, y, drag })
                if [x, y].iter().chain(drag.iter().flat_map(|d| [&d.x, &d.y])).any(|v| v.abs() > POINTER_LIMIT)
                    || drag.as_ref().is_some_and(|d| CardId::parse(d.card.as_str()).is_none_or(|c| c != d.card)) =>
            {
                Err(refused())
            }
            Ok(m) => Ok(m),
            Err(_) => Err(refused()),
        }
    }

    /// The `type` of this message (as in the schema).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Ping {} => "ping",
            Self::Patch { .. } => "patch",
            Self::Pointer { .. } => "pointer",
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::boards::input::LegendEntry;
    use crate::boards::shapes::{CommentView, Tallies, You};
    use crate::platform::ids::BoardId;

    const SCHEMA: &str = include_str!("../../../../docs/protocol.schema.json");

    /// The schema of one `$defs` entry (`server_message`, `client_message`), or of any frame.
    fn validator(def: Option<&str>) -> jsonschema::Validator {
        let mut schema: Value = serde_json::from_str(SCHEMA).unwrap();
        if let Some(d) = def {
            schema["oneOf"] = json!([{ "$ref": format!("#/$defs/{d}") }]);
        }
        jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap()
    }

    /// Which variant a message is; a new variant does not compile until it is listed here, and
    /// the test below then fails until it has a sample and a schema.
    fn variant(m: &ServerMessage<'_>) -> usize {
        match m {
            ServerMessage::Hello { .. } => 0,
            ServerMessage::Resume { .. } => 1,
            ServerMessage::Presence { .. } => 2,
            ServerMessage::Card { .. } => 3,
            ServerMessage::CardDeleted { .. } => 4,
            ServerMessage::Comment { .. } => 5,
            ServerMessage::CommentDeleted { .. } => 6,
            ServerMessage::Board { .. } => 7,
            ServerMessage::Resync { .. } => 8,
            ServerMessage::Pong => 9,
            ServerMessage::Ack { .. } => 10,
            ServerMessage::Error { .. } => 11,
            ServerMessage::Pointer { .. } => 12,
        }
    }
    const SERVER_VARIANTS: usize = 13;

    fn client_variant(m: &ClientMessage) -> usize {
        match m {
            ClientMessage::Ping {} => 0,
            ClientMessage::Patch { .. } => 1,
            ClientMessage::Pointer { .. } => 2,
        }
    }
    const CLIENT_VARIANTS: usize = 3;

    /// The `type` of every message a `$defs` list names.
    fn schema_types(def: &str) -> Vec<String> {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let mut out: Vec<String> = schema["$defs"][def]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let name = r["$ref"].as_str().unwrap().trim_start_matches("#/$defs/");
                schema["$defs"][name]["properties"]["type"]["const"].as_str().unwrap().to_string()
            })
            .collect();
        out.sort();
        out
    }

    fn shared_card(tallies: Option<Tallies>) -> CardShared {
        let id = CardId::new(1).unwrap();
        CardShared {
            media_url: Some(format!("/api/v1/cards/{id}/media")),
            id,
            board_id: BoardId::new(1).unwrap(),
            kind: crate::boards::kinds::CardKind::Image,
            text: "A caption".into(),
            url: None,
            media_type: Some("image/jpeg".into()),
            x: -40,
            y: 100_000,
            color: "#fff3a3".into(),
            category: Some("idea".into()),
            status: crate::boards::kinds::CardStatus::Published,
            version: 3,
            created_at: "2026-11-29T12:00:00Z".into(),
            updated_at: "2026-11-29T12:00:01Z".into(),
            author: Some("Ada L.".into()),
            tallies,
        }
    }

    fn shared_comment() -> CommentShared {
        CommentShared {
            id: CommentId::new(1).unwrap(),
            card_id: CardId::new(1).unwrap(),
            text: "Agreed".into(),
            author: None,
            created_at: "2026-11-29T12:00:00Z".into(),
        }
    }

    fn shared_board() -> BoardShared {
        BoardShared {
            id: BoardId::new(1).unwrap(),
            title: "Retro".into(),
            legend: vec![LegendEntry { id: "idea".into(), name: "Idea".into(), color: "#fff3a3".into() }],
            locked: false,
            controlled: true,
            anonymous: false,
            vote_tokens: 5,
            votes_hidden: false,
            timer: Some(crate::boards::shapes::TimerView {
                running: true,
                remaining_ms: 90_000,
                ends_at: Some("2026-11-29T12:01:30Z".into()),
                pause_participation: true,
                participation_paused: false,
            }),
            zones: vec![crate::boards::layout::Zone {
                id: "went_well".into(),
                title: "Went well".into(),
                x: 0,
                y: 0,
                w: 460,
                h: 900,
                color: "#e4f5e9".into(),
            }],
        }
    }

    #[test]
    fn the_schema_lists_exactly_the_messages_and_every_sample_validates() {
        let board = BoardView {
            board: shared_board(),
            org_id: crate::platform::ids::OrgId::new(1).unwrap(),
            seq: 7,
            created_at: "2026-11-29T12:00:00Z".into(),
            join_code: Some("ABCDEFGHJK".into()),
            you: You { role: crate::boards::kinds::BoardRole::Facilitator, name: "Calm Otter".into(), votes_left: 5 },
        };
        let cards = vec![CardView {
            card: shared_card(Some(Tallies { likes: 1, votes: Some(2) })),
            mine: true,
            reactions: Some(MyReactions { liked: true, my_votes: 2 }),
            comments: Some(vec![CommentView { comment: shared_comment(), mine: false }]),
        }];
        let present = vec!["Calm Otter".to_string(), "+3".to_string()];
        let drag = DragAt { card: CardId::new(1).unwrap(), x: -40, y: 300 };
        let (card, moved, comment, b) =
            (shared_card(Some(Tallies { likes: 0, votes: None })), shared_card(None), shared_comment(), shared_board());
        let samples = [
            ServerMessage::Hello { seq: 7, board: &board, cards: &cards, present: &present },
            ServerMessage::Resume { from: 3, present: &present },
            ServerMessage::Presence { present: &present },
            ServerMessage::Card {
                seq: 8,
                card: &card,
                you: CardYou { mine: false, reactions: Some(MyReactions { liked: false, my_votes: 0 }) },
            },
            ServerMessage::Card { seq: 9, card: &moved, you: CardYou { mine: true, reactions: None } },
            ServerMessage::CardDeleted { seq: 10, id: &card.id },
            ServerMessage::Comment { seq: 11, card_id: &card.id, comment: &comment, you: CommentYou { mine: true } },
            ServerMessage::CommentDeleted { seq: 12, card_id: &card.id, id: &comment.id },
            ServerMessage::Board { seq: 13, board: &b },
            ServerMessage::Resync { seq: i64::MAX },
            ServerMessage::Pointer { from: 3, name: Some("Ada L."), x: -20, y: 340, drag: Some(&drag) },
            ServerMessage::Pointer { from: 4, name: None, x: 0, y: 0, drag: None },
            ServerMessage::Pong,
            ServerMessage::Ack { req: 4, version: 2 },
            ServerMessage::Error { req: Some(4), error: ErrorBody { code: ErrorCode::NotFound, message: "not found", detail: None } },
            ServerMessage::Error {
                req: None,
                error: ErrorBody { code: ErrorCode::InvalidBody, message: "not what this socket takes", detail: Some("messages are JSON") },
            },
        ];
        let server = validator(Some("server_message"));
        let client = validator(Some("client_message"));
        let mut seen = [false; SERVER_VARIANTS];
        let mut types = Vec::new();
        for m in &samples {
            seen[variant(m)] = true;
            let v: Value = serde_json::from_slice(&m.frame()).unwrap();
            let errors: Vec<String> = server.iter_errors(&v).map(|e| format!("{e} at {}", e.instance_path)).collect();
            assert!(errors.is_empty(), "{} does not validate: {errors:?}\n{v}", m.type_name());
            assert!(!client.is_valid(&v), "{} is a server message only", m.type_name());
            assert_eq!(v["type"], m.type_name());
            types.push(m.type_name().to_string());
        }
        assert!(seen.iter().all(|s| *s), "a sample of every server message: {seen:?}");
        types.sort();
        types.dedup();
        assert_eq!(types, schema_types("server_message"), "the schema lists exactly the server messages");

        let clients = [
            r#"{"type":"ping"}"#,
            r#"{"type":"patch","req":1,"card":"0192f0c4-7a3b-7c1e-9a2b-1234567890ab","patch":{"x":10,"category":null}}"#,
            r#"{"type":"pointer","x":-12,"y":400}"#,
            r#"{"type":"pointer","x":100000,"y":5,"drag":{"card":"0192f0c4-7a3b-7c1e-9a2b-1234567890ab","x":-100000,"y":7}}"#,
        ];
        let mut seen = [false; CLIENT_VARIANTS];
        let mut types = Vec::new();
        for text in clients {
            let m = ClientMessage::parse(text).unwrap();
            seen[client_variant(&m)] = true;
            let v: Value = serde_json::from_str(text).unwrap();
            assert!(client.is_valid(&v) && !server.is_valid(&v), "{text}");
            types.push(m.type_name().to_string());
        }
        assert!(seen.iter().all(|s| *s), "a sample of every client message");
        types.sort();
        types.dedup();
        assert_eq!(types, schema_types("client_message"), "the schema lists exactly the client messages");
    }

    /// The error frame's codes are the catalogue's, no more and no fewer (the same enum as the
    /// OpenAPI document's `Error` schema).
    #[test]
    fn the_error_frame_lists_exactly_the_catalogue_codes() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let listed: Vec<&str> = schema["$defs"]["error"]["properties"]["error"]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let catalogue: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, catalogue);
        let any = validator(None);
        assert!(!any.is_valid(&json!({ "type": "error", "error": { "code": "made_up", "message": "x" } })));
    }

    #[test]
    fn frames_outside_the_protocol_are_refused_by_the_schema_and_the_parser() {
        let any = validator(None);
        let card =
            serde_json::to_value(ServerMessage::Card { seq: 1, card: &shared_card(None), you: CardYou { mine: false, reactions: None } })
                .unwrap();
        assert!(any.is_valid(&card));
        for bad in [
            json!({ "type": "shout" }),
            json!({ "type": "card", "seq": 1, "card": card["card"], "you": { "mine": false }, "extra": 1 }),
            json!({ "type": "card", "seq": 1, "card": card["card"], "you": { "mine": false, "liked": true } }),
            json!({ "type": "resync" }),
            json!({ "type": "hello", "seq": 1 }),
        ] {
            assert!(!any.is_valid(&bad), "{bad}");
        }
        let client = validator(Some("client_message"));
        for bad in [
            r#"{"type":"shout"}"#,
            r#"{"type":"ping","extra":1}"#,
            r#"{"type":"patch","req":1,"card":"0192f0c4-7a3b-7c1e-9a2b-1234567890ab","patch":{"x":1},"extra":1}"#,
            r#"{"type":"patch","req":1,"card":"not-a-uuid","patch":{"x":1}}"#,
            r#"{"type":"patch","card":"0192f0c4-7a3b-7c1e-9a2b-1234567890ab","patch":{"x":1}}"#,
            r#"{"type":"patch","req":2,"card":"0192f0c4-7a3b-7c1e-9a2b-1234567890ab","patch":{"z":1}}"#,
            r#"{"type":"pointer","x":1}"#,
            r#"{"type":"pointer","x":1,"y":2,"name":"Ada"}"#,
            r#"{"type":"pointer","x":100001,"y":2}"#,
            r#"{"type":"pointer","x":1.5,"y":2}"#,
            r#"{"type":"pointer","x":1,"y":2,"drag":{"card":"not-a-uuid","x":1,"y":2}}"#,
            r#"{"type":"pointer","x":1,"y":2,"drag":{"card":"0192f0c4-7a3b-7c1e-9a2b-1234567890ab","x":1}}"#,
            r#"{"type":"pointer","x":1,"y":2,"drag":{"card":"0192f0c4-7a3b-7c1e-9a2b-1234567890ab","x":1,"y":-100001}}"#,
            r#"{"type":"pointer","x":1,"y":2,"drag":{"card":"0192f0c4-7a3b-7c1e-9a2b-1234567890ab","x":1,"y":2,"from":3}}"#,
            "not json",
        ] {
            let parsed = ClientMessage::parse(bad);
            assert!(parsed.is_err(), "the server refuses {bad}");
            if let Ok(v) = serde_json::from_str::<Value>(bad) {
                assert!(!client.is_valid(&v), "the schema refuses {bad}");
            }
        }
        assert_eq!(
            ClientMessage::parse(r#"{"type":"patch","req":2,"card":"x","patch":{}}"#).err().map(|e| e.0),
            Some(Some(2)),
            "errors name the req"
        );
    }
}
