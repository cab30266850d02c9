-- Security review fixes (issue 11).
-- Invitations: single use (accepted_at/accepted_by), optionally bound to one email address
-- (its keyed blind index, never the address).
ALTER TABLE invitations ADD COLUMN email_bidx BLOB;
ALTER TABLE invitations ADD COLUMN accepted_at INTEGER;
ALTER TABLE invitations ADD COLUMN accepted_by TEXT;

-- Anonymity is decided when an item is posted and never undone: a card or comment posted
-- while the board was anonymous stays anonymous whatever the board's mode becomes.
ALTER TABLE cards ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
-- What is on an anonymous board today was posted under that promise (we cannot know better).
UPDATE cards SET anonymous = 1 WHERE board_id IN (SELECT id FROM boards WHERE anonymous = 1);
UPDATE comments SET anonymous = 1 WHERE card_id IN (SELECT c.id FROM cards c JOIN boards b ON b.id = c.board_id WHERE b.anonymous = 1);
