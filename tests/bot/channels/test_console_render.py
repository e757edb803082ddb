from __future__ import annotations

from bot.channels.console import render
from conversations.messages import Choice, Reply


def test_options_are_numbered_in_order() -> None:
    reply = Reply("How often?", (Choice("weekly", "Every week"), Choice("rarely", "Hardly ever")))
    assert render(reply) == "How often?\n  1. Every week\n  2. Hardly ever"


def test_a_scale_shows_its_own_points_so_typing_a_point_means_that_point() -> None:
    points = [Choice("0", "0 Awful"), *(Choice(str(n), str(n)) for n in range(1, 10))]
    reply = Reply("Rate it", (*points, Choice("10", "10 Great")))
    lines = render(reply).splitlines()
    assert lines[1] == "  0 Awful"
    assert lines[-1] == "  10 Great"
    assert not any(". " in line for line in lines[1:])


def test_ticked_choices_are_marked_and_done_is_left_to_buttons() -> None:
    reply = Reply(
        "Pick",
        (Choice("a", "Apples"), Choice("b", "Bananas"), Choice("done", "Done")),
        multi=True,
        selected=("b",),
    )
    assert render(reply).splitlines()[1:] == ["  1. Apples", "  2. [x] Bananas"]
