-- Konto's own authorization server (skill/linking), as skill/sqlite's
-- migration 0005: clients, the consent ledger, codes and tokens by their
-- HMAC signatures, linking flows. Times are Unix seconds; 0 is "never".
-- seq orders grants of the same second as they were made (SQLite's rowid).
CREATE TABLE oauth_clients (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	redirect_uris TEXT NOT NULL, -- JSON array, matched exactly
	secret_hash TEXT NOT NULL,   -- bcrypt
	created_at BIGINT NOT NULL);
CREATE TABLE oauth_grants (
	id TEXT PRIMARY KEY,
	seq BIGINT GENERATED ALWAYS AS IDENTITY,
	client_id TEXT NOT NULL REFERENCES oauth_clients(id),
	bank TEXT NOT NULL,
	customer TEXT NOT NULL,
	locale TEXT NOT NULL DEFAULT '',
	consent_id TEXT NOT NULL DEFAULT '',
	scopes TEXT NOT NULL,                -- space-separated
	granted_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL DEFAULT 0,
	last_used BIGINT NOT NULL DEFAULT 0,
	bank_tokens BYTEA);                  -- AES-GCM sealed, or NULL
CREATE INDEX oauth_grants_customer ON oauth_grants(bank, customer);
CREATE TABLE oauth_tokens (
	kind TEXT NOT NULL,      -- code, pkce, access, refresh
	signature TEXT NOT NULL, -- the HMAC signature; never the token
	grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
	issued_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	active BOOLEAN NOT NULL DEFAULT true,
	form TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (kind, signature));
CREATE INDEX oauth_tokens_grant ON oauth_tokens(grant_id, kind);
CREATE INDEX oauth_tokens_expiry ON oauth_tokens(expires_at);
CREATE TABLE oauth_flows (
	id_hash BYTEA PRIMARY KEY,
	data BYTEA NOT NULL, -- AES-GCM sealed
	expires_at BIGINT NOT NULL);
CREATE INDEX oauth_flows_expiry ON oauth_flows(expires_at);
