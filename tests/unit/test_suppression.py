"""Small-number suppression: no count 1-4 is shown, and none can be worked out from the totals.

The check here does not trust the module's own graph reasoning: it writes down every equation a
reader has (each row and each column, totals included, adds up) with the published cells moved to
the known side, and asks linear algebra whether any withheld cell is fixed by them (a unit vector
in the row space of the equations over the withheld cells).
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from centre_desk.domain.suppression import HIDDEN, SMALL, CrossTab, PublishedTable, publish, publish_linked


def _rank(rows: list[list[Fraction]]) -> int:
    m = [r[:] for r in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        pivot = next((i for i in range(rank, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][c] != 0:
                f = m[i][c] / m[rank][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def determined_cells(p: PublishedTable) -> list[tuple[int, int]]:
    """Withheld cells whose value follows from the row and column sums and differences."""
    n_rows, n_cols = len(p.values), len(p.values[0])
    unknown = sorted(p.withheld)
    index = {cell: i for i, cell in enumerate(unknown)}
    equations: list[list[Fraction]] = []
    # Row r: inner cells minus its total = 0; column c likewise (the total row/column included).
    for r in range(n_rows):
        eq = [Fraction(0)] * len(unknown)
        for c in range(n_cols):
            if (r, c) in index:
                eq[index[r, c]] += 1 if c < n_cols - 1 else -1
        equations.append(eq)
    for c in range(n_cols):
        eq = [Fraction(0)] * len(unknown)
        for r in range(n_rows):
            if (r, c) in index:
                eq[index[r, c]] += 1 if r < n_rows - 1 else -1
        equations.append(eq)
    base = _rank(equations)
    found = []
    for cell, i in index.items():
        unit = [Fraction(int(j == i)) for j in range(len(unknown))]
        if _rank([*equations, unit]) == base:
            found.append(cell)
    return found


def shown_small(p: PublishedTable) -> list[str]:
    return [cell for line in p.lines() for cell in line[1:] if cell not in (SMALL, HIDDEN) and 1 <= int(cell) <= 4]


def random_table(rng: random.Random, rows: int, cols: int, small_share: float) -> CrossTab:
    def count() -> int:
        roll = rng.random()
        return rng.randint(1, 4) if roll < small_share else 0 if roll < small_share + 0.1 else rng.randint(5, 400)

    return CrossTab("t", "row", tuple(f"r{i}" for i in range(rows)), tuple(f"c{j}" for j in range(cols)),
                    tuple(tuple(count() for _ in range(cols)) for _ in range(rows)))


@pytest.mark.parametrize("seed", range(150))
def test_no_small_count_is_shown_or_recoverable_from_sums(seed: int) -> None:
    rng = random.Random(seed)
    table = random_table(rng, rng.randint(1, 9), rng.randint(1, 6), rng.choice((0.05, 0.2, 0.5)))
    p = publish(table)
    assert shown_small(p) == []
    assert determined_cells(p) == []
    # Published cells are the true counts.
    for r, line in enumerate(p.lines()):
        for c, cell in enumerate(line[1:]):
            if cell not in (SMALL, HIDDEN):
                assert int(cell) == p.values[r][c]


def test_a_lone_small_cell_takes_a_second_cell_in_its_row_and_column() -> None:
    p = publish(CrossTab("t", "group", ("A", "B", "C"), ("x", "y"), ((3, 40), (50, 60), (70, 80))))
    assert p.text(0, 0) == SMALL
    assert determined_cells(p) == []
    # The smallest helpers are chosen: (1, 0) in its column, (0, 1) in its row, and (1, 1) to close.
    assert p.hidden == {(0, 1), (1, 0), (1, 1)}
    assert p.text(2, 0) == "70" and p.text(3, 2) == str(3 + 40 + 50 + 60 + 70 + 80)


def test_a_table_without_small_counts_is_published_whole() -> None:
    p = publish(CrossTab("t", "group", ("A", "B"), ("x", "y"), ((10, 0), (7, 25))))
    assert p.withheld == frozenset()
    assert p.lines() == [["A", "10", "0", "10"], ["B", "7", "25", "32"], ["Total", "17", "25", "42"]]


def test_linked_tables_withhold_the_same_totals() -> None:
    a = CrossTab("a", "eth", ("E1", "E2"), ("x", "y"), ((2, 30), (10, 40)))  # totals row: 12, 70
    b = CrossTab("b", "district", ("D1", "D2"), ("x", "y"), ((6, 35), (6, 35)))
    pa, pb = publish_linked([a, b])
    assert pa.values[-1] == pb.values[-1]
    total_a = {c for r, c in pa.withheld if r == 2}
    total_b = {c for r, c in pb.withheld if r == 2}
    assert total_a == total_b
    assert determined_cells(pa) == [] and determined_cells(pb) == []
