"""Understanding what a young person typed as an answer.

Generous on purpose: "2", "two", "2.", "b", "every month", "monthly", "yeah", "nope",
"3/5" and an emoji from a label all count. Anything it cannot read returns None, and the
engine replies kindly instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from conversations.messages import Choice

_WORD_NUMBERS = {
    "zero": 0, "nought": 0, "none": 0,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6,
    "7th": 7, "8th": 8, "9th": 9, "10th": 10,
}  # fmt: skip
_YES = "y yes yeah yea yeh yep yup ya yah ye yas yess yesss ok okay k kk sure aye definitely"
_YES_PHRASES = (
    "of course",
    "yes please",
    "go on",
    "i do",
    "i am",
    "yes i am",
    "yes i do",
    "why not",
)
_NO = "n no nope nah na naw nay noo nooo never false"
_NO_PHRASES = ("no thanks", "no thank you", "not really", "i don't", "i'm not", "rather not")
YES_WORDS = frozenset((*_YES.split(), "true", "👍", "✅", "✔", "✔️", "👌", *_YES_PHRASES))
NO_WORDS = frozenset((*_NO.split(), "👎", "❌", "✖", *_NO_PHRASES))
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "`": "'"})
_SPACE = re.compile(r"\s+")
_EDGE = re.compile(r"^[\s\"'(\[#.,!?:;-]+|[\s\"')\].,!?:;-]+$")
_NUMBER_PREFIX = re.compile(r"^(?:number|no\.?|option|answer)\s+")
_OUT_OF = re.compile(r"^(\d{1,2})\s*(?:/|out of|of)\s*\d{1,2}$")
_NEGATIVE = re.compile(r"\s*[-\u2212\u2013]\s*(\d{1,2})\s*[.!]?\s*")
_SPLIT = re.compile(r"\s*(?:,|;|&|\+|/|\band\b|\bor\b)\s*")


def normalise(text: str) -> str:
    """Case-folded, NFKC, straight quotes, single spaces, no surrounding punctuation."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _EDGE.sub("", _SPACE.sub(" ", text)).strip()


def _letters_only(text: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in " '" else " " for ch in text)
    return _SPACE.sub(" ", kept).strip()


def _symbols_only(text: str) -> str:
    """The emoji and other symbols in a label, e.g. "😀" from "😀 Really good"."""
    return "".join(ch for ch in text if not ch.isalnum() and not ch.isspace() and ch not in "'-.,")


def parse_number(text: str) -> int | None:
    word = _NUMBER_PREFIX.sub("", normalise(text))
    # isdecimal, not isdigit: some digits (Ethiopic, Kharosthi...) are not base-10 and
    # int() refuses them.
    if word.isdecimal() and len(word) <= 3:
        return int(word)
    match = _OUT_OF.match(word)
    if match:
        return int(match.group(1))
    return _WORD_NUMBERS.get(word)


def parse_yes_no(text: str) -> str | None:
    word = normalise(text)
    if word in YES_WORDS:
        return "yes"
    if word in NO_WORDS:
        return "no"
    letters = _letters_only(word)
    if letters in YES_WORDS:
        return "yes"
    if letters in NO_WORDS:
        return "no"
    return None


def parse_choice(text: str, choices: Sequence[Choice]) -> str | None:
    """The value of the one choice `text` names, or None."""
    word = normalise(text)
    if not word:
        return None
    for choice in choices:
        if word == choice.value.casefold():
            return choice.value
    number = parse_number(word)
    if number is not None:
        return choices[number - 1].value if 1 <= number <= len(choices) else None
    letters = _letters_only(word)
    for choice in choices:
        if letters and letters == _letters_only(normalise(choice.label)):
            return choice.value
    symbols = _symbols_only(word)
    if symbols and not letters:
        matches = [c for c in choices if symbols == _symbols_only(c.label)]
        if len(matches) == 1:
            return matches[0].value
    if len(word) == 1 and "a" <= word <= "j":
        index = ord(word) - ord("a")
        if index < len(choices):
            return choices[index].value
    if len(letters) >= 3:
        pattern = re.compile(rf"\b{re.escape(letters)}")
        found = [c for c in choices if pattern.search(_letters_only(normalise(c.label)))]
        if len(found) == 1:
            return found[0].value
    return None


def parse_multi(text: str, choices: Sequence[Choice]) -> tuple[str, ...] | None:
    """Several choices: "1, 3", "1 3", "1 and 3", "parks, buses". None if any part is unclear."""
    word = normalise(text)
    parts = [p for p in _SPLIT.split(word) if p]
    numbers = len(parts) > 1 and all(parse_number(p) is not None for p in parts)
    # Numbers alone are always a list ("1/3" is 1 and 3, not "1 out of 3"); otherwise the
    # whole text may be one label with "and" or "," in it.
    whole = None if numbers else parse_choice(text, choices)
    if whole is not None:
        return (whole,)
    if len(parts) == 1:
        parts = word.split(" ")
        if not all(parse_number(p) is not None for p in parts):
            return None
    picked: list[str] = []
    for part in parts:
        value = parse_choice(part, choices)
        if value is None:
            return None
        if value not in picked:
            picked.append(value)
    # Keep the survey's order, so "3, 1" and "1, 3" are the same answer.
    order = {c.value: i for i, c in enumerate(choices)}
    return tuple(sorted(picked, key=order.__getitem__)) or None


def parse_scale(text: str, choices: Sequence[Choice]) -> str | None:
    """A point on a scale; `choices` are the points in order (values "1".."5")."""
    negative = _NEGATIVE.fullmatch(unicodedata.normalize("NFKC", text))
    if negative:
        # normalise() drops a leading "-", which on a scale like -2 to 2 matters.
        value = str(-int(negative.group(1)))
        return value if any(c.value == value for c in choices) else None
    number = parse_number(text)
    if number is not None:
        value = str(number)
        return value if any(c.value == value for c in choices) else None
    return parse_choice(text, choices)
