-- The first schema. Privacy rules it keeps:
--  * people are known only by a keyed pseudonym (HMAC); addresses and age bands are encrypted;
--  * answers of anonymous surveys hang off a random response id; the only link from a person
--    to that id is their open session row, which loses it when the conversation ends;
--  * responses carry a month, never a precise time; tables keyed by random or keyed values
--    (WITHOUT ROWID) so storage order does not follow arrival order.

CREATE TABLE surveys (
    slug TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (slug, version)
);

CREATE TABLE survey_status (
    slug TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    current_version INTEGER NOT NULL,
    opened_at TEXT,
    closed_at TEXT
);

CREATE TABLE participants (
    pseudonym BLOB PRIMARY KEY,
    stopped INTEGER NOT NULL DEFAULT 0,
    hear_about_new INTEGER,
    profile BLOB
) WITHOUT ROWID;

CREATE TABLE contacts (
    pseudonym BLOB PRIMARY KEY REFERENCES participants (pseudonym) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    address BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
    pseudonym BLOB PRIMARY KEY REFERENCES participants (pseudonym) ON DELETE CASCADE,
    slug TEXT,
    response_id TEXT,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_slug ON sessions (slug);

CREATE TABLE participations (
    pseudonym BLOB NOT NULL REFERENCES participants (pseudonym) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'left')),
    hear_back INTEGER NOT NULL DEFAULT 0,
    channel TEXT NOT NULL,
    PRIMARY KEY (pseudonym, slug)
) WITHOUT ROWID;
CREATE INDEX participations_by_slug ON participations (slug, hear_back);

CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    version INTEGER NOT NULL,
    month TEXT NOT NULL,
    age_band TEXT,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0,
    participant BLOB
) WITHOUT ROWID;
CREATE INDEX responses_by_slug ON responses (slug, completed);

CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (response_id, question_id, value)
) WITHOUT ROWID;

CREATE TABLE inbound_seen (
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seen_on TEXT NOT NULL,
    PRIMARY KEY (channel, message_id)
) WITHOUT ROWID;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    pseudonym BLOB REFERENCES participants (pseudonym) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 10,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT,
    provider_id TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, priority, not_before);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    slug TEXT,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    phrase TEXT NOT NULL,
    detail BLOB NOT NULL,
    acknowledged_at TEXT,
    note TEXT
);
