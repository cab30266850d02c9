//! Board events across server nodes (issue 20): what the bus's notices make this node do.
//!
//! The bus says only "board B reached sequence S" (`platform::bus`). A node whose room of B has
//! someone listening reads the changes after its room's last sequence from the store's change
//! log (kinds and ids), rebuilds each event from the rows it names (decrypted here, like any
//! view) and publishes them in its room, in order. The same rebuilding serves a client that
//! reconnects to a node whose ring does not reach back to its last sequence. A change whose row
//! is gone since (deleted, erased) is told as its deletion; a log that no longer reaches back
//! (more than 1024 changes behind) gives a fresh snapshot, as before.

use std::sync::Arc;

use crate::boards::access::Access;
use crate::boards::events::{Change, Event};
use crate::boards::kinds::{BoardRole, CardStatus};
use crate::boards::realtime::{RING, Room};
use crate::boards::sealing::KeyCache;
use crate::boards::service::Boards;
use crate::boards::views;
use crate::platform::bus::{Bus, Notice};
use crate::platform::context::Clearboard;
use crate::platform::error::CoreError;
use crate::platform::ids::{BoardId, SubjectId};
use crate::platform::ports::ChangeRow;

/// How often each node's listened rooms ask the store whether a notice was lost (a node that
/// died between its commit and its notice): the longest a subscriber waits for such a change.
pub const SWEEP: std::time::Duration = std::time::Duration::from_secs(1);

impl Boards<'_> {
    /// The board's events after `since`, rebuilt from the store (`None`: the log does not
    /// reach back that far, or the board is gone; a snapshot is needed). An entry without a
    /// change is a sequence number that changed nothing anyone sees.
    pub async fn changes_since(&self, board: &BoardId, since: i64) -> Result<Option<Vec<(i64, Option<Change>)>>, CoreError> {
        let Some((_, region_id)) = self.cb.inner.locations.of(self.cb.directory(), board).await? else { return Ok(None) };
        let region = self.cb.region(&region_id)?.clone();
        let Some(row) = region.boards.board(board).await? else { return Ok(None) };
        let rows = region.boards.changes_after(board, since, RING as i64).await?;
        match rows.first() {
            None if row.seq <= since => return Ok(Some(Vec::new())),
            Some(first) if first.seq == since + 1 => {}
            _ => return Ok(None),
        }
        // Nobody in particular: what everyone the event is not personal to sees (events say
        // who they are personal to; each socket frames them for its own viewer).
        let a = Access { subject: SubjectId::from_stored(String::new()), region, board: row, role: BoardRole::Member, now: self.cb.now() };
        let mut keys = KeyCache::new(self.cb.keys(), &a.region);
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push((r.seq, rebuild(&a, &mut keys, r).await?));
        }
        Ok(Some(out))
    }

    /// Brings this node's room of `board` (if it has one) up to the store: the changes other
    /// nodes committed after the room's last sequence are published in it, in order. A socket
    /// that (re)connects with a sequence does this first, so that the ring it replays from
    /// holds every node's changes.
    pub async fn catch_up(&self, board: &BoardId) -> Result<(), CoreError> {
        let hub = &self.cb.inner.hub;
        let Some(room) = hub.existing(board) else { return Ok(()) };
        let _one = room.catching.lock().await;
        let Some(last) = room.last() else { return Ok(()) };
        match self.changes_since(board, last).await? {
            Some(events) => {
                // A `resync` is what an erasure (or a change of who may see authors) leaves:
                // the node that made it drops its room everywhere by a `ForgetBoard` notice,
                // which is lost if that node died right after its commit. Reading it here
                // does the same: the ring, which may hold erased content, goes, and every
                // socket starts again from the store (C-RET-2, issue 20 acceptance 3).
                let resync = events.iter().any(|(_, c)| matches!(c, Some(Change::Resync)));
                let upto = events.last().map(|(seq, _)| *seq);
                apply(&room, events);
                if resync {
                    hub.forget_here(board);
                    return Ok(());
                }
                if let Some(upto) = upto {
                    // A number up to `upto` the store does not hold (it cannot happen: the log
                    // is written with the change) would hold the room forever: what waits
                    // behind it is published.
                    room.flush_gap(upto);
                }
            }
            // Too far behind (or gone): every socket closes with `resync` and starts again.
            None => {
                hub.forget_here(board);
                return Ok(());
            }
        }
        // What waits beyond the read (this node's own change, committed after another node's
        // that the read did not see yet) waits for the next read: never skipped, or that other
        // change would be lost to this node's sockets (the full cluster drill saw it).
        hub.watch_gap(board, &room);
        Ok(())
    }
}

