"""The working of one engine step: the state as it changes and the events so far.

`TurnBase` holds what every part of a step needs; onboarding.py (language, consent, age,
opt-ins), question_flow.py (the questions) and engine.py (keywords, menus, starting and
ending) build on it.
"""

from __future__ import annotations

from conversations import age_bands, keywords, prompts
from conversations.answer_parsing import parse_choice, parse_yes_no
from conversations.context import EngineContext
from conversations.events import ConversationEnded, Event, MessageCreated
from conversations.messages import Inbound, Reply
from conversations.phrases import say
from conversations.state import Conversation, ParticipantState


class TurnBase:
    """The working of one step; holds the state as it changes and the events so far."""

    def __init__(self, context: EngineContext, state: ParticipantState, inbound: Inbound):
        self.ctx = context
        self.state = state
        self.inbound = inbound
        self.channel = inbound.channel
        self.text = (inbound.text or "").strip()
        self.button = inbound.button
        self.keyword = keywords.keyword_of(inbound.text, self.channel) if not self.button else None
        self.events: list[Event] = []
        # Whether this message suggested a risk (and so was answered with where to get help).
        self.disclosed = False

    # --- small helpers -------------------------------------------------------------
    @property
    def simple(self) -> bool:
        """Under-13 wording: for an under-13, or in a children's survey before we know."""
        if self.state.age_band is not None:
            return age_bands.is_under_13(self.state.age_band)
        current = self.ctx.current
        return current is not None and current.survey.ages.max < 13

    def say(self, key: str, **values: object) -> str:
        return say(key, self.simple, **values)

    def send(self, message: Reply | str) -> None:
        reply = message if isinstance(message, Reply) else Reply(text=message)
        self.events.append(MessageCreated(reply))

    def emit(self, event: Event) -> None:
        self.events.append(event)

    @property
    def conversation(self) -> Conversation | None:
        return self.state.conversation

    def set_conversation(self, conversation: Conversation | None) -> None:
        self.state = self.state.moved(conversation=conversation)

    def _language(self) -> str:
        conv = self.conversation
        return conv.language if conv else "en"

    def _yes_no(self) -> str | None:
        if self.button in ("yes", "no"):
            return self.button
        if not self.text:
            return None
        # Channels without buttons number the choices, so "1" is yes and "2" is no.
        return parse_yes_no(self.text) or parse_choice(self.text, prompts.YES_NO_CHOICES)

    def _end(self, reason: str) -> None:
        conv = self.conversation
        assert conv is not None
        self.emit(ConversationEnded(conv.slug, reason))
        taken = self.state.taken | {conv.slug} if reason == "completed" else self.state.taken
        self.state = self.state.moved(conversation=None, taken=taken)
