"""Moving through a survey's questions: asking, reading answers, SKIP, BACK, show_if, the end.

Works on the engine's turn (see turn.py and onboarding.py), which holds the state and the
events of the step; kept apart so each file stays about one thing. A review records no
answer as it goes and ends in its summary instead (see review_flow.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from conversations import prompts
from conversations.answer_parsing import normalise, parse_choice, parse_multi, parse_scale
from conversations.events import AnswerRecorded, AnswerRemoved
from conversations.messages import Reply
from conversations.redaction import remove_personal_details
from conversations.state import AnswerValue, Conversation
from conversations.survey import Question, Survey

if TYPE_CHECKING:
    from conversations.onboarding import Onboarding


def shown(question: Question, answers: dict[str, AnswerValue]) -> bool:
    """Whether a question is asked, given the answers so far (its show_if)."""
    condition = question.show_if
    if condition is None:
        return True
    given = answers.get(condition.question)
    if given is None:
        return False
    values = given if isinstance(given, tuple) else (given,)
    return any(v in condition.values for v in values)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class SurveyFlow:
    """A part of the conversation inside one survey, working on the engine's turn."""

    def __init__(self, turn: Onboarding, survey: Survey):
        self.turn = turn
        self.survey = survey

    @property
    def conv(self) -> Conversation:
        conv = self.turn.conversation
        assert conv is not None
        return conv


