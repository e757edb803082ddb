-- The audit log becomes a hash chain: each entry keeps the hash of the entry before it and
-- its own hash, SHA-256 over (id, at, actor, action, subject, previous hash), made by the
-- audit_hash() function youthvoice registers on its connections. AUTOINCREMENT keeps the
-- highest id ever given in sqlite_sequence, so removing the newest entries shows too.
CREATE TABLE audit_log_chained (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- The entries written before this migration are chained here, oldest first.
INSERT INTO audit_log_chained (id, at, actor, action, subject, prev_hash, hash)
WITH RECURSIVE chain (id, at, actor, action, subject, prev_hash, hash) AS (
    SELECT id, at, actor, action, subject, '', audit_hash(id, at, actor, action, subject, '')
    FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)
    UNION ALL
    SELECT a.id, a.at, a.actor, a.action, a.subject, chain.hash,
        audit_hash(a.id, a.at, a.actor, a.action, a.subject, chain.hash)
    FROM chain JOIN audit_log a ON a.id = (SELECT min(id) FROM audit_log WHERE id > chain.id)
)
SELECT id, at, actor, action, subject, prev_hash, hash FROM chain;

DROP TABLE audit_log;
ALTER TABLE audit_log_chained RENAME TO audit_log;

-- Appended to and never changed: editing the file directly is what `audit verify` finds.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be removed');
END;
