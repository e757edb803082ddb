"""The conversation engine: consent, the age band and the two opt-ins."""

from __future__ import annotations

import pytest

from conversations.events import (
    AgeBandGiven,
    ConsentGiven,
    ConsentRefused,
    ConversationEnded,
    ConversationStarted,
    FutureSurveysChosen,
    HearBackChosen,
)
from conversations.state import ParticipantState
from tests.conversations.engine_driver import survey_from
from tests.conversations.engine_surveys import (
    KIDS,
    OPT_IN_EVENTS,
    PARKS,
    REVIEW,
    SAMPLES,
    WORKER,
    begin,
    chat,
    ticket,
)

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
    text = c.say(review=ticket("review-teen"))
    assert "not anonymous" in text
    assert "anonymous" not in text.replace("not anonymous", "")
    assert f"read by {WORKER}, before your review on 1 March 2027" in text
    assert "Nothing is sent until you say so" in text
    for word in ("SKIP", "STOP", "DELETE"):
        assert word in text


def test_a_review_for_young_children_says_so_in_simple_words() -> None:
    c = chat(SAMPLES["my-review"])
    text = c.say(review=ticket("my-review"))
    assert "not secret: your answers have your name on them" in text
    assert f"read by {WORKER}, before your review on 1 March 2027" in text
    assert "We won't send anything until you say so" in text
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
