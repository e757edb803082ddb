"""Remove personal details from free text in anonymous surveys before it is stored.

Phone numbers, email addresses, @handles and full UK postcodes become ``[removed]``;
everything else is kept exactly as written. Ordinary numbers (ages, years, times, money,
counts) are kept, and so are numbers too short to be a UK phone number, such as the
Childline number 0800 1111. Spelled-out addresses ("jo at gmail dot com") are not caught.
"""

from __future__ import annotations

import re

__all__ = ["REMOVED", "remove_personal_details"]

REMOVED = "[removed]"

# Between digits of a phone number: one space, or a hyphen/en dash with optional spaces.
# Not a dot, so dates like 05.06.2025 stay dates.
_SEP = r"(?:[^\S\r\n]?[-\u2013][^\S\r\n]?|[^\S\r\n])?"
# International numbers are also written with brackets: +1 (415) 555-2671.
_SEP_BRACKETS = r"(?:[^\S\r\n]?[-\u2013()]{1,2}[^\S\r\n]?|[^\S\r\n])?"
# A phone number never continues a word or another number, or follows a "+".
_START = r"(?<![\w+])"
_END = r"(?!\d)"

_PATTERNS = (
    # Email: anything@domain (a domain without a dot still names someone).
    r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*",
    # @handle starting with a letter or _, so "@ 3" and "@3pm" are left alone.
    r"(?<!\w)@(?=[^\W\d])[\w.]*\w",
    # UK number in international form: +44 7700 900123, 0044 7700 900 123, +44 (0)20 ...
    rf"{_START}(?:\+|00){_SEP}44{_SEP}(?:\(0\){_SEP}|0{_SEP})?\d(?:{_SEP}\d){{8,9}}{_END}",
    # Any other international number: + (or 00) then 7 to 14 digits in all.
    rf"{_START}(?:\+|00(?=[1-9])){_SEP}\d(?:{_SEP_BRACKETS}\d){{6,13}}{_END}",
    # UK number with the area code in brackets: (020) 7946 0018, (0161) 496 0000.
    rf"{_START}\([^\S\r\n]?0(?:\d{{2}}[^\S\r\n]?\){_SEP}\d(?:{_SEP}\d){{7}}"
    rf"|\d{{3}}[^\S\r\n]?\){_SEP}\d(?:{_SEP}\d){{6}}"
    rf"|\d{{4}}[^\S\r\n]?\){_SEP}\d(?:{_SEP}\d){{4,5}}){_END}",
    # UK number: 0 then 9 or 10 more digits (07700 900123, 0161-496-0000, 01632 960 001).
    rf"{_START}0(?:{_SEP}\d){{9,10}}{_END}",
    # A long unbroken run of digits is never an ordinary answer (a number without its 0).
    r"(?<!\w)\d{10,}(?!\w)",
    # Full UK postcode, any case, space optional (SW1A 1AA, sw1a1aa, GIR 0AA). Letter
    # classes follow Royal Mail's rules, so "b4 1am" or "Y7 3pm" are not postcodes.
    r"(?<!\w)(?:[Gg][Ii][Rr][^\S\r\n]?0[Aa][Aa]"
    r"|[A-PR-UWYZa-pr-uwyz][A-HK-Ya-hk-y]?[0-9][A-Za-z0-9]?"
    r"[^\S\r\n]?[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})(?!\w)",
)
_PERSONAL = re.compile("|".join(f"(?:{pattern})" for pattern in _PATTERNS))
# Every pattern needs a digit or an @, so text with neither is returned untouched.
_SIGNAL = re.compile(r"[\d@]")


def remove_personal_details(text: str) -> str:
    """Replace phone numbers, emails, @handles and UK postcodes in ``text`` with REMOVED."""
    if not _SIGNAL.search(text):
        return text
    # Repeat until nothing changes, so the result is stable (removing twice == once):
    # a removal can expose a new match, e.g. "a@b@c". Each pass removes at least one
    # digit or @ and REMOVED has none, so this ends.
    while True:
        cleaned = _PERSONAL.sub(REMOVED, text)
        if cleaned == text:
            return text
        text = cleaned
