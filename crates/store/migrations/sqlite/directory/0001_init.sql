-- The directory: which region holds whom, and staff roles. No plaintext personal data.
CREATE TABLE email_index (
    bidx BLOB PRIMARY KEY,
    region TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX email_index_subject ON email_index (subject_id);

CREATE TABLE staff (
    subject_id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('support', 'privacy_officer', 'admin')),
    trained_at INTEGER,
    created_at INTEGER NOT NULL
);

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
