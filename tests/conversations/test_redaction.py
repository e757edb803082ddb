"""Personal details are removed from anonymous free text; everything else is kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.redaction import REMOVED, remove_personal_details

PHONE_NUMBERS = [
    "07700 900123",
    "07700900123",
    "07700 900 123",
    "+44 7700 900123",
    "+447700900123",
    "+44 (0)7700 900123",
    "+44 07700 900123",
    "0044 7700 900 123",
    "(020) 7946 0018",
    "020 7946 0018",
    "(0161) 496 0000",
    "0161-496-0000",
    "0161 - 496 - 0000",
    "01632 960 001",
    "(01632) 960001",
    "+44 (0) 20 7946 0018",
    "+1 415 555 2671",
    "+1 (415) 555-2671",
    "+33 6 12 34 56 78",
    "0033 6 12 34 56 78",
    "7700900123",
]

EMAILS = [
    "jo@example.com",
    "Jo.Bloggs+youth@example.co.uk",
    "o'neill_99@mail-server.org",
    "someone@localhost",
]

HANDLES = ["@someone", "@some.one_2", "@_underscore", "@Jo_Bloggs"]

POSTCODES = [
    "SW1A 1AA",
    "sw1a1aa",
    "Sw1a 1aA",
    "M1 1AE",
    "m11ae",
    "B33 8TH",
    "CR2 6XH",
    "DN55 1PT",
    "EC1A 1BB",
    "W1A 0AX",
    "LE1 6ZG",
    "GIR 0AA",
    "gir0aa",
]


@pytest.mark.parametrize("detail", PHONE_NUMBERS + EMAILS + HANDLES + POSTCODES)
def test_personal_detail_is_removed_and_the_rest_kept(detail: str) -> None:
    assert remove_personal_details(detail) == REMOVED
    text = f"Text me 😀 on {detail}, thanks!"
    assert remove_personal_details(text) == f"Text me 😀 on {REMOVED}, thanks!"
    assert remove_personal_details(f"({detail})") in (f"({REMOVED})", f"{REMOVED})")


KEPT = [
    "I'm 14",
    "I am 8 years old",
    "since 2025",
    "2024-2025",
    "at 3:30",
    "at 3.30pm",
    "meet @ 3",
    "meet @3pm",
    "£20",
    "£1,000,000",
    "5 times",
    "1 2 3",
    "10/10",
    "on 05.06.2025 10:00",
    "01/02/2025",
    "Year 7 and Year 10",
    "b4 1am",
    "I live in SW1A",
    "Childline is 0800 1111",
    "a 50/50 chance",
    "@",
    "email me @ home",
    "route 66 and the A1",
    "0.5 miles",
]


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert remove_personal_details(text) == text


def test_several_details_in_one_answer() -> None:
    text = "I'm 15, ring 07700 900123 or email jo@example.com, I'm @jo_b in B33 8TH at 3:30"
    assert remove_personal_details(text) == (
        f"I'm 15, ring {REMOVED} or email {REMOVED}, I'm {REMOVED} in {REMOVED} at 3:30"
    )


def test_trailing_punctuation_and_counts_stay() -> None:
    assert remove_personal_details("call 07700 900123 5 times.") == f"call {REMOVED} 5 times."
    assert remove_personal_details("@some.one.") == f"{REMOVED}."
    assert remove_personal_details("jo@example.com.") == f"{REMOVED}."


def test_spacing_and_line_breaks_are_kept() -> None:
    text = "line one\n\n  07700 900123\t\nline  three 🙂"
    assert remove_personal_details(text) == f"line one\n\n  {REMOVED}\t\nline  three 🙂"


def test_removal_that_exposes_another_detail_is_finished() -> None:
    once = remove_personal_details("a@b@c")
    assert "@" not in once
    assert remove_personal_details(once) == once


text_with_details = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(PHONE_NUMBERS + EMAILS + HANDLES + POSTCODES + KEPT),
        st.sampled_from([" ", "\n", "@", "+", "(", ")", "-", ".", "0", "44", "[removed]"]),
    ),
    max_size=12,
).map("".join)


@given(text_with_details)
def test_removal_is_idempotent(text: str) -> None:
    once = remove_personal_details(text)
    assert remove_personal_details(once) == once


@given(st.text(alphabet=st.characters(exclude_categories=("Nd", "Cs"), exclude_characters="@")))
def test_text_without_digits_or_at_signs_is_unchanged(text: str) -> None:
    assert remove_personal_details(text) == text
