"""Small-number suppression for published counts.

A reach table is published with its row totals, column totals and grand total. A count of 1 to 4
could identify a family ("the one Roma household in BS21"), so it is shown as ``<5`` (primary
suppression). Hiding it is not enough when the totals are printed too: a row total minus the
visible cells of that row gives the hidden cell back. So more cells are hidden (secondary
suppression, shown as ``*``) until no hidden cell can be worked out from the published numbers.

Why a graph: the published table is a grid whose rows and columns (margins included) each satisfy
"cells add up to the total". Put a node for every row and every column of the grid including its
total row and total column, and an edge for every hidden cell. The equations pin a hidden cell
down exactly when its edge is a *bridge* (on no cycle): a cycle of hidden cells can be changed by
+1, -1, +1, ... around it without changing any total. So hiding stops when the hidden cells have
no bridge, and each round adds the cell that closes a cycle through a bridge, smallest first, so
as little as possible is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SMALL_MAX = 4  # counts 1..4 are hidden
SMALL = "<5"
HIDDEN = "*"  # hidden so that a <5 cell cannot be recovered from totals
TOTAL = "Total"

Cell = tuple[int, int]


@dataclass(frozen=True)
class CrossTab:
    """Counts by two things (rows by columns); totals are added when it is published."""

    title: str
    row_heading: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # one tuple per row, one count per column

    def grid(self) -> list[list[int]]:
        """The inner counts with a total column on the right and a total row at the bottom."""
        body = [[*row, sum(row)] for row in self.counts]
        totals = [sum(r[c] for r in body) for c in range(len(self.columns) + 1)]
        return [*body, totals]


@dataclass(frozen=True)
class PublishedTable:
    table: CrossTab
    values: tuple[tuple[int, ...], ...]  # the grid, totals included
    small: frozenset[Cell]  # primary: counts 1..4
    hidden: frozenset[Cell]  # secondary

    @property
    def withheld(self) -> frozenset[Cell]:
        return self.small | self.hidden

    def text(self, r: int, c: int) -> str:
        if (r, c) in self.small:
            return SMALL
        if (r, c) in self.hidden:
            return HIDDEN
        return str(self.values[r][c])

    def header(self) -> list[str]:
        return [self.table.row_heading, *self.table.columns, TOTAL]

    def lines(self) -> list[list[str]]:
        """Row label then cells, the total row last."""
        labels = [*self.table.rows, TOTAL]
        return [[labels[r], *(self.text(r, c) for c in range(len(self.values[r])))]
                for r in range(len(self.values))]


def recoverable(withheld: Iterable[Cell]) -> set[Cell]:
    """The withheld cells that the row and column sums (totals included) determine exactly."""
    cells = set(withheld)
    return {cell for cell in cells if _is_bridge(cell, cells)}


def _is_bridge(cell: Cell, cells: set[Cell]) -> bool:
    return not _connected(("r", cell[0]), ("c", cell[1]), cells - {cell})


def _side(node: tuple[str, int], cells: set[Cell]) -> set[tuple[str, int]]:
    """Every row/column node reachable from ``node`` through withheld cells."""
    seen = {node}
    todo = [node]
    while todo:
        kind, i = todo.pop()
        for r, c in cells:
            nxt = ("c", c) if kind == "r" and r == i else ("r", r) if kind == "c" and c == i else None
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _connected(a: tuple[str, int], b: tuple[str, int], cells: set[Cell]) -> bool:
    return b in _side(a, cells)


def publish(table: CrossTab, forced: Iterable[Cell] = ()) -> PublishedTable:
    """Suppress ``table``: counts 1-4 and anything in ``forced`` withheld, then secondary cells
    until no withheld cell is recoverable from the published totals."""
    grid = table.grid()
    n_rows, n_cols = len(grid), len(grid[0])
    small = {(r, c) for r in range(n_rows) for c in range(n_cols) if 1 <= grid[r][c] <= SMALL_MAX}
    withheld = small | {cell for cell in forced if cell not in small}
    while True:
        bridges = sorted(recoverable(withheld), key=lambda rc: (grid[rc[0]][rc[1]], rc))
        if not bridges:
            break
        withheld.add(_next_cell(bridges[0], withheld, grid, n_rows, n_cols))
    return PublishedTable(table, tuple(tuple(r) for r in grid), frozenset(small), frozenset(withheld - small))


def _cost(grid: Sequence[Sequence[int]], cell: Cell, n_rows: int, n_cols: int) -> tuple[int, int, int, Cell]:
    """Which cell to give up first: inner cells before totals, non-zero before zero (hiding a
    zero costs nothing but protects less against guessing), then the smallest."""
    r, c = cell
    is_total = int(r == n_rows - 1 or c == n_cols - 1)
    value = grid[r][c]
    return (is_total, int(value == 0), value, cell)


def _next_cell(bridge: Cell, withheld: set[Cell], grid: Sequence[Sequence[int]], n_rows: int, n_cols: int) -> Cell:
    rest = withheld - {bridge}
    row_side = _side(("r", bridge[0]), rest)
    col_side = _side(("c", bridge[1]), rest)
    # A cell joining a row on the bridge's row side to a column on its column side closes a cycle.
    closing = [(r, c) for kind_r, r in row_side if kind_r == "r" for kind_c, c in col_side if kind_c == "c"
               if (r, c) not in withheld]
    if not closing:
        # Nothing closes it yet: reach out from the bridge's part of the table and try again.
        nodes = row_side | col_side
        closing = [(r, c) for r in range(n_rows) for c in range(n_cols)
                   if (r, c) not in withheld and (("r", r) in nodes or ("c", c) in nodes)]
    if not closing:
        closing = [(r, c) for r in range(n_rows) for c in range(n_cols) if (r, c) not in withheld]
    return min(closing, key=lambda cell: _cost(grid, cell, n_rows, n_cols))


def publish_linked(tables: Sequence[CrossTab]) -> list[PublishedTable]:
    """Suppress tables that share their total row (the same people counted by different rows,
    such as ethnic group and postcode district by age band): a total withheld in one is withheld
    in all, or the other table would print it."""
    forced: set[int] = set()  # columns of the shared total row
    while True:
        published = [publish(t, {(len(t.rows), c) for c in forced}) for t in tables]
        now = {c for p in published for (r, c) in p.withheld if r == len(p.table.rows)}
        if now <= forced:
            return published
        forced |= now
