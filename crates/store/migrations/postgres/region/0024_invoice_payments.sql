-- Issue 15: how each invoice was paid: a card charge of the payment provider (its payment
-- id, its state updated by signed webhooks) or a bank transfer staff marked paid. Issued
-- invoices never change: their payment is a row of its own, deleted with them at the end of
-- the accounting hold.
CREATE TABLE invoice_payments (
    invoice_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    reference TEXT NOT NULL,
    status TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX invoice_payments_reference ON invoice_payments (reference);
