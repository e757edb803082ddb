"""Safeguarding alerts on the dashboard: raised by a risk phrase sent through the real
dispatcher, listed for the safeguarding role only, each view of their text audited,
acknowledged with a note (audited, CSRF checked), and their text never stored in clear."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.runtime import open_storage
from bot.settings import load_settings
from conversations.safeguarding import HELP_NOW
from storage.protocol import Storage
from tests.integration.dashboard_world import SLUG, answered, youth_spaces
from tests.integration.dashboard_world import signed_in as signed_in_as
from tests.integration.helpers import DB_NAME, raw_db
from tests.integration.test_dashboard_auth import hidden_csrf

SPACES = youth_spaces(
    """\
    - {id: idea, type: text, text: "One idea for a youth space?"}
    - {id: club, type: yes_no, text: "Do you go to a youth club?"}
    """
)
RISK = "Honestly I want to die some days"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    settings = load_settings(YOUTHVOICE_DATABASE=str(tmp_path / DB_NAME))
    async with open_storage(settings) as opened:
        talk = ("SPACES", "yes", "16", "no", "no", RISK, "yes")
        await answered(opened, SPACES, [("sms", "+447700900001", talk)])
        yield opened


@contextlib.asynccontextmanager
async def signed_in(
    storage: Storage, role: str = "safeguarding"
) -> AsyncIterator[httpx.AsyncClient]:
    async with signed_in_as(storage, role) as client:
        yield client


async def test_the_list_shows_the_alert_without_its_text(storage: Storage) -> None:
    [alert] = await storage.alerts()
    async with signed_in(storage) as client:
        page = (await client.get("/alerts")).text
        home = (await client.get("/")).text
    assert f'href="/alerts/{alert.id}"' in page and alert.phrase in page
    assert "Anonymous: cannot be identified; was signposted" in page
    assert SLUG in page and "sms" in page and "Open" in page
    assert RISK not in page  # only opening the alert shows (and audits) its text
    assert 'href="/alerts"' in home


async def test_the_detail_shows_the_text_and_is_audited(storage: Storage) -> None:
    [alert] = await storage.alerts()
    async with signed_in(storage) as client:
        page = (await client.get(f"/alerts/{alert.id}")).text
        assert (await client.get("/alerts/999999")).status_code == 404
        assert (await client.get("/alerts/nope")).status_code == 404
    assert RISK in page and HELP_NOW in page and "No notes yet." in page
    reads = [e for e in await storage.audit_entries() if e[2] == "alert read"]
    assert [(e[1], e[3]) for e in reads] == [("safeguarding@council.example", f"alert #{alert.id}")]


async def test_acknowledging_with_a_note(storage: Storage) -> None:
    [alert] = await storage.alerts()
    async with signed_in(storage) as client:
        csrf = hidden_csrf(await client.get(f"/alerts/{alert.id}"))
        answer = await client.post(
            f"/alerts/{alert.id}",
            data={"csrf": csrf, "action": "acknowledge", "note": "Passed to the MASH team"},
        )
        assert answer.status_code == 303
        again = await client.post(
            f"/alerts/{alert.id}", data={"csrf": csrf, "action": "note", "note": "Checked in"}
        )
        assert again.status_code == 303
        page = (await client.get(f"/alerts/{alert.id}")).text
        listed = (await client.get("/alerts")).text
    assert "Acknowledged by safeguarding@council.example" in page
    assert "Passed to the MASH team" in page and "Checked in" in page
    assert "Acknowledged" in listed and "<strong>Open</strong>" not in listed
    stored = await storage.alert(alert.id)
    assert stored is not None and stored.acknowledged_by == "safeguarding@council.example"
    assert len(stored.notes) == 2
    actions = [e[2] for e in await storage.audit_entries()]
    assert "alert acknowledged" in actions and "alert note added" in actions


async def test_a_form_without_its_token_changes_nothing(storage: Storage) -> None:
    [alert] = await storage.alerts()
    async with signed_in(storage) as client:
        answer = await client.post(
            f"/alerts/{alert.id}", data={"action": "acknowledge", "note": "sneaky"}
        )
    assert answer.status_code == 403
    stored = await storage.alert(alert.id)
    assert stored is not None and stored.acknowledged_at is None and not stored.notes
    assert "alert acknowledged" not in [e[2] for e in await storage.audit_entries()]


@pytest.mark.parametrize("role", ["admin", "coordinator", "reviewer"])
async def test_other_roles_are_refused_before_any_lookup(storage: Storage, role: str) -> None:
    async with signed_in(storage, role) as client:
        for path in ("/alerts", "/alerts/1", "/alerts/999999"):
            assert (await client.get(path)).status_code == 403, path
        csrf = hidden_csrf(await client.get("/"))
        answer = await client.post("/alerts/999999", data={"csrf": csrf, "action": "note"})
        assert answer.status_code == 403


async def test_the_database_does_not_hold_the_text(storage: Storage, tmp_path: Path) -> None:
    [alert] = await storage.alerts()
    async with signed_in(storage) as client:
        csrf = hidden_csrf(await client.get(f"/alerts/{alert.id}"))
        await client.post(
            f"/alerts/{alert.id}", data={"csrf": csrf, "action": "note", "note": "Called school"}
        )
    # The alert's own rows hold it sealed. (The same words, given as the survey's free-text
    # answer, are stored in `answers` like any anonymous answer: not the alert's doing.)
    with raw_db(tmp_path / DB_NAME) as conn:
        stored = [*conn.execute("SELECT * FROM alerts"), *conn.execute("SELECT * FROM alert_notes")]
    assert len(stored) == 2
    for row in stored:
        for value in row:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            assert "die some days" not in text and "Called school" not in text, row
