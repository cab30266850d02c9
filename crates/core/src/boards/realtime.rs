//! Real-time fan-out of board changes (one room per open board).
//!
//! Server-authoritative: every change is applied in the store first, where it gets the
//! board's next sequence number; the room then publishes it in sequence order (`events` says
//! what each viewer gets of it, `protocol` how it is framed). A bounded ring of recent events
//! lets a reconnecting client replay from the last sequence it saw; older gaps get a fresh
//! snapshot. Presence lists are framed once per announcement.
//!
//! Several nodes (issue 20): each node's rooms serve its own sockets. A node that commits a
//! change publishes "board B reached sequence S" on the bus (`platform::bus`, ids only); a node
//! whose room of B has subscribers reads the changes after its last sequence from the store's
//! change log (`boards::relay`) and publishes them here, in order, like its own. A gap that does
//! not fill (a lost notice) asks for the same catch-up. Presence and live pointers stay
//! node-local in this slice: people see who is on their own node.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::boards::events::{Change, Event};
use crate::boards::protocol::{Frame, ServerMessage};
use crate::platform::bus::{Bus, Notice};
use crate::platform::ids::{BoardId, SubjectId};

/// How many recent events a room keeps for replay.
pub const RING: usize = 1024;

/// What a room sends: sequenced events, presence lists (not sequenced, already framed), and
/// live pointers (framed once by the sender's connection, `from`, which does not get its own).
#[derive(Debug, Clone)]
pub enum Message {
    Event(Arc<Event>),
    Presence(Frame),
    Live {
        from: u64,
        frame: Frame,
    },
    /// This person's sessions ended on some node: their sockets check their access now.
    Recheck(SubjectId),
    /// This node is draining (SIGTERM): every socket closes with "reconnect elsewhere".
    Drain,
}

/// Live pointers one person may send through a room: this many a second, sustained…
pub const LIVE_PER_SECOND: f64 = 20.0;
/// …after at most this many at once (a little slack for a network that bunches frames).
pub const LIVE_BURST: f64 = 5.0;

