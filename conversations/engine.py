"""The conversation engine: a pure function from (context, state, message) to a `Step`.

It never sends and never writes. Given the open surveys, where a young person is, and what
they just sent, it returns their new state and the events of that step (messages to send,
answers recorded, consent given, alerts raised...). The dispatcher stores the events in one
transaction before any message is released. Learned from goflow's "sprint" of events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from conversations import age_bands, keywords, prompts
from conversations.answer_parsing import parse_choice, parse_number, parse_yes_no
from conversations.events import (
    AgeBandGiven,
    AlertRaised,
    ConsentGiven,
    ConsentRefused,
    ConversationEnded,
    ConversationStarted,
    Event,
    FutureSurveysChosen,
    HearBackChosen,
    MessageCreated,
    ParticipantErased,
    ParticipantRestarted,
    ParticipantStopped,
)
from conversations.messages import Inbound, Reply
from conversations.phrases import say
from conversations.question_flow import QuestionFlow
from conversations.redaction import remove_personal_details
from conversations.safeguarding import HELP_NOW, HELP_NOW_UNDER_13, RiskPhrases, detect_risk
from conversations.state import Conversation, ParticipantState
from conversations.survey import Survey

RESUME_AFTER_SECONDS = 6 * 3600
_TYPED_AGE = re.compile(r"\b(\d{1,2})\b")


@dataclass(frozen=True, slots=True)
class OpenSurvey:
    survey: Survey
    version: int


@dataclass(frozen=True, slots=True)
class EngineContext:
    """What the engine may know of the world for one step.

    `open_surveys` by slug; `keywords` maps an upper-case survey keyword to its slug;
    `current` is the survey (at the version they started) of the conversation in progress;
    `now` is seconds since the epoch, used only to notice a return after a long gap.
    """

    open_surveys: Mapping[str, OpenSurvey] = field(default_factory=dict)
    keywords: Mapping[str, str] = field(default_factory=dict)
    current: OpenSurvey | None = None
    now: float = 0.0
    risk_phrases: RiskPhrases | None = None
    resume_after_s: float = RESUME_AFTER_SECONDS


@dataclass(frozen=True, slots=True)
class Step:
    state: ParticipantState
    events: tuple[Event, ...]

    @property
    def replies(self) -> tuple[Reply, ...]:
        return tuple(e.message for e in self.events if isinstance(e, MessageCreated))


def step(context: EngineContext, state: ParticipantState, inbound: Inbound) -> Step:
    """One turn of the conversation."""
    return _Turn(context, state, inbound).run()


class _Turn:
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

    # --- small helpers -------------------------------------------------------------
    @property
    def simple(self) -> bool:
        return age_bands.is_under_13(self.state.age_band)

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

    def flow(self) -> QuestionFlow:
        assert self.ctx.current is not None and self.conversation is not None
        return QuestionFlow(self, self.ctx.current.survey)

    # --- the turn ------------------------------------------------------------------
    def run(self) -> Step:
        returning = self._returning_after_gap()
        self._look_for_risk()
        if self.state.stopped:
            self._while_stopped()
        elif self.state.confirming_delete and self.keyword != keywords.STOP:
            self._confirm_delete()
        elif self.inbound.opened and not self.inbound.start and not self.text:
            self._opened()
        elif self.keyword:
            self._keyword(self.keyword)
        elif self.inbound.start:
            self._start(self.inbound.start)
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
        self.emit(AlertRaised(match.category, match.phrase, said, slug))
        self.send(HELP_NOW_UNDER_13 if self.simple else HELP_NOW)

    # --- standing states -------------------------------------------------------------
    def _while_stopped(self) -> None:
        if self.state.confirming_delete:
            self._confirm_delete()
        elif self.keyword == keywords.START or (self.inbound.start and not self.keyword):
            self.state = self.state.moved(stopped=False)
            self.emit(ParticipantRestarted())
            self.send(self.say("restarted"))
            if self.inbound.start:
                self._start(self.inbound.start)
            elif self.conversation is not None:
                self._reprompt()
            else:
                self._menu()
        elif self.keyword == keywords.HELP or (self.inbound.opened and not self.text):
            self.send(self.say("stopped_help"))
        elif self.keyword == keywords.DELETE:
            self._ask_delete()
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
            self._reprompt()

    def _keyword(self, word: str) -> None:
        conv = self.conversation
        if word == keywords.STOP:
            self._stop()
        elif word == keywords.DELETE:
            self._ask_delete()
        elif word == keywords.HELP:
            self.send(self.say("help"))
            if conv is not None:
                self._reprompt()
        elif word == keywords.START:
            if self.inbound.start:
                self._start(self.inbound.start)
            elif conv is not None:
                self._in_survey_or_closed(self._already_in)
            else:
                self._menu()
        elif conv is None:
            self.send(self.say("nothing_to_skip"))
            self._menu()
        else:
            self._in_survey_or_closed(lambda: self._skip_or_back(word))

    def _opened(self) -> None:
        if self.conversation is not None:
            self._in_survey_or_closed(self._already_in)
        else:
            self._menu()

    def _already_in(self) -> None:
        assert self.ctx.current is not None
        survey = self.ctx.current.survey
        self.send(self.say("already_in", title=survey.local(survey.title, self._language())))
        self._reprompt()

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

    # --- finding and starting a survey -------------------------------------------------
    def _available(self) -> list[Survey]:
        band = self.state.age_band
        found = []
        for open_survey in self.ctx.open_surveys.values():
            survey = open_survey.survey
            if not survey.anonymous or survey.slug in self.state.taken:
                continue
            if band and age_bands.eligibility(band, survey.ages.min, survey.ages.max) == "no":
                continue
            found.append(survey)
        return sorted(found, key=lambda s: s.slug)

    def _menu(self) -> None:
        surveys = self._available()
        self.state = self.state.moved(offered=tuple(s.slug for s in surveys))
        self.send(prompts.menu_reply(surveys, self.simple))

    def _idle(self) -> None:
        if self.button and self.button in self.ctx.open_surveys:
            self._start(self.button)
            return
        word = self.text.strip().lstrip("/")
        slug = self.ctx.keywords.get(word.upper()) or (
            word.lower() if word.lower() in self.ctx.open_surveys else None
        )
        if slug is None and self.state.offered:
            number = parse_number(self.text)
            if number is not None and 1 <= number <= len(self.state.offered):
                slug = self.state.offered[number - 1]
        if slug is None:
            self._menu()
        else:
            self._start(slug)

    def _start(self, slug: str) -> None:
        slug = slug.strip().lower()
        open_survey = self.ctx.open_surveys.get(slug)
        conv = self.conversation
        if open_survey is None:
            self.send(self.say("not_open"))
            if conv is not None:
                self._in_survey_or_closed(self._reprompt)
            else:
                self._menu()
            return
        survey = open_survey.survey
        if slug in self.state.taken:
            self.send(self.say("already_taken", title=survey.local(survey.title, "en")))
            self._menu()
            return
        if conv is not None and conv.slug == slug:
            self._in_survey_or_closed(self._already_in)
            return
        if conv is not None:
            self._end("switched")
            self.send(self.say("switched", title=conv.slug))
        language = survey.default_language
        phase = "language" if len(survey.languages) > 1 else "consent"
        conv = Conversation(slug=slug, version=open_survey.version, language=language, phase=phase)
        self.state = self.state.moved(conversation=conv, offered=())
        self.ctx = _with_current(self.ctx, open_survey)
        self.emit(ConversationStarted(slug, open_survey.version, language))
        self._reprompt()

    # --- a conversation in progress ------------------------------------------------------
    def _in_survey_or_closed(self, action: object) -> None:
        conv = self.conversation
        assert conv is not None
        current = self.ctx.current
        if current is None or conv.slug not in self.ctx.open_surveys:
            title = (
                current.survey.local(current.survey.title, conv.language) if current else conv.slug
            )
            self.send(self.say("survey_closed", title=title))
            self._end("closed")
            return
        assert callable(action)
        action()

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

    def _skip_or_back(self, word: str) -> None:
        conv = self.conversation
        assert conv is not None
        if conv.phase == "question":
            flow = self.flow()
            flow.skip() if word == keywords.SKIP else flow.back()
        elif word == keywords.BACK and conv.history:
            self.flow().back()
        elif word == keywords.SKIP and conv.phase in ("hear_back", "hear_new"):
            self._opt_in(conv.phase, wanted=False)
        elif word == keywords.SKIP and conv.phase in ("consent", "age_check"):
            self.send(self.say("consent_needed" if conv.phase == "consent" else "yes_no_unclear"))
            self._reprompt()
        elif word == keywords.SKIP and conv.phase == "age_band":
            self.send(self.say("age_unclear"))
            self._reprompt()
        else:
            self.send(self.say("no_back"))
            self._reprompt()

    def _language(self) -> str:
        conv = self.conversation
        return conv.language if conv else "en"

    def _yes_no(self) -> str | None:
        if self.button in ("yes", "no"):
            return self.button
        return parse_yes_no(self.text) if self.text else None

    def _choose_language(self) -> None:
        assert self.ctx.current is not None and self.conversation is not None
        survey = self.ctx.current.survey
        reply = prompts.language_reply(survey)
        chosen = self.button if self.button in survey.languages else None
        if chosen is None and self.text:
            chosen = parse_choice(self.text, reply.choices)
        if chosen is None:
            self._reprompt()
            return
        self.set_conversation(self.conversation.moved(language=chosen, phase="consent"))
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
            self.send(self.say("consent_unclear"))

    def _age_band(self) -> None:
        reply = prompts.age_reply(self.simple)
        band = self.button if self.button in age_bands.BANDS else None
        typed_age = None
        if band is None and self.text:
            band = parse_choice(self.text, reply.choices)
            typed = _TYPED_AGE.search(self.text)
            if band is None and typed and int(typed.group(1)) > len(age_bands.BANDS):
                typed_age = int(typed.group(1))
                band = age_bands.band_for_age(typed_age) or "over_25"
        if band is None:
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
        answer = self._yes_no()
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
        else:
            self.flow().ask()

    def _notice(self, survey: Survey, language: str) -> str:
        # Before we know their age, a survey open to young children uses the simple words.
        simple = self.simple or (self.state.age_band is None and survey.ages.min < 11)
        key = "notice_anonymous" if survey.anonymous else "notice_review"
        notice = say(
            key,
            simple,
            title=survey.local(survey.title, language),
            purpose=survey.local(survey.purpose, language),
            audience=survey.local(survey.audience, language),
        )
        return f"{notice}\n{say('consent_question', simple)}"

    def _end(self, reason: str) -> None:
        conv = self.conversation
        assert conv is not None
        self.emit(ConversationEnded(conv.slug, reason))
        taken = self.state.taken | {conv.slug} if reason == "completed" else self.state.taken
        self.state = self.state.moved(conversation=None, taken=taken)


def _with_current(context: EngineContext, current: OpenSurvey) -> EngineContext:
    from dataclasses import replace

    return replace(context, current=current)
