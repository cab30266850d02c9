-- Integrations (issue 19): a person's connections to a provider (tokens sealed with their
-- key), authorizations on their way (the state's SHA-256, the PKCE verifier sealed), and
-- import jobs (each file's outcome sealed).
CREATE TABLE integration_connections (
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    provider TEXT NOT NULL,
    scopes TEXT NOT NULL,
    tokens BLOB NOT NULL,
    connected_at INTEGER NOT NULL,
    last_used_at INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (subject_id, provider)
);

CREATE TABLE integration_grants (
    state_hash BLOB PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    provider TEXT NOT NULL,
    verifier BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX integration_grants_subject ON integration_grants (subject_id);

CREATE TABLE integration_imports (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    provider TEXT NOT NULL,
    board_id TEXT NOT NULL,
    status TEXT NOT NULL,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    results BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX integration_imports_subject ON integration_imports (subject_id);
