"""Results of a survey as the coordinator sees them: counts with small numbers suppressed.

`build_results` gives the JSON shape promised in INTERFACE.md; table and CSV are drawn
from the same object, so every format shows exactly the same (suppressed) numbers.
"""

from __future__ import annotations

from typing import Any

from bot.suppression import suppress_question, suppress_table
from conversations.survey import Question, Survey
from storage.protocol import Storage

BREAKDOWN_TYPES = ("choice", "yes_no", "scale")


class ResultsError(ValueError):
    pass


def _labels(survey: Survey, question: Question) -> dict[str, str]:
    language = survey.default_language
    if question.type in ("choice", "multi"):
        return {o.id: survey.local(o.label, language) for o in question.options}
    if question.type == "yes_no":
        return {"yes": "Yes", "no": "No"}
    labels = {value: value for value in question.possible_values()}
    if question.type == "scale":
        low, high = question.possible_values()[0], question.possible_values()[-1]
        if question.min_label:
            labels[low] = f"{low} ({survey.local(question.min_label, language)})"
        if question.max_label:
            labels[high] = f"{high} ({survey.local(question.max_label, language)})"
    return labels


async def build_results(
    storage: Storage, survey: Survey, *, min_count: int = 5, by: str | None = None
) -> dict[str, Any]:
    if min_count < 1:
        raise ResultsError("--min-count must be 1 or more")
    by_question = None
    if by is not None:
        try:
            by_question = survey.question(by)
        except KeyError:
            raise ResultsError(f"survey '{survey.slug}' has no question '{by}'") from None
        if by_question.type not in BREAKDOWN_TYPES:
            raise ResultsError(
                f"cannot break down by '{by}': it is a {by_question.type} question;"
                " choose a choice, yes/no or scale question"
            )
    totals = await storage.response_totals(survey.slug)
    counts = await storage.answer_counts(survey.slug)
    answered = await storage.answered_counts(survey.slug)
    questions = []
    for question in survey.questions:
        entry: dict[str, Any] = {"id": question.id, "type": question.type}
        given = answered.get(question.id, 0)
        if question.type == "text":
            hidden = suppress_question({}, given, min_count, additive=True)
            entry.update(answered=hidden.answered, counts={})
        else:
            values = {v: counts.get(question.id, {}).get(v, 0) for v in question.possible_values()}
            hidden = suppress_question(values, given, min_count, additive=question.type != "multi")
            entry.update(answered=hidden.answered, counts=dict(hidden.counts))
        entry["labels"] = _labels(survey, question)
        questions.append(entry)
    result: dict[str, Any] = {
        "slug": survey.slug,
        "responses": totals.responses,
        "completed": totals.completed,
        "questions": questions,
    }
    if by_question is not None:
        result["by"] = by_question.id
        result["by_labels"] = _labels(survey, by_question)
        enough = totals.responses >= min_count
        for entry, question in zip(questions, survey.questions, strict=True):
            if question.type == "text" or question.id == by_question.id:
                continue
            entry["breakdown"] = (
                await _breakdown(storage, survey, question, by_question, min_count)
                if enough
                else None
            )
    return result


async def _breakdown(
    storage: Storage, survey: Survey, question: Question, by: Question, min_count: int
) -> dict[str, Any]:
    cells = await storage.breakdown_counts(survey.slug, question.id, by.id)
    rows = question.possible_values()
    cols = by.possible_values()
    full = {(r, c): cells.get((r, c), 0) for r in rows for c in cols}
    table = suppress_table(full, rows, cols, min_count, additive=question.type != "multi")
    return {
        "counts": {r: {c: table.cells[(r, c)] for c in cols} for r in rows},
        "totals": dict(table.col_totals),
    }


def public_json(result: dict[str, Any]) -> dict[str, Any]:
    """The JSON promised by the interface (labels are for tables and CSV only)."""
    questions = []
    for entry in result["questions"]:
        item = {k: entry[k] for k in ("id", "type", "answered", "counts")}
        if "breakdown" in entry:
            item["by"] = entry["breakdown"]
        questions.append(item)
    shown = {k: result[k] for k in ("slug", "responses", "completed")}
    shown["questions"] = questions
    if "by" in result:
        shown["by_question"] = result["by"]
    return shown


def csv_rows(result: dict[str, Any]) -> list[list[str]]:
    def cell(value: int | None) -> str:
        return "" if value is None else str(value)

    by = result.get("by")
    header = ["question_id", "question_type", "answer", "label"]
    header += ["by_answer", "by_label", "count"] if by else ["count"]
    rows = [header]
    for entry in result["questions"]:
        base = [entry["id"], entry["type"]]
        rows.append([*base, "", "(answered)", *(["", ""] if by else []), cell(entry["answered"])])
        breakdown = entry.get("breakdown")
        for value, count in entry["counts"].items():
            label = entry["labels"].get(value, value)
            if by and breakdown:
                for by_value, by_count in breakdown["counts"][value].items():
                    by_label = result["by_labels"].get(by_value, by_value)
                    rows.append([*base, value, label, by_value, by_label, cell(by_count)])
            elif by:
                rows.append([*base, value, label, "", "", cell(count)])
            else:
                rows.append([*base, value, label, cell(count)])
    return rows
