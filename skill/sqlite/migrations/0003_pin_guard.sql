-- The PIN guard used to live in voice_pins, which is deleted with the
-- user's data; it moved to pin_guard, which never is. A customer who has
-- a guard row already keeps it. (WHERE true: SQLite needs a WHERE in an
-- INSERT ... SELECT with ON CONFLICT to parse it; Postgres accepts it.)
INSERT INTO pin_guard(bank, customer, failures, locked_until)
	SELECT bank, customer, failures, locked_until FROM voice_pins WHERE true
	ON CONFLICT DO NOTHING;
