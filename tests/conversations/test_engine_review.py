"""The conversation engine in a review: starting only from a code, the notice, what the bot
says about a code that does not work, coming back, and a child at risk in a review.

The summary and sending are in test_engine_review_summary.py.
"""

from __future__ import annotations

import pytest

from conversations.engine import RESUME_AFTER_SECONDS, EngineContext, OpenSurvey, step
from conversations.events import (
    AnswerRecorded,
    AnswerRemoved,
    ConversationEnded,
    ConversationStarted,
    ParticipantRestarted,
)
from conversations.messages import Inbound, ReviewTicket
from conversations.phrases import _PHRASES, say
from conversations.review_phrases import REVIEW_PHRASES
from conversations.state import (
    Conversation,
    ParticipantState,
    session_from_json,
    session_to_json,
)
from tests.conversations.engine_driver import Chat
from tests.conversations.engine_surveys import (
    PARKS,
    REVIEW,
    SAMPLES,
    VIEWS,
    WORKER,
    answered,
    assert_help_first,
    at_question,
    begin,
    chat,
    ticket,
)


def views(channel: str = "sms", **options: object) -> Chat:
    """A child at the first question of the VIEWS review (age 14), on `channel`."""
    c = Chat([VIEWS, PARKS, REVIEW], channel=channel, round_trip=True)
    begin(c, "my-views", review=ticket("my-views"), **options)  # type: ignore[arg-type]
    assert c.phase == "question:home"
    return c


# --- only from a code ----------------------------------------------------------------------


def test_a_link_to_a_review_does_not_start_it() -> None:
    c = chat(REVIEW, PARKS, channel="telegram")
    text = c.say(start="review-teen", opened=True)
    assert "isn't open" in text
    assert not c.of(ConversationStarted)
    assert c.state.conversation is None
    assert "review-teen" not in c.choices  # the menu, without it


def test_a_link_to_a_review_in_the_middle_of_a_survey_carries_on_with_that_survey() -> None:
    c = at_question("safe")
    c.open(REVIEW)
    text = c.say(start="review-teen")
    assert "isn't open" in text
    assert c.phase == "question:safe"
    assert not c.of(ConversationStarted) and not c.of(ConversationEnded)


def test_a_review_is_not_started_by_its_name_a_button_or_a_menu_number() -> None:
    c = chat(REVIEW, PARKS, channel="telegram")
    c.say("review-teen")
    c.tap("review-teen")
    c.say("hi")
    assert c.state.offered == ("parks",)
    c.say("2")
    assert not [e for e in c.all_events() if isinstance(e, ConversationStarted)]


def test_a_keyword_pointing_at_a_review_does_not_start_it() -> None:
    # Reviews have no keyword (the loader refuses one); the engine refuses anyway.
    context = EngineContext(
        open_surveys={"review-teen": OpenSurvey(REVIEW, 1)}, keywords={"MINE": "review-teen"}
    )
    result = step(context, ParticipantState(), Inbound(text="MINE"))
    assert not [e for e in result.events if isinstance(e, ConversationStarted)]
    assert result.state.conversation is None


def test_a_link_to_a_review_after_stop_restarts_but_does_not_start_it() -> None:
    c = chat(REVIEW, PARKS)
    c.say("stop")
    c.say(start="review-teen")
    assert c.of(ParticipantRestarted)
    assert not c.of(ConversationStarted)


def test_a_good_code_starts_the_review_with_its_worker_and_date() -> None:
    c = chat(REVIEW, PARKS, channel="telegram")
    c.step("ABCD-2345", review=ticket())
    assert c.of(ConversationStarted) == [ConversationStarted("review-teen", 1, "en")]
    conv = c.state.conversation
    assert conv is not None
    assert (conv.review_id, conv.worker, conv.due) == (7, WORKER, "2027-03-01")
    assert c.phase == "consent" and c.choices == ["yes", "no"]


def test_a_good_code_for_a_survey_that_is_not_open_is_explained() -> None:
    c = chat(REVIEW, PARKS)
    text = c.say(review=ticket("gone"))
    assert text == say("review_unavailable", True)
    assert "tell your worker" in text
    assert c.state.conversation is None
    # Nor does a code open a consultation.
    c.say(review=ticket("parks"))
    assert not c.of(ConversationStarted)


