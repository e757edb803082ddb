"""The conversation engine, one young person at a time: consent, age, opt-ins, every question
type, SKIP/BACK/show_if, the words that always work, safeguarding, endings, resuming,
languages, closed surveys and the menu. Asserts on events and on what the bot says.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.engine import RESUME_AFTER_SECONDS, EngineContext, OpenSurvey, step
from conversations.events import (
    AgeBandGiven,
    AlertRaised,
    AnswerRecorded,
    AnswerRemoved,
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
from conversations.safeguarding import HELP_NOW, HELP_NOW_UNDER_13
from conversations.state import Conversation, ParticipantState
from conversations.survey_loader import load_survey, sample_survey_paths
from tests.conversations.engine_driver import Chat, assert_promises_no_secrecy, survey_from

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


def begin(
    c: Chat,
    slug: str = "parks",
    *,
    age: str = "14",
    hear_back: str = "no",
    hear_new: str | None = "no",
) -> str:
    """Start a survey and get through consent, age and the opt-ins; returns the last reply."""
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


# --- consent -------------------------------------------------------------------------------


def test_the_notice_says_why_who_anonymous_and_the_words_before_asking_consent() -> None:
    c = chat()
    text = c.say(start="parks")
    assert c.of(ConversationStarted) == [ConversationStarted("parks", 1, "en")]
    assert PARKS.purpose["en"] in text
    assert PARKS.audience["en"] in text
    assert "anonymous" in text
    for word in ("SKIP", "STOP", "DELETE"):
        assert word in text
    assert c.choices == ["yes", "no"]
    assert c.reply.prompt
    assert c.phase == "consent"


def test_a_review_notice_says_it_is_not_anonymous_and_who_will_see_it() -> None:
    c = chat(REVIEW)
    text = c.say(start="review-teen")
    assert "not anonymous" in text
    assert "anonymous" not in text.replace("not anonymous", "")
    assert "Independent Reviewing Officer (IRO) will read" in text
    for word in ("SKIP", "STOP", "DELETE"):
        assert word in text


def test_a_review_for_young_children_says_so_in_simple_words() -> None:
    c = chat(SAMPLES["my-review"])
    text = c.say(start="my-review")
    assert "not secret" in text
    assert "Independent Reviewing Officer" in text
    for word in ("SKIP", "STOP", "DELETE"):
        assert word in text


def test_a_survey_for_young_children_asks_consent_in_simple_words() -> None:
    c = chat(KIDS)
    text = c.say(start="play")
    assert "Do you want to have a go?" in text
    assert "no one will know which answers are yours" in text
    for word in ("SKIP", "STOP", "DELETE"):
        assert word in text


def test_nothing_is_recorded_before_a_yes() -> None:
    c = chat()
    c.say(start="parks")
    for message in ("14", "3", "Every week", "maybe", "skip", "back", "help", "north", "😀"):
        c.say(message)
        assert not [e for e in c.events if isinstance(e, OPT_IN_EVENTS)], message
        assert c.phase == "consent"
        assert c.state.age_band is None
    c.say("yes")
    assert c.of(ConsentGiven) == [ConsentGiven("parks", 1)]
    assert c.phase == "age_band"


@pytest.mark.parametrize("no", ["no", "No.", "nope", "nah", "NAH", "no thanks", "2"])
def test_no_to_consent_ends_it_and_keeps_nothing(no: str) -> None:
    c = chat()
    c.say("hi")
    c.say("2")
    assert c.phase == "consent"
    text = c.say(no)
    assert c.of(ConsentRefused) == [ConsentRefused("parks")]
    assert not [e for e in c.events if isinstance(e, OPT_IN_EVENTS)]
    assert "haven't kept anything" in text
    assert c.state.conversation is None
    assert c.state.offered == ()
    assert c.state.moved(last_seen=None) == ParticipantState()


@pytest.mark.parametrize("channel", ["console", "telegram", "sms"])
def test_an_unclear_consent_reply_is_asked_again_with_yes_and_no(channel: str) -> None:
    c = chat(channel=channel)
    c.say(start="parks")
    text = c.say("what is this about")
    assert "yes" in text and "no" in text
    assert c.choices == ["yes", "no"]
    assert c.reply.prompt
    assert c.phase == "consent"
    assert not [e for e in c.events if isinstance(e, OPT_IN_EVENTS)]
    c.say("yeah")
    assert c.of(ConsentGiven)


def test_skip_at_consent_asks_again() -> None:
    c = chat()
    c.say(start="parks")
    text = c.say("SKIP")
    assert "need to know you're happy to take part" in text
    assert PARKS.purpose["en"] in text
    assert c.choices == ["yes", "no"]
    assert c.phase == "consent"
    assert not [e for e in c.events if isinstance(e, OPT_IN_EVENTS)]


def test_back_at_consent_has_nowhere_to_go() -> None:
    c = chat()
    c.say(start="parks")
    text = c.say("back")
    assert "nothing to go back to" in text
    assert c.phase == "consent" and c.choices == ["yes", "no"]


# --- age -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "button"),
    [
        (None, "13_15"),
        ("2", None),
        ("two", None),
        ("14", None),
        ("I'm 14", None),
        ("i am 15", None),
        ("13 to 15", None),
        ("13-15", None),
    ],
)
def test_the_age_band_from_a_button_a_number_or_an_age(
    message: str | None, button: str | None
) -> None:
    c = chat()
    c.say(start="parks")
    text = c.say("yes")
    assert "How old are you?" in text
    assert c.choices == ["under_13", "13_15", "16_17", "18_25"]
    c.say(message, button=button)
    assert c.of(AgeBandGiven) == [AgeBandGiven("13_15")]
    assert c.state.age_band == "13_15"
    assert c.phase == "hear_back"


@pytest.mark.parametrize("message", ["im 9", "I'm 9", "9", "nine", "1", "Under 13"])
def test_a_young_child_gives_their_age(message: str) -> None:
    c = chat(KIDS)
    c.say(start="play")
    c.say("yes")
    c.say(message)
    assert c.of(AgeBandGiven) == [AgeBandGiven("under_13")]
    assert c.phase == "hear_back"


@pytest.mark.parametrize("age", ["26", "I'm 30", "im 40"])
def test_an_age_above_25_is_declined_and_no_band_is_kept(age: str) -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    text = c.say(age)
    assert not c.of(AgeBandGiven)
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "not_eligible")]
    assert "11 to 25" in text and "isn't for you" in text
    assert c.state.age_band is None and c.state.conversation is None


def test_a_band_outside_the_survey_is_declined_kindly() -> None:
    c = chat(KIDS)
    c.say(start="play")
    c.say("yes")
    text = c.say(button="16_17")
    assert c.of(ConversationEnded) == [ConversationEnded("play", "not_eligible")]
    assert text.startswith("Thanks for wanting to help!")
    assert "8 to 12" in text and "isn't for you this time" in text
    assert c.state.conversation is None
    assert "play" not in c.state.taken


def test_a_typed_age_outside_the_survey_is_declined_even_when_its_band_is_partly_in() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    text = c.say("I'm 9")
    assert c.of(AgeBandGiven) == [AgeBandGiven("under_13")]
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "not_eligible")]
    assert "11 to 25" in text


def test_a_typed_age_inside_the_survey_needs_no_check() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    c.say("12")
    assert c.of(AgeBandGiven) == [AgeBandGiven("under_13")]
    assert c.phase == "hear_back"


@pytest.mark.parametrize(("answer", "goes_on"), [("yes", True), ("1", True), ("I'm 12", True),
                                                 ("no", False), ("im 10", False)])  # fmt: skip
def test_a_band_partly_in_range_asks_a_yes_no_check(answer: str, goes_on: bool) -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    text = c.say(button="under_13")
    assert c.of(AgeBandGiven) == [AgeBandGiven("under_13")]
    assert "Are you 11 or older?" in text
    assert c.choices == ["yes", "no"]
    assert c.phase == "age_check"
    c.say(answer)
    if goes_on:
        assert c.phase == "hear_back"
    else:
        assert c.of(ConversationEnded) == [ConversationEnded("parks", "not_eligible")]


def test_the_age_check_for_an_upper_limit_asks_about_the_top_age() -> None:
    upto_16 = survey_from(
        """
        spec_version: 1
        slug: upto16
        title: Up to 16
        ages: {min: 8, max: 16}
        purpose: Testing.
        audience: Testers.
        questions:
          - {id: q, type: yes_no, text: Is that OK}
        """
    )
    c = chat(upto_16)
    c.say(start="upto16")
    c.say("yes")
    text = c.say(button="16_17")
    assert "Are you 16 or younger?" in text
    text = c.say("maybe")
    assert "yes or no" in text and c.phase == "age_check"
    c.say("no")
    assert c.of(ConversationEnded) == [ConversationEnded("upto16", "not_eligible")]


def test_an_unclear_age_is_asked_again_with_the_bands() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    for message in ("old enough", "skip", "I'm 3"):
        text = c.say(message)
        assert "age group" in text and "number" in text
        assert c.choices == ["under_13", "13_15", "16_17", "18_25"]
        assert c.phase == "age_band"
        assert not c.of(AgeBandGiven)


def test_the_age_band_is_asked_once_across_two_surveys() -> None:
    c = chat()
    begin(c, "parks", age="17")
    for _ in range(20):
        if c.state.conversation is None:
            break
        c.say("skip")
    assert "parks" in c.state.taken
    c.say(start="bws")
    c.say("1")
    text = c.say("yes")
    assert not c.of(AgeBandGiven)
    assert "How old" not in text
    assert c.phase == "hear_back"
    assert c.state.age_band == "16_17"


def test_under_13_wording_is_used_after_an_under_13_answer() -> None:
    c = chat(KIDS, channel="telegram")
    c.say(start="play")
    c.say("yes")
    text = c.say(button="under_13")
    assert (
        text == "Do you want us to tell you later what changed because of your answers? (yes / no)"
    )
    c.say("no")
    text = c.say("no")
    assert text.startswith("Where do you play?")
    assert "Tap an answer" in text
    assert "We need an answer to this one." in text
    # And in a survey with text_under_13 for just some questions.
    c = chat(PARKS)
    c.say(start="parks")
    c.say("yes")
    c.say(button="under_13")
    c.say("yes")
    c.say("no")
    text = c.say("no")
    assert text.startswith("Do you go to the park a lot?")
    assert "Send the number of your answer, or send SKIP." in text


# --- the two opt-ins -----------------------------------------------------------------------


def test_the_two_opt_ins_are_separate_questions() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    text = c.say("14")
    assert "tell you what changed" in text and "new surveys" not in text
    assert c.choices == ["yes", "no"]
    text = c.say("yes")
    assert c.of(HearBackChosen) == [HearBackChosen("parks", True)]
    assert not c.of(FutureSurveysChosen)
    assert "new surveys" in text and c.choices == ["yes", "no"]
    text = c.say("no")
    assert c.of(FutureSurveysChosen) == [FutureSurveysChosen(False)]
    assert not c.of(HearBackChosen)
    assert "How often do you go to a park?" in text
    assert c.state.hear_about_new is False
    assert c.state.conversation is not None and c.state.conversation.hear_back is True


def test_skipping_the_opt_ins_means_no() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    c.say("14")
    c.say("SKIP")
    assert c.of(HearBackChosen) == [HearBackChosen("parks", False)]
    c.say("/skip")
    assert c.of(FutureSurveysChosen) == [FutureSurveysChosen(False)]
    assert c.state.hear_about_new is False
    assert c.phase == "question:visit"


def test_an_unclear_opt_in_answer_is_asked_again_then_skip_means_no() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    c.say("14")
    text = c.say("what does that mean")
    assert not c.of(HearBackChosen)
    assert "yes or no" in text
    assert c.phase == "hear_back" and c.choices == ["yes", "no"]
    c.say("skip")
    assert c.of(HearBackChosen) == [HearBackChosen("parks", False)]
    c.say("dunno")
    assert not c.of(FutureSurveysChosen) and c.phase == "hear_new"
    c.say("skip")
    assert c.of(FutureSurveysChosen) == [FutureSurveysChosen(False)]


def test_hearing_about_new_surveys_is_asked_once_per_participant() -> None:
    c = chat()
    begin(c, "parks", hear_back="yes", hear_new="yes")
    c.say("DELETE")
    c.say("no")
    # Finish, then a second survey asks only about hearing back.
    while c.state.conversation is not None:
        c.say("skip")
    assert c.state.hear_about_new is True
    c.say(start="bws")
    c.say("1")
    c.say("yes")
    text = c.say("yes")
    assert c.of(HearBackChosen) == [HearBackChosen("bws", True)]
    assert "new surveys" not in text
    assert c.phase == "question:often"


# --- every question type -------------------------------------------------------------------


@pytest.fixture
def at_visit() -> Chat:
    c = chat(channel="sms")
    text = begin(c)
    assert text.startswith("How often do you go to a park?")
    assert "Send the number of your answer, or send SKIP to skip this one." in text
    assert c.choices == ["weekly", "monthly", "rarely"]
    return c


@pytest.mark.parametrize(
    ("message", "value"),
    [
        ("2", "monthly"),
        ("2.", "monthly"),
        ("two", "monthly"),
        ("second", "monthly"),
        ("number 2", "monthly"),
        ("Every month", "monthly"),
        ("every MONTH!", "monthly"),
        ("monthly", "monthly"),
        ("b", "monthly"),
        ("hardly", "rarely"),
        ("3", "rarely"),
    ],
)
def test_a_choice_by_number_word_label_id_or_letter(
    at_visit: Chat, message: str, value: str
) -> None:
    at_visit.say(message)
    assert recorded(at_visit) == [("visit", value)]
    assert at_visit.phase == "question:safe"


@pytest.mark.parametrize("message", ["4", "0", "every year", "d", "weekly monthly", "🙂"])
def test_a_choice_that_cannot_be_read_gets_a_kind_reply_and_the_question(
    at_visit: Chat, message: str
) -> None:
    text = at_visit.say(message)
    assert not recorded(at_visit)
    assert len(at_visit.replies) == 1
    assert text.startswith("Sorry, I didn't catch that.")
    assert "1 to 3" in text
    assert "How often do you go to a park?" in text
    assert "SKIP" in text
    assert at_visit.choices == ["weekly", "monthly", "rarely"]
    assert at_visit.reply.prompt
    assert at_visit.phase == "question:visit"


def _at_question(question_id: str, channel: str = "sms") -> Chat:
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


@pytest.mark.parametrize(
    ("message", "value"),
    [
        ("1, 3", ("play", "nature")),
        ("1 3", ("play", "nature")),
        ("1 and 3", ("play", "nature")),
        ("3,1", ("play", "nature")),
        ("1 & 3", ("play", "nature")),
        ("play, nature", ("play", "nature")),
        ("Meet friends", ("friends",)),
        ("4", ("friends",)),
        ("one and four", ("play", "friends")),
    ],
)
def test_multi_typed(message: str, value: tuple[str, ...]) -> None:
    c = _at_question("like")
    assert "Send the numbers of all that apply, like 1, 3" in c.reply.text
    c.say(message)
    assert recorded(c) == [("like", value)]
    assert c.phase == "question:toilets"


@pytest.mark.parametrize("message", ["1, 7", "play, swimming", "lots", "5"])
def test_multi_unreadable(message: str) -> None:
    c = _at_question("like")
    text = c.say(message)
    assert not recorded(c)
    assert "Send the numbers of the answers you pick (1 to 4), like 1, 3" in text
    assert "What do you do there?" in text
    assert c.choices == ["play", "sport", "nature", "friends"]


def test_multi_by_buttons() -> None:
    c = _at_question("like", channel="telegram")
    assert "Choose all that apply, then tap Done" in c.reply.text
    assert c.choices == ["play", "sport", "nature", "friends", "done"]
    assert c.reply.multi
    c.tap("toggle:nature")
    assert c.reply.selected == ("nature",)
    c.tap("toggle:play")
    assert c.reply.selected == ("play", "nature")
    c.tap("toggle:nature")
    assert c.reply.selected == ("play",)
    c.tap("toggle:friends")
    assert not recorded(c)
    c.tap("done")
    assert recorded(c) == [("like", ("play", "friends"))]
    assert c.phase == "question:toilets"


def test_done_with_nothing_ticked_skips_the_question() -> None:
    c = _at_question("like", channel="telegram")
    c.tap("done")
    assert not recorded(c)
    assert c.phase == "question:toilets"
    assert "like" not in answered(c)


def test_a_button_from_an_older_message_is_not_taken() -> None:
    c = _at_question("like", channel="telegram")
    c.tap("weekly")
    c.tap("toggle:bogus")
    assert not recorded(c)
    assert c.reply.text.startswith("Sorry, I didn't catch that.")
    assert c.phase == "question:like"


@pytest.mark.parametrize(
    ("message", "value"),
    [("3", "3"), ("3/5", "3"), ("3 out of 5", "3"), ("three", "3"), ("5 Very safe", "5"),
     ("very safe", "5"), ("not safe", "1")],
)  # fmt: skip
def test_scale(message: str, value: str) -> None:
    c = _at_question("safe")
    assert c.reply.choices[0].label == "1 Not safe"
    c.say(message)
    assert recorded(c) == [("safe", value)]


@pytest.mark.parametrize("message", ["6", "0", "quite", "10/10"])
def test_scale_unreadable(message: str) -> None:
    c = _at_question("safe")
    text = c.say(message)
    assert not recorded(c)
    assert "Please send a number from 1 to 5" in text
    assert "How safe do you feel in your local park?" in text
    assert c.choices == ["1", "2", "3", "4", "5"]


def test_scale_by_button() -> None:
    c = _at_question("safe", channel="telegram")
    c.tap("4")
    assert recorded(c) == [("safe", "4")]


@pytest.mark.parametrize(
    ("message", "value"),
    [("y", "yes"), ("yeah", "yes"), ("Yes!", "yes"), ("1", "yes"), ("👍", "yes"),
     ("nope", "no"), ("nah", "no"), ("no", "no"), ("2", "no")],
)  # fmt: skip
def test_yes_no(message: str, value: str) -> None:
    c = _at_question("toilets")
    c.say(message)
    assert recorded(c) == [("toilets", value)]


def test_yes_no_unreadable() -> None:
    c = _at_question("toilets")
    text = c.say("sometimes")
    assert not recorded(c)
    assert "Please answer yes or no" in text
    assert "Are there enough toilets?" in text
    assert c.choices == ["yes", "no"]


def test_a_text_answer_is_kept_as_typed_apart_from_personal_details() -> None:
    c = _at_question("idea")
    assert "Type your answer, or send SKIP" in c.reply.text
    assert c.choices == []
    c.say("  More bins, and benches by the pond  ")
    assert recorded(c) == [("idea", "More bins, and benches by the pond")]


def test_a_button_on_a_text_question_says_to_type() -> None:
    c = _at_question("idea", channel="telegram")
    text = c.tap("yes")
    assert not recorded(c)
    assert "only read typed words" in text
    assert "What one thing would make parks better?" in text


def test_a_text_answer_that_is_too_long_is_asked_for_again() -> None:
    c = _at_question("why_unsafe")
    text = c.say("x" * 61)
    assert not recorded(c)
    assert "60 characters or fewer" in text and "61" in text
    assert "What makes you feel unsafe?" in text and "SKIP" in text
    c.say("x" * 60)
    assert recorded(c) == [("why_unsafe", "x" * 60)]


def test_a_keyword_inside_a_longer_answer_is_just_an_answer() -> None:
    c = _at_question("idea", channel="telegram")
    c.say("stop making cuts to the parks")
    assert recorded(c) == [("idea", "stop making cuts to the parks")]
    assert not c.of(ParticipantStopped)


# --- never stuck ---------------------------------------------------------------------------

_WORDS = ["yes", "no", "1", "2", "3", "14", "skip", "back", "help", "stop", "start", "delete",
          "hi", "PARKS", "bws", "I want to die", "1, 3", "end", "cancel", "Every week", "",
          "   ", "/start", "x" * 70, "😀", "done"]  # fmt: skip
_BUTTONS = ["yes", "no", "done", "toggle:play", "toggle:sport", "13_15", "under_13", "2",
            "weekly", "parks", "cy", "bogus"]  # fmt: skip
_message = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(_WORDS)),
    st.tuples(st.just("text"), st.text(max_size=20)),
    st.tuples(st.just("button"), st.sampled_from(_BUTTONS)),
    st.tuples(st.just("start"), st.sampled_from(["parks", "bws", "review-teen", "play", "gone"])),
    st.tuples(st.just("wait"), st.just("")),
    st.tuples(st.just("close"), st.sampled_from(["parks", "bws"])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    channel=st.sampled_from(["console", "sms", "telegram"]),
    begun=st.sampled_from([None, "parks", "bws", "play", "review-teen"]),
    messages=st.lists(_message, min_size=1, max_size=30),
)
def test_random_messages_always_leave_a_way_forward(
    channel: str, begun: str | None, messages: list[tuple[str, str]]
) -> None:
    c = Chat(list(ALL), channel=channel, round_trip=True)
    if begun is not None:
        # Half way into a survey, so random messages reach the questions too.
        begin(c, begun, age="10" if begun == "play" else "16")
    for kind, value in messages:
        if kind == "wait":
            c.wait(RESUME_AFTER_SECONDS + 1)
            continue
        if kind == "close":
            if value in c.open_surveys:
                c.close(value)
            continue
        was_stopped = c.state.stopped
        before = c.state.conversation
        if kind == "text":
            result = c.step(value)
        elif kind == "button":
            result = c.step(button=value)
        else:
            result = c.step(start=value)
        state = result.state
        _check_events(before, result.events, state)
        if not was_stopped:
            assert result.replies, (kind, value)
            assert all(reply.text.strip() for reply in result.replies)
        if state.stopped:
            continue
        if state.confirming_delete:
            assert [choice.value for choice in result.replies[-1].choices] == ["yes", "no"]
        elif state.conversation is not None:
            assert result.replies[-1].prompt, (kind, value, result.replies)
            conv = state.conversation
            assert conv.phase in ("language", "consent", "age_band", "age_check", "hear_back",
                                  "hear_new", "question")  # fmt: skip
            if not conv.consented:
                assert not conv.answers


_SURVEYS = {survey.slug: survey for survey in ALL}


def _check_events(
    before: Conversation | None, events: tuple[Event, ...], after: ParticipantState
) -> None:
    """What any step's events must respect, whatever was sent."""
    for event in events:
        if isinstance(event, AgeBandGiven | HearBackChosen | FutureSurveysChosen | AnswerRecorded):
            # Nothing about them before a yes to this survey.
            assert before is not None and before.consented, event
        if isinstance(event, HearBackChosen | AnswerRecorded):
            assert before is not None and event.slug == before.slug
        if isinstance(event, AnswerRecorded):
            question = _SURVEYS[event.slug].question(event.question_id)
            values = event.value if isinstance(event.value, tuple) else (event.value,)
            if question.type == "text":
                assert isinstance(event.value, str) and event.value
                assert len(event.value) <= (question.max_length or 1000)
            else:
                assert values and set(values) <= set(question.possible_values()), event
                assert isinstance(event.value, tuple) == (question.type == "multi")
        if isinstance(event, ParticipantErased):
            assert after == ParticipantState()
        if isinstance(event, ConsentRefused):
            assert after.conversation is None


