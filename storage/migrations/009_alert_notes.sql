-- Safeguarding leads acknowledge alerts on the dashboard (who, when) and keep notes on
-- them. A note may say things about a child, so it is sealed like the alert's text.
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;

CREATE TABLE alert_notes (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    note BLOB NOT NULL
);
CREATE INDEX alert_notes_by_alert ON alert_notes (alert_id, id);
