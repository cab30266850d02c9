-- The support desk (issue 16): tickets and their threads. Names, email, phone, the title and
-- every message are sealed with the requester's own key (a subject of kind `requester`).
CREATE TABLE support_tickets (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    requester_id TEXT NOT NULL REFERENCES subjects (id),
    account_id TEXT,
    email_bidx BLOB NOT NULL,
    contact BLOB NOT NULL,
    title BLOB NOT NULL,
    status TEXT NOT NULL,
    assignee_id TEXT,
    channel TEXT NOT NULL,
    topic TEXT NOT NULL,
    rights_request_id TEXT,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    due_at INTEGER,
    closed_at INTEGER
);
CREATE INDEX support_tickets_status ON support_tickets (status, created_at);
CREATE INDEX support_tickets_account ON support_tickets (account_id);
CREATE INDEX support_tickets_email ON support_tickets (email_bidx);

CREATE TABLE support_messages (
    id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL REFERENCES support_tickets (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    author TEXT NOT NULL,
    staff_id TEXT,
    channel TEXT NOT NULL,
    body BLOB NOT NULL,
    attachment_blob TEXT,
    attachment_type TEXT,
    at INTEGER NOT NULL
);
CREATE UNIQUE INDEX support_messages_ticket ON support_messages (ticket_id, seq);
