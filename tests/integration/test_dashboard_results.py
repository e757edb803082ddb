"""The results pages over HTTP: the same suppressed numbers as `youthvoice results`, charts
with the numbers beside them, free text with a search box, the downloads of `export`, live
counts, the audit log, and no entry for any role but coordinator."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from bot.export import FIXED_COLUMNS
from bot.runtime import open_storage
from bot.settings import load_settings
from storage.protocol import Storage
from tests.integration.dashboard_world import SLUG, answered, signed_in, youth_spaces
from tests.integration.helpers import DB_NAME, ok, run

SPACES = youth_spaces(
    """\
    - id: area
      type: choice
      text: Where do you live?
      options: [{id: north, label: North}, {id: south, label: South}, {id: city, label: The city}]
    - {id: club, type: yes_no, text: "Do you go to a youth club?"}
    - {id: safe, type: scale, text: "How safe do you feel?", min: 1, max: 5}
    - id: wants
      type: multi
      text: What would you like there?
      options: [{id: sport, label: Sport}, {id: music, label: Music}, {id: games, label: Games}]
    - {id: idea, type: text, text: "One idea for a youth space?"}
    - {id: worry, type: text, text: "Anything that worries you?"}
    """
)
# area, club, safe, wants, idea, worry for each of 12 young people: some counts small.
ANSWERS = [
    ("1", "yes", "4", "1", "A bus to the club", "skip"),
    ("1", "yes", "4", "1, 2", "Longer opening hours", "skip"),
    ("1", "yes", "5", "1", "More football", "Fights at night"),
    ("1", "yes", "4", "2", "Free wifi", "skip"),
    ("1", "no", "3", "1, 3", "late BUS home", "skip"),
    ("1", "yes", "4", "1", "A quiet room", "skip"),
    ("1", "yes", "2", "3", "Cheaper food", "skip"),
    ("2", "no", "4", "1", "Music studio", "The dark park"),
    ("2", "yes", "4", "2", "Art classes", "skip"),
    ("2", "no", "3", "1", "A skate park", "skip"),
    ("2", "yes", "4", "1, 2", "Buses on Sundays", "skip"),
    ("3", "no", "1", "3", "A garden", "Bullies"),
]


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    settings = load_settings(YOUTHVOICE_DATABASE=str(tmp_path / DB_NAME))
    async with open_storage(settings) as opened:
        talks = [
            ("sms", f"+4477009{who:05d}", ("SPACES", "yes", "16", "no", "no", *answers))
            for who, answers in enumerate(ANSWERS)
        ]
        await answered(opened, SPACES, talks)
        yield opened


@contextlib.asynccontextmanager
async def coordinator(
    storage: Storage, role: str = "coordinator"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in with an account of `role` (a coordinator unless told otherwise)."""
    async with signed_in(storage, role) as client:
        yield client


def cli_results(folder: Path, *args: str) -> dict[str, Any]:
    return json.loads(ok(run(folder, "results", SLUG, "--format", "json", *args)))


def number(text: str) -> int | None:
    return None if text == "" else int(text)


def page_numbers(html: str) -> dict[str, Any]:
    """The numbers in the page's tables, in the shape of `results --format json`."""
    questions: dict[str, Any] = {}
    for qid, shown in re.findall(r'data-question="(\w+)" data-answered="(\d*)"', html):
        questions[qid] = {"answered": number(shown), "counts": {}}
    for qid, body in re.findall(r'<table data-question="(\w+)">(.*?)</table>', html, re.S):
        for value, count in re.findall(r'data-answer="([\w-]+)" data-count="(\d*)"', body):
            questions[qid]["counts"][value] = number(count)
    for qid, body in re.findall(r'<table data-breakdown="(\w+)">(.*?)</table>', html, re.S):
        cells: dict[str, dict[str, int | None]] = {}
        for value, by, count in re.findall(
            r'data-answer="([\w-]+)" data-by="([\w-]+)" data-count="(\d*)"', body
        ):
            cells.setdefault(value, {})[by] = number(count)
        totals = {
            by: number(count)
            for by, count in re.findall(r'data-total-by="([\w-]+)" data-count="(\d*)"', body)
        }
        questions[qid]["by"] = {"counts": cells, "totals": totals}
    overall = {k: int(v) for k, v in re.findall(r'data-live="(\w+)">(\d+)<', html)}
    return {"totals": overall, "questions": questions}


def assert_same(html: str, cli: dict[str, Any]) -> None:
    shown = page_numbers(html)
    assert shown["totals"] == {"responses": cli["responses"], "completed": cli["completed"]}
    assert list(shown["questions"]) == [q["id"] for q in cli["questions"]]
    for question in cli["questions"]:
        on_page = shown["questions"][question["id"]]
        assert on_page["answered"] == question["answered"], question["id"]
        assert on_page["counts"] == question["counts"], question["id"]
        if question.get("by") is not None:
            assert on_page["by"] == question["by"], question["id"]
        else:
            assert "by" not in on_page, question["id"]


