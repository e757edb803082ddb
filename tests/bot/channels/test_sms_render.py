"""How the engine's replies read as text messages, and that what they offer can be typed back."""

from __future__ import annotations

from textwrap import dedent

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.sms_render import MAX_BODY, in_sentence, render, render_all
from bot.channels.sms_text import count_segments
from conversations import prompts
from conversations.answer_parsing import parse_choice, parse_multi, parse_scale, parse_yes_no
from conversations.messages import Choice, Reply
from conversations.state import AnswerValue
from conversations.survey_loader import parse_survey

PARKS = parse_survey(
    dedent(
        """\
        spec_version: 1
        slug: parks
        title: Parks
        languages: [en, cy]
        purpose: To plan parks.
        audience: The parks team.
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
            text:
              en: How safe do you feel in your local park?
              cy: Pa mor ddiogel wyt ti’n teimlo yn dy barc lleol?
            min_label: Not safe
            max_label: Very safe
          - id: happy
            type: scale
            text: How happy are you there?
            min: 0
            max: 10
          - id: toilets
            type: yes_no
            text: Are there enough toilets?
          - id: travel
            type: multi
            text: How do you get there?
            options:
              - {id: bus, label: Bus}
              - {id: train, label: Train}
              - {id: bike, label: 🚲 Bike}
          - id: idea
            type: text
            text: What one thing would you change?
          - id: area
            type: choice
            required: true
            text: Which area do you live in?
            options: [{id: north, label: North}, {id: south, label: South}]
          - id: why
            type: text
            required: true
            text: Why?
          - id: mood
            type: choice
            text: How do you feel there?
            options: [{id: good, label: "😀"}, {id: bad, label: "😞"}]
          - id: meeting
            type: choice
            text: Would you like to come?
            options:
              - {id: "yes", label: "Yes"}
              - {id: helped, label: "Yes, with someone to help me"}
              - {id: not_sure, label: Not sure}
        """
    )
)


def question(
    question_id: str,
    *,
    simple: bool = False,
    language: str = "en",
    previous: AnswerValue | None = None,
) -> Reply:
    q = PARKS.question(question_id)
    return prompts.question_reply(
        PARKS, q, language, simple=simple, channel="sms", previous=previous
    )


def asked(
    question_id: str,
    *,
    simple: bool = False,
    language: str = "en",
    previous: AnswerValue | None = None,
) -> str:
    return render(question(question_id, simple=simple, language=language, previous=previous))


# --- each kind of question ----------------------------------------------------------------
def test_a_choice_lists_its_options_on_one_line() -> None:
    assert asked("visit") == (
        "How often do you go to a park?\nReply 1 Every week, 2 Every month, 3 Hardly ever, or SKIP"
    )
    assert count_segments(asked("visit")).segments == 1


def test_the_under_13_wording_keeps_the_same_options_line() -> None:
    assert asked("visit", simple=True) == (
        "Do you go to the park a lot?\nReply 1 Every week, 2 Every month, 3 Hardly ever, or SKIP"
    )


def test_a_scale_names_its_ends_as_they_read_in_a_sentence() -> None:
    assert asked("safe") == (
        "How safe do you feel in your local park?\nReply 1 (not safe) to 5 (very safe), or SKIP"
    )


def test_a_scale_without_end_labels_asks_for_a_number() -> None:
    assert asked("happy").splitlines()[-1] == "Reply a number from 0 to 10, or SKIP"


def test_a_scale_with_one_end_label_and_emoji_labels() -> None:
    points = (Choice("1", "1 😞 Not good"), *(Choice(str(n), str(n)) for n in range(2, 6)))
    reply = Reply("How is it?", points, prompt=True)
    assert render(reply) == "How is it?\nReply 1 (not good) to 5"
    assert count_segments(render(reply)).encoding == "GSM-7"


