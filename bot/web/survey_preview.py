"""How a survey's conversation looks to a young person, for the dashboard's preview page.

Runs the real engine (pure, so nothing is stored) over a scripted path: start, consent yes,
the chosen age band, no to both opt-ins, then a plausible answer to each question; and
renders every bot message as the chosen channel shows it, with the channel's own renderers.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels import sms_render, telegram_render
from conversations.engine import EngineContext, OpenSurvey, step
from conversations.messages import Inbound, Reply, ReviewTicket
from conversations.state import ParticipantState
from conversations.survey import Survey

CHANNELS = ("telegram", "sms")
SAMPLE_TEXT = "More places to meet friends after school"
MAX_TURNS = 80  # a survey has at most a few dozen questions; never loop for ever
PREVIEW_WORKER = "Sam Patel (your reviewing officer)"


@dataclass(frozen=True)
class Shown:
    """One bot message as the channel shows it: its text and, on Telegram, button rows."""

    text: str
    buttons: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Turn:
    sent: str | None  # what the young person sent (None for opening the conversation)
    shown: tuple[Shown, ...]


@dataclass(frozen=True)
class Preview:
    turns: tuple[Turn, ...]
    stopped_early: bool  # the script met a step it cannot answer (a review's summary)


def preview(survey: Survey, version: int, band: str, language: str, channel: str) -> Preview:
    """The scripted conversation, turn by turn."""
    current = OpenSurvey(survey, version)
    context = EngineContext(open_surveys={survey.slug: current})
    state = ParticipantState()
    if survey.anonymous:
        inbound = Inbound(start=survey.slug, channel=channel)
    else:  # a review begins only with a code from the child's worker
        ticket = ReviewTicket("ok", review_id=1, slug=survey.slug, worker=PREVIEW_WORKER)
        inbound = Inbound(review=ticket, channel=channel)
    sent: str | None = None
    turns: list[Turn] = []
    for _ in range(MAX_TURNS):
        ctx = EngineContext(
            open_surveys=context.open_surveys,
            current=current if state.conversation is not None else None,
        )
        done = step(ctx, state, inbound)
        state = done.state
        turns.append(Turn(sent, _render(done.replies, channel)))
        conv = state.conversation
        if conv is None:
            return Preview(tuple(turns), False)
        last = done.replies[-1] if done.replies else None
        answer = _answer(survey, conv.phase, conv.question_id, last, band, language)
        if answer is None:
            return Preview(tuple(turns), True)
        sent, inbound = answer[0], _inbound(answer[1], channel)
    return Preview(tuple(turns), True)


def _answer(
    survey: Survey,
    phase: str,
    question_id: str | None,
    last: Reply | None,
    band: str,
    language: str,
) -> tuple[str, tuple[str, str]] | None:
    """(what it reads as, (how it is sent: "button" or "text", value)) for one phase."""
    fixed = {
        "language": language,
        "consent": "yes",
        "age_band": band,
        "age_check": "yes",
        "hear_back": "no",
        "hear_new": "no",
    }
    if phase in fixed:
        return _tap(last, fixed[phase])
    if phase != "question" or question_id is None:
        return None
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        return None
    if question.type == "text":
        text = SAMPLE_TEXT[: question.max_length] if question.max_length else SAMPLE_TEXT
        return text, ("text", text)
    choices = last.choices if last is not None else ()
    if not choices:
        return None
    if question.type == "multi":
        return choices[0].label, ("text", "1")
    if question.type == "yes_no":
        return _tap(last, "yes")
    if question.type == "scale":
        return _tap(last, choices[len(choices) // 2].value)
    return _tap(last, choices[0].value)


def _tap(last: Reply | None, value: str) -> tuple[str, tuple[str, str]]:
    choices = last.choices if last is not None else ()
    label = next((c.label for c in choices if c.value == value), value)
    return label, ("button", value)


def _inbound(how: tuple[str, str], channel: str) -> Inbound:
    kind, value = how
    if kind == "button":
        return Inbound(button=value, channel=channel)
    return Inbound(text=value, channel=channel)


def _render(replies: tuple[Reply, ...], channel: str) -> tuple[Shown, ...]:
    if channel == "sms":
        return tuple(Shown(body) for body in sms_render.render_all(replies))
    shown = []
    for reply in replies:
        markup = telegram_render.keyboard(reply) or {}
        rows = tuple(
            tuple(str(button["text"]) for button in row)
            for row in markup.get("inline_keyboard", [])
        )
        shown.append(Shown(telegram_render.message_text(reply), rows))
    return tuple(shown)
