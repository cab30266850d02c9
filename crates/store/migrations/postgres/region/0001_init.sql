-- A region's data. Personal columns hold envelopes sealed with the subject's key.
CREATE TABLE subjects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    erased_at BIGINT
);

CREATE TABLE accounts (
    subject_id TEXT PRIMARY KEY REFERENCES subjects (id),
    email_bidx BYTEA NOT NULL UNIQUE,
    email BYTEA NOT NULL,
    first_name BYTEA NOT NULL,
    last_name BYTEA NOT NULL,
    phone BYTEA,
    password_hash BYTEA NOT NULL,
    picture_blob TEXT,
    locale TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_subject ON sessions (subject_id);

CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    purpose TEXT,
    detail TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash BYTEA NOT NULL
);
CREATE INDEX audit_subject ON audit (subject);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TABLE audit_checkpoint (
    chain TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    mac BYTEA NOT NULL
);