# --- show_if, SKIP and BACK ----------------------------------------------------------------


def test_a_question_is_shown_only_for_some_answers() -> None:
    c = _at_question("safe")
    text = c.say("1")
    assert text.startswith("What makes you feel unsafe?")
    c = _at_question("safe")
    text = c.say("4")
    assert text.startswith("What do you do there?")
    assert c.phase == "question:like"


def test_back_across_a_question_hidden_by_show_if_goes_to_the_one_before() -> None:
    c = _at_question("safe")
    c.say("4")
    assert c.phase == "question:like"
    text = c.say("BACK")
    assert c.phase == "question:safe"
    assert "You said: 4." in text
    assert "SKIP to keep it" in text


def test_changing_an_answer_after_back_removes_answers_that_no_longer_apply() -> None:
    c = _at_question("safe")
    c.say("1")
    c.say("The lights are broken")
    assert answered(c)["why_unsafe"] == "The lights are broken"
    c.say("2")  # like: sport
    c.say("1")  # sport_kind: football
    assert c.phase == "question:toilets"
    for expected in ("sport_kind", "like", "why_unsafe", "safe"):
        c.say("back")
        assert c.phase == f"question:{expected}"
    text = c.say("5")
    assert recorded(c) == [("safe", "5")]
    assert c.of(AnswerRemoved) == [AnswerRemoved("parks", "why_unsafe")]
    assert "why_unsafe" not in answered(c)
    assert text.startswith("What do you do there?")
    assert "You said: Sport." in text
    c.say("1")  # like: play only, so sport_kind no longer applies
    assert c.of(AnswerRemoved) == [AnswerRemoved("parks", "sport_kind")]
    assert answered(c) == {"safe": "5", "like": ("play",)}
    assert c.phase == "question:toilets"


