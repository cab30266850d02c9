-- Organisations, boards and what people put on them (User Information, C-DATA-1).
-- Organisation names, board titles and legends are sealed with the organisation's key; cards,
-- comments and pseudonyms with their author's key.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name BYTEA NOT NULL,
    personal BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, subject_id)
);
CREATE INDEX memberships_subject ON memberships (subject_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    token_hash BYTEA NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE boards (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    title BYTEA NOT NULL,
    legend BYTEA NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    locked BOOLEAN NOT NULL,
    controlled BOOLEAN NOT NULL,
    anonymous BOOLEAN NOT NULL,
    vote_tokens BIGINT NOT NULL,
    join_code TEXT NOT NULL UNIQUE,
    seq BIGINT NOT NULL
);
CREATE INDEX boards_org ON boards (org_id);

CREATE TABLE participants (
    subject_id TEXT PRIMARY KEY REFERENCES subjects (id),
    board_id TEXT NOT NULL REFERENCES boards (id),
    pseudonym BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX participants_board ON participants (board_id);

CREATE TABLE cards (
    id TEXT PRIMARY KEY,
    board_id TEXT NOT NULL REFERENCES boards (id),
    author_id TEXT NOT NULL REFERENCES subjects (id),
    kind TEXT NOT NULL CHECK (kind IN ('text', 'link', 'image', 'video')),
    body BYTEA NOT NULL,
    blob_id TEXT,
    media_type TEXT,
    x BIGINT NOT NULL,
    y BIGINT NOT NULL,
    color TEXT NOT NULL,
    category TEXT,
    status TEXT NOT NULL CHECK (status IN ('published', 'pending')),
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cards_board ON cards (board_id);
CREATE INDEX cards_author ON cards (author_id);

CREATE TABLE card_likes (
    card_id TEXT NOT NULL REFERENCES cards (id),
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (card_id, subject_id)
);
CREATE INDEX card_likes_subject ON card_likes (subject_id);

CREATE TABLE card_votes (
    card_id TEXT NOT NULL REFERENCES cards (id),
    subject_id TEXT NOT NULL REFERENCES subjects (id),
    board_id TEXT NOT NULL REFERENCES boards (id),
    count BIGINT NOT NULL,
    PRIMARY KEY (card_id, subject_id)
);
CREATE INDEX card_votes_voter ON card_votes (board_id, subject_id);

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    card_id TEXT NOT NULL REFERENCES cards (id),
    author_id TEXT NOT NULL REFERENCES subjects (id),
    body BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX comments_card ON comments (card_id);
CREATE INDEX comments_author ON comments (author_id);
