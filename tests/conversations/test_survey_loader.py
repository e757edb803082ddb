"""Survey files: every problem reported at its line, and good files read as meant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from conversations.survey import Question, Survey
from conversations.survey_loader import (
    SurveyInvalid,
    SurveyProblem,
    load_survey,
    parse_survey,
    sample_survey_paths,
)

BROKEN = Path(__file__).parent / "broken"

HEADER = """\
spec_version: 1
slug: test
title: Test
purpose: Testing.
audience: Nobody.
"""

# (file, [(line, path, part of the message)]) — every problem the file must report,
# in the order they are reported.
CASES = [
    (
        "unknown_type.yaml",
        [(8, "questions[0].type", "'dropdown' is not a question type; use one of: choice, multi")],
    ),
    (
        "duplicate_id.yaml",
        [(14, "questions[1].id", "'travel' is already the id of questions[0]")],
    ),
    (
        "show_if_forward.yaml",
        [
            (
                10,
                "questions[0].show_if.question",
                "'safe' is asked after this question; "
                "show_if can only refer to an earlier question",
            )
        ],
    ),
    (
        "show_if_impossible_value.yaml",
        [(17, "questions[1].show_if.in[1]", "'7' is not an answer 'safe' can have")],
    ),
    (
        "missing_translation.yaml",
        [
            (16, "questions[0].text", "missing translation for cy"),
        ],
    ),
    ("bad_yaml.yaml", [(9, "yaml", "mapping values are not allowed here")]),
    (
        "unknown_field.yaml",
        [
            (7, "questions[0].options", "a choice question needs 2 to 10 options"),
            (10, "questions[0].option", "unknown field 'option'; did you mean 'options'?"),
        ],
    ),
    ("too_few_options.yaml", [(10, "questions[0].options", "has 1 option; a choice question")]),
    ("too_many_options.yaml", [(10, "questions[0].options", "has 11 options; a multi question")]),
    ("scale_too_wide.yaml", [(11, "questions[0].max", "has 21 points; the most is 11")]),
    ("bad_slug.yaml", [(2, "slug", "'Youth Voice 2027' is not a valid slug")]),
    ("review_with_keyword.yaml", [(5, "keyword", "a review has no keyword")]),
    (
        "many_problems.yaml",
        [
            (5, "keyword", "'STOP' can't be a keyword"),
            (8, "feedback_by", "is before the survey closes"),
            (16, "questions[0].options[1].id", "'north' is already the id of options[0]"),
            (18, "questions[1].type", "'sliders' is not a question type"),
            (26, "questions[3].show_if.in[0]", "'maybe' is not an answer 'agree' can have"),
            (27, "questions[3].colour", "unknown field 'colour'"),
            (28, "questions[4].id", "'why' is already the id of questions[3]"),
            (30, "questions[4].text", "is empty"),
        ],
    ),
]


def _problems(text: str) -> tuple[SurveyProblem, ...]:
    with pytest.raises(SurveyInvalid) as caught:
        parse_survey(text, "test.yaml")
    return caught.value.problems


def _lines(text: str) -> list[str]:
    return [f"{problem.line}: {problem.path}: {problem.message}" for problem in _problems(text)]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
def test_a_broken_file_reports_each_problem_at_its_line(
    name: str, expected: list[tuple[int, str, str]]
) -> None:
    path = BROKEN / name
    with pytest.raises(SurveyInvalid) as caught:
        load_survey(path)
    problems = caught.value.problems
    lines = str(caught.value).splitlines()
    assert len(problems) == len(expected), lines
    for problem, text, (line, field, message) in zip(problems, lines, expected, strict=True):
        assert text.startswith(f"{path}:{line}: {field}: "), text
        assert message in problem.message, text
        assert str(problem) == text


def test_every_broken_fixture_is_covered() -> None:
    assert {path.name for path in BROKEN.glob("*.yaml")} == {name for name, _ in CASES}


def test_a_problem_prints_as_file_line_path_message() -> None:
    problem = SurveyProblem("parks.yaml", 12, "questions[2].id", "is missing")
    assert str(problem) == "parks.yaml:12: questions[2].id: is missing"
    error = SurveyInvalid([problem, problem])
    assert isinstance(error, ValueError)
    assert str(error) == f"{problem}\n{problem}"


def test_a_valid_two_language_survey_has_every_text_in_both() -> None:
    survey = parse_survey(
        """\
