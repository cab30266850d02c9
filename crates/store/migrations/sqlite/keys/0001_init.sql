-- A region's key store: wrapped data-encryption keys and tombstones of destroyed ones.
-- Kept in its own file, never in data backups.
CREATE TABLE subject_keys (
    subject_id TEXT NOT NULL,
    key_id INTEGER NOT NULL,
    wrapped BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (subject_id, key_id)
);

CREATE TABLE tombstones (
    subject_id TEXT PRIMARY KEY,
    shredded_at INTEGER NOT NULL
);
