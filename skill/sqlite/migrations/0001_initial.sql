-- The schema as it was before numbered migrations. IF NOT EXISTS because
-- a database made before then may already hold some of these tables (an
-- older one may lack pin_guard and revoked_tokens); see legacy in
-- migrate.go.
--
-- SQLite-only: BLOB (Postgres: BYTEA) and "id INTEGER PRIMARY KEY" as an
-- auto-assigned row id (Postgres: BIGINT GENERATED ALWAYS AS IDENTITY).
-- Times are INTEGER Unix seconds, sessions.updated_at Unix milliseconds.
CREATE TABLE IF NOT EXISTS links (
	platform TEXT NOT NULL, user_id TEXT NOT NULL, bank TEXT NOT NULL, customer TEXT NOT NULL,
	token_hash BLOB NOT NULL, linked_at INTEGER NOT NULL, PRIMARY KEY (platform, user_id));
CREATE TABLE IF NOT EXISTS sessions (
	platform TEXT NOT NULL, session_id TEXT NOT NULL, user_id TEXT NOT NULL, state BLOB NOT NULL,
	updated_at INTEGER NOT NULL, PRIMARY KEY (platform, session_id));
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(platform, user_id);
CREATE TABLE IF NOT EXISTS voice_pins (
	bank TEXT NOT NULL, customer TEXT NOT NULL, hash TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0,
	locked_until INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (bank, customer));
CREATE TABLE IF NOT EXISTS audit (
	id INTEGER PRIMARY KEY, at INTEGER NOT NULL, day TEXT NOT NULL, actor TEXT NOT NULL, bank TEXT NOT NULL, customer TEXT NOT NULL,
	channel TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL, amount INTEGER NOT NULL DEFAULT 0, outcome TEXT NOT NULL,
	op_key TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS audit_op ON audit(op_key) WHERE op_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_customer ON audit(bank, customer, day);
CREATE TABLE IF NOT EXISTS requests (
	platform TEXT NOT NULL, request_id TEXT NOT NULL, user_id TEXT NOT NULL, response BLOB, created_at INTEGER NOT NULL,
	PRIMARY KEY (platform, request_id));
CREATE INDEX IF NOT EXISTS requests_user ON requests(platform, user_id);
CREATE INDEX IF NOT EXISTS requests_age ON requests(created_at);
CREATE INDEX IF NOT EXISTS sessions_age ON sessions(updated_at);
CREATE TABLE IF NOT EXISTS callbacks (
	id INTEGER PRIMARY KEY, platform TEXT NOT NULL, user_id TEXT NOT NULL, bank TEXT NOT NULL, customer TEXT NOT NULL,
	topic TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pin_guard (
	bank TEXT NOT NULL, customer TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,
	lock_seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (bank, customer));
CREATE TABLE IF NOT EXISTS revoked_tokens (token_hash BLOB PRIMARY KEY, at INTEGER NOT NULL);