fn apply(room: &Arc<Room>, events: Vec<(i64, Option<Change>)>) {
    for (seq, change) in events {
        match change {
            Some(c) => room.publish(Event::new(seq, c)),
            None => room.skip(seq),
        }
    }
}

/// One logged change as an event, from the rows it names as they are now.
async fn rebuild(a: &Access, keys: &mut KeyCache<'_>, r: &ChangeRow) -> Result<Option<Change>, CoreError> {
    let boards = &a.region.boards;
    Ok(match (r.kind.as_str(), &r.card_id, &r.comment_id) {
        ("card", Some(id), _) => match boards.card(id).await?.filter(|c| c.board_id == a.board.id) {
            Some(card) => {
                let reactions = views::card_reactions(&card.id, &boards.reactions_of_card(&card.id).await?);
                match views::card_shared(a, keys, &card, None, Some(views::tallies(&reactions))).await {
                    Ok(shared) => Some(Change::Card {
                        card: Box::new(shared),
                        author: card.author_id.clone(),
                        pending: card.status == CardStatus::Pending,
                        reactions: Some(reactions),
                    }),
                    Err(CoreError::Erased) => Some(Change::CardDeleted { id: id.clone() }),
                    Err(e) => return Err(e),
                }
            }
            None => Some(Change::CardDeleted { id: id.clone() }),
        },
        ("card_deleted", Some(id), _) => Some(Change::CardDeleted { id: id.clone() }),
        ("comment", Some(card_id), Some(id)) => {
            let gone = Some(Change::CommentDeleted { card_id: card_id.clone(), id: id.clone() });
            let (Some(c), Some(card)) = (boards.comment(id).await?, boards.card(card_id).await?) else { return Ok(gone) };
            match views::comment_view(a, keys, &c, None).await {
                Ok(v) => Some(Change::Comment {
                    comment: v.comment,
                    author: c.author_id,
                    card_author: card.author_id,
                    card_pending: card.status == CardStatus::Pending,
                }),
                Err(CoreError::Erased) => gone,
                Err(e) => return Err(e),
            }
        }
        ("comment_deleted", Some(card_id), Some(id)) => Some(Change::CommentDeleted { card_id: card_id.clone(), id: id.clone() }),
        ("board", _, _) => Some(Change::Board { board: views::board_shared(keys, a).await? }),
        ("resync", _, _) => Some(Change::Resync),
        _ => None,
    })
}

impl Clearboard {
    /// Starts draining this node (SIGTERM): not ready any more, every board socket closed with
    /// code 4001 so that its client reconnects (through the proxy, to another node) and
    /// replays from its last sequence.
    pub fn drain(&self) {
        self.inner.hub.drain();
    }

    /// Whether this node is draining.
    pub fn draining(&self) -> bool {
        self.inner.hub.draining()
    }

    /// How many board sockets are open on this node (a drain waits for them to close).
    pub fn open_sockets(&self) -> usize {
        self.inner.hub.sockets()
    }

    /// Whether other nodes may exist (a clustered bus).
    pub fn clustered(&self) -> bool {
        self.inner.bus.clustered()
    }