class QuestionFlow(SurveyFlow):
    def _question(self) -> Question:
        assert self.conv.question_id is not None
        return self.survey.question(self.conv.question_id)

    # --- asking ------------------------------------------------------------------------
    def ask(self, lead: str | None = None) -> None:
        question = self._question()
        conv = self.conv
        reply = prompts.question_reply(
            self.survey,
            question,
            conv.language,
            simple=self.turn.simple,
            channel=self.turn.channel,
            selection=conv.selection,
            previous=conv.answers.get(question.id),
        )
        if lead:
            reply = Reply(f"{lead}\n{reply.text}", reply.choices, reply.multi, reply.selected, True)
        self.turn.send(reply)

    def advance(self, after: str | None) -> None:
        """Go to the next question that is shown, dropping answers to ones now hidden."""
        conv = self.conv
        answers = dict(conv.answers)
        ids = [q.id for q in self.survey.questions]
        start = 0 if after is None else ids.index(after) + 1
        following: Question | None = None
        for question in self.survey.questions[start:]:
            if shown(question, answers):
                following = following or question
            elif question.id in answers:
                # An earlier answer changed after BACK, so this question no longer applies.
                # Dropped now, not when we pass it: they may never get that far.
                del answers[question.id]
                if self.survey.anonymous:
                    self.turn.emit(AnswerRemoved(conv.slug, question.id))
        conv = conv.moved(left_out=tuple(i for i in conv.left_out if i in answers))
        if following is None:
            self.turn.set_conversation(conv.moved(answers=answers))
            if self.survey.anonymous:
                self._finish()
            else:
                self.turn.review().show_summary()
            return
        self.turn.set_conversation(
            conv.moved(phase="question", question_id=following.id, selection=(), answers=answers)
        )
        self.ask()

    def _finish(self) -> None:
        conv = self.conv
        survey = self.survey
        turn = self.turn
        lines = [turn.say("thanks")]
        if conv.hear_back and survey.feedback_by:
            lines.append(turn.say("thanks_hear_back_by", date=long_date(survey.feedback_by)))
        elif conv.hear_back:
            lines.append(turn.say("thanks_hear_back"))
        elif survey.feedback_by:
            lines.append(turn.say("thanks_no_hear_back_by", date=long_date(survey.feedback_by)))
        turn._end("completed")
        turn.send(" ".join(lines))

    # --- reading an answer ----------------------------------------------------------------
    def answer(self, returning: bool) -> None:
        question = self._question()
        turn = self.turn
        if turn.button is not None:
            self._tapped(question, turn.button)
            return
        if returning and question.type == "text":
            self.ask(lead=turn.say("welcome_back"))
            return
        if not turn.text:
            self._unclear(question)
            return
        if question.type == "text":
            self._typed_text(question, turn.text)
            return
        if question.type == "multi" and normalise(turn.text) == prompts.DONE:
            # Typed instead of tapped: the same as the Done button.
            self._tapped(question, prompts.DONE)
            return
        value = self._parse(question, turn.text)
        if value is None:
            if returning:
                self.ask(lead=turn.say("welcome_back"))
            else:
                self._unclear(question)
            return
        self._record(question, value)

    def _parse(self, question: Question, text: str) -> AnswerValue | None:
        choices = prompts.question_choices(self.survey, question, self.conv.language)
        if question.type == "multi":
            return parse_multi(text, choices)
        if question.type == "scale":
            return parse_scale(text, choices)
        if question.type == "yes_no":
            value = self.turn._yes_no()
            return value if value is not None else parse_choice(text, choices)
        return parse_choice(text, choices)

    def _tapped(self, question: Question, payload: str) -> None:
        conv = self.conv
        if question.type == "multi" and payload.startswith(prompts.TOGGLE_PREFIX):
            option = payload.removeprefix(prompts.TOGGLE_PREFIX)
            if option in question.possible_values():
                ticked = list(conv.selection)
                ticked.remove(option) if option in ticked else ticked.append(option)
                order = question.possible_values()
                selection = tuple(sorted(ticked, key=order.index))
                self.turn.set_conversation(conv.moved(selection=selection))
                self.ask()
                return
        elif question.type == "multi" and payload == prompts.DONE:
            if conv.selection:
                self._record(question, conv.selection)
            else:
                self.skip()
            return
        elif question.type != "multi" and payload in question.possible_values():
            self._record(question, payload)
            return
        self._unclear(question)  # a button from an older message

    def _typed_text(self, question: Question, text: str) -> None:
        limit = question.max_length or 1000
        if len(text) > limit:
            self.ask(lead=self.turn.say("too_long", max=limit, length=len(text)))
            return
        if self.survey.anonymous:
            text = remove_personal_details(text)
        self._record(question, text)

    def _unclear(self, question: Question) -> None:
        """Say what the answer can be, then ask again (the question says how to skip)."""
        turn = self.turn
        if turn.disclosed:
            # They have just been given where to get help; "Sorry, I didn't catch that"
            # would be the wrong thing to say next.
            self.ask()
            return
        if question.type == "text":
            message = turn.say("unclear_text")
        elif question.type == "scale":
            low, high = prompts.scale_bounds(question)
            message = turn.say("unclear_scale", min=low, max=high)
        elif question.type == "yes_no":
            message = turn.say("unclear_yes_no")
        else:
            count = len(question.possible_values())
            numbers = "1 or 2" if count == 2 else f"1 to {count}"
            key = "unclear_multi" if question.type == "multi" else "unclear_pick"
            message = turn.say(key, numbers=numbers)
        self.ask(lead=message)

    def _record(self, question: Question, value: AnswerValue) -> None:
        conv = self.conv
        answers = {**conv.answers, question.id: value}
        if self.survey.anonymous:
            # A review's answers stay in the conversation until the child chooses to send.
            self.turn.emit(AnswerRecorded(conv.slug, question.id, value))
        if conv.editing:
            self.turn.set_conversation(conv.moved(answers=answers, selection=()))
            self.turn.review().edited(question.id)
            return
        self.turn.set_conversation(
            conv.moved(answers=answers, history=(*conv.history, f"q:{question.id}"), selection=())
        )
        self.advance(after=question.id)

    # --- SKIP and BACK ------------------------------------------------------------------
    def skip(self) -> None:
        question = self._question()
        conv = self.conv
        if question.required and question.id not in conv.answers:
            self.ask(lead=self.turn.say("required_no_skip"))
            return
        if conv.editing:
            self.turn.review().edited(question.id)
            return
        # SKIP on a question answered before (after BACK) keeps that answer.
        self.turn.set_conversation(conv.moved(history=(*conv.history, f"q:{question.id}")))
        self.advance(after=question.id)

    def back(self) -> None:
        conv = self.conv
        if conv.editing:
            self.turn.review().show_summary()  # a change from the summary, called off
            return
        target = conv.history[-1] if conv.history else None
        # From a question, BACK goes only to earlier questions: the opt-ins before the
        # first question are not questions of the survey.
        if target is None or (conv.phase == "question" and not target.startswith("q:")):
            self.turn.send(self.turn.say("no_back"))
            self.turn._reprompt()
            return
        history = conv.history[:-1]
        if target.startswith("q:"):
            moved = conv.moved(
                phase="question", question_id=target[2:], history=history, selection=()
            )
        else:
            moved = conv.moved(phase=target, question_id=None, history=history, selection=())
        self.turn.set_conversation(moved)
        self.turn._reprompt()
