"""How hard a survey's wording is to read for under-13s, for `youthvoice survey validate`.

A reading age of about 9 is the aim for anything an 8- to 12-year-old reads: the opening
message (title, purpose, audience) and the under-13 wording of every question and answer.
The score is the Flesch-Kincaid grade, turned into a reading age (grade + 5). Words and
sentences are counted with textstat. Syllables are counted here, by vowel groups with the
usual English exceptions, because textstat's English syllable counter downloads a
pronouncing dictionary at run time (and falls back on hyphenation patterns, which miss
syllables in short words such as "happy"); validation must work offline and give the same
score on every machine.

The rule, since the formula is noisy on a few words (one three-syllable word in a
seven-word question already scores a reading age of 11):
- a text of fewer than MIN_SCORED_WORDS words is not scored;
- a text scored above WARN_ABOVE_READING_AGE gets a warning naming the reading age it seems
  to need: the aim is TARGET_READING_AGE, with a year's leeway for the formula's noise;
- a word of LONG_WORD_SYLLABLES or more syllables ("accessibility", "recreational") gets a
  warning naming it, however short the text;
- names (words with a capital letter, other than a sentence's first) are left out of both,
  since the names of people, places and services can't be changed;
- a sentence over MAX_SENTENCE_WORDS words, or a text over MAX_TEXT_WORDS, gets a warning
  for running long.
Only English is scored: the formula and the syllable counts are English ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conversations.survey import LocalText, Survey

MIN_SCORED_WORDS = 10
LONG_WORD_SYLLABLES = 4
TARGET_READING_AGE = 9
WARN_ABOVE_READING_AGE = 10
ADULT_READING_AGE = 18
MAX_SENTENCE_WORDS = 15
MAX_TEXT_WORDS = 25
UNDER_13 = 13

# textstat's own sentence pattern (and a new line ends a sentence too, as in a list).
_SENTENCE = re.compile(r"\b[^.!?\n]+[.!?]*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a text asks of its reader: its words, its longest sentence, the reading age it
    seems to need (None when it is too short to score) and its long words."""

    words: int
    longest_sentence: int
    reading_age: int | None
    long_words: tuple[str, ...] = ()

    @property
    def too_hard(self) -> bool:
        return self.reading_age is not None and self.reading_age > WARN_ABOVE_READING_AGE

    @property
    def too_long(self) -> bool:
        return self.words > MAX_TEXT_WORDS or self.longest_sentence > MAX_SENTENCE_WORDS


@dataclass(frozen=True, slots=True)
class WordingWarning:
    """A warning about one text of a survey. `path` is the field, like
    `questions[2].text_under_13`; `language` is the key when the text was a language map."""

    path: str
    language: str
    message: str


def is_english(language: str) -> bool:
    return language.lower().replace("_", "-").split("-")[0] == "en"


def reading(text: str) -> Reading:
    """How hard `text` (English) is to read."""
    import textstat

    words = textstat.lexicon_count(text)
    sentences = [textstat.lexicon_count(part) for part in _SENTENCE.findall(text)]
    longest = max(sentences, default=0)
    # Names (a capital letter after a sentence's first word) are left out of the syllable
    # count: "Independent Reviewing Officer" can't be put more simply.
    plain = [
        part
        for sentence in _SENTENCE.findall(text)
        for number, part in enumerate(_WORD_PART.findall(sentence))
        if number == 0 or not part[0].isupper()
    ]
    counts = [syllables(part) for part in plain]
    long_words = tuple(
        dict.fromkeys(
            part for part, count in zip(plain, counts, strict=True) if count >= LONG_WORD_SYLLABLES
        )
    )
    if words < MIN_SCORED_WORDS:
        return Reading(words, longest, None, long_words)
    per_word = sum(counts) / max(1, len(counts))
    grade = 0.39 * words / textstat.sentence_count(text) + 11.8 * per_word - 15.59
    return Reading(words, longest, max(5, round(grade + 5)), long_words)


def advice(text: str, *, can_add_under_13: bool = False) -> str | None:
    """A warning about `text` for under-13s in plain words, or None when it reads easily."""
    found = reading(text)
    problems = []
    if found.too_hard:
        age = found.reading_age
        shown_age = f"{age}" if age is not None and age < ADULT_READING_AGE else "18 or more"
        problems.append(f"seems to need a reading age of {shown_age}")
    if found.long_words:
        shown = ", ".join(f"'{word}'" for word in found.long_words[:3])
        problems.append(f"uses long words ({shown})")
    if found.longest_sentence > MAX_SENTENCE_WORDS:
        problems.append(f"has a sentence of {found.longest_sentence} words")
    elif found.words > MAX_TEXT_WORDS:
        problems.append(f"runs to {found.words} words")
    if not problems:
        return None
    fix = "try shorter words and sentences"
    if can_add_under_13:
        fix += ", or add text_under_13"
    return (
        f"under-13s read this; it {_listed(problems)} "
        f"(aim for a reading age of about {TARGET_READING_AGE} and sentences of "
        f"{MAX_SENTENCE_WORDS} words or fewer): {fix}"
    )


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def survey_warnings(survey: Survey) -> Iterator[WordingWarning]:
    """Warnings about every English text an under-13 would read, when the survey is open
    to under-13s: the opening message and each question's under-13 wording and answers."""
    if survey.ages.min >= UNDER_13:
        return
    for field in ("title", "purpose", "audience"):
        yield from _text_warnings(field, getattr(survey, field))
    for index, question in enumerate(survey.questions):
        at = f"questions[{index}]"
        if question.text_under_13:
            yield from _text_warnings(f"{at}.text_under_13", question.text_under_13)
        else:
            yield from _text_warnings(f"{at}.text", question.text, can_add_under_13=True)
        for number, option in enumerate(question.options):
            yield from _text_warnings(f"{at}.options[{number}].label", option.label)
        for field in ("min_label", "max_label"):
            label = getattr(question, field)
            if label:
                yield from _text_warnings(f"{at}.{field}", label)


def _text_warnings(
    path: str, text: LocalText, *, can_add_under_13: bool = False
) -> Iterator[WordingWarning]:
    # A plain string stands for every language, so the same words can appear under
    # several codes; one warning is enough.
    seen: set[str] = set()
    for language, words in text.items():
        if not is_english(language) or words in seen:
            continue
        seen.add(words)
        message = _advice(words, can_add_under_13)
        if message is not None:
            yield WordingWarning(path, language, message)


@cache
def _advice(text: str, can_add_under_13: bool) -> str | None:
    return advice(text, can_add_under_13=can_add_under_13)


_WORD_PART = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_CONSONANT_Y = re.compile(r"y(?=[aeiou])")
# A final "e" is silent (like, safe), except after a consonant and "l" (people, little).
_SILENT_E = re.compile(r"[^aeiouy]e$")
_SOUNDED_LE = re.compile(r"[^aeiouy]le$")
# "-ed" adds no syllable (played, helped) except after t or d (wanted, needed).
_SILENT_ED = re.compile(r"[^aeiouytd]ed$")


def syllables(word: str) -> int:
    """An estimate of the syllables in an English word: at least 1."""
    # A "y" before a vowel is a consonant (yes, playing).
    word = _CONSONANT_Y.sub("j", word.lower().replace("'", ""))
    count = len(_VOWEL_GROUPS.findall(word))
    if (_SILENT_E.search(word) and not _SOUNDED_LE.search(word)) or _SILENT_ED.search(word):
        count -= 1
    return max(1, count)