@pytest.mark.parametrize(
    ("label", "shown"),
    [("Not safe", "not safe"), ("A lot", "a lot"), ("I'd hate it", "I'd hate it"),
     ("I", "I"), ("OK", "OK"), ("IRO decides", "IRO decides"), ("", "")],
)  # fmt: skip
def test_end_labels_keep_capitals_that_belong_anywhere(label: str, shown: str) -> None:
    assert in_sentence(label) == shown


def test_yes_no() -> None:
    assert asked("toilets") == "Are there enough toilets?\nReply YES or NO, or SKIP"
    consent = prompts.yes_no_reply("Are you happy to take part? (yes / no)")
    assert render(consent).endswith("\nReply YES or NO")


def test_multi_shows_how_to_give_several_and_drops_the_emoji() -> None:
    assert asked("travel") == (
        "How do you get there?\nReply all that apply, like 1 3: 1 Bus, 2 Train, 3 Bike, or SKIP"
    )
    assert asked("travel", simple=True).splitlines()[-1] == (
        "Reply the ones you pick, like 1 3: 1 Bus, 2 Train, 3 Bike, or SKIP"
    )


def test_multi_leaves_out_the_done_button_and_shows_what_is_picked() -> None:
    choices = (Choice("bus", "Bus"), Choice("train", "Train"), Choice("bike", "Bike"))
    reply = Reply("How?", (*choices, Choice("done", "Done")), multi=True, selected=("bus", "bike"))
    assert render(reply) == (
        "How?\nReply all that apply, like 1 3: 1 Bus, 2 Train, 3 Bike\nPicked so far: 1, 3"
    )


def test_a_text_question_has_a_short_hint() -> None:
    assert asked("idea") == "What one thing would you change?\nReply with your answer, or SKIP."
    assert asked("idea", simple=True).endswith("\nSend your answer, or SKIP.")


def test_a_required_question_says_so_instead_of_how_to_skip() -> None:
    assert asked("area") == (
        "Which area do you live in?\nReply 1 North, 2 South\nThis one needs an answer."
    )
    assert asked("area", simple=True).endswith("\nWe need an answer to this one.")
    assert asked("why") == "Why?\nReply with your answer. This one needs an answer."


def test_the_engine_hint_is_replaced_not_repeated() -> None:
    for question_id in ("visit", "safe", "toilets", "travel", "idea", "area", "why"):
        for simple in (False, True):
            text = asked(question_id, simple=simple)
            assert "Send the number" not in text and "Type your answer" not in text
            assert "skip this one" not in text


def test_after_back_the_earlier_answer_is_kept_in_view() -> None:
    text = asked("visit", previous="monthly")
    assert text == (
        "How often do you go to a park?\n"
        "You said: Every month. Send a new answer, or SKIP to keep it.\n"
        "Reply 1 Every week, 2 Every month, 3 Hardly ever"
    )


def test_a_lead_before_the_question_is_kept() -> None:
    q = question("visit")
    unclear = Reply(f"Sorry, I didn't catch that.\n{q.text}", q.choices, prompt=True)
    assert render(unclear) == (
        "Sorry, I didn't catch that.\nHow often do you go to a park?\n"
        "Reply 1 Every week, 2 Every month, 3 Hardly ever, or SKIP"
    )


def test_emoji_only_options_are_kept_because_they_are_the_answer() -> None:
    text = asked("mood")
    assert text.endswith("Reply 1 😀, 2 😞, or SKIP")
    assert count_segments(text).encoding == "UCS-2"


def test_labels_with_commas_are_kept_apart() -> None:
    assert asked("meeting").splitlines()[-1] == (
        "Reply 1 Yes; 2 Yes, with someone to help me; 3 Not sure, or SKIP"
    )


def test_labels_that_start_with_a_number_are_not_run_together() -> None:
    text = render(prompts.age_reply(False))
    assert (
        text
        == "How old are you?\nReply 1 for Under 13, 2 for 13 to 15, 3 for 16 or 17, 4 for 18 to 25"
    )


