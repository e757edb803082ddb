"""MYDATA in the engine: what is held, in plain words, at any point (also after STOP), and
the conversation carries on afterwards."""

from __future__ import annotations

import pytest

from conversations.context import HeldAbout
from conversations.keywords import MYDATA, keyword_of
from tests.conversations.engine_surveys import KIDS, at_question, chat


@pytest.mark.parametrize("typed", ["MYDATA", "mydata", "/mydata", "My data", "my data!"])
def test_mydata_in_any_form(typed: str) -> None:
    assert keyword_of(typed, "telegram") == MYDATA
    assert keyword_of("my data is mine", "sms") is None


def test_nothing_held_says_so() -> None:
    c = chat()
    assert "We don't hold anything about you" in c.say("MYDATA")


def test_mid_survey_it_lists_what_is_held_then_asks_again() -> None:
    c = at_question("safe")
    question = c.say("4").splitlines()[0]  # answered; now at the next question
    c.held = HeldAbout(
        contact="sms",
        hear_back=("Parks",),
        queued=2,
        reviews=(("Sam", "2027-03-01"),),
        titles={"parks": "Parks"},
    )
    text = c.say("MYDATA")
    lines = text.splitlines()
    assert lines[0] == "Here is everything we hold about you:"
    assert "- Your phone number, locked (encrypted)" in text
    assert '- You asked to hear what changed because of: "Parks".' in lines
    assert "- 2 messages waiting to be sent to you." in lines
    assert (
        "- Your care review with Sam on 1 March 2027, and anything you sent them for it." in lines
    )
    assert '- Your answers so far to "Parks" (1 answer). You haven\'t finished it.' in lines
    assert "not linked to you" in text
    assert question in lines[-4:]  # and then the question they were at, again


def test_after_stop_it_is_still_answered() -> None:
    c = at_question("safe")
    c.say("STOP")
    text = c.say("MYDATA")
    assert "- That you sent STOP, so we don't message you." in text


def test_under_13s_get_simple_words() -> None:
    c = chat(KIDS)
    c.say(start=KIDS.slug)
    c.say("yes")
    c.say("9")
    text = c.say("MYDATA")
    assert text.startswith("This is what we know about you:")
    assert "rub out" in text
