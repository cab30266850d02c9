//! Real-time fan-out of board changes (one room per open board).
//!
//! Server-authoritative: every change is applied in the store first, where it gets the
//! board's next sequence number; the room then publishes it in sequence order. Each event is
//! serialised once; a connection adds only what is personal to it (is it mine, did I like
//! it, how many of my votes). Pending cards (controlled mode) reach only facilitators and their
//! author. A bounded ring of recent events lets a reconnecting client replay from the last
//! sequence it saw; older gaps get a fresh snapshot. Rooms live in this process: several
//! server nodes would need a bus between them (LISTEN/NOTIFY), which is not built yet.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::platform::ids::{BoardId, CardId, CommentId, SubjectId};

/// How many recent events a room keeps for replay.
pub const RING: usize = 1024;

/// What changed.
#[derive(Debug, Clone)]
pub enum Change {
    /// A card was created or changed. `json` is the card without viewer-specific fields.
    Card {
        json: Arc<str>,
        author: SubjectId,
        pending: bool,
        likers: Vec<SubjectId>,
        voters: Vec<(SubjectId, i64)>,
    },
    CardDeleted {
        id: CardId,
    },
    /// A comment was added; `json` has no viewer-specific fields.
    Comment {
        card_id: CardId,
        json: Arc<str>,
        author: SubjectId,
        card_author: SubjectId,
        card_pending: bool,
    },
    CommentDeleted {
        card_id: CardId,
        id: CommentId,
    },
    /// Title, legend or settings changed.
    Board {
        json: Arc<str>,
    },
    /// Many things changed (an erasure): clients should reload.
    Resync,
}

/// A sequenced change.
#[derive(Debug)]
pub struct Event {
    pub seq: i64,
    pub change: Change,
    /// The message most viewers get (nothing personal in it), serialised once and shared.
    common: std::sync::OnceLock<Option<bytes::Bytes>>,
}

impl Event {
    pub fn new(seq: i64, change: Change) -> Self {
        Self { seq, change, common: std::sync::OnceLock::new() }
    }
}

/// Who a connection is.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub subject: SubjectId,
    pub facilitator: bool,
}

fn b(x: bool) -> &'static str {
    if x { "true" } else { "false" }
}

impl Event {
    /// Whether this viewer gets the common message (nothing personal differs for them).
    fn is_common_for(&self, v: &Viewer) -> bool {
        match &self.change {
            Change::Card { author, pending, likers, voters, .. } => {
                !*pending && *author != v.subject && !likers.contains(&v.subject) && !voters.iter().any(|(s, _)| *s == v.subject)
            }
            Change::Comment { author, card_pending, .. } => !*card_pending && *author != v.subject,
            _ => true,
        }
    }

    /// The JSON message for one viewer, or `None` if they may not see it. Most viewers share
    /// one serialised message.
    pub fn render(&self, v: &Viewer) -> Option<bytes::Bytes> {
        if self.is_common_for(v) {
            return self
                .common
                .get_or_init(|| {
                    self.render_for(&Viewer { subject: crate::platform::ids::SubjectId::from_stored(String::new()), facilitator: false })
                        .map(bytes::Bytes::from)
                })
                .clone();
        }
        self.render_for(v).map(bytes::Bytes::from)
    }

