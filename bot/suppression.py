"""Small-number suppression for published results.

A count from 1 to N-1 is hidden (primary suppression); then further numbers are hidden
(secondary suppression) until no hidden count can be worked out from the numbers and totals
that are shown. Zero is shown: it is not a small number of people. Pure: no I/O.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_MIN_COUNT = 5

Entry = tuple[int, int]  # (row, col) in a table bordered by its totals
Node = tuple[str, int]  # ("r", i) or ("c", j): a line of the bordered table
Cost = tuple[int, int, int]


@dataclass(frozen=True)
class SuppressedCounts:
    """One question's counts as published; None marks a suppressed number."""

    answered: int | None
    counts: dict[str, int | None]


@dataclass(frozen=True)
class SuppressedTable:
    """A breakdown as published: rows are the counted question's values, cols the "by" options."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: dict[tuple[str, str], int | None]
    row_totals: dict[str, int | None]
    col_totals: dict[str, int | None]
    total: int | None


def breakdown_allowed(responses: int, min_count: int = DEFAULT_MIN_COUNT) -> bool:
    """Whether there are enough responses in all to show any breakdown."""
    return responses >= min_count


def is_small(value: int, min_count: int = DEFAULT_MIN_COUNT) -> bool:
    """A count from 1 to min_count - 1: few enough people that they might be identified."""
    return 1 <= value < min_count


def suppress_question(
    counts: Mapping[str, int],
    answered: int,
    min_count: int = DEFAULT_MIN_COUNT,
    *,
    additive: bool = True,
) -> SuppressedCounts:
    """Suppress one question's counts.

    additive: each respondent gave exactly one value, so sum(counts) == answered.
    Otherwise ("tick all that apply") counts[o] <= answered, and answered - counts[o]
    (those who did not tick o) is a count too.
    """
    _check_min_count(min_count)
    keys = list(counts)
    values = [counts[k] for k in keys]
    _check_non_negative([*values, answered])
    if additive:
        if sum(values) != answered:
            raise ValueError(f"counts sum to {sum(values)} but answered is {answered}")
        hidden, answered_hidden = _protect_sum(
            values,
            answered,
            min_count,
            can_rise=[True] * len(values),
            can_fall=[v >= 1 for v in values],
        )
    else:
        if any(v > answered for v in values):
            raise ValueError("a multi option was ticked by more people than answered")
        # Each option is its own pair (ticked, not ticked) summing to answered; no other
        # equation links the options, so hiding the pair's shown half is enough.
        hidden = {i for i, v in enumerate(values) if _pair_small(v, answered, min_count)}
        answered_hidden = is_small(answered, min_count)
    return SuppressedCounts(
        answered=None if answered_hidden else answered,
        counts={k: None if i in hidden else values[i] for i, k in enumerate(keys)},
    )


def suppress_table(
    cells: Mapping[tuple[str, str], int],
    rows: Sequence[str],
    cols: Sequence[str],
    min_count: int = DEFAULT_MIN_COUNT,
    *,
    additive: bool = True,
    col_totals: Mapping[str, int] | None = None,
) -> SuppressedTable:
    """Suppress a breakdown of `rows` (the counted question) by `cols` (a single-answer question).

    Missing cells count as 0. additive: each person is in one row and one column, so row
    and column totals are the sums of the cells. additive=False (a multi question's options
    as rows): row totals are still sums, but column c's total is how many people in c
    answered the multi question, which the cells cannot give, so pass it as `col_totals`.
    """
    _check_min_count(min_count)
    rows, cols = tuple(rows), tuple(cols)
    unknown = set(cells) - set(itertools.product(rows, cols))
    if unknown:
        raise ValueError(f"cells outside rows x cols: {sorted(unknown)}")
    grid = [[cells.get((r, c), 0) for c in cols] for r in rows]
    _check_non_negative([v for line in grid for v in line])
    row_sums = [sum(line) for line in grid]
    if additive:
        col_sums = [sum(grid[i][j] for i in range(len(rows))) for j in range(len(cols))]
        if col_totals is not None and [col_totals[c] for c in cols] != col_sums:
            raise ValueError("col_totals do not match the cells of an additive table")
        hidden = _protect_network(grid, row_sums, col_sums, min_count)
    else:
        if col_totals is None:
            raise ValueError("a table of multi rows needs col_totals")
        col_sums = [col_totals[c] for c in cols]
        _check_non_negative(col_sums)
        if any(grid[i][j] > col_sums[j] for i in range(len(rows)) for j in range(len(cols))):
            raise ValueError("a cell is larger than its column total")
        hidden = _protect_multi_rows(grid, row_sums, col_sums, min_count)

    m, n = len(rows), len(cols)
    total = sum(col_sums)
    return SuppressedTable(
        rows=rows,
        cols=cols,
        cells={
            (r, c): None if (i, j) in hidden else grid[i][j]
            for i, r in enumerate(rows)
            for j, c in enumerate(cols)
        },
        row_totals={r: None if (i, n) in hidden else row_sums[i] for i, r in enumerate(rows)},
        col_totals={c: None if (m, j) in hidden else col_sums[j] for j, c in enumerate(cols)},
        total=None if (m, n) in hidden else total,
    )


def _check_min_count(min_count: int) -> None:
    if min_count < 1:
        raise ValueError("min_count must be at least 1")


def _check_non_negative(values: Sequence[int]) -> None:
    if any(v < 0 for v in values):
        raise ValueError("counts cannot be negative")


def _pair_small(part: int, whole: int, min_count: int) -> bool:
    # A shown 0 with a small complement is safe: the complement is then the whole, which is
    # itself small and hidden.
    return part >= 1 and (is_small(part, min_count) or is_small(whole - part, min_count))


def _protect_sum(
    parts: Sequence[int],
    total: int,
    min_count: int,
    *,
    can_rise: Sequence[bool],
    can_fall: Sequence[bool],
    primary: set[int] | None = None,
    total_primary: bool | None = None,
) -> tuple[set[int], bool]:
    """Hide parts of one equation sum(parts) == total; return (hidden parts, total hidden).

    A hidden number stays unknown while some move keeps every shown number and every bound:
    with the total shown, one hidden part up and another down; with it hidden, a part and
    the total together. can_rise/can_fall say whether a part may move by one without
    breaking a bound (a count below 0, or a cell above its column total).
    """
    if primary is None:
        primary = {i for i, v in enumerate(parts) if is_small(v, min_count)}
    if total_primary is None:
        total_primary = is_small(total, min_count)
    hidden = set(primary)
    total_hidden = total_primary

    def swappable(i: int, j: int) -> bool:
        return (can_fall[i] and can_rise[j]) or (can_rise[i] and can_fall[j])

    def cost(j: int) -> tuple[bool, int, int]:
        # Prefer small non-zero parts: a hidden 0 that can only rise protects less.
        return (parts[j] == 0, parts[j], j)

    for i in sorted(primary):
        if total_hidden or any(j != i and swappable(i, j) for j in hidden):
            continue
        candidates = [j for j in range(len(parts)) if j not in hidden and swappable(i, j)]
        if candidates:
            hidden.add(min(candidates, key=cost))
        else:
            total_hidden = True
    if total_primary and not any(can_rise[j] or can_fall[j] for j in hidden):
        # A hidden total with every part shown is their sum.
        movable = [j for j in range(len(parts)) if can_rise[j] or can_fall[j]]
        if movable:
            hidden.add(min(movable, key=cost))
    return hidden, total_hidden


def _protect_multi_rows(
    grid: list[list[int]], row_sums: list[int], col_sums: list[int], min_count: int
) -> set[Entry]:
    """Hidden positions for a table whose rows are a multi question's options.

    Positions as in _protect_network. Row r obeys sum(cells) == row total; the column
    totals obey sum == grand total; cell (r, c) pairs with col_total[c] - cell, and a row
    total with grand total - row total. Each equation is protected on its own, holding the
    other numbers at their true values, which only gives the reader more than is shown.
    """
    m, n = len(grid), len(col_sums)
    total = sum(col_sums)
    hidden: set[Entry] = set()

    # A column total can fall by one only if no row was ticked by everyone in that column.
    col_can_fall = [
        k >= 1 and all(grid[i][j] < k for i in range(m)) for j, k in enumerate(col_sums)
    ]
    cols_hidden, total_hidden = _protect_sum(
        col_sums, total, min_count, can_rise=[True] * n, can_fall=col_can_fall
    )
    hidden.update((m, j) for j in cols_hidden)
    if total_hidden:
        hidden.add((m, n))

    for i, line in enumerate(grid):
        cells_hidden, row_hidden = _protect_sum(
            line,
            row_sums[i],
            min_count,
            can_rise=[v < k for v, k in zip(line, col_sums, strict=True)],
            can_fall=[v >= 1 for v in line],
            primary={j for j, v in enumerate(line) if _pair_small(v, col_sums[j], min_count)},
            total_primary=_pair_small(row_sums[i], total, min_count),
        )
        hidden.update((i, j) for j in cells_hidden)
        if row_hidden:
            hidden.add((i, n))
    return hidden


def _protect_network(
    grid: list[list[int]], row_sums: list[int], col_sums: list[int], min_count: int
) -> set[Entry]:
    """Hidden positions for an additive table, as (row, col) in the table bordered by totals.

    Position (i, n) is row i's total, (m, j) column j's, (m, n) the grand total.
    """
    table = _BorderedTable(grid, row_sums, col_sums, min_count)
    primary = frozenset(e for e, v in table.value.items() if is_small(v, min_count))
    hidden = set(primary)
    # Totals first: a hidden row total can only be protected by hiding another number on the
    # border (a row total or the grand total), and the cycle through it often passes the
    # small cells of its row, protecting them for free.
    for e in sorted(primary, key=lambda e: (not table.is_total(e), e)):
        if not table.protected(e, hidden):
            hidden.update(table.cheapest_cycle(e, hidden))
    # Cycles chosen one at a time can overlap; give back what the final pattern does not need.
    for e in sorted(hidden - primary, key=table.cost, reverse=True):
        trial = hidden - {e}
        if all(table.protected(p, trial) for p in primary):
            hidden = trial
    return hidden


class _BorderedTable:
    """An additive table with its totals as a bipartite graph.

    With the totals negated, every line of the bordered table sums to zero, so its numbers
    are edges between its m + 1 row lines and n + 1 column lines. A hidden number can change
    while every shown one stays put exactly when it lies on a cycle of hidden edges, walked
    row-to-column where the number rises and column-to-row where it falls, with nothing
    falling below zero (any difference between two solutions splits into such cycles).
    """

    def __init__(
        self, grid: list[list[int]], row_sums: list[int], col_sums: list[int], min_count: int
    ) -> None:
        self.m, self.n = m, n = len(grid), len(col_sums)
        self.min_count = min_count
        self.value: dict[Entry, int] = {(i, j): grid[i][j] for i in range(m) for j in range(n)}
        self.value |= {(i, n): row_sums[i] for i in range(m)}
        self.value |= {(m, j): col_sums[j] for j in range(n)}
        self.value[(m, n)] = sum(row_sums)

    def is_total(self, e: Entry) -> bool:
        return e[0] == self.m or e[1] == self.n

    def _negated(self, e: Entry) -> bool:
        return self.is_total(e) and e != (self.m, self.n)

    # Walking row-to-column adds one to the bordered entry, so a negated total falls.
    def _can_up(self, e: Entry) -> bool:
        return not self._negated(e) or self.value[e] >= 1

    def _can_down(self, e: Entry) -> bool:
        return self._negated(e) or self.value[e] >= 1

    def cost(self, e: Entry) -> Cost:
        # Totals last (hide them only when nothing else will do), then zeros, then the fewest
        # people, with each extra cell counted as min_count people so a cycle of two big
        # cells beats one of three slightly smaller ones.
        v = self.value[e]
        return (int(self.is_total(e)), int(v == 0), v + self.min_count)

    def _arcs(self, node: Node, skip: Entry) -> list[tuple[Node, Entry]]:
        side, k = node
        if side == "r":
            entries = [(k, j) for j in range(self.n + 1)]
            return [(("c", e[1]), e) for e in entries if e != skip and self._can_up(e)]
        entries = [(i, k) for i in range(self.m + 1)]
        return [(("r", e[0]), e) for e in entries if e != skip and self._can_down(e)]

    def _ends(self, e: Entry) -> list[tuple[Node, Node]]:
        """Where a path must run to close a cycle through e: rising, back from its column to
        its row; falling, from its row to its column."""
        row, col = ("r", e[0]), ("c", e[1])
        ends = []
        if self._can_up(e):
            ends.append((col, row))
        if self._can_down(e):
            ends.append((row, col))
        return ends

    def protected(self, e: Entry, hidden: set[Entry]) -> bool:
        return any(self._reachable(a, b, e, hidden) for a, b in self._ends(e))

    def _reachable(self, start: Node, goal: Node, skip: Entry, hidden: set[Entry]) -> bool:
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            for nxt, e in self._arcs(node, skip):
                if e in hidden and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    def cheapest_cycle(self, e: Entry, hidden: set[Entry]) -> list[Entry]:
        """The entries to hide, fewest and cheapest first, so that e lies on a cycle."""
        found = [p for a, b in self._ends(e) if (p := self._cheapest_path(a, b, e, hidden))]
        # A count of 1 or more always has one: the totals close a cycle through it.
        return min(found)[1] if found else []

    def _cheapest_path(
        self, start: Node, goal: Node, skip: Entry, hidden: set[Entry]
    ) -> tuple[Cost, list[Entry]] | None:
        zero: Cost = (0, 0, 0)
        best: dict[Node, Cost] = {start: zero}
        came: dict[Node, tuple[Node, Entry]] = {}
        tie = itertools.count()
        queue: list[tuple[Cost, int, Node]] = [(zero, next(tie), start)]
        while queue:
            dist, _, node = heapq.heappop(queue)
            if dist != best[node]:
                continue
            if node == goal:
                path = []
                while node != start:
                    node, e = came[node]
                    path.append(e)
                return dist, path
            for nxt, e in self._arcs(node, skip):
                step = zero if e in hidden else self.cost(e)
                new = (dist[0] + step[0], dist[1] + step[1], dist[2] + step[2])
                if nxt not in best or new < best[nxt]:
                    best[nxt] = new
                    came[nxt] = (node, e)
                    heapq.heappush(queue, (new, next(tie), nxt))
        return None
