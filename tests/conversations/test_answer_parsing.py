"""Reading what a young person typed: generous, but never a guess."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.answer_parsing import (
    normalise,
    parse_choice,
    parse_multi,
    parse_number,
    parse_scale,
    parse_yes_no,
)
from conversations.keywords import keyword_of
from conversations.messages import Choice

VISIT = (
    Choice("weekly", "Every week"),
    Choice("monthly", "Every month"),
    Choice("rarely", "Hardly ever"),
)
MATTERS = (
    Choice("things_to_do", "Things to do"),
    Choice("mental_health", "Help with mental health"),
    Choice("feeling_safe", "Feeling safe"),
    Choice("getting_around", "Getting around (buses and trains)"),
    Choice("jobs", "Jobs and training"),
)
EMOJI = (
    Choice("park", "🌳 The park"),
    Choice("home", "🏠 At home"),
    Choice("club", "⚽ At a club"),
)
SCALE_LABELS = ["1 Not good", "2", "3", "4", "5 😀 Really good"]
SCALE = tuple(Choice(str(n), label) for n, label in enumerate(SCALE_LABELS, start=1))
ZERO_TO_TEN = tuple(Choice(str(n), str(n)) for n in range(11))


def test_normalise() -> None:
    assert normalise("  “Every   MONTH!”  ") == "every month"
    assert normalise("Ｅｖｅｒｙ") == "every"


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), ("2.", 2), (" 2 ", 2), ("two", 2), ("Second", 2), ("2nd", 2), ("number 2", 2),
     ("no. 2", 2), ("option 3", 3), ("3/5", 3), ("3 out of 5", 3), ("３", 3), ("٣", 3),
     ("none", 0), ("1000", None), ("lots", None), ("", None), ("፪", None), ("᧚", None)],
)  # fmt: skip
def test_parse_number(text: str, number: int | None) -> None:
    assert parse_number(text) == number


@given(st.text(max_size=12))
def test_parse_number_never_raises(text: str) -> None:
    result = parse_number(text)
    assert result is None or isinstance(result, int)


@pytest.mark.parametrize(
    ("text", "answer"),
    [("y", "yes"), ("Yes!", "yes"), ("yeah", "yes"), ("YEP", "yes"), ("ok", "yes"),
     ("of course", "yes"), ("👍", "yes"), ("n", "no"), ("nope", "no"), ("Nah.", "no"),
     ("no thanks", "no"), ("not really", "no"), ("I don’t", "no"), ("maybe", None),
     ("yes and no", None), ("", None)],
)  # fmt: skip
def test_parse_yes_no(text: str, answer: str | None) -> None:
    assert parse_yes_no(text) == answer


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", "weekly"), ("three", "rarely"), ("Every month", "monthly"), ("every month.", "monthly"),
     ("monthly", "monthly"), ("MONTHLY", "monthly"), ("c", "rarely"), ("hardly", "rarely"),
     ("every", None), ("4", None), ("0", None), ("d", None), ("ev", None), ("", None),
     ("!!!", None)],
)  # fmt: skip
def test_parse_choice(text: str, value: str | None) -> None:
    assert parse_choice(text, VISIT) == value


def test_parse_choice_by_emoji() -> None:
    assert parse_choice("🏠", EMOJI) == "home"
    assert parse_choice("⚽", EMOJI) == "club"
    assert parse_choice("🎈", EMOJI) is None


@pytest.mark.parametrize(
    ("text", "values"),
    [("1, 3", ("things_to_do", "feeling_safe")), ("1 3", ("things_to_do", "feeling_safe")),
     ("1 and 3", ("things_to_do", "feeling_safe")), ("3, 1", ("things_to_do", "feeling_safe")),
     ("1;3", ("things_to_do", "feeling_safe")), ("1/3", ("things_to_do", "feeling_safe")),
     ("1,1", ("things_to_do",)), ("jobs and training", ("jobs",)),
     ("things to do, jobs", ("things_to_do", "jobs")), ("buses, mental health",
                                                        ("mental_health", "getting_around")),
     ("1, 9", None), ("1 lots", None), ("", None), (",", None)],
)  # fmt: skip
def test_parse_multi(text: str, values: tuple[str, ...] | None) -> None:
    assert parse_multi(text, MATTERS) == values


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", "3"), ("3/5", "3"), ("five", "5"), ("really good", "5"), ("😀", "5"),
     ("not good", "1"), ("6", None), ("0", None)],
)  # fmt: skip
def test_parse_scale(text: str, value: str | None) -> None:
    assert parse_scale(text, SCALE) == value


def test_a_scale_from_zero() -> None:
    assert parse_scale("0", ZERO_TO_TEN) == "0"
    assert parse_scale("10", ZERO_TO_TEN) == "10"
    assert parse_scale("11", ZERO_TO_TEN) is None


@given(st.text(max_size=30))
def test_parsers_never_raise(text: str) -> None:
    for choices in (VISIT, MATTERS, EMOJI):
        assert parse_choice(text, choices) in (None, *(c.value for c in choices))
        picked = parse_multi(text, choices)
        assert picked is None or (picked and set(picked) <= {c.value for c in choices})
    assert parse_scale(text, SCALE) in (None, "1", "2", "3", "4", "5")
    assert parse_yes_no(text) in (None, "yes", "no")


@pytest.mark.parametrize(
    ("text", "channel", "word"),
    [("STOP", "console", "stop"), ("Stop!", "telegram", "stop"), ("/skip", "telegram", "skip"),
     (" back ", "console", "back"), ("HELP?", "sms", "help"), ("/stop@SomeBot", "telegram", "stop"),
     ("end", "sms", "stop"), ("END", "sms", "stop"), ("end", "console", None),
     ("cancel", "telegram", None), ("unstop", "sms", "start"), ("info", "sms", "help"),
     ("stop it", "sms", None), ("", "sms", None), (None, "sms", None)],
)  # fmt: skip
def test_keyword_of(text: str | None, channel: str, word: str | None) -> None:
    assert keyword_of(text, channel) == word


@pytest.mark.parametrize(
    ("text", "value"), [("-2", "-2"), ("−1", "-1"), (" - 2 ", "-2"), ("2", "2"), ("-3", None)]
)
def test_a_scale_below_zero(text: str, value: str | None) -> None:
    points = tuple(Choice(str(n), str(n)) for n in range(-2, 3))
    assert parse_scale(text, points) == value


def test_a_minus_sign_is_not_dropped_on_a_scale_from_one() -> None:
    assert parse_scale("-3", SCALE) is None
