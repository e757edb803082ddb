"""MYDATA: telling a young person, in plain words, everything that is held about them.

Built from their state (what the engine knows) and `HeldAbout` (what else the database
keeps, looked up by the dispatcher only when they ask). Each line says what is kept and
why; the last lines say what is not kept and how to delete the rest.
"""

from __future__ import annotations

from datetime import date

from conversations import age_bands
from conversations.context import HeldAbout
from conversations.phrases import say
from conversations.question_flow import long_date
from conversations.state import ParticipantState

_CHANNELS = {"telegram": "Telegram chat", "sms": "phone number", "console": "name in the demo"}

# (everyone else, under-13s)
_LINES: dict[str, tuple[str, str]] = {
    "intro": ("Here is everything we hold about you:", "This is what we know about you:"),
    "nothing": (
        "We don't hold anything about you, apart from this conversation's last message "
        "so we can answer it.",
        "We don't know anything about you.",
    ),
    "code": (
        "- A code that stands for you, made from your {channel}. It isn't your name or "
        "number, and it can't be turned back into them.",
        "- A special code that stands for you. It is not your name or number.",
    ),
    "age": ("- Your age group: {band}.", "- Your age group: {band}."),
    "new_surveys": (
        "- You said yes to hearing about new surveys (no more than twice a month).",
        "- You want to hear about new surveys.",
    ),
    "no_new_surveys": (
        "- You said no to hearing about new surveys.",
        "- You don't want to hear about new surveys.",
    ),
    "hear_back": (
        "- You asked to hear what changed because of: {titles}.",
        "- You want to hear what we did after: {titles}.",
    ),
    "contact": (
        "- Your {channel}, locked (encrypted) so only this service can read it, to send you "
        "the messages you asked for. We delete it when we have nothing more to send you.",
        "- Your {channel}, locked away, so we can send you the messages you asked for.",
    ),
    "in_progress": (
        '- Your answers so far to "{title}" ({count}). You haven\'t finished it.',
        '- Your answers so far to "{title}" ({count}).',
    ),
    "review": (
        "- Your care review with {worker} on {due}, and anything you sent them for it.",
        "- Your review with {worker} on {due}.",
    ),
    "queued": (
        "- {count} waiting to be sent to you.",
        "- {count} waiting to go to you.",
    ),
    "finished": (
        "- That you finished: {titles} (so we don't ask you twice).",
        "- That you finished: {titles}.",
    ),
    "stopped": (
        "- That you sent STOP, so we don't message you.",
        "- That you sent STOP.",
    ),
    "not_linked": (
        "Answers to surveys you finished are not linked to you, so nobody can find them, not "
        "even us. Send DELETE to delete everything above.",
        "Your answers to finished surveys are not linked to you, so nobody can find them. "
        "Send DELETE to rub out everything above.",
    ),
}


def _say(key: str, simple: bool, **values: object) -> str:
    return _LINES[key][1 if simple else 0].format(**values)


def _count(number: int, one: str, many: str) -> str:
    return f"1 {one}" if number == 1 else f"{number} {many}"


def _titles(titles: list[str]) -> str:
    quoted = [f'"{title}"' for title in titles]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def describe(state: ParticipantState, held: HeldAbout, channel: str, simple: bool) -> str:
    """The MYDATA reply."""
    titles = held.titles
    if state.is_new and held == HeldAbout():
        return _say("nothing", simple)
    lines = [_say("intro", simple)]
    lines.append(_say("code", simple, channel=_CHANNELS.get(channel, "messages")))
    if state.age_band is not None:
        lines.append(_say("age", simple, band=age_bands.LABELS.get(state.age_band, "")))
    if state.hear_about_new is True:
        lines.append(_say("new_surveys", simple))
    elif state.hear_about_new is False:
        lines.append(_say("no_new_surveys", simple))
    if held.hear_back:
        lines.append(_say("hear_back", simple, titles=_titles(list(held.hear_back))))
    if held.contact is not None:
        lines.append(_say("contact", simple, channel=_CHANNELS.get(held.contact, "address")))
    conv = state.conversation
    if conv is not None and conv.answers:
        count = _count(len(conv.answers), "answer", "answers")
        title = titles.get(conv.slug, conv.slug)
        lines.append(_say("in_progress", simple, title=title, count=count))
    for worker, due in held.reviews:
        who = worker or say("review_worker", simple)
        lines.append(_say("review", simple, worker=who, due=long_date(date.fromisoformat(due))))
    if held.queued:
        lines.append(_say("queued", simple, count=_count(held.queued, "message", "messages")))
    if state.taken:
        finished = _titles([titles.get(slug, slug) for slug in sorted(state.taken)])
        lines.append(_say("finished", simple, titles=finished))
    if state.stopped:
        lines.append(_say("stopped", simple))
    lines.append(_say("not_linked", simple))
    return "\n".join(lines)
