"""The manager's review of likely duplicates across the store, and the merge screen.

``DuplicatesReviewPage`` lists pairs of people in different households, best first, with the score
and the reasons (``services.duplicates.review_queue``, run as a background task). "Not the same"
remembers the pair; "Merge…" opens ``MergeDialog``: both households side by side, one row per
household field whose values differ, the manager choosing each (keyboard: Tab between rows, arrow
keys between the two choices), and the people of both listed as they will be after the merge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
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

from centre_desk.domain.household import Household, Member, household_title
from centre_desk.formspec.model import FieldDef
from centre_desk.services.duplicates import (
    DATE_OF_BIRTH,
    KEEP,
    TAKE,
    TAKE_FOLDED,
    Fold,
    FoldResult,
    MergeResult,
    ReviewItem,
    differing_fields,
    differing_person_fields,
    dismiss_pair,
    fold_person,
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

        # The matcher's pairs between these two households pre-fill "the same person as".
        households = set(item.pair.household_ids)
        same = []
        for other in self.model.items:
            if set(other.pair.household_ids) == households:
                by_household = dict(zip(other.pair.household_ids, other.pair.person_ids, strict=True))
                same.append((by_household[merged_id], by_household[into_id]))

        def opened(pair: tuple[Household, Household]) -> None:
            self.merge_dialog = MergeDialog(pair[0], pair[1], self, same=same)
            self.merge_dialog.accepted.connect(lambda: self._merge(self.merge_dialog))
            self.merge_dialog.open()

        self._tasks.run(lambda: (open_household(session, merged_id), open_household(session, into_id)),
                        opened, self._failed, owner=self)

    def _merge(self, dialog: MergeDialog | None) -> None:
        if dialog is None:
            return
        session = self._session()
        merged, into, choices, folds = dialog.merged, dialog.into, dialog.choices(), dialog.folds()

        def done(result: MergeResult) -> None:
            folded = f"; {len(result.folded)} entered twice, now one" if result.folded else ""
            self.status.setText(f"Merged: {result.people_moved} people moved into "
                                f"{household_title(result.household)}{folded}.")
            self.refresh(lambda: self.open_household.emit(result.household.id))

        self._tasks.run(lambda: merge_households(session, merged.id, into.id, choices,
                                                 (merged.version, into.version), folds),
                        done, self._failed, owner=self)


class MergeDialog(QDialog):
    """Both households side by side; one choice per differing field. ``choices()`` for the service."""

    def __init__(self, merged: Household, into: Household, parent: QWidget | None = None,
                 same: Sequence[tuple[str, str]] = ()) -> None:
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

        # Who is the same person in both households: one choice per person of the merged one.
        self.pairing = PersonPairing(merged.members, into.members, dict(same), self)
        self.pairing.changed.connect(self._show_people)

        self.people = named(QListWidget(), "mergePeople", "People after the merge")
        self._show_people()

        box = QDialogButtonBox()
        self.merge_button = named(box.addButton("&Merge", QDialogButtonBox.ButtonRole.AcceptRole),
                                  "confirmMergeButton", "Merge the two households")
        named(box.addButton(QDialogButtonBox.StandardButton.Cancel), "cancelMergeButton", "Cancel")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addLayout(grid)
        column.addWidget(heading("The same person in both households?", 12, "mergeSamePersonHeading"))
        column.addWidget(self.pairing)
        column.addStretch(1)  # the rows stay together at the top, under their headings
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
        self.problem = QLabel("")
        self.problem.setObjectName("mergeProblem")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        layout.addWidget(box)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        shortcut.activated.connect(self.accept)
        self.resize(820, 640)

    def choices(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key in self.differing:
            out[key] = TAKE if self.radios[(key, TAKE)].isChecked() else KEEP
        return out

    def folds(self) -> list[Fold]:
        return self.pairing.folds()

    def _show_people(self) -> None:
        self.people.clear()
        for m in after_folds(self.into.members + self.merged.members, self.pairing.folds()):
            dob = uk_date(m.get("date_of_birth")) or "no date of birth"
            self.people.addItem(f"{m.full_name} ({dob})")

    def accept(self) -> None:
        missing = self.pairing.unchosen()
        if missing:
            self.problem.setText(missing[0][0])
            missing[0][1].setFocus()
            return
        super().accept()


def after_folds(members: Sequence[Member], folds: Sequence[Fold]) -> list[Member]:
    """The people as they will be once ``folds`` are made: each folded entry gone, the surviving
    entry showing the values chosen for it."""
    by_id = {m.id: m for m in members}
    gone = {f.folded_id for f in folds}
    out = []
    for m in members:
        if m.id in gone:
            continue
        fold = next((f for f in folds if f.into_id == m.id and f.folded_id in by_id), None)
        if fold is not None:
            other = by_id[fold.folded_id]
            fields = dict(m.fields)
            for key in differing_person_fields(other, m):
                if fold.choices.get(key) == TAKE_FOLDED or (key not in fold.choices and not m.fields.get(key)):
                    fields[key] = other.fields[key]
            m = Member(m.id, fields)
        out.append(m)
    return out


def _person_words(m: Member) -> str:
    return f"{m.full_name} ({uk_date(m.get('date_of_birth')) or 'no date of birth'})"


class FoldChoices(QWidget):
    """One row per field where two entries of one person differ: keep the remaining entry's value or
    take the folded one's. A different date of birth starts with neither chosen: the manager says."""

    def __init__(self, folded: Member, into: Member, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folded, self.into = folded, into
        self.setObjectName(f"foldChoices:{folded.id}")
        labels = {f.id: f.label for f in _member_fields()}
        defs = {f.id: f for f in _member_fields()}
        self.radios: dict[tuple[str, str], QRadioButton] = {}
        self.differing = differing_person_fields(folded, into)
        grid = QGridLayout(self)
        grid.setContentsMargins(24, 0, 0, 6)
        for row, key in enumerate(self.differing):
            label = labels.get(key, key)
            grid.addWidget(QLabel(label), row, 0)
            group = QButtonGroup(self)
            group.setExclusive(True)
            for col, (choice, m) in enumerate(((KEEP, into), (TAKE_FOLDED, folded)), 1):
                value = m.fields.get(key)
                field_def = defs.get(key)
                text = (describe_value(field_def, value) if field_def is not None else str(value or "")) or "(blank)"
                radio = named(QRadioButton(text), f"fold:{folded.id}:{key}:{choice}",
                              f"{label}: {'keep' if choice == KEEP else 'take'} {text}")
                radio.toggled.connect(lambda _on: self.changed())
                group.addButton(radio)
                grid.addWidget(radio, row, col)
                self.radios[(key, choice)] = radio
            if key == DATE_OF_BIRTH and into.fields.get(key):
                continue  # two dates of birth: no default, the manager chooses
            self.radios[(key, KEEP if into.fields.get(key) else TAKE_FOLDED)].setChecked(True)
        if not self.differing:
            grid.addWidget(QLabel("Their details are the same in both entries."), 0, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

    def changed(self) -> None:
        parent = self.parent()
        while parent is not None and not isinstance(parent, PersonPairing):
            parent = parent.parent()
        if isinstance(parent, PersonPairing):
            parent.changed.emit()

    def choices(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key in self.differing:
            if self.radios[(key, TAKE_FOLDED)].isChecked():
                out[key] = TAKE_FOLDED
            elif self.radios[(key, KEEP)].isChecked():
                out[key] = KEEP
        return out

    def unchosen(self) -> list[tuple[str, QWidget]]:
        """(what to tell the manager, where to put the focus) for a date of birth not chosen yet."""
        if DATE_OF_BIRTH in self.differing and DATE_OF_BIRTH not in self.choices():
            return [(f"Choose which date of birth is right for {self.into.full_name}: the two entries "
                     "differ (or set them apart if they are two people).", self.radios[(DATE_OF_BIRTH, KEEP)])]
        return []


def _member_fields() -> tuple[FieldDef, ...]:
    return form_definition(MEMBERSHIP).repeated_section("members").fields


NOT_PAIRED = ""


class PersonPairing(QWidget):
    """For each person of one side: "is the same person as" one of the other side's people (or
    nobody), and for a pair the values to keep. ``same``: pre-filled pairs (folded id -> into id)."""

    changed = Signal()

    def __init__(self, folded_side: Sequence[Member], into_side: Sequence[Member], same: dict[str, str],
                 parent: QWidget | None = None, nobody: str = "a different person from everyone there") -> None:
        super().__init__(parent)
        self.setObjectName("personPairing")
        self.into_side = list(into_side)
        self.combos: dict[str, QComboBox] = {}
        self.details: dict[str, FoldChoices] = {}
        self.members = {m.id: m for m in list(folded_side) + list(into_side)}
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        if not folded_side or not into_side:
            self.layout_.addWidget(QLabel("Nobody to pair."))
        for m in folded_side:
            row = QHBoxLayout()
            words = _person_words(m)
            label = QLabel(f"{words} is")
            combo = named(QComboBox(), f"samePerson:{m.id}", f"{words} is the same person as",
                          "Choose who this is in the other household, if the same person was entered twice")
            label.setBuddy(combo)
            combo.addItem(nobody, NOT_PAIRED)
            for other in self.into_side:
                combo.addItem(f"the same person as {_person_words(other)}", other.id)
            target = same.get(m.id)
            if target is not None:
                combo.setCurrentIndex(max(0, combo.findData(target)))
            combo.currentIndexChanged.connect(lambda _i, pid=m.id: self._paired(pid))
            combo.installEventFilter(self)  # Ctrl+Return on a choice still merges or folds
            row.addWidget(label)
            row.addWidget(combo, 1)
            self.layout_.addLayout(row)
            self.combos[m.id] = combo
            holder = QVBoxLayout()
            self.layout_.addLayout(holder)
            self._holders = getattr(self, "_holders", {})
            self._holders[m.id] = holder
            self._paired(m.id, quiet=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            dialog = self.window()
            if isinstance(dialog, QDialog):
                dialog.accept()
                return True
        return super().eventFilter(watched, event)

    def _paired(self, pid: str, quiet: bool = False) -> None:
        old = self.details.pop(pid, None)
        if old is not None:
            old.setParent(None)
            old.deleteLater()
        target = self.combos[pid].currentData()
        if target:
            chosen_elsewhere = [p for p, c in self.combos.items() if p != pid and c.currentData() == target]
            for other in chosen_elsewhere:  # one entry is folded into a person once
                self.combos[other].setCurrentIndex(0)
            detail = FoldChoices(self.members[pid], self.members[target], self)
            self._holders[pid].addWidget(detail)
            self.details[pid] = detail
        if not quiet:
            self.changed.emit()

    def folds(self) -> list[Fold]:
        return [Fold(pid, str(self.combos[pid].currentData()), d.choices()) for pid, d in self.details.items()]

    def unchosen(self) -> list[tuple[str, QWidget]]:
        return [u for d in self.details.values() for u in d.unchosen()]


class FoldDialog(QDialog):
    """Two entries of one person in one household: choose the entry folded away, the one it is the
    same person as, and the values to keep. ``fold()`` for the service."""

    def __init__(self, household: Household, parent: QWidget | None = None,
                 same: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("foldDialog")
        self.setAccessibleName("One person entered twice")
        self.setWindowTitle("One person entered twice")
        self.household = household
        members = list(household.members)
        # The entry added later (ids are time-ordered) is offered as the one folded away.
        self.pairing = PersonPairing(members, members, dict(same), self, "nobody else here: one person, entered once")
        for pid, combo in self.pairing.combos.items():  # nobody is the same as themself
            combo.removeItem(combo.findData(pid))
        self.pairing.changed.connect(self._show_people)
        intro = QLabel("If the same person was entered twice in this household, say who is who and choose "
                       "the values to keep. Everything recorded for either entry (consents with their dates "
                       "and notice versions, referrals, attendance, requests) then belongs to the one person, "
                       "and the folded entry's id leads to the entry that stays.")
        intro.setWordWrap(True)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(self.pairing)
        column.addStretch(1)
        scroll = named(QScrollArea(), "foldFields", "Who is who")
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.people = named(QListWidget(), "foldPeople", "People after the fold")
        self.problem = QLabel("")
        self.problem.setObjectName("foldProblem")
        self.problem.setWordWrap(True)
        box = QDialogButtonBox()
        self.fold_button = named(box.addButton("&Fold into one", QDialogButtonBox.ButtonRole.AcceptRole),
                                 "confirmFoldButton", "Fold into one person")
        named(box.addButton(QDialogButtonBox.StandardButton.Cancel), "cancelFoldButton", "Cancel")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"People of {household_title(household)}", 14, "foldHeading"))
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(QLabel("People after the fold:"))
        layout.addWidget(self.people)
        layout.addWidget(self.problem)
        layout.addWidget(box)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        shortcut.activated.connect(self.accept)
        self._show_people()
        self.resize(820, 600)

    def folds(self) -> list[Fold]:
        return self.pairing.folds()

    def _show_people(self) -> None:
        self.people.clear()
        for m in after_folds(self.household.members, self.folds()):
            self.people.addItem(_person_words(m))

    def accept(self) -> None:
        folds = self.folds()
        if not folds:
            self.problem.setText("Say which two entries are the same person first.")
            return
        targets = {f.into_id for f in folds}
        if any(f.folded_id in targets for f in folds):
            self.problem.setText("An entry cannot both stay and be folded away: pair each entry with the one "
                                 "that stays.")
            return
        missing = self.pairing.unchosen()
        if missing:
            self.problem.setText(missing[0][0])
            missing[0][1].setFocus()
            return
        super().accept()


def fold_all(session: DeskSession, household: Household, folds: Sequence[Fold]) -> FoldResult | None:
    """The dialog's folds one after another (each its own audited unit of work)."""
    result = None
    version = household.version
    for f in folds:
        result = fold_person(session, f.folded_id, f.into_id, f.choices, version)
        version = result.household.version
    return result
