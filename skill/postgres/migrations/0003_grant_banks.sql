-- A grant of the consent ledger may hold more than one bank, as
-- skill/sqlite's migration 0006: the grant's own bank and customer are the
-- person's identity, and each further bank is a row here with its own
-- customer, consent, scopes, expiry and sealed bank tokens. Times are Unix
-- seconds; 0 is "never". seq orders banks of the same second as they were
-- added (SQLite's rowid).
CREATE TABLE oauth_grant_banks (
	grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
	seq BIGINT GENERATED ALWAYS AS IDENTITY,
	bank TEXT NOT NULL,
	customer TEXT NOT NULL,
	locale TEXT NOT NULL DEFAULT '',
	consent_id TEXT NOT NULL DEFAULT '', -- the bank's consent; '' for the sandbox
	scopes TEXT NOT NULL,                -- space-separated
	granted_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL DEFAULT 0,
	bank_tokens BYTEA,                   -- AES-GCM sealed, or NULL
	PRIMARY KEY (grant_id, bank));
CREATE INDEX oauth_grant_banks_customer ON oauth_grant_banks(bank, customer);
