"""The formats of names in a survey file: ids, slugs, keywords, language codes, and the
answer values `show_if` may name. Small checks shared by the rules and the models."""

from __future__ import annotations

import re

# Words the bot answers itself on every channel (and carriers act on for SMS), so a
# survey keyword must never be one of them.
RESERVED_KEYWORDS = frozenset({
    "STOP", "START", "HELP", "SKIP", "BACK", "DELETE", "STOPALL", "UNSUBSCRIBE", "CANCEL",
    "END", "QUIT", "YES", "NO", "UNSTOP", "INFO", "UPDATES", "MYDATA",
})  # fmt: skip

_ID = re.compile(r"[a-z0-9_]{1,40}")
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?")
_KEYWORD = re.compile(r"[A-Za-z0-9]{2,20}")
_YES = frozenset({"yes", "y", "true", "on"})
_NO = frozenset({"no", "n", "false", "off"})


def answer_value(question_type: str | None, value: object) -> str:
    """The answer string a show_if value stands for, as the engine records answers."""
    # YAML 1.1 reads yes/no/on/off as booleans; they can only ever mean yes and no.
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if question_type == "yes_no":
        if text.lower() in _YES:
            return "yes"
        if text.lower() in _NO:
            return "no"
    elif question_type == "scale":
        try:
            number = float(text)
        except ValueError:
            return text
        if number.is_integer():
            return str(int(number))
    return text


def id_problem(value: str) -> str | None:
    if _ID.fullmatch(value):
        return None
    return (
        f"'{value}' is not a valid id: use up to 40 lower-case letters, digits and "
        "underscores, like where_you_live"
    )


def slug_problem(value: str) -> str | None:
    if _SLUG.fullmatch(value):
        return None
    return (
        f"'{value}' is not a valid slug: use up to 64 lower-case letters, digits and "
        "hyphens, like parks-2027, with no hyphen at the start or end"
    )


def keyword_problem(value: str) -> str | None:
    if not _KEYWORD.fullmatch(value):
        return (
            f"'{value}' is not a valid keyword: use 2 to 20 letters or digits "
            "with no spaces, like PARKS"
        )
    if value.upper() in RESERVED_KEYWORDS:
        return (
            f"'{value.upper()}' can't be a keyword: the bot already uses it "
            f"({', '.join(sorted(RESERVED_KEYWORDS))})"
        )
    return None


def language_problem(value: str) -> str | None:
    if _LANGUAGE.fullmatch(value):
        return None
    return f"'{value}' is not a language code; use a code like en, cy, pl, ur or pt-BR"
