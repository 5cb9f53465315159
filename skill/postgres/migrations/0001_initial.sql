-- Konto's own state: the schema of skill/sqlite's migrations 0001-0004 in
-- Postgres types. BYTEA for blobs, BIGINT identities for row ids. Times
-- are BIGINT Unix seconds, sessions.updated_at Unix milliseconds, as in
-- SQLite, so that the two stores read the same.
CREATE TABLE links (
	platform TEXT NOT NULL, user_id TEXT NOT NULL, bank TEXT NOT NULL, customer TEXT NOT NULL,
	token_hash BYTEA NOT NULL, linked_at BIGINT NOT NULL, PRIMARY KEY (platform, user_id));
CREATE INDEX links_token ON links(token_hash);
CREATE TABLE sessions (
	platform TEXT NOT NULL, session_id TEXT NOT NULL, user_id TEXT NOT NULL, state BYTEA NOT NULL,
	updated_at BIGINT NOT NULL, PRIMARY KEY (platform, session_id));
CREATE INDEX sessions_user ON sessions(platform, user_id);
CREATE INDEX sessions_age ON sessions(updated_at);
-- The hash goes with the user's data; the guard (pin_guard) never does.
CREATE TABLE voice_pins (
	bank TEXT NOT NULL, customer TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (bank, customer));
CREATE TABLE pin_guard (
	bank TEXT NOT NULL, customer TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT 0,
	lock_seq BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (bank, customer));
CREATE TABLE audit (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at BIGINT NOT NULL, day TEXT NOT NULL, actor TEXT NOT NULL,
	bank TEXT NOT NULL, customer TEXT NOT NULL, channel TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL,
	amount BIGINT NOT NULL DEFAULT 0, outcome TEXT NOT NULL, op_key TEXT,
	currency TEXT NOT NULL DEFAULT '', fingerprint TEXT NOT NULL DEFAULT '', request TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX audit_op ON audit(op_key) WHERE op_key IS NOT NULL;
CREATE INDEX audit_customer ON audit(bank, customer, day);
CREATE INDEX audit_pending ON audit(bank, customer, outcome, fingerprint);
CREATE TABLE requests (
	platform TEXT NOT NULL, request_id TEXT NOT NULL, user_id TEXT NOT NULL, response BYTEA, created_at BIGINT NOT NULL,
	PRIMARY KEY (platform, request_id));
CREATE INDEX requests_user ON requests(platform, user_id);
CREATE INDEX requests_age ON requests(created_at);
CREATE TABLE callbacks (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, platform TEXT NOT NULL, user_id TEXT NOT NULL, bank TEXT NOT NULL,
	customer TEXT NOT NULL, topic TEXT NOT NULL, at BIGINT NOT NULL);
CREATE INDEX callbacks_user ON callbacks(platform, user_id);
CREATE TABLE revoked_tokens (token_hash BYTEA PRIMARY KEY, at BIGINT NOT NULL);
