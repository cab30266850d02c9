-- Several nodes (issue 20; C-SEC-1): the counters of rate limits and failure throttles
-- (sign-in guessing, sign-up, re-authentication, consent records), shared by a cluster's
-- nodes so that N nodes allow what one allows. The key is a keyed hash (the vault's blind
-- indexer, domain `rate-limit`) of an address, an email's blind index, a device nonce or an
-- account id: no address or email in clear. A row is deleted once `keep_until` is past.
-- A single node (SQLite) keeps its counters in memory and leaves this table empty.
CREATE TABLE rate_counters (
    scope TEXT NOT NULL,
    key_hash BLOB NOT NULL,
    hits BIGINT NOT NULL,
    pending BIGINT NOT NULL,
    since BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    keep_until BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX rate_counters_keep_until ON rate_counters (keep_until);
