-- Issue 15, C-SHARE-4: certified partners. A partner account is an account of this region
-- that staff certified (for a company, until a date); an organisation's owner names the
-- partners who co-manage its contract. A partner sees the contract data of exactly those
-- contracts, each opening recorded in the disclosure log (C-SHARE-7).
CREATE TABLE partners (
    subject_id TEXT PRIMARY KEY,
    company TEXT NOT NULL,
    notice_email TEXT,
    certified_until INTEGER NOT NULL,
    certified_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE contract_partners (
    contract_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    partner_region TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (contract_id, partner_id)
);
CREATE INDEX contract_partners_partner ON contract_partners (partner_id);
