-- Issue 13 (acceptance 5): a participant gets a private recovery code at join, shown once and
-- stored only as its keyed hash (HMAC-SHA-256 with the deployment's blind-index key), to see,
-- export and erase what they posted after their session ended; and the start of their latest
-- session, from which the retention rule of participants' content counts.
-- Participants who joined before have no code (NULL) and count from when they joined.
ALTER TABLE participants ADD COLUMN recovery_hash BYTEA;
ALTER TABLE participants ADD COLUMN last_session_at BIGINT NOT NULL DEFAULT 0;
UPDATE participants SET last_session_at = created_at;
CREATE UNIQUE INDEX participants_recovery ON participants (recovery_hash);
CREATE INDEX participants_last_session ON participants (last_session_at);