def test_a_good_code_in_the_middle_of_a_survey_leaves_it_for_the_review() -> None:
    c = at_question("safe")
    c.open(REVIEW)
    c.say("4")
    text = c.say(review=ticket())
    assert c.of(ConversationEnded) == [ConversationEnded("parks", "switched")]
    assert 'kept the answers you gave to "Parks and open spaces"' in text
    assert c.of(ConversationStarted) == [ConversationStarted("review-teen", 1, "en")]


def test_a_review_with_answers_is_not_dropped_for_a_survey() -> None:
    c = views()
    c.say("4")
    text = c.say(start="parks")  # a link; a keyword here would be an answer
    assert f"You haven't finished your answers for {WORKER}" in text
    assert not c.of(ConversationStarted) and not c.of(ConversationEnded)
    assert c.phase == "question:safe"
    assert answered(c) == {"home": "4"}


def test_a_review_without_answers_can_be_left_for_a_survey() -> None:
    c = chat(REVIEW, PARKS)
    c.say(review=ticket())
    c.say(start="parks")
    assert c.of(ConversationEnded) == [ConversationEnded("review-teen", "switched")]
    assert c.of(ConversationStarted) == [ConversationStarted("parks", 1, "en")]


def test_a_code_for_another_review_says_the_first_was_not_sent() -> None:
    c = views()
    c.say("4")
    text = c.say(review=ticket("review-teen", review_id=8))
    assert 'We haven\'t sent your answers to "My views"' in text
    assert c.of(ConversationEnded) == [ConversationEnded("my-views", "switched")]
    assert c.state.conversation is not None and c.state.conversation.review_id == 8


# --- the notice ------------------------------------------------------------------------------


def test_the_notice_says_who_will_read_it_and_when_and_that_nothing_is_sent_yet() -> None:
    c = chat(REVIEW)
    text = c.say(review=ticket())
    assert text.startswith('Hi! This is "My review".\nYour review is coming up')
    assert "This is not anonymous" in text
    assert f"read by {WORKER}, before your review on 1 March 2027" in text
    assert "Nothing is sent until you say so" in text
    assert "leave any out, or send nothing" in text
    assert "skip any question" in text
    assert "we may need to tell someone who can keep you safe" in text
    assert "Are you happy to take part?" in text


def test_the_simple_notice_says_the_same_in_simple_words() -> None:
    c = chat(VIEWS)  # open to 8-year-olds, and we don't know their age yet
    text = c.say(review=ticket("my-views"))
    assert "This is not secret: your answers have your name on them" in text
    assert f"read by {WORKER}, before your review on 1 March 2027" in text
    assert "We won't send anything until you say so" in text
    assert "send SKIP" in text
    assert "we might need to tell a grown-up who can keep you safe" in text
    assert "Do you want to have a go?" in text


def test_the_notice_without_a_date_or_a_name_still_says_who_and_when() -> None:
    c = chat(REVIEW)
    text = c.say(review=ticket(worker="", due=None))
    assert "read by your worker, before your review." in text
    c = chat(REVIEW)
    text = c.say(review=ticket(due="not a date"))
    assert f"read by {WORKER}, before your review." in text


def test_the_review_asks_about_hearing_back_after_the_review() -> None:
    c = chat(REVIEW)
    c.say(review=ticket())
    c.say("yes")
    text = c.say("16")
    assert "a message after your review" in text


# --- codes that do not open a review ---------------------------------------------------------

REFUSALS = {
    "unknown": "That code doesn't match any we have. Check it with the person who gave it "
    "to you - letters and numbers, like ABCD-2345.",
    "expired": "That code has run out because the review date has passed. Ask your worker "
    "for a new one.",
    "taken": "That code has already been used on another phone. If that was you, ask your "
    "worker for a new code.",
    "slow_down": "Too many codes that didn't work. Please wait 15 minutes, then try again, "
    "or ask your worker.",
    "done": f"You've already told {WORKER} what you wanted to share for this review. "
    "They'll get back to you after it.",
}


@pytest.mark.parametrize("status", sorted(REFUSALS))
def test_a_code_that_does_not_work_gets_a_short_kind_reply(status: str) -> None:
    # Before we know their age: the simple words, which any age can read.
    c = chat(REVIEW, PARKS)
    text = c.say("ABCD-2345", review=ticket(status=status))
    assert text == say(f"review_code_{status}", True, who=WORKER)
    assert c.state.conversation is None
    assert not c.of(ConversationStarted)
    # Once we know they are 13 or over, the standard words.
    c = at_question("safe")
    c.say(review=ticket(status=status))
    assert c.replies[0].text == REFUSALS[status]


