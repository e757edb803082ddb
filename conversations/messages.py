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
    `review` is what the bot found for a review code they sent (see `ReviewTicket`): a
    review begins only this way, never from `start`, a keyword or the menu.
    """

    text: str | None = None
    button: str | None = None
    start: str | None = None
    channel: str = "console"
    opened: bool = False
    review: ReviewTicket | None = None


@dataclass(frozen=True, slots=True)
class ReviewTicket:
    """What the bot found for a review code the young person sent."""

    status: str  # "ok" | "unknown" | "expired" | "taken" | "slow_down" | "done"
    review_id: int | None = None  # set when status is "ok" (and "done")
    slug: str | None = None  # the review survey; set when "ok"
    worker: str = ""  # who will read it, e.g. "Sam Patel (your reviewing officer)"
    due: str | None = None  # ISO date of the review meeting, e.g. "2027-03-01"; when "ok"


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