def test_skip_after_back_keeps_the_earlier_answer() -> None:
    c = _at_question("visit")
    c.say("1")
    c.say("back")
    assert c.phase == "question:visit"
    assert "You said: Every week." in c.reply.text
    c.say("skip")
    assert not recorded(c) and not c.of(AnswerRemoved)
    assert answered(c) == {"visit": "weekly"}
    assert c.phase == "question:safe"


def test_back_at_the_first_question_has_nothing_to_go_back_to() -> None:
    c = _at_question("visit")
    text = c.say("back")
    assert "nothing to go back to" in text
    assert "How often do you go to a park?" in text
    assert c.phase == "question:visit"
    assert not [e for e in c.events if isinstance(e, OPT_IN_EVENTS)]
    c.say("back")
    assert c.phase == "question:visit"


def test_back_then_answer_again_continues_from_there() -> None:
    c = _at_question("visit")
    c.say("1")
    c.say("3")
    c.say("back")
    c.say("back")
    c.say("2")
    assert recorded(c) == [("visit", "monthly")]
    text = c.reply.text
    assert text.startswith("How safe do you feel")
    assert "You said: 3." in text


def test_a_required_question_cannot_be_skipped() -> None:
    c = chat(KIDS, channel="telegram")
    begin(c, "play", age="10")
    assert c.phase == "question:where"
    assert "SKIP" not in c.reply.text
    text = c.say("skip")
    assert "can't be skipped" in text
    assert "Where do you play?" in text
    assert c.phase == "question:where"
    text = c.say("swimming")
    assert "Sorry" in text and "SKIP" not in text
    c.tap("park")
    assert c.phase == "question:fun"
    c.tap("done")
    assert "can't be skipped" in c.reply.text
    assert c.phase == "question:fun"
    c.tap("toggle:slides")
    c.tap("done")
    assert recorded(c) == [("fun", ("slides",))]
    # After BACK it has an answer, so SKIP keeps it.
    c.say("back")
    c.say("skip")
    assert c.phase == "question:more"
    assert answered(c)["fun"] == ("slides",)


