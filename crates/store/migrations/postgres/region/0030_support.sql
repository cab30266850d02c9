-- The support desk (issue 16): tickets and their threads. Names, email, phone, the title and
-- every message are sealed with the requester's own key (a subject of kind `requester`).
CREATE TABLE support_tickets (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    requester_id TEXT NOT NULL REFERENCES subjects (id),
    account_id TEXT,
    email_bidx BYTEA NOT NULL,
    contact BYTEA NOT NULL,
    title BYTEA NOT NULL,
    status TEXT NOT NULL,
    assignee_id TEXT,
    channel TEXT NOT NULL,
    topic TEXT NOT NULL,
    rights_request_id TEXT,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    due_at BIGINT,
    closed_at BIGINT
);
CREATE INDEX support_tickets_status ON support_tickets (status, created_at);
CREATE INDEX support_tickets_account ON support_tickets (account_id);
CREATE INDEX support_tickets_email ON support_tickets (email_bidx);

CREATE TABLE support_messages (
    id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    author TEXT NOT NULL,
    staff_id TEXT,
    channel TEXT NOT NULL,
    body BYTEA NOT NULL,
    attachment_blob TEXT,
    attachment_type TEXT,
    at BIGINT NOT NULL
);
CREATE UNIQUE INDEX support_messages_ticket ON support_messages (ticket_id, seq);
