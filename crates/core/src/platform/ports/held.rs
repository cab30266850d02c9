//! Reads on one connection per database, for a piece of work that reads many small things in a
//! line (issue 21: an export asks some twenty stores for their part of a person's data).
//!
//! Outside [`one_connection`] every read takes a connection from its database's pool and gives it
//! back when done, and the pool tests it with a round trip before another read can have it: a line
//! of reads alternates connections, and under load the pool opens new ones mid-work (a new
//! PostgreSQL backend spends milliseconds loading its catalogue for the first statement on a
//! table). Inside it, the store keeps the connection a read used and hands it to the next read of
//! the same database; two reads at once still take two connections (the second from the pool).
//! The connections go back to their pools when the work ends.
//!
//! What is kept is what the store runs outside a transaction (reads, and the odd single
//! statement); write transactions take their own connection as always, and a connection kept
//! here is never inside one (so it neither waits for a writer nor makes one wait).

use std::any::Any;
use std::future::Future;
use std::sync::Mutex;

/// The connections kept for the work running now, by database (a key the store chooses).
#[derive(Default)]
struct Held {
    slots: Mutex<Vec<(usize, Box<dyn Any + Send>)>>,
}

tokio::task_local! {
    static HELD: Held;
}

/// Runs `work` with its reads kept on one connection per database (see the module's text). The
/// work must not move its reads to other tasks (they would take connections of their own).
pub async fn one_connection<F: Future>(work: F) -> F::Output {
    HELD.scope(Held::default(), work).await
}

/// Whether the running work keeps its connections (for the store).
pub fn in_scope() -> bool {
    HELD.try_with(|_| ()).is_ok()
}

/// Takes the connection kept for database `key`, if the running work keeps one (for the store).
pub fn take(key: usize) -> Option<Box<dyn Any + Send>> {
    HELD.try_with(|h| {
        let mut slots = h.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = slots.iter().position(|(k, _)| *k == key)?;
        Some(slots.swap_remove(at).1)
    })
    .ok()
    .flatten()
}

/// Keeps `conn` for the next read of database `key`; gives it back (to be dropped, so that it
/// returns to its pool) when no work keeps connections or one is already kept for `key`.
pub fn keep(key: usize, conn: Box<dyn Any + Send>) -> Option<Box<dyn Any + Send>> {
    let mut conn = Some(conn);
    let _ = HELD.try_with(|h| {
        let mut slots = h.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !slots.iter().any(|(k, _)| *k == key)
            && let Some(c) = conn.take()
        {
            slots.push((key, c));
        }
    });
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_is_kept_per_key_inside_the_scope_only() {
        assert!(!in_scope());
        assert!(keep(1, Box::new(7u8)).is_some(), "outside the scope nothing is kept");
        one_connection(async {
            assert!(in_scope());
            assert!(take(1).is_none());
            assert!(keep(1, Box::new(7u8)).is_none());
            assert!(keep(1, Box::new(8u8)).is_some(), "one kept per key");
            assert!(keep(2, Box::new(9u8)).is_none());
            assert_eq!(*take(1).unwrap().downcast::<u8>().unwrap(), 7);
            assert!(take(1).is_none(), "taken, not copied");
            assert_eq!(*take(2).unwrap().downcast::<u8>().unwrap(), 9);
        })
        .await;
    }
}
