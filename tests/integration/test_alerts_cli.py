"""`youthvoice alerts list|ack` through the real command: no text of the young person's,
where each alert stands, acknowledgement with a note (audited), one-line errors; and alert
settings that do not fit together stop the command with one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime import open_storage
from bot.settings import load_settings
from tests.integration.dashboard_world import SLUG, answered, youth_spaces
from tests.integration.helpers import DB_NAME, clean_env, ok, one_error_line, run

SPACES = youth_spaces('- {id: idea, type: text, text: "One idea for a youth space?"}\n')
RISK = "Honestly I want to die some days"


async def with_alert(folder: Path) -> None:
    settings = load_settings(YOUTHVOICE_DATABASE=str(folder / DB_NAME))
    async with open_storage(settings) as storage:
        talk = ("SPACES", "yes", "16", "no", "no", RISK)
        await answered(storage, SPACES, [("sms", "+447700900001", talk)])


async def audit_actions(folder: Path) -> list[tuple[str, str, str]]:
    settings = load_settings(YOUTHVOICE_DATABASE=str(folder / DB_NAME))
    async with open_storage(settings) as storage:
        entries = await storage.audit_entries()
        alert = await storage.alert(1)
    assert alert is not None and [n.author for n in alert.notes] == ["Jo Lee"]
    assert b"MASH" not in alert.notes[0].note  # sealed
    return [(actor, action, subject) for _, actor, action, subject in entries]


async def test_list_and_acknowledge(tmp_path: Path) -> None:
    assert "No safeguarding alerts." in ok(run(tmp_path, "alerts", "list"))
    await with_alert(tmp_path)
    listed = ok(run(tmp_path, "alerts", "list"))
    [line] = listed.strip().splitlines()
    assert line.startswith("#1  ") and SLUG in line and "  sms  " in line
    assert "open; not sent (none set up)" in line
    assert "die" not in listed.lower()

    done = ok(run(tmp_path, "alerts", "ack", "1", "--note", "Passed to MASH", "--by", "Jo Lee"))
    assert "Alert #1 acknowledged by Jo Lee" in done
    listed = ok(run(tmp_path, "alerts", "list"))
    assert "acknowledged by Jo Lee at " in listed and "open" not in listed

    again = one_error_line(run(tmp_path, "alerts", "ack", "1"))
    assert "alert #1 was acknowledged already, by Jo Lee" in again
    assert "no alert #7" in one_error_line(run(tmp_path, "alerts", "ack", "7"), 1)
    assert "ID" in one_error_line(run(tmp_path, "alerts", "ack", "seven"), 2)

    actions = await audit_actions(tmp_path)
    assert ("operator", "alerts listed", "1 alert(s)") in actions
    assert ("Jo Lee", "alert acknowledged", "alert #1") in actions
    assert len([a for a in actions if a[1] == "alerts listed"]) == 3


async def test_ack_by_default_is_the_operator(tmp_path: Path) -> None:
    await with_alert(tmp_path)
    assert "acknowledged by operator" in ok(run(tmp_path, "alerts", "ack", "1"))
    assert "--by" in one_error_line(run(tmp_path, "alerts", "ack", "1", "--by", " "), 2)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"YOUTHVOICE_ALERT_EMAIL": "dsl@council.example"}, "YOUTHVOICE_SMTP_HOST"),
        ({"YOUTHVOICE_ALERT_DEPUTY_EMAIL": "dep@council.example"}, "YOUTHVOICE_SMTP_HOST"),
        ({"YOUTHVOICE_SMTP_HOST": "smtp.council.example"}, "YOUTHVOICE_ALERT_EMAIL"),
        (
            {"YOUTHVOICE_SMTP_HOST": "smtp.example", "YOUTHVOICE_ALERT_EMAIL": "a@b.example"},
            "YOUTHVOICE_ALERT_FROM",
        ),
        ({"YOUTHVOICE_SMTP_SECURITY": "ssl"}, "YOUTHVOICE_SMTP_SECURITY"),
        ({"YOUTHVOICE_SMTP_PORT": "0"}, "YOUTHVOICE_SMTP_PORT"),
        ({"YOUTHVOICE_ALERT_EMAIL": "not an address"}, "YOUTHVOICE_ALERT_EMAIL"),
        ({"YOUTHVOICE_ALERT_WEBHOOK_URL": "ftp://x"}, "YOUTHVOICE_ALERT_WEBHOOK_URL"),
        ({"YOUTHVOICE_ALERT_WEBHOOK_SECRET": "s"}, "YOUTHVOICE_ALERT_WEBHOOK_URL"),
        ({"YOUTHVOICE_ALERT_ESCALATE_MINUTES": "0"}, "YOUTHVOICE_ALERT_ESCALATE_MINUTES"),
        ({"YOUTHVOICE_SMTP_USERNAME": "yv"}, "YOUTHVOICE_SMTP_PASSWORD"),
        (
            {
                "YOUTHVOICE_SMTP_HOST": "smtp.example",
                "YOUTHVOICE_ALERT_EMAIL": "a@b.example",
                "YOUTHVOICE_ALERT_FROM": "yv@b.example",
                "YOUTHVOICE_SMTP_USERNAME": "yv",
                "YOUTHVOICE_SMTP_PASSWORD": "pw",
                "YOUTHVOICE_SMTP_SECURITY": "none",
            },
            "YOUTHVOICE_SMTP_SECURITY",
        ),
    ],
)
def test_alert_settings_that_do_not_fit_stop_with_one_line(
    tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    env = clean_env(tmp_path / DB_NAME, **settings)
    line = one_error_line(run(tmp_path, "alerts", "list", env=env), 2)
    assert line.startswith(f"youthvoice: {named}: "), line


def test_complete_alert_settings_are_accepted(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path / DB_NAME,
        YOUTHVOICE_SMTP_HOST="smtp.council.example",
        YOUTHVOICE_ALERT_FROM="youthvoice@council.example",
        YOUTHVOICE_ALERT_EMAIL="dsl@council.example, dsl2@council.example",
        YOUTHVOICE_ALERT_DEPUTY_EMAIL="deputy@council.example",
        YOUTHVOICE_ALERT_WEBHOOK_URL="https://hooks.council.example/alerts",
        YOUTHVOICE_ALERT_WEBHOOK_SECRET="s3cret",
    )
    assert "No safeguarding alerts." in ok(run(tmp_path, "alerts", "list", env=env))
