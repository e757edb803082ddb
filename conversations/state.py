"""Where a young person is: their standing choices and the conversation in progress.

Plain frozen values, so a step is a pure function from one state to the next. The
conversation part round-trips through JSON for storage (`to_json` / `from_json`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

AnswerValue = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Conversation:
    """One survey in progress.

    `phase` is what we are waiting for: language, consent, age_band, age_check, hear_back,
    hear_new or question (then `question_id` says which), and in a review also summary,
    leave_out or change (see review_flow.py). `history` holds the steps BACK can return
    to, most recent last. `selection` holds ticks made with buttons on a "choose all that
    apply" question before Done.

    A review also knows its `review_id`, the `worker` who will read it and the `due` date
    of the meeting (ISO), from the code the child sent; `left_out` lists the answers they
    chose not to send, and `editing` marks a question asked again from the summary, which
    goes back to the summary once answered.
    """

    slug: str
    version: int
    language: str
    phase: str
    question_id: str | None = None
    history: tuple[str, ...] = ()
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    selection: tuple[str, ...] = ()
    hear_back: bool = False
    review_id: int | None = None
    worker: str = ""
    due: str | None = None
    left_out: tuple[str, ...] = ()
    editing: bool = False

    def moved(self, **changes: Any) -> Conversation:
        return _move_conversation(self, changes)

    @property
    def consented(self) -> bool:
        return self.phase not in ("language", "consent")


@dataclass(frozen=True, slots=True)
class ParticipantState:
    """Everything the engine knows about one young person.

    `age_band` and `hear_about_new` are asked once and kept; `taken` lists surveys they
    have finished (so they are not asked twice); `offered` remembers the numbered menu of
    surveys last shown, so "2" means the second one; `last_seen` (seconds since the epoch)
    lets the engine greet someone coming back after a gap.
    """

    age_band: str | None = None
    hear_about_new: bool | None = None
    stopped: bool = False
    confirming_delete: bool = False
    taken: frozenset[str] = frozenset()
    offered: tuple[str, ...] = ()
    last_seen: float | None = None
    conversation: Conversation | None = None

    def moved(self, **changes: Any) -> ParticipantState:
        return _move_state(self, changes)

    @property
    def is_new(self) -> bool:
        return self == ParticipantState()


_T = TypeVar("_T", Conversation, ParticipantState)


def _mover(cls: type[_T]) -> Callable[[_T, dict[str, Any]], _T]:
    """`dataclasses.replace` for one of these slotted values, without its per-call
    introspection: it runs several times for every message, so it is worth being quick.

    Written out for the class's fields once (as dataclasses writes `__init__`): a new
    object, each slot set through its descriptor from `changes` or the old value."""
    names = cls.__slots__
    scope: dict[str, Any] = {"new_object": object.__new__, "cls": cls, "known": frozenset(names)}
    lines = [
        "def move(value, changes):",
        "    if not changes.keys() <= known:",
        "        unknown = ', '.join(sorted(set(changes) - known))",
        "        raise TypeError(f'{cls.__name__} has no field {unknown}')",
        "    new = new_object(cls)",
    ]
    for number, name in enumerate(names):
        scope[f"set_{number}"] = getattr(cls, name).__set__
        lines.append(
            f"    set_{number}(new, changes[{name!r}] if {name!r} in changes else value.{name})"
        )
    lines.append("    return new")
    exec("\n".join(lines), scope)  # the class's own field names only
    move: Callable[[_T, dict[str, Any]], _T] = scope["move"]
    return move


_move_conversation = _mover(Conversation)
_move_state = _mover(ParticipantState)


def session_to_json(state: ParticipantState) -> str:
    """The short-lived part of the state (not age band, opt-ins or stop), as JSON."""
    data: dict[str, Any] = {
        "offered": list(state.offered),
        "confirming_delete": state.confirming_delete,
        "last_seen": state.last_seen,
    }
    conv = state.conversation
    if conv is not None:
        data["conversation"] = {
            "slug": conv.slug,
            "version": conv.version,
            "language": conv.language,
            "phase": conv.phase,
            "question_id": conv.question_id,
            "history": list(conv.history),
            "answers": {k: list(v) if isinstance(v, tuple) else v for k, v in conv.answers.items()},
            "selection": list(conv.selection),
            "hear_back": conv.hear_back,
            "review_id": conv.review_id,
            "worker": conv.worker,
            "due": conv.due,
            "left_out": list(conv.left_out),
            "editing": conv.editing,
        }
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def session_from_json(text: str | None, base: ParticipantState) -> ParticipantState:
    """Combine the stored session JSON with the participant's standing choices."""
    if not text:
        return base
    data = json.loads(text)
    conv_data = data.get("conversation")
    conversation = None
    if conv_data is not None:
        conversation = Conversation(
            slug=conv_data["slug"],
            version=int(conv_data["version"]),
            language=conv_data["language"],
            phase=conv_data["phase"],
            question_id=conv_data.get("question_id"),
            history=tuple(conv_data.get("history", ())),
            answers={
                k: tuple(v) if isinstance(v, list) else v
                for k, v in conv_data.get("answers", {}).items()
            },
            selection=tuple(conv_data.get("selection", ())),
            hear_back=bool(conv_data.get("hear_back", False)),
            review_id=_int_or_none(conv_data.get("review_id")),
            worker=str(conv_data.get("worker") or ""),
            due=conv_data.get("due"),
            left_out=tuple(conv_data.get("left_out", ())),
            editing=bool(conv_data.get("editing", False)),
        )
    return base.moved(
        offered=tuple(data.get("offered", ())),
        confirming_delete=bool(data.get("confirming_delete", False)),
        last_seen=data.get("last_seen"),
        conversation=conversation,
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
