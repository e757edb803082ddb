"""A review after its last question: the summary, leaving answers out, changing one, and
sending them to the worker (or sending nothing). Also the words about a review code.

Everything a child writes in a review stays in the conversation state until they choose:
no answer is recorded as they go, and only the answers they keep leave it, in one
`ReviewShared` event, when they say send. Works on the engine's turn, as QuestionFlow does.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from conversations import keywords, prompts
from conversations.answer_parsing import normalise, parse_number
from conversations.events import ReviewNotShared, ReviewShared, SharedAnswer
from conversations.messages import Choice, Reply, ReviewTicket
from conversations.phrases import say
from conversations.question_flow import SurveyFlow, long_date, shown
from conversations.state import AnswerValue, Conversation
from conversations.survey import Question, Survey

if TYPE_CHECKING:
    pass

# summary: what to do with the answers; leave_out / change: which number.
REVIEW_PHASES = frozenset({"summary", "leave_out", "change"})
SEND, LEAVE_OUT, CHANGE, NOTHING = "send", "leave_out", "change", "nothing"
ACTIONS = (SEND, LEAVE_OUT, CHANGE, NOTHING)  # in the order they are numbered
REFUSED_STATUSES = frozenset({"unknown", "expired", "taken", "slow_down", "done"})

# Sending, and sending nothing, cannot be undone, so only plain words count for them
# ("send it but not the school one" is not a yes); the others only lead to a question.
_SEND_WORDS = frozenset({
    "send", "send it", "send them", "send all", "send it all", "send everything",
    "send my answers", "send please", "send it please", "please send", "please send it",
    "yes send", "yes send it",
})  # fmt: skip
_NOTHING_WORDS = frozenset({
    "nothing", "none", "send nothing", "send none", "no send", "dont send", "do not send",
    "dont send it", "dont send them", "dont send anything", "do not send anything",
    "do not send it", "i dont want to send it", "i dont want to send anything",
})  # fmt: skip
_LEAVE = re.compile(r"\b(leave|remove|take (it |one |some |an answer )?out)\b")
_CHANGE = re.compile(r"\b(change|edit)\b")


def worker_name(conversation: Conversation, simple: bool) -> str:
    return conversation.worker or say("review_worker", simple)


def review_when(due: str | None, simple: bool) -> str:
    """ "before your review on 1 March 2027", or without the date when we have none."""
    try:
        day = date.fromisoformat(due) if due else None
    except ValueError:
        day = None
    if day is None:
        return say("review_when", simple)
    return say("review_when_dated", simple, date=long_date(day))


def ticket_reply(ticket: ReviewTicket, simple: bool) -> str:
    """What to say about a code that does not open a review (any status but ok)."""
    status = ticket.status if ticket.status in REFUSED_STATUSES else "unknown"
    return say(f"review_code_{status}", simple, who=ticket.worker or say("review_worker", simple))


def answer_words(survey: Survey, question: Question, language: str, value: AnswerValue) -> str:
    """An answer in words as the child gave it, as the summary shows it and the worker
    reads it: labels, "Yes"/"No", "1 (Not safe)" at a scale's labelled ends, their text."""
    if question.type == "scale":
        low, high = prompts.scale_bounds(question)
        label = question.min_label if value == str(low) else None
        label = question.max_label if value == str(high) else label
        return f"{value} ({survey.local(label, language)})" if label else str(value)
    return prompts.describe_answer(survey, question, language, value)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", normalise(text))).strip()


