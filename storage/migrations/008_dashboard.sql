-- Dashboard logins. A password is set through a one-time link (kept as a hash, expiring);
-- sessions live here, known by a hash of the cookie's value, each with its CSRF token;
-- failed logins are counted per account and per address to slow down guessing.
ALTER TABLE accounts ADD COLUMN totp_secret BLOB;

CREATE TABLE password_links (
    token_hash BLOB PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    used_at TEXT
) WITHOUT ROWID;

CREATE TABLE web_sessions (
    id_hash BLOB PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    second_factor INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX web_sessions_by_account ON web_sessions (account_id);

CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at);