# --- words that work at any point ----------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["STOP", "Stop!", "stop", "/stop", " stop ", "/stop@YouthVoiceBot"]
)
def test_stop_in_any_form(word: str) -> None:
    c = _at_question("safe", channel="telegram")
    text = c.say(word)
    assert c.of(ParticipantStopped) == [ParticipantStopped()]
    assert "won't get any more messages" in text
    assert "START" in text
    assert c.state.stopped


def test_after_stop_ordinary_messages_get_no_reply_but_help_start_and_delete_work() -> None:
    c = _at_question("safe")
    c.say("STOP")
    for message in ("hello?", "3", "yes", "skip", "back", "PARKS"):
        c.say(message)
        assert c.replies == () and c.events == (), message
    c.say(opened=True)
    assert "START" in c.reply.text
    text = c.say("help")
    assert "START" in text and "0800 1111" in text
    text = c.say("Start")
    assert c.of(ParticipantRestarted) == [ParticipantRestarted()]
    assert "Welcome back" in text
    assert "How safe do you feel in your local park?" in text
    assert c.phase == "question:safe" and not c.state.stopped
    c.say("3")
    assert recorded(c) == [("safe", "3")]


def test_stop_drops_the_opt_ins() -> None:
    c = chat()
    begin(c, hear_back="yes", hear_new="yes")
    c.say("stop")
    assert c.state.hear_about_new is False
    assert c.state.conversation is not None and c.state.conversation.hear_back is False


def test_delete_while_stopped() -> None:
    c = _at_question("safe")
    c.say("stop")
    text = c.say("DELETE")
    assert "Delete?" in text and c.choices == ["yes", "no"]
    c.say("yes")
    assert c.of(ParticipantErased) == [ParticipantErased()]
    assert c.state == ParticipantState()