class ReviewFlow(SurveyFlow):
    @property
    def who(self) -> str:
        return worker_name(self.conv, self.turn.simple)

    def items(self) -> list[Question]:
        """The questions that were asked, in order: the numbered lines of the summary."""
        answers = self.conv.answers
        return [q for q in self.survey.questions if shown(q, answers)]

    # --- showing -----------------------------------------------------------------------
    def show_summary(self) -> None:
        conv = self.conv.moved(phase="summary", question_id=None, editing=False, selection=())
        self.turn.set_conversation(conv)
        self.reprompt()

    def reprompt(self) -> None:
        if self.conv.phase == "summary":
            self.turn.send(self._summary())
        else:
            self.turn.send(self._pick_reply())

    def _summary(self) -> Reply:
        turn = self.turn
        lines = [turn.say("review_summary_intro")]
        for number, question in enumerate(self.items(), start=1):
            lines.append(f"{number}. {question.wording(self.conv.language, turn.simple)}")
            lines.append(f"- {self._answer_line(question)}")
        lines.append(turn.say("review_summary_ask"))
        return Reply("\n".join(lines), self._actions(), prompt=True)

    def _answer_line(self, question: Question) -> str:
        conv = self.conv
        value = conv.answers.get(question.id)
        if value is None:
            return self.turn.say("review_skipped")
        words = answer_words(self.survey, question, conv.language, value)
        if question.id in conv.left_out:
            return f"{words} {self.turn.say('review_left_out')}"
        return words

    def _actions(self) -> tuple[Choice, ...]:
        say_ = self.turn.say
        return (
            Choice(SEND, say_("review_choice_send", who=self.who)),
            Choice(LEAVE_OUT, say_("review_choice_leave_out")),
            Choice(CHANGE, say_("review_choice_change")),
            Choice(NOTHING, say_("review_choice_nothing")),
        )

    def _ask(self, key: str) -> None:
        """A short reply offering the four choices again, without the whole summary."""
        self.turn.send(Reply(self.turn.say(key), self._actions(), prompt=True))

    def _pick_reply(self, lead: str | None = None) -> Reply:
        conv = self.conv
        lines = [lead] if lead else []
        if conv.phase == "leave_out":
            lines.append(self.turn.say("review_pick_leave_out"))
            if conv.left_out:
                lines.append(self.turn.say("review_pick_put_back"))
        else:
            lines.append(self.turn.say("review_pick_change"))
        # Numbered as the summary is, so "3" means its third line on every channel.
        count = len(self.items())
        choices = tuple(Choice(str(n), str(n)) for n in range(1, count + 1))
        return Reply("\n".join(lines), choices, prompt=True)

    # --- reading what they sent ----------------------------------------------------------
    def answer(self) -> None:
        if self.conv.phase == "summary":
            self._choose()
        else:
            self._pick()

    def skip_or_back(self, word: str) -> None:
        phase = self.conv.phase
        if phase != "summary":
            self.show_summary()  # BACK or SKIP from "which number?"
        elif word == keywords.BACK:
            self._back_to_questions()
        else:
            self._ask("review_summary_unclear")

    def _choose(self) -> None:
        action = self._action()
        turn = self.turn
        if action == SEND:
            self._send()
        elif action == NOTHING:
            self._send_nothing()
        elif action is not None:
            turn.set_conversation(self.conv.moved(phase=action))
            self.reprompt()
        else:
            # Just after where to get help, "Sorry, I didn't catch that" is the wrong reply.
            self._ask("review_summary_ask" if turn.disclosed else "review_summary_unclear")

    def _action(self) -> str | None:
        turn = self.turn
        if turn.button is not None:
            return turn.button if turn.button in ACTIONS else None
        words = _plain(turn.text)
        if words in _NOTHING_WORDS:  # before numbers: "none" would be 0
            return NOTHING
        if words in _SEND_WORDS or words == _plain(turn.say("review_choice_send", who=self.who)):
            return SEND
        number = parse_number(turn.text)
        if number is not None:
            return ACTIONS[number - 1] if 1 <= number <= len(ACTIONS) else None
        if _LEAVE.search(words):
            return LEAVE_OUT
        return CHANGE if _CHANGE.search(words) else None

    def _pick(self) -> None:
        turn = self.turn
        items = self.items()
        button = turn.button
        if button is not None:
            number = int(button) if button.isdecimal() and len(button) <= 3 else None
        else:
            number = parse_number(turn.text)
        if number is None or not 1 <= number <= len(items):
            lead = None if turn.disclosed else turn.say("review_pick_unclear", count=len(items))
            turn.send(self._pick_reply(lead))
            return
        question = items[number - 1]
        conv = self.conv
        if conv.phase == "change":
            turn.set_conversation(
                conv.moved(phase="question", question_id=question.id, editing=True, selection=())
            )
            turn.flow().ask()
        elif question.id not in conv.answers:
            turn.send(self._pick_reply(turn.say("review_nothing_to_leave_out", number=number)))
        else:
            left = set(conv.left_out) ^ {question.id}
            left_out = tuple(q.id for q in self.survey.questions if q.id in left)
            turn.set_conversation(conv.moved(left_out=left_out))
            self.show_summary()

    def _back_to_questions(self) -> None:
        conv = self.conv
        items = self.items()
        if not items:
            self.turn.send(self.turn.say("no_back"))
            self.reprompt()
            return
        last = items[-1]
        history = conv.history
        if history and history[-1] == f"q:{last.id}":
            history = history[:-1]
        self.turn.set_conversation(
            conv.moved(phase="question", question_id=last.id, history=history, selection=())
        )
        self.turn.flow().ask()

    # --- after changing an answer ------------------------------------------------------
    def edited(self, question_id: str) -> None:
        """An answer changed from the summary (or kept with SKIP): drop answers to questions
        that no longer apply, ask any that now apply and were never asked, then the summary."""
        conv = self.conv
        answers = dict(conv.answers)
        for question in self.survey.questions:
            if question.id in answers and not shown(question, answers):
                del answers[question.id]
        conv = conv.moved(
            answers=answers,
            left_out=tuple(i for i in conv.left_out if i in answers),
            selection=(),
        )
        ids = [q.id for q in self.survey.questions]
        for question in self.survey.questions[ids.index(question_id) + 1 :]:
            asked = question.id in answers or f"q:{question.id}" in conv.history
            if shown(question, answers) and not asked:
                self.turn.set_conversation(conv.moved(question_id=question.id))
                self.turn.flow().ask()
                return
        self.turn.set_conversation(conv)
        self.show_summary()

    # --- sending, or not -----------------------------------------------------------------
    def _send(self) -> None:
        conv = self.conv
        turn = self.turn
        shared = tuple(
            SharedAnswer(
                question.id,
                question.wording(conv.language, turn.simple),
                answer_words(self.survey, question, conv.language, conv.answers[question.id]),
            )
            for question in self.items()
            if question.id in conv.answers and question.id not in conv.left_out
        )
        if not shared:
            self._send_nothing(lead=turn.say("review_nothing_kept"))
            return
        assert conv.review_id is not None
        lines = [turn.say("review_sent", who=self.who, when=review_when(conv.due, turn.simple))]
        if conv.hear_back:
            lines.append(turn.say("review_sent_hear_back"))
        turn.emit(ReviewShared(conv.review_id, shared))
        turn._end("completed")
        turn.send(" ".join(lines))

    def _send_nothing(self, lead: str | None = None) -> None:
        conv = self.conv
        assert conv.review_id is not None
        text = self.turn.say("review_not_sent", who=self.who)
        self.turn.emit(ReviewNotShared(conv.review_id))
        self.turn._end("completed")
        self.turn.send(f"{lead} {text}" if lead else text)
