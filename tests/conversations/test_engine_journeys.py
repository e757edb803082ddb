"""The conversation engine: endings, resuming, languages and a survey closing mid-way."""

from __future__ import annotations

import pytest

from conversations.engine import RESUME_AFTER_SECONDS, EngineContext, OpenSurvey, step
from conversations.events import (
    AnswerRecorded,
    ConsentGiven,
    ConversationEnded,
    ConversationStarted,
)
from conversations.messages import Inbound
from conversations.state import ParticipantState
from tests.conversations.engine_surveys import (
    PARKS,
    WELSH,
    at_question,
    begin,
    chat,
    finish,
    recorded,
)

# --- the end -------------------------------------------------------------------------------


def test_finishing_with_hear_back_mentions_the_feedback_date() -> None:
    c = chat()
    begin(c, hear_back="yes")
    text = finish(c)
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "completed")]
    assert "Thank you" in text
    assert "We'll message you by 1 April 2027" in text
    assert "parks" in c.state.taken
    assert c.state.conversation is None


def test_finishing_without_hear_back_still_says_when_the_council_will_share() -> None:
    c = chat()
    begin(c, hear_back="no")
    text = finish(c)
    assert "We'll message you" not in text
    assert "1 April 2027" in text


def test_a_finished_survey_is_not_offered_again() -> None:
    c = chat()
    begin(c)
    finish(c)
    c.say("hi")
    assert "parks" not in c.choices
    text = c.say("parks")
    assert "already done" in text
    assert not c.of(ConversationStarted)
    text = c.say(start="parks")
    assert 'already done "Parks and open spaces"' in text
    assert c.state.conversation is None


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
    c = at_question("idea")
    c.wait(RESUME_AFTER_SECONDS + 60)
    text = c.say("hiya")
    assert not recorded(c)
    assert text.startswith("Welcome back")
    assert "What one thing would make parks better?" in text
    assert c.phase == "question:idea"
    c.say("More bins")
    assert recorded(c) == [("idea", "More bins")]


def test_after_a_short_gap_the_text_is_taken() -> None:
    c = at_question("idea")
    c.wait(RESUME_AFTER_SECONDS - 60)
    c.say("hiya")
    assert recorded(c) == [("idea", "hiya")]


def test_after_a_long_gap_a_clear_answer_to_a_choice_is_taken() -> None:
    c = at_question("visit")
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
    c = at_question("safe")
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
    c = at_question("safe")
    c.say("3")
    c.close("parks")
    text = c.say(word)
    assert "has closed now" in text
    assert "How" not in c.reply.text
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "closed")]


def test_a_survey_closed_while_stopped_says_so_on_start() -> None:
    c = at_question("safe")
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
    c = at_question("safe")
    c.close("parks")
    c.known.clear()  # not even the started version can be found
    text = c.say("help")
    assert 'Sorry, "parks" has closed now' in text
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "closed")]
    assert c.state.conversation is None


def test_cancelling_delete_in_a_closed_survey_ends_it() -> None:
    c = at_question("safe")
    c.say("delete")
    c.close("parks")
    text = c.say("no")
    assert "nothing has been deleted" in text and "has closed now" in text
