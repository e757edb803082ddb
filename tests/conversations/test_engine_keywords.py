"""The conversation engine: the words that work at any point, and safeguarding."""

from __future__ import annotations

import pytest

from conversations.context import YouSaidWeDid
from conversations.events import (
    AlertRaised,
    ConsentGiven,
    ConsentRefused,
    ParticipantErased,
    ParticipantRestarted,
    ParticipantStopped,
)
from conversations.safeguarding import HELP_NOW, HELP_NOW_UNDER_13
from conversations.state import ParticipantState
from tests.conversations.engine_surveys import (
    KIDS,
    REVIEW,
    answered,
    assert_help_first,
    at_question,
    begin,
    chat,
    recorded,
)

# --- words that work at any point ----------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["STOP", "Stop!", "stop", "/stop", " stop ", "/stop@YouthVoiceBot"]
)
def test_stop_in_any_form(word: str) -> None:
    c = at_question("safe", channel="telegram")
    text = c.say(word)
    assert c.of(ParticipantStopped) == [ParticipantStopped()]
    assert "won't get any more messages" in text
    assert "START" in text
    assert c.state.stopped


def test_after_stop_ordinary_messages_get_no_reply_but_help_start_and_delete_work() -> None:
    c = at_question("safe")
    c.say("STOP")
    for message in ("hello?", "3", "no", "skip", "back", "PARKS"):  # (YES would opt back in)
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
    c = at_question("safe")
    c.say("stop")
    text = c.say("DELETE")
    assert "Delete?" in text and c.choices == ["yes", "no"]
    c.say("yes")
    assert c.of(ParticipantErased) == [ParticipantErased()]
    assert c.state == ParticipantState()


def test_a_risk_disclosure_after_stop_still_gets_help() -> None:
    c = at_question("safe")
    c.say("STOP")
    text = c.say("i want to kill myself")
    assert text == HELP_NOW
    assert len(c.of(AlertRaised)) == 1
    assert c.state.stopped


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit"])
def test_carrier_stop_words_stop_on_sms(word: str) -> None:
    c = at_question("idea", channel="sms")
    c.say(word)
    assert c.of(ParticipantStopped) == [ParticipantStopped()]
    assert not recorded(c)


@pytest.mark.parametrize("channel", ["console", "telegram"])
def test_carrier_stop_words_are_answers_elsewhere(channel: str) -> None:
    c = at_question("idea", channel=channel)
    c.say("end")
    assert not c.of(ParticipantStopped)
    assert recorded(c) == [("idea", "end")]


@pytest.mark.parametrize("word", ["YES", "yes", "Yes.", "UNSTOP", "start"])
def test_yes_or_unstop_opts_back_in_after_stop_on_sms(word: str) -> None:
    c = at_question("idea", channel="sms")
    c.say("STOP")
    c.say(word)
    assert c.of(ParticipantRestarted) == [ParticipantRestarted()]
    assert not c.state.stopped
    assert not recorded(c)  # "yes" opted back in; it was not taken as an answer


@pytest.mark.parametrize("channel", ["console", "telegram"])
def test_yes_after_stop_is_not_start_elsewhere(channel: str) -> None:
    c = at_question("idea", channel=channel)
    c.say("STOP")
    assert c.say("yes") == ""  # no reply: they asked for no more messages
    assert c.state.stopped


def test_yes_is_an_answer_on_sms_when_not_stopped() -> None:
    c = at_question("visit", channel="sms")
    c.say("yes")
    assert not c.of(ParticipantRestarted)
    assert not c.state.stopped


@pytest.mark.parametrize("word", ["HELP", "help", "/help", "Help?"])
def test_help_lists_the_words_and_repeats_the_question(word: str) -> None:
    c = at_question("visit")
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
    c = at_question("visit", channel="telegram")
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
    c = at_question("safe")
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
    c = at_question("safe")
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


def test_a_disclosure_at_consent() -> None:
    c = chat()
    c.say(start="parks")
    c.say("my dad hits me")
    alert = assert_help_first(c)
    assert alert.slug == "parks"
    assert not c.of(ConsentGiven) and not c.of(ConsentRefused)
    assert c.phase == "consent" and c.choices == ["yes", "no"]


def test_a_disclosure_in_a_choice_question_gets_help_and_the_question_again() -> None:
    c = at_question("visit")
    c.say("i want to die")
    assert_help_first(c)
    assert not recorded(c)
    assert "Sorry, I didn't catch that" not in c.reply.text
    assert c.reply.text.startswith("How often do you go to a park?")
    assert c.phase == "question:visit"


def test_a_disclosure_in_a_text_question_is_alerted_and_redacted() -> None:
    c = at_question("idea")
    c.say("my step dad hits me, call me on 07700 900123 or jo@example.com, I'm @jo_b, SW1A 1AA")
    alert = assert_help_first(c)
    assert alert.slug == "parks"
    expected = "my step dad hits me, call me on [removed] or [removed], I'm [removed], [removed]"
    assert alert.text == expected
    assert recorded(c) == [("idea", expected)]


def test_a_disclosure_when_idle() -> None:
    c = chat()
    c.say("I want to kill myself, text 07700900123")
    alert = assert_help_first(c)
    assert alert.slug is None
    assert "07700900123" not in alert.text and "[removed]" in alert.text
    assert c.reply.choices  # and the menu


def test_a_disclosure_in_a_review_is_kept_as_written() -> None:
    c = chat(REVIEW)
    begin(c, "review-teen")
    c.say("skip")
    message = "my foster carer hits me, my number is 07700 900123"
    c.say(message)
    alert = assert_help_first(c)
    assert alert.text == message
    assert alert.review_id == 7
    # Kept in the conversation, unredacted, until the child chooses to send it.
    assert answered(c) == {"tell": message}
    assert recorded(c) == []


def test_an_under_13_gets_the_simple_help() -> None:
    c = chat(KIDS)
    begin(c, "play", age="9")
    c.say("someone is hurting me")
    assert c.replies[0].text == HELP_NOW_UNDER_13


def test_personal_details_are_removed_from_anonymous_text_answers() -> None:
    c = at_question("idea")
    c.say("email me at sam.smith@example.org or 020 7946 0018")
    assert recorded(c) == [("idea", "email me at [removed] or [removed]")]
    assert not c.of(AlertRaised)


# --- UPDATES: what came of the surveys they took part in ---------------------------------------
def test_updates_before_taking_part_says_how_it_works() -> None:
    c = chat()
    assert "finished a survey" in c.say("UPDATES")


def test_updates_lists_what_changed_for_surveys_they_finished_only() -> None:
    c = chat(round_trip=True)
    c.state = ParticipantState(taken=frozenset({"parks"}))
    assert "No news yet" in c.say("/updates")
    c.updates["parks"] = (
        YouSaidWeDid("Parks and open spaces", "Parks feel unsafe at night", "New lights"),
    )
    c.updates["libraries"] = (YouSaidWeDid("Libraries", "Open later", "Open till 8"),)
    text = c.say("updates")
    assert "Parks feel unsafe at night" in text and "New lights" in text
    assert "Open later" not in text  # they did not take part in that one


def test_updates_mid_survey_then_carries_on() -> None:
    c = at_question("visit")
    text = c.say("UPDATES")
    assert "finished a survey" in text
    assert c.reply.text.startswith("How often do you go to a park?")
    assert not recorded(c)
