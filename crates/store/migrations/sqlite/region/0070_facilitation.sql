-- Facilitation (issue 14, acceptance 2): a voting session's results hidden until revealed, and
-- the board's countdown (when it ends, or what was left when paused) with its option to pause
-- participation once it ends. All of it is the board's state, nothing personal.
ALTER TABLE boards ADD COLUMN votes_hidden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE boards ADD COLUMN timer_ends_at INTEGER;
ALTER TABLE boards ADD COLUMN timer_left_ms INTEGER;
ALTER TABLE boards ADD COLUMN timer_pauses INTEGER NOT NULL DEFAULT 0;
