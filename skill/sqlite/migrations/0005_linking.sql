-- Konto's own authorization server (skill/linking): the clients that link
-- accounts, the consent ledger (one grant per link), the codes and tokens
-- of each grant kept only as their HMAC signatures, and the linking flows
-- in progress. Times are Unix seconds; 0 is "never".
CREATE TABLE oauth_clients (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	redirect_uris TEXT NOT NULL, -- JSON array, matched exactly
	secret_hash TEXT NOT NULL,   -- bcrypt
	created_at INTEGER NOT NULL);
CREATE TABLE oauth_grants (
	id TEXT PRIMARY KEY,
	client_id TEXT NOT NULL REFERENCES oauth_clients(id),
	bank TEXT NOT NULL,
	customer TEXT NOT NULL,
	locale TEXT NOT NULL DEFAULT '',
	consent_id TEXT NOT NULL DEFAULT '', -- the bank's consent; '' for the sandbox
	scopes TEXT NOT NULL,                -- space-separated
	granted_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL DEFAULT 0,
	last_used INTEGER NOT NULL DEFAULT 0,
	bank_tokens BLOB);                   -- AES-GCM sealed, or NULL
CREATE INDEX oauth_grants_customer ON oauth_grants(bank, customer);
CREATE TABLE oauth_tokens (
	kind TEXT NOT NULL,      -- code, pkce, access, refresh
	signature TEXT NOT NULL, -- the HMAC signature; never the token
	grant_id TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
	issued_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	active INTEGER NOT NULL DEFAULT 1,
	form TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (kind, signature));
CREATE INDEX oauth_tokens_grant ON oauth_tokens(grant_id, kind);
CREATE INDEX oauth_tokens_expiry ON oauth_tokens(expires_at);
CREATE TABLE oauth_flows (
	id_hash BLOB PRIMARY KEY,
	data BLOB NOT NULL, -- AES-GCM sealed
	expires_at INTEGER NOT NULL);
