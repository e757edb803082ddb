"""Small-number suppression: worked examples, and an attacker's exhaustive search.

The property tests play the reader who wants a hidden count back: every non-negative
integer assignment to the hidden numbers that reproduces everything shown is a possible
truth. A count from 1 to N-1 is protected only if it takes at least two values across them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.suppression import (
    SuppressedCounts,
    SuppressedTable,
    breakdown_allowed,
    suppress_question,
    suppress_table,
)

# --- worked examples ---------------------------------------------------------------------


def test_one_small_count_hides_the_next_smallest_too() -> None:
    result = suppress_question({"a": 12, "b": 3, "c": 7}, answered=22)
    assert result == SuppressedCounts(answered=22, counts={"a": 12, "b": None, "c": None})


def test_all_large_counts_are_shown() -> None:
    result = suppress_question({"a": 12, "b": 8, "c": 5}, answered=25)
    assert result == SuppressedCounts(answered=25, counts={"a": 12, "b": 8, "c": 5})


def test_few_answers_hide_answered_and_every_non_zero_count() -> None:
    result = suppress_question({"a": 2, "b": 1, "c": 0}, answered=3)
    assert result == SuppressedCounts(answered=None, counts={"a": None, "b": None, "c": 0})


def test_zeros_are_shown_and_keep_their_order() -> None:
    result = suppress_question({"5": 0, "4": 9, "3": 0, "2": 11, "1": 0}, answered=20)
    assert list(result.counts) == ["5", "4", "3", "2", "1"]
    assert result.counts == {"5": 0, "4": 9, "3": 0, "2": 11, "1": 0}


def test_two_small_counts_protect_each_other() -> None:
    result = suppress_question({"a": 20, "b": 3, "c": 2}, answered=25)
    assert result.counts == {"a": 20, "b": None, "c": None}


def test_secondary_prefers_a_non_zero_count_over_a_zero() -> None:
    result = suppress_question({"a": 0, "b": 3, "c": 30}, answered=33)
    assert result.counts == {"a": 0, "b": None, "c": None}


def test_min_count_is_configurable() -> None:
    counts = {"a": 12, "b": 3, "c": 7}
    assert suppress_question(counts, 22, min_count=3).counts == counts
    assert suppress_question(counts, 22, min_count=10).counts == {"a": 12, "b": None, "c": None}


def test_multi_hides_an_option_nearly_everyone_ticked() -> None:
    result = suppress_question({"swings": 18, "slide": 10, "none": 0}, 20, additive=False)
    assert result == SuppressedCounts(answered=20, counts={"swings": None, "slide": 10, "none": 0})


def test_multi_hides_small_options_without_secondary_suppression() -> None:
    result = suppress_question({"a": 2, "b": 12, "c": 20}, 20, additive=False)
    assert result.counts == {"a": None, "b": 12, "c": 20}


def test_multi_with_few_answers() -> None:
    result = suppress_question({"a": 3, "b": 0, "c": 1}, 3, additive=False)
    assert result == SuppressedCounts(answered=None, counts={"a": None, "b": 0, "c": None})


def test_breakdown_needs_min_count_responses() -> None:
    assert not breakdown_allowed(4)
    assert breakdown_allowed(5)
    assert not breakdown_allowed(0, min_count=1)
    assert breakdown_allowed(2, min_count=2)


@pytest.mark.parametrize(
    ("counts", "answered", "additive"),
    [
        ({"a": 3, "b": 4}, 8, True),
        ({"a": -1, "b": 4}, 3, True),
        ({"a": 9}, 8, False),
    ],
)
def test_inconsistent_counts_are_refused(
    counts: dict[str, int], answered: int, additive: bool
) -> None:
    with pytest.raises(ValueError):
        suppress_question(counts, answered, additive=additive)


def test_min_count_must_be_positive() -> None:
    with pytest.raises(ValueError):
        suppress_question({"a": 3}, 3, min_count=0)


def test_realistic_table_shows_most_numbers() -> None:
    values = {
        "1": [12, 9, 3],
        "2": [20, 15, 11],
        "3": [30, 25, 18],
        "4": [22, 19, 2],
        "5": [14, 10, 8],
    }
    cols = ["north", "south", "city"]
    cells = {(r, c): v for r, line in values.items() for c, v in zip(cols, line, strict=True)}
    table = suppress_table(cells, list(values), cols)
    hidden = {k for k, v in table.cells.items() if v is None}
    assert hidden == {("1", "city"), ("4", "city"), ("1", "south"), ("4", "south")}
    assert None not in table.row_totals.values()
    assert table.col_totals == {"north": 98, "south": 78, "city": 42}
    assert table.total == 218


def test_table_keeps_labels_and_treats_missing_cells_as_zero() -> None:
    table = suppress_table(
        {("yes", "north"): 10, ("no", "south"): 7}, ["yes", "no"], ["north", "south"]
    )
    assert table == SuppressedTable(
        rows=("yes", "no"),
        cols=("north", "south"),
        cells={("yes", "north"): 10, ("yes", "south"): 0, ("no", "north"): 0, ("no", "south"): 7},
        row_totals={"yes": 10, "no": 7},
        col_totals={"north": 10, "south": 7},
        total=17,
    )


def test_a_small_row_total_is_not_left_to_subtraction() -> None:
    # Row "b" totals 3: hidden, and since T minus the other row totals would give it back,
    # another row total or the grand total must go too.
    cells = {("a", "x"): 10, ("a", "y"): 12, ("b", "x"): 3, ("b", "y"): 0, ("c", "x"): 8}
    cells |= {("c", "y"): 9}
    table = suppress_table(cells, ["a", "b", "c"], ["x", "y"])
    assert table.row_totals["b"] is None
    assert table.cells[("b", "x")] is None
    assert table.cells[("b", "y")] == 0
    assert [table.row_totals["a"], table.row_totals["c"], table.total].count(None) >= 1


def test_multi_table_needs_column_totals() -> None:
    with pytest.raises(ValueError):
        suppress_table({("a", "x"): 3}, ["a"], ["x"], additive=False)
    with pytest.raises(ValueError):
        suppress_table({("a", "x"): 9}, ["a"], ["x"], additive=False, col_totals={"x": 8})


def test_multi_table_pairs_each_cell_with_its_column_total() -> None:
    cells = {("swings", "north"): 18, ("swings", "south"): 9, ("slide", "north"): 10}
    cells |= {("slide", "south"): 11}
    table = suppress_table(
        cells,
        ["swings", "slide"],
        ["north", "south"],
        additive=False,
        col_totals={"north": 20, "south": 20},
    )
    # 2 people in the north did not pick swings; the row total 27 would give 18 back.
    assert table.cells[("swings", "north")] is None
    assert table.cells[("swings", "south")] is None
    assert table.cells[("slide", "north")] == 10
    assert table.row_totals == {"swings": 27, "slide": 21}
    assert table.cells[("slide", "south")] == 11
    assert table.col_totals == {"north": 20, "south": 20}
    assert table.total == 40


def test_cells_outside_the_table_are_refused() -> None:
    with pytest.raises(ValueError):
        suppress_table({("a", "z"): 3}, ["a"], ["x"])


# --- the attacker -------------------------------------------------------------------------


Equations = list[tuple[list[tuple[int, int]], int]]  # sum(coef * var) == const


@dataclass
class Model:
    """Integer unknowns with bounds, and equations sum(coef * var) == const, coef = +-1."""

    lo: list[int] = field(default_factory=list)
    hi: list[int] = field(default_factory=list)
    truth: list[int] = field(default_factory=list)
    equations: Equations = field(default_factory=list)

    def var(self, true_value: int, shown: int | None, bound: int, published: bool = True) -> int:
        """A quantity: fixed if shown, else anything in 0..bound."""
        if published and shown is not None:
            assert shown == true_value, "a shown number must be the true one"
            lo, hi = shown, shown
        else:
            lo, hi = 0, bound
        self.lo.append(lo)
        self.hi.append(hi)
        self.truth.append(true_value)
        return len(self.lo) - 1

    def equal(self, plus: list[int], minus: list[int]) -> None:
        self.equations.append(([(1, v) for v in plus] + [(-1, v) for v in minus], 0))


def _propagate(lo: list[int], hi: list[int], equations: Equations) -> bool:
    changed = True
    while changed:
        changed = False
        for terms, const in equations:
            low = sum(lo[v] if c > 0 else -hi[v] for c, v in terms)
            high = sum(hi[v] if c > 0 else -lo[v] for c, v in terms)
            if low > const or high < const:
                return False
            for c, v in terms:
                rest_low = low - (lo[v] if c > 0 else -hi[v])
                rest_high = high - (hi[v] if c > 0 else -lo[v])
                if c > 0:
                    new_lo, new_hi = const - rest_high, const - rest_low
                else:
                    new_lo, new_hi = rest_low - const, rest_high - const
                if new_lo > lo[v]:
                    lo[v], changed = new_lo, True
                if new_hi < hi[v]:
                    hi[v], changed = new_hi, True
                if lo[v] > hi[v]:
                    return False
    return True


def _feasible(lo: list[int], hi: list[int], equations: Equations) -> bool:
    """Whether any integer assignment within the bounds solves every equation.

    Exhaustive: bounds propagation only removes values no solution can take, and the
    search splits a domain in two until every unknown in an equation is fixed.
    """
    lo, hi = list(lo), list(hi)
    if not _propagate(lo, hi, equations):
        return False
    open_vars = {v for terms, _ in equations for _, v in terms if lo[v] < hi[v]}
    if not open_vars:
        return True
    v = min(open_vars, key=lambda v: (hi[v] - lo[v], v))
    mid = (lo[v] + hi[v]) // 2
    for part in ((lo[v], mid), (mid + 1, hi[v])):
        lo2, hi2 = list(lo), list(hi)
        lo2[v], hi2[v] = part
        if _feasible(lo2, hi2, equations):
            return True
    return False


def _linked(model: Model, v: int) -> Equations:
    """The equations joined to v through unknowns; the others hold at the truth anyway."""
    reached, todo, used = {v}, [v], set()
    while todo:
        u = todo.pop()
        for k, (terms, _) in enumerate(model.equations):
            if k in used or all(w != u for _, w in terms):
                continue
            used.add(k)
            for _, w in terms:
                if model.lo[w] < model.hi[w] and w not in reached:
                    reached.add(w)
                    todo.append(w)
    return [model.equations[k] for k in sorted(used)]


def _implied(model: Model) -> set[int]:
    """The unknowns that the equations alone pin down: those whose unit vector lies in the
    span of the equations (restricted to unknowns), found by exact row reduction.

    A quick, certain way to catch the usual failure; the search would get there too, but
    proving that no other value fits can take it a very long time.
    """
    unknowns = [w for w in range(len(model.lo)) if model.lo[w] < model.hi[w]]
    column = {w: k for k, w in enumerate(unknowns)}
    pivots: list[tuple[int, list[Fraction]]] = []
    for terms, _ in model.equations:
        row = [Fraction(0)] * len(unknowns)
        for c, w in terms:
            if w in column:
                row[column[w]] += c
        for col, prow in pivots:
            if row[col]:
                row = [a - row[col] * b for a, b in zip(row, prow, strict=True)]
        lead = next((k for k, a in enumerate(row) if a), None)
        if lead is None:
            continue
        row = [a / row[lead] for a in row]
        pivots = [
            (col, [a - prow[lead] * b for a, b in zip(prow, row, strict=True)])
            for col, prow in pivots
        ]
        pivots.append((lead, row))
    # Fully reduced: a unit vector is in the span exactly when some row is that unit vector.
    return {
        unknowns[col] for col, row in pivots if all(a == 0 for k, a in enumerate(row) if k != col)
    }


def assert_nothing_small_can_be_worked_out(model: Model, min_count: int) -> None:
    assert _feasible(model.lo, model.hi, model.equations), "the truth must be a solution"
    implied = _implied(model)
    for v, t in enumerate(model.truth):
        if not 1 <= t < min_count:
            continue
        assert model.lo[v] < model.hi[v], f"small number {t} is shown"
        assert v not in implied, f"small number {t} ({v}) is implied by the shown numbers"
        other_values = [(model.lo[v], t - 1), (t + 1, model.hi[v])]
        assert any(
            _feasible(
                [lo if i == v else x for i, x in enumerate(model.lo)],
                [hi if i == v else x for i, x in enumerate(model.hi)],
                _linked(model, v),
            )
            for lo, hi in other_values
            if lo <= hi
        ), f"small number {t} ({v}) can be worked out"


def _bound(total: int) -> int:
    # The reader knows every number is at most the grand total when it is shown, since
    # counts are non-negative; when it is hidden there is no bound, and searching only up to
    # one past the truth can only make a count look more exposed than it is.
    return total + 1


counts_1d = st.lists(st.integers(0, 15), min_size=2, max_size=6)
min_counts = st.integers(2, 6)


@settings(max_examples=500, deadline=None)
@given(values=counts_1d, min_count=min_counts)
def test_question_counts_cannot_be_worked_out(values: list[int], min_count: int) -> None:
    keys = [f"o{i}" for i in range(len(values))]
    answered = sum(values)
    result = suppress_question(dict(zip(keys, values, strict=True)), answered, min_count)
    assert list(result.counts) == keys
    model, b = Model(), _bound(answered)
    parts = [model.var(v, result.counts[k], b) for k, v in zip(keys, values, strict=True)]
    model.equal(parts, [model.var(answered, result.answered, b)])
    assert_nothing_small_can_be_worked_out(model, min_count)


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    answered=st.integers(0, 15),
    size=st.integers(2, 6),
    min_count=min_counts,
)
def test_multi_counts_cannot_be_worked_out(
    data: st.DataObject, answered: int, size: int, min_count: int
) -> None:
    values = data.draw(st.lists(st.integers(0, answered), min_size=size, max_size=size))
    keys = [f"o{i}" for i in range(size)]
    result = suppress_question(
        dict(zip(keys, values, strict=True)), answered, min_count, additive=False
    )
    model, b = Model(), _bound(answered)
    total = model.var(answered, result.answered, b)
    for k, v in zip(keys, values, strict=True):
        # Those who did not tick the option are a count too, never shown directly.
        not_ticked = model.var(answered - v, None, b, published=False)
        model.equal([model.var(v, result.counts[k], b), not_ticked], [total])
    assert_nothing_small_can_be_worked_out(model, min_count)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], int]:
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    # Plenty of zeros and small counts, so that suppression patterns are rich.
    value = st.one_of(st.just(0), st.integers(0, 6), st.integers(0, 15))
    grid = draw(st.lists(st.lists(value, min_size=n, max_size=n), min_size=m, max_size=m))
    return grid, draw(min_counts)


def _suppress(
    grid: list[list[int]], min_count: int, col_totals: list[int] | None = None
) -> SuppressedTable:
    rows = [f"r{i}" for i in range(len(grid))]
    cols = [f"c{j}" for j in range(len(grid[0]))]
    cells = {(r, c): grid[i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    if col_totals is None:
        return suppress_table(cells, rows, cols, min_count)
    totals = dict(zip(cols, col_totals, strict=True))
    return suppress_table(cells, rows, cols, min_count, additive=False, col_totals=totals)


@settings(max_examples=1000, deadline=None)
@given(case=tables())
def test_table_cells_cannot_be_worked_out(case: tuple[list[list[int]], int]) -> None:
    grid, min_count = case
    table = _suppress(grid, min_count)
    m, n = len(grid), len(grid[0])
    total = sum(map(sum, grid))
    model, b = Model(), _bound(total)
    x = [
        [model.var(grid[i][j], table.cells[(f"r{i}", f"c{j}")], b) for j in range(n)]
        for i in range(m)
    ]
    row_t = [model.var(sum(grid[i]), table.row_totals[f"r{i}"], b) for i in range(m)]
    col_t = [
        model.var(sum(grid[i][j] for i in range(m)), table.col_totals[f"c{j}"], b) for j in range(n)
    ]
    grand = model.var(total, table.total, b)
    for i in range(m):
        model.equal(x[i], [row_t[i]])
    for j in range(n):
        model.equal([x[i][j] for i in range(m)], [col_t[j]])
    model.equal(row_t, [grand])
    model.equal(col_t, [grand])
    assert_nothing_small_can_be_worked_out(model, min_count)


@st.composite
def multi_tables(draw: st.DrawFn) -> tuple[list[list[int]], list[int], int]:
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    col_totals = draw(st.lists(st.integers(0, 15), min_size=n, max_size=n))
    grid = [[draw(st.integers(0, k)) for k in col_totals] for _ in range(m)]
    return grid, col_totals, draw(min_counts)


@settings(max_examples=1000, deadline=None)
@given(case=multi_tables())
def test_multi_table_cells_cannot_be_worked_out(
    case: tuple[list[list[int]], list[int], int],
) -> None:
    grid, col_sums, min_count = case
    m, n = len(grid), len(col_sums)
    table = _suppress(grid, min_count, col_totals=col_sums)
    total = sum(col_sums)
    model, b = Model(), _bound(total)
    grand = model.var(total, table.total, b)
    col_t = [model.var(k, table.col_totals[f"c{j}"], b) for j, k in enumerate(col_sums)]
    model.equal(col_t, [grand])
    for i in range(m):
        x = [model.var(grid[i][j], table.cells[(f"r{i}", f"c{j}")], b) for j in range(n)]
        row = model.var(sum(grid[i]), table.row_totals[f"r{i}"], b)
        model.equal(x, [row])
        # Derivable counts of people who did not tick row i: in each column, and in all.
        not_row = model.var(total - sum(grid[i]), None, b, published=False)
        model.equal([row, not_row], [grand])
        for j in range(n):
            not_cell = model.var(col_sums[j] - grid[i][j], None, b, published=False)
            model.equal([x[j], not_cell], [col_t[j]])
    assert_nothing_small_can_be_worked_out(model, min_count)
