"""The conversation engine at the end of a review: the summary, leaving an answer out,
changing one, and sending the answers to the worker, or sending nothing."""

from __future__ import annotations

import pytest

from conversations.events import (
    AnswerRecorded,
    ConversationEnded,
    ReviewNotShared,
    ReviewShared,
    SharedAnswer,
)
from tests.conversations.engine_driver import Chat
from tests.conversations.engine_surveys import PARKS, SAMPLES, VIEWS, WORKER, begin, ticket

SUMMARY = """Here's everything you said:
1. How are things at home?
- 4
2. Do you feel safe where you live?
- Yes
3. Who would you like to see more?
- Mum, Friends
4. Would you like to come to your review meeting?
- Yes, with someone to help me
5. Anything else you want your reviewing officer to know?
- Please listen to me
Nothing has been sent yet. What would you like to do?"""
ACTIONS = ["send", "leave_out", "change", "nothing"]
ALL_SHARED = (
    SharedAnswer("home", "How are things at home?", "4"),
    SharedAnswer("safe", "Do you feel safe where you live?", "Yes"),
    SharedAnswer("people", "Who would you like to see more?", "Mum, Friends"),
    SharedAnswer(
        "meeting", "Would you like to come to your review meeting?", "Yes, with someone to help me"
    ),
    SharedAnswer(
        "tell", "Anything else you want your reviewing officer to know?", "Please listen to me"
    ),
)


def at_summary(
    channel: str = "sms",
    answers: tuple[str, ...] = ("4", "yes", "1 3", "2", "Please listen to me"),
    **options: object,
) -> Chat:
    """A child (14 unless `age` says otherwise) who has answered every question of VIEWS."""
    c = Chat([VIEWS, PARKS], channel=channel, round_trip=True)
    begin(c, "my-views", review=ticket("my-views"), **options)  # type: ignore[arg-type]
    for answer in answers:
        c.say(answer)
    assert c.phase == "summary", c.phase
    return c


def shared(c: Chat) -> tuple[SharedAnswer, ...]:
    """The answers sent in this step (there must be exactly one ReviewShared)."""
    (event,) = c.of(ReviewShared)
    assert isinstance(event, ReviewShared)
    return event.answers


def item(c: Chat, number: int) -> str:
    """The answer line of the summary's numbered item."""
    lines = c.reply.text.split("\n")
    return lines[lines.index(next(x for x in lines if x.startswith(f"{number}. "))) + 1]


# --- the summary -----------------------------------------------------------------------------


def test_after_the_last_question_the_summary_shows_every_answer_and_the_choices() -> None:
    c = at_summary()
    assert c.reply.text == SUMMARY
    assert c.reply.prompt
    assert [(ch.value, ch.label) for ch in c.reply.choices] == [
        ("send", f"Send it to {WORKER}"),
        ("leave_out", "Leave an answer out"),
        ("change", "Change an answer"),
        ("nothing", "Send nothing"),
    ]
    assert not c.of(ConversationEnded)
    assert not [e for e in c.all_events() if isinstance(e, AnswerRecorded)]


def test_skipped_answers_and_scale_ends_read_as_words() -> None:
    c = at_summary(answers=("1", "skip", "no", "skip", "skip", "skip"))
    text = c.reply.text
    assert "1. How are things at home?\n- 1 (Not good)\n" in text
    assert "2. What makes home hard?\n- (skipped)\n" in text
    assert "3. Do you feel safe where you live?\n- No\n" in text
    assert "6. Anything else you want your reviewing officer to know?\n- (skipped)\n" in text


def test_an_under_13_sees_the_questions_as_they_were_asked() -> None:
    c = at_summary(age="10", answers=("5", "skip", "skip", "skip", "skip"))
    assert "1. How is home?\n- 5 (Really good)" in c.reply.text
    assert "Here is everything you said:" in c.reply.text
    c.say("1")
    assert shared(c) == (SharedAnswer("home", "How is home?", "5 (Really good)"),)


def test_something_else_at_the_summary_gets_a_short_reply_with_the_choices() -> None:
    c = at_summary()
    for message in ("banana", "7", "yes", "skip", "send it but not the school one", "0"):
        text = c.say(message)
        assert text == "Sorry, I didn't catch that. Please choose what to do with your answers."
        assert c.choices == ACTIONS
        assert c.phase == "summary"


def test_back_from_the_summary_goes_to_the_last_question_and_returns() -> None:
    c = at_summary()
    c.say("back")
    assert c.phase == "question:tell"
    assert "You said: Please listen to me" in c.reply.text
    c.say("back")
    assert c.phase == "question:meeting"  # and on back through the questions
    c.say("skip")
    c.say("Actually, please call me")
    assert c.phase == "summary"
    assert item(c, 5) == "- Actually, please call me"


