-- Issue 15: invoices and credit notes. A draft has no number; the number is the next of its
-- seller's one continuous sequence (`invoice_sequences`), taken in the transaction that
-- issues it, so neither concurrency nor a crash leaves a gap. Issued invoices never change
-- (the trigger refuses it). `buyer` holds the legally required buyer fields, sealed with the
-- invoice's own hold key (subject `invoice:<id>`), destroyed when the ten-year hold ends.
CREATE TABLE invoice_sequences (
    seller TEXT PRIMARY KEY,
    next INTEGER NOT NULL
);
CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    seller TEXT NOT NULL,
    seq INTEGER,
    number TEXT,
    kind TEXT NOT NULL,
    corrects TEXT NOT NULL DEFAULT '',
    adjusts TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    currency TEXT NOT NULL,
    lines TEXT NOT NULL,
    subtotal INTEGER NOT NULL,
    vat INTEGER NOT NULL,
    total INTEGER NOT NULL,
    buyer BLOB NOT NULL,
    hold_until INTEGER NOT NULL,
    issued_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX invoices_seq ON invoices (seller, seq);
CREATE UNIQUE INDEX invoices_period ON invoices (contract_id, period_start, kind, corrects, adjusts);
CREATE INDEX invoices_org ON invoices (org_id);
CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices WHEN OLD.status <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice cannot change: correct it with a credit note');
END;
