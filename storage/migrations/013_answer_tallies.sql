-- Results read counts kept as answers are written, instead of grouping every answer at read
-- time (over 1,000,000 answers that took 2-3 s, nine tenths of it sorting into groups).
-- answer_tallies: how many answers of each value each question has; question_tallies: how
-- many responses answered each question (a multi answer is several rows of one response).
-- Triggers keep both right on every path that writes answers: a step, BACK and a changed
-- answer, DELETE, the retention purge, and a response deleted with its answers (by the
-- foreign key, which removes the answers after the response: the response's own trigger
-- takes them off first, and the answers' trigger then finds no response and does nothing).
-- A count that reaches 0 is deleted: a free-text answer is a value too, and what a young
-- person erased must not stay behind here (secure_delete overwrites it).
CREATE TABLE answer_tallies (
    slug TEXT NOT NULL,
    question_id TEXT NOT NULL,
    value TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (slug, question_id, value)
) WITHOUT ROWID;

CREATE TABLE question_tallies (
    slug TEXT NOT NULL,
    question_id TEXT NOT NULL,
    answered INTEGER NOT NULL,
    PRIMARY KEY (slug, question_id)
) WITHOUT ROWID;

INSERT INTO answer_tallies (slug, question_id, value, count)
SELECT r.slug, a.question_id, a.value, count(*) FROM answers a
JOIN responses r ON r.id = a.response_id GROUP BY r.slug, a.question_id, a.value;

INSERT INTO question_tallies (slug, question_id, answered)
SELECT r.slug, a.question_id, count(DISTINCT a.response_id) FROM answers a
JOIN responses r ON r.id = a.response_id GROUP BY r.slug, a.question_id;

CREATE TRIGGER answers_tally_insert AFTER INSERT ON answers BEGIN
    INSERT INTO answer_tallies (slug, question_id, value, count)
    SELECT slug, NEW.question_id, NEW.value, 1 FROM responses WHERE id = NEW.response_id
    ON CONFLICT (slug, question_id, value) DO UPDATE SET count = count + 1;
    -- The response's first answer to this question (a multi answer adds several rows).
    INSERT INTO question_tallies (slug, question_id, answered)
    SELECT slug, NEW.question_id, 1 FROM responses WHERE id = NEW.response_id
    AND NOT EXISTS (SELECT 1 FROM answers WHERE response_id = NEW.response_id
        AND question_id = NEW.question_id AND value <> NEW.value)
    ON CONFLICT (slug, question_id) DO UPDATE SET answered = answered + 1;
END;

CREATE TRIGGER answers_tally_delete AFTER DELETE ON answers
WHEN EXISTS (SELECT 1 FROM responses WHERE id = OLD.response_id) BEGIN
    UPDATE answer_tallies SET count = count - 1
    WHERE slug = (SELECT slug FROM responses WHERE id = OLD.response_id)
    AND question_id = OLD.question_id AND value = OLD.value;
    -- The response's last answer to this question gone.
    UPDATE question_tallies SET answered = answered - 1
    WHERE slug = (SELECT slug FROM responses WHERE id = OLD.response_id)
    AND question_id = OLD.question_id
    AND NOT EXISTS (SELECT 1 FROM answers WHERE response_id = OLD.response_id
        AND question_id = OLD.question_id);
    DELETE FROM answer_tallies WHERE count <= 0
    AND slug = (SELECT slug FROM responses WHERE id = OLD.response_id)
    AND question_id = OLD.question_id AND value = OLD.value;
    DELETE FROM question_tallies WHERE answered <= 0
    AND slug = (SELECT slug FROM responses WHERE id = OLD.response_id)
    AND question_id = OLD.question_id;
END;

CREATE TRIGGER responses_tally_delete BEFORE DELETE ON responses BEGIN
    UPDATE answer_tallies SET count = count - (
        SELECT count(*) FROM answers WHERE response_id = OLD.id
        AND question_id = answer_tallies.question_id AND value = answer_tallies.value)
    WHERE slug = OLD.slug
    AND (question_id, value) IN (SELECT question_id, value FROM answers WHERE response_id = OLD.id);
    UPDATE question_tallies SET answered = answered - 1
    WHERE slug = OLD.slug
    AND question_id IN (SELECT question_id FROM answers WHERE response_id = OLD.id);
    DELETE FROM answer_tallies WHERE slug = OLD.slug AND count <= 0;
    DELETE FROM question_tallies WHERE slug = OLD.slug AND answered <= 0;
END;
