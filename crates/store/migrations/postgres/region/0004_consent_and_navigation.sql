-- The consent ledger (C-USE-3, C-COOK-3): append-only records of every choice, with its proof.
CREATE TABLE consent_ledger (
    -- Insertion order: choices made within the same millisecond keep their order.
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    consent_id TEXT,
    subject_id TEXT,
    purpose TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    policy_version TEXT NOT NULL,
    text_digest TEXT NOT NULL,
    method TEXT NOT NULL,
    at BIGINT NOT NULL,
    proof BYTEA NOT NULL
);
CREATE INDEX consent_ledger_consent ON consent_ledger (consent_id);
CREATE INDEX consent_ledger_subject ON consent_ledger (subject_id);

-- Navigational data (C-DATA-8), only with consent; the address is sealed with the visitor's key.
CREATE TABLE page_views (
    id TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    ip BYTEA NOT NULL,
    ip_prefix TEXT NOT NULL,
    os TEXT NOT NULL,
    browser TEXT NOT NULL,
    browser_version TEXT NOT NULL,
    language TEXT NOT NULL,
    page TEXT NOT NULL
);
CREATE INDEX page_views_visitor ON page_views (visitor_id);
CREATE INDEX page_views_at ON page_views (at);
