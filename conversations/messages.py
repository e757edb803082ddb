"""Channel-neutral messages: what a young person sends in, and what the bot says back.

Channels turn their provider's input into one `Inbound` and render `Reply` their own way
(buttons on Telegram, "Reply 1, 2 or 3" on SMS, numbered lines in the console).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a young person.

    `text` is what they typed; `button` is the payload of a tapped button (Telegram);
    `start` is a survey a channel was asked to open directly (a deep link, `demo --survey`).
    `channel` lets the engine apply channel-specific words such as the SMS carrier keywords.
    `opened` marks a young person opening the chat with nothing typed yet (the console
    starting, Telegram's bare /start): they are shown where they are, or what is open.
    """

    text: str | None = None
    button: str | None = None
    start: str | None = None
    channel: str = "console"
    opened: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """One option a young person can pick; `value` is what a tap sends back."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message from the bot.

    `choices` are offered in order: channels that cannot show buttons number them 1, 2, 3
    and the engine accepts those numbers. `multi` marks a "choose all that apply" question,
    `selected` the choices already ticked. `prompt` is true for a question awaiting an
    answer (as opposed to information), so a channel may replace an older prompt.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    multi: bool = False
    selected: tuple[str, ...] = ()
    prompt: bool = False
