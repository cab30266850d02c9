-- The directory: which region holds whom, and staff roles. No plaintext personal data.
CREATE TABLE email_index (
    bidx BYTEA PRIMARY KEY,
    region TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_index_subject ON email_index (subject_id);

CREATE TABLE staff (
    subject_id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('support', 'privacy_officer', 'admin')),
    trained_at BIGINT,
    created_at BIGINT NOT NULL
);

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
