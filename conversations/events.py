"""What happened in one step of a conversation, in the past tense.

The engine returns these; the dispatcher stores them (in one transaction) and the channel
delivers the messages. Nothing here performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.messages import Reply


@dataclass(frozen=True, slots=True)
class MessageCreated:
    message: Reply


@dataclass(frozen=True, slots=True)
class ConversationStarted:
    slug: str
    version: int
    language: str


@dataclass(frozen=True, slots=True)
class ConsentGiven:
    slug: str
    version: int


@dataclass(frozen=True, slots=True)
class ConsentRefused:
    slug: str


@dataclass(frozen=True, slots=True)
class AgeBandGiven:
    band: str


@dataclass(frozen=True, slots=True)
class HearBackChosen:
    """Whether they want to hear what changed ("You Said, We Did") for this survey."""

    slug: str
    wanted: bool


@dataclass(frozen=True, slots=True)
class FutureSurveysChosen:
    wanted: bool


@dataclass(frozen=True, slots=True)
class AnswerRecorded:
    slug: str
    question_id: str
    value: str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnswerRemoved:
    slug: str
    question_id: str


@dataclass(frozen=True, slots=True)
class ConversationEnded:
    """`reason`: completed, not_eligible, closed (the survey closed mid-way) or switched
    (they started another survey)."""

    slug: str
    reason: str

    @property
    def completed(self) -> bool:
        return self.reason == "completed"


@dataclass(frozen=True, slots=True)
class AlertRaised:
    """A message suggested a young person may be at risk. `text` is already redacted
    when the survey is anonymous; `slug` is None outside a survey. `review_id` is set when
    it was raised in a review, so the alert can name the child's review and they can be
    helped."""

    category: str
    phrase: str
    text: str
    slug: str | None
    review_id: int | None = None


@dataclass(frozen=True, slots=True)
class SharedAnswer:
    question_id: str
    question: str  # as the child was asked it (their language, under-13 wording)
    answer: str  # in words as they gave it: labels, "Yes"/"No", "1 (Not safe)", their text


@dataclass(frozen=True, slots=True)
class ReviewShared:
    """The child chose to send these answers to their worker (only those they kept)."""

    review_id: int
    answers: tuple[SharedAnswer, ...]


@dataclass(frozen=True, slots=True)
class ReviewNotShared:
    """The child chose to send nothing: the worker sees only 'not shared'."""

    review_id: int


@dataclass(frozen=True, slots=True)
class ParticipantStopped:
    pass


@dataclass(frozen=True, slots=True)
class ParticipantRestarted:
    pass


@dataclass(frozen=True, slots=True)
class ParticipantErased:
    pass


Event = (
    MessageCreated
    | ConversationStarted
    | ConsentGiven
    | ConsentRefused
    | AgeBandGiven
    | HearBackChosen
    | FutureSurveysChosen
    | AnswerRecorded
    | AnswerRemoved
    | ConversationEnded
    | AlertRaised
    | ReviewShared
    | ReviewNotShared
    | ParticipantStopped
    | ParticipantRestarted
    | ParticipantErased
)
