-- Which region holds an organisation or a board, and join codes: no personal data.
CREATE TABLE org_index (
    org_id TEXT PRIMARY KEY,
    region TEXT NOT NULL
);

CREATE TABLE board_index (
    board_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    region TEXT NOT NULL,
    join_code TEXT NOT NULL UNIQUE
);