/// One person's budget of live pointers (a token bucket, in measured time).
#[derive(Debug, Clone, Copy)]
struct LiveBudget {
    tokens: f64,
    last: tokio::time::Instant,
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
    live: Mutex<HashMap<SubjectId, LiveBudget>>,
    /// Held while this room catches up from the store (one catch-up at a time).
    pub(crate) catching: tokio::sync::Mutex<()>,
    /// What each person did here, to undo and redo it (`history`): goes with the room.
    pub history: crate::boards::history::Histories,
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
            live: Mutex::new(HashMap::new()),
            catching: tokio::sync::Mutex::new(()),
            history: crate::boards::history::Histories::default(),
        }
    }

    /// The last sequence this room published (`None`: none yet, and no socket said where it is).
    pub fn last(&self) -> Option<i64> {
        self.order.lock().ok().and_then(|o| o.next).map(|n| n - 1)
    }

    /// A socket starts at `seq` (its snapshot or replay): a room that has published nothing
    /// yet continues from there (what another node commits after it is read from the store).
    pub fn observe(&self, seq: i64) {
        if let Ok(mut o) = self.order.lock()
            && o.next.is_none()
        {
            o.next = Some(seq + 1);
        }
    }

    /// A sequence number that changed nothing anyone sees (a new join code): the order moves past it.
    pub(crate) fn skip(&self, seq: i64) {
        let Ok(mut o) = self.order.lock() else { return };
        if o.next != Some(seq) {
            return;
        }
        let mut n = seq + 1;
        let mut ready = Vec::new();
        while let Some(ev) = o.pending.remove(&n) {
            ready.push(ev);
            n += 1;
        }
        o.next = Some(n);
        drop(o);
        for ev in ready {
            self.emit(ev);
        }
    }

    /// Whether `who` may send one more live pointer at `now`: at most [`LIVE_PER_SECOND`] a
    /// second per person, whatever number of sockets they have open (after a burst of
    /// [`LIVE_BURST`]). What comes faster is dropped, never stored or queued.
    pub fn live_allowed(&self, who: &SubjectId, now: tokio::time::Instant) -> bool {
        let Ok(mut m) = self.live.lock() else { return false };
        if m.len() > 4096 {
            // Forget people whose bucket is full again (idle for a while).
            m.retain(|_, b| now.saturating_duration_since(b.last).as_secs_f64() * LIVE_PER_SECOND < LIVE_BURST);
        }
        let b = m.entry(who.clone()).or_insert(LiveBudget { tokens: LIVE_BURST, last: now });
        b.tokens = (b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * LIVE_PER_SECOND).min(LIVE_BURST);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Passes a live pointer (already framed) to every other connection of the room.
    pub fn live(&self, from: u64, frame: Frame) {
        let _ = self.tx.send(Message::Live { from, frame });
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
                    let present = room.presence_list();
                    let _ = room.tx.send(Message::Presence(ServerMessage::Presence { present: &present }.frame()));
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

    /// Publishes in sequence order; a gap is waited for briefly by the caller's flush. An
    /// event already published (read again from the store by a catch-up) is dropped.
    pub(crate) fn publish(&self, e: Event) {
        let Ok(mut o) = self.order.lock() else { return };
        let next = *o.next.get_or_insert(e.seq);
        if e.seq < next {
            drop(o);
            if self.ring.lock().is_ok_and(|r| r.iter().any(|x| x.seq == e.seq)) {
                return;
            }
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

    /// Emits what waits behind a gap up to `upto`, the highest number the store was read up
    /// to (a number below it that the store does not hold will never come), then whatever
    /// follows it without a gap. What waits beyond `upto` stays: it was committed after the
    /// read, and so may the numbers missing before it (a change of this node published while
    /// another node's earlier one was still being read).
    pub(crate) fn flush_gap(&self, upto: i64) {
        let Ok(mut o) = self.order.lock() else { return };
        let later = o.pending.split_off(&upto.saturating_add(1));
        let mut ready: Vec<Arc<Event>> = std::mem::replace(&mut o.pending, later).into_values().collect();
        if let (Some(next), Some(last)) = (o.next, ready.last().map(|e| e.seq)) {
            let mut n = next.max(last + 1);
            while let Some(ev) = o.pending.remove(&n) {
                ready.push(ev);
                n += 1;
            }
            o.next = Some(n);
        }
        drop(o);
        for ev in ready {
            self.emit(ev);
        }
    }

    pub(crate) fn has_gap(&self) -> bool {
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
    /// This connection's number in the room (`from` in `pointer` frames): nothing about the
    /// person, and another one on every connection.
    pub fn id(&self) -> u64 {
        self.id
    }

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
    /// The bus to the other nodes (none: one node).
    bus: std::sync::OnceLock<Arc<dyn Bus>>,
    /// Where a gap that did not fill is reported (the relay catches the room up from the store).
    gaps: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<BoardId>>,
    draining: std::sync::atomic::AtomicBool,
}

impl Hub {
    /// Connects the hub to the bus (once, when the domain starts).
    pub(crate) fn set_bus(&self, bus: Arc<dyn Bus>, gaps: tokio::sync::mpsc::UnboundedSender<BoardId>) {
        let _ = self.bus.set(bus);
        let _ = self.gaps.set(gaps);
    }

    /// Tells the other nodes (no-op on one node).
    pub(crate) fn notify(&self, notice: Notice) {
        if let Some(b) = self.bus.get() {
            b.publish(notice);
        }
    }

    /// The room of a board if this node has one.
    pub(crate) fn existing(&self, board: &BoardId) -> Option<Arc<Room>> {
        self.rooms.lock().ok()?.get(board).cloned()
    }

    /// The room of a board if this node has one with someone listening.
    pub(crate) fn listened(&self, board: &BoardId) -> Option<Arc<Room>> {
        let rooms = self.rooms.lock().ok()?;
        rooms.get(board).filter(|r| r.subscribers() > 0).cloned()
    }

    /// The boards whose rooms have someone listening on this node.
    pub(crate) fn listened_boards(&self) -> Vec<BoardId> {
        self.rooms.lock().map(|r| r.iter().filter(|(_, r)| r.subscribers() > 0).map(|(b, _)| b.clone()).collect()).unwrap_or_default()
    }

    /// Closes every socket of this node with "reconnect elsewhere" (and every new one at once).
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Release);
        if let Ok(rooms) = self.rooms.lock() {
            for r in rooms.values() {
                let _ = r.tx.send(Message::Drain);
            }
        }
    }

    /// How many board sockets this node has open (each holds one receiver of its room).
    pub fn sockets(&self) -> usize {
        self.rooms.lock().map(|r| r.values().map(|r| r.subscribers()).sum()).unwrap_or(0)
    }

    /// Whether this node is draining.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Asks this person's sockets, in every room of this node, to check their access now.
    pub(crate) fn recheck(&self, subject: &SubjectId) {
        if let Ok(rooms) = self.rooms.lock() {
            for r in rooms.values() {
                let _ = r.tx.send(Message::Recheck(subject.clone()));
            }
        }
    }

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

    /// Publishes a change that the store numbered `seq`, here and (its number only) to the
    /// other nodes.
    pub fn publish(&self, board: &BoardId, seq: i64, change: Change) {
        self.notify(Notice::Board { board: board.clone(), seq });
        self.publish_here(board, seq, change);
    }

    /// Publishes a change to this node's room only (read from the store after another node's
    /// notice).
    pub(crate) fn publish_here(&self, board: &BoardId, seq: i64, change: Change) {
        let room = self.room(board);
        room.publish(Event::new(seq, change));
        self.watch_gap(board, &room);
    }

    /// A gap still open after a moment: the relay reads the store (another node's change whose
    /// notice is late or lost); without a relay, what waits behind it is published as is.
    pub(crate) fn watch_gap(&self, board: &BoardId, room: &Arc<Room>) {
        if !room.has_gap() {
            return;
        }
        let r = room.clone();
        let (board, gaps) = (board.clone(), self.gaps.get().cloned());
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            if r.has_gap() {
                match gaps {
                    Some(g) if g.send(board).is_ok() => {}
                    _ => r.flush_gap(i64::MAX),
                }
            }
        });
    }

    /// Forgets a person's undo history in every room, and others' steps holding their cards
    /// (their erasure).
    pub fn forget_subject(&self, subject: &SubjectId) {
        let rooms: Vec<Arc<Room>> = self.rooms.lock().map(|r| r.values().cloned().collect()).unwrap_or_default();
        for r in rooms {
            r.history.forget_subject(subject);
        }
    }

    /// Drops a board's room here and on every other node (after an erasure, so no ring keeps
    /// erased content in memory; after a deletion).
    pub fn forget(&self, board: &BoardId) {
        self.notify(Notice::ForgetBoard { board: board.clone() });
        self.forget_here(board);
    }

    /// Drops a board's room on this node.
    pub(crate) fn forget_here(&self, board: &BoardId) {
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
    use crate::boards::shapes::BoardShared;

    fn change(seq: i64) -> Change {
        let board = BoardId::new(seq).unwrap();
        Change::Board {
            board: BoardShared {
                id: board,
                title: "t".into(),
                legend: vec![],
                locked: false,
                controlled: false,
                anonymous: false,
                vote_tokens: 5,
                votes_hidden: false,
                timer: None,
                zones: vec![],
            },
        }
    }

    #[tokio::test]
    async fn events_are_published_in_sequence_order_and_replayable() {
        let hub = Hub::default();
        let board = BoardId::new(1).unwrap();
        let room = hub.room(&board);
        let mut rx = room.subscribe();
        hub.publish(&board, 5, change(5));
        hub.publish(&board, 7, change(7));
        hub.publish(&board, 6, change(6));
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

    /// A catch-up read the store up to 4; meanwhile this node published its own 6 (committed
    /// after another node's 5, which the read did not see). The flush after the read keeps 6
    /// waiting for 5 instead of skipping it (the loss the full cluster drill found); a number
    /// below the read that the store never held is skipped.
    #[tokio::test]
    async fn a_flush_after_a_read_never_skips_a_number_committed_after_it() {
        let room = Room::new();
        let mut rx = room.subscribe();
        room.observe(2);
        room.publish(Event::new(6, change(6)));
        room.publish(Event::new(3, change(3)));
        room.publish(Event::new(4, change(4)));
        room.flush_gap(4);
        assert!(room.has_gap(), "6 waits for 5");
        room.publish(Event::new(5, change(5)));
        let mut seen = vec![];
        while let Ok(Message::Event(e)) = rx.try_recv() {
            seen.push(e.seq);
        }
        assert_eq!(seen, vec![3, 4, 5, 6]);
        // 8 and 9 wait behind 7; the store was read up to 8 without 7: 8 goes, then 9.
        room.publish(Event::new(9, change(9)));
        room.publish(Event::new(8, change(8)));
        room.flush_gap(8);
        assert!(!room.has_gap());
        assert_eq!(room.last(), Some(9));
        // One node without a relay flushes whatever waits (the highest number there is).
        room.publish(Event::new(12, change(12)));
        room.flush_gap(i64::MAX);
        assert_eq!(room.last(), Some(12));
    }

    #[test]
    fn live_pointers_are_limited_to_twenty_a_second_per_person() {
        let room = Room::new();
        let (a, b) = (SubjectId::new(1).unwrap(), SubjectId::new(2).unwrap());
        let t0 = tokio::time::Instant::now();
        // A burst of 5, then nothing more at the same instant; someone else has their own.
        let burst = (0..50).filter(|_| room.live_allowed(&a, t0)).count();
        assert_eq!(burst, 5);
        assert!(room.live_allowed(&b, t0));
        // Sent every 10 ms (100 Hz) for 10 s: about 20 a second get through.
        let mut passed = 0;
        for i in 1..=1000u64 {
            if room.live_allowed(&a, t0 + std::time::Duration::from_millis(10 * i)) {
                passed += 1;
            }
        }
        assert!((199..=201).contains(&passed), "{passed} in 10 s");
        // Sent every 50 ms (20 Hz): nothing dropped.
        let t1 = t0 + std::time::Duration::from_secs(20);
        let steady = (0..200u64).filter(|i| room.live_allowed(&a, t1 + std::time::Duration::from_millis(50 * i))).count();
        assert_eq!(steady, 200);
    }
}
