from __future__ import annotations

import pytest

from bot.channels.rate_limit import PerKeyWindows, SlidingWindow


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_never_more_than_the_rate_in_any_second() -> None:
    clock = Clock()
    window = SlidingWindow(30, clock=clock)
    for _ in range(30):
        assert window.ready_in() == 0
        window.take()
    assert window.ready_in() > 0
    clock.now += 0.5
    assert window.ready_in() > 0
    clock.now += 0.5
    assert window.ready_in() == 0


def test_a_429_pauses_sending() -> None:
    clock = Clock()
    window = SlidingWindow(30, clock=clock)
    window.pause(3)
    assert 2.9 < window.ready_in() <= 3
    clock.now += 3
    assert window.ready_in() == 0


def test_each_chat_gets_a_short_burst_then_about_one_a_second() -> None:
    clock = Clock()
    chats = PerKeyWindows(1.0, 3.0, clock)
    for _ in range(3):
        assert chats.ready_in("a") == 0
        chats.take("a")
    assert chats.ready_in("a") > 0
    assert chats.ready_in("b") == 0
    clock.now += 3
    assert chats.ready_in("a") == 0


def test_weighted_sends_count_each_segment() -> None:
    clock = Clock()
    window = SlidingWindow(10, clock=clock)
    window.take(7)
    assert window.ready_in(3) == 0
    assert window.ready_in(4) == 1.0  # the 7 must leave the window first
    window.take(3)
    clock.now += 0.4
    window.take(0)
    assert window.ready_in(1) == pytest.approx(0.6)


def test_a_send_heavier_than_the_limit_goes_alone() -> None:
    clock = Clock()
    window = SlidingWindow(2, clock=clock)
    window.take(1)
    assert window.ready_in(5) == 1.0  # waits for an empty window
    clock.now += 1.0
    assert window.ready_in(5) == 0
    window.take(5)
    clock.now += 0.5
    assert window.ready_in(1) == pytest.approx(0.5)  # nothing until it has left the window