def test_a_risk_disclosure_after_stop_still_gets_help() -> None:
    c = _at_question("safe")
    c.say("STOP")
    text = c.say("i want to kill myself")
    assert text == HELP_NOW
    assert len(c.of(AlertRaised)) == 1
    assert c.state.stopped


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit"])
def test_carrier_stop_words_stop_on_sms(word: str) -> None:
    c = _at_question("idea", channel="sms")
    c.say(word)
    assert c.of(ParticipantStopped) == [ParticipantStopped()]
    assert not recorded(c)


@pytest.mark.parametrize("channel", ["console", "telegram"])
def test_carrier_stop_words_are_answers_elsewhere(channel: str) -> None:
    c = _at_question("idea", channel=channel)
    c.say("end")
    assert not c.of(ParticipantStopped)
    assert recorded(c) == [("idea", "end")]


@pytest.mark.parametrize("word", ["HELP", "help", "/help", "Help?"])
def test_help_lists_the_words_and_repeats_the_question(word: str) -> None:
    c = _at_question("visit")
    text = c.say(word)
    for keyword in ("SKIP", "BACK", "STOP", "START", "DELETE"):
        assert keyword in text
    assert "Childline 0800 1111" in text
    assert text.endswith(c.reply.text)
    assert c.reply.text.startswith("How often do you go to a park?")
    assert c.choices == ["weekly", "monthly", "rarely"]
    assert not recorded(c)


def test_help_when_idle() -> None:
    c = chat()
    text = c.say("HELP")
    assert "SKIP" in text and "DELETE" in text


@pytest.mark.parametrize("word", ["/skip", " Skip ", "SKIP."])
def test_skip_in_any_form(word: str) -> None:
    c = _at_question("visit", channel="telegram")
    c.say(word)
    assert c.phase == "question:safe"
    assert not recorded(c)


@pytest.mark.parametrize("word", ["skip", "back"])
def test_skip_and_back_when_idle(word: str) -> None:
    c = chat()
    text = c.say(word)
    assert f"no question to {'skip' if word == 'skip' else 'go back to'}" in text
    assert c.choices == ["bws", "parks", "play"]


def test_delete_asks_first_and_yes_erases_everything() -> None:
    c = _at_question("safe")
    c.say("1")
    text = c.say("delete")
    assert "delete everything we hold about you" in text
    assert c.choices == ["yes", "no"]
    assert c.state.confirming_delete
    text = c.say("yes")
    assert c.of(ParticipantErased) == [ParticipantErased()]
    assert "deleted everything" in text
    assert c.state == ParticipantState()
    text = c.say("delete")
    assert "nothing to delete" in text


@pytest.mark.parametrize("answer", ["no", "what", "3", "help"])
def test_anything_but_yes_cancels_delete_and_repeats_the_question(answer: str) -> None:
    c = _at_question("safe")
    c.say("DELETE")
    text = c.say(answer)
    assert not c.of(ParticipantErased)
    assert "nothing has been deleted" in text
    assert c.reply.text.startswith("How safe do you feel")
    assert c.phase == "question:safe" and not c.state.confirming_delete
    assert not recorded(c)


def test_delete_from_someone_never_seen() -> None:
    c = chat()
    text = c.say("DELETE")
    assert "nothing to delete" in text
    assert not c.state.confirming_delete
    assert not c.of(ParticipantErased)


def test_delete_after_only_seeing_the_menu_has_nothing_to_delete() -> None:
    c = chat()
    c.say("hi")
    assert "nothing to delete" in c.say("delete")


# --- safeguarding --------------------------------------------------------------------------

HELP_WORDS = ("Childline", "0800 1111", "SHOUT", "85258", "999")


def _assert_help_first(c: Chat) -> AlertRaised:
    assert c.replies[0].text in (HELP_NOW, HELP_NOW_UNDER_13)
    for words in HELP_WORDS:
        assert words in c.replies[0].text
    alerts = c.of(AlertRaised)
    assert len(alerts) == 1
    return alerts[0]  # type: ignore[return-value]


def test_a_disclosure_at_consent() -> None:
    c = chat()
    c.say(start="parks")
    c.say("my dad hits me")
    alert = _assert_help_first(c)
    assert alert.slug == "parks"
    assert not c.of(ConsentGiven) and not c.of(ConsentRefused)
    assert c.phase == "consent" and c.choices == ["yes", "no"]


def test_a_disclosure_in_a_choice_question_gets_help_and_the_question_again() -> None:
    c = _at_question("visit")
    c.say("i want to die")
    _assert_help_first(c)
    assert not recorded(c)
    assert "Sorry, I didn't catch that" not in c.reply.text
    assert c.reply.text.startswith("How often do you go to a park?")
    assert c.phase == "question:visit"


def test_a_disclosure_in_a_text_question_is_alerted_and_redacted() -> None:
    c = _at_question("idea")
    c.say("my step dad hits me, call me on 07700 900123 or jo@example.com, I'm @jo_b, SW1A 1AA")
    alert = _assert_help_first(c)
    assert alert.slug == "parks"
    expected = "my step dad hits me, call me on [removed] or [removed], I'm [removed], [removed]"
    assert alert.text == expected
    assert recorded(c) == [("idea", expected)]


def test_a_disclosure_when_idle() -> None:
    c = chat()
    c.say("I want to kill myself, text 07700900123")
    alert = _assert_help_first(c)
    assert alert.slug is None
    assert "07700900123" not in alert.text and "[removed]" in alert.text
    assert c.reply.choices  # and the menu


def test_a_disclosure_in_a_review_is_kept_as_written() -> None:
    c = chat(REVIEW)
    begin(c, "review-teen")
    c.say("skip")
    message = "my foster carer hits me, my number is 07700 900123"
    c.say(message)
    alert = _assert_help_first(c)
    assert alert.text == message
    assert recorded(c) == [("tell", message)]


def test_an_under_13_gets_the_simple_help() -> None:
    c = chat(KIDS)
    begin(c, "play", age="9")
    c.say("someone is hurting me")
    assert c.replies[0].text == HELP_NOW_UNDER_13


def test_personal_details_are_removed_from_anonymous_text_answers() -> None:
    c = _at_question("idea")
    c.say("email me at sam.smith@example.org or 020 7946 0018")
    assert recorded(c) == [("idea", "email me at [removed] or [removed]")]
    assert not c.of(AlertRaised)


# --- the end -------------------------------------------------------------------------------


def _finish(c: Chat) -> str:
    text = ""
    for _ in range(20):
        if c.state.conversation is None:
            return text
        text = c.say("skip")
    raise AssertionError("never finished")


def test_finishing_with_hear_back_mentions_the_feedback_date() -> None:
    c = chat()
    begin(c, hear_back="yes")
    text = _finish(c)
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "completed")]
    assert "Thank you" in text
    assert "We'll message you by 1 April 2027" in text
    assert "parks" in c.state.taken
    assert c.state.conversation is None


def test_finishing_without_hear_back_still_says_when_the_council_will_share() -> None:
    c = chat()
    begin(c, hear_back="no")
    text = _finish(c)
    assert "We'll message you" not in text
    assert "1 April 2027" in text


def test_a_finished_survey_is_not_offered_again() -> None:
    c = chat()
    begin(c)
    _finish(c)
    c.say("hi")
    assert "parks" not in c.choices
    text = c.say("parks")
    assert "already done" in text
    assert not c.of(ConversationStarted)
    text = c.say(start="parks")
    assert 'already done "Parks and open spaces"' in text
    assert c.state.conversation is None


