"""`youthvoice user add` and `youthvoice review invite|inbox|reply` as an operator runs them:
clear output, one-line errors, and each worker seeing only their own children's views."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import DB_NAME, clean_env, ok, one_error_line, rows, run
from tests.integration.test_reviews import VIEWS

CODE = re.compile(r"^Code: ([A-HJKMNP-Z]{4}-[2-9]{4})$", re.MULTILINE)


def soon(days: int = 14) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "views.yaml").write_text(VIEWS)
    ok(run(tmp_path, "survey", "add", "views.yaml"))
    ok(run(tmp_path, "survey", "open", "views"))
    ok(run(tmp_path, "user", "add", "sam@council.example", "--role", "reviewer", "--name", "Sam"))
    ok(run(tmp_path, "user", "add", "jo@council.example", "--role", "reviewer"))
    ok(run(tmp_path, "user", "add", "ann@council.example", "--role", "coordinator"))
    return tmp_path


def test_accounts(folder: Path) -> None:
    assert one_error_line(run(folder, "user", "add", "sam@council.example", "--role", "admin")) == (
        "youthvoice: sam@council.example already has an account"
    )
    assert one_error_line(run(folder, "user", "add", "SAM@Council.Example", "--role", "admin"))
    assert one_error_line(run(folder, "user", "add", "nobody", "--role", "admin"), 2) == (
        "youthvoice: 'nobody' is not an email address"
    )
    assert "--role must be one of" in one_error_line(
        run(folder, "user", "add", "x@y.example", "--role", "boss"), 2
    )
    assert rows(folder / DB_NAME, "SELECT email, role FROM accounts ORDER BY id") == [
        ("sam@council.example", "reviewer"),
        ("jo@council.example", "reviewer"),
        ("ann@council.example", "coordinator"),
    ]
    assert rows(folder / DB_NAME, "SELECT action, count(*) FROM audit_log GROUP BY action") == [
        ("account added", 3),
        ("password link made", 3),
    ]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--due", "2026-02-30"), "--due must be a date as YYYY-MM-DD"),
        (("--due", "2020-01-01"), "--due 2020-01-01 has passed"),
        (("--worker", "who@council.example"), "no account for who@council.example"),
        (("--worker", "ann@council.example"), "is a coordinator account, not a reviewer"),
        (("--slug", "better-services"), "no survey called 'better-services'"),
    ],
)
def test_invite_refuses_what_cannot_work(folder: Path, args: tuple[str, str], error: str) -> None:
    options = {"--due": soon(), "--worker": "sam@council.example", "--slug": "views"}
    options[args[0]] = args[1]
    result = run(
        folder,
        "review",
        "invite",
        options["--slug"],
        "--due",
        options["--due"],
        "--worker",
        options["--worker"],
    )
    assert error in one_error_line(result)
    assert rows(folder / DB_NAME, "SELECT count(*) FROM reviews") == [(0,)]


def test_a_consultation_or_a_closed_review_cannot_be_invited_to(folder: Path) -> None:
    (folder / "buses.yaml").write_text(
        "spec_version: 1\nslug: buses\ntitle: Buses\npurpose: Plan buses.\n"
        "audience: The transport team.\nquestions:\n"
        "  - {id: often, type: yes_no, text: 'Do you take the bus?'}\n"
    )
    ok(run(folder, "survey", "add", "buses.yaml"))
    ok(run(folder, "survey", "open", "buses"))
    invite = ("--due", soon(), "--worker", "sam@council.example")
    assert "is a consultation" in one_error_line(run(folder, "review", "invite", "buses", *invite))
    ok(run(folder, "survey", "close", "views"))
    assert "'views' is not open" in one_error_line(
        run(folder, "review", "invite", "views", *invite)
    )


async def test_invite_prints_a_code_and_a_telegram_link(folder: Path) -> None:
    async with FakeTelegram(bot_username="council_voice_bot") as fake:
        env = clean_env(
            folder / DB_NAME, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.url
        )
        result = await asyncio.to_thread(
            run,
            folder,
            "review",
            "invite",
            "views",
            "--due",
            soon(),
            "--worker",
            "sam@council.example",
            env=env,
        )
    out = ok(result)
    found = CODE.search(out)
    assert found is not None, out
    code = found.group(1)
    assert f"https://t.me/council_voice_bot?start=review-{code.replace('-', '')}" in out
    assert f"it works until {soon()}" in out and "Sam (your reviewing officer)" in out
    # The code is kept only as a hash and sealed: never as it is written.
    raw = b"".join(p.read_bytes() for p in folder.glob(f"{DB_NAME}*"))
    assert code.encode() not in raw and code.replace("-", "").encode() not in raw


def test_each_worker_sees_only_their_own_and_a_reply_needs_a_child(folder: Path) -> None:
    for worker in ("sam@council.example", "jo@council.example"):
        ok(run(folder, "review", "invite", "views", "--due", soon(), "--worker", worker))
    sams = ok(run(folder, "review", "inbox", "--worker", "sam@council.example"))
    assert sams.count("waiting") == 1 and "jo@council.example" not in sams
    everyone = ok(run(folder, "review", "inbox"))
    assert everyone.count("waiting") == 2
    code = re.findall(r"^([A-Z]{4}-\d{4})", sams, re.MULTILINE)[0]
    assert "has not been used by a child" in one_error_line(
        run(folder, "review", "reply", code, "--text", "Thanks")
    )
    assert "no review with the code" in one_error_line(
        run(folder, "review", "reply", "ABCD-2345", "--text", "Thanks")
    )
    assert "no account for x@y.example" in one_error_line(
        run(folder, "review", "inbox", "--worker", "x@y.example")
    )


def test_the_demo_explains_how_a_review_begins(tmp_path: Path) -> None:
    error = one_error_line(run(tmp_path, "demo", "--survey", "my-review"), 1)
    assert "'my-review' is a review" in error and "youthvoice review invite my-review" in error
