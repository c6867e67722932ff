"""The household's Consent tab: its append-only consent history, and the ways to change it.

"Record consent…" opens the consent dialog; "Withdraw…" withdraws the selected current consent,
at once. "Print consent receipt" and "Print what we hold" preview the family's documents. After a
new household is registered the tab offers to record consent, and after consent is recorded, to
print the receipt: the family is usually still at the desk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.consent import Decision
from centre_desk.domain.errors import CentreDeskError
from centre_desk.domain.household import Household
from centre_desk.domain.staff import Permission
from centre_desk.services.consent import ConsentLine, consent_history
from centre_desk.services.documents import DocumentRenderer
from centre_desk.services.profile import profile_of
from centre_desk.services.session import DeskSession

from .consent_dialog import RecordConsentDialog
from .consent_models import ConsentHistoryModel, describe_line
from .errors import describe
from .household_models import SORT_ROLE
from .print_actions import PRINT_RECEIPT, PRINT_SUMMARY, DocumentPrinter
from .tasks import TaskRunner
from .widgets import MessageLabel, named, note, record_table, select_focused_row
from .withdraw_dialog import WithdrawConsentDialog

WIDE_ENOUGH = 1180  # pixels: room for all nine history columns without squeezing names to one word a line
SHORT_COLUMNS = {ConsentHistoryModel.DECISION: "Withdrawn", ConsentHistoryModel.METHOD: "Signed on screen",
                 ConsentHistoryModel.WHEN: "00/00/0000", ConsentHistoryModel.RECORDED_BY: "Recorded",
                 ConsentHistoryModel.NOTICE: "Notice", ConsentHistoryModel.CURRENT: "Current"}


@dataclass(frozen=True)
class ConsentRecord:
    household_id: str
    history: list[ConsentLine]
    notice_version: str  # the current notice, recorded with a withdrawal; "" if it cannot be read


def load_consent_record(session: DeskSession, renderer: Callable[[], DocumentRenderer],
                        household_id: str) -> ConsentRecord:
    history = consent_history(session, household_id)
    try:
        version = renderer().notice_template(profile_of(session).id).version
    except (CentreDeskError, LookupError, OSError):
        # A broken notice template must not hide the history; a withdrawal then records the
        # version the consent was given under.
        version = ""
    return ConsentRecord(household_id, history, version)


def question(parent: QWidget, name: str, title: str, text: str, yes: str, no: str,
             then: Callable[[], object]) -> QMessageBox:
    """A non-blocking yes/no question; ``then()`` runs only on yes."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName(name)
    box.setAccessibleName(title)
    yes_button = named(box.addButton(yes, QMessageBox.ButtonRole.AcceptRole), f"{name}Yes", yes.replace("&", ""))
    no_button = named(box.addButton(no, QMessageBox.ButtonRole.RejectRole), f"{name}No", no.replace("&", ""))
    box.setDefaultButton(yes_button)
    box.setEscapeButton(no_button)
    box.finished.connect(lambda _r: then() if box.clickedButton() is yes_button else None)
    box.finished.connect(lambda _r: box.deleteLater())
    box.open()
    return box