def test_a_review_ends_by_saying_who_will_read_it() -> None:
    c = chat(REVIEW)
    begin(c, "review-teen")
    text = _finish(c)
    assert "Independent Reviewing Officer (IRO) will read" in text
    assert c.of(ConversationEnded) == [ConversationEnded("review-teen", "completed")]


def test_a_whole_conversation_records_every_answer() -> None:
    c = chat(channel="sms")
    begin(c, hear_back="yes", hear_new="yes")
    for message in ("1", "2", "Broken swings", "1, 2", "running", "y", "More trees"):
        c.say(message)
    answers = [e for e in c.all_events() if isinstance(e, AnswerRecorded)]
    assert [(e.question_id, e.value) for e in answers] == [
        ("visit", "weekly"),
        ("safe", "2"),
        ("why_unsafe", "Broken swings"),
        ("like", ("play", "sport")),
        ("sport_kind", "running"),
        ("toilets", "yes"),
        ("idea", "More trees"),
    ]
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "completed")]


# --- resuming ------------------------------------------------------------------------------

_SCRIPT = [("start", "bws"), ("text", "2"), ("text", "yes"), ("text", "I'm 16"),
           ("text", "yes"), ("text", "no"), ("text", "help"), ("text", "1"), ("text", "back"),
           ("text", "2"), ("text", "stop"), ("text", "start"), ("text", "Dim byd")]  # fmt: skip


def _play(round_trip: bool) -> list[tuple[object, ...]]:
    c = chat(round_trip=round_trip)
    for kind, value in _SCRIPT:
        c.step(start=value) if kind == "start" else c.step(value)
    return [result.events for result in c.history]


def test_the_state_round_trips_through_json_at_every_step() -> None:
    with_json = _play(round_trip=True)
    assert with_json == _play(round_trip=False)
    assert any(isinstance(e, ConversationEnded) for e in with_json[-1])


def test_a_whole_conversation_round_trips_with_buttons_and_ticks() -> None:
    c = chat(channel="telegram", round_trip=True)
    begin(c)
    c.tap("monthly")
    c.tap("1")
    c.say("scary at night")
    c.tap("toggle:sport")
    c.tap("toggle:play")
    c.say("DELETE")
    c.say("no")
    assert c.reply.selected == ("play", "sport")
    c.tap("done")
    c.tap("football")
    c.tap("no")
    c.say("more benches")
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "completed")]


def test_after_a_long_gap_a_typed_message_on_a_text_question_is_not_taken() -> None:
    c = _at_question("idea")
    c.wait(RESUME_AFTER_SECONDS + 60)
    text = c.say("hiya")
    assert not recorded(c)
    assert text.startswith("Welcome back")
    assert "What one thing would make parks better?" in text
    assert c.phase == "question:idea"
    c.say("More bins")
    assert recorded(c) == [("idea", "More bins")]


def test_after_a_short_gap_the_text_is_taken() -> None:
    c = _at_question("idea")
    c.wait(RESUME_AFTER_SECONDS - 60)
    c.say("hiya")
    assert recorded(c) == [("idea", "hiya")]


def test_after_a_long_gap_a_clear_answer_to_a_choice_is_taken() -> None:
    c = _at_question("visit")
    c.wait(RESUME_AFTER_SECONDS + 60)
    c.say("2")
    assert recorded(c) == [("visit", "monthly")]
    c.wait(RESUME_AFTER_SECONDS + 60)
    text = c.say("hello again")
    assert text.startswith("Welcome back")
    assert "Sorry" not in text


def test_after_a_long_gap_at_consent_the_notice_is_shown_again() -> None:
    c = chat()
    c.say(start="parks")
    c.wait(RESUME_AFTER_SECONDS + 60)
    text = c.say("yes")
    assert "Welcome back" in text and PARKS.purpose["en"] in text
    assert not c.of(ConsentGiven)


def test_resume_after_gap_is_configurable() -> None:
    state = ParticipantState()
    parks = OpenSurvey(PARKS, 1)
    context = EngineContext(open_surveys={"parks": parks}, now=100.0, resume_after_s=10)
    state = step(context, state, Inbound(start="parks")).state
    current = EngineContext(
        open_surveys={"parks": parks}, current=parks, now=200.0, resume_after_s=10
    )
    result = step(current, state, Inbound(text="yes"))
    assert "Welcome back" in result.replies[0].text


# --- languages -----------------------------------------------------------------------------


@pytest.mark.parametrize(("message", "button"), [("2", None), ("Cymraeg", None),
                                                 ("cy", None), (None, "cy")])  # fmt: skip
def test_language_is_chosen_first_then_everything_is_in_it(
    message: str | None, button: str | None
) -> None:
    c = chat(WELSH, channel="telegram")
    text = c.say("bws")
    assert text == "Which language would you like to use?"
    assert [(ch.value, ch.label) for ch in c.reply.choices] == [
        ("en", "English"),
        ("cy", "Cymraeg"),
    ]
    text = c.say(message, button=button)
    assert "Bysiau" in text and "Rydym eisiau gwybod am fysiau." in text
    assert "Bydd y tîm trafnidiaeth yn ei ddarllen." in text
    assert c.state.conversation is not None and c.state.conversation.language == "cy"
    c.say("yes")
    c.say("14")
    c.say("no")
    text = c.say("no")
    assert text.startswith("Pa mor aml ydych chi'n dal y bws?")
    assert [ch.label for ch in c.reply.choices] == ["Bob dydd", "Byth"]
    c.say("Byth")
    assert recorded(c) == [("often", "never")]
    assert c.reply.text.startswith("Dywedwch fwy")


def test_an_unclear_language_is_asked_again() -> None:
    c = chat(WELSH)
    c.say("BWS")
    text = c.say("3")
    assert "choose one of these languages" in text
    assert c.phase == "language" and c.choices == ["en", "cy"]


def test_skip_at_the_language_question_takes_the_default() -> None:
    c = chat(WELSH)
    c.say("BWS")
    text = c.say("skip")
    assert "We want to know about buses." in text
    assert c.phase == "consent"


def test_a_survey_in_one_language_asks_no_language_question() -> None:
    c = chat(PARKS)
    c.say("parks")
    assert c.phase == "consent"


# --- a survey closed mid-way ---------------------------------------------------------------


def test_a_survey_closed_mid_way_ends_at_the_next_message() -> None:
    c = _at_question("safe")
    c.say("3")
    c.close("parks")
    text = c.say("2")
    assert 'Sorry, "Parks and open spaces" has closed now' in text
    assert "they still count" in text
    assert not recorded(c)
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "closed")]
    assert c.state.conversation is None
    assert "parks" not in c.state.taken


@pytest.mark.parametrize("word", ["help", "skip", "back", "start"])
def test_a_closed_survey_is_not_asked_about_after_a_keyword(word: str) -> None:
    c = _at_question("safe")
    c.say("3")
    c.close("parks")
    text = c.say(word)
    assert "has closed now" in text
    assert "How" not in c.reply.text
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "closed")]


def test_a_survey_closed_while_stopped_says_so_on_start() -> None:
    c = _at_question("safe")
    c.say("stop")
    c.close("parks")
    text = c.say("start")
    assert "has closed now" in text
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "closed")]


def test_a_survey_closed_before_consent_does_not_thank_for_answers() -> None:
    c = chat()
    c.say(start="parks")
    c.close("parks")
    text = c.say("yes")
    assert "has closed now" in text and "still count" not in text
    assert not c.of(ConsentGiven)


