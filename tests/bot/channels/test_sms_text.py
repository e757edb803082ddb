"""What a text message costs: GSM-7 and UCS-2 segments, plainer characters, option labels."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.sms_text import (
    GSM_BASIC,
    GSM_EXTENSION,
    SegmentCount,
    count_segments,
    is_gsm,
    non_gsm_characters,
    sms_label,
    to_gsm,
)

GSM_TEXT = st.text(alphabet=sorted(GSM_BASIC | GSM_EXTENSION), max_size=700)
TYPOGRAPHIC = "‘’“”–—−…\u00a0\u2009•\t"
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(sorted(GSM_BASIC | GSM_EXTENSION)),
        st.sampled_from([*TYPOGRAPHIC, "ŵ", "ŷ", "😀", "🌳", "é", "ç"]),
    ),
    max_size=700,
)


def test_the_alphabet_is_the_standard_one() -> None:
    # 128 codes, less ESC, which only leads into the extension table.
    assert len(GSM_BASIC) == 127
    assert set("\f^{}\\[~]|€") == GSM_EXTENSION
    assert is_gsm("£5 @ the café? ¡Hola! ¿Qué? ÄÖÜ äöü ß § ¤ ΔΩ €")
    # Not every accent is in it: é and ì are, í and ú are not.
    assert not any(is_gsm(ch) for ch in "íúçŵ`’\t")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SegmentCount("GSM-7", 0, 1)),
        ("a" * 160, SegmentCount("GSM-7", 160, 1)),
        ("a" * 161, SegmentCount("GSM-7", 161, 2)),
        ("a" * 306, SegmentCount("GSM-7", 306, 2)),  # 153 a part once it is split
        ("a" * 307, SegmentCount("GSM-7", 307, 3)),
        ("{" * 80, SegmentCount("GSM-7", 160, 1)),  # extension characters cost two septets
        ("€" * 80 + "a", SegmentCount("GSM-7", 161, 2)),
        ("a" * 159 + "€", SegmentCount("GSM-7", 161, 2)),
        ("ŵ" * 70, SegmentCount("UCS-2", 70, 1)),
        ("ŵ" * 71, SegmentCount("UCS-2", 71, 2)),
        ("ŵ" * 134, SegmentCount("UCS-2", 134, 2)),  # 67 a part once it is split
        ("ŵ" * 135, SegmentCount("UCS-2", 135, 3)),
        ("😀" * 35, SegmentCount("UCS-2", 70, 1)),  # outside the BMP: two UTF-16 units
        ("😀" * 35 + "a", SegmentCount("UCS-2", 71, 2)),
        ("a" * 100 + "’", SegmentCount("UCS-2", 101, 2)),  # one curly quote turns it all
    ],
)
def test_segments(text: str, expected: SegmentCount) -> None:
    assert count_segments(text) == expected


def test_a_character_is_never_split_between_parts() -> None:
    # 306 septets would be two full parts, but the euro's two septets cannot straddle them.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text) == SegmentCount("GSM-7", 306, 3)
    # Likewise an emoji's surrogate pair in UCS-2: 134 units, yet three parts.
    text = "a" * 66 + "😀" + "a" * 66
    assert count_segments(text) == SegmentCount("UCS-2", 134, 3)


def test_the_characters_that_force_ucs2_are_named_once_each() -> None:
    assert non_gsm_characters("It’s 😀 and it’s ŵ") == "’😀ŵ"
    assert non_gsm_characters("plain {text}") == ""


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("It’s ‘fine’", "It's 'fine'"),
        ("“Quoted” „low“", '"Quoted" "low"'),
        ("A – B — C − D ‐ E", "A - B - C - D - E"),
        ("Wait…", "Wait..."),
        ("no\u00a0break\u2009thin\u202fnarrow", "no break thin narrow"),
        ("• one\n• two", "- one\n- two"),
        ("soft\u00adhyphen\u200b", "softhyphen"),
        ("tab\there", "tab here"),
    ],
)
def test_typographic_characters_become_plain_ones(text: str, plain: str) -> None:
    assert to_gsm(text) == plain
    assert is_gsm(plain)


def test_what_a_text_needs_is_left_alone() -> None:
    assert to_gsm("Ble wyt ti’n byw? Tŷ, ŵyr") == "Ble wyt ti'n byw? Tŷ, ŵyr"
    assert to_gsm("Great 😀 – thanks") == "Great 😀 - thanks"
    assert to_gsm("Café {ok} €5") == "Café {ok} €5"


def test_plainer_characters_never_cost_more() -> None:
    # Seventy ellipses are one UCS-2 segment; as 210 dots they would be two GSM-7 ones.
    assert to_gsm("…" * 70) == "…" * 70
    assert to_gsm("…" * 50) == "..." * 50


@given(GSM_TEXT)
def test_gsm_text_is_unchanged_and_counted_in_septets(text: str) -> None:
    assert to_gsm(text) == text
    count = count_segments(text)
    assert count.encoding == "GSM-7"
    assert count.units == len(text) + sum(ch in GSM_EXTENSION for ch in text)


@given(ANY_TEXT)
def test_to_gsm_never_costs_more_and_is_idempotent(text: str) -> None:
    plain = to_gsm(text)
    assert count_segments(plain).segments <= count_segments(text).segments
    assert to_gsm(plain) == plain
    if all(ch in TYPOGRAPHIC or is_gsm(ch) for ch in text) and "…" not in text:
        assert is_gsm(plain)


@given(ANY_TEXT)
def test_segment_counts_agree_with_the_part_sizes(text: str) -> None:
    count = count_segments(text)
    single, part = (160, 153) if count.encoding == "GSM-7" else (70, 67)
    assert count.segments >= 1
    if count.units <= single:
        assert count.segments == 1
    else:
        # Never fewer parts than the units need; at most one unit is lost per part, when
        # a two-unit character does not fit at its end.
        assert math.ceil(count.units / part) <= count.segments
        assert count.segments <= math.ceil(count.units / (part - 1))


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("😀 Really good", "Really good"),
        ("🌳 The park", "The park"),
        ("Yes ✅", "Yes"),
        ("❓ Somewhere else", "Somewhere else"),
        ("🛝 Play areas", "Play areas"),
        ("👍🏽 Fine", "Fine"),  # with a skin tone
        ("🏴󠁧󠁢󠁷󠁬󠁳󠁿 Cymru", "Cymru"),  # a flag made of tag characters
        ("⚽", "⚽"),  # only an emoji: the emoji is the answer
        ("😀😀", "😀😀"),
        ("Bus", "Bus"),
        ("© 2027 ° ok", "© 2027 ° ok"),  # not pictographs
    ],
)
def test_option_labels_lose_decoration_not_meaning(label: str, shown: str) -> None:
    assert sms_label(label) == shown