    /// Starts acting on the other nodes' notices (a clustered bus only; one node needs
    /// nothing): catches rooms up, drops rings and acknowledgements, rechecks sockets. Runs
    /// until the bus closes.
    pub fn start_relay(&self) -> Option<tokio::task::JoinHandle<()>> {
        let bus: Arc<dyn Bus> = self.inner.bus.clone();
        if !bus.clustered() {
            return None;
        }
        let (gap_tx, mut gaps) = tokio::sync::mpsc::unbounded_channel();
        self.inner.hub.set_bus(bus.clone(), gap_tx);
        let mut rx = bus.subscribe();
        let cb = self.clone();
        // The sweep: a node that committed a change and died before its notice left the
        // other nodes' rooms one number short, and nothing else would tell them. Every
        // [`SWEEP`], each listened room asks the store whether it is behind (real time: the
        // bus's liveness, not the simulated clock of the product's rules).
        let mut sweep = tokio::time::interval(SWEEP);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let sweeping = Arc::new(std::sync::atomic::AtomicBool::new(false));
        Some(tokio::spawn(async move {
            loop {
                let notice = tokio::select! {
                    _ = sweep.tick() => {
                        cb.spawn_sweep(&sweeping);
                        continue;
                    }
                    n = rx.recv() => match n {
                        Ok(n) => n,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Notice::Reconnected,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    },
                    Some(board) = gaps.recv() => {
                        cb.spawn_catch_up(board);
                        continue;
                    }
                };
                cb.on_notice(notice);
            }
        }))
    }

    fn on_notice(&self, notice: Notice) {
        let hub = &self.inner.hub;
        match notice {
            Notice::Board { board, seq } => {
                if hub.listened(&board).and_then(|r| r.last()).is_some_and(|last| last < seq) {
                    self.spawn_catch_up(board);
                }
            }
            Notice::ForgetBoard { board } => hub.forget_here(&board),
            Notice::Erased { subject } => {
                self.inner.acks.forget(&subject);
                hub.forget_subject(&subject);
            }
            Notice::SessionsEnded { subject } => hub.recheck(&subject),
            Notice::PolicyRecorded => self.inner.acks.forget_all(),
            Notice::Reconnected => {
                // Notices may have been lost meanwhile: every listened room asks the store.
                self.inner.acks.forget_all();
                for board in hub.listened_boards() {
                    self.spawn_catch_up(board);
                }
            }
        }
    }

    /// One sweep of every listened room, unless the last one is still running.
    fn spawn_sweep(&self, sweeping: &Arc<std::sync::atomic::AtomicBool>) {
        use std::sync::atomic::Ordering;
        if sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let (cb, sweeping) = (self.clone(), sweeping.clone());
        tokio::spawn(async move {
            for board in cb.behind().await {
                cb.catch_up_or_warn(&board).await;
            }
            sweeping.store(false, Ordering::Release);
        });
    }

    /// The listened rooms the store is ahead of: one query per region for all of them (not
    /// three per room). A room whose board no region holds is behind too (its catch-up finds
    /// the board gone and closes it); a region that cannot answer makes all its rooms suspect.
    async fn behind(&self) -> Vec<BoardId> {
        let hub = &self.inner.hub;
        let listened = hub.listened_boards();
        if listened.is_empty() {
            return listened;
        }
        let mut held = std::collections::HashMap::with_capacity(listened.len());
        for region in self.regions() {
            match region.boards.board_seqs(&listened).await {
                Ok(rows) => held.extend(rows),
                Err(e) => {
                    tracing::warn!(error = %e, "the sweep could not read the boards' sequence numbers");
                    return listened;
                }
            }
        }
        listened
            .into_iter()
            .filter(|b| match (held.get(b), hub.existing(b).and_then(|r| r.last())) {
                (Some(seq), Some(last)) => last < *seq,
                (None, Some(_)) => true,
                (_, None) => false,
            })
            .collect()
    }

    fn spawn_catch_up(&self, board: BoardId) {
        let cb = self.clone();
        tokio::spawn(async move { cb.catch_up_or_warn(&board).await });
    }

    /// Catches `board` up from the store; a failure is logged (the next notice or sweep tries
    /// again).
    async fn catch_up_or_warn(&self, board: &BoardId) {
        if let Err(e) = self.boards().catch_up(board).await {
            tracing::warn!(error = %e, "catching a board up from the store failed");
        }
    }
}
