-- Several nodes (issue 20): each change to a board, by sequence number, with the ids of what
-- it touched, so that a node that learns "board B reached sequence S" from the bus reads the
-- changes it missed here (and the content from the rows they name). Ids and kinds only;
-- the last 1024 changes of each board are kept (older ones go as new ones come).
CREATE TABLE board_changes (
    board_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    card_id TEXT,
    comment_id TEXT,
    PRIMARY KEY (board_id, seq)
);
