"""The manager's review of likely duplicates across the store, and the merge screen.

``DuplicatesReviewPage`` lists pairs of people in different households, best first, with the score
and the reasons (``services.duplicates.review_queue``, run as a background task). "Not the same"
remembers the pair; "Merge…" opens ``MergeDialog``: both households side by side, one row per
household field whose values differ, the manager choosing each (keyboard: Tab between rows, arrow
keys between the two choices), and the people of both listed as they will be after the merge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.household import Household, household_title
from centre_desk.services.duplicates import (
    KEEP,
    TAKE,
    MergeResult,
    ReviewItem,
    differing_fields,
    dismiss_pair,
    merge_households,
    merged_fields,
    review_queue,
)
from centre_desk.services.households import MEMBERSHIP, open_household
from centre_desk.services.ports import PersonMatcher
from centre_desk.services.profile import form as form_definition
from centre_desk.services.session import DeskSession

from .errors import describe
from .forms.values import describe_value
from .household_models import uk_date
from .table_model import HeaderedTableModel, Index
from .tasks import TaskRunner
from .widgets import heading, named


class PairsModel(HeaderedTableModel):
    SCORE, PERSON, OTHER, REASONS = range(4)
    HEADERS = ("Score", "Person", "Possibly the same as", "Why")

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ReviewItem] = []

    def _count(self) -> int:
        return len(self.items)

    def set_items(self, items: list[ReviewItem]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def remove(self, row: int) -> None:
        self.beginRemoveRows(self.index(0, 0).parent(), row, row)
        del self.items[row]
        self.endRemoveRows()

    @staticmethod
    def _person(item: ReviewItem, i: int) -> str:
        dob = uk_date(item.dates_of_birth[i]) or "no date of birth"
        return f"{item.names[i]}, {dob}, {item.postcodes[i] or 'no postcode'}"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        item = self.items[index.row()]
        column = index.column()
        key: Any
        if column == self.SCORE:
            text, key = f"{round(item.pair.score * 100)}%", item.pair.score
        elif column in (self.PERSON, self.OTHER):
            text = self._person(item, column - self.PERSON)
            key = text.casefold()
        else:
            text = key = "; ".join(item.pair.reasons)
        return self._text_roles(index, role, text, key)


class DuplicatesReviewPage(QWidget):
    """``open_household(str)`` when the manager asks to see the household a merge kept."""

    open_household = Signal(str)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession],
                 matcher: Callable[[], PersonMatcher], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicatesReviewPage")
        self._tasks = tasks
        self._session = session
        self._matcher = matcher
        self.model = PairsModel()
        self.table = named(QTableView(), "duplicatePairs", "Likely duplicates",
                           "Pairs of people who may have been registered twice, best match first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel("")
        self.status.setObjectName("duplicatesStatus")
        self.status.setWordWrap(True)
        self.refresh_button = named(QPushButton("&Refresh"), "refreshDuplicatesButton", "Refresh the list")
        self.dismiss_button = named(QPushButton("&Not the same"), "notTheSameButton", "Not the same",
                                    "Remember that these two are different people; the pair is not offered again")
        self.merge_button = named(QPushButton("&Merge…"), "mergeButton", "Merge households",
                                  "Compare the two households field by field and merge them")
        self.refresh_button.clicked.connect(self.refresh)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        self.merge_button.clicked.connect(self.merge_selected)
        buttons = QHBoxLayout()
        for b in (self.dismiss_button, self.merge_button, self.refresh_button):
            b.setAutoDefault(True)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Likely duplicates", 18, "duplicatesHeading"))
        layout.addWidget(QLabel("People who may have been registered twice, in different households. Check "
                                "with the family if unsure."))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self._enable()
        self.merge_dialog: MergeDialog | None = None

    def clear(self) -> None:
        """On lock: no names left on screen (Refresh brings them back after unlocking)."""
        self.model.set_items([])
        self.status.setText("")
        self._enable()

    def _enable(self) -> None:
        chosen = self.selected_row() is not None
        self.dismiss_button.setEnabled(chosen)
        self.merge_button.setEnabled(chosen)

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def refresh(self, then: Callable[[], object] | None = None) -> None:
        session = self._session()
        self.status.setText("Looking through the whole store…")
        self.refresh_button.setEnabled(False)

        def shown(items: list[ReviewItem]) -> None:
            self.model.set_items(items)
            self.refresh_button.setEnabled(True)
            self.status.setText(f"{len(items)} likely duplicate pair{'s' if len(items) != 1 else ''}."
                                if items else "No likely duplicates.")
            if items:
                self.table.selectRow(0)
            self._enable()
            if then is not None:
                then()

        self._tasks.run(lambda: review_queue(session, self._matcher()), shown, self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText(describe(error))

    def dismiss_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        item = self.model.items[row]
        session = self._session()

        def done(_remembered: bool) -> None:
            self.model.remove(row)
            self.status.setText("Remembered as two different people.")
            if self.model.items:
                self.table.selectRow(min(row, len(self.model.items) - 1))
            self._enable()

        self._tasks.run(lambda: dismiss_pair(session, *item.pair.person_ids, household_ids=item.pair.household_ids),
                        done, self._failed, owner=self)

    def merge_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        item = self.model.items[row]
        # The household registered first (ids are time-ordered) is offered as the one that stays.
        into_id, merged_id = sorted(item.pair.household_ids)
        session = self._session()

        def opened(pair: tuple[Household, Household]) -> None:
            self.merge_dialog = MergeDialog(pair[0], pair[1], self)
            self.merge_dialog.accepted.connect(lambda: self._merge(self.merge_dialog))
            self.merge_dialog.open()

        self._tasks.run(lambda: (open_household(session, merged_id), open_household(session, into_id)),
                        opened, self._failed, owner=self)

    def _merge(self, dialog: MergeDialog | None) -> None:
        if dialog is None:
            return
        session = self._session()
        merged, into, choices = dialog.merged, dialog.into, dialog.choices()

        def done(result: MergeResult) -> None:
            self.status.setText(f"Merged: {result.people_moved} people moved into "
                                f"{household_title(result.household)}.")
            self.refresh(lambda: self.open_household.emit(result.household.id))

        self._tasks.run(lambda: merge_households(session, merged.id, into.id, choices,
                                                 (merged.version, into.version)),
                        done, self._failed, owner=self)


class MergeDialog(QDialog):
    """Both households side by side; one choice per differing field. ``choices()`` for the service."""

    def __init__(self, merged: Household, into: Household, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setAccessibleName("Merge two households")
        self.setWindowTitle("Merge two households")
        self.merged, self.into = merged, into
        self.definition = form_definition(MEMBERSHIP)
        labels = {f.id: f.label for f in self.definition.top_level_fields}
        fields = {f.id: f for f in self.definition.top_level_fields}
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[tuple[str, str], QRadioButton] = {}
        default = merged_fields(merged, into, {})

        grid = QGridLayout()
        grid.addWidget(QLabel(""), 0, 0)
        for col, (h, words) in enumerate(((into, "Stays"), (merged, "Merged into it")), 1):
            grid.addWidget(heading(f"{words}: {household_title(h)}", 12, f"mergeColumn{col}"), 0, col)
        row = 1
        self.differing = differing_fields(merged, into)
        for key in self.differing:
            label = labels.get(key, key)
            grid.addWidget(QLabel(label), row, 0)
            group = QButtonGroup(self)
            group.setExclusive(True)
            for col, (choice, h) in enumerate(((KEEP, into), (TAKE, merged)), 1):
                field = fields.get(key)
                value = h.fields.get(key)
                text = (describe_value(field, value) if field is not None else str(value or "")) or "(blank)"
                radio = named(QRadioButton(text), f"merge:{key}:{choice}",
                              f"{label}: {'keep' if choice == KEEP else 'take'} {text}")
                group.addButton(radio)
                grid.addWidget(radio, row, col)
                self.radios[(key, choice)] = radio
            chosen = TAKE if default.get(key) == merged.fields.get(key) and default.get(key) != into.fields.get(key) \
                else KEEP
            self.radios[(key, chosen)].setChecked(True)
            self.groups[key] = group
            row += 1
        if not self.differing:
            grid.addWidget(QLabel("The household details are the same in both."), row, 0, 1, 3)
            row += 1
        grid.setRowStretch(row, 1)  # the rows stay together at the top, under their headings

        self.people = named(QListWidget(), "mergePeople", "People after the merge")
        for h in (into, merged):
            for m in h.members:
                dob = uk_date(m.get("date_of_birth")) or "no date of birth"
                self.people.addItem(f"{m.full_name} ({dob})")

        box = QDialogButtonBox()
        self.merge_button = named(box.addButton("&Merge", QDialogButtonBox.ButtonRole.AcceptRole),
                                  "confirmMergeButton", "Merge the two households")
        named(box.addButton(QDialogButtonBox.StandardButton.Cancel), "cancelMergeButton", "Cancel")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)

        inner = QWidget()
        inner.setLayout(grid)
        scroll = named(QScrollArea(), "mergeFields", "Values that differ")
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        intro = QLabel("Choose the value to keep where the two households differ. Everything else "
                       "moves across: people, contacts, consents, referrals and history. The merged "
                       "household's old id will open the one that stays.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(QLabel("People after the merge:"))
        layout.addWidget(self.people)
        layout.addWidget(box)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        shortcut.activated.connect(self.accept)
        self.resize(760, 560)

    def choices(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key in self.differing:
            out[key] = TAKE if self.radios[(key, TAKE)].isChecked() else KEEP
        return out
