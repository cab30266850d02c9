-- Access and portability exports (C-DSR-1, C-DSR-3): one background job per export; the ZIP is
-- a blob sealed with the person's key, downloaded through an expiring link (only the hash of
-- the link's token is stored).
CREATE TABLE exports (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    request_id TEXT,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    expires_at INTEGER,
    blob_id TEXT,
    size INTEGER,
    token_hash BLOB,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX exports_subject ON exports (subject_id);
CREATE INDEX exports_state ON exports (state);

-- Rights requests from anyone (C-DSR-2, C-CCPA-*): minimal data. The requester is a subject
-- of its own (own key): the contact address and free text are sealed with it, so a request
-- record outlives the account it concerns and is erased on its own schedule (24 months).
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    regime TEXT NOT NULL,
    channel TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    subject_id TEXT,
    contact BLOB NOT NULL,
    email_bidx BLOB NOT NULL,
    on_behalf TEXT NOT NULL,
    state TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    verified_at INTEGER,
    confirmed_at INTEGER,
    acknowledged_at INTEGER,
    acknowledge_by TEXT NOT NULL,
    answer_by TEXT NOT NULL,
    extended_to TEXT,
    closed_at INTEGER,
    outcome BLOB,
    verify_hash BLOB,
    verify_expires_at INTEGER,
    confirm_hash BLOB,
    confirm_expires_at INTEGER,
    document_blob TEXT,
    export_id TEXT
);
CREATE INDEX requests_state ON requests (state);
CREATE INDEX requests_email ON requests (email_bidx);
CREATE INDEX requests_verify ON requests (verify_hash);
CREATE INDEX requests_confirm ON requests (confirm_hash);

-- What happened to a request, in order; details hold no personal data.
CREATE TABLE request_events (
    seq INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id);

-- The disclosure log (C-SHARE-5, C-SHARE-7): every disclosure of a person's data to a
-- recipient; it feeds access and right-to-know answers and the notices sent after erasure.
CREATE TABLE disclosures (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    scope TEXT NOT NULL,
    -- Where the recipient is told of erasures (a business address, not the person's).
    contact TEXT,
    at INTEGER NOT NULL,
    notified_at INTEGER
);
CREATE INDEX disclosures_subject ON disclosures (subject_id);

-- What a legal hold keeps when a person is erased (C-RET-3, C-DSR-4): the held categories are
-- re-sealed with a key of the hold's own, in this separate table, until the hold ends; then
-- that key is destroyed and the rows deleted.
CREATE TABLE held_records (
    id TEXT PRIMARY KEY,
    hold_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    category TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    until_at INTEGER NOT NULL
);
CREATE INDEX held_records_until ON held_records (until_at);

-- Signed erasure receipts (no personal data: pseudonymous ids, counts, dates).
CREATE TABLE erasure_receipts (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX erasure_receipts_subject ON erasure_receipts (subject_id);