class ConsentSection(QWidget):
    """``summary_changed(text)``: the tab's title, with how many consents are in force."""

    summary_changed = Signal(str)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession],
                 renderer: Callable[[], DocumentRenderer], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "consentSection", "Consent")
        self._tasks = tasks
        self._session = session
        self._renderer = renderer
        self.household: Household | None = None
        self.record: ConsentRecord | None = None
        self._offer_for: str | None = None
        self.dialog: RecordConsentDialog | WithdrawConsentDialog | None = None
        self.question: QMessageBox | None = None
        self.printer = DocumentPrinter(tasks, session, renderer, self)

        self.model = ConsentHistoryModel(self)
        self.proxy, self.view = record_table(
            self, self.model, SORT_ROLE, ConsentHistoryModel.WHEN, "consentHistory", "Consent history",
            "Every consent decision and withdrawal, newest first. Current marks what is in force now.")
        header = self.view.horizontalHeader()
        # Names, purposes and partners share what the short columns leave, and wrap onto more lines;
        # the short columns are as wide as their longest words, not as their headers and sort arrows.
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(False)
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        for column, longest in SHORT_COLUMNS.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.view.setColumnWidth(column, self._width_of(longest))
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.selectionModel().currentRowChanged.connect(lambda _now, _before: self._selection_changed())
        self.view.doubleClicked.connect(lambda _index: self.withdraw())

        self.intro = note("Consent decisions are never changed or deleted: a new decision or a withdrawal is "
                          "added as a new line. ✓ marks what is in force now.", "consentIntro")
        self.empty = note("No consent decisions recorded yet. Use Record consent while the family is here.",
                          "noConsents")
        self.message = MessageLabel("consentSectionMessage", self)
        self.message.setMinimumHeight(0)
        self.detail = QLabel()
        named(self.detail, "consentDetail", "Selected consent")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setStyleSheet("padding: 6px 8px; background: palette(alternate-base); "
                                  "border-left: 4px solid #2f6f9f;")
        self.detail.setVisible(False)

        self.record_button = named(QPushButton("Record &consent…"), "recordConsentButton", "Record consent")
        self.record_button.clicked.connect(lambda: self.record_consent())
        self.withdraw_button = named(QPushButton("Wi&thdraw…"), "withdrawConsentButton", "Withdraw consent",
                                     "Withdraw the selected current consent; it takes effect at once")
        self.withdraw_button.clicked.connect(lambda: self.withdraw())
        self.receipt_button = named(QPushButton("&Print consent receipt"), "printReceiptButton", PRINT_RECEIPT)
        self.receipt_button.clicked.connect(self.print_receipt)
        self.summary_button = named(QPushButton("Print &what we hold"), "printSummaryButton", PRINT_SUMMARY,
                                    "Everything the desk holds about this household, to give to the family")
        self.summary_button.clicked.connect(self.print_summary)
        for button in (self.record_button, self.withdraw_button, self.receipt_button, self.summary_button):
            button.setAutoDefault(True)

        # Two rows: in one, the four buttons made the household page wider than a 1024 px screen.
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        prints = QHBoxLayout()
        prints.setSpacing(8)
        prints.addWidget(self.receipt_button)
        prints.addWidget(self.summary_button)
        prints.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(buttons)
        layout.addLayout(prints)
        layout.addWidget(self.intro)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.message)
        self.setTabOrder(self.record_button, self.withdraw_button)
        self.setTabOrder(self.withdraw_button, self.receipt_button)
        self.setTabOrder(self.receipt_button, self.summary_button)
        self.setTabOrder(self.summary_button, self.view)
        self._enable()

    def _width_of(self, words: str) -> int:
        bold = self.view.font()
        bold.setBold(True)
        return QFontMetrics(bold).horizontalAdvance(words) + 18

    # -- loading --------------------------------------------------------------------------------

    def show_household(self, household: Household) -> None:
        if self.household is None or self.household.id != household.id:
            self.record = None
            self.model.set_history([])
        self.household = household
        self._enable()
        self.reload()

    def reload(self, then_say: str = "") -> None:
        """Read the history again; ``then_say`` is shown once it is on screen."""
        if self.household is None:
            return
        session, renderer, household_id = self._session(), self._renderer, self.household.id
        self._tasks.run(lambda: load_consent_record(session, renderer, household_id),
                        lambda record: self._loaded(record, then_say), self._failed, owner=self)

    def _loaded(self, record: ConsentRecord, then_say: str = "") -> None:
        if self.household is None or record.household_id != self.household.id:
            return
        self.record = record
        self.model.set_history(record.history)
        self._selection_changed()
        self.empty.setVisible(not record.history)
        self.view.setVisible(bool(record.history))
        if then_say:
            self.message.show_info(then_say)
        else:
            self.message.clear_message()
        current = len(self.model.current_given())
        self.summary_changed.emit(f"Consent ({current} in force)" if record.history else "Consent")
        self._enable()
        if self._offer_for == record.household_id:
            self._offer_for = None
            self._offer_consent()

    def _failed(self, error: BaseException) -> None:
        self.message.show_problem(describe(error))

    # -- state ----------------------------------------------------------------------------------

    def selected_line(self) -> ConsentLine | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.line(self.proxy.mapToSource(index).row())

    def _selection_changed(self) -> None:
        select_focused_row(self.view)
        line = self.selected_line()
        self.detail.setText(describe_line(line) if line is not None else "")
        self.detail.setAccessibleDescription(self.detail.text())
        self.detail.setVisible(line is not None)
        self._enable()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Nine columns need a wide screen. Narrower, how/by/notice move to the line under the table.
        narrow = self.width() < WIDE_ENOUGH
        for column in (ConsentHistoryModel.METHOD, ConsentHistoryModel.RECORDED_BY, ConsentHistoryModel.NOTICE):
            self.view.setColumnHidden(column, narrow)

    def _enable(self) -> None:
        actor = self._session().actor
        has = self.household is not None
        may_record = has and actor.may(Permission.RECORD_CONSENT)
        may_print = has and actor.may(Permission.PRINT)
        line = self.selected_line() if self.record is not None else None
        withdrawable = line is not None and line.current and line.event.decision is Decision.GIVEN
        self.record_button.setEnabled(may_record)
        self.withdraw_button.setEnabled(bool(may_record and withdrawable))
        self.receipt_button.setEnabled(may_print)
        self.summary_button.setEnabled(may_print)
        if may_record and line is not None and not withdrawable:
            self.withdraw_button.setToolTip("Only a consent that is given and current can be withdrawn.")
        else:
            self.withdraw_button.setToolTip("Withdraw the selected consent; it takes effect at once.")

    # -- actions --------------------------------------------------------------------------------

    def record_consent(self, household: Household | None = None) -> RecordConsentDialog | None:
        household = household or self.household
        if household is None or not self._session().actor.may(Permission.RECORD_CONSENT):
            return None
        dialog = RecordConsentDialog(self._tasks, self._session, self._renderer, household, self)
        dialog.recorded.connect(lambda _count: self.reload())
        dialog.accepted.connect(self._offer_receipt)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.place()
        dialog.open()
        self.dialog = dialog
        return dialog

    def withdraw(self) -> WithdrawConsentDialog | None:
        line = self.selected_line()
        if self.household is None or self.record is None or line is None or not self.withdraw_button.isEnabled():
            return None
        dialog = WithdrawConsentDialog(self._tasks, self._session, self.household, line,
                                       self.record.notice_version, self)
        dialog.withdrawn.connect(self._withdrawn)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.dialog = dialog
        return dialog

    def _withdrawn(self, _event: object) -> None:
        self.reload("Consent withdrawn. It took effect straight away.")

    def print_receipt(self) -> None:
        if self.household is not None and self.receipt_button.isEnabled():
            self.printer.consent_receipt(self.household.id)

    def print_summary(self) -> None:
        if self.household is not None and self.summary_button.isEnabled():
            self.printer.household_summary(self.household.id)

    # -- after registering a new household ------------------------------------------------------

    def offer_after_registration(self, household: Household) -> None:
        """Ask "Record consent now?" once the new household's page is showing."""
        if not self._session().actor.may(Permission.RECORD_CONSENT):
            return
        if self.record is not None and self.record.household_id == household.id:
            self._offer_consent()
        else:
            self._offer_for = household.id

    def _offer_consent(self) -> None:
        self.question = question(
            self, "recordConsentQuestion", "Record consent now?",
            "The household is saved. Record the family's consent decisions now, while they are here?",
            "&Record consent now", "&Later", self.record_consent)

    def _offer_receipt(self) -> None:
        if not self._session().actor.may(Permission.PRINT):
            return
        self.question = question(
            self, "printReceiptQuestion", "Print consent receipt?",
            "The decisions are saved. Print a consent receipt for the family to take away?",
            "&Print consent receipt", "&Not now", self.print_receipt)