@pytest.mark.parametrize("status", [*sorted(REFUSALS), "something new"])
def test_a_code_that_does_not_work_changes_nothing_in_progress(status: str) -> None:
    c = views()
    c.say("4")
    before = c.state.conversation
    c.say("ZZZZ-9999", review=ticket(status=status))
    assert len(c.replies) == 2
    assert c.state.conversation == before
    assert c.reply.prompt and "Do you feel safe" in c.reply.text
    assert not c.of(ConversationStarted) and not c.of(ConversationEnded)


def test_a_code_that_was_used_up_names_the_worker_or_says_your_worker() -> None:
    c = chat(REVIEW)
    assert "already told your worker" in c.say(review=ReviewTicket("done", 7))


def test_a_code_while_stopped_starts_again_like_a_link() -> None:
    c = chat(REVIEW)
    c.say("stop")
    c.say(review=ticket())
    assert c.of(ParticipantRestarted)
    assert c.of(ConversationStarted) == [ConversationStarted("review-teen", 1, "en")]
    assert not c.state.stopped


def test_a_code_while_deciding_whether_to_delete_calls_the_delete_off() -> None:
    c = views()
    c.say("4")
    c.say("delete")
    text = c.say(review=ticket("my-views"))
    assert "nothing has been deleted" in text
    assert not c.state.confirming_delete
    assert answered(c) == {"home": "4"}


# --- coming back -----------------------------------------------------------------------------


def test_the_same_code_again_carries_on_where_they_were() -> None:
    c = views()
    c.say("4")
    text = c.say("ABCD-2345", review=ticket("my-views"))
    assert text.startswith("Welcome back! Let's carry on where you left off. Nothing has been")
    assert "Do you feel safe where you live?" in c.reply.text
    assert c.phase == "question:safe"
    assert answered(c) == {"home": "4"}
    assert not c.of(ConversationStarted)


def test_the_same_code_again_before_consent_asks_for_it_again() -> None:
    c = chat(REVIEW)
    c.say(review=ticket())
    c.say(review=ticket())
    assert c.phase == "consent"
    assert "Welcome back" in c.replies[0].text
    assert "not anonymous" in c.reply.text


def test_the_same_code_again_takes_a_new_date_or_worker() -> None:
    c = views()
    c.say(review=ticket("my-views", worker="Jo Bloggs (your IRO)", due="2027-04-02"))
    conv = c.state.conversation
    assert conv is not None and (conv.worker, conv.due) == ("Jo Bloggs (your IRO)", "2027-04-02")


def test_any_message_after_a_gap_carries_on_with_nothing_lost() -> None:
    c = views()
    c.say("4")
    c.say("yes")
    c.wait(RESUME_AFTER_SECONDS + 1)
    text = c.say("hello")
    assert "Welcome back" in text
    assert c.phase == "question:people"
    assert answered(c) == {"home": "4", "safe": "yes"}


def test_a_review_that_closes_says_nothing_was_sent() -> None:
    c = views()
    c.say("4")
    c.close("my-views")
    text = c.say("yes")
    assert text == (
        f'Sorry, "My views" isn\'t available any more, so nothing was sent. '
        f"Please talk to {WORKER}."
    )
    assert c.of(ConversationEnded) == [ConversationEnded("my-views", "closed")]


def test_a_review_begun_without_a_code_ends_when_they_come_back() -> None:
    # Sessions saved before reviews had codes: nobody could receive what they say.
    conv = Conversation("review-teen", 1, "en", "question", question_id="tell")
    state = ParticipantState(age_band="16_17", conversation=conv)
    found = OpenSurvey(REVIEW, 1)
    context = EngineContext(open_surveys={"review-teen": found}, current=found)
    result = step(context, state, Inbound(text="hello"))
    assert result.state.conversation is None
    assert [e for e in result.events if isinstance(e, ConversationEnded)] == [
        ConversationEnded("review-teen", "closed")
    ]
    assert "nothing was sent" in result.replies[0].text


def test_stop_and_start_in_a_review_keeps_everything() -> None:
    c = views()
    c.say("4")
    c.say("stop")
    c.say("start")
    assert c.phase == "question:safe"
    assert answered(c) == {"home": "4"}


# --- a child at risk in a review ------------------------------------------------------------


