"""A small test driver for the conversation engine: holds one participant's state between
turns, gives the engine the same context the dispatcher would, and returns reply texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from textwrap import dedent

from conversations.context import HeldAbout, YouSaidWeDid
from conversations.engine import EngineContext, OpenSurvey, Step, step
from conversations.events import Event, MessageCreated
from conversations.messages import Inbound, Reply, ReviewTicket
from conversations.state import ParticipantState, session_from_json, session_to_json
from conversations.survey import Survey
from conversations.survey_loader import parse_survey

START_TIME = 1_800_000_000.0


def survey_from(yaml_text: str) -> Survey:
    return parse_survey(dedent(yaml_text), "<test>")


def assert_promises_no_secrecy(reply: Reply) -> None:
    """The bot never promises to keep a secret: it may only say something is *not* secret."""
    words = reply.text.casefold().replace("not secret", "")
    assert "secret" not in words, reply.text
    assert "confidential" not in words, reply.text


@dataclass
class Chat:
    """One young person talking to the bot (every reply is checked for promises of secrecy).

    Every survey ever opened is remembered by (slug, version), so `current` can still be
    given after a survey closes, as the dispatcher's catalogue does. With `round_trip`, the
    session part of the state goes through JSON between every two turns, as it does when
    the dispatcher saves and reloads it.
    """

    surveys: Iterable[Survey] = ()
    channel: str = "console"
    round_trip: bool = False
    state: ParticipantState = field(default_factory=ParticipantState)
    now: float = START_TIME
    last: Step | None = None
    open_surveys: dict[str, OpenSurvey] = field(default_factory=dict)
    known: dict[tuple[str, int], OpenSurvey] = field(default_factory=dict)
    history: list[Step] = field(default_factory=list)
    updates: dict[str, tuple[YouSaidWeDid, ...]] = field(default_factory=dict)
    held: HeldAbout | None = None  # what the dispatcher would look up for MYDATA

    def __post_init__(self) -> None:
        for survey in self.surveys:
            self.open(survey)

    # --- the world -----------------------------------------------------------------------
    def open(self, survey: Survey, version: int = 1) -> None:
        found = OpenSurvey(survey, version)
        self.open_surveys[survey.slug] = found
        self.known[(survey.slug, version)] = found

    def close(self, slug: str) -> None:
        del self.open_surveys[slug]

    def wait(self, seconds: float) -> None:
        self.now += seconds

    def context(self) -> EngineContext:
        keywords = {
            s.survey.keyword.upper(): slug
            for slug, s in self.open_surveys.items()
            if s.survey.keyword
        }
        conv = self.state.conversation
        current = None if conv is None else self.known.get((conv.slug, conv.version))
        return EngineContext(
            open_surveys=dict(self.open_surveys),
            keywords=keywords,
            current=current,
            now=self.now,
            updates=dict(self.updates),
            held=self.held,
        )

    # --- talking ---------------------------------------------------------------------------
    def step(
        self,
        text: str | None = None,
        *,
        button: str | None = None,
        start: str | None = None,
        opened: bool = False,
        channel: str | None = None,
        review: ReviewTicket | None = None,
    ) -> Step:
        inbound = Inbound(
            text=text,
            button=button,
            start=start,
            channel=channel or self.channel,
            opened=opened,
            review=review,
        )
        self.now += 5
        result = step(self.context(), self.state, inbound)
        for reply in result.replies:
            assert_promises_no_secrecy(reply)
        self.last = result
        self.history.append(result)
        state = result.state
        if self.round_trip:
            base = state.moved(conversation=None, offered=(), confirming_delete=False)
            reloaded = session_from_json(session_to_json(state), base)
            assert reloaded == state, "the state did not survive a JSON round trip"
            state = reloaded
        self.state = state
        return result

    def say(self, text: str | None = None, **kwargs: object) -> str:
        """Send a message; the replies' texts joined by blank lines."""
        result = self.step(text, **kwargs)  # type: ignore[arg-type]
        return "\n\n".join(reply.text for reply in result.replies)

    def tap(self, button: str) -> str:
        return self.say(button=button)

    # --- what came back --------------------------------------------------------------------
    @property
    def events(self) -> tuple[Event, ...]:
        assert self.last is not None
        return self.last.events

    @property
    def replies(self) -> tuple[Reply, ...]:
        assert self.last is not None
        return self.last.replies

    @property
    def reply(self) -> Reply:
        """The last reply of the last step (usually the prompt)."""
        assert self.replies, "the bot said nothing"
        return self.replies[-1]

    @property
    def choices(self) -> list[str]:
        return [choice.value for choice in self.reply.choices]

    def of(self, kind: type) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]

    def all_events(self) -> list[Event]:
        return [e for result in self.history for e in result.events]

    def all_replies(self) -> list[Reply]:
        return [
            e.message for result in self.history for e in result.events
            if isinstance(e, MessageCreated)
        ]  # fmt: skip

    @property
    def phase(self) -> str | None:
        conv = self.state.conversation
        if conv is None:
            return None
        return f"question:{conv.question_id}" if conv.phase == "question" else conv.phase
