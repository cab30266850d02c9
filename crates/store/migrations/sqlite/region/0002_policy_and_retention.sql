-- Acknowledgements of policy versions (C-CHG-2), legal holds and retention runs (C-RET-3, C-RET-6).
CREATE TABLE policy_acks (
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    digest TEXT NOT NULL,
    method TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (subject_id, digest)
);

CREATE TABLE legal_holds (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    category TEXT NOT NULL,
    reason TEXT NOT NULL,
    until_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    released_at INTEGER
);
CREATE INDEX legal_holds_subject ON legal_holds (subject_id, category);

CREATE TABLE retention_runs (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    due INTEGER NOT NULL,
    purged INTEGER NOT NULL,
    held INTEGER NOT NULL
);
CREATE INDEX retention_runs_started ON retention_runs (started_at);