def test_help_at_the_summary_shows_it_again() -> None:
    c = at_summary()
    c.say("help")
    assert c.reply.text == SUMMARY


def test_risk_at_the_summary_gets_help_then_the_choices_without_sorry() -> None:
    c = at_summary()
    c.say("I want to kill myself")
    assert c.replies[2].text == "Nothing has been sent yet. What would you like to do?"
    assert c.choices == ACTIONS


# --- leaving an answer out -------------------------------------------------------------------


def test_an_answer_can_be_left_out_and_put_back() -> None:
    c = at_summary()
    text = c.say("2")
    assert text == "Which answer should we leave out? Send its number."
    assert c.choices == ["1", "2", "3", "4", "5"]  # numbered as the summary is
    c.say("3")
    assert c.phase == "summary"
    assert item(c, 3) == "- Mum, Friends (left out)"
    assert c.state.conversation is not None and c.state.conversation.left_out == ("people",)
    text = c.say("leave out")
    assert "To put a left-out answer back, send its number." in text
    c.say("3")
    assert item(c, 3) == "- Mum, Friends"
    assert c.state.conversation is not None and c.state.conversation.left_out == ()


def test_a_skipped_answer_cannot_be_left_out() -> None:
    c = at_summary(answers=("4", "skip", "skip", "skip", "skip"))
    c.say("2")
    text = c.say("2")
    assert text.startswith("You skipped number 2, so there's nothing to leave out there.")
    assert c.phase == "leave_out"


def test_a_number_that_is_not_on_the_list_is_asked_again() -> None:
    c = at_summary()
    c.say("2")
    text = c.say("9")
    assert text.startswith("Please send a number from 1 to 5, or BACK")
    assert c.phase == "leave_out"
    c.say("back")
    assert c.phase == "summary"


def test_left_out_answers_are_not_sent() -> None:
    c = at_summary()
    c.say("2")
    c.say("1")
    c.say("2")
    c.say("5")
    c.say("1")
    assert shared(c) == ALL_SHARED[1:4]


# --- changing an answer ----------------------------------------------------------------------


def test_a_changed_answer_goes_back_to_the_summary() -> None:
    c = at_summary()
    assert c.say("3") == "Which answer do you want to change? Send its number."
    c.say("2")
    assert c.phase == "question:safe"
    assert "You said: Yes. Send a new answer, or SKIP to keep it." in c.reply.text
    c.say("no")
    assert c.phase == "summary"
    assert item(c, 2) == "- No"
    assert item(c, 3) == "- Mum, Friends"
    assert c.state.conversation is not None and not c.state.conversation.editing


def test_skip_or_back_while_changing_keeps_the_answer() -> None:
    c = at_summary()
    c.say("change")
    c.say("1")
    c.say("skip")
    assert c.phase == "summary" and item(c, 1) == "- 4"
    c.say("change")
    c.say("1")
    c.say("back")
    assert c.phase == "summary" and item(c, 1) == "- 4"


def test_a_change_that_makes_a_question_apply_asks_it_then_the_summary() -> None:
    c = at_summary()
    c.say("3")
    c.say("1")
    c.say("2")
    assert c.phase == "question:why"
    c.say("It's noisy")
    assert c.phase == "summary"
    assert "2. What makes home hard?\n- It's noisy\n3. Do you feel safe" in c.reply.text


def test_a_change_that_makes_a_question_not_apply_drops_its_answer() -> None:
    c = at_summary(answers=("1", "It's noisy", "yes", "1", "1", "skip"))
    c.say("2")
    c.say("2")  # leave "why" out
    c.say("3")
    c.say("1")
    c.say("5")
    assert c.phase == "summary"
    conv = c.state.conversation
    assert conv is not None
    assert "why" not in conv.answers and conv.left_out == ()
    assert "What makes home hard?" not in c.reply.text


def test_a_skipped_answer_can_be_given_by_changing_it() -> None:
    c = at_summary(answers=("4", "skip", "skip", "skip", "skip"))
    c.say("3")
    c.say("5")
    c.say("Thank you")
    assert item(c, 5) == "- Thank you"


def test_a_multi_answer_can_be_changed_with_buttons() -> None:
    c = at_summary(channel="telegram")
    c.tap("change")
    c.tap("3")
    assert c.phase == "question:people"
    c.tap("toggle:dad")
    c.tap("done")
    assert item(c, 3) == "- Dad"


# --- sending ---------------------------------------------------------------------------------


