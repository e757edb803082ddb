-- Safeguarding alerts reach a person: when each was sent to the designated safeguarding lead
-- (by email and by webhook, separately, so one failing route does not resend the other) and,
-- when nobody acknowledged it in time, to the deputy; failed tries are counted and the last
-- error kept (never the alert's text) so an operator can see why an alert has not gone.
ALTER TABLE alerts ADD COLUMN lead_emailed_at TEXT;
ALTER TABLE alerts ADD COLUMN lead_posted_at TEXT;
ALTER TABLE alerts ADD COLUMN deputy_emailed_at TEXT;
ALTER TABLE alerts ADD COLUMN deputy_posted_at TEXT;
ALTER TABLE alerts ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN delivery_error TEXT;
CREATE INDEX alerts_open ON alerts (acknowledged_at, id);
