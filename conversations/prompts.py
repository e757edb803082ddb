"""Turning survey questions and the bot's own questions into channel-neutral replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

from conversations import age_bands
from conversations.languages import language_name
from conversations.messages import Choice, Reply
from conversations.phrases import say
from conversations.state import AnswerValue
from conversations.survey import Question, Survey

BUTTON_CHANNELS = frozenset({"telegram", "web"})
YES_NO_CHOICES = (Choice("yes", "Yes"), Choice("no", "No"))
DONE = "done"
TOGGLE_PREFIX = "toggle:"


def taps(channel: str) -> bool:
    """Whether the channel shows buttons (else answers are typed as numbers)."""
    return channel in BUTTON_CHANNELS


def question_choices(survey: Survey, question: Question, language: str) -> tuple[Choice, ...]:
    if question.type in ("choice", "multi"):
        return tuple(Choice(o.id, survey.local(o.label, language)) for o in question.options)
    if question.type == "yes_no":
        return YES_NO_CHOICES
    if question.type == "scale":
        low, high = scale_bounds(question)
        choices = []
        for point in range(low, high + 1):
            label = str(point)
            if point == low and question.min_label:
                label = f"{point} {survey.local(question.min_label, language)}"
            elif point == high and question.max_label:
                label = f"{point} {survey.local(question.max_label, language)}"
            choices.append(Choice(str(point), label))
        return tuple(choices)
    return ()


def scale_bounds(question: Question) -> tuple[int, int]:
    # Not `question.min or 1`: a scale may start at 0.
    low = 1 if question.min is None else question.min
    high = 5 if question.max is None else question.max
    return low, high


def describe_answer(survey: Survey, question: Question, language: str, value: AnswerValue) -> str:
    """An earlier answer in words, for "You said: ..." after BACK."""
    if question.type == "text":
        return str(value)
    labels = {c.value: c.label for c in question_choices(survey, question, language)}
    values = value if isinstance(value, tuple) else (value,)
    return ", ".join(labels.get(v, v) for v in values)


def question_reply(
    survey: Survey,
    question: Question,
    language: str,
    *,
    simple: bool,
    channel: str,
    selection: Sequence[str] = (),
    previous: AnswerValue | None = None,
) -> Reply:
    lines = [question.wording(language, simple)]
    tapping = taps(channel)
    if previous is not None:
        answer = describe_answer(survey, question, language, previous)
        lines.append(say("previous_answer", simple, answer=answer))
    else:
        lines.append(answer_hint(question, simple=simple, tapping=tapping))
    choices = question_choices(survey, question, language)
    if question.type == "multi" and tapping:
        choices = (*choices, Choice(DONE, "Done"))
    return Reply(
        text="\n".join(lines),
        choices=choices,
        multi=question.type == "multi",
        selected=tuple(selection),
        prompt=True,
    )


HintKind = Literal["pick", "multi", "text"]


@dataclass(frozen=True, slots=True)
class AnswerHint:
    """What a question's hint is about: the kind of answer, the register (simple for
    under-13s), and whether the question must be answered rather than skipped."""

    kind: HintKind
    simple: bool
    required: bool


def hint_kind(question: Question) -> HintKind:
    if question.type == "multi":
        return "multi"
    if question.type == "text":
        return "text"
    return "pick"  # choice, scale and yes/no are all answered with one pick


def answer_hint(question: Question, *, simple: bool, tapping: bool) -> str:
    """How to answer a question, and how to skip it (or that it needs an answer)."""
    kind = hint_kind(question)
    return _hint_words(AnswerHint(kind, simple, question.required), tapping=tapping)


def _hint_words(hint: AnswerHint, *, tapping: bool) -> str:
    if hint.kind == "multi":
        key = "hint_multi" if tapping else "hint_multi_typed"
    elif hint.kind == "text":
        key = "hint_text"
    else:
        key = "hint_pick" if tapping else "hint_pick_typed"
    if hint.required:
        return f"{say(key, hint.simple, or_skip='')} {say('hint_required', hint.simple)}"
    return say(key, hint.simple, or_skip=say("or_skip", hint.simple))


@cache
def _typed_hints() -> dict[str, AnswerHint]:
    hints = (
        AnswerHint(kind, simple, required)
        for kind in get_args(HintKind)
        for simple in (False, True)
        for required in (False, True)
    )
    return {_hint_words(hint, tapping=False): hint for hint in hints}


def split_typed_hint(text: str) -> tuple[str, AnswerHint | None]:
    """A question reply's words without the typed-answer hint they end with, and that hint.

    The engine says the same on every channel without buttons ("Send the number of your
    answer, or send SKIP to skip this one."). SMS spells its options out in a line of its
    own ("Reply 1 Every week, 2 ..."), so it says the rest more briefly, which takes
    knowing which hint this was. Text that ends with no hint comes back as it is, with
    None (such as "You said: ... Send a new answer" after BACK).
    """
    body, _, last = text.rpartition("\n")
    hint = _typed_hints().get(last)
    return (body, hint) if hint is not None and body else (text, None)


def language_reply(survey: Survey) -> Reply:
    choices = tuple(Choice(code, language_name(code)) for code in survey.languages)
    return Reply(text=say("choose_language"), choices=choices, prompt=True)


def age_reply(simple: bool) -> Reply:
    choices = tuple(Choice(band, age_bands.LABELS[band]) for band in age_bands.BANDS)
    return Reply(text=say("age_question", simple), choices=choices, prompt=True)


def yes_no_reply(text: str) -> Reply:
    return Reply(text=text, choices=YES_NO_CHOICES, prompt=True)


def menu_reply(surveys: Sequence[Survey], simple: bool) -> Reply:
    if not surveys:
        return Reply(text=say("menu_empty", simple))
    choices = tuple(Choice(s.slug, s.local(s.title, s.default_language)) for s in surveys)
    text = f"{say('menu', simple)}\n{say('menu_pick', simple)}"
    return Reply(text=text, choices=choices, prompt=True)


def info(text: str) -> Reply:
    return Reply(text=text)
