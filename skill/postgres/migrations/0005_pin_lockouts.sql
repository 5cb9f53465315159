-- Lockouts in a row since the last right PIN: each one pauses voice
-- payments longer (skill.LockoutFor), so that the three guesses of a
-- pause are no rate that renews every half hour for ever.
ALTER TABLE pin_guard ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
