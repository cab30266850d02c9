//! The audit log tables: append inside the caller's transaction (so a change and its audit
//! entry commit together), and read a chain back for verification.

use clearboard_core::platform::ports::AuditDraft;
use clearboard_vault::audit::{Checkpoint, Entry, Record};

/// A stored audit row.
#[derive(Debug, sqlx::FromRow)]
pub struct AuditRec {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub purpose: Option<String>,
    pub detail: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl AuditRec {
    pub fn into_record(self) -> Record {
        Record {
            entry: Entry {
                seq: self.seq,
                at_ms: self.at_ms,
                actor: self.actor,
                action: self.action,
                subject: self.subject,
                purpose: self.purpose,
                detail: self.detail,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct CheckpointRec {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub mac: Vec<u8>,
}

pub const SELECT_CHAIN: &str = "SELECT seq, at_ms, actor, action, subject, purpose, detail, prev_hash, hash FROM audit ORDER BY seq";
pub const SELECT_CHECKPOINT: &str = "SELECT seq, hash, mac FROM audit_checkpoint WHERE chain = $1";
pub const SELECT_ABOUT: &str =
    "SELECT seq, at_ms, actor, action, subject, purpose, detail, prev_hash, hash FROM audit WHERE subject = $1 ORDER BY seq";
pub const SELECT_LAST: &str = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
pub const INSERT: &str =
    "INSERT INTO audit (seq, at_ms, actor, action, subject, purpose, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const UPSERT_CHECKPOINT: &str = "INSERT INTO audit_checkpoint (chain, seq, hash, mac) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac";
/// Serialises appends on PostgreSQL (SQLite's `BEGIN IMMEDIATE` already does).
pub const PG_LOCK: &str = "SELECT pg_advisory_xact_lock(7236828258316042241)";

/// Builds the entry for `draft` following the stored head.
pub fn entry_of(seq: i64, draft: AuditDraft) -> Entry {
    Entry {
        seq,
        at_ms: draft.at_ms,
        actor: draft.actor,
        action: draft.action,
        subject: draft.subject,
        purpose: draft.purpose,
        detail: draft.detail.to_string(),
    }
}

pub fn checkpoint_of(rec: CheckpointRec) -> Checkpoint {
    Checkpoint { seq: rec.seq, hash: rec.hash, mac: rec.mac }
}

/// Appends `$draft` to the chain named `$chain` inside transaction `$t`; evaluates to
/// `Result<Entry, sqlx::Error>`. `$pg` says whether the backend is PostgreSQL.
macro_rules! append_audit {
    ($t:ident, $pg:expr, $chain:expr, $ring:expr, $draft:expr) => {{ append_audits!($t, $pg, $chain, $ring, [$draft]).map(|mut entries| entries.remove(0)) }};
}

/// Appends every draft of `$drafts` (anything iterable), in order, to the chain named `$chain`
/// inside transaction `$t` (`append_audit!` is this with one draft), reading the chain's head
/// once and writing its checkpoint once for all of them (two statements and one per entry,
/// against three per entry). Evaluates to `Result<Vec<Entry>, sqlx::Error>`, the entries in order.
macro_rules! append_audits {
    ($t:ident, $pg:expr, $chain:expr, $ring:expr, $drafts:expr) => {{
        async {
            let mut drafts = $drafts.into_iter().peekable();
            let mut entries: Vec<clearboard_vault::audit::Entry> = Vec::new();
            if drafts.peek().is_none() {
                return Ok::<_, sqlx::Error>(entries);
            }
            if $pg {
                sqlx::query($crate::platform::audit::PG_LOCK).execute(&mut *$t).await?;
            }
            let last: Option<(i64, Vec<u8>)> = sqlx::query_as($crate::platform::audit::SELECT_LAST).fetch_optional(&mut *$t).await?;
            let (mut seq, mut prev) = last.unwrap_or_else(|| (0, clearboard_vault::audit::genesis($chain).to_vec()));
            for d in drafts {
                seq += 1;
                let rec = clearboard_vault::audit::link(&prev, $crate::platform::audit::entry_of(seq, d));
                let e = &rec.entry;
                let q = sqlx::query($crate::platform::audit::INSERT).bind(e.seq).bind(e.at_ms).bind(&e.actor).bind(&e.action);
                q.bind(&e.subject).bind(&e.purpose).bind(&e.detail).bind(&rec.prev_hash).bind(&rec.hash).execute(&mut *$t).await?;
                prev = rec.hash;
                entries.push(rec.entry);
            }
            let cp = clearboard_vault::audit::checkpoint($ring, $chain, seq, &prev);
            let q = sqlx::query($crate::platform::audit::UPSERT_CHECKPOINT).bind($chain).bind(cp.seq).bind(&cp.hash).bind(&cp.mac);
            q.execute(&mut *$t).await?;
            Ok(entries)
        }
        .await
    }};
}

/// One append to `chain` in an SQLite transaction the caller holds (`&mut *tx`), exactly as
/// every write of the store makes it: for measuring what the audit costs on its own (the
/// bench), never a way to audit without the write it belongs to.
pub async fn append_sqlite(
    t: &mut sqlx::SqliteConnection,
    chain: &str,
    ring: &clearboard_vault::Keyring,
    draft: AuditDraft,
) -> Result<Entry, sqlx::Error> {
    append_audit!(t, false, chain, ring, draft)
}
