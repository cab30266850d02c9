-- Issue 15: invoices and credit notes. A draft has no number; the number is the next of its
-- seller's one continuous sequence (`invoice_sequences`), taken in the transaction that
-- issues it, so neither concurrency nor a crash leaves a gap. Issued invoices never change
-- (the trigger refuses it). `buyer` holds the legally required buyer fields, sealed with the
-- invoice's own hold key (subject `invoice:<id>`), destroyed when the ten-year hold ends.
CREATE TABLE invoice_sequences (
    seller TEXT PRIMARY KEY,
    next BIGINT NOT NULL
);
CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    seller TEXT NOT NULL,
    seq BIGINT,
    number TEXT,
    kind TEXT NOT NULL,
    corrects TEXT NOT NULL DEFAULT '',
    adjusts TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    period_end BIGINT NOT NULL,
    currency TEXT NOT NULL,
    lines TEXT NOT NULL,
    subtotal BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    total BIGINT NOT NULL,
    buyer BYTEA NOT NULL,
    hold_until BIGINT NOT NULL,
    issued_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX invoices_seq ON invoices (seller, seq);
CREATE UNIQUE INDEX invoices_period ON invoices (contract_id, period_start, kind, corrects, adjusts);
CREATE INDEX invoices_org ON invoices (org_id);
CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an issued invoice cannot change: correct it with a credit note';
END;
$$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices FOR EACH ROW WHEN (OLD.status <> 'draft') EXECUTE FUNCTION invoices_immutable();