def test_typographic_characters_go_plain_but_welsh_letters_stay() -> None:
    text = asked("safe", language="cy")
    assert text.startswith("Pa mor ddiogel wyt ti'n teimlo")  # a straight apostrophe
    assert count_segments(text).encoding == "GSM-7"
    welsh = Reply("Ble mae’r tŷ?", prompt=True)
    assert render(welsh) == "Ble mae'r tŷ?"
    assert count_segments(render(welsh)).encoding == "UCS-2"  # ŷ is needed, so it stays


def test_information_is_sent_as_it_is() -> None:
    assert render(Reply("Thank you! That's everything.")) == "Thank you! That's everything."


# --- what the line offers, the engine reads back -----------------------------------------
def test_every_way_the_options_line_invites_an_answer_is_understood() -> None:
    visit = prompts.question_choices(PARKS, PARKS.question("visit"), "en")
    for typed in ("2", "two", "monthly", "every month", "Every Month"):
        assert parse_choice(typed, visit) == "monthly"
    safe = prompts.question_choices(PARKS, PARKS.question("safe"), "en")
    assert parse_scale("1", safe) == "1" and parse_scale("5", safe) == "5"
    for typed in ("y", "yes", "yeah", "YES"):
        assert parse_yes_no(typed) == "yes"
    for typed in ("n", "no", "nope", "NO"):
        assert parse_yes_no(typed) == "no"
    travel = prompts.question_choices(PARKS, PARKS.question("travel"), "en")
    assert parse_multi("1 3", travel) == ("bus", "bike")


# --- one body or several ------------------------------------------------------------------
def test_short_replies_share_one_body_in_order() -> None:
    bodies = render_all((Reply("Thanks!"), prompts.age_reply(False)))
    assert bodies == [
        "Thanks!\n\nHow old are you?\n"
        "Reply 1 for Under 13, 2 for 13 to 15, 3 for 16 or 17, 4 for 18 to 25"
    ]


def test_replies_stay_apart_when_together_they_would_cost_more() -> None:
    plain = Reply("a" * 150)  # one GSM-7 segment
    emoji = Reply("Nice one 😀")  # one UCS-2 segment
    assert render_all((plain, emoji)) == ["a" * 150, "Nice one 😀"]  # joined: 4 segments
    # Two full GSM-7 segments cost two segments together as well as apart.
    assert render_all((Reply("b" * 150), Reply("c" * 150))) == ["b" * 150 + "\n\n" + "c" * 150]


def test_several_replies_join_while_it_costs_nothing_extra() -> None:
    replies = tuple(Reply(word * 90) for word in "abc")
    bodies = render_all(replies)
    assert bodies == ["\n\n".join(word * 90 for word in "abc")]  # 274 septets: 2 segments


def test_an_overlong_reply_is_split_between_words_not_cut() -> None:
    words = " ".join(f"word{n}" for n in range(400))  # about 3,000 characters
    bodies = render_all((Reply(words),))
    assert len(bodies) == 2
    assert all(len(body) <= MAX_BODY for body in bodies)
    assert " ".join(bodies).split() == words.split()


def test_nothing_to_send_sends_nothing() -> None:
    assert render_all(()) == []
    assert render_all((Reply(""), Reply("  "))) == []


PIECES = ["a", "b", " ", "’", "\n", "😀", "ŵ", "…", "word ", "x" * 60]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=200).map("".join)


@given(st.lists(TEXTS, max_size=6))
def test_render_all_drops_nothing_and_never_costs_more(texts: list[str]) -> None:
    replies = tuple(Reply(text) for text in texts)
    rendered = [render(reply) for reply in replies]
    bodies = render_all(replies)
    assert "".join("".join(b.split()) for b in bodies) == "".join(
        "".join(r.split()) for r in rendered
    )
    assert all(0 < len(body) <= MAX_BODY for body in bodies)
    apart = sum(
        count_segments(part).segments
        for text in rendered
        if text.strip()
        for part in render_all((Reply(text),))
    )
    assert sum(count_segments(body).segments for body in bodies) <= apart
