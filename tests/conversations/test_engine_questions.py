"""The conversation engine: every question type, never being stuck, show_if, SKIP and BACK."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.engine import RESUME_AFTER_SECONDS
from conversations.events import (
    AgeBandGiven,
    AlertRaised,
    AnswerRecorded,
    AnswerRemoved,
    ConsentRefused,
    Event,
    FutureSurveysChosen,
    HearBackChosen,
    ParticipantErased,
    ParticipantStopped,
    ReviewNotShared,
    ReviewShared,
)
from conversations.state import Conversation, ParticipantState
from tests.conversations.engine_driver import Chat
from tests.conversations.engine_surveys import (
    ALL,
    KIDS,
    OPT_IN_EVENTS,
    answered,
    at_question,
    begin,
    chat,
    recorded,
    ticket,
)

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
    c = at_question("like")
    assert "Send the numbers of all that apply, like 1, 3" in c.reply.text
    c.say(message)
    assert recorded(c) == [("like", value)]
    assert c.phase == "question:toilets"


@pytest.mark.parametrize("message", ["1, 7", "play, swimming", "lots", "5"])
def test_multi_unreadable(message: str) -> None:
    c = at_question("like")
    text = c.say(message)
    assert not recorded(c)
    assert "Send the numbers of the answers you pick (1 to 4), like 1, 3" in text
    assert "What do you do there?" in text
    assert c.choices == ["play", "sport", "nature", "friends"]


def test_multi_by_buttons() -> None:
    c = at_question("like", channel="telegram")
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
    c = at_question("like", channel="telegram")
    c.tap("done")
    assert not recorded(c)
    assert c.phase == "question:toilets"
    assert "like" not in answered(c)


def test_a_button_from_an_older_message_is_not_taken() -> None:
    c = at_question("like", channel="telegram")
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
    c = at_question("safe")
    assert c.reply.choices[0].label == "1 Not safe"
    c.say(message)
    assert recorded(c) == [("safe", value)]


@pytest.mark.parametrize("message", ["6", "0", "quite", "10/10"])
def test_scale_unreadable(message: str) -> None:
    c = at_question("safe")
    text = c.say(message)
    assert not recorded(c)
    assert "Please send a number from 1 to 5" in text
    assert "How safe do you feel in your local park?" in text
    assert c.choices == ["1", "2", "3", "4", "5"]


def test_scale_by_button() -> None:
    c = at_question("safe", channel="telegram")
    c.tap("4")
    assert recorded(c) == [("safe", "4")]


@pytest.mark.parametrize(
    ("message", "value"),
    [("y", "yes"), ("yeah", "yes"), ("Yes!", "yes"), ("1", "yes"), ("👍", "yes"),
     ("nope", "no"), ("nah", "no"), ("no", "no"), ("2", "no")],
)  # fmt: skip
def test_yes_no(message: str, value: str) -> None:
    c = at_question("toilets")
    c.say(message)
    assert recorded(c) == [("toilets", value)]


def test_yes_no_unreadable() -> None:
    c = at_question("toilets")
    text = c.say("sometimes")
    assert not recorded(c)
    assert "Please answer yes or no" in text
    assert "Are there enough toilets?" in text
    assert c.choices == ["yes", "no"]


def test_a_text_answer_is_kept_as_typed_apart_from_personal_details() -> None:
    c = at_question("idea")
    assert "Type your answer, or send SKIP" in c.reply.text
    assert c.choices == []
    c.say("  More bins, and benches by the pond  ")
    assert recorded(c) == [("idea", "More bins, and benches by the pond")]


def test_a_button_on_a_text_question_says_to_type() -> None:
    c = at_question("idea", channel="telegram")
    text = c.tap("yes")
    assert not recorded(c)
    assert "only read typed words" in text
    assert "What one thing would make parks better?" in text


def test_a_text_answer_that_is_too_long_is_asked_for_again() -> None:
    c = at_question("why_unsafe")
    text = c.say("x" * 61)
    assert not recorded(c)
    assert "60 characters or fewer" in text and "61" in text
    assert "What makes you feel unsafe?" in text and "SKIP" in text
    c.say("x" * 60)
    assert recorded(c) == [("why_unsafe", "x" * 60)]


def test_a_keyword_inside_a_longer_answer_is_just_an_answer() -> None:
    c = at_question("idea", channel="telegram")
    c.say("stop making cuts to the parks")
    assert recorded(c) == [("idea", "stop making cuts to the parks")]
    assert not c.of(ParticipantStopped)


# --- never stuck ---------------------------------------------------------------------------

_WORDS = ["yes", "no", "1", "2", "3", "14", "skip", "back", "help", "stop", "start", "delete",
          "hi", "PARKS", "bws", "I want to die", "1, 3", "end", "cancel", "Every week", "",
          "   ", "/start", "x" * 70, "😀", "done", "send", "send nothing", "leave out",
          "change", "4"]  # fmt: skip
_BUTTONS = ["yes", "no", "done", "toggle:play", "toggle:sport", "13_15", "under_13", "2",
            "weekly", "parks", "cy", "bogus", "send", "leave_out", "change", "nothing",
            "review-teen"]  # fmt: skip
_TICKETS = [
    ticket(),
    ticket(review_id=8),
    ticket("gone"),
    ticket("parks"),
    *(ticket(status=s) for s in ("unknown", "expired", "taken", "slow_down", "done")),
]
_TICKET_BY_NAME = {f"{t.status}:{t.slug}:{t.review_id}": t for t in _TICKETS}
_message = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(_WORDS)),
    st.tuples(st.just("text"), st.text(max_size=20)),
    st.tuples(st.just("button"), st.sampled_from(_BUTTONS)),
    st.tuples(st.just("start"), st.sampled_from(["parks", "bws", "review-teen", "play", "gone"])),
    st.tuples(st.just("ticket"), st.sampled_from(sorted(_TICKET_BY_NAME))),
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
        elif kind == "ticket":
            result = c.step("ABCD-2345", review=_TICKET_BY_NAME[value])
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
                                  "hear_new", "question", "summary", "leave_out",
                                  "change")  # fmt: skip
            assert (conv.review_id is None) == _SURVEYS[conv.slug].anonymous
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
        if isinstance(event, AnswerRecorded | AnswerRemoved):
            # A review's answers stay in the conversation until the child sends them.
            assert _SURVEYS[event.slug].anonymous, event
        if isinstance(event, ReviewShared | ReviewNotShared):
            assert before is not None and before.consented
            assert event.review_id == before.review_id
            assert after.conversation is None
        if isinstance(event, ReviewShared):
            assert event.answers
            assert {a.question_id for a in event.answers} <= set(before.answers)
            assert not {a.question_id for a in event.answers} & set(before.left_out)
        if isinstance(event, AlertRaised):
            assert event.review_id == (before.review_id if before else None)
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
    c = at_question("safe")
    text = c.say("1")
    assert text.startswith("What makes you feel unsafe?")
    c = at_question("safe")
    text = c.say("4")
    assert text.startswith("What do you do there?")
    assert c.phase == "question:like"


def test_back_across_a_question_hidden_by_show_if_goes_to_the_one_before() -> None:
    c = at_question("safe")
    c.say("4")
    assert c.phase == "question:like"
    text = c.say("BACK")
    assert c.phase == "question:safe"
    assert "You said: 4." in text
    assert "SKIP to keep it" in text


def test_changing_an_answer_after_back_removes_answers_that_no_longer_apply() -> None:
    c = at_question("safe")
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
    c = at_question("visit")
    c.say("1")
    c.say("back")
    assert c.phase == "question:visit"
    assert "You said: Every week." in c.reply.text
    c.say("skip")
    assert not recorded(c) and not c.of(AnswerRemoved)
    assert answered(c) == {"visit": "weekly"}
    assert c.phase == "question:safe"


def test_back_at_the_first_question_has_nothing_to_go_back_to() -> None:
    c = at_question("visit")
    text = c.say("back")
    assert "nothing to go back to" in text
    assert "How often do you go to a park?" in text
    assert c.phase == "question:visit"
    assert not [e for e in c.events if isinstance(e, OPT_IN_EVENTS)]
    c.say("back")
    assert c.phase == "question:visit"


def test_back_then_answer_again_continues_from_there() -> None:
    c = at_question("visit")
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