spec_version: 1
slug: parks-2027
title: {en: Parks, cy: Parciau}
keyword: parks
languages: [en, cy]
purpose:
  cy: "  Rydyn ni eisiau gwybod.  "
  en: "  We want to know.  "
audience: {en: The council will read it., cy: Bydd y cyngor yn ei ddarllen.}
questions:
  - id: safe
    type: scale
    text:
      en: How safe do you feel?
      cy: Pa mor ddiogel ydych chi'n teimlo?
    text_under_13:
      en: Do you feel safe?
      cy: Ydych chi'n teimlo'n ddiogel?
    min_label: {en: Not safe, cy: Ddim yn ddiogel}
    max_label: {en: Very safe, cy: Diogel iawn}
  - id: area
    type: choice
    text: {en: Where do you live, cy: Ble rydych chi'n byw}
    options:
      - {id: north, label: {en: North, cy: Gogledd}}
      - {id: south, label: {en: South, cy: De}}
""",
        "parks.yaml",
    )
    assert survey.languages == ("en", "cy")
    assert survey.default_language == "en"
    assert survey.keyword == "PARKS"
    assert survey.anonymous
    # Maps keep the survey's language order, and surrounding spaces are trimmed.
    assert survey.purpose == {"en": "We want to know.", "cy": "Rydyn ni eisiau gwybod."}
    assert list(survey.purpose) == ["en", "cy"]
    assert survey.local(survey.title, "cy") == "Parciau"
    assert survey.local(survey.title, "pl") == "Parks"
    safe = survey.question("safe")
    assert (safe.min, safe.max) == (1, 5)
    assert safe.wording("cy", under_13=False) == "Pa mor ddiogel ydych chi'n teimlo?"
    assert safe.wording("cy", under_13=True) == "Ydych chi'n teimlo'n ddiogel?"
    assert survey.question("area").options[1].label == {"en": "South", "cy": "De"}
    with pytest.raises(KeyError):
        survey.question("nope")


def test_plain_texts_belong_to_the_only_language() -> None:
    survey = parse_survey(
        HEADER
        + """\
languages: [cy]
questions:
  - {id: why, type: text, text: "  Pam?  "}
"""
    )
    assert survey.title == {"cy": "Test"}
    assert survey.question("why").text == {"cy": "Pam?"}
    assert survey.question("why").max_length == 1000


def test_translations_must_cover_every_language_and_no_others() -> None:
    assert _lines(
        """\
spec_version: 1
slug: test
title: {en: Test, cy: Prawf}
languages: [en, cy, cy, Welsh]
purpose: {en: Testing.}
audience: {en: Nobody., cy: Neb., fr: Personne.}
questions:
  - id: a
    type: text
    text: {en: A, cy: "  "}
"""
    ) == [
        "4: languages[2]: 'cy' is listed twice",
        "4: languages[3]: 'Welsh' is not a language code; use a code like en, cy, pl, ur or pt-BR",
        "5: purpose: missing translation for cy",
        "6: audience.fr: 'fr' is not one of this survey's languages (en and cy)",
        "10: questions[0].text.cy: is empty",
    ]


def test_yaml_booleans_in_show_if_mean_yes_and_no() -> None:
    survey = parse_survey(
        HEADER
        + """\
questions:
  - {id: club, type: yes_no, text: "Do you go to a youth club?"}
  - id: why_not
    type: text
    text: Why not?
    show_if: {question: club, in: [no]}
  - id: what
    type: text
    text: What do you do there?
    show_if: {question: club, in: [yes, Y, "true", on]}
  - id: how
    type: text
    text: How did you find it?
    show_if: {question: club, in: true}
"""
    )
    assert survey.question("why_not").show_if is not None
    assert survey.question("why_not").show_if.values == ("no",)
    assert survey.question("what").show_if.values == ("yes",)  # type: ignore[union-attr]
    assert survey.question("how").show_if.values == ("yes",)  # type: ignore[union-attr]


def test_show_if_values_become_answer_strings() -> None:
    survey = parse_survey(
        HEADER
        + """\
questions:
  - {id: safe, type: scale, text: How safe, min: 0, max: 10}
  - id: reply
    type: choice
    text: Shall we reply
    options: [{id: yes, label: yes}, {id: no, label: no}]
  - {id: low, type: text, text: Why, show_if: {question: safe, in: [0, "1", 2.0]}}
  - {id: sure, type: yes_no, text: "Sure?", show_if: {question: reply, in: [no]}}
"""
    )
    assert survey.question("low").show_if.values == ("0", "1", "2")  # type: ignore[union-attr]
    assert survey.question("reply").options[1].id == "no"
    assert survey.question("reply").options[0].label == {"en": "yes"}
    assert survey.question("sure").show_if.values == ("no",)  # type: ignore[union-attr]


def test_show_if_must_point_back_at_a_question_with_answers() -> None:
    assert _lines(
        HEADER
        + """\
questions:
  - {id: a, type: text, text: A}
  - id: b
    type: yes_no
    text: B
    show_if: {question: a, in: [hello]}
  - id: c
    type: yes_no
    text: C
    show_if: {question: c, in: [yes]}
  - id: d
    type: yes_no
    text: D
    show_if: {question: nowhere, in: [yes]}
  - id: e
    type: yes_no
    text: E
    show_if: {question: b, in: []}
"""
    ) == [
        "11: questions[1].show_if.question: 'a' is a text question; show_if can only depend "
        "on a choice, multi, scale or yes_no question",
        "15: questions[2].show_if.question: a question can't depend on its own answer",
        "19: questions[3].show_if.question: there is no question 'nowhere' in this survey",
        "23: questions[4].show_if.in: is empty; list the answers that make this question appear",
    ]


def test_required_questions_may_have_show_if() -> None:
    survey = parse_survey(
        HEADER
        + """\
questions:
  - {id: a, type: yes_no, text: A}
  - {id: b, type: text, text: B, required: true, show_if: {question: a, in: [yes]}}
"""
    )
    assert survey.question("b").required


def test_fields_only_go_on_questions_that_take_them() -> None:
    assert _lines(
        HEADER
        + """\
questions:
  - id: a
    type: yes_no
    text: A
    options: [{id: x, label: X}, {id: y, label: Y}]
    min: 0
    max_label: Lots
    max_length: 20
  - {id: b, type: scale, text: B, min: 3, max: 3}
  - {id: c, type: text, text: C, max_length: 5000}
"""
    ) == [
        "10: questions[0].options: only choice and multi questions have options; "
        "this is a yes_no question",
        "11: questions[0].min: only scale questions have min; this is a yes_no question",
        "12: questions[0].max_label: only scale questions have max_label; "
        "this is a yes_no question",
        "13: questions[0].max_length: only text questions have max_length; "
        "this is a yes_no question",
        "14: questions[1].max: the scale goes from 3 to 3; max must be more than min",
        "15: questions[2].max_length: 5000 is not between 1 and 4000 characters",
    ]


def test_reviews_are_named_and_have_no_dates_or_keyword() -> None:
    assert _lines(
        """\
spec_version: 1
slug: my-review
title: My review
kind: review
purpose: Tell your reviewing officer how things are.
audience: "  "
closes: 2027-01-01
feedback_by: 2027-02-01
questions:
  - {id: a, type: text, text: A}
"""
    ) == [
        "6: audience: a review must say who will see the answers, e.g. 'Your Independent "
        "Reviewing Officer (IRO) will read what you choose to send.'",
        "7: closes: a review has no closing date: each child's review has its own due date",
        "8: feedback_by: a review has no feedback_by date: the reviewing officer replies "
        "to each child after their review",
    ]


def test_feedback_cannot_come_before_the_survey_closes() -> None:
    assert _lines(HEADER + "feedback_by: 2027-01-31\ncloses: 2027-02-28\n" + _ONE_QUESTION) == [
        "6: feedback_by: 2027-01-31 is before the survey closes (2027-02-28); you can't tell "
        "people what changed before it has closed"
    ]
    survey = parse_survey(HEADER + "feedback_by: 2027-02-28\ncloses: 2027-01-31\n" + _ONE_QUESTION)
    assert survey.feedback_by == date(2027, 2, 28)


_ONE_QUESTION = "questions:\n  - {id: a, type: text, text: A}\n"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("keyword: stop\n", "6: keyword: 'STOP' can't be a keyword"),
        ("keyword: parks 2027\n", "6: keyword: 'parks 2027' is not a valid keyword"),
        ("keyword: no\n", "6: keyword: 'NO' can't be a keyword"),
        ("ages: {min: 5, max: 25}\n", "6: ages.min: 5 is outside 8 to 25"),
        ("ages: {min: 16, max: 12}\n", "6: ages.max: 12 is lower than the youngest age (16)"),
        ("closes: 2027-02-30\n", "6: closes: should be a date written like 2027-03-31"),
        ("kind: named\n", "6: kind: 'named' is not a kind of survey"),
        ("on: true\n", "6: on: unknown field 'on'"),
        ("title: again\n", "6: title: 'title' is given more than once here"),
    ],
)
def test_survey_fields_are_checked(fields: str, expected: str) -> None:
    assert _lines(HEADER + fields + _ONE_QUESTION)[0].startswith(expected)


def test_a_missing_field_is_reported_at_its_parent() -> None:
    assert _lines(
        HEADER
        + """\
questions:
  - id: a
    text: A
  - id: Bad Id
    type: choice
    text: B
"""
    ) == [
        "7: questions[0].type: is missing",
        "9: questions[1].id: 'Bad Id' is not a valid id: use up to 40 lower-case letters, "
        "digits and underscores, like where_you_live",
        "9: questions[1].options: a choice question needs 2 to 10 options",
    ]


def test_wrong_kinds_of_value_are_explained() -> None:
    assert _lines(
        """\
spec_version: 2
slug: [a, b]
title: Test
purpose: Testing.
audience: Nobody.
ages: 11-25
questions:
  - id: a
    type: scale
    text: A
    min: low
    required: maybe
"""
    ) == [
        "1: spec_version: '2' is not a version this youthvoice reads; use spec_version: 1",
        "2: slug: should be text",
        "6: ages: should be written like {min: 11, max: 25}",
        "11: questions[0].min: should be a whole number",
        "12: questions[0].required: should be true or false",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1: (top): the file is empty"),
        ("- a\n- b\n", "1: (top): a survey should be a set of fields"),
        ("a: 1\n---\nb: 2\n", "2: yaml: this is not valid YAML: there is more than one document"),
        ("a:\n\t- b\n", "2: yaml: this is not valid YAML: found character '\\t'"),
        ("a: {b: Why?}\n", "1: yaml: this is not valid YAML: expected ',' or '}', but got '?'"),
    ],
)
def test_files_that_are_not_surveys(text: str, expected: str) -> None:
    lines = _lines(text)
    assert len(lines) == 1
    assert lines[0].startswith(expected)


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(SurveyInvalid) as caught:
        load_survey(missing)
    assert str(caught.value) == f"{missing}:1: (file): there is no such file"

    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"spec_version: 1\ntitle: caf\xe9\n")
    with pytest.raises(SurveyInvalid) as caught:
        load_survey(latin)
    assert str(caught.value).startswith(f"{latin}:1: (file): the file is not UTF-8 text")

    with pytest.raises(SurveyInvalid) as caught:
        load_survey(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}:1: (file): the file can't be read")


def test_load_survey_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "test.yaml"
    path.write_text("\ufeff" + HEADER + _ONE_QUESTION, encoding="utf-8")
    assert load_survey(str(path)).slug == "test"


def test_possible_values_and_wording() -> None:
    survey = parse_survey(
        HEADER
        + """\
questions:
  - id: area
    type: choice
    text: Which part of the county do you live in?
    text_under_13: Where do you live?
    options: [{id: north, label: North}, {id: city, label: The city}]
  - {id: help, type: multi, text: Help, options: [{id: a, label: A}, {id: b, label: B}]}
  - {id: score, type: scale, text: Score, min: 0, max: 3}
  - {id: happy, type: scale, text: Happy}
  - {id: safe, type: yes_no, text: Safe}
  - {id: words, type: text, text: Words}
"""
    )
    assert survey.question("area").possible_values() == ("north", "city")
    assert survey.question("help").possible_values() == ("a", "b")
    assert survey.question("score").possible_values() == ("0", "1", "2", "3")
    assert survey.question("happy").possible_values() == ("1", "2", "3", "4", "5")
    assert survey.question("safe").possible_values() == ("yes", "no")
    assert survey.question("words").possible_values() == ()
    area = survey.question("area")
    assert area.wording("en", under_13=True) == "Where do you live?"
    assert area.wording("en", under_13=False) == "Which part of the county do you live in?"
    assert survey.question("safe").wording("en", under_13=True) == "Safe"
    # An unknown language falls back to the default one.
    assert area.wording("pl", under_13=False) == "Which part of the county do you live in?"


def test_the_models_refuse_a_broken_survey_built_in_code() -> None:
    data = {
        "spec_version": 1,
        "slug": "test",
        "title": "Test",
        "purpose": "Testing.",
        "audience": "Nobody.",
        "questions": [
            {"id": "a", "type": "text", "text": "A", "show_if": {"question": "b", "in": ["yes"]}},
            {"id": "b", "type": "yes_no", "text": "B"},
        ],
    }
    with pytest.raises(ValidationError, match="'b' is asked after this question"):
        Survey.model_validate(data)
    with pytest.raises(ValidationError, match="only choice and multi questions have options"):
        Question.model_validate(
            {
                "id": "a",
                "type": "text",
                "text": {"en": "A"},
                "options": [{"id": "x", "label": {"en": "X"}}],
            }
        )


def test_a_survey_is_frozen() -> None:
    survey = parse_survey(HEADER + _ONE_QUESTION)
    with pytest.raises(ValidationError):
        survey.slug = "other"  # type: ignore[misc]


@pytest.mark.parametrize("path", sample_survey_paths(), ids=lambda path: Path(path).name)
def test_damaged_samples_only_ever_give_survey_problems(path: Path) -> None:
    """Whatever a coordinator deletes or mistypes, they get problems, never a crash."""
    lines = path.read_text(encoding="utf-8").splitlines()
    junk = ["[]", "~", "yes", "7", "[1, [2]]", "{a: {b: c}}", "2027-02-30"]
    for i, line in enumerate(lines):
        variants = [lines[:i] + lines[i + 1 :]]
        if ":" in line:
            key = line.split(":", 1)[0]
            variants += [[*lines[:i], f"{key}: {value}", *lines[i + 1 :]] for value in junk]
        for variant in variants:
            try:
                parse_survey("\n".join(variant), "damaged.yaml")
            except SurveyInvalid as error:
                assert error.problems
                for problem in error.problems:
                    assert problem.line >= 1 and problem.path and problem.message


def test_aliases_cannot_blow_a_file_up() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]\n"
        for previous, name in zip("abcdefg", "bcdefgh", strict=True)
    )
    assert _lines(bomb) == ["1: yaml: the file's aliases (*name) make it bigger than 100000 values"]


@pytest.mark.parametrize("path", sample_survey_paths(), ids=lambda path: Path(path).name)
def test_a_survey_survives_a_round_trip_through_json(path: Path) -> None:
    survey = load_survey(path)
    assert Survey.model_validate_json(survey.model_dump_json()) == survey
    assert Survey.model_validate(survey.model_dump(by_alias=True)) == survey


INTERFACE_EXAMPLE = """\
spec_version: 1
slug: parks-2027
title: Parks and open spaces
kind: consultation
keyword: PARKS
ages: {min: 11, max: 25}
languages: [en, cy]
purpose: We want to know how you use parks so the council can decide where to spend money next year.
audience: The council's Cabinet Member for Environment will read what you say.
feedback_by: 2027-04-01
closes: 2027-02-28
questions:
  - id: visit
    type: choice
    text: How often do you go to a park?
    text_under_13: Do you go to the park a lot?
    options:
      - {id: weekly, label: Every week}
      - {id: monthly, label: Every month}
      - {id: rarely, label: Hardly ever}
  - id: safe
    type: scale
    text:
      en: How safe do you feel in your local park?
      cy: Pa mor ddiogel ydych chi'n teimlo yn eich parc lleol?
    min: 1
    max: 5
    min_label: Not safe
    max_label: Very safe
  - id: why_unsafe
    type: text
    text: What makes you feel unsafe?
    show_if: {question: safe, in: [1, 2]}
    max_length: 500
  - id: area
    type: choice
    text: Which part of the county do you live in?
    options: [{id: north, label: North}, {id: south, label: South}, {id: city, label: The city}]
"""


def test_the_interface_example_is_valid() -> None:
    """The example in the public interface must load: plain strings serve every language."""
    survey = parse_survey(INTERFACE_EXAMPLE, "parks.yaml")
    assert survey.languages == ("en", "cy")
    assert survey.question("safe").wording("cy", False).startswith("Pa mor ddiogel")
    assert survey.question("visit").wording("cy", False) == "How often do you go to a park?"
    assert survey.question("why_unsafe").show_if is not None
    assert survey.question("why_unsafe").show_if.values == ("1", "2")
