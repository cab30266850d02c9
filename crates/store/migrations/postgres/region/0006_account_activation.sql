-- Account activation (issue 11): with a mail server configured, a new account waits here for
-- its emailed link. An account with a row here cannot sign in; past expires_at it is erased and
-- its address freed. Only the SHA-256 of the link's token is stored. No foreign key: the row is
-- written before the account, so an account never exists without it while pending.
CREATE TABLE account_activations (
    subject_id TEXT PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX account_activations_expiry ON account_activations (expires_at);
