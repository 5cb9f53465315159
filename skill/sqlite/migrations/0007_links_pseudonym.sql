-- A link keeps its customer's audit pseudonym, so that a turn reads the
-- link and whether the customer has actions pending in one query
-- (skill.TurnReader). Links saved before have '' and get it at their
-- next turn.
ALTER TABLE links ADD COLUMN pseudonym TEXT NOT NULL DEFAULT '';
