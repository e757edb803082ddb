"""Spot messages that suggest a young person is at risk, and the help text to send at once.

This is a safety net that signposts help, not a diagnosis. Every inbound message is
checked, whatever question it answers, so matching is precompiled and cheap. The phrase
list is a plain-text file a safeguarding lead can read and edit; its format is described
at the top of ``safeguarding_phrases.txt`` and in ``docs/safeguarding.md``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from os import PathLike

__all__ = [
    "HELP_NOW",
    "HELP_NOW_UNDER_13",
    "WILDCARD_MAX_WORDS",
    "RiskMatch",
    "RiskPhrases",
    "detect_risk",
    "normalise",
]

# Two GSM-7 SMS segments at most (306 characters), plain ASCII, no promise of secrecy:
# an anonymous participant cannot be identified, so they must be told where to go now.
HELP_NOW = (
    "Thank you for telling us. You deserve to be safe. You can talk to Childline any time, "
    "free: call 0800 1111 or go to childline.org.uk. Or text SHOUT to 85258. "
    "If you are in danger now, call 999."
)
HELP_NOW_UNDER_13 = (
    "Thank you for telling us. You should be safe. Tell a grown-up you trust. "
    "Call Childline for free, any time: 0800 1111. Or text SHOUT to 85258. "
    "If you are in danger now, call 999."
)

#: A ``*`` in a phrase stands for one word, or up to this many words.
WILDCARD_MAX_WORDS = 3

_PHRASE_FILE = "safeguarding_phrases.txt"

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)
_PUNCTUATION = re.compile(r"[^\w\s']|_")
# An apostrophe only means something inside a word ("mum's"); quotes around words go.
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")
_REPEATED_3 = re.compile(r"([^\W\d_])\1{2,}")
_REPEATED_2 = re.compile(r"([^\W\d_])\1+")
_MY_SELF = re.compile(r"\bmy self\b")

# Young people's spellings mapped to the words the phrase list uses. Applied to whole
# words only, after repeated letters are collapsed ("uuu" -> "u" -> "you").
_TEXT_SPEAK = {
    "u": "you",
    "yu": "you",
    "ya": "you",
    "ur": "your",
    "r": "are",
    "im": "i'm",
    "ive": "i've",
    "dont": "don't",
    "dnt": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "wouldnt": "wouldn't",
    "couldnt": "couldn't",
    "shouldnt": "shouldn't",
    "aint": "ain't",
    "thats": "that's",
    "whats": "what's",
    "hes": "he's",
    "shes": "she's",
    "theyre": "they're",
    "youre": "you're",
    "wanna": "want to",
    "wana": "want to",
    "gonna": "going to",
    "gona": "going to",
    "gotta": "got to",
    "dunno": "don't know",
    "kms": "kill myself",
    "2": "to",
    "b4": "before",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "bc": "because",
    "coz": "because",
    "cos": "because",
    "cuz": "because",
    "wiv": "with",
    "wid": "with",
    "noone": "no one",
    "no1": "no one",
    "any1": "anyone",
    "some1": "someone",
    "every1": "everyone",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "mom": "mum",
    "mam": "mum",
    "mummy": "mum",
    "daddy": "dad",
}


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def normalise(text: str) -> str:
    """Return ``text`` in the form phrases are matched against (also useful in tests).

    Lower-case, NFKC, straight apostrophes, no accents, punctuation (except apostrophes
    inside words) replaced by spaces, letters repeated 3+ times collapsed to one, common
    text-speak expanded, single spaces between words.
    """
    text = text.translate(_QUOTES)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
        text = _strip_accents(text)
    text = text.casefold()
    text = _PUNCTUATION.sub(" ", text)
    text = _LOOSE_APOSTROPHE.sub(" ", text)
    text = _REPEATED_3.sub(r"\1", text)
    text = " ".join(_TEXT_SPEAK.get(word, word) for word in text.split())
    return _MY_SELF.sub("myself", text)


def _match_key(text: str) -> str:
    # Matching ignores apostrophes and doubled letters too, so "dont"/"don't",
    # "mums"/"mum's" and typos like "cuting"/"kil" all meet the listed spelling.
    return _REPEATED_2.sub(r"\1", normalise(text).replace("'", ""))


@dataclass(frozen=True)
class RiskMatch:
    """Why a message was flagged: the list's category and the phrase that matched."""

    category: str
    phrase: str


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    category: str
    phrase: str
    order: int


def _compile_phrase(phrase: str) -> tuple[str, re.Pattern[str]]:
    """Return the phrase's first word (for indexing) and its anchored regex."""
    tokens = phrase.split()
    if tokens and tokens[-1] == "*":
        raise ValueError(f"a phrase cannot end with '*': {phrase!r}")
    parts: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            key = _match_key(" ".join(literal))
            if key:
                parts.append(re.escape(key))
            literal.clear()

    for token in tokens:
        if token == "*":
            flush()
            if not parts:
                raise ValueError(f"a phrase cannot start with '*': {phrase!r}")
            parts.append(rf"(?:\S+ ){{0,{WILDCARD_MAX_WORDS - 1}}}\S+")
        elif "*" in token:
            raise ValueError(f"'*' must be a word on its own: {phrase!r}")
        else:
            literal.append(token)
    flush()
    if not parts:
        raise ValueError(f"phrase has no words: {phrase!r}")
    first_word = _match_key(phrase.split("*", 1)[0]).split(" ", 1)[0]
    return first_word, re.compile(" ".join(parts) + "(?= |$)")


