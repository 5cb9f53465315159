-- A pending payment keeps its request, so that one waiting for the
-- customer's approval at the bank can be asked about again by a later
-- turn (the bank pays it once approved, under the same key).
ALTER TABLE audit ADD COLUMN request TEXT NOT NULL DEFAULT '';
