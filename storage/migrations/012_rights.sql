-- DELETE removes any response still joined to the young person; only unfinished ones are,
-- so the index holds few rows.
CREATE INDEX responses_by_participant ON responses (participant) WHERE participant IS NOT NULL;
