-- Organisations, boards and what people put on them (User Information, C-DATA-1).
-- Organisation names, board titles and legends are sealed with the organisation's key; cards,
-- comments and pseudonyms with their author's key.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name BLOB NOT NULL,
    personal INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, subject_id)
);
CREATE INDEX memberships_subject ON memberships (subject_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    token_hash BLOB NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_by TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE boards (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    title BLOB NOT NULL,
    legend BLOB NOT NULL,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    locked INTEGER NOT NULL,
    controlled INTEGER NOT NULL,
    anonymous INTEGER NOT NULL,
    vote_tokens INTEGER NOT NULL,
    join_code TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL
);
CREATE INDEX boards_org ON boards (org_id);

CREATE TABLE participants (
    subject_id TEXT PRIMARY KEY REFERENCES subjects (id),
    board_id TEXT NOT NULL REFERENCES boards (id),
    pseudonym BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX participants_board ON participants (board_id);

CREATE TABLE cards (
    id TEXT PRIMARY KEY,
    board_id TEXT NOT NULL REFERENCES boards (id),
    author_id TEXT NOT NULL REFERENCES subjects (id),
    kind TEXT NOT NULL CHECK (kind IN ('text', 'link', 'image', 'video')),
    body BLOB NOT NULL,
    blob_id TEXT,
    media_type TEXT,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    color TEXT NOT NULL,
    category TEXT,
    status TEXT NOT NULL CHECK (status IN ('published', 'pending')),
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX cards_board ON cards (board_id);
CREATE INDEX cards_author ON cards (author_id);

CREATE TABLE card_likes (
    card_id TEXT NOT NULL REFERENCES cards (id),
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (card_id, subject_id)
);
CREATE INDEX card_likes_subject ON card_likes (subject_id);

CREATE TABLE card_votes (
    card_id TEXT NOT NULL REFERENCES cards (id),
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    board_id TEXT NOT NULL REFERENCES boards (id),
    count INTEGER NOT NULL,
    PRIMARY KEY (card_id, subject_id)
);
CREATE INDEX card_votes_voter ON card_votes (board_id, subject_id);

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    card_id TEXT NOT NULL REFERENCES cards (id),
    author_id TEXT NOT NULL REFERENCES subjects (id),
    body BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_card ON comments (card_id);
CREATE INDEX comments_author ON comments (author_id);
