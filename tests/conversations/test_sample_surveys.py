"""The sample surveys shipped with youthvoice load cleanly and show off every feature."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.survey import QUESTION_TYPES, Survey
from conversations.survey_loader import load_survey, sample_survey_paths

# Long enough for a question to fit in one SMS with its reply hint.
MAX_QUESTION_CHARS = 140


def _samples() -> dict[str, Survey]:
    return {path.stem: load_survey(path) for path in sample_survey_paths()}


def test_the_samples_are_found_in_order() -> None:
    names = [path.name for path in sample_survey_paths()]
    assert names == sorted(names)
    assert {"better-services.yaml", "my-place.yaml", "my-review.yaml"} <= set(names)


@pytest.mark.parametrize("path", sample_survey_paths(), ids=lambda path: Path(path).name)
def test_every_sample_loads(path: Path) -> None:
    survey = load_survey(path)
    assert survey.slug == path.stem


def test_the_samples_use_every_question_type_between_them() -> None:
    used = {question.type for survey in _samples().values() for question in survey.questions}
    assert used == set(QUESTION_TYPES)


def test_better_services_shows_off_the_features() -> None:
    survey = _samples()["better-services"]
    assert survey.kind == "consultation" and survey.anonymous
    assert survey.keyword == "SERVICES"
    assert (survey.ages.min, survey.ages.max) == (11, 25)
    assert {question.type for question in survey.questions} == set(QUESTION_TYPES)
    assert any(question.show_if for question in survey.questions)
    assert any(question.text_under_13 for question in survey.questions)
    assert survey.question("area").type == "choice"
    assert survey.closes and survey.feedback_by and survey.closes <= survey.feedback_by


def test_my_place_is_for_young_children_with_emoji() -> None:
    survey = _samples()["my-place"]
    assert (survey.ages.min, survey.ages.max) == (8, 12)
    assert survey.keyword == "MYPLACE"
    scale = next(question for question in survey.questions if question.type == "scale")
    assert scale.min_label and scale.max_label
    assert "😞" in scale.min_label["en"] and "😀" in scale.max_label["en"]
    assert any(question.show_if for question in survey.questions)


def test_my_review_is_a_named_review() -> None:
    survey = _samples()["my-review"]
    assert survey.kind == "review"
    assert not survey.anonymous
    assert survey.keyword is None and survey.closes is None and survey.feedback_by is None
    assert "Independent Reviewing Officer" in survey.audience["en"]
    assert survey.question("meeting").possible_values() == (
        "yes",
        "yes_with_help",
        "send_views",
        "not_sure",
    )


@pytest.mark.parametrize("path", sample_survey_paths(), ids=lambda path: Path(path).name)
def test_every_question_fits_a_text_message(path: Path) -> None:
    survey = load_survey(path)
    for question in survey.questions:
        for under_13 in (False, True):
            for language in survey.languages:
                assert len(question.wording(language, under_13)) <= MAX_QUESTION_CHARS
