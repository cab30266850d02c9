-- Issue 15: contracts, one per organisation. The billing contact is a subject of kind
-- `contact` with their own key; `contact` and `payment` are envelopes sealed with it. No card
-- number is ever stored: a card is the payment provider's reference (token, brand, last four,
-- expiry), sealed.
CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES subjects (id),
    plan TEXT NOT NULL,
    seats BIGINT NOT NULL,
    status TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    contact BYTEA NOT NULL,
    payment BYTEA,
    period_start BIGINT NOT NULL,
    period_end BIGINT NOT NULL,
    ended_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX contracts_owner ON contracts (owner_id);
CREATE INDEX contracts_contact ON contracts (contact_id);
CREATE INDEX contracts_ended ON contracts (ended_at);
