"""Finding and starting a survey: the menu, keywords and links, a review's code, and
leaving one conversation for another (or finding that its survey has closed).

Part of the engine's turn (see turn.py): onboarding.py comes before it, engine.py builds on
it. A review is named, so it begins only from the code its worker gave the child.
"""

from __future__ import annotations

from dataclasses import replace

from conversations import age_bands, prompts
from conversations.answer_parsing import parse_number
from conversations.context import EngineContext, OpenSurvey
from conversations.events import ConversationStarted
from conversations.messages import ReviewTicket
from conversations.onboarding import Onboarding
from conversations.phrases import say
from conversations.review_flow import ticket_reply, worker_name
from conversations.state import Conversation
from conversations.survey import Survey


class Starting(Onboarding):
    """Menus, starting, resuming and leaving surveys."""

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
        # A review is named, so it begins only from its code (`Inbound.review`), never from
        # a menu button or a typed slug (and `_start` refuses it too).
        consultations = {
            slug for slug, found in self.ctx.open_surveys.items() if found.survey.anonymous
        }
        if self.button and self.button in consultations:
            self._start(self.button)
            return
        word = self.text.strip().lstrip("/")
        slug = self.ctx.keywords.get(word.upper()) or (
            word.lower() if word.lower() in consultations else None
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
        if open_survey is None or not open_survey.survey.anonymous:
            # A review begins only from the code its worker gave the child (`_ticket`).
            self.send(self.say("not_open"))
            if conv is not None:
                self._in_survey_or_closed(self._reprompt)
            else:
                self._menu()
            return
        survey = open_survey.survey
        if slug in self.state.taken:
            title = survey.local(survey.title, survey.default_language)
            self.send(self.say("already_taken", title=title))
            self._menu()
            return
        if conv is not None and conv.slug == slug:
            self._in_survey_or_closed(self._already_in)
            return
        if conv is not None and conv.review_id is not None and conv.answers:
            # Leaving would lose a review nobody has seen yet: it ends only when they choose.
            self.send(self.say("review_finish_first", who=worker_name(conv, self.simple)))
            self._resume()
            return
        self._open(open_survey)

    def _ticket(self, ticket: ReviewTicket) -> None:
        """What the bot found for a review code they sent. Only a good one changes the
        conversation: it starts that review, or carries on with it where they were."""
        if self.state.confirming_delete:
            self.state = self.state.moved(confirming_delete=False)
            self.send(self.say("delete_cancelled"))
        conv = self.conversation
        # The code came before we may know their age: then the simple words, for anyone.
        simple = self.simple if self.state.age_band else True
        found = self.ctx.open_surveys.get(ticket.slug or "")
        if ticket.status != "ok":
            self.send(ticket_reply(ticket, simple))
        elif found is None or found.survey.anonymous or ticket.review_id is None:
            self.send(say("review_unavailable", simple))
        elif conv is not None and conv.review_id == ticket.review_id:
            worker, due = ticket.worker or conv.worker, ticket.due or conv.due
            self.set_conversation(conv.moved(worker=worker, due=due))
            self.send(self.say("review_welcome_back"))
        else:
            self._open(found, ticket)
            return
        if conv is not None:
            self._resume()

    def _open(self, open_survey: OpenSurvey, ticket: ReviewTicket | None = None) -> None:
        """Begin a survey (a review with its ticket), leaving any other conversation."""
        survey = open_survey.survey
        slug = survey.slug
        conv = self.conversation
        band = self.state.age_band
        if band and age_bands.eligibility(band, survey.ages.min, survey.ages.max) == "no":
            # We already know their age group: say so now rather than after consent.
            self.send(self.say("not_eligible_start", min=survey.ages.min, max=survey.ages.max))
            if conv is not None:
                self._in_survey_or_closed(self._reprompt)
            else:
                self._menu()
            return
        if conv is not None:
            self._leave_for_another(conv)
        language = survey.default_language
        phase = "language" if len(survey.languages) > 1 else "consent"
        conv = Conversation(slug=slug, version=open_survey.version, language=language, phase=phase)
        if ticket is not None:
            conv = conv.moved(review_id=ticket.review_id, worker=ticket.worker, due=ticket.due)
        self.state = self.state.moved(conversation=conv, offered=())
        self.ctx = _with_current(self.ctx, open_survey)
        self.emit(ConversationStarted(slug, open_survey.version, language))
        self._reprompt()

    def _leave_for_another(self, conv: Conversation) -> None:
        left = self.ctx.current
        self._end("switched")
        if conv.answers:
            title = left.survey.local(left.survey.title, conv.language) if left else conv.slug
            key = "switched" if conv.review_id is None else "review_switched"
            self.send(self.say(key, title=title))

    # --- coming back to a conversation ---------------------------------------------------
    def _resume(self) -> None:
        """Ask again what we were waiting for, unless the survey has closed meanwhile."""
        self._in_survey_or_closed(self._reprompt)

    def _already_in(self) -> None:
        assert self.ctx.current is not None
        survey = self.ctx.current.survey
        self.send(self.say("already_in", title=survey.local(survey.title, self._language())))
        self._reprompt()

    def _in_survey_or_closed(self, action: object) -> None:
        conv = self.conversation
        assert conv is not None
        current = self.ctx.current
        # A review begun without a code (before codes existed) cannot be sent to anyone.
        codeless = current is not None and not current.survey.anonymous and not conv.review_id
        if current is None or conv.slug not in self.ctx.open_surveys or codeless:
            title = (
                current.survey.local(current.survey.title, conv.language) if current else conv.slug
            )
            key = "survey_closed" if conv.answers else "survey_closed_unanswered"
            if current is not None and not current.survey.anonymous:
                key = "review_closed"  # nothing was sent, so "they still count" is untrue
            self.send(self.say(key, title=title, who=worker_name(conv, self.simple)))
            self._end("closed")
            return
        assert callable(action)
        action()


def _with_current(context: EngineContext, current: OpenSurvey) -> EngineContext:
    return replace(context, current=current)
