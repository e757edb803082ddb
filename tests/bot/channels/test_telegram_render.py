from __future__ import annotations

from bot.channels import telegram_render as render
from conversations.messages import Choice, Reply

YES_NO = (Choice("yes", "Yes"), Choice("no", "No"))


def buttons(markup: dict | None) -> list[list[tuple[str, str]]]:
    assert markup is not None
    return [[(b["text"], b["callback_data"]) for b in row] for row in markup["inline_keyboard"]]


def test_a_choice_question_has_one_button_per_row() -> None:
    reply = Reply("How often?", (Choice("weekly", "Every week"), Choice("rarely", "Hardly ever")))
    assert buttons(render.keyboard(reply)) == [
        [("Every week", "weekly")],
        [("Hardly ever", "rarely")],
    ]


def test_yes_and_no_sit_side_by_side() -> None:
    assert buttons(render.keyboard(Reply("OK?", YES_NO))) == [[("Yes", "yes"), ("No", "no")]]


def test_a_scale_shows_numbers_and_spells_out_its_ends() -> None:
    points = (Choice("1", "1 Not safe"), Choice("2", "2"), Choice("3", "3"), Choice("4", "4"))
    reply = Reply("How safe?", (*points, Choice("5", "5 Very safe")), prompt=True)
    assert buttons(render.keyboard(reply)) == [[(str(n), str(n)) for n in range(1, 6)]]
    assert render.message_text(reply) == "How safe?\n1 = Not safe, 5 = Very safe"


def test_a_long_scale_wraps() -> None:
    reply = Reply("Rate", tuple(Choice(str(n), str(n)) for n in range(11)))
    rows = buttons(render.keyboard(reply))
    assert [len(row) for row in rows] == [6, 5]


def test_multi_select_ticks_and_has_done() -> None:
    reply = Reply(
        "Pick",
        (Choice("a", "Apples"), Choice("b", "Bananas"), Choice("done", "Done")),
        multi=True,
        selected=("b",),
    )
    assert buttons(render.keyboard(reply)) == [
        [("⬜ Apples", "toggle:a")],
        [("✅ Bananas", "toggle:b")],
        [("Done ✅", "done")],
    ]


def test_after_a_tap_the_question_shows_the_answer_and_loses_its_buttons() -> None:
    markup = render.keyboard(Reply("OK?", YES_NO))
    body = render.chosen_body(7, "OK?", markup, "no")
    assert body == {"op": "edit", "message_id": 7, "text": "OK?\n\n→ No", "markup": None}


def test_after_done_the_question_shows_what_was_ticked() -> None:
    reply = Reply(
        "Pick",
        (Choice("a", "Apples"), Choice("b", "Bananas"), Choice("c", "Cherries")),
        multi=True,
        selected=("a", "c"),
    )
    body = render.chosen_body(3, "Pick", render.keyboard(reply), "done")
    assert body["text"] == "Pick\n\n→ Apples, Cherries"


def test_every_callback_fits_telegrams_64_bytes() -> None:
    long_id = "x" * 40
    reply = Reply("Pick", (Choice(long_id, "X"), Choice("y", "Y")), multi=True)
    for row in buttons(render.keyboard(reply)):
        for _text, data in row:
            assert len(data.encode()) <= 64
