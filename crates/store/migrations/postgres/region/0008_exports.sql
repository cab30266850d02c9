-- Issue 11, findings 2 and 9.
-- Exports are downloaded by their signed-in owner only: no bearer link, so no token to keep.
ALTER TABLE exports DROP COLUMN token_hash;
-- Signing out everywhere and changing the password revoke a person's exports (when, why).
ALTER TABLE exports ADD COLUMN revoked_at BIGINT;
ALTER TABLE exports ADD COLUMN revoked_reason TEXT;
-- Someone who asked through an agent or as a parent has no account: a one-time code emailed to
-- them opens the export answering their request (its keyed hash, expiry, wrong tries, sends).
ALTER TABLE exports ADD COLUMN code_hash BYTEA;
ALTER TABLE exports ADD COLUMN code_expires_at BIGINT;
ALTER TABLE exports ADD COLUMN code_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE exports ADD COLUMN codes_sent BIGINT NOT NULL DEFAULT 0;
-- Exports made before lived 7 days; they now end 24 hours after they were ready.
UPDATE exports SET expires_at = finished_at + 86400000 WHERE expires_at IS NOT NULL AND finished_at IS NOT NULL AND expires_at > finished_at + 86400000;

-- One import at a time per person, across nodes (a second one is refused with 409). Only a
-- pseudonymous id and a time; the row goes when the import ends (or is taken over when stale).
CREATE TABLE import_locks (
    subject_id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL
);
