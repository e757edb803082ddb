-- Accounts of the council's staff (dashboard logins come later: password_hash stays empty
-- until a password is set). Staff email addresses are not young people's details.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'reviewer', 'safeguarding')),
    name TEXT,
    password_hash TEXT,
    created_at TEXT NOT NULL
);

-- A child's contribution to their care review. The one-time code is kept only as a keyed
-- hash (to find the review when a child sends it) and sealed (to show it to the worker).
-- The first chat or number to use the code binds it: pseudonym, channel and the sealed
-- address for reminders and the worker's reply. What the child chose to send is sealed
-- JSON; until they send, their answers live only in their (sealed) session.
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    code_hash BLOB NOT NULL UNIQUE,
    code BLOB NOT NULL,
    slug TEXT NOT NULL,
    worker_id INTEGER NOT NULL REFERENCES accounts (id),
    due TEXT NOT NULL,
    created_at TEXT NOT NULL,
    bound_at TEXT,
    pseudonym BLOB,
    channel TEXT,
    address BLOB,
    status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'shared', 'not_shared')),
    decided_at TEXT,
    contribution BLOB,
    replied_at TEXT
);
CREATE INDEX reviews_by_worker ON reviews (worker_id, due);
CREATE INDEX reviews_by_pseudonym ON reviews (pseudonym);

-- Wrong review codes, by the keyed pseudonym of who sent them, to slow down guessing.
CREATE TABLE code_attempts (
    sender BLOB NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX code_attempts_by_sender ON code_attempts (sender, at);

-- Who read or changed what, appended to and never changed.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL
);

-- An alert raised in a review names it: that child can be identified and helped.
ALTER TABLE alerts ADD COLUMN review_id INTEGER;
