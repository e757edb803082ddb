"""What each question costs by SMS, and how `youthvoice survey validate` reports it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.channels.sms_text import count_segments
from bot.sms_cost import MAX_SEGMENTS, question_costs, sms_message, text_lines, wordings
from conversations.survey_loader import load_survey, parse_survey, sample_survey_paths
from tests.integration.helpers import ok, one_error_line, run

SAMPLES = sample_survey_paths()

LONG = """\
spec_version: 1
slug: long-one
title: Long
languages: [en, cy]
purpose: To test.
audience: Testers.
questions:
  - id: sunny
    type: yes_no
    text: Is it sunny?
  - id: feelings
    type: choice
    text:
      en: How do you feel about the way the council talks to young people?
      cy: >-
        Sut wyt ti'n teimlo am y ffordd mae'r cyngor yn siarad â phobl ifanc am
        gynlluniau newydd yn y dref a'r pentrefi?
    options:
      - {id: good, label: "😀"}
      - {id: okay, label: "😐"}
      - {id: bad, label: "😞"}
"""
WARNING = re.compile(
    r"^long\.yaml:13: questions\[1\]\.text: warning: costs 3 SMS segments \(UCS-2 because of "
    r"â 😀 😐 😞, \d+ characters, in cy; 2 or fewer is best\)$"
)
BROKEN = LONG.replace("    type: choice\n", "    type: essay\n")


def ages_survey(ages: str, under_13: bool) -> str:
    extra = "    text_under_13: Do you like it?\n" if under_13 else ""
    return f"""\
spec_version: 1
slug: ages
title: Ages
ages: {ages}
purpose: To test.
audience: Testers.
questions:
  - id: like
    type: yes_no
    text: Do you like it where you live, all things considered?
{extra}"""


# --- the acceptance test: every sample fits in two segments ---------------------------------
@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.stem)
def test_every_sample_question_fits_in_two_segments(path: Path) -> None:
    sample = load_survey(path)
    costs = question_costs(sample)
    assert [cost.question_id for cost in costs] == [q.id for q in sample.questions]
    for cost in costs:
        assert cost.count.segments <= MAX_SEGMENTS, cost.message
        assert cost.count == count_segments(cost.message)


def test_the_cost_is_of_the_message_a_young_person_gets() -> None:
    long = parse_survey(LONG)
    message = sms_message(long, long.question("sunny"), "en", simple=False)
    assert message == "Is it sunny?\nReply YES or NO, or SKIP"


# --- the dearest way a question can be sent --------------------------------------------------
def test_the_dearest_language_is_reported() -> None:
    (sunny, feelings) = question_costs(parse_survey(LONG))
    assert sunny.count.segments == 1 and sunny.count.encoding == "GSM-7"
    assert feelings.language == "cy"  # longer, and "â" is UCS-2 anyway
    assert feelings.count.encoding == "UCS-2" and feelings.count.segments == 3
    assert feelings.message.startswith("Sut wyt ti'n teimlo")


def test_the_under_13_wording_counts_when_it_is_longer() -> None:
    text = ages_survey("{min: 8, max: 25}", under_13=False).replace(
        "Do you like it where you live, all things considered?", "Do you like it?"
    )
    text += "    text_under_13: " + "Do you like it where you live? " * 5 + "\n"
    (cost,) = question_costs(parse_survey(text))
    assert cost.simple is True
    assert cost.language is None  # only one language: not worth naming
    assert cost.count.segments == 2


@pytest.mark.parametrize(
    ("ages", "under_13", "expected"),
    [
        ("{min: 11, max: 25}", False, (False, True)),
        ("{min: 13, max: 25}", False, (False,)),
        ("{min: 13, max: 25}", True, (False, True)),
        ("{min: 8, max: 12}", False, (True,)),
    ],
)
def test_wordings_follow_the_ages_the_survey_is_for(
    ages: str, under_13: bool, expected: tuple[bool, ...]
) -> None:
    parsed = parse_survey(ages_survey(ages, under_13))
    assert wordings(parsed, parsed.questions[0]) == expected


def test_the_line_of_each_question_text_is_found() -> None:
    assert text_lines(LONG) == {0: 10, 1: 13}
    assert text_lines("not: [valid") == {}
    assert text_lines("questions: 3") == {}


# --- survey validate -----------------------------------------------------------------------
def test_validate_warns_about_a_dear_question_without_failing(tmp_path: Path) -> None:
    (tmp_path / "long.yaml").write_text(LONG)
    result = run(tmp_path, "survey", "validate", "long.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 survey file OK\n"
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1
    assert WARNING.match(warnings[0]), warnings[0]


def test_validate_with_channel_sms_lists_every_question(tmp_path: Path) -> None:
    (tmp_path / "long.yaml").write_text(LONG)
    result = run(tmp_path, "survey", "validate", "--channel", "sms", "long.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "long.yaml: sunny: 1 segment, GSM-7",
        "long.yaml: feelings: 3 segments, UCS-2",
        "1 survey file OK",
    ]
    assert WARNING.match(result.stderr.strip())


def test_validate_with_channel_sms_lists_the_samples_all_within_two_segments(
    tmp_path: Path,
) -> None:
    out = ok(run(tmp_path, "survey", "validate", "--channel", "sms", *map(str, SAMPLES)))
    *listed, summary = out.splitlines()
    assert summary == f"{len(SAMPLES)} survey files OK"
    assert len(listed) == sum(len(load_survey(path).questions) for path in SAMPLES)
    for line in listed:
        match = re.fullmatch(r".+\.yaml: [a-z0-9_]+: (\d) segments?, (GSM-7|UCS-2)", line)
        assert match, line
        assert int(match.group(1)) <= MAX_SEGMENTS, line


def test_validate_with_channel_sms_still_fails_on_problems(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN)
    plain = run(tmp_path, "survey", "validate", "broken.yaml")
    listed = run(tmp_path, "survey", "validate", "--channel", "sms", "broken.yaml")
    assert plain.returncode == listed.returncode == 1
    assert listed.stdout == plain.stdout
    assert re.match(r"^broken\.yaml:12: questions\[1\]\.type: ", listed.stdout)
    assert listed.stderr == plain.stderr == ""


@pytest.mark.parametrize("channel", ["mms", "telegram", ""])
def test_validate_refuses_another_channel_in_one_line(tmp_path: Path, channel: str) -> None:
    (tmp_path / "long.yaml").write_text(LONG)
    line = one_error_line(run(tmp_path, "survey", "validate", "--channel", channel, "long.yaml"), 2)
    assert "--channel" in line and "sms" in line
