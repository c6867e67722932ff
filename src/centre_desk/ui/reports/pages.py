"""The statistics page (period, table chooser, chart and its table) and the retention review page
(due now or in the next 90 days, with what holds each household and why)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.retention import PROFILE_HOLD_ID, Hold, QueueEntry
from centre_desk.domain.staff import Permission
from centre_desk.domain.statistics import ReachReport
from centre_desk.services.documents import DocumentRenderer
from centre_desk.services.retention import (
    Destruction,
    certificates_pdf,
    default_eraser,
    destroy_due,
    lift_hold,
    list_holds,
    place_hold,
    retention_review,
)
from centre_desk.services.session import DeskSession
from centre_desk.services.statistics import reach_pdf, reach_statistics

from ..a11y import StatusLabel, expose
from ..errors import show_error
from ..questions import Answer, SafeQuestion
from ..table_model import SORT_ROLE
from ..tasks import TaskRunner
from ..widgets import calendar_date_box, comfortable_rows, named, record_table
from .chart import BarChart
from .holds import OrganisationHoldDialog, hold_line
from .models import PublishedTableModel, RetentionQueueModel

SessionGetter = Callable[[], DeskSession]


def preview_pdf(parent: QWidget, tasks: TaskRunner, title: str, file_name: str, make: Callable[[], bytes],
                shown: Callable[[QWidget], None]) -> None:
    """Make a PDF in the background, then show it in the print preview (print, or save as PDF)."""

    def show(pdf: bytes) -> None:
        from ..print_actions import place_preview
        from ..print_preview import PdfUnreadable, PrintPreviewDialog

        try:
            dialog = PrintPreviewDialog(title, pdf, file_name=file_name, parent=parent)
        except PdfUnreadable as error:
            show_error(parent, error)
            return
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        place_preview(dialog)
        dialog.open()
        shown(dialog)

    tasks.run(make, show, lambda e: show_error(parent, e), owner=parent)


def _day(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


_date_edit = calendar_date_box


class StatisticsPage(QWidget):
    def __init__(self, tasks: TaskRunner, session: SessionGetter,
                 renderer: Callable[[], DocumentRenderer] | None = None) -> None:
        super().__init__()
        self._tasks, self._session, self._renderer = tasks, session, renderer
        named(self, "statisticsPage", "Reach statistics")
        self.preview: QWidget | None = None
        self.report: ReachReport | None = None
        today = QDate.currentDate()
        self.start = _date_edit("statsFrom", "Period from", today.addMonths(-3))
        self.end = _date_edit("statsTo", "Period to", today)
        self.run_button = named(QPushButton("&Show statistics"), "statsRun", "Show statistics")
        self.run_button.clicked.connect(self.refresh)
        self.print_button = named(QPushButton("&Print or save as PDF…"), "statsPrint", "Print or save as PDF",
                                  "The statistics with their charts")
        self.print_button.clicked.connect(self.print_report)
        self.print_button.setEnabled(False)
        self.chooser = named(QComboBox(), "statsTable", "Table to show")
        named(self.chooser.view(), "statsTableList", "Table to show: choices")
        self.chooser.currentIndexChanged.connect(self._show_table)
        self.note = QLabel("Counts of 1 to 4 are shown as <5; * hides a cell so that no <5 can be "
                           "worked out from the totals.")
        self.note.setObjectName("statsNote")
        expose(self.note, "About the numbers")
        self.note.setWordWrap(True)
        self.chart = named(BarChart(), "statsChart", "Chart of the table's row totals")
        self.model = PublishedTableModel()
        self.table = named(QTableView(), "statsGrid", "Statistics table",
                           "The numbers the chart shows, with every column and total")
        self.table.setModel(self.model)
        self.table.setTabKeyNavigation(False)
        comfortable_rows(self.table)
        form = QFormLayout()
        form.addRow("&From", self.start)
        form.addRow("&To", self.end)
        top = QHBoxLayout()
        top.addLayout(form)
        top.addWidget(self.run_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Who we reach</h2>"))
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.chooser)
        layout.addWidget(self.chart)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        start, end = _day(self.start.date()), _day(self.end.date())
        session = self._session()
        self.run_button.setEnabled(False)
        self._tasks.run(lambda: reach_statistics(session, start, end), self._shown, self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        self.run_button.setEnabled(True)
        show_error(self, error)

    def _shown(self, report: ReachReport) -> None:
        self.run_button.setEnabled(True)
        self.print_button.setEnabled(self._renderer is not None)
        self.report = report
        keep = self.chooser.currentIndex()
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItems([t.table.title for t in report.tables])
        self.chooser.blockSignals(False)
        self.chooser.setCurrentIndex(max(0, keep))
        self._show_table(self.chooser.currentIndex())

    def _show_table(self, index: int) -> None:
        table = self.report.tables[index] if self.report and 0 <= index < len(self.report.tables) else None
        self.chart.set_table(table)
        self.model.set_table(table)


    def print_report(self) -> None:
        report, make_renderer = self.report, self._renderer
        if report is None or make_renderer is None:
            return
        session = self._session()

        def shown(dialog: QWidget) -> None:
            self.preview = dialog

        preview_pdf(self, self._tasks, "Reach statistics", "reach-statistics",
                    lambda: reach_pdf(session, make_renderer(), report), shown)


class RetentionPage(QWidget):
    def __init__(self, tasks: TaskRunner, session: SessionGetter,
                 renderer: Callable[[], DocumentRenderer] | None = None) -> None:
        super().__init__()
        self._tasks, self._session, self._renderer = tasks, session, renderer
        named(self, "retentionPage", "Retention review")
        self.preview: QWidget | None = None
        self.scope = named(QComboBox(), "retentionScope", "Which records to list")
        named(self.scope.view(), "retentionScopeList", "Which records to list: choices")
        self.scope.addItems(["Due now", "Due now or in the next 90 days"])
        self.scope.currentIndexChanged.connect(self.refresh)
        self.summary = StatusLabel("retentionSummary", "Review summary")
        self.model = RetentionQueueModel()
        self._proxy, self.view = record_table(self, self.model, SORT_ROLE, 2, "retentionQueue", "Retention review",
                                         "Households due for review: category, due date and any hold")
        self.view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        header = self.view.horizontalHeader()
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)  # the hold and why: as wide as the page allows
        self.view.selectionModel().currentChanged.connect(lambda *_: self._enable_row_actions())
        self.refresh_button = named(QPushButton("&Refresh"), "retentionRefresh", "Refresh the review")
        self.refresh_button.clicked.connect(self.refresh)
        self.destroy_button = named(QPushButton("&Destroy what is due…"), "retentionDestroy", "Destroy what is due",
                                    "The records that are due and not held; asks first, and each record "
                                    "destroyed leaves a destruction certificate")
        self.destroy_button.clicked.connect(self.ask_destroy)
        self.hold_button = named(QPushButton("&Hold…"), "retentionHold", "Place a legal hold on the selected household",
                                 "Asks for the reason; a held household is never destroyed")
        self.hold_button.clicked.connect(self.ask_hold)
        self.lift_button = named(QPushButton("&Lift hold"), "retentionLift", "Lift hold",
                                 "Lifts the selected household's own holds")
        self.lift_button.clicked.connect(self.lift_selected)
        self.certificates_button = named(QPushButton("Destruction &certificates…"), "retentionCertificates",
                                         "Print or save the destruction certificates as PDF")
        self.certificates_button.clicked.connect(self.show_certificates)
        self.certificates_button.setEnabled(renderer is not None)
        # Organisation-wide holds: the profile's own (shown, lifted only by the profile) and those
        # placed here by a manager, with reason and reference.
        self.holds_list = named(QListWidget(), "retentionOrganisationHolds", "Organisation-wide legal holds",
                                "Each hold keeps every record of the organisation from destruction")
        self.holds_list.setWordWrap(True)
        self.holds_list.setMaximumHeight(96)
        self.holds_list.currentRowChanged.connect(lambda _row: self._enable_hold_actions())
        self.add_org_hold_button = named(QPushButton("&Add organisation-wide hold…"), "retentionAddOrganisationHold",
                                         "Add organisation-wide hold",
                                         "Asks for the reason and reference; while it is in force nothing is "
                                         "destroyed")
        self.add_org_hold_button.clicked.connect(self.ask_organisation_hold)
        self.lift_org_hold_button = named(QPushButton("Lift or&ganisation-wide hold…"), "retentionLiftOrganisationHold",
                                          "Lift organisation-wide hold",
                                          "Lifts the selected organisation-wide hold, after asking; the "
                                          "organisation profile's own hold is lifted only by the profile")
        self.lift_org_hold_button.clicked.connect(self.ask_lift_organisation_hold)
        self.org_holds: list[Hold] = []
        self.hold_dialog: OrganisationHoldDialog | None = None
        self.lift_question: SafeQuestion | None = None
        self.queue: list[QueueEntry] = []
        self.note = ""  # what the last destruction did, shown until the next one
        row = QHBoxLayout()
        row.addWidget(self.scope)
        row.addWidget(self.refresh_button)
        row.addWidget(self.hold_button)
        row.addWidget(self.lift_button)
        row.addWidget(self.destroy_button)
        row.addWidget(self.certificates_button)
        row.addStretch(1)
        holds_heading = QLabel("<h3>Organisation-wide legal holds</h3>")
        holds_heading.setBuddy(self.holds_list)
        holds_row = QHBoxLayout()
        holds_row.addWidget(self.add_org_hold_button)
        holds_row.addWidget(self.lift_org_hold_button)
        holds_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Retention review</h2>"))
        layout.addWidget(holds_heading)
        layout.addWidget(self.holds_list)
        layout.addLayout(holds_row)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)

    def refresh(self) -> None:
        session = self._session()
        within = 90 if self.scope.currentIndex() == 1 else 0
        self._tasks.run(lambda: (retention_review(session, within_days=within), list_holds(session)), self._shown,
                        lambda e: show_error(self, e), owner=self)

    def _shown(self, found: tuple[list[QueueEntry], list[Hold]]) -> None:
        queue, holds = found
        self._show_holds([h for h in holds if h.organisation_wide])
        self.queue = queue
        self.model.set_entries(queue)
        held = sum(e.held for e in queue)
        self.summary.setText(f"{self.note}{len(queue)} households listed; {held} kept by a legal hold.")
        session = self._session()
        today = session.clock.today()
        self.destroy_button.setVisible(session.actor.may(Permission.ERASE)
                                       and session.actor.may(Permission.RETENTION_REVIEW))
        self.destroy_button.setEnabled(any(not e.held and e.review.is_due(today) for e in queue))
        self._enable_row_actions()

    def ask_destroy(self) -> None:
        today = self._session().clock.today()
        due = [e for e in self.queue if e.review.is_due(today)]
        free = sum(not e.held for e in due)
        box = QMessageBox(QMessageBox.Icon.Warning, "Destroy records",
                          f"Destroy {free} households' records now? This cannot be undone. "
                          f"{len(due) - free} due households are kept by a legal hold. Each record destroyed "
                          "leaves a destruction certificate.",
                          QMessageBox.StandardButton.Cancel, self)
        destroy = box.addButton(f"Destroy {free}", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        named(box, "destroyConfirm", "Confirm destruction")
        box.exec()
        if box.clickedButton() is not destroy:
            return
        session = self._session()
        self.destroy_button.setEnabled(False)
        self._tasks.run(lambda: destroy_due(session, default_eraser()), self._destroyed,
                        lambda e: show_error(self, e), owner=self)

    def _show_holds(self, holds: list[Hold]) -> None:
        self.org_holds = holds
        self.holds_list.clear()
        for h in holds:
            item = QListWidgetItem(hold_line(h))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, hold_line(h))
            self.holds_list.addItem(item)
        if not holds:
            none = QListWidgetItem("None: records are destroyed when they are due")
            none.setFlags(Qt.ItemFlag.NoItemFlags)
            self.holds_list.addItem(none)
        self._enable_hold_actions()

    def selected_hold(self) -> Hold | None:
        row = self.holds_list.currentRow()
        return self.org_holds[row] if 0 <= row < len(self.org_holds) else None

    def _enable_hold_actions(self) -> None:
        hold = self.selected_hold()
        self.lift_org_hold_button.setEnabled(hold is not None and hold.id != PROFILE_HOLD_ID)

    def ask_organisation_hold(self) -> None:
        dialog = OrganisationHoldDialog(self._tasks, self._session, self)
        dialog.placed.connect(lambda _hold: self.refresh())
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        self.hold_dialog = dialog
        dialog.open()

    def ask_lift_organisation_hold(self) -> None:
        hold = self.selected_hold()
        if hold is None or hold.id == PROFILE_HOLD_ID:
            return
        box = SafeQuestion(self, "liftOrganisationHoldQuestion", "Lift the organisation-wide hold?",
                           f"Lift the hold “{hold.reason}” (reference {hold.reference or 'none'})?",
                           "Records it keeps can then be destroyed once they are due. Lift it only when the "
                           "inquiry or case it is for no longer needs them.",
                           [Answer("Lift hold", "confirmLiftHold", QMessageBox.ButtonRole.DestructiveRole,
                                   destructive=True),
                            Answer("Keep hold", "keepHold", QMessageBox.ButtonRole.RejectRole)],
                           safe="keepHold", icon=QMessageBox.Icon.Warning)
        lift = box.buttons_by_key["confirmLiftHold"]

        def done(_result: int) -> None:
            if box.clickedButton() is lift:
                session, hold_id = self._session(), hold.id
                self._tasks.run(lambda: lift_hold(session, hold_id), lambda _lifted: self.refresh(),
                                lambda e: show_error(self, e), owner=self)

        box.finished.connect(done)
        box.finished.connect(lambda _result: box.deleteLater())
        self.lift_question = box
        box.open()

    def _enable_row_actions(self) -> None:
        entry = self.selected()
        self.hold_button.setEnabled(entry is not None)
        self.lift_button.setEnabled(entry is not None and any(not h.organisation_wide for h in entry.holds))

    def selected(self) -> QueueEntry | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        source = self._proxy.mapToSource(index)
        return self.model.entries[source.row()] if 0 <= source.row() < len(self.model.entries) else None

    def ask_hold(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        dialog = named(QInputDialog(self), "holdReasonDialog", "Reason for the legal hold")
        dialog.setWindowTitle("Legal hold")
        dialog.setLabelText("Why must this household's records be kept? (No names or other personal details.)")
        dialog.setTextValue("")
        if dialog.exec() != QInputDialog.DialogCode.Accepted:
            return
        reason, session, household_id = dialog.textValue(), self._session(), entry.review.household_id
        self._tasks.run(lambda: place_hold(session, reason, household_id), lambda _hold: self.refresh(),
                        lambda e: show_error(self, e), owner=self)

    def lift_selected(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        own = [h.id for h in entry.holds if not h.organisation_wide]
        if not own:
            show_error(self, ValidationFailed.one("hold", "this household has no hold of its own; an "
                                                  "organisation-wide hold is lifted for every record at once"))
            return
        session = self._session()
        self._tasks.run(lambda: [lift_hold(session, hold_id) for hold_id in own], lambda _lifted: self.refresh(),
                        lambda e: show_error(self, e), owner=self)

    def show_certificates(self) -> None:
        make_renderer = self._renderer
        if make_renderer is None:
            return
        session = self._session()

        def shown(dialog: QWidget) -> None:
            self.preview = dialog

        preview_pdf(self, self._tasks, "Destruction certificates", "destruction-certificates",
                    lambda: certificates_pdf(session, make_renderer()), shown)

    def _destroyed(self, done: Destruction) -> None:
        refused = f", {len(done.refused)} refused by erasure" if done.refused else ""
        self.note = f"Destroyed {len(done.certificates)} households ({done.held} kept by a hold{refused}). "
        self.refresh()
