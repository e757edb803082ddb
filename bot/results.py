"""Results of a survey as the coordinator sees them: counts with small numbers suppressed.

`build_results` gives the JSON shape promised in INTERFACE.md; table and CSV are drawn
from the same object, so every format shows exactly the same (suppressed) numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


class _Answers:
    """The answers a question can have had: its options now, and those of older versions.

    A changed survey keeps the answers given under its older versions, so an option since
    removed is still counted (under its old label). Values that were never an option (free
    text, when a text question became a choice question) are not counted.
    """

    def __init__(self, survey: Survey, question: Question, older: Sequence[Survey]):
        self.labels = _labels(survey, question)
        for old in older:  # newest first, so the latest wording of an option wins
            try:
                before = old.question(question.id)
            except KeyError:
                continue
            if before.type == "text":
                continue
            for value, label in _labels(old, before).items():
                self.labels.setdefault(value, label)
        self.current = list(question.possible_values())

    def values(self, seen: Iterable[str]) -> list[str]:
        """The current answers, then any older ones actually given."""
        seen = set(seen)
        extra = [v for v in self.labels if v not in self.current and v in seen]
        return self.current + extra


async def build_results(
    storage: Storage,
    survey: Survey,
    *,
    min_count: int = 5,
    by: str | None = None,
    older: Sequence[Survey] = (),
) -> dict[str, Any]:
    """Suppressed counts for `survey` (its current version); `older` are its earlier
    versions, newest first, whose answers are counted too."""
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
            # No counts to add up to `answered`: only the number who answered is shown.
            hidden = suppress_question({}, given, min_count, additive=False)
            entry.update(answered=hidden.answered, counts={}, labels={})
        else:
            known = _Answers(survey, question, older)
            found = counts.get(question.id, {})
            values = {v: found.get(v, 0) for v in known.values(found)}
            if question.type == "multi":
                hidden = suppress_question(values, given, min_count, additive=False)
            else:
                # One answer each, so `answered` is the sum (values that were never an
                # option are left out of both).
                hidden = suppress_question(values, sum(values.values()), min_count)
            entry.update(answered=hidden.answered, counts=dict(hidden.counts))
            entry["labels"] = known.labels
        questions.append(entry)
    result: dict[str, Any] = {
        "slug": survey.slug,
        "responses": totals.responses,
        "completed": totals.completed,
        "questions": questions,
    }
    if by_question is not None:
        by_answers = _Answers(survey, by_question, older)
        result["by"] = by_question.id
        result["by_labels"] = by_answers.labels
        enough = totals.responses >= min_count
        cols: list[str] = []
        if enough:
            cols = by_answers.values(counts.get(by_question.id, {}))
            result["by_labels"] = {c: by_answers.labels[c] for c in cols}
        for entry, question in zip(questions, survey.questions, strict=True):
            if question.type == "text" or question.id == by_question.id:
                continue
            entry["breakdown"] = (
                await _breakdown(storage, survey, question, by_question, cols, min_count, older)
                if enough
                else None
            )
    return result


async def _breakdown(
    storage: Storage,
    survey: Survey,
    question: Question,
    by: Question,
    cols: list[str],
    min_count: int,
    older: Sequence[Survey],
) -> dict[str, Any]:
    found = await storage.breakdown_counts(survey.slug, question.id, by.id)
    rows = _Answers(survey, question, older).values(r for r, _ in found)
    full = {(r, c): found.get((r, c), 0) for r in rows for c in cols}
    if question.type == "multi":
        # Those in each column who answered: the cells count ticks, not people.
        answered = await storage.breakdown_answered(survey.slug, question.id, by.id)
        col_totals = {c: max([answered.get(c, 0), *(full[(r, c)] for r in rows)]) for c in cols}
        table = suppress_table(full, rows, cols, min_count, additive=False, col_totals=col_totals)
    else:
        table = suppress_table(full, rows, cols, min_count)
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
