//! Boards (C-DATA-1, C-RET-1): organisations, boards of idea cards (text, link, image,
//! video), likes, dot votes, comments, facilitation (lock, controlled mode, anonymous mode),
//! participants who join by code without an account (and come back with their recovery code), and real-time fan-out over one typed
//! socket protocol (`protocol`, `docs/protocol.md`).
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
//!
//! Boards can start from a template (`templates`: retrospective, SWOT, brainstorm, lean coffee)
//! that gives them zones (`layout`, `zones`: named areas behind the cards; a card belongs to
//! the zone its anchor point lies in, nothing is stored on the card) and categories; a board
//! is exported as JSON and CSV (`facilitation`) or drawn as PNG and PDF (`pictures`, from the
//! `scene` that `raster` and `print` draw).
//!
//! This file only re-exports; the files below name each other directly and never this one.

pub mod access;
pub mod board;
pub mod cards;
pub mod contributions;
pub mod default_legend;
pub mod departure;
pub mod erasure;
pub mod events;
pub mod facilitation;
pub mod history;
pub mod input;
pub mod kinds;
pub mod layout;
pub mod locations;
pub mod orgs;
pub mod participants;
pub mod pictures;
pub mod print;
pub mod protocol;
pub mod raster;
pub mod reactions;
pub mod realtime;
pub mod recovery;
pub mod relay;
pub mod scene;
pub mod sealing;
pub mod service;
pub mod shapes;
pub mod templates;
pub mod timer;
pub mod undo;
pub mod views;
pub mod zones;

pub use access::Access;
pub use input::{
    BoardPatch, CARD_TEXT_MAX, COMMENT_MAX, CardPatch, IMAGE_MAX_BYTES, LegendEntry, NewCard, TITLE_MAX, TimerAction, TimerRequest,
    VIDEO_MAX_BYTES, clean_url,
};
pub use kinds::{BoardMode, BoardRole, CardKind, CardStatus, InvitationStatus, OrgRole};
pub use layout::{NewZone, Zone, ZonePatch};
pub use realtime::presence_name;
pub use service::Boards;
pub use shapes::{BoardShared, BoardView, CardShared, CardView, CommentShared, CommentView, RankedCard, TimerView};
pub use templates::{Template, TemplateInfo};
pub use views::{BoardSummary, InvitationView, MemberView, NewInvitation, OrgView};
