"""Reading ages of the words under-13s read, and how `survey validate` warns about them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conversations import reading_age
from conversations.reading_age import advice, reading, survey_warnings, syllables
from conversations.survey_loader import (
    load_survey,
    parse_survey,
    sample_survey_paths,
    wording_warnings,
)
from tests.integration.helpers import ok, run

PLAIN = "Do you go to the park a lot? Tell us what you like to do there."
HARD = (
    "How satisfied are you with the accessibility and maintenance of recreational "
    "facilities in your neighbourhood, considering the available transportation?"
)
WARNING = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<path>[\w.\[\]]+): warning: .+$")


def survey(
    *,
    ages: str = "",
    languages: str = "[en, cy]",
    purpose: str = "We want to know what you think.",
    question: str = "",
) -> str:
    return f"""spec_version: 1
slug: words
title: Words
languages: {languages}
{ages}purpose: {purpose}
audience: The council will read it.
questions:
  - id: park
    type: yes_no
    text: Do you like the park?
{question}"""


HARD_QUESTION = f"""  - id: rate
    type: scale
    text:
      en: {HARD}
      cy: Pa mor fodlon ydych chi gyda hygyrchedd cyfleusterau hamdden yn eich cymdogaeth?
"""


# --- scoring --------------------------------------------------------------------------------
def test_a_plain_under_13_text_passes() -> None:
    found = reading(PLAIN)
    assert found.reading_age is not None
    assert found.reading_age <= reading_age.TARGET_READING_AGE
    assert not found.too_hard and not found.too_long
    assert advice(PLAIN) is None


def test_a_long_complex_text_warns_with_its_reading_age_and_what_to_try() -> None:
    found = reading(HARD)
    assert found.too_hard
    assert "accessibility" in found.long_words
    message = advice(HARD, can_add_under_13=True)
    assert message is not None
    assert f"reading age of {found.reading_age}" in message or "18 or more" in message
    assert "'accessibility'" in message
    assert "try shorter words and sentences, or add text_under_13" in message


def test_short_texts_are_not_scored() -> None:
    # Seven words with one three-syllable word would score a reading age of 11.
    found = reading("Do grown-ups at services listen to you?")
    assert found.reading_age is None
    assert advice("Do grown-ups at services listen to you?") is None


def test_a_short_text_with_a_long_word_still_warns() -> None:
    message = advice("Rate the accessibility.")
    assert message is not None and "'accessibility'" in message


def test_names_are_not_held_against_a_text() -> None:
    text = "Your Independent Reviewing Officer will read what you send."
    assert reading(text).long_words == ()
    assert advice(text) is None


def test_long_sentences_and_long_texts_warn() -> None:
    sentence = " ".join(["we"] * 16) + "."
    message = advice(sentence)
    assert message is not None and "a sentence of 16 words" in message
    many = " ".join(["We like it."] * 9)
    assert reading(many).words == 27
    message = advice(many)
    assert message is not None and "runs to 27 words" in message


@pytest.mark.parametrize(
    ("word", "count"),
    [("park", 1), ("safe", 1), ("people", 2), ("happy", 2), ("playing", 2), ("played", 1)],
)
def test_syllables_are_counted_without_a_dictionary(word: str, count: int) -> None:
    assert syllables(word) == count


def test_scoring_never_downloads_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    import nltk

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("reading_age tried to download data")

    monkeypatch.setattr(nltk, "download", refuse)
    assert reading(HARD + " " + PLAIN).reading_age is not None


# --- surveys --------------------------------------------------------------------------------
def test_non_english_wording_is_skipped() -> None:
    found = list(survey_warnings(parse_survey(survey(question=HARD_QUESTION))))
    assert [(warning.path, warning.language) for warning in found] == [("questions[1].text", "en")]
    # Only the English is scored, so a survey in Welsh alone is not, whatever its words.
    welsh = survey(
        languages="[cy]", purpose=HARD, question=f"  - id: rate\n    type: text\n    text: {HARD}\n"
    )
    assert list(survey_warnings(parse_survey(welsh))) == []


def test_only_surveys_open_to_under_13s_are_checked() -> None:
    assert list(survey_warnings(parse_survey(survey(question=HARD_QUESTION)))) != []
    older = survey(ages="ages: {min: 13, max: 25}\n", question=HARD_QUESTION)
    assert list(survey_warnings(parse_survey(older))) == []


def test_text_under_13_is_checked_instead_of_text() -> None:
    kinder = HARD_QUESTION + "    text_under_13: Are the places to play near you good?\n"
    assert list(survey_warnings(parse_survey(survey(question=kinder)))) == []
    harder = HARD_QUESTION + f"    text_under_13: {HARD}\n"
    [found] = survey_warnings(parse_survey(survey(question=harder)))
    assert found.path == "questions[1].text_under_13"
    assert "add text_under_13" not in found.message


def test_warnings_carry_the_line_of_their_field() -> None:
    text = survey(purpose=HARD, question=HARD_QUESTION)
    found = wording_warnings(text, parse_survey(text), "words.yaml")
    assert [(warning.line, warning.path) for warning in found] == [
        (5, "purpose"),
        (14, "questions[1].text.en"),
    ]
    assert all(WARNING.match(str(warning)) for warning in found)


@pytest.mark.parametrize("path", sample_survey_paths(), ids=lambda path: Path(path).name)
def test_the_samples_read_easily_for_under_13s(path: Path) -> None:
    assert list(survey_warnings(load_survey(path))) == []


# --- youthvoice survey validate -------------------------------------------------------------
def test_validate_warns_without_failing(tmp_path: Path) -> None:
    (tmp_path / "words.yaml").write_text(survey(purpose=HARD, question=HARD_QUESTION))
    result = run(tmp_path, "survey", "validate", "words.yaml")
    assert ok(result) == "1 survey file OK\n"
    warnings = result.stderr.splitlines()
    assert [line.split(": warning: ")[0] for line in warnings] == [
        "words.yaml:5: purpose",
        "words.yaml:14: questions[1].text.en",
    ]
    assert all(WARNING.match(line) for line in warnings), warnings
    assert "seems to need a reading age of" in warnings[1]
    assert "or add text_under_13" in warnings[1]


def test_validate_still_fails_on_real_problems(tmp_path: Path) -> None:
    (tmp_path / "words.yaml").write_text(survey(purpose=HARD, question=HARD_QUESTION))
    (tmp_path / "broken.yaml").write_text(survey().replace("type: yes_no", "type: maybe"))
    result = run(tmp_path, "survey", "validate", "words.yaml", "broken.yaml")
    assert result.returncode == 1
    assert result.stdout.startswith("broken.yaml:9: questions[0].type: 'maybe'")
    assert len(result.stderr.splitlines()) == 2
