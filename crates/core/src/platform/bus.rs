//! The bus between server nodes (issue 20): small typed notices, never content.
//!
//! A notice carries opaque ids and sequence numbers only: "board B reached sequence S", "forget
//! board B's ring", "subject X was erased", "subject X's sessions ended", "a policy version was
//! recorded". A node that receives one reads whatever it needs from the store (the board's
//! change log, the sessions table), so nothing personal ever crosses the bus, and a lost notice
//! costs a delay (the next notice, or the relay's sweep within a second, reads the store again), never a wrong answer.
//!
//! Adapters: [`LocalBus`] (one node: nothing leaves the process, zero cost) here, and
//! PostgreSQL `LISTEN/NOTIFY` in `clearboard-store` (`bus_url = "postgres"`, the default of
//! `cluster = true`), and core NATS in `clearboard` (`bus_url = "nats://…"`, `app/src/nats.rs`).

use tokio::sync::broadcast;

use crate::platform::ids::{BoardId, SubjectId};

/// One notice between nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A board's change was committed with this sequence number (read it from the store).
    Board { board: BoardId, seq: i64 },
    /// Drop the board's room and ring (deleted, or erased content was on it).
    ForgetBoard { board: BoardId },
    /// A subject's key was destroyed: drop whatever is held in memory about them.
    Erased { subject: SubjectId },
    /// A subject's sessions ended (sign-out everywhere, revocation): sockets check again now.
    SessionsEnded { subject: SubjectId },
    /// A policy version was recorded: acknowledgements are looked up again.
    PolicyRecorded,
    /// This node's link to the bus was broken and is back: notices may have been lost.
    Reconnected,
}

/// The longest encoded notice (PostgreSQL's NOTIFY takes 8000 bytes; ids are far shorter).
pub const MAX_NOTICE: usize = 512;

impl Notice {
    /// The wire form: `<node>|<kind>|<ids…>`, text, ids only.
    pub fn encode(&self, node: &str) -> String {
        match self {
            Notice::Board { board, seq } => format!("{node}|b|{board}|{seq}"),
            Notice::ForgetBoard { board } => format!("{node}|f|{board}"),
            Notice::Erased { subject } => format!("{node}|e|{subject}"),
            Notice::SessionsEnded { subject } => format!("{node}|s|{subject}"),
            Notice::PolicyRecorded => format!("{node}|p"),
            Notice::Reconnected => format!("{node}|r"),
        }
    }

    /// The sending node and the notice, or `None` for anything malformed (ignored).
    pub fn decode(text: &str) -> Option<(&str, Notice)> {
        if text.len() > MAX_NOTICE {
            return None;
        }
        let mut parts = text.split('|');
        let node = parts.next()?;
        let kind = parts.next()?;
        let a = parts.next();
        let b = parts.next();
        if parts.next().is_some() {
            return None;
        }
        // Ids are canonical UUID text (anything else is refused, nothing is smuggled).
        let n = match (kind, a, b) {
            ("b", Some(a), Some(seq)) => Notice::Board { board: BoardId::parse(a)?, seq: seq.parse().ok()? },
            ("f", Some(a), None) => Notice::ForgetBoard { board: BoardId::parse(a)? },
            ("e", Some(a), None) => Notice::Erased { subject: SubjectId::parse(a)? },
            ("s", Some(a), None) => Notice::SessionsEnded { subject: SubjectId::parse(a)? },
            ("p", None, None) => Notice::PolicyRecorded,
            ("r", None, None) => Notice::Reconnected,
            _ => return None,
        };
        Some((node, n))
    }
}

/// The port: publish a notice to the other nodes; receive theirs.
pub trait Bus: Send + Sync + std::fmt::Debug {
    /// Sends a notice to every other node (fire and forget: a lost notice is repaired by the
    /// store, see the module's doc).
    fn publish(&self, notice: Notice);
    /// The notices of the other nodes (never this node's own).
    fn subscribe(&self) -> broadcast::Receiver<Notice>;
    /// Whether other nodes may exist (false: a single node, the receiving task is not needed).
    fn clustered(&self) -> bool;
}

/// One node: notices go nowhere (today's behaviour, zero cost).
#[derive(Debug)]
pub struct LocalBus {
    tx: broadcast::Sender<Notice>,
}

impl Default for LocalBus {
    fn default() -> Self {
        Self { tx: broadcast::channel(1).0 }
    }
}

impl Bus for LocalBus {
    fn publish(&self, _notice: Notice) {}

    fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.tx.subscribe()
    }

    fn clustered(&self) -> bool {
        false
    }
}

/// A random name for this node (tells its own notices apart; nothing about the machine).
pub fn node_name() -> String {
    // The system's randomness does not fail in practice; if it did, a fixed name still works
    // for one node (it only tells its own notices apart).
    hex::encode(clearboard_vault::random::bytes::<8>().unwrap_or([0x42; 8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_carry_ids_only_and_refuse_anything_else() {
        let board = BoardId::new(7).unwrap();
        let subject = SubjectId::new(9).unwrap();
        let s = subject.to_string();
        for n in [
            Notice::Board { board: board.clone(), seq: 42 },
            Notice::ForgetBoard { board: board.clone() },
            Notice::Erased { subject: subject.clone() },
            Notice::SessionsEnded { subject },
            Notice::PolicyRecorded,
            Notice::Reconnected,
        ] {
            let text = n.encode("n1");
            assert_eq!(Notice::decode(&text), Some(("n1", n)), "{text}");
        }
        for bad in ["", "n1", "n1|b|x", "n1|b|x|y", "n1|e|a b", "n1|e|<script>", "n1|p|x", "n1|z", "n1|f|a|b|c"] {
            assert!(Notice::decode(bad).is_none(), "{bad}");
        }
        assert!(Notice::decode(&format!("n1|b|{s}|x")).is_none(), "a sequence is a number");
        assert!(Notice::decode(&format!("n1|e|{s}|{s}")).is_none());
        assert!(Notice::decode(&format!("n1|e|{}", "a".repeat(600))).is_none());
    }
}