async def test_the_page_shows_the_numbers_of_the_command(storage: Storage, tmp_path: Path) -> None:
    async with coordinator(storage) as client:
        page = await client.get(f"/results/{SLUG}")
        assert page.status_code == 200, page.text
        cli = cli_results(tmp_path)
        assert (cli["responses"], cli["completed"]) == (12, 12)
        assert_same(page.text, cli)
        assert None in cli["questions"][0]["counts"].values()  # some counts are suppressed
        assert "hidden" in page.text

        by_area = await client.get(f"/results/{SLUG}", params={"by": "area"})
        assert by_area.status_code == 200
        cli_by = cli_results(tmp_path, "--by", "area")
        assert_same(by_area.text, cli_by)
        assert any(None in row.values() for row in cli_by["questions"][1]["by"]["counts"].values())

        by_club = await client.get(f"/results/{SLUG}", params={"by": "club", "min_count": "3"})
        assert_same(by_club.text, cli_results(tmp_path, "--by", "club", "--min-count", "3"))

        # More than there are responses: no breakdown at all, as the command.
        none = await client.get(f"/results/{SLUG}", params={"by": "area", "min_count": "13"})
        assert_same(none.text, cli_results(tmp_path, "--by", "area", "--min-count", "13"))
        assert "No breakdown: fewer than 13 responses in all." in none.text

        bad = await client.get(f"/results/{SLUG}", params={"by": "idea"})
        assert bad.status_code == 400 and "cannot break down by" in bad.text
        assert (await client.get("/results/no-such-survey")).status_code == 404


async def test_each_question_has_an_accessible_chart(storage: Storage) -> None:
    async with coordinator(storage) as client:
        page = (await client.get(f"/results/{SLUG}")).text
        by_area = (await client.get(f"/results/{SLUG}", params={"by": "area"})).text
    for qid in ("area", "club", "safe", "wants"):
        chart = re.search(rf'<svg [^>]*data-chart="{qid}"[^>]*>(.*?)</svg>', page, re.S)
        assert chart is not None, qid
        assert 'role="img"' in chart.group(0)
        assert f'aria-labelledby="chart-{qid}-title chart-{qid}-desc"' in chart.group(0)
        assert f'<title id="chart-{qid}-title">' in chart.group(1)
        assert f'<table data-question="{qid}">' in page and "<caption>" in page
    area = re.search(r'data-chart="area"[^>]*>(.*?)</svg>', page, re.S)
    assert area is not None and "url(#hatch-area)" in area.group(1)  # the hidden bar
    assert 'scope="col"' in page and 'scope="row"' in page
    assert "<script src=" in page and "<script>" not in page  # no inline script (CSP)

    for qid in ("club", "safe", "wants"):
        grouped = re.search(rf'<svg [^>]*data-chart-by="{qid}"[^>]*>(.*?)</svg>', by_area, re.S)
        assert grouped is not None and 'role="img"' in grouped.group(0), qid
        assert f'<title id="chart-{qid}-by-title">' in grouped.group(1)
    assert 'data-chart-by="area"' not in by_area  # no breakdown of a question by itself


async def test_free_text_is_listed_searched_or_hidden(storage: Storage) -> None:
    async with coordinator(storage) as client:
        page = (await client.get(f"/results/{SLUG}")).text
        listed = re.search(r'data-text-answers="idea">(.*?)</ul>', page, re.S)
        assert listed is not None and len(re.findall("<li>", listed.group(1))) == 12
        # Three answered "worry": fewer than five, so none of it is shown.
        assert 'data-text-answers="worry"' not in page
        assert "Fights at night" not in page and "Bullies" not in page

        found = (await client.get(f"/results/{SLUG}", params={"q": "bus"})).text
        listed = re.search(r'data-text-answers="idea">(.*?)</ul>', found, re.S)
        assert listed is not None
        assert re.findall(r"<li>(.*?)</li>", listed.group(1)) == [
            "A bus to the club",
            "Buses on Sundays",
            "late BUS home",
        ]
        assert "3 of 12 answers contain" in found
        script = await client.get("/live.js")
        assert script.status_code == 200 and "setInterval" in script.text
        assert script.headers["content-type"].startswith("text/javascript")


async def test_downloads_are_the_export(storage: Storage) -> None:
    async with coordinator(storage) as client:
        answer = await client.get(f"/results/{SLUG}/download.csv")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.headers["content-disposition"] == f'attachment; filename="{SLUG}.csv"'
        table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert table[0] == [*FIXED_COLUMNS, "area", "club", "safe", "wants", "idea", "worry"]
        assert len(table) == 1 + 12
        assert not {"pseudonym", "participant", "phone", "chat_id"} & set(table[0])
        assert not any("+4477009" in cell for row in table for cell in row)

        sheet = await client.get(f"/results/{SLUG}/download.xlsx")
        assert sheet.headers["content-type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert "attachment" in sheet.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(sheet.content))
        rows = list(book.active.iter_rows(values_only=True))
        assert len(rows) == 13 and list(rows[0]) == table[0]
        assert (await client.get("/results/nope/download.csv")).status_code == 404


async def test_live_counts_and_the_audit_log(storage: Storage) -> None:
    async with coordinator(storage) as client:
        counts = await client.get(f"/results/{SLUG}/counts.json")
        assert counts.json() == {"responses": 12, "completed": 12}
        assert (await client.get("/results/nope/counts.json")).status_code == 404
        await client.get(f"/results/{SLUG}")
        await client.get(f"/results/{SLUG}/download.csv")
        await client.get(f"/results/{SLUG}/download.xlsx")
    entries = [
        (actor, action, subject)
        for _at, actor, action, subject in await storage.audit_entries()
        if action.startswith("results")
    ]
    who = "coordinator@council.example"
    assert entries == [
        (who, "results read", SLUG),
        (who, "results downloaded", SLUG),
        (who, "results downloaded", SLUG),
    ]


@pytest.mark.parametrize("role", ["admin", "reviewer", "safeguarding"])
async def test_other_roles_are_refused(storage: Storage, role: str) -> None:
    async with coordinator(storage, role) as client:
        for path in ("", "/counts.json", "/download.csv", "/download.xlsx"):
            answer = await client.get(f"/results/{SLUG}{path}")
            assert answer.status_code == 403, (role, path)
            assert "youth club" not in answer.text
    assert not [e for e in await storage.audit_entries() if e[2].startswith("results")]
