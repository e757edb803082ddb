"""Surveys and helpers shared by the engine tests."""

from __future__ import annotations

from conversations.events import (
    AgeBandGiven,
    AlertRaised,
    AnswerRecorded,
    ConsentGiven,
    FutureSurveysChosen,
    HearBackChosen,
)
from conversations.messages import ReviewTicket
from conversations.safeguarding import HELP_NOW, HELP_NOW_UNDER_13
from conversations.survey_loader import load_survey, sample_survey_paths
from tests.conversations.engine_driver import Chat, survey_from

# --- surveys -------------------------------------------------------------------------------

PARKS = survey_from(
    """
    spec_version: 1
    slug: parks
    title: Parks and open spaces
    keyword: PARKS
    ages: {min: 11, max: 25}
    purpose: We want to know how you use parks so the council can decide where to spend money.
    audience: The council's Cabinet Member for Environment will read what you say.
    feedback_by: 2027-04-01
    closes: 2027-02-28
    questions:
      - id: visit
        type: choice
        text: How often do you go to a park?
        text_under_13: Do you go to the park a lot?
        options:
          - {id: weekly, label: Every week}
          - {id: monthly, label: Every month}
          - {id: rarely, label: Hardly ever}
      - id: safe
        type: scale
        text: How safe do you feel in your local park?
        min: 1
        max: 5
        min_label: Not safe
        max_label: Very safe
      - id: why_unsafe
        type: text
        text: What makes you feel unsafe?
        show_if: {question: safe, in: [1, 2]}
        max_length: 60
      - id: like
        type: multi
        text: What do you do there?
        options:
          - {id: play, label: Play}
          - {id: sport, label: Sport}
          - {id: nature, label: Look at nature}
          - {id: friends, label: Meet friends}
      - id: sport_kind
        type: choice
        text: Which sport?
        show_if: {question: like, in: [sport]}
        options:
          - {id: football, label: Football}
          - {id: running, label: Running}
      - id: toilets
        type: yes_no
        text: Are there enough toilets?
      - id: idea
        type: text
        text: What one thing would make parks better?
    """
)

WELSH = survey_from(
    """
    spec_version: 1
    slug: bws
    title: {en: Buses, cy: Bysiau}
    keyword: BWS
    languages: [en, cy]
    purpose:
      en: We want to know about buses.
      cy: Rydym eisiau gwybod am fysiau.
    audience:
      en: The transport team will read it.
      cy: Bydd y tîm trafnidiaeth yn ei ddarllen.
    questions:
      - id: often
        type: choice
        text:
          en: How often do you take the bus?
          cy: Pa mor aml ydych chi'n dal y bws?
        options:
          - {id: daily, label: {en: Every day, cy: Bob dydd}}
          - {id: never, label: {en: Never, cy: Byth}}
      - id: why
        type: text
        text: {en: Tell us more, cy: Dywedwch fwy}
    """
)

REVIEW = survey_from(
    """
    spec_version: 1
    slug: review-teen
    title: My review
    kind: review
    ages: {min: 13, max: 25}
    purpose: Your review is coming up and we want your views.
    audience: Your Independent Reviewing Officer (IRO) will read what you choose to send.
    questions:
      - id: home
        type: scale
        text: How are things at home?
      - id: tell
        type: text
        text: Anything else you want your IRO to know?
    """
)

# A review with every question type and a show_if, for the review's own tests.
VIEWS = survey_from(
    """
    spec_version: 1
    slug: my-views
    title: My views
    kind: review
    ages: {min: 8, max: 25}
    purpose: Your review is coming up and we want your views.
    audience: Your reviewing officer will read what you choose to send.
    questions:
      - id: home
        type: scale
        text: How are things at home?
        text_under_13: How is home?
        min: 1
        max: 5
        min_label: Not good
        max_label: Really good
      - id: why
        type: text
        text: What makes home hard?
        show_if: {question: home, in: [1, 2]}
      - id: safe
        type: yes_no
        text: Do you feel safe where you live?
      - id: people
        type: multi
        text: Who would you like to see more?
        options:
          - {id: mum, label: Mum}
          - {id: dad, label: Dad}
          - {id: friends, label: Friends}
      - id: meeting
        type: choice
        text: Would you like to come to your review meeting?
        options:
          - {id: come, label: Yes}
          - {id: helped, label: "Yes, with someone to help me"}
          - {id: views, label: "No, I'll send my views"}
      - id: tell
        type: text
        text: Anything else you want your reviewing officer to know?
    """
)

