"""How the engine's replies read as text messages.

SMS has no buttons, so options are spelled out on one line the engine's answer parsing
understands ("Reply 1 Every week, 2 Every month, 3 Hardly ever"), and the engine's longer
typed hint is folded into it (", or SKIP"). Every word costs: the text is kept to the GSM-7
alphabet where it can be (see sms_text.py), and replies to one message are joined into as
few bodies as cost no more than sending them apart, so they also arrive in order.
"""

from __future__ import annotations

from bot.channels.sms_text import count_segments, sms_label, to_gsm
from conversations.messages import Choice, Reply
from conversations.phrases import say
from conversations.prompts import DONE, AnswerHint, split_typed_hint

# Twilio refuses a longer body; a longer reply is split, never cut.
MAX_BODY = 1600
YES_NO = ("yes", "no")


def render(reply: Reply) -> str:
    """One reply as the text of an SMS."""
    body, hint = split_typed_hint(reply.text) if reply.prompt else (reply.text, None)
    simple = hint.simple if hint is not None else False
    or_skip = say("sms_or_skip", simple) if hint is not None and not hint.required else ""
    options = options_line(reply, simple=simple, or_skip=or_skip)
    if hint is not None and hint.kind != "text" and options is None:
        body, hint, options = reply.text, None, None  # no options to fold the hint into
    lines = [body]
    if hint is not None and hint.kind == "text":
        lines.append(_text_hint(hint))
    if options is not None:
        lines.append(options)
    if reply.multi and reply.selected:
        lines.append(say("sms_picked", simple, numbers=_picked_numbers(reply)))
    if hint is not None and hint.required and hint.kind != "text":
        lines.append(say("hint_required", simple))
    return to_gsm("\n".join(lines))


def render_all(replies: tuple[Reply, ...]) -> list[str]:
    """The bodies to send back for one inbound message, in order.

    Consecutive replies share a body (a blank line between them) whenever the joined body
    costs no more segments than the two would apart: fewer messages, and no risk of them
    arriving out of order. Nothing is dropped; a body over Twilio's limit is split.
    """
    bodies: list[str] = []
    for reply in replies:
        text = render(reply)
        if not text.strip():
            continue
        for part in _within_limit(text):
            if bodies and _cheaper_together(bodies[-1], part):
                bodies[-1] = f"{bodies[-1]}\n\n{part}"
            else:
                bodies.append(part)
    return bodies


def options_line(reply: Reply, *, simple: bool = False, or_skip: str = "") -> str | None:
    """The line that says how to answer, or None when the reply offers no choices."""
    choices = tuple(c for c in reply.choices if not (reply.multi and c.value == DONE))
    if not choices:
        return None
    if reply.multi:
        return say("sms_multi", simple, options=_numbered(choices), or_skip=or_skip)
    if tuple(c.value for c in choices) == YES_NO:
        return say("sms_yes_no", simple, or_skip=or_skip)
    ends = scale_ends(choices)
    if ends is not None:
        (low, low_label), (high, high_label) = ends
        if not low_label and not high_label:
            return say("sms_scale_plain", simple, min=low, max=high, or_skip=or_skip)
        return say(
            "sms_scale",
            simple,
            low=f"{low} ({low_label})" if low_label else low,
            high=f"{high} ({high_label})" if high_label else high,
            or_skip=or_skip,
        )
    return say("sms_options", simple, options=_numbered(choices), or_skip=or_skip)


def scale_ends(choices: tuple[Choice, ...]) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """A scale's first and last points with their labels ("" for none) as they read in a
    sentence, or None when the choices are not a scale.

    The engine gives a scale's points as consecutive numbers, labelled with the number
    alone except at the ends, which may add words ("1 Not safe"). A typed number means that
    point, so a scale is never renumbered.
    """
    try:
        points = [int(c.value) for c in choices]
    except ValueError:
        return None
    if len(points) < 2 or points != list(range(points[0], points[0] + len(points))):
        return None
    if any(c.label != c.value for c in choices[1:-1]):
        return None
    ends = []
    for choice in (choices[0], choices[-1]):
        if choice.label == choice.value:
            ends.append((choice.value, ""))
        elif choice.label.startswith(f"{choice.value} "):
            label = sms_label(choice.label[len(choice.value) + 1 :])
            ends.append((choice.value, in_sentence(label)))
        else:
            return None
    return ends[0], ends[1]


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Not safe" becomes "not safe", as in
    "Reply 1 (not safe) to 5 (very safe)". Words that keep their capital anywhere ("I'd",
    "OK", "IRO") keep it here too."""
    first = label.split(" ", 1)[0]
    if first == "I" or first.startswith(("I'", "I’")) or first[1:] != first[1:].lower():
        return label
    return label[:1].lower() + label[1:]


def _numbered(choices: tuple[Choice, ...]) -> str:
    labels = [sms_label(c.label) for c in choices]
    # "2 13 to 15" would read as one number run into another.
    joiner = " for " if any(label[:1].isdigit() for label in labels) else " "
    # Labels with commas in them ("Yes, with help") need something stronger between them.
    separator = "; " if any("," in label for label in labels) else ", "
    return separator.join(f"{n}{joiner}{label}" for n, label in enumerate(labels, start=1))


def _picked_numbers(reply: Reply) -> str:
    values = [c.value for c in reply.choices if c.value != DONE]
    return ", ".join(str(values.index(v) + 1) for v in reply.selected if v in values)


def _text_hint(hint: AnswerHint) -> str:
    if hint.required:
        answer = say("sms_hint_text", hint.simple, or_skip="")
        return f"{answer} {say('hint_required', hint.simple)}"
    return say("sms_hint_text", hint.simple, or_skip=say("sms_or_skip", hint.simple))


def _cheaper_together(first: str, second: str) -> bool:
    joined = f"{first}\n\n{second}"
    if len(joined) > MAX_BODY:
        return False
    apart = count_segments(first).segments + count_segments(second).segments
    return count_segments(joined).segments <= apart


def _within_limit(text: str) -> list[str]:
    """`text` in parts of at most MAX_BODY characters, broken between paragraphs, lines or
    words where possible."""
    parts = []
    while len(text) > MAX_BODY:
        window = text[: MAX_BODY + 1]
        breaks = (window.rfind(mark) for mark in ("\n\n", "\n", " "))
        cut = next((at for at in breaks if at > MAX_BODY // 2), MAX_BODY)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return [part for part in parts if part]
