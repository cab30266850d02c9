-- A region's data. Personal columns hold envelopes sealed with the subject's key.
CREATE TABLE subjects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    erased_at INTEGER
);

CREATE TABLE accounts (
    subject_id TEXT PRIMARY KEY REFERENCES subjects (id),
    email_bidx BLOB NOT NULL UNIQUE,
    email BLOB NOT NULL,
    first_name BLOB NOT NULL,
    last_name BLOB NOT NULL,
    phone BLOB,
    password_hash BLOB NOT NULL,
    picture_blob TEXT,
    locale TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_subject ON sessions (subject_id);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    purpose TEXT,
    detail TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX audit_subject ON audit (subject);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE audit_checkpoint (
    chain TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL,
    mac BLOB NOT NULL
);
