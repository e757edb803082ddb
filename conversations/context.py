"""What the engine is given for a step, and what it gives back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from conversations.events import Event, MessageCreated
from conversations.messages import Reply
from conversations.safeguarding import RiskPhrases
from conversations.state import ParticipantState
from conversations.survey import Survey

RESUME_AFTER_SECONDS = 6 * 3600


@dataclass(frozen=True, slots=True)
class OpenSurvey:
    survey: Survey
    version: int


@dataclass(frozen=True, slots=True)
class YouSaidWeDid:
    """One entry of a survey's public log: what young people said and what was done."""

    title: str
    said: str
    did: str


@dataclass(frozen=True, slots=True)
class HeldAbout:
    """What the database holds about one young person beyond their state, for MYDATA.

    `contact` is the channel whose address is kept (encrypted) to reach them, if any;
    `hear_back` the titles of the surveys they asked to hear back from; `queued` how many
    messages wait to be sent to them; `reviews` each care review bound to them, as the
    worker's name and the review date (ISO); `titles` the title of each survey they took
    part in, by slug, for closed surveys too.
    """

    contact: str | None = None
    hear_back: tuple[str, ...] = ()
    queued: int = 0
    reviews: tuple[tuple[str, str], ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EngineContext:
    """What the engine may know of the world for one step.

    `open_surveys` by slug; `keywords` maps an upper-case survey keyword to its slug;
    `current` is the survey (at the version they started) of the conversation in progress;
    `now` is seconds since the epoch, used only to notice a return after a long gap;
    `updates` is each survey's "You Said, We Did" log by slug, oldest first; `held` is what
    is stored about this young person, given only when they sent MYDATA.
    """

    open_surveys: Mapping[str, OpenSurvey] = field(default_factory=dict)
    keywords: Mapping[str, str] = field(default_factory=dict)
    current: OpenSurvey | None = None
    now: float = 0.0
    risk_phrases: RiskPhrases | None = None
    resume_after_s: float = RESUME_AFTER_SECONDS
    updates: Mapping[str, tuple[YouSaidWeDid, ...]] = field(default_factory=dict)
    held: HeldAbout | None = None


@dataclass(frozen=True, slots=True)
class Step:
    state: ParticipantState
    events: tuple[Event, ...]

    @property
    def replies(self) -> tuple[Reply, ...]:
        return tuple(e.message for e in self.events if isinstance(e, MessageCreated))
