//! Boards on the web: the boards API (organisations, invitations, boards, cards, reactions,
//! comments, media, joining by code, export), the board WebSocket, the board pages, and
//! participants coming back with their recovery code (`recovery`), and the workshop parts
//! (`workshop_api`: templates, zones, the PNG and PDF exports).
//! Handlers parse, call `cb.boards()`, and render; who may do what is decided by core.

pub mod api;
pub mod history;
pub mod pages;
pub mod paths;
pub mod recovery;
pub mod sockets;
pub mod upgrade;
pub mod workshop_api;
pub mod ws;
