-- "You Said, We Did": each survey's public log of what changed because young people spoke.
-- The messages themselves go through the outbox, one per participant who asked to hear back.
CREATE TABLE feedback_posts (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    said TEXT NOT NULL,
    did TEXT NOT NULL,
    posted_at TEXT NOT NULL,
    UNIQUE (slug, said, did)
);
