"""youthvoice as a real Telegram bot: python-telegram-bot over real HTTP to a fake Bot API,
in long-polling and webhook modes."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import httpx
import pytest

from bot.channels import outbox_sender
from bot.runtime import open_storage
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import DB_NAME, rows, run
from tests.integration.telegram_world import SURVEY, Chatter, queued_step, serving, start_serve

CHAT = 5512345678
MODES = ["polling", "webhook"]


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def raw_bytes(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob(f"{DB_NAME}*"))


async def consent_and_opt_ins(me: Chatter) -> None:
    notice = await me.say("/start buses")
    assert "transport team" in notice.text and "anonymous" in notice.text
    assert notice.buttons == [("Yes", "yes"), ("No", "no")]
    age = await me.tap(notice, "yes")
    assert age is not None and "How old" in age.text
    hear_back = await me.tap(age, "16_17")
    assert hear_back is not None and "tell you what changed" in hear_back.text
    hear_new = await me.tap(hear_back, "yes")
    assert hear_new is not None and "new surveys" in hear_new.text
    first = await me.tap(hear_new, "no")
    assert first is not None and first.text.startswith("How do you usually get")


@pytest.mark.parametrize("mode", MODES)
async def test_a_whole_survey_by_tapping_and_typing(tmp_path: Path, mode: str) -> None:
    async with (
        FakeTelegram() as fake,
        serving(fake, tmp_path, webhook=mode == "webhook") as (
            _service,
            runtime,
        ),
    ):
        if mode == "webhook":
            assert fake.webhook is not None
            assert fake.webhook.url.endswith("/telegram/webhook")
            assert fake.webhook.secret_token == "s3cret-token_for-tests"
        assert {c["command"] for c in fake.commands} >= {
            "start",
            "help",
            "skip",
            "back",
            "stop",
            "delete",
            "mydata",
        }
        me = Chatter(fake, CHAT)
        await consent_and_opt_ins(me)
        how = me.fake.messages_to(CHAT)[-1]
        assert [data for _text, data in how.buttons] == ["bus", "walk", "lift"]

        problems = await me.tap(how, "bus")
        assert problems is not None and "hard" in problems.text
        # The tapped question now shows the answer and has no buttons left.
        tidy = [e for e in fake.edits if e.message_id == how.message_id]
        assert tidy and tidy[-1].text.endswith("→ Bus") and not tidy[-1].buttons

        await me.tap(problems, "toggle:cost", count=0)
        await fake.wait_until(
            lambda: any(
                e.message_id == problems.message_id
                and ("✅ It costs too much", "toggle:cost") in e.buttons
                for e in fake.edits
            )
        )
        await me.tap(problems, "toggle:late", count=0)
        safe = await me.tap(problems, "done")
        assert safe is not None and "safe" in safe.text
        assert [d for _t, d in safe.buttons] == ["1", "2", "3", "4", "5"]
        assert "1 = Not safe" in safe.text

        why = await me.tap(safe, "2")
        assert why is not None and why.text.startswith("What would make you feel safer")
        night = await me.say("The stop is dark. Text me on 07700 900123")
        assert night.buttons == [("Yes", "yes"), ("No", "no")]
        idea = await me.tap(night, "yes")
        assert idea is not None
        thanks = await me.say("More buses at night")
        assert "Thank you" in thanks.text and "30 June 2027" in thanks.text

        counts = await runtime.storage.answer_counts("buses")
        assert counts["how"] == {"bus": 1}
        assert counts["problems"] == {"cost": 1, "late": 1}
        assert counts["safe"] == {"2": 1}
        assert counts["night"] == {"yes": 1}
        texts = {value for value in counts["why"]}
        assert texts == {"The stop is dark. Text me on [removed]"}
        assert len(fake.answered_callbacks) >= 8
    data = raw_bytes(tmp_path)
    for secret in (str(CHAT), "Zebedee", "zeb_q", "07700 900123"):
        assert secret.encode() not in data, secret
        assert secret.encode("utf-16-le") not in data, secret


@pytest.mark.parametrize("mode", MODES)
async def test_words_that_work_at_any_point(tmp_path: Path, mode: str) -> None:
    async with (
        FakeTelegram() as fake,
        serving(fake, tmp_path, webhook=mode == "webhook") as (_s, rt),
    ):
        me = Chatter(fake, CHAT)
        await consent_and_opt_ins(me)
        problems = await me.say("/skip")
        assert "hard" in problems.text
        back = await me.say("/back")
        assert back.text.startswith("How do you usually get")
        helped = await me.say("/help", count=2)
        assert "SKIP" in me.fake.messages_to(CHAT)[-2].text
        assert helped.text.startswith("How do you usually get")
        fake.user_sends_photo(CHAT)
        photo = await me.replies(2)
        assert "only read text and buttons" in photo[0].text
        stopped = await me.say("/stop")
        assert "won't" in stopped.text
        me.says("hello?")
        await asyncio.sleep(0.5)
        assert len(fake.messages_to(CHAT)) == me.seen  # silence after STOP
        confirm = await me.say("/delete")
        assert confirm.buttons == [("Yes", "yes"), ("No", "no")]
        done = await me.tap(confirm, "yes")
        assert done is not None and "deleted" in done.text.lower()
        pseudonym = rt.keys.pseudonym("telegram", str(CHAT))
    assert (
        rows(tmp_path / DB_NAME, "SELECT * FROM participants WHERE pseudonym = ?", (pseudonym,))
        == []
    )


@pytest.mark.parametrize("mode", MODES)
async def test_a_deep_link_and_a_bare_start(tmp_path: Path, mode: str) -> None:
    async with FakeTelegram() as fake, serving(fake, tmp_path, webhook=mode == "webhook") as _:
        me = Chatter(fake, CHAT)
        menu = await me.say("/start")
        assert ("Getting around", "buses") in menu.buttons
        notice = await me.tap(menu, "buses")
        assert notice is not None and "Getting around" in notice.text


@pytest.mark.parametrize("mode", MODES)
async def test_a_duplicate_update_is_handled_once(tmp_path: Path, mode: str) -> None:
    webhook = mode == "webhook"
    async with FakeTelegram() as fake, serving(fake, tmp_path, webhook=webhook) as (_s, runtime):
        me = Chatter(fake, CHAT)
        await consent_and_opt_ins(me)
        how = fake.messages_to(CHAT)[-1]
        update_id = fake.user_taps(CHAT, how.message_id, "walk")
        await me.replies(1)
        fake.resend(update_id)
        await asyncio.sleep(1.0)
        assert len(fake.messages_to(CHAT)) == me.seen
        assert (await runtime.storage.answer_counts("buses"))["how"] == {"walk": 1}


async def test_a_forged_or_missing_webhook_secret_is_refused(tmp_path: Path) -> None:
    async with FakeTelegram() as fake, serving(fake, tmp_path, webhook=True) as (service, runtime):
        url = f"http://127.0.0.1:{service.port}/telegram/webhook"
        update = {
            "update_id": 99,
            "message": {
                "message_id": 1, "date": 0, "text": "/start buses",
                "chat": {"id": 777, "type": "private"},
                "from": {"id": 777, "is_bot": False, "first_name": "Eve"},
            },
        }  # fmt: skip
        async with httpx.AsyncClient() as client:
            forged = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
            )
            missing = await client.post(url, json=update)
            garbage = await client.post(
                url,
                content=b"{not json",
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token_for-tests"},
            )
        assert (forged.status_code, missing.status_code, garbage.status_code) == (403, 403, 400)
        await asyncio.sleep(0.3)
        assert fake.messages_to(777) == []
        assert (
            await runtime.storage.load_participant(runtime.keys.pseudonym("telegram", "777"))
            is None
        )
    assert rows(tmp_path / DB_NAME, "SELECT count(*) FROM inbound_seen") == [(0,)]


@pytest.mark.parametrize("mode", MODES)
async def test_a_young_person_who_blocked_the_bot_is_treated_as_stopped(
    tmp_path: Path, mode: str
) -> None:
    webhook = mode == "webhook"
    async with FakeTelegram() as fake, serving(fake, tmp_path, webhook=webhook) as (_s, runtime):
        me = Chatter(fake, CHAT)
        await consent_and_opt_ins(me)  # said yes to hearing back: contact kept
        pseudonym = runtime.keys.pseudonym("telegram", str(CHAT))
        assert rows(
            tmp_path / DB_NAME, "SELECT count(*) FROM contacts WHERE pseudonym = ?", (pseudonym,)
        ) == [(1,)]
        fake.block(CHAT)
        me.says("bus")
        await fake.wait_until(
            lambda: bool(
                rows(
                    tmp_path / DB_NAME,
                    "SELECT stopped FROM participants WHERE pseudonym = ?",
                    (pseudonym,),
                )
                == [(1,)]
            )
        )
        assert rows(
            tmp_path / DB_NAME, "SELECT count(*) FROM contacts WHERE pseudonym = ?", (pseudonym,)
        ) == [(0,)]


@pytest.mark.parametrize("mode", MODES)
async def test_a_429_storm_delays_but_delivers_everything_once_in_order(
    tmp_path: Path, mode: str
) -> None:
    async with (
        FakeTelegram(rate_limit=4, tolerance=0) as fake,
        serving(fake, tmp_path, rate=30, webhook=mode == "webhook") as _,
    ):
        chats = [Chatter(fake, 1000 + n) for n in range(12)]
        for chatter in chats:
            chatter.says("/start buses")
        for chatter in chats:
            notice = (await chatter.replies(1, timeout=30))[0]
            chatter.fake.user_taps(chatter.chat_id, notice.message_id, "yes")
        for chatter in chats:
            (age,) = await chatter.replies(1, timeout=30)
            assert "How old" in age.text
        assert fake.rejected_429 > 0
        for chatter in chats:
            texts = [m.text for m in fake.messages_to(chatter.chat_id)]
            assert len(texts) == 2 and "Getting around" in texts[0] and "How old" in texts[1]


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_a_burst_from_200_chats_stays_within_30_messages_a_second(tmp_path: Path) -> None:
    """`youthvoice serve` as its own process with its shipped limits, as in production: the
    fake's clock then measures arrivals, not how busy a shared event loop was."""
    (tmp_path / "buses.yaml").write_text(SURVEY)
    assert run(tmp_path, "survey", "add", "buses.yaml").returncode == 0
    assert run(tmp_path, "survey", "open", "buses").returncode == 0
    async with FakeTelegram(rate_limit=30, per_chat_rate=1, tolerance=3) as fake:
        serve = start_serve(tmp_path, fake)
        try:
            await fake.wait_until(lambda: bool(fake.commands), timeout=30)
            chats = [Chatter(fake, 20_000 + n) for n in range(200)]
            for chatter in chats:
                chatter.says("/start buses")
                chatter.says("yes")
            for chatter in chats:
                await chatter.replies(2, timeout=60)
            await asyncio.sleep(0.5)
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.communicate(timeout=15)
        assert fake.rejected_429 == 0
        assert busiest_second(fake.send_times) <= 30 + 3
        for chatter in chats:
            texts = [m.text for m in fake.messages_to(chatter.chat_id)]
            assert len(texts) == 2, texts  # every reply exactly once
            assert "Getting around" in texts[0] and texts[1] == "How old are you?"  # in order


async def test_a_message_queued_by_another_process_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sender is told about its own replies; it finds others by reading the queue."""
    monkeypatch.setattr(outbox_sender, "SCAN_EVERY", 0.3)
    async with FakeTelegram() as fake, serving(fake, tmp_path) as (_s, runtime):
        body = json.dumps({"op": "send", "text": "A message from elsewhere", "markup": None})
        step = queued_step(runtime, "telegram", str(CHAT), body, "elsewhere-1")
        async with open_storage(runtime.settings) as elsewhere:
            assert await elsewhere.save_step(step)
        sent = await fake.wait_for_messages(CHAT, 1, timeout=10)
        assert [m.text for m in sent] == ["A message from elsewhere"]
