"""Before the first question: language, consent, age band and the two opt-ins.

Nothing about a young person is kept before they say yes; their age band is asked once and
never as a date of birth; both opt-ins default to no.
"""

from __future__ import annotations

import re

from conversations import age_bands, prompts
from conversations.answer_parsing import parse_choice, parse_number
from conversations.events import (
    AgeBandGiven,
    ConsentGiven,
    ConsentRefused,
    FutureSurveysChosen,
    HearBackChosen,
)
from conversations.messages import Reply
from conversations.phrases import say
from conversations.question_flow import QuestionFlow
from conversations.review_flow import REVIEW_PHASES, ReviewFlow, review_when, worker_name
from conversations.survey import Survey
from conversations.turn import TurnBase

_TYPED_AGE = re.compile(r"\b(\d{1,2})\b")


class Onboarding(TurnBase):
    """The steps before the first question; also hands over to the questions."""

    def flow(self) -> QuestionFlow:
        assert self.ctx.current is not None and self.conversation is not None
        return QuestionFlow(self, self.ctx.current.survey)

    def review(self) -> ReviewFlow:
        assert self.ctx.current is not None and self.conversation is not None
        return ReviewFlow(self, self.ctx.current.survey)

    def _choose_language(self) -> None:
        assert self.ctx.current is not None and self.conversation is not None
        survey = self.ctx.current.survey
        reply = prompts.language_reply(survey)
        chosen = self.button if self.button in survey.languages else None
        if chosen is None and self.text:
            chosen = parse_choice(self.text, reply.choices)
        if chosen is None:
            if not self.disclosed:
                self.send(self.say("language_unclear"))
            self._reprompt()
            return
        self._set_language(chosen)

    def _set_language(self, language: str) -> None:
        assert self.conversation is not None
        self.set_conversation(self.conversation.moved(language=language, phase="consent"))
        self._reprompt()

    def _consent(self) -> None:
        conv = self.conversation
        assert conv is not None
        answer = self._yes_no()
        if answer == "yes":
            self.emit(ConsentGiven(conv.slug, conv.version))
            if self.state.age_band is None:
                self.set_conversation(conv.moved(phase="age_band"))
                self._reprompt()
            else:
                self._check_age(self.state.age_band, None)
        elif answer == "no":
            self.emit(ConsentRefused(conv.slug))
            self.state = self.state.moved(conversation=None, offered=())
            self.send(self.say("consent_refused"))
        else:
            self.send(prompts.yes_no_reply(self.say("consent_unclear")))

    def _age_band(self) -> None:
        reply = prompts.age_reply(self.simple)
        band = self.button if self.button in age_bands.BANDS else None
        typed_age = None
        if band is None and self.text:
            band = parse_choice(self.text, reply.choices)
            typed_age = _typed_age(self.text) if band is None else None
            if typed_age is not None:
                band = age_bands.band_for_age(typed_age) or "over_25"
        if band is None:
            if self.disclosed:
                self._reprompt()
            else:
                self.send(Reply(self.say("age_unclear"), reply.choices, prompt=True))
            return
        if band in age_bands.BANDS:
            self.state = self.state.moved(age_band=band)
            self.emit(AgeBandGiven(band))
        self._check_age(band, typed_age)

    def _check_age(self, band: str, typed_age: int | None) -> None:
        assert self.ctx.current is not None and self.conversation is not None
        ages = self.ctx.current.survey.ages
        if typed_age is not None:
            fits = "yes" if ages.min <= typed_age <= ages.max else "no"
        elif band not in age_bands.BANDS:
            fits = "no"
        else:
            fits = age_bands.eligibility(band, ages.min, ages.max)
        if fits == "yes":
            self._ask_hear_back()
        elif fits == "no":
            self._decline()
        else:
            self.set_conversation(self.conversation.moved(phase="age_check"))
            self._reprompt()

    def _age_check(self) -> None:
        assert self.ctx.current is not None
        answer = self._yes_no()
        age = _typed_age(self.text) if answer is None and self.text else None
        if age is not None:
            # "Are you 11 or older?" - "I'm 12"
            ages = self.ctx.current.survey.ages
            answer = "yes" if ages.min <= age <= ages.max else "no"
        if answer == "yes":
            self._ask_hear_back()
        elif answer == "no":
            self._decline()
        else:
            self.send(self.say("yes_no_unclear"))
            self._reprompt()

    def _decline(self) -> None:
        assert self.ctx.current is not None
        ages = self.ctx.current.survey.ages
        self.send(self.say("not_eligible", min=ages.min, max=ages.max))
        self._end("not_eligible")

    def _ask_hear_back(self) -> None:
        assert self.conversation is not None
        self.set_conversation(self.conversation.moved(phase="hear_back"))
        self._reprompt()

    def _hear_back(self) -> None:
        self._opt_in("hear_back", self._yes_no())

    def _hear_new(self) -> None:
        self._opt_in("hear_new", self._yes_no())

    def _opt_in(self, phase: str, wanted: str | bool | None) -> None:
        conv = self.conversation
        assert conv is not None
        if wanted is None:
            self.send(self.say("yes_no_unclear"))
            self._reprompt()
            return
        choice = wanted is True or wanted == "yes"
        history = (*conv.history, phase)
        if phase == "hear_back":
            self.emit(HearBackChosen(conv.slug, choice))
            conv = conv.moved(hear_back=choice, history=history)
            if self.state.hear_about_new is None or "hear_new" in conv.history:
                self.set_conversation(conv.moved(phase="hear_new"))
                self._reprompt()
                return
        else:
            self.emit(FutureSurveysChosen(choice))
            self.state = self.state.moved(hear_about_new=choice)
            conv = conv.moved(history=history)
        self.set_conversation(conv)
        self.flow().advance(after=None)

    # --- prompts and endings ---------------------------------------------------------
    def _reprompt(self) -> None:
        conv = self.conversation
        current = self.ctx.current
        assert conv is not None and current is not None
        survey = current.survey
        language = conv.language
        if conv.phase == "language":
            self.send(prompts.language_reply(survey))
        elif conv.phase == "consent":
            self.send(prompts.yes_no_reply(self._notice(survey, language)))
        elif conv.phase == "age_band":
            self.send(prompts.age_reply(self.simple))
        elif conv.phase == "age_check":
            band = self.state.age_band or "under_13"
            low, _high = age_bands.RANGES[band]
            key = "age_check" if low < survey.ages.min else "age_check_max"
            self.send(prompts.yes_no_reply(self.say(key, min=survey.ages.min, max=survey.ages.max)))
        elif conv.phase == "hear_back":
            key = "hear_back_question" if survey.anonymous else "hear_back_review"
            self.send(prompts.yes_no_reply(self.say(key)))
        elif conv.phase == "hear_new":
            self.send(prompts.yes_no_reply(self.say("hear_new_question")))
        elif conv.phase in REVIEW_PHASES:
            self.review().reprompt()
        else:
            self.flow().ask()

    def _notice(self, survey: Survey, language: str) -> str:
        # Before we know their age, a survey open to young children uses the simple words.
        simple = self.simple or (self.state.age_band is None and survey.ages.min < 11)
        key = "notice_anonymous" if survey.anonymous else "notice_review"
        conv = self.conversation
        assert conv is not None
        notice = say(
            key,
            simple,
            title=survey.local(survey.title, language),
            purpose=survey.local(survey.purpose, language),
            audience=survey.local(survey.audience, language),
            # A review names who will read it, and when, from the child's code.
            who=worker_name(conv, simple),
            when=review_when(conv.due, simple),
        )
        return f"{notice}\n{say('consent_question', simple)}"


def _typed_age(text: str) -> int | None:
    """An age someone typed ("14", "I'm 14", "im 9", "nine"), or None.

    Numbers up to the count of age bands are left alone: "2" picks the second band.
    """
    number = parse_number(text)
    if number is None:
        typed = _TYPED_AGE.search(text)
        number = int(typed.group(1)) if typed else None
    return number if number is not None and number > len(age_bands.BANDS) else None
