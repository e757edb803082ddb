"""`youthvoice export`: one row per response, free text included, no identifiers.

The file is written beside its destination and moved into place only when complete, so a
failure never leaves half a file behind.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from conversations.survey import Survey
from storage.protocol import Storage
from storage.records import ExportedResponse

FORMATS = (".csv", ".xlsx", ".json")
FIXED_COLUMNS = [
    "response",
    "survey_version",
    "month",
    "age_band",
    "channel",
    "language",
    "completed",
]


class ExportError(ValueError):
    pass


def _safe(value: Any) -> Any:
    """A text starting with = + - @ would be run as a formula by a spreadsheet."""
    return f"'{value}" if isinstance(value, str) and value[:1] in "=+-@" else value


def _value(survey: Survey, question_id: str, values: list[str]) -> str:
    try:
        question = survey.question(question_id)
    except KeyError:  # a question from an older version of the survey
        return _safe("; ".join(values))
    if question.type in ("choice", "multi"):
        labels = {o.id: survey.local(o.label, survey.default_language) for o in question.options}
        return "; ".join(labels.get(v, v) for v in values)
    if question.type == "text":
        return _safe("; ".join(values))
    return "; ".join(values)  # scale points (which may be negative) and yes/no


def _table(survey: Survey, responses: list[ExportedResponse]) -> list[list[Any]]:
    question_ids = [q.id for q in survey.questions]
    extra = sorted({q for r in responses for q in r.answers} - set(question_ids))
    header = FIXED_COLUMNS + question_ids + extra
    rows: list[list[Any]] = [header]
    for number, response in enumerate(responses, start=1):
        row: list[Any] = [
            number,
            response.version,
            response.month,
            response.age_band or "",
            response.channel,
            response.language,
            "yes" if response.completed else "no",
        ]
        for question_id in question_ids + extra:
            values = response.answers.get(question_id)
            row.append(_value(survey, question_id, values) if values else "")
        rows.append(row)
    return rows


def _json(survey: Survey, responses: list[ExportedResponse]) -> dict[str, Any]:
    multi = {q.id for q in survey.questions if q.type == "multi"}
    items = []
    for number, response in enumerate(responses, start=1):
        # A question no longer in the survey keeps every value it was given.
        answers: dict[str, Any] = {
            q: (v if q in multi or len(v) > 1 else v[0]) for q, v in response.answers.items()
        }
        items.append(
            {
                "response": number,
                "survey_version": response.version,
                "month": response.month,
                "age_band": response.age_band,
                "channel": response.channel,
                "language": response.language,
                "completed": response.completed,
                "answers": answers,
            }
        )
    return {"slug": survey.slug, "responses": items}


def _write_csv(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows(rows)


def _write_xlsx(path: Path, rows: list[list[Any]], title: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31] or "responses"
    for row in rows:
        sheet.append(row)
    book.save(path)


async def export_survey(storage: Storage, survey: Survey, output: str | Path) -> int:
    """Write every response to `output`; returns how many were written."""
    destination = Path(output)
    suffix = destination.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(
            f"{destination}: unknown format; the file must end in .csv, .xlsx or .json"
        )
    if not destination.parent.exists():
        raise ExportError(f"{destination.parent}: no such folder")
    responses = await storage.export_responses(survey.slug)
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=suffix, dir=destination.parent)
    os.close(handle)
    scratch = Path(temporary)
    try:
        if suffix == ".json":
            scratch.write_text(json.dumps(_json(survey, responses), ensure_ascii=False, indent=2))
        elif suffix == ".csv":
            _write_csv(scratch, _table(survey, responses))
        else:
            _write_xlsx(scratch, _table(survey, responses), survey.slug)
        os.replace(scratch, destination)
    finally:
        if scratch.exists():
            scratch.unlink()
    return len(responses)