def _index(
    items: tuple[tuple[str, str], ...],
) -> dict[str, tuple[_Pattern, ...]]:
    index: dict[str, list[_Pattern]] = {}
    for order, (category, phrase) in enumerate(items):
        first_word, regex = _compile_phrase(phrase)
        index.setdefault(first_word, []).append(_Pattern(regex, category, phrase, order))
    return {word: tuple(patterns) for word, patterns in index.items()}


def _scan(key: str, index: dict[str, tuple[_Pattern, ...]]) -> list[tuple[int, int, _Pattern]]:
    """Every phrase match in ``key`` as (start, end, pattern), leftmost first."""
    found: list[tuple[int, int, _Pattern]] = []
    pos = 0
    for word in key.split(" "):
        for pattern in index.get(word, ()):
            match = pattern.regex.match(key, pos)
            if match:
                found.append((pos, match.end(), pattern))
        pos += len(word) + 1
    return found


@dataclass(frozen=True)
class RiskPhrases:
    """A phrase list: ``(category, phrase)`` entries and exclusion phrases."""

    entries: tuple[tuple[str, str], ...]
    exclusions: tuple[str, ...] = ()
    _risk_index: dict[str, tuple[_Pattern, ...]] = field(init=False, repr=False, compare=False)
    _exclusion_index: dict[str, tuple[_Pattern, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.entries:
            # An empty list would silently switch safeguarding off.
            raise ValueError("the phrase list has no risk phrases")
        object.__setattr__(self, "_risk_index", _index(self.entries))
        object.__setattr__(
            self, "_exclusion_index", _index(tuple(("!", p) for p in self.exclusions))
        )

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(category for category, _ in self.entries))

    @classmethod
    def parse(cls, text: str, *, source: str = "<phrases>") -> RiskPhrases:
        """Read the phrase-file format; a bad line raises ``ValueError("SOURCE:LINE: ...")``."""
        entries: list[tuple[str, str]] = []
        exclusions: list[str] = []
        category: str | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            where = f"{source}:{number}"
            if line.startswith("["):
                name = line.strip("[] \t").lower()
                if not line.endswith("]") or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                    raise ValueError(
                        f"{where}: a category header looks like [self_harm] (letters, digits and _)"
                    )
                category = name
                continue
            is_exclusion = line.startswith("!")
            phrase = " ".join(line.removeprefix("!").split())
            try:
                _compile_phrase(phrase)
            except ValueError as error:
                raise ValueError(f"{where}: {error}") from None
            if is_exclusion:
                exclusions.append(phrase)
            elif category is None:
                raise ValueError(f"{where}: phrase before any [category] header")
            else:
                entries.append((category, phrase))
        if not entries:
            raise ValueError(f"{source}: the phrase list has no risk phrases")
        return cls(tuple(dict.fromkeys(entries)), tuple(dict.fromkeys(exclusions)))

    @classmethod
    def default(cls) -> RiskPhrases:
        """The list shipped with youthvoice (``conversations/safeguarding_phrases.txt``)."""
        return _default_phrases()

    @classmethod
    def from_file(cls, path: str | PathLike[str]) -> RiskPhrases:
        """A council's own edited copy of the phrase file (UTF-8)."""
        with open(path, encoding="utf-8") as handle:
            return cls.parse(handle.read(), source=str(path))

    def match(self, text: str) -> RiskMatch | None:
        """The first risk phrase in ``text`` that no exclusion covers, or None.

        Leftmost match wins; at the same word the longest (most specific) phrase wins.
        """
        key = _match_key(text)
        if not key:
            return None
        found = _scan(key, self._risk_index)
        if not found:
            return None
        # Exclusions are only worked out once something matched, so harmless messages
        # (nearly all of them) cost one scan.
        excluded = [(start, end) for start, end, _ in _scan(key, self._exclusion_index)]
        found.sort(key=lambda item: (item[0], -item[1], item[2].order))
        for start, end, pattern in found:
            if not any(ex_start <= start and end <= ex_end for ex_start, ex_end in excluded):
                return RiskMatch(pattern.category, pattern.phrase)
        return None


@lru_cache(maxsize=1)
def _default_phrases() -> RiskPhrases:
    text = resources.files("conversations").joinpath(_PHRASE_FILE).read_text(encoding="utf-8")
    return RiskPhrases.parse(text, source=_PHRASE_FILE)


def detect_risk(text: str, phrases: RiskPhrases | None = None) -> RiskMatch | None:
    """Return why ``text`` suggests a child may be at risk, or None.

    ``phrases`` defaults to the shipped list. Call it on every inbound message, whatever
    step the conversation is at.
    """
    return (phrases if phrases is not None else RiskPhrases.default()).match(text)
