"""The dashboard shows wording under-13s may find hard as warnings beside their lines,
without stopping the survey being stored."""

from __future__ import annotations

import html

import httpx

from tests.integration.test_dashboard_surveys import GOOD, client, upload

__all__ = ["client"]  # the fixture, used by name

HARD = "How satisfied are you with the accessibility of recreational facilities?"


async def test_hard_words_are_stored_and_shown_as_warnings(client: httpx.AsyncClient) -> None:
    text = GOOD.replace("{min: 11, max: 25}", "{min: 8, max: 25}").replace(
        "text: How safe do you feel in your local park?", f"text: {HARD}"
    )
    stored = await upload(client, text)
    assert stored.status_code == 303
    page = html.unescape((await client.get(stored.headers["location"])).text)
    assert "Wording to check for under-13s" in page
    assert "Line 17: questions[1].text: under-13s read this;" in page
    assert "'accessibility'" in page and "or add text_under_13" in page


async def test_easy_words_give_no_warnings(client: httpx.AsyncClient) -> None:
    stored = await upload(client, GOOD.replace("{min: 11, max: 25}", "{min: 8, max: 25}"))
    page = (await client.get(stored.headers["location"])).text
    assert "Wording to check" not in page
