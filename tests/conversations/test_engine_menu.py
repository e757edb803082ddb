"""The conversation engine: the menu, the sample surveys and corner cases."""

from __future__ import annotations

import re

import pytest

from conversations.events import (
    AnswerRecorded,
    AnswerRemoved,
    ConsentGiven,
    ConversationEnded,
    ConversationStarted,
    FutureSurveysChosen,
    HearBackChosen,
    MessageCreated,
    ParticipantErased,
    ParticipantRestarted,
    ParticipantStopped,
    ReviewShared,
)
from conversations.messages import Reply
from tests.conversations.engine_driver import Chat, assert_promises_no_secrecy, survey_from
from tests.conversations.engine_surveys import (
    KIDS,
    SAMPLES,
    WELSH,
    answered,
    assert_help_first,
    at_question,
    begin,
    chat,
    finish,
    recorded,
)

# --- the end -------------------------------------------------------------------------------


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
    finish(c)
    c.say("hi")
    assert c.choices == ["bws"]


def test_starting_another_survey_mid_way_keeps_the_answers_given() -> None:
    c = at_question("safe")
    c.say("4")
    text = c.say(start="bws")
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "switched")]
    assert 'kept the answers you gave to "Parks and open spaces"' in text
    assert c.of(ConversationStarted) == [ConversationStarted("bws", 1, "en")]


def test_a_deep_link_to_the_survey_you_are_in_carries_on() -> None:
    c = at_question("safe")
    text = c.say(start="parks")
    assert "You're in the middle of" in text
    assert c.phase == "question:safe"
    assert not c.of(ConversationStarted)


# --- the samples ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(SAMPLES))
def test_every_sample_can_be_answered_from_start_tofinish(slug: str) -> None:
    c = Chat(list(SAMPLES.values()), channel="sms", round_trip=True)
    begin(c, slug, age="10" if SAMPLES[slug].ages.max <= 12 else "16", hear_back="yes")
    for _ in range(40):
        if c.state.conversation is None:
            break
        choices = c.choices
        c.say("1" if choices else "It's fine")
    assert c.of(ConversationEnded) == [ConversationEnded(slug, "completed")]
    answers: list[object] = [e for e in c.all_events() if isinstance(e, AnswerRecorded)]
    if not SAMPLES[slug].anonymous:
        # A review keeps its answers until the end, then sends them all at once ("1").
        assert not answers
        (shared,) = c.of(ReviewShared)
        assert isinstance(shared, ReviewShared)
        answers = list(shared.answers)
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
    c = at_question("safe", channel="sms")
    c.say("stop")
    c.say(word)
    assert c.of(ParticipantRestarted)
    assert c.phase == "question:safe"


def test_info_is_help_on_sms() -> None:
    c = at_question("safe", channel="sms")
    text = c.say("INFO")
    assert "DELETE" in text and c.reply.text.startswith("How safe")


def test_cancelling_delete_while_stopped_stays_stopped() -> None:
    c = at_question("safe")
    c.say("stop")
    c.say("delete")
    text = c.say("no")
    assert "nothing has been deleted" in text
    assert c.state.stopped and not c.state.confirming_delete
    assert len(c.replies) == 1


def test_stop_while_confirming_delete_stops_without_deleting() -> None:
    c = at_question("safe")
    c.say("delete")
    c.say("stop")
    assert c.of(ParticipantStopped) and not c.of(ParticipantErased)
    assert not c.state.confirming_delete


def test_start_when_idle_shows_the_menu() -> None:
    c = chat()
    c.say("start")
    assert c.choices == ["bws", "parks", "play"]


def test_start_in_a_conversation_says_where_you_are() -> None:
    c = at_question("safe")
    text = c.say("START")
    assert "You're in the middle of" in text
    assert c.reply.text.startswith("How safe")


def test_a_link_to_a_closed_survey_mid_way_carries_on_with_the_current_one() -> None:
    c = at_question("safe")
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
    assert_help_first(c)
    assert "age group" not in c.reply.text
    assert c.reply.text == "How old are you?" and c.phase == "age_band"


def test_a_disclosure_at_the_language_question() -> None:
    c = chat(WELSH)
    c.say("bws")
    c.say("i want to die")
    assert_help_first(c)
    assert c.phase == "language" and c.reply.text == "Which language would you like to use?"


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_an_empty_message_in_a_question_is_not_an_answer(blank: str) -> None:
    c = at_question("visit")
    text = c.say(blank)
    assert not recorded(c)
    assert "How often" in text


def test_hear_back_without_a_feedback_date() -> None:
    c = chat(WELSH)
    begin(c, "bws", hear_back="yes")
    text = finish(c)
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
    c = at_question("like", channel="telegram")
    c.tap("toggle:sport")
    c.say("Done")
    assert recorded(c) == [("like", ("sport",))]
    c = at_question("like", channel="sms")
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
    c = at_question("visit", channel="telegram")
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
