-- Issue 15, acceptance 4: the blind index (keyed HMAC) of a billing contact's email, so that
-- a rights request from that address finds the contracts they are the contact of. Contracts
-- taken out before this migration have none until their contact is changed.
ALTER TABLE contracts ADD COLUMN contact_bidx BLOB;
CREATE INDEX contracts_contact_bidx ON contracts (contact_bidx);