def test_a_survey_gone_from_the_catalogue_does_not_crash() -> None:
    c = _at_question("safe")
    c.close("parks")
    c.known.clear()  # not even the started version can be found
    text = c.say("help")
    assert 'Sorry, "parks" has closed now' in text
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "closed")]
    assert c.state.conversation is None


def test_cancelling_delete_in_a_closed_survey_ends_it() -> None:
    c = _at_question("safe")
    c.say("delete")
    c.close("parks")
    text = c.say("no")
    assert "nothing has been deleted" in text and "has closed now" in text


# --- the menu ------------------------------------------------------------------------------


def test_hi_lists_the_open_consultations_but_not_reviews() -> None:
    c = chat(channel="telegram")
    text = c.say("hi")
    assert "Here's what you can have your say on" in text
    assert [(ch.value, ch.label) for ch in c.reply.choices] == [
        ("bws", "Buses"),
        ("parks", "Parks and open spaces"),
        ("play", "Play"),
    ]
    assert c.state.offered == ("bws", "parks", "play")


def test_a_number_picks_from_the_menu() -> None:
    c = chat()
    c.say("hi")
    c.say("2")
    assert c.of(ConversationStarted) == [ConversationStarted("parks", 1, "en")]
    assert c.state.offered == ()


def test_a_menu_button_starts_a_survey() -> None:
    c = chat(channel="telegram")
    c.say("hi")
    c.tap("play")
    assert c.of(ConversationStarted) == [ConversationStarted("play", 1, "en")]


@pytest.mark.parametrize("word", ["PARKS", "parks", "Parks", "/parks", " PARKS "])
def test_a_keyword_in_any_case_starts_its_survey(word: str) -> None:
    c = chat()
    c.say(word)
    assert c.of(ConversationStarted) == [ConversationStarted("parks", 1, "en")]


def test_start_with_a_survey_starts_it_directly() -> None:
    c = chat(channel="telegram")
    c.step("/start", start="parks")
    assert c.of(ConversationStarted) == [ConversationStarted("parks", 1, "en")]
    c = chat(channel="telegram")
    c.say(start="review-teen", opened=True)
    assert c.of(ConversationStarted) == [ConversationStarted("review-teen", 1, "en")]


def test_a_review_is_not_started_by_typing_its_slug() -> None:
    c = chat()
    c.say("review-teen")
    assert not c.of(ConversationStarted)
    assert "review-teen" not in c.choices


def test_opening_the_chat_shows_the_menu_or_where_you_are() -> None:
    c = chat(channel="telegram")
    c.say(opened=True)
    assert c.choices == ["bws", "parks", "play"]
    begin(c)
    text = c.say(opened=True)
    assert 'You\'re in the middle of "Parks and open spaces"' in text
    assert c.reply.text.startswith("How often do you go to a park?")


def test_an_unknown_survey_link_says_it_is_not_open() -> None:
    c = chat()
    text = c.say(start="nope")
    assert "isn't open" in text
    assert c.choices == ["bws", "parks", "play"]


def test_nothing_open_says_so() -> None:
    c = Chat([])
    text = c.say("hi")
    assert "nothing open" in text


def test_the_menu_leaves_out_surveys_for_other_ages() -> None:
    c = chat()
    begin(c, age="17")
    _finish(c)
    c.say("hi")
    assert c.choices == ["bws"]


def test_starting_another_survey_mid_way_keeps_the_answers_given() -> None:
    c = _at_question("safe")
    c.say("4")
    text = c.say(start="bws")
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "switched")]
    assert 'kept the answers you gave to "Parks and open spaces"' in text
    assert c.of(ConversationStarted) == [ConversationStarted("bws", 1, "en")]


def test_a_deep_link_to_the_survey_you_are_in_carries_on() -> None:
    c = _at_question("safe")
    text = c.say(start="parks")
    assert "You're in the middle of" in text
    assert c.phase == "question:safe"
    assert not c.of(ConversationStarted)


# --- the samples ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(SAMPLES))
def test_every_sample_can_be_answered_from_start_to_finish(slug: str) -> None:
    c = Chat(list(SAMPLES.values()), channel="sms", round_trip=True)
    begin(c, slug, age="10" if SAMPLES[slug].ages.max <= 12 else "16", hear_back="yes")
    for _ in range(40):
        if c.state.conversation is None:
            break
        choices = c.choices
        c.say("1" if choices else "It's fine")
    assert c.of(ConversationEnded) == [ConversationEnded(slug, "completed")]
    answers = [e for e in c.all_events() if isinstance(e, AnswerRecorded)]
    assert len(answers) >= len([q for q in SAMPLES[slug].questions if not q.show_if])


def test_every_reply_is_short_enough_to_read() -> None:
    # Not an SMS segment limit: a sanity check that nothing balloons (e.g. repeated text).
    c = Chat(list(SAMPLES.values()), channel="sms")
    begin(c, "better-services")
    while c.state.conversation is not None:
        c.say("zzz")
        c.say("skip")
    for reply in c.all_replies():
        assert len(reply.text) < 900, reply.text
        assert not re.search(r"\{\w+\}", reply.text), reply.text


def test_message_created_events_carry_every_reply() -> None:
    c = chat()
    c.say("hi")
    assert c.last is not None
    assert [e for e in c.events if isinstance(e, MessageCreated)]
    assert c.last.replies == tuple(e.message for e in c.events if isinstance(e, MessageCreated))


# --- corners -------------------------------------------------------------------------------


def test_start_after_stop_when_idle_shows_the_menu() -> None:
    c = chat()
    c.say("stop")
    assert c.state.stopped
    text = c.say("START")
    assert "Welcome back" in text
    assert c.choices == ["bws", "parks", "play"]


def test_a_survey_link_after_stop_restarts_and_opens_it() -> None:
    c = chat(channel="telegram")
    c.say("stop")
    c.step("/start", start="parks")
    assert c.of(ParticipantRestarted) and c.of(ConversationStarted)
    assert c.phase == "consent"


@pytest.mark.parametrize("word", ["unstop", "UNSTOP"])
def test_unstop_restarts_on_sms(word: str) -> None:
    c = _at_question("safe", channel="sms")
    c.say("stop")
    c.say(word)
    assert c.of(ParticipantRestarted)
    assert c.phase == "question:safe"


def test_info_is_help_on_sms() -> None:
    c = _at_question("safe", channel="sms")
    text = c.say("INFO")
    assert "DELETE" in text and c.reply.text.startswith("How safe")


def test_cancelling_delete_while_stopped_stays_stopped() -> None:
    c = _at_question("safe")
    c.say("stop")
    c.say("delete")
    text = c.say("no")
    assert "nothing has been deleted" in text
    assert c.state.stopped and not c.state.confirming_delete
    assert len(c.replies) == 1


def test_stop_while_confirming_delete_stops_without_deleting() -> None:
    c = _at_question("safe")
    c.say("delete")
    c.say("stop")
    assert c.of(ParticipantStopped) and not c.of(ParticipantErased)
    assert not c.state.confirming_delete


def test_start_when_idle_shows_the_menu() -> None:
    c = chat()
    c.say("start")
    assert c.choices == ["bws", "parks", "play"]


def test_start_in_a_conversation_says_where_you_are() -> None:
    c = _at_question("safe")
    text = c.say("START")
    assert "You're in the middle of" in text
    assert c.reply.text.startswith("How safe")


