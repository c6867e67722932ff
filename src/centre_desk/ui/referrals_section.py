"""The household's Referrals tab: the referrals in a table, the selected one's reasons and steps
underneath, and the two things staff do with them: record a new referral from the referral form,
and move one on to its next step.

A referral is never edited once recorded (``services.referrals``), so there is no Edit here: the
next step is appended, and a mistake is put right by closing the referral with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import FieldProblem, ValidationFailed
from centre_desk.domain.household import Household
from centre_desk.domain.referral import Referral
from centre_desk.domain.staff import Permission
from centre_desk.formspec.submission import validate_submission
from centre_desk.services.profile import form as form_definition
from centre_desk.services.profile import profile_of, service_choices
from centre_desk.services.referrals import REFERRAL, add_status, household_referrals, record_referral
from centre_desk.services.session import DeskSession

from .a11y import StatusLabel
from .contact_dialog import parse_uk_date
from .errors import describe
from .forms.renderer import FormView
from .forms.values import DATE_FORMAT_HINT
from .help import install_help
from .questions import Answer, SafeQuestion
from .referral_models import ReferralRow, ReferralsModel, describe_referral, next_steps, status_word
from .style import problem_colour
from .table_model import SORT_ROLE
from .tasks import TaskRunner
from .widgets import MessageLabel, heading, minimum_width, named, note, record_table, select_focused_row

NOTE_MAX = 2000
PEOPLE = "people"


@dataclass(frozen=True)
class ReferralsRecord:
    household_id: str
    referrals: list[Referral]
    services: list[tuple[str, str]]  # the organisation's services: (id, name)


def load_referrals(session: DeskSession, household_id: str) -> ReferralsRecord:
    return ReferralsRecord(household_id, household_referrals(session, household_id),
                           service_choices(profile_of(session)))


def _problem_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(f"color: {problem_colour()}; font-weight: bold;")
    label.setVisible(False)
    return label


def _show_problem(label: QLabel, widget: QWidget, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))
    widget.setAccessibleDescription(text)


class ReferralsSection(QWidget):
    """``recorded()`` after a referral is saved or moved on: the household page reloads, so a
    safeguarding concern shows in its banner at once."""

    recorded = Signal()
    summary_changed = Signal(str)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "referralsSection", "Referrals")
        self._tasks = tasks
        self._session = session
        self.definition = form_definition(REFERRAL)
        self.household: Household | None = None
        self.record: ReferralsRecord | None = None
        self.dialog: NewReferralDialog | NextStepDialog | None = None
        self._then_say = ""

        self.model = ReferralsModel(self)
        self.proxy, self.view = record_table(
            self, self.model, SORT_ROLE, ReferralsModel.RECEIVED, "householdReferrals", "Referrals",
            "The household's referrals, newest first. Up and Down choose one; its reasons "
            "and steps are shown under the table.")
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # Service names and the people it is about are what grow.
        header.setSectionResizeMode(ReferralsModel.SERVICE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ReferralsModel.PEOPLE, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.selectionModel().currentRowChanged.connect(lambda _now, _before: self._selection_changed())
        self.view.doubleClicked.connect(lambda _index: self.next_step())

        self.empty = note("No referrals yet. Use New referral when the family asks for a service or another "
                          "agency refers them.", "noReferrals")
        self.detail = QLabel()
        named(self.detail, "referralDetail", "Selected referral")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setStyleSheet("padding: 6px 8px; background: palette(alternate-base); "
                                  "border-left: 4px solid #2f6f9f;")
        self.detail.setVisible(False)
        self.message = MessageLabel("referralsMessage", self)
        self.message.setMinimumHeight(0)

        self.new_button = named(QPushButton("&New referral…"), "newReferralButton", "New referral")
        self.new_button.clicked.connect(lambda: self.new_referral())
        self.next_button = named(QPushButton("Ne&xt step…"), "nextStepButton", "Next step",
                                 "Move the selected referral on: accepted, allocated or closed")
        self.next_button.clicked.connect(lambda: self.next_step())
        for button in (self.new_button, self.next_button):
            button.setAutoDefault(True)

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.message)
        self.setTabOrder(self.new_button, self.next_button)
        self.setTabOrder(self.next_button, self.view)
        self._enable()

    # -- loading --------------------------------------------------------------------------------

    def show_household(self, household: Household) -> None:
        if self.household is None or self.household.id != household.id:
            self.record = None
            self.model.set_referrals([], None, self.definition, {})
            self.message.clear_message()
        self.household = household
        self._enable()
        self.reload()

    def reload(self) -> None:
        if self.household is None:
            return
        session, household_id = self._session(), self.household.id
        self._tasks.run(lambda: load_referrals(session, household_id), self._loaded, self._failed, owner=self)

    def _loaded(self, record: ReferralsRecord) -> None:
        if self.household is None or record.household_id != self.household.id:
            return
        current = self.selected()
        chosen = current.referral.id if current is not None else None
        self.record = record
        self.model.set_referrals(record.referrals, self.household, self.definition, dict(record.services))
        self.empty.setVisible(not record.referrals)
        self.view.setVisible(bool(record.referrals))
        self._select(chosen)
        self.summary_changed.emit(self.summary())
        if self._then_say:
            self.message.show_info(self._then_say)
            self._then_say = ""
        self._enable()

    def _failed(self, error: BaseException) -> None:
        self.message.show_problem(describe(error))

    def summary(self) -> str:
        count = self.model.rowCount()
        return f"Referrals ({count})" if count else "Referrals"

    # -- state ----------------------------------------------------------------------------------

    def selected(self) -> ReferralRow | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.row(self.proxy.mapToSource(index).row())

    def _select(self, referral_id: str | None) -> None:
        """Keep the referral that was chosen chosen across a reload; otherwise the newest."""
        target = 0
        for row in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(row, 0)).row()
            if self.model.row(source).referral.id == referral_id:
                target = row
        if self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(target, 0))
        self._selection_changed()

    def _selection_changed(self) -> None:
        select_focused_row(self.view)
        row = self.selected()
        self.detail.setText(describe_referral(row) if row is not None else "")
        self.detail.setAccessibleDescription(self.detail.text())
        self.detail.setVisible(row is not None)
        self._enable()

    def _may_record(self) -> bool:
        return self.household is not None and self._session().actor.may(Permission.RECORD_REFERRAL)

    def _enable(self) -> None:
        may = self._may_record()
        row = self.selected() if self.record is not None else None
        self.new_button.setEnabled(may and self.record is not None)
        self.next_button.setEnabled(bool(may and row is not None and next_steps(row.referral)))
        if row is not None and row.referral.closed:
            self.next_button.setToolTip("This referral is closed. Record a new referral instead.")
        else:
            self.next_button.setToolTip("Move the selected referral on: accepted, allocated or closed.")

    # -- actions --------------------------------------------------------------------------------

    def new_referral(self) -> NewReferralDialog | None:
        if self.household is None or self.record is None or not self.new_button.isEnabled():
            return None
        dialog = NewReferralDialog(self._tasks, self._session, self.household, self.record.services, self)
        dialog.recorded.connect(self._recorded)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()
        # Who it is about comes first, at the top; Tab then goes into the form.
        dialog.people.setFocus(Qt.FocusReason.OtherFocusReason)
        self.dialog = dialog
        return dialog

    def next_step(self) -> NextStepDialog | None:
        row = self.selected()
        if row is None or not self.next_button.isEnabled():
            return None
        dialog = NextStepDialog(self._tasks, self._session, row, self)
        dialog.recorded.connect(lambda _event: self._moved_on())
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()
        self.dialog = dialog
        return dialog

    def _dialog_closed(self, dialog: QDialog) -> None:
        dialog.deleteLater()
        self.window().activateWindow()
        self.view.setFocus() if self.view.isVisible() else self.new_button.setFocus()

    def _recorded(self, referral: Referral) -> None:
        self._then_say = ("Referral recorded. The safeguarding concern is flagged on the household."
                          if referral.safeguarding_concern else "Referral recorded.")
        self.recorded.emit()

    def _moved_on(self) -> None:
        self._then_say = "Next step recorded."
        self.recorded.emit()


class PeopleModel(QStandardItemModel):
    """The household's members as tick boxes: who the referral is about."""

    def __init__(self, household: Household, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for member in household.members:
            item = QStandardItem(member.full_name)
            item.setData(member.id, Qt.ItemDataRole.UserRole)
            item.setCheckable(True)
            item.setEditable(False)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.appendRow(item)

    def chosen(self) -> list[str]:
        return [str(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.rowCount())
                if self.item(i).checkState() == Qt.CheckState.Checked]


class NewReferralDialog(QDialog):
    """The referral form and who it is about. Emits ``recorded(Referral)`` once saved; problems stay
    beside their fields and nothing is saved until there are none."""

    recorded = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 services: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_help(self, "referral")
        self._tasks = tasks
        self._session = session
        self._household = household
        self._services = list(services)
        self._busy = False
        self.setObjectName("newReferralDialog")
        self.setAccessibleName("New referral")
        self.setWindowTitle("New referral")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.definition = form_definition(REFERRAL)
        today = session().clock.today()

        self.people_model = PeopleModel(household, self)
        self.people = named(QListView(), PEOPLE, "Who the referral is about",
                            "Space ticks the person with the focus")
        self.people.setModel(self.people_model)
        self.people.setFlow(QListView.Flow.LeftToRight)
        self.people.setWrapping(True)
        self.people.setSpacing(4)
        # A highlighted name would look chosen; only the tick says who the referral is about.
        self.people.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # One line of names for a small family, two for a large one; the list scrolls beyond that.
        lines = 1 if len(household.members) <= 4 else 2
        self.people.setFixedHeight((self.people.sizeHintForRow(0) + 8) * lines + 12 if household.members else 40)
        if household.members:
            self.people.setCurrentIndex(self.people_model.index(0, 0))
        self.people_label = QLabel("&About (tick each person the referral is about)")
        self.people_label.setBuddy(self.people)
        self.people_problem = _problem_label("peopleProblem")

        self.form = FormView(self.definition, today=lambda: self._session().clock.today(), services=self._services)
        self.form.set_values({"date_received": f"{today:%d/%m/%Y}"})

        self.status = StatusLabel("newReferralStatus", "Referral status")
        self.save_button = named(QPushButton("&Save referral"), "saveReferralButton", "Save referral")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        self.cancel_button = named(QPushButton("Cancel"), "cancelReferralButton", "Cancel")
        self.cancel_button.clicked.connect(self.cancel)

        people_box = QVBoxLayout()
        people_box.setSpacing(4)
        people_box.addWidget(self.people_label)
        people_box.addWidget(self.people)
        people_box.addWidget(self.people_problem)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(heading("New referral", 15))
        layout.addWidget(note("Fields marked * are required. A referral cannot be changed once saved: its next "
                              "steps are added to it afterwards."))
        layout.addLayout(people_box)
        layout.addWidget(self.form, 1)
        layout.addLayout(buttons)
        self.form.set_tail([self.save_button, self.cancel_button])
        QWidget.setTabOrder(self.people, self.form.nav)
        self._place()

    def _place(self) -> None:
        parent = self.parentWidget()
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(min(1060, screen.width() - 40), min(700, screen.height() - 40))

    def values(self) -> tuple[dict[str, object], list[str]]:
        return self.form.values(), self.people_model.chosen()

    def submit(self) -> None:
        if self._busy:
            return
        session = self._session()
        data, people = self.values()
        _show_problem(self.people_problem, self.people, "")
        try:
            # Checked here first so the answers are marked at once; the service checks again.
            validate_submission(self.definition, data, today=session.clock.today(), services=self._services)
        except ValidationFailed as exc:
            self._problems(exc.problems)
            return
        self.form.clear_problems()
        self._set_busy(True)
        household_id = self._household.id
        self._tasks.run(lambda: record_referral(session, household_id, data, people), self._done, self._failed,
                        owner=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        self.status.setText("Saving…" if busy else "")

    def _problems(self, problems: Sequence[FieldProblem]) -> None:
        others = [p for p in problems if p.field != PEOPLE]
        for p in problems:
            if p.field == PEOPLE:
                _show_problem(self.people_problem, self.people, f"Who it is about: {p.problem}.")
        self.form.show_problems(others)
        if not others:
            self.people.setFocus()
        self.status.setText("Not saved: please check the answers marked in red.")

    def _done(self, referral: Referral) -> None:
        self._set_busy(False)
        self.form.mark_clean()
        self.recorded.emit(referral)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ValidationFailed):
            self._problems(error.problems)
        else:
            self.status.setText(f"Not saved. {describe(error)}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            self.cancel()
            return
        super().keyPressEvent(event)

    def cancel(self) -> None:
        """Esc or Cancel: a referral half typed is not thrown away without asking. (``reject()``
        itself does not ask: locking the desk closes the dialog at once.)"""
        if not (self.form.dirty or self.people_model.chosen()):
            self.reject()
            return
        box = SafeQuestion(self, "discardReferralQuestion", "Discard this referral?",
                           "The referral has not been saved. Discard what you have typed?", "",
                           [Answer("Discard", "discardReferral", QMessageBox.ButtonRole.DestructiveRole,
                                   destructive=True),
                            Answer("&Keep typing", "keepReferral", QMessageBox.ButtonRole.RejectRole)],
                           safe="keepReferral", icon=QMessageBox.Icon.Question)
        discard = box.buttons_by_key["discardReferral"]

        def decided(_result: int) -> None:
            box.deleteLater()
            if box.clickedButton() is discard:
                self.reject()
            else:
                self.activateWindow()

        box.finished.connect(decided)
        box.open()


class NextStepDialog(QDialog):
    """The next status for one referral, limited to the steps that may follow. Emits
    ``recorded(StatusEvent)``."""

    recorded = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], row: ReferralRow,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._session = session
        self._referral = row.referral
        self.setObjectName("nextStepDialog")
        self.setAccessibleName("Next step")
        self.setWindowTitle("Next step")
        self.setWindowModality(Qt.WindowModality.WindowModal)

        self.status = named(QComboBox(), "referralStatus", "Next step")
        named(self.status.view(), "referralStatus:choices", "Next step choices")
        for status in next_steps(row.referral):
            self.status.addItem(status_word(status), status)
        today = session().clock.today()
        self.on = named(QLineEdit(f"{today:%d/%m/%Y}"), "referralStatusDate", "Date of this step",
                        "Today unless you change it, as dd/mm/yyyy")
        self.on.setPlaceholderText(DATE_FORMAT_HINT)
        self.on.setMaximumWidth(self.on.fontMetrics().horizontalAdvance("0") * 14 + 24)
        self.note = named(QPlainTextEdit(), "referralStatusNote", "Note", "Optional. Press Tab to move on.")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 4 + 18)
        self.status_problem = _problem_label("referralStatusProblem")
        self.date_problem = _problem_label("referralStatusDateProblem")
        self.problem = _problem_label("nextStepProblem")
        self.save_button = named(QPushButton("&Record step"), "recordStepButton", "Record step")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        cancel = named(QPushButton("Cancel"), "cancelStepButton", "Cancel")
        cancel.clicked.connect(self.reject)

        form = QFormLayout()
        form.setVerticalSpacing(10)
        for text, widget, problem in (("&Step", self.status, self.status_problem),
                                      ("&Date", self.on, self.date_problem),
                                      ("&Note", self.note, None)):
            label = QLabel(text)
            label.setBuddy(widget)
            if problem is None:
                form.addRow(label, widget)
                continue
            box = QVBoxLayout()
            box.setSpacing(3)
            box.addWidget(widget, 0, Qt.AlignmentFlag.AlignLeft)
            box.addWidget(problem)
            form.addRow(label, box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        current = row.referral.events[-1] if row.referral.events else None
        since = f" since {current.on:%d/%m/%Y}" if current is not None else ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading("Next step", 15))
        layout.addWidget(note(f"{row.service}: {status_word(row.referral.status).lower()}{since}."))
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        minimum_width(layout, 520)
        self.status.setFocus()

    def submit(self) -> None:
        for label, widget in ((self.status_problem, self.status), (self.date_problem, self.on),
                              (self.problem, self.save_button)):
            _show_problem(label, widget, "")
        on = parse_uk_date(self.on.text())
        if on is None:
            self._show(FieldProblem("date", "is not a date: use dd/mm/yyyy"))
            return
        note_text = self.note.toPlainText()
        if len(note_text) > NOTE_MAX:
            _show_problem(self.problem, self.note, f"The note is longer than {NOTE_MAX} characters.")
            self.note.setFocus()
            return
        session, referral_id, status = self._session(), self._referral.id, str(self.status.currentData())
        self.save_button.setEnabled(False)
        self._tasks.run(lambda: add_status(session, referral_id, status, on, note_text), self._done, self._failed,
                        owner=self)

    def _show(self, problem: FieldProblem) -> None:
        label, widget, words = {"status": (self.status_problem, self.status, "The step"),
                                "date": (self.date_problem, self.on, "The date")}.get(
            problem.field, (self.problem, self.save_button, "The step"))
        _show_problem(label, widget, f"{words} {problem.problem}.")
        widget.setFocus()

    def _done(self, event: object) -> None:
        self.recorded.emit(event)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, ValidationFailed) and error.problems:
            self._show(error.problems[0])
        else:
            _show_problem(self.problem, self.save_button, describe(error))

