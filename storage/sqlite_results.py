"""The results' SQL for SqliteStorage: counts per answer, breakdowns and the export.

Only counts leave here (and, for the export, one row per response with no identifiers);
small-number suppression is applied above, in bot/suppression.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from storage.records import ExportedResponse, ResponseTotals


class _Runs(Protocol):
    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...
    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Any: ...


class ResultsQueries:
    """Mixed into SqliteStorage, whose connection it uses."""

    async def response_totals(self: _Runs, slug: str) -> ResponseTotals:
        row = await self._one(
            "SELECT count(*), coalesce(sum(completed), 0) FROM responses r WHERE r.slug = ?"
            " AND EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id)",
            (slug,),
        )
        return ResponseTotals(int(row[0]), int(row[1]))

    async def answer_counts(self: _Runs, slug: str) -> Mapping[str, Mapping[str, int]]:
        # Kept as answers are written (migration 013), not grouped here.
        rows = await self._all(
            "SELECT question_id, value, count FROM answer_tallies WHERE slug = ? AND count > 0",
            (slug,),
        )
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for question_id, value, count in rows:
            counts[question_id][value] = int(count)
        return counts

    async def answered_counts(self: _Runs, slug: str) -> Mapping[str, int]:
        rows = await self._all(
            "SELECT question_id, answered FROM question_tallies WHERE slug = ? AND answered > 0",
            (slug,),
        )
        return {question_id: int(count) for question_id, count in rows}

    async def breakdown_counts(
        self: _Runs, slug: str, question_id: str, by_question_id: str
    ) -> Mapping[tuple[str, str], int]:
        rows = await self._all(
            "SELECT a.value, b.value, count(*) FROM answers a"
            " JOIN answers b ON b.response_id = a.response_id AND b.question_id = ?"
            " JOIN responses r ON r.id = a.response_id"
            " WHERE r.slug = ? AND a.question_id = ? GROUP BY a.value, b.value",
            (by_question_id, slug, question_id),
        )
        return {(value, by_value): int(count) for value, by_value, count in rows}

    async def breakdown_answered(
        self: _Runs, slug: str, question_id: str, by_question_id: str
    ) -> Mapping[str, int]:
        rows = await self._all(
            "SELECT b.value, count(DISTINCT a.response_id) FROM answers a"
            " JOIN answers b ON b.response_id = a.response_id AND b.question_id = ?"
            " JOIN responses r ON r.id = a.response_id"
            " WHERE r.slug = ? AND a.question_id = ? GROUP BY b.value",
            (by_question_id, slug, question_id),
        )
        return {by_value: int(count) for by_value, count in rows}

    async def export_responses(self: _Runs, slug: str) -> list[ExportedResponse]:
        responses = await self._all(
            "SELECT id, version, month, age_band, channel, language, completed FROM responses"
            " WHERE slug = ? ORDER BY month, id",
            (slug,),
        )
        answers: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        rows = await self._all(
            "SELECT a.response_id, a.question_id, a.value FROM answers a"
            " JOIN responses r ON r.id = a.response_id WHERE r.slug = ?",
            (slug,),
        )
        for response_id, question_id, value in rows:
            answers[response_id][question_id].append(value)
        return [
            ExportedResponse(
                r[0],
                int(r[1]),
                r[2],
                r[3],
                r[4],
                r[5],
                bool(r[6]),
                {q: sorted(v) for q, v in answers[r[0]].items()},
            )
            for r in responses
            if r[0] in answers
        ]
