"""``shown_when`` and ``required_when`` on screen, applied again after every change.

A form has one scope for the household's answers, whatever page they are on (the last page of a
referral asks what the first page's answer calls for), and one scope per person, which looks at
that person's answers first and then at the household's. A person's scope follows the household
one: it refreshes whenever the household's answers do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from centre_desk.formspec.model import FieldDef

from .fields import FieldRow


class Relayable(Protocol):
    def relayout(self) -> None: ...


class FieldScope(QObject):
    """Rows answered together. ``refreshed`` after conditions were applied again."""

    refreshed = Signal()

    def __init__(self, rows: Iterable[FieldRow] = (), grid: Relayable | None = None,
                 outer: FieldScope | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, FieldRow] = {}
        self._grids: list[tuple[Relayable, set[str]]] = []
        self.outer = outer
        self.add_rows(rows, grid)
        if outer is not None:
            outer.refreshed.connect(self.refresh)

    def add_rows(self, rows: Iterable[FieldRow], grid: Relayable | None = None) -> None:
        """Rows of another page joining this scope; ``grid`` is laid out again when they come or go."""
        added = list(rows)
        for row in added:
            self.rows[row.field.id] = row
            row.changed.connect(self.refresh)
        if grid is not None:
            self._grids.append((grid, {row.field.id for row in added}))

    def answer(self, field_id: str) -> Any:
        """What a condition sees of a field: its value while it is shown, nothing while hidden."""
        row = self.rows.get(field_id)
        if row is None:
            return self.outer.answer(field_id) if self.outer is not None else None
        return row.value() if row.shown else None

    def refresh(self) -> None:
        values = {field_id: row.value() for field_id, row in self.rows.items()}
        shown: dict[str, bool] = {}

        def value_of(field_id: str) -> Any:
            if field_id in values:
                return values[field_id]
            return self.outer.answer(field_id) if self.outer is not None else None

        def is_shown(f: FieldDef) -> bool:
            # Definitions are checked for cycles when loaded, so this ends.
            if f.id not in shown:
                condition = f.shown_when
                if condition is None:
                    shown[f.id] = True
                elif condition.field in self.rows:
                    shown[f.id] = is_shown(self.rows[condition.field].field) and condition.holds(
                        values[condition.field])
                else:
                    shown[f.id] = condition.holds(value_of(condition.field))
            return shown[f.id]

        moved: set[str] = set()
        for field_id, row in self.rows.items():
            visible = is_shown(row.field)
            if row.shown != visible:
                row.shown = visible
                row.setVisible(visible)
                if not visible:
                    # A hidden answer is not saved, so whatever was wrong with it no longer matters.
                    row.clear_problem()
                moved.add(field_id)
            when = row.field.required_when
            row.set_required(row.field.required or (when is not None and when.holds(value_of(when.field))))
        for grid, ids in self._grids:
            if ids & moved:
                grid.relayout()
        self.refreshed.emit()
