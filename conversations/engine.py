"""The conversation engine: a pure function from (context, state, message) to a `Step`.

It never sends and never writes. Given the open surveys, where a young person is, and what
they just sent, it returns their new state and the events of that step (messages to send,
answers recorded, consent given, alerts raised...). The dispatcher stores the events in one
transaction before any message is released. Learned from goflow's "sprint" of events.
"""

from __future__ import annotations

from conversations import keywords, prompts
from conversations.context import (
    RESUME_AFTER_SECONDS,
    EngineContext,
    HeldAbout,
    OpenSurvey,
    Step,
)
from conversations.events import (
    AlertRaised,
    ParticipantErased,
    ParticipantRestarted,
    ParticipantStopped,
)
from conversations.messages import Inbound
from conversations.my_data import describe
from conversations.phrases import say
from conversations.redaction import remove_personal_details
from conversations.review_flow import REVIEW_PHASES, worker_name
from conversations.safeguarding import HELP_NOW, HELP_NOW_UNDER_13, detect_risk
from conversations.starting import Starting
from conversations.state import ParticipantState

__all__ = ["RESUME_AFTER_SECONDS", "EngineContext", "OpenSurvey", "Step", "step"]
MAX_UPDATES_SHOWN = 3  # the newest; an SMS should stay short


def step(context: EngineContext, state: ParticipantState, inbound: Inbound) -> Step:
    """One turn of the conversation."""
    return _Turn(context, state, inbound).run()