def test_a_link_to_a_closed_survey_mid_way_carries_on_with_the_current_one() -> None:
    c = _at_question("safe")
    text = c.say(start="gone")
    assert "isn't open" in text
    assert c.reply.text.startswith("How safe")
    assert c.phase == "question:safe"


def test_back_from_hear_new_goes_to_hear_back() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    c.say("14")
    c.say("yes")
    assert c.phase == "hear_new"
    text = c.say("back")
    assert c.phase == "hear_back" and "tell you what changed" in text
    c.say("no")
    assert c.of(HearBackChosen) == [HearBackChosen("parks", False)]
    assert c.phase == "hear_new"
    c.say("no")
    assert c.phase == "question:visit"


def test_back_before_any_opt_in_has_nowhere_to_go() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    text = c.say("back")
    assert "nothing to go back to" in text
    assert c.phase == "age_band"


def test_opt_in_buttons() -> None:
    c = chat(channel="telegram")
    c.say(start="parks")
    c.tap("yes")
    c.tap("18_25")
    c.tap("yes")
    assert c.of(HearBackChosen) == [HearBackChosen("parks", True)]
    c.tap("no")
    assert c.of(FutureSurveysChosen) == [FutureSurveysChosen(False)]


def test_a_disclosure_at_the_age_question() -> None:
    c = chat()
    c.say(start="parks")
    c.say("yes")
    c.say("nobody would miss me")
    _assert_help_first(c)
    assert "age group" not in c.reply.text
    assert c.reply.text == "How old are you?" and c.phase == "age_band"


def test_a_disclosure_at_the_language_question() -> None:
    c = chat(WELSH)
    c.say("bws")
    c.say("i want to die")
    _assert_help_first(c)
    assert c.phase == "language" and c.reply.text == "Which language would you like to use?"


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_an_empty_message_in_a_question_is_not_an_answer(blank: str) -> None:
    c = _at_question("visit")
    text = c.say(blank)
    assert not recorded(c)
    assert "How often" in text


def test_hear_back_without_a_feedback_date() -> None:
    c = chat(WELSH)
    begin(c, "bws", hear_back="yes")
    text = _finish(c)
    assert "We'll message you to tell you what changed" in text


def test_a_yes_no_reply_by_number_on_sms() -> None:
    c = chat(channel="sms")
    c.say(start="parks")
    c.say("1")
    assert c.of(ConsentGiven)
    c.say("14")
    c.say("1")
    assert c.of(HearBackChosen) == [HearBackChosen("parks", True)]
    c.say("2")
    assert c.of(FutureSurveysChosen) == [FutureSurveysChosen(False)]


def test_typing_done_is_the_same_as_tapping_it() -> None:
    c = _at_question("like", channel="telegram")
    c.tap("toggle:sport")
    c.say("Done")
    assert recorded(c) == [("like", ("sport",))]
    c = _at_question("like", channel="sms")
    c.say("done")
    assert not recorded(c) and c.phase == "question:toilets"


def test_a_scale_from_zero_offers_and_takes_zero() -> None:
    zero = survey_from(
        """
        spec_version: 1
        slug: zero
        title: Zero to ten
        purpose: Testing.
        audience: Testers.
        questions:
          - {id: s, type: scale, text: Rate it, min: 0, max: 10, min_label: Awful, max_label: Great}
          - {id: t, type: scale, text: Rate it again, min: -2, max: 2}
        """
    )
    c = chat(zero)
    begin(c, "zero")
    assert c.choices == [str(n) for n in range(11)]
    assert c.reply.choices[0].label == "0 Awful"
    text = c.say("11")
    assert "from 0 to 10" in text
    c.say("0")
    assert recorded(c) == [("s", "0")]
    assert c.choices == ["-2", "-1", "0", "1", "2"]
    c.say("-2")
    assert recorded(c) == [("t", "-2")]


@pytest.mark.parametrize("text", ["This is not secret: your IRO reads it", "Thanks for telling us"])
def test_the_secrecy_check_lets_plain_words_through(text: str) -> None:
    assert_promises_no_secrecy(Reply(text))


@pytest.mark.parametrize("text", ["We'll keep this secret", "This is confidential", "SECRET"])
def test_the_secrecy_check_catches_a_promise(text: str) -> None:
    with pytest.raises(AssertionError):
        assert_promises_no_secrecy(Reply(text))


@pytest.mark.parametrize("odd", ["፪", "᧚", "²", "١٤", "\x00", "🏳️‍🌈", "ー", "\u202e2"])
def test_odd_characters_never_break_a_step(odd: str) -> None:
    c = chat(channel="sms")
    c.say(odd)
    begin(c)
    for _ in range(8):
        c.say(odd)
        assert c.replies
        c.say("skip")


@pytest.mark.parametrize("word", ["BACK", " back ", "/back", "Back!"])
def test_back_in_any_form(word: str) -> None:
    c = _at_question("visit", channel="telegram")
    c.say("1")
    c.say(word)
    assert c.phase == "question:visit"


def test_an_answer_that_no_longer_applies_further_on_is_removed_at_once() -> None:
    later = survey_from(
        """
        spec_version: 1
        slug: later
        title: Later
        purpose: Testing.
        audience: Testers.
        questions:
          - id: pet
            type: choice
            text: Pet
            options: [{id: dog, label: Dog}, {id: cat, label: Cat}]
          - {id: happy, type: yes_no, text: Happy}
          - {id: walks, type: text, text: Walks, show_if: {question: pet, in: [dog]}}
          - {id: end, type: text, text: Anything else}
        """
    )
    c = chat(later)
    begin(c, "later")
    for message in ("dog", "yes", "Twice a day"):
        c.say(message)
    assert c.phase == "question:end"
    for _ in range(3):
        c.say("back")
    assert c.phase == "question:pet"
    text = c.say("cat")
    # "walks" comes after the next question, but is dropped now, in case they stop here.
    assert c.of(AnswerRemoved) == [AnswerRemoved("later", "walks")]
    assert answered(c) == {"pet": "cat", "happy": "yes"}
    assert text.startswith("Happy") and "You said: Yes." in text
    c.say("skip")
    assert c.phase == "question:end"


def test_a_known_age_group_outside_a_survey_is_told_before_consent() -> None:
    c = chat()
    begin(c, "parks", age="19")
    for _ in range(20):
        if c.state.conversation is None:
            break
        c.say("skip")
    c.open(KIDS)
    text = c.say(start="play")
    assert "aged 8 to 12" in text
    assert c.state.conversation is None
    assert not c.of(ConversationStarted)
    assert "Do you want to have a go" not in text


def test_a_childrens_survey_uses_simple_words_before_the_age_is_known() -> None:
    c = chat(KIDS)
    c.say(start="play")
    c.say("I want to kill myself")
    assert any("grown-up" in reply.text for reply in c.replies)


def test_something_that_is_not_text_gets_a_kind_reply_and_the_question_again() -> None:
    c = chat(channel="telegram")
    begin(c, "parks", age="15")
    asked = c.reply.text
    text = c.say(None)
    assert "only read text and buttons" in text
    assert c.reply.text == asked
    assert not c.of(AnswerRecorded)


def test_something_that_is_not_text_when_idle_shows_what_is_open() -> None:
    c = chat()
    text = c.say(None)
    assert "only read text and buttons" in text
    assert c.reply.choices
