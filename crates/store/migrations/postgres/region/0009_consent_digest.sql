-- Issue 13 (acceptance 6): every consent record keeps the digest of the consent purposes it
-- was given under (the policy's consent_purposes_digest for a signed-in person, its cookie
-- consent digest for a visitor); a choice made under another digest no longer counts.
-- Records made before carry no digest, so they no longer count: the person is asked again.
ALTER TABLE consent_ledger ADD COLUMN purposes_digest TEXT NOT NULL DEFAULT '';