def test_send_shares_every_answer_in_order_and_ends_the_review() -> None:
    c = at_summary()
    text = c.say("1")
    assert c.of(ReviewShared) == [ReviewShared(7, ALL_SHARED)]
    assert c.of(ConversationEnded) == [ConversationEnded("my-views", "completed")]
    assert "my-views" in c.state.taken and c.state.conversation is None
    assert text == (
        f"Done - we've sent your answers to {WORKER}. They'll read them before your review "
        "on 1 March 2027."
    )


def test_send_says_they_will_hear_back_when_they_asked_to() -> None:
    c = at_summary(hear_back="yes")
    text = c.say("send")
    assert text.endswith("You'll get a message after your review to tell you what happened.")


def test_skipped_answers_are_not_sent() -> None:
    c = at_summary(answers=("4", "skip", "1 3", "skip", "skip"))
    c.say("send it")
    assert [a.question_id for a in shared(c)] == ["home", "people"]


def test_send_nothing_tells_the_worker_only_that_and_ends_the_review() -> None:
    c = at_summary()
    text = c.say("4")
    assert c.of(ReviewNotShared) == [ReviewNotShared(7)]
    assert not c.of(ReviewShared)
    assert c.of(ConversationEnded) == [ConversationEnded("my-views", "completed")]
    assert text == (
        f"Nothing has been sent. We'll only tell {WORKER} that you chose not to share your "
        "answers. You can still talk to them any time."
    )


def test_send_with_everything_left_out_sends_nothing_and_says_so() -> None:
    c = at_summary(answers=("4", "skip", "skip", "skip", "skip"))
    c.say("2")
    c.say("1")
    text = c.say("1")
    assert text.startswith("There are no answers to send. Nothing has been sent.")
    assert c.of(ReviewNotShared) == [ReviewNotShared(7)]
    assert not c.of(ReviewShared)


def test_send_with_no_answers_at_all_sends_nothing() -> None:
    c = at_summary(answers=("skip", "skip", "skip", "skip", "skip"))
    assert "- (skipped)" in c.reply.text
    c.say("send")
    assert c.of(ReviewNotShared) == [ReviewNotShared(7)]


def test_send_nothing_in_simple_words() -> None:
    c = at_summary(age="10", answers=("4", "skip", "skip", "skip", "skip"))
    text = c.say("nothing")
    assert text.startswith("We haven't sent anything. We will only tell")


@pytest.mark.parametrize(
    ("message", "phase"),
    [
        ("1", "sent"),
        ("send", "sent"),
        ("Send it!", "sent"),
        (f"send it to {WORKER}", "sent"),
        ("2", "leave_out"),
        ("leave", "leave_out"),
        ("Leave one out", "leave_out"),
        ("take it out", "leave_out"),
        ("3", "change"),
        ("change", "change"),
        ("I want to change one", "change"),
        ("4", "not sent"),
        ("nothing", "not sent"),
        ("none", "not sent"),
        ("Don't send", "not sent"),
        ("send nothing", "not sent"),
    ],
)
def test_typed_numbers_and_words_at_the_summary(message: str, phase: str) -> None:
    c = at_summary()
    c.say(message)
    if phase == "sent":
        assert c.of(ReviewShared)
    elif phase == "not sent":
        assert c.of(ReviewNotShared)
    else:
        assert c.phase == phase


@pytest.mark.parametrize(
    ("button", "phase"), [("leave_out", "leave_out"), ("change", "change"), ("3", "summary")]
)
def test_buttons_at_the_summary(button: str, phase: str) -> None:
    c = at_summary(channel="telegram")
    c.tap(button)  # "3" is a button from an older question, not the third choice
    assert c.phase == phase


def test_the_whole_review_with_buttons() -> None:
    c = at_summary(channel="telegram")
    c.tap("change")
    c.tap("1")
    c.tap("2")
    assert c.phase == "question:why"
    c.say("It's noisy")
    c.tap("leave_out")
    c.tap("2")
    c.tap("send")
    assert [(a.question_id, a.answer) for a in shared(c)] == [
        ("home", "2"),
        ("safe", "Yes"),
        ("people", "Mum, Friends"),
        ("meeting", "Yes, with someone to help me"),
        ("tell", "Please listen to me"),
    ]


def test_the_sample_review_ends_with_its_summary() -> None:
    c = Chat([SAMPLES["my-review"]], channel="sms", round_trip=True)
    begin(c, "my-review", review=ticket("my-review"), age="16")
    for answer in ("1", "5", "2", "Football", "skip", "skip", "3"):
        c.say(answer)
    assert c.phase == "summary"
    assert "1. How are things going where you live?\n- 1 (Not good)\n" in c.reply.text
    assert "3. Do you see your family and friends as much as you want?\n- I'd like" in (
        c.reply.text
    )
    c.say("1")
    assert len(shared(c)) == 5
