-- Integrations (issue 19): a person's connections to a provider (tokens sealed with their
-- key), authorizations on their way (the state's SHA-256, the PKCE verifier sealed), and
-- import jobs (each file's outcome sealed).
CREATE TABLE integration_connections (
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    provider TEXT NOT NULL,
    scopes TEXT NOT NULL,
    tokens BYTEA NOT NULL,
    connected_at BIGINT NOT NULL,
    last_used_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (subject_id, provider)
);

CREATE TABLE integration_grants (
    state_hash BYTEA PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    provider TEXT NOT NULL,
    verifier BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX integration_grants_subject ON integration_grants (subject_id);

CREATE TABLE integration_imports (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    provider TEXT NOT NULL,
    board_id TEXT NOT NULL,
    status TEXT NOT NULL,
    total BIGINT NOT NULL,
    done BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    results BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX integration_imports_subject ON integration_imports (subject_id);
