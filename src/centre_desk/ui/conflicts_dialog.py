"""Sync conflicts for managers: which households, which field (by its form label), every value
with who set it and when, side by side; choose one (or type a corrected one, checked as the form
checks it) and resolve. The resolution goes to the server and is synced at once, so every device
gets it at its next sync.

Keyboard: the conflicts list has the focus first; Tab goes to the values (arrow keys choose one),
then the corrected-value box, then Resolve and Close. Enter in the values list or the box resolves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.household import Household, household_title
from centre_desk.formspec.model import FieldDef, FieldType, FormDefinition
from centre_desk.formspec.submission import validate_submission
from centre_desk.services.households import open_household
from centre_desk.services.profile import form as form_definition
from centre_desk.services.session import DeskSession
from centre_desk.services.sync import list_conflicts

from .a11y import StatusLabel
from .errors import describe
from .forms.values import describe_value, display_values, lower_first, problem_sentence
from .household_models import uk_date
from .sync_status import refusal_code
from .table_model import ID_ROLE, HeaderedTableModel, Index
from .widgets import MessageLabel, heading, named, note

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .sync_status import BackgroundSync

MEMBERSHIP = "membership"
WHOLE_PERSON = "*"
# Kinds of field whose corrected value can be typed; the others (choices, yes/no, lists) are
# chosen from the values the devices sent.
TYPED = frozenset({FieldType.TEXT, FieldType.MULTILINE, FieldType.DATE, FieldType.PHONE,
                   FieldType.EMAIL, FieldType.POSTCODE})


@dataclass(frozen=True)
class Candidate:
    value: Any
    shown: str
    by: str
    at: str


@dataclass(frozen=True)
class ConflictRow:
    conflict_id: str
    household_id: str
    household: Household | None
    title: str
    what: str  # "Zofia Wiśniewska: Phone number", never the raw key
    field: FieldDef | None
    key: str
    person_id: str | None
    candidates: tuple[Candidate, ...]

    @property
    def typed(self) -> bool:
        return self.field is not None and self.field.type in TYPED and self.household is not None


def _when(at: Any) -> str:
    try:
        return uk_date(datetime.fromisoformat(str(at)))
    except ValueError:
        return str(at or "")


def _field(form: FormDefinition, key: str) -> FieldDef | None:
    try:
        return form.field(key)
    except KeyError:
        return None


def _shown(field: FieldDef | None, key: str, value: Any) -> str:
    if key == WHOLE_PERSON:
        if not isinstance(value, Mapping):
            return "Removed from the household"
        name = " ".join(str(value.get(k) or "") for k in ("first_name", "last_name")).strip()
        return f"In the household ({name})" if name else "In the household"
    if field is None:
        return "" if value is None else str(value)
    return describe_value(field, value) or "(left empty)"


def build_rows(conflicts: Sequence[Mapping[str, Any]], households: Mapping[str, Household | None],
               form: FormDefinition) -> list[ConflictRow]:
    rows = []
    for c in conflicts:
        household = households.get(str(c["household_id"]))
        key, person_id = str(c["field"]), c.get("person_id")
        field = None if key == WHOLE_PERSON else _field(form, key)
        label = "Whole person (added or removed)" if key == WHOLE_PERSON else (field.label if field else key)
        what = label
        if person_id:
            member = next((m for m in household.members if m.id == person_id), None) if household else None
            who = member.full_name if member is not None else "A person no longer in the household"
            what = f"{who}: {lower_first(label) if key == WHOLE_PERSON else label}"
        candidates = tuple(Candidate(v.get("value"), _shown(field, key, v.get("value")), str(v.get("by") or ""),
                                     _when(v.get("at"))) for v in c.get("values") or [])
        title = household_title(household) if household is not None else "A household not on this device"
        rows.append(ConflictRow(str(c["conflict_id"]), str(c["household_id"]), household, title, what, field,
                                key, str(person_id) if person_id else None, candidates))
    return rows


def load_rows(session: DeskSession) -> list[ConflictRow]:
    """The open conflicts with their households' titles and the form's labels. Run off the GUI thread."""
    conflicts = list_conflicts(session)
    households: dict[str, Household | None] = {}
    for c in conflicts:
        hid = str(c["household_id"])
        if hid not in households:
            try:
                households[hid] = open_household(session, hid)
            except NotFound:
                households[hid] = None
    return build_rows(conflicts, households, form_definition(MEMBERSHIP))


def corrected_value(row: ConflictRow, text: str, form: FormDefinition, today: Any) -> Any:
    """The typed value as the form would save it, or ValidationFailed naming the field."""
    assert row.household is not None and row.field is not None
    data = display_values(form, row.household.submission())
    target: dict[str, Any] = data
    if row.person_id:
        found = next((m for m in data.get("members") or [] if m.get("id") == row.person_id), None)
        if found is None:
            raise ValidationFailed.one(row.field.label, "belongs to a person no longer in the household")
        target = found
    if text.strip():
        target[row.key] = text
    else:
        target.pop(row.key, None)
    clean = validate_submission(form, data, today=today)
    if row.person_id:
        member: dict[str, Any] = next((m for m in clean.get("members") or [] if m.get("id") == row.person_id), {})
        return member.get(row.key)
    return clean.get(row.key)


class ConflictsModel(HeaderedTableModel):
    HEADERS = ("Household", "Field", "Values")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ConflictRow] = []

    def _count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[ConflictRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        row = self.rows[index.row()]
        if role == ID_ROLE:
            return row.conflict_id
        text = (row.title, row.what, " | ".join(c.shown for c in row.candidates))[index.column()]
        return self._text_roles(index, role, text, text)


class CandidatesModel(HeaderedTableModel):
    HEADERS = ("Value", "Set by", "When")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidates: tuple[Candidate, ...] = ()

    def _count(self) -> int:
        return len(self.candidates)

    def set_candidates(self, candidates: tuple[Candidate, ...]) -> None:
        self.beginResetModel()
        self.candidates = candidates
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        c = self.candidates[index.row()]
        text = (c.shown, c.by, c.at)[index.column()]
        return self._text_roles(index, role, text, text)


class _Table(QTableView):
    """A one-row-at-a-time table that Tab leaves and Enter acts on."""

    def __init__(self, on_enter: Any) -> None:
        super().__init__()
        self._on_enter = on_enter
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._on_enter is not None:
            self._on_enter()
            event.accept()
            return
        super().keyPressEvent(event)


class ConflictsDialog(QDialog):
    def __init__(self, window: MainWindow, sync: BackgroundSync) -> None:
        super().__init__(window)
        self.setObjectName("conflictsDialog")
        self.setAccessibleName("Sync conflicts")
        self.setWindowTitle("Sync conflicts")
        self._window = window
        self._sync = sync
        self._tasks = window.context.tasks
        self.form = form_definition(MEMBERSHIP)
        self._busy = False

        self.model = ConflictsModel(self)
        self.values_model = CandidatesModel(self)
        self.table = named(_Table(None), "conflictsTable", "Open conflicts",
                           "One row per field that two devices changed differently. Tab goes to its values.")
        self.table.setModel(self.model)
        self.values = named(_Table(self.resolve), "conflictValuesTable", "Values to choose from",
                            "Arrow keys choose the value to keep; Enter resolves with it.")
        self.values.setModel(self.values_model)
        self.corrected = named(QLineEdit(), "correctedValue", "Or type a corrected value",
                               "Leave empty to keep the value chosen above. Checked as the form checks it.")
        self.corrected.setMaxLength(500)
        self.message = MessageLabel("conflictsMessage")
        self.corrected.returnPressed.connect(self.resolve)
        self.corrected.textChanged.connect(lambda _t: self.message.clear_message())
        self.status = StatusLabel("conflictsStatus", "Conflicts status")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.status.show_quietly("Loading the open conflicts…")
        self.resolve_button = named(QPushButton("&Resolve with this value"), "resolveConflictButton",
                                    "Resolve with this value")
        self.resolve_button.clicked.connect(self.resolve)
        self.close_button = named(QPushButton("Close"), "closeConflictsButton", "Close")
        self.close_button.clicked.connect(self.reject)
        self.resolve_button.setAutoDefault(False)
        self.close_button.setAutoDefault(False)

        intro = note("The same field was changed differently on two devices before they synced. The server "
                     "kept one value for now; choose the one to keep, or type a corrected one. Every device "
                     "gets your choice at its next sync.", "conflictsIntro")
        values_label = QLabel("&Values (choose one):")
        values_label.setBuddy(self.values)
        corrected_label = QLabel("Or &type a corrected value:")
        corrected_label.setBuddy(self.corrected)
        list_label = QLabel("Open &conflicts:")
        list_label.setBuddy(self.table)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.resolve_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Sync conflicts", 16, "conflictsHeading"))
        layout.addWidget(intro)
        layout.addWidget(list_label)
        layout.addWidget(self.table, 3)
        layout.addWidget(values_label)
        layout.addWidget(self.values, 2)
        layout.addWidget(corrected_label)
        layout.addWidget(self.corrected)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setTabOrder(self.table, self.values)
        self.setTabOrder(self.values, self.corrected)
        self.setTabOrder(self.corrected, self.resolve_button)
        self.setTabOrder(self.resolve_button, self.close_button)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        # A sync that finishes while the dialog is open (in the background, or after a resolution
        # someone else made first) brings the list up to date.
        sync.synced.connect(self._synced)
        self.resize(min(900, window.width() - 40), min(620, window.height() - 40))
        self.reload()

    # -- loading ----------------------------------------------------------------------------------

    def reload(self, keep: str | None = None) -> None:
        session = self._window.session
        self._tasks.run(lambda: load_rows(session), lambda rows: self._loaded(rows, keep), self._failed, owner=self)

    def _loaded(self, rows: list[ConflictRow], keep: str | None = None) -> None:
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.status.setText(f"{len(rows)} open conflict{'s' if len(rows) != 1 else ''}." if rows
                            else "No open conflicts: every device agrees.")
        index = next((i for i, r in enumerate(rows) if r.conflict_id == keep), 0)
        if rows:
            self.table.setCurrentIndex(self.model.index(index, 0))
            self.table.selectRow(index)
        else:
            self.values_model.set_candidates(())
        self._enable()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self._enable()
        if refusal_code(error) in ("conflict-resolved", "conflict-unknown"):
            self.message.show_problem("This conflict was resolved elsewhere meanwhile; the list is being "
                                      "brought up to date.")
            self._sync.sync_now()
            return
        self.message.show_problem(describe(error))

    def _synced(self, _result: object) -> None:
        if not self._busy and self.isVisible():
            row = self.current()
            self.reload(keep=row.conflict_id if row is not None else None)

    def current(self) -> ConflictRow | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() and index.row() < len(self.model.rows) else None

    def _row_changed(self, current: QModelIndex | QPersistentModelIndex, _previous: object) -> None:
        row = self.model.rows[current.row()] if current.isValid() and current.row() < len(self.model.rows) else None
        self.values_model.set_candidates(row.candidates if row else ())
        self.values.resizeColumnsToContents()
        if row is not None and row.candidates:
            self.values.setCurrentIndex(self.values_model.index(0, 0))
            self.values.selectRow(0)
        self.corrected.clear()
        self.message.clear_message()
        self._enable()

    def _enable(self) -> None:
        row = self.current()
        self.corrected.setEnabled(row is not None and row.typed and not self._busy)
        self.resolve_button.setEnabled(row is not None and not self._busy)
        self.table.setEnabled(not self._busy)

    # -- resolving --------------------------------------------------------------------------------

    def chosen_value(self, row: ConflictRow) -> Any:
        """The value to keep: the typed correction (validated), else the chosen candidate."""
        text = self.corrected.text()
        if text.strip() and row.typed:
            return corrected_value(row, text, self.form, self._window.session.clock.today())
        index = self.values.currentIndex()
        if not index.isValid() or index.row() >= len(row.candidates):
            raise ValidationFailed.one("value", "choose one of the values, or type a corrected one")
        return row.candidates[index.row()].value

    def resolve(self) -> None:
        row = self.current()
        if row is None or self._busy:
            return
        try:
            value = self.chosen_value(row)
        except ValidationFailed as exc:
            label = row.field.label if row.field is not None else "Value"
            problems = [problem_sentence(label, p.problem) for p in exc.problems]
            self.message.show_problem(" ".join(problems) or describe(exc))
            self.corrected.setFocus()
            return
        self._busy = True
        self._enable()
        self.message.show_info("Resolving and syncing…")
        self._sync.resolve(row.conflict_id, value, lambda _result: self._resolved(row), self._failed)

    def _resolved(self, row: ConflictRow) -> None:
        self._busy = False
        self.message.show_info(f"Resolved: {row.what} for {row.title}.")
        self.reload()