def test_a_risk_in_a_review_gets_help_first_then_says_the_worker_will_be_told() -> None:
    c = views()
    c.say("2")
    c.say("my foster carer hits me")
    alert = assert_help_first(c)
    assert (alert.text, alert.slug, alert.review_id) == ("my foster carer hits me", "my-views", 7)
    told = f"We'll let {WORKER} know about this, so they can help keep you safe."
    assert c.replies[1].text == told
    assert c.phase == "question:safe"  # their words were the answer to "what makes it hard"
    assert answered(c)["why"] == "my foster carer hits me"


def test_a_risk_in_a_review_for_an_under_13_is_in_simple_words() -> None:
    c = views(age="10")
    c.say("someone is hurting me")
    assert_help_first(c)
    assert c.replies[1].text == f"We will tell {WORKER}, so they can help keep you safe."


def test_a_risk_outside_a_review_names_no_review() -> None:
    c = at_question("idea")
    c.say("I want to kill myself")
    assert assert_help_first(c).review_id is None
    assert len(c.replies) == 2  # help, then the question again: no worker to name


def test_a_review_records_no_answer_as_it_goes() -> None:
    c = views()
    for message in ("1", "it's too loud", "back", "back", "4", "yes", "1 3", "2", "ok"):
        c.say(message)
    assert c.phase == "summary"
    events = c.all_events()
    assert not [e for e in events if isinstance(e, AnswerRecorded | AnswerRemoved)]
    # BACK and a new answer hid "why", so its answer went, with no event to say so.
    assert "why" not in answered(c)


def test_personal_details_are_kept_as_written_in_a_review() -> None:
    c = views()
    c.say("skip")
    c.say("skip")
    c.say("skip")
    c.say("skip")
    c.say("call me on 07700 900123 or sam@example.org")
    assert answered(c)["tell"] == "call me on 07700 900123 or sam@example.org"


# --- the session and the words ---------------------------------------------------------------


def test_a_review_conversation_survives_a_json_round_trip() -> None:
    conv = Conversation(
        "my-views",
        3,
        "en",
        "question",
        question_id="tell",
        history=("hear_back", "q:home"),
        answers={"home": "4", "people": ("mum", "friends")},
        hear_back=True,
        review_id=12,
        worker=WORKER,
        due="2027-03-01",
        left_out=("people",),
        editing=True,
    )
    state = ParticipantState(age_band="13_15", conversation=conv, last_seen=5.0)
    base = ParticipantState(age_band="13_15")
    assert session_from_json(session_to_json(state), base) == state


def test_a_session_saved_before_reviews_had_codes_still_loads() -> None:
    old = (
        '{"offered":[],"confirming_delete":false,"last_seen":1.0,"conversation":'
        '{"slug":"parks","version":1,"language":"en","phase":"question","question_id":"safe",'
        '"history":["q:visit"],"answers":{"visit":"weekly"},"selection":[],"hear_back":false}}'
    )
    conv = session_from_json(old, ParticipantState()).conversation
    assert conv is not None
    assert (conv.review_id, conv.worker, conv.due, conv.left_out, conv.editing) == (
        None,
        "",
        None,
        (),
        False,
    )


def test_the_review_words_are_part_of_the_bots_voice_and_promise_no_secrecy() -> None:
    assert set(REVIEW_PHRASES) <= set(_PHRASES)
    for key, (standard, simple) in REVIEW_PHRASES.items():
        assert standard.strip() and simple.strip(), key
        for words in (standard.casefold(), simple.casefold()):
            assert "secret" not in words.replace("not secret", ""), key
            assert "confidential" not in words and "private" not in words, key


def test_the_sample_review_starts_from_a_code() -> None:
    c = Chat([SAMPLES["my-review"]], channel="telegram", round_trip=True)
    begin(c, "my-review", review=ticket("my-review"), age="10")
    assert c.state.conversation is not None
    assert c.state.conversation.review_id == 7


def test_the_next_review_of_the_same_survey_starts_from_its_new_code() -> None:
    c = views()
    for message in ("4", "skip", "skip", "skip", "skip", "send"):
        c.say(message)
    assert "my-views" in c.state.taken
    c.say(review=ticket("my-views", review_id=8, due="2027-09-01"))
    assert c.of(ConversationStarted) == [ConversationStarted("my-views", 1, "en")]
    assert "before your review on 1 September 2027" in c.reply.text
    assert c.state.conversation is not None and c.state.conversation.review_id == 8
