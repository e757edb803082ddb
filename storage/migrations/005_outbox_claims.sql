-- A message is claimed ('sending', with the time) in a committed write before its request
-- is made, so after a crash the messages whose fate is unknown are exactly the claimed ones,
-- and the sender asks the provider what became of each before anything else goes to that
-- young person. The index finds a young person's earlier messages for that question (and
-- makes erasing a participant, which deletes their rows, a lookup rather than a scan).
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
CREATE INDEX outbox_by_pseudonym ON outbox (pseudonym, channel, id);