class _Turn(Starting):
    """Keywords, standing states and answers; starting.py finds and starts surveys, and
    TurnBase holds the step's working."""

    # --- the turn ------------------------------------------------------------------
    def run(self) -> Step:
        returning = self._returning_after_gap()
        self._look_for_risk()
        if self.state.stopped:
            self._while_stopped()
        elif self.inbound.review is not None:
            self._ticket(self.inbound.review)
        elif self.state.confirming_delete and self.keyword != keywords.STOP:
            self._confirm_delete()
        elif self.inbound.opened and not self.inbound.start and not self.text:
            self._opened()
        elif self.keyword:
            self._keyword(self.keyword)
        elif self.inbound.start:
            self._start(self.inbound.start)
        elif not self.text and self.button is None and not self.inbound.opened:
            self._not_text()
        elif self.conversation is None:
            self._idle()
        else:
            self._in_conversation(returning)
        if not any(isinstance(e, ParticipantErased) for e in self.events):
            self.state = self.state.moved(last_seen=self.ctx.now)
        return Step(self.state, tuple(self.events))

    def _returning_after_gap(self) -> bool:
        last = self.state.last_seen
        return (
            self.conversation is not None
            and last is not None
            and self.ctx.now - last > self.ctx.resume_after_s
            and self.button is None
        )

    def _look_for_risk(self) -> None:
        if not self.text:
            return
        match = detect_risk(self.text, self.ctx.risk_phrases)
        if match is None:
            return
        conv = self.conversation
        current = self.ctx.current
        anonymous = conv is None or current is None or current.survey.anonymous
        said = remove_personal_details(self.text) if anonymous else self.text
        slug = conv.slug if conv else None
        review_id = conv.review_id if conv else None
        self.emit(AlertRaised(match.category, match.phrase, said, slug, review_id))
        self.send(HELP_NOW_UNDER_13 if self.simple else HELP_NOW)
        if conv is not None and review_id is not None:
            # Named, so they can be helped: say who will know.
            self.send(self.say("review_risk_told", who=worker_name(conv, self.simple)))
        self.disclosed = True

    # --- standing states -------------------------------------------------------------
    def _while_stopped(self) -> None:
        if self.state.confirming_delete:
            self._confirm_delete()
        elif keywords.restarts_when_stopped(self.text, self.channel) or (
            (self.inbound.start or self.inbound.review) and not self.keyword
        ):
            # A link or a review code is as deliberate as START.
            self.state = self.state.moved(stopped=False)
            self.emit(ParticipantRestarted())
            self.send(self.say("restarted"))
            if self.inbound.review is not None:
                self._ticket(self.inbound.review)
            elif self.inbound.start:
                self._start(self.inbound.start)
            elif self.conversation is not None:
                self._resume()
            else:
                self._menu()
        elif self.keyword == keywords.HELP or (self.inbound.opened and not self.text):
            self.send(self.say("stopped_help"))
        elif self.keyword == keywords.DELETE:
            self._ask_delete()
        elif self.keyword == keywords.MYDATA:
            self._my_data()
        # Anything else gets no reply: they asked for no more messages.

    def _ask_delete(self) -> None:
        if self.state.moved(stopped=False, last_seen=None, offered=()) == ParticipantState():
            self.send(self.say("nothing_to_delete"))
            return
        self.state = self.state.moved(confirming_delete=True)
        self.send(prompts.yes_no_reply(self.say("delete_confirm")))

    def _confirm_delete(self) -> None:
        if self.keyword == keywords.DELETE or self._yes_no() == "yes":
            simple = self.simple
            self.state = ParticipantState()
            self.emit(ParticipantErased())
            self.send(say("deleted", simple))
            return
        self.state = self.state.moved(confirming_delete=False)
        if self.state.stopped:
            self.send(self.say("delete_cancelled"))
            return
        self.send(self.say("delete_cancelled"))
        if self.conversation is not None:
            self._resume()

    def _keyword(self, word: str) -> None:
        conv = self.conversation
        if word == keywords.STOP:
            self._stop()
        elif word == keywords.DELETE:
            self._ask_delete()
        elif word == keywords.HELP:
            self.send(self.say("help"))
            if conv is not None:
                self._resume()
        elif word == keywords.UPDATES:
            self.send(self._updates())
            if conv is not None:
                self._resume()
        elif word == keywords.MYDATA:
            self._my_data()
            if conv is not None:
                self._resume()
        elif word == keywords.START:
            if self.inbound.start:
                self._start(self.inbound.start)
            elif conv is not None:
                self._in_survey_or_closed(self._already_in)
            else:
                self._menu()
        elif conv is None:
            self.send(
                self.say("nothing_to_skip" if word == keywords.SKIP else "nothing_to_go_back_to")
            )
            self._menu()
        else:
            self._in_survey_or_closed(lambda: self._skip_or_back(word))

    def _updates(self) -> str:
        """What came of the surveys they finished ("You Said, We Did"), newest last."""
        entries = [
            entry for slug in sorted(self.state.taken) for entry in self.ctx.updates.get(slug, ())
        ]
        if not entries:
            return self.say("updates_none" if self.state.taken else "updates_nothing_taken")
        lines = [self.say("updates_intro")]
        for entry in entries[-MAX_UPDATES_SHOWN:]:
            lines.append(self.say("update_item", title=entry.title, said=entry.said, did=entry.did))
        return "\n".join(lines)

    def _my_data(self) -> None:
        """What is held about them, in plain words (the dispatcher looked it up)."""
        held = self.ctx.held or HeldAbout()
        self.send(describe(self.state, held, self.channel, self.simple))

    def _not_text(self) -> None:
        """A photo, sticker, voice note or location: we cannot read it, and keep none of it."""
        self.send(self.say("only_text"))
        if self.conversation is not None:
            self._in_survey_or_closed(self._reprompt)
        else:
            self._menu()

    def _opened(self) -> None:
        if self.conversation is not None:
            self._in_survey_or_closed(self._already_in)
        else:
            self._menu()

    def _stop(self) -> None:
        conv = self.conversation
        if conv is not None:
            conv = conv.moved(hear_back=False)
        hear_new = False if self.state.hear_about_new is not None else None
        self.state = self.state.moved(
            stopped=True, hear_about_new=hear_new, conversation=conv, confirming_delete=False
        )
        self.emit(ParticipantStopped())
        self.send(self.say("stopped"))

    # --- a conversation in progress ------------------------------------------------------
    def _in_conversation(self, returning: bool) -> None:
        self._in_survey_or_closed(lambda: self._answer(returning))

    def _answer(self, returning: bool) -> None:
        conv = self.conversation
        assert conv is not None
        phase = conv.phase
        if phase == "question":
            self.flow().answer(returning)
        elif returning:
            self.send(self.say("welcome_back"))
            self._reprompt()
        elif phase == "language":
            self._choose_language()
        elif phase == "consent":
            self._consent()
        elif phase == "age_band":
            self._age_band()
        elif phase == "age_check":
            self._age_check()
        elif phase == "hear_back":
            self._hear_back()
        elif phase == "hear_new":
            self._hear_new()
        elif phase in REVIEW_PHASES:
            self.review().answer()

    def _skip_or_back(self, word: str) -> None:
        conv = self.conversation
        assert conv is not None
        if conv.phase == "question":
            flow = self.flow()
            flow.skip() if word == keywords.SKIP else flow.back()
        elif conv.phase in REVIEW_PHASES:
            self.review().skip_or_back(word)
        elif word == keywords.BACK and conv.history:
            self.flow().back()
        elif word == keywords.SKIP and conv.phase in ("hear_back", "hear_new"):
            self._opt_in(conv.phase, wanted=False)
        elif word == keywords.SKIP and conv.phase == "language":
            assert self.ctx.current is not None
            self._set_language(self.ctx.current.survey.default_language)
        elif word == keywords.SKIP and conv.phase in ("consent", "age_check"):
            self.send(self.say("consent_needed" if conv.phase == "consent" else "yes_no_unclear"))
            self._reprompt()
        elif word == keywords.SKIP and conv.phase == "age_band":
            self.send(self.say("age_unclear"))
            self._reprompt()
        else:
            self.send(self.say("no_back"))
            self._reprompt()
