"""One person's details on the household page, without opening Edit.

``PersonDetails`` lists what the form recorded about one person, in the form's words and order,
with an allergy or medical alert first and marked, since staff running a session must see it.
The People tab shows it under the table for the selected person; Enter or a double-click on a
person opens the same details in ``PersonDialog``.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.household import Household, Member
from centre_desk.formspec.model import FieldDef, FieldType, FormDefinition
from centre_desk.formspec.per_entry import per_entry_lines
from centre_desk.formspec.submission import carry_forward

from .a11y import expose
from .forms.values import describe_value
from .household_models import ID_ROLE
from .style import problem_colour
from .widgets import heading, named

ALERT_FIELD = "medical_alert"
# Shown in the heading or the table already.
_NOT_LISTED = frozenset({"first_name", "last_name", "preferred_name"})


def person_lines(member: Member, form: FormDefinition,
                 household: Household | None = None) -> list[tuple[FieldDef, str]]:
    """(field, text) for every answer recorded about ``member``, the medical alert first.

    Answers about each child (relationship, parental responsibility) are a line per child,
    "Relationship to Zuzanna", with the field's id as ``children[<child's person id>]``. With the
    ``household``, an older household's one answer for all the children shows on every child
    (``formspec.submission.carry_forward``), as the form shows it."""
    section = next((s for s in form.sections if s.repeated), None)
    if section is None:
        return []
    fields = dict(member.fields)
    names: dict[str, str] = {}
    if household is not None:
        carried = carry_forward(form, household.submission())
        entry = next((e for e in carried.get(section.repeat or "") or [] if e.get("id") == member.id), None)
        fields = {k: v for k, v in (entry or fields).items() if k != "id"}
        names = {m.id: m.first_name for m in household.members}
    lines: list[tuple[FieldDef, str]] = []
    for f in section.fields:
        if f.id in _NOT_LISTED:
            continue
        if f.type is FieldType.PER_ENTRY:
            lines += [(replace(f, id=f"{f.id}[{pid}]", label=f"Relationship to {name}"), words)
                      for pid, name, words in per_entry_lines(f, fields.get(f.id), names)]
            continue
        lines.append((f, describe_value(f, fields.get(f.id))))
    lines = [(f, text) for f, text in lines if text]
    return sorted(lines, key=lambda line: line[0].id != ALERT_FIELD)


class PersonDetails(QWidget):
    """The details of one person, read-only and selectable, one labelled line per answer."""

    def __init__(self, form: FormDefinition, object_name: str = "personDetails",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.form = form
        self.household: Household | None = None  # the member's household, for answers about each child
        self.title = heading("", 13, f"{object_name}Name")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.lines = QFormLayout()
        self.lines.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.lines.setVerticalSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(self.lines)
        layout.addStretch(1)
        self.show_member(None)

    def show_member(self, member: Member | None) -> None:
        while self.lines.rowCount():
            self.lines.removeRow(0)
        if member is None:
            self.title.setText("Choose a person to see their details")
            return
        self.title.setText(member.full_name)
        lines = person_lines(member, self.form, self.household)
        for f, text in lines:
            label = QLabel(f"⚠ {f.label}" if f.id == ALERT_FIELD else f.label)
            label.setStyleSheet(f"font-weight: bold; color: {problem_colour()};" if f.id == ALERT_FIELD
                                else "color: palette(placeholder-text);")
            value = QLabel(text)
            value.setObjectName(f"person:{f.id}")
            expose(value, f.label)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if f.id == ALERT_FIELD:
                value.setStyleSheet(f"font-weight: bold; color: {problem_colour()};")
            self.lines.addRow(label, value)
        if not lines:
            self.lines.addRow(QLabel("Nothing else is recorded about this person."))

    def texts(self) -> dict[str, str]:
        """Field id -> what is shown (for tests and screen-reader checks)."""
        out = {}
        for i in range(self.lines.rowCount()):
            item = self.lines.itemAt(i, QFormLayout.ItemRole.FieldRole)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel) and widget.objectName().startswith("person:"):
                out[widget.objectName()[len("person:"):]] = widget.text()
        return out


class PersonDialog(QDialog):
    """A person's details on their own, opened from the People table; Esc or Enter closes it."""

    def __init__(self, member: Member, form: FormDefinition, parent: QWidget | None = None,
                 household: Household | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("personDialog")
        self.setAccessibleName(f"Details of {member.full_name}")
        self.setWindowTitle(member.full_name)
        self.details = PersonDetails(form, "personDialogDetails")
        self.details.household = household
        self.details.show_member(member)
        # Only text inside: the Close button keeps the focus and Page Up/Down, Home and End scroll
        # (keyPressEvent), so there is no focus stop that shows nothing.
        scroll = self.scroll_area = named(QScrollArea(), "personDialogScroll", f"Details of {member.full_name}")
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.setObjectName("personDialogButtons")
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        named(close, "personDialogClose", "Close")
        close.setDefault(True)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(520, 560)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        bar = self.scroll_area.verticalScrollBar()
        steps = {Qt.Key.Key_PageDown: QAbstractSlider.SliderAction.SliderPageStepAdd,
                 Qt.Key.Key_PageUp: QAbstractSlider.SliderAction.SliderPageStepSub,
                 Qt.Key.Key_Down: QAbstractSlider.SliderAction.SliderSingleStepAdd,
                 Qt.Key.Key_Up: QAbstractSlider.SliderAction.SliderSingleStepSub,
                 Qt.Key.Key_Home: QAbstractSlider.SliderAction.SliderToMinimum,
                 Qt.Key.Key_End: QAbstractSlider.SliderAction.SliderToMaximum}
        action = steps.get(Qt.Key(event.key()))
        if action is None:
            super().keyPressEvent(event)
            return
        bar.triggerAction(action)
        event.accept()


class PeopleOpener(QObject):
    """Opens the person under the cursor of a people table on Enter or double-click, and keeps a
    ``PersonDetails`` beside the table in step with the selection."""

    def __init__(self, view: QTableView, details: PersonDetails, form: FormDefinition) -> None:
        super().__init__(view)
        self.view, self.details, self.form = view, details, form
        self.household: Household | None = None
        self.dialog: PersonDialog | None = None
        view.doubleClicked.connect(lambda _index: self.open_current())
        view.installEventFilter(self)
        view.selectionModel().currentRowChanged.connect(lambda *_: self._follow())  # the model is set first

    def set_household(self, household: Household | None) -> None:
        """After the table's model was filled: the first person is shown until one is chosen. (Not
        selected: a selected row looks the same focused or not, which hides where the focus is.)"""
        self.household = household
        self.details.household = household
        self._follow()

    def _first(self) -> Member | None:
        model = self.view.model()
        if self.household is None or not model.rowCount():
            return None
        person_id = model.index(0, 0).data(ID_ROLE)
        return next((m for m in self.household.members if m.id == person_id), None)

    def current(self) -> Member | None:
        index = self.view.currentIndex()
        if self.household is None or not index.isValid():
            return None
        person_id = index.siblingAtColumn(0).data(ID_ROLE)
        return next((m for m in self.household.members if m.id == person_id), None)

    def _follow(self) -> None:
        self.details.show_member(self.current() or self._first())

    def open_current(self) -> PersonDialog | None:
        member = self.current()
        if member is None:
            return None
        dialog = PersonDialog(member, self.form, self.view.window(), self.household)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.dialog = dialog
        return dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.view and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            return self.open_current() is not None
        return False