    fn render_for(&self, v: &Viewer) -> Option<String> {
        let seq = self.seq;
        match &self.change {
            Change::Card { json, author, pending, likers, voters } => {
                let mine = *author == v.subject;
                if *pending && !(mine || v.facilitator) {
                    return None;
                }
                let liked = likers.contains(&v.subject);
                let my_votes = voters.iter().find(|(s, _)| *s == v.subject).map_or(0, |(_, n)| *n);
                Some(format!(
                    r#"{{"type":"card","seq":{seq},"card":{json},"you":{{"mine":{},"liked":{},"my_votes":{my_votes}}}}}"#,
                    b(mine),
                    b(liked)
                ))
            }
            Change::CardDeleted { id } => Some(format!(r#"{{"type":"card_deleted","seq":{seq},"id":"{id}"}}"#)),
            Change::Comment { card_id, json, author, card_author, card_pending } => {
                if *card_pending && !(*card_author == v.subject || v.facilitator) {
                    return None;
                }
                Some(format!(
                    r#"{{"type":"comment","seq":{seq},"card_id":"{card_id}","comment":{json},"you":{{"mine":{}}}}}"#,
                    b(*author == v.subject)
                ))
            }
            Change::CommentDeleted { card_id, id } => {
                Some(format!(r#"{{"type":"comment_deleted","seq":{seq},"card_id":"{card_id}","id":"{id}"}}"#))
            }
            Change::Board { json } => Some(format!(r#"{{"type":"board","seq":{seq},"board":{json}}}"#)),
            Change::Resync => Some(format!(r#"{{"type":"resync","seq":{seq}}}"#)),
        }
    }
}

/// What a room sends: sequenced events, and presence lists (not sequenced).
#[derive(Debug, Clone)]
pub enum Message {
    Event(Arc<Event>),
    Presence(Arc<Vec<String>>),
}

#[derive(Debug, Default)]
struct Order {
    next: Option<i64>,
    pending: BTreeMap<i64, Arc<Event>>,
}

/// Presence lists name at most this many people (with the total beside).
pub const PRESENCE_NAMES: usize = 50;
/// Presence changes are announced at most this often: with many people joining at once, one
/// list per interval instead of one per join (which would be quadratic).
pub const PRESENCE_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// One open board.
#[derive(Debug)]
pub struct Room {
    tx: broadcast::Sender<Message>,
    ring: Mutex<VecDeque<Arc<Event>>>,
    order: Mutex<Order>,
    presence: Mutex<BTreeMap<u64, String>>,
    presence_dirty: std::sync::atomic::AtomicBool,
    presence_task: std::sync::atomic::AtomicBool,
}

impl Room {
    fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            tx,
            ring: Mutex::new(VecDeque::with_capacity(RING)),
            order: Mutex::new(Order::default()),
            presence: Mutex::new(BTreeMap::new()),
            presence_dirty: std::sync::atomic::AtomicBool::new(false),
            presence_task: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Marks presence changed; a single task per room announces it, at most every
    /// [`PRESENCE_EVERY`], and ends once nobody is left.
    fn presence_changed(self: &Arc<Self>) {
        self.presence_dirty.store(true, Ordering::Release);
        if self.presence_task.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            self.presence_task.store(false, Ordering::Release);
            return;
        };
        let room = Arc::downgrade(self);
        handle.spawn(async move {
            loop {
                tokio::time::sleep(PRESENCE_EVERY).await;
                let Some(room) = room.upgrade() else { return };
                if room.presence_dirty.swap(false, Ordering::AcqRel) {
                    let _ = room.tx.send(Message::Presence(Arc::new(room.presence_list())));
                }
                if room.presence.lock().map(|p| p.is_empty()).unwrap_or(true) {
                    room.presence_task.store(false, Ordering::Release);
                    if room.presence_dirty.load(Ordering::Acquire) && !room.presence_task.swap(true, Ordering::AcqRel) {
                        continue;
                    }
                    return;
                }
            }
        });
    }

    fn emit(&self, e: Arc<Event>) {
        if let Ok(mut r) = self.ring.lock() {
            if r.len() == RING {
                r.pop_front();
            }
            r.push_back(e.clone());
        }
        let _ = self.tx.send(Message::Event(e));
    }

    /// Publishes in sequence order; a gap is waited for briefly by the caller's flush.
    fn publish(&self, e: Event) {
        let Ok(mut o) = self.order.lock() else { return };
        let next = *o.next.get_or_insert(e.seq);
        if e.seq < next {
            drop(o);
            self.emit(Arc::new(e));
            return;
        }
        o.pending.insert(e.seq, Arc::new(e));
        let mut n = next;
        while let Some(ev) = o.pending.remove(&n) {
            self.emit(ev);
            n += 1;
        }
        o.next = Some(n);
    }

    /// Emits whatever waits behind a gap that did not fill (a change that failed after taking
    /// its number cannot happen in one transaction, but another node's change could).
    fn flush_gap(&self) {
        let Ok(mut o) = self.order.lock() else { return };
        let pending = std::mem::take(&mut o.pending);
        if let Some((&last, _)) = pending.iter().next_back() {
            o.next = Some(last + 1);
        }
        drop(o);
        for (_, ev) in pending {
            self.emit(ev);
        }
    }

    fn has_gap(&self) -> bool {
        self.order.lock().is_ok_and(|o| !o.pending.is_empty())
    }

    /// Events after `since`, if the ring still holds all of them.
    pub fn replay(&self, since: i64) -> Option<Vec<Arc<Event>>> {
        let r = self.ring.lock().ok()?;
        let first = r.front().map(|e| e.seq)?;
        if since + 1 < first {
            return None;
        }
        Some(r.iter().filter(|e| e.seq > since).cloned().collect())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Message> {
        self.tx.subscribe()
    }

    /// Who is here: at most [`PRESENCE_NAMES`] names, then "+N".
    fn presence_list(&self) -> Vec<String> {
        let Ok(p) = self.presence.lock() else { return Vec::new() };
        let mut names: Vec<String> = p.values().take(PRESENCE_NAMES).cloned().collect();
        if p.len() > PRESENCE_NAMES {
            names.push(format!("+{}", p.len() - PRESENCE_NAMES));
        }
        names
    }

    /// Marks a connection present under a pseudonym; returns its presence ticket.
    pub fn join(self: &Arc<Self>, pseudonym: String) -> Presence {
        let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut p) = self.presence.lock() {
            p.insert(id, pseudonym);
        }
        self.presence_changed();
        Presence { room: self.clone(), id }
    }

    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// A connection's presence in a room; leaving is announced when it is dropped.
#[derive(Debug)]
pub struct Presence {
    room: Arc<Room>,
    id: u64,
}

impl Presence {
    pub fn list(&self) -> Vec<String> {
        self.room.presence_list()
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        if let Ok(mut p) = self.room.presence.lock() {
            p.remove(&self.id);
        }
        self.room.presence_changed();
    }
}

/// All rooms of this process.
#[derive(Debug, Default)]
pub struct Hub {
    rooms: Mutex<HashMap<BoardId, Arc<Room>>>,
}

impl Hub {
    pub fn room(&self, board: &BoardId) -> Arc<Room> {
        let Ok(mut rooms) = self.rooms.lock() else {
            return Arc::new(Room::new());
        };
        // Forget rooms nobody listens to (their ring is only useful to reconnecting clients,
        // which fall back to a snapshot).
        if rooms.len() > 256 {
            rooms.retain(|_, r| r.subscribers() > 0);
        }
        rooms.entry(board.clone()).or_insert_with(|| Arc::new(Room::new())).clone()
    }

    /// Publishes a change that the store numbered `seq`.
    pub fn publish(&self, board: &BoardId, seq: i64, change: Change) {
        let room = self.room(board);
        room.publish(Event::new(seq, change));
        if room.has_gap() {
            let r = room.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                if r.has_gap() {
                    r.flush_gap();
                }
            });
        }
    }

    /// Drops every room (after an erasure, so no ring keeps erased content in memory).
    pub fn forget(&self, board: &BoardId) {
        if let Ok(mut rooms) = self.rooms.lock()
            && let Some(r) = rooms.remove(board)
        {
            let _ = r.tx.send(Message::Event(Arc::new(Event::new(i64::MAX, Change::Resync))));
        }
    }
}

/// A friendly pseudonym derived from who someone is on one board (presence shows only this).
pub fn presence_name(subject: &SubjectId, board: &BoardId) -> String {
    use sha2::{Digest, Sha256};
    const ADJ: &[&str] = &["Blue", "Calm", "Bright", "Swift", "Kind", "Bold", "Quiet", "Warm", "Clever", "Sunny", "Brave", "Gentle"];
    const ANIMAL: &[&str] = &["Otter", "Heron", "Fox", "Lynx", "Puffin", "Badger", "Falcon", "Seal", "Koala", "Ibex", "Marten", "Wren"];
    let h = Sha256::digest(format!("{subject}/{board}").as_bytes());
    format!("{} {}", ADJ[h[0] as usize % ADJ.len()], ANIMAL[h[1] as usize % ANIMAL.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(seq: i64, author: &SubjectId, pending: bool) -> Event {
        Event::new(seq, Change::Card { json: Arc::from("{\"id\":\"c\"}"), author: author.clone(), pending, likers: vec![], voters: vec![] })
    }

    #[tokio::test]
    async fn events_are_published_in_sequence_order_and_replayable() {
        let hub = Hub::default();
        let board = BoardId::new(1).unwrap();
        let room = hub.room(&board);
        let mut rx = room.subscribe();
        let a = SubjectId::new(1).unwrap();
        hub.publish(&board, 5, card(5, &a, false).change);
        hub.publish(&board, 7, card(7, &a, false).change);
        hub.publish(&board, 6, card(6, &a, false).change);
        let mut seen = vec![];
        for _ in 0..3 {
            if let Ok(Message::Event(e)) = rx.recv().await {
                seen.push(e.seq);
            }
        }
        assert_eq!(seen, vec![5, 6, 7]);
        assert_eq!(room.replay(5).map(|v| v.iter().map(|e| e.seq).collect::<Vec<_>>()), Some(vec![6, 7]));
        assert!(room.replay(1).is_none(), "too old: snapshot needed");
    }

    #[test]
    fn pending_cards_reach_only_their_author_and_facilitators() {
        let a = SubjectId::new(1).unwrap();
        let b = SubjectId::new(2).unwrap();
        let e = card(1, &a, true);
        assert!(e.render(&Viewer { subject: b.clone(), facilitator: false }).is_none());
        let text = |b: bytes::Bytes| String::from_utf8(b.to_vec()).unwrap();
        assert!(e.render(&Viewer { subject: b.clone(), facilitator: true }).map(text).is_some_and(|s| s.contains("\"mine\":false")));
        assert!(e.render(&Viewer { subject: a.clone(), facilitator: false }).map(text).is_some_and(|s| s.contains("\"mine\":true")));
        // Published: one shared message for everyone but the author.
        let p = card(2, &a, false);
        let x = p.render(&Viewer { subject: b.clone(), facilitator: false }).unwrap();
        let y = p.render(&Viewer { subject: SubjectId::new(3).unwrap(), facilitator: true }).unwrap();
        assert_eq!(x.as_ptr(), y.as_ptr(), "shared, not copied");
        assert!(text(p.render(&Viewer { subject: a, facilitator: false }).unwrap()).contains("\"mine\":true"));
    }
}
