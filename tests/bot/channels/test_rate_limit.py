from __future__ import annotations

import asyncio

import pytest

from bot.channels.rate_limit import PerKeyWindows, SlidingWindow, Turns


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


def test_a_paced_window_sends_evenly_after_a_short_burst() -> None:
    clock = Clock()
    window = SlidingWindow(100, clock=clock, margin=0.03, burst=0.05)
    sent = 0
    while window.ready_in() == 0:  # the burst: about 0.05 s worth
        window.take()
        sent += 1
    assert 5 <= sent <= 7
    # Then one every 1.03 / 100 s on the whole, never a window's worth at once.
    start, gaps = clock.now, []
    for _ in range(3000):
        wait = window.ready_in()
        clock.now += wait
        gaps.append(wait)
        window.take()
    assert sorted(gaps)[len(gaps) // 2] == pytest.approx(0.0103, abs=1e-6)  # the median
    assert max(gaps) < 0.1
    assert 3000 / (clock.now - start) == pytest.approx(100 / 1.03, rel=0.01)


async def test_turns_go_to_replies_before_bulk_then_in_order() -> None:
    window = SlidingWindow(50, margin=0.0, burst=0.0)
    turns = Turns(window)
    order: list[str] = []

    async def send(name: str, priority: int) -> None:
        await turns.acquire(1, priority)
        order.append(name)

    bulk = [asyncio.create_task(send(f"bulk{n}", 10)) for n in range(6)]
    await asyncio.sleep(0.005)  # bulk sends are queued and being paced
    reply = asyncio.create_task(send("reply", 0))
    await asyncio.gather(reply, *bulk)
    assert order.index("reply") <= 2  # it jumped the queue
    assert [name for name in order if name != "reply"] == [f"bulk{n}" for n in range(6)]


async def test_a_cancelled_waiter_gives_up_its_place() -> None:
    turns = Turns(SlidingWindow(10, margin=0.0, burst=0.0))
    await turns.acquire()
    waiting = asyncio.create_task(turns.acquire())
    after = asyncio.create_task(turns.acquire())
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.wait_for(after, 1.0)
    assert turns._waiting == [] and turns._woken == {}
