-- Delivery reports from providers that send them (Twilio's status callbacks): found by the
-- provider's message id, and kept as the last state reported and when.
ALTER TABLE outbox ADD COLUMN delivered_at TEXT;
ALTER TABLE outbox ADD COLUMN provider_status TEXT;
CREATE INDEX outbox_by_provider_id ON outbox (provider_id);
