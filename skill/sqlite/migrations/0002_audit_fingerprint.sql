-- What an action does (Fingerprint) and in which currency, so that the
-- same action confirmed again while one is pending reuses its key; and
-- the index ReserveOp finds that pending entry by.
ALTER TABLE audit ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN currency TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_pending ON audit(bank, customer, outcome, fingerprint);