KIDS = survey_from(
    """
    spec_version: 1
    slug: play
    title: Play
    keyword: PLAY
    ages: {min: 8, max: 12}
    purpose: We want to know where you like to play.
    audience: People at the council who plan play areas will read it.
    feedback_by: 2027-10-30
    questions:
      - id: where
        type: choice
        required: true
        text: Where do you like to play?
        text_under_13: Where do you play?
        options:
          - {id: park, label: The park}
          - {id: home, label: At home}
          - {id: street, label: Near my home}
      - id: fun
        type: multi
        required: true
        text: What is fun?
        options:
          - {id: swings, label: Swings}
          - {id: slides, label: Slides}
      - id: more
        type: text
        text: Anything else?
    """
)

SAMPLES = {path.stem: load_survey(path) for path in sample_survey_paths()}
ALL = (PARKS, WELSH, REVIEW, KIDS)

OPT_IN_EVENTS = (AgeBandGiven, AnswerRecorded, HearBackChosen, FutureSurveysChosen, ConsentGiven)


def chat(*surveys: object, **options: object) -> Chat:
    return Chat(list(surveys or ALL), **options)  # type: ignore[arg-type]


WORKER = "Sam Patel (your reviewing officer)"


def ticket(
    slug: str = "review-teen",
    review_id: int = 7,
    *,
    status: str = "ok",
    worker: str = WORKER,
    due: str | None = "2027-03-01",
) -> ReviewTicket:
    """What the bot would hand the engine for a review code (ok: the code opens `slug`)."""
    if status != "ok":
        return ReviewTicket(status, review_id if status == "done" else None, worker=worker)
    return ReviewTicket("ok", review_id, slug, worker, due)


def begin(
    c: Chat,
    slug: str = "parks",
    *,
    age: str = "14",
    hear_back: str = "no",
    hear_new: str | None = "no",
    review: ReviewTicket | None = None,
) -> str:
    """Start a survey and get through consent, age and the opt-ins; returns the last reply.
    A review starts from its code (`review`, by default a good ticket for `slug`)."""
    if review is None and not c.open_surveys[slug].survey.anonymous:
        review = ticket(slug)
    if review is not None:
        c.say(review=review)
    else:
        c.say(start=slug)
    if c.phase == "language":
        c.say("1")
    assert c.phase == "consent"
    c.say("yes")
    if c.phase == "age_band":
        c.say(age)
    if c.phase == "age_check":
        c.say("yes")
    assert c.phase == "hear_back", c.phase
    text = c.say(hear_back)
    if hear_new is not None:
        assert c.phase == "hear_new"
        text = c.say(hear_new)
    return text


def answered(c: Chat) -> dict[str, object]:
    assert c.state.conversation is not None
    return dict(c.state.conversation.answers)


def recorded(c: Chat) -> list[tuple[str, object]]:
    return [(e.question_id, e.value) for e in c.events if isinstance(e, AnswerRecorded)]


def at_question(question_id: str, channel: str = "sms") -> Chat:
    """A chat on the PARKS survey at `question_id`, earlier questions skipped or answered
    so that it is shown."""
    c = chat(channel=channel)
    begin(c)
    for _ in range(10):
        if c.phase == f"question:{question_id}":
            return c
        if c.phase == "question:safe" and question_id == "why_unsafe":
            c.say("1")
        elif c.phase == "question:like" and question_id == "sport_kind":
            c.say("2")
        else:
            c.say("skip")
    raise AssertionError(f"never reached {question_id}")


HELP_WORDS = ("Childline", "0800 1111", "SHOUT", "85258", "999")


def assert_help_first(c: Chat) -> AlertRaised:
    assert c.replies[0].text in (HELP_NOW, HELP_NOW_UNDER_13)
    for words in HELP_WORDS:
        assert words in c.replies[0].text
    alerts = c.of(AlertRaised)
    assert len(alerts) == 1
    return alerts[0]  # type: ignore[return-value]


def finish(c: Chat) -> str:
    text = ""
    for _ in range(20):
        if c.state.conversation is None:
            return text
        text = c.say("skip")
    raise AssertionError("never finished")
