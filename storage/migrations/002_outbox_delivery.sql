-- Replies and proactive messages wait in the outbox with the address they go to, sealed
-- (encrypted), so nothing is lost between a step being saved and its message being sent.
-- `chat_key` keeps one young person's messages in order even when the reply is the last word
-- to someone who has just been erased; address and chat_key are cleared once a message has gone.
ALTER TABLE outbox ADD COLUMN address BLOB;
ALTER TABLE outbox ADD COLUMN chat_key BLOB;
CREATE INDEX outbox_by_chat ON outbox (chat_key, status, id);
