"""The audit trail viewer (managers and administrators): who did what, to which record, when.

Filters: a household (or person, or referral) id, a member of staff, an action (or a prefix
ending in "."), a date range. The table model asks for the trail a page at a time as the person
scrolls, so a long trail is never loaded at once. "Check the chain" verifies every link and says
plainly whether the trail is intact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.audit import ChainReport
from centre_desk.services.audit import AuditPage, AuditQuery, audit_actors, audit_page, verify_audit
from centre_desk.services.session import DeskSession

from ..errors import describe
from ..forms.fields import SteadyComboBox
from ..table_model import SORT_ROLE
from ..tasks import TaskRunner
from ..widgets import DateBox, MessageLabel, calendar_date_box, heading, line_edit, named, note, record_table

Session = Callable[[], DeskSession]
ANYONE = ""
ACTIONS = (("", "Any action"), ("household.", "Households: opened, searched, changed"),
           ("household.viewed", "Households opened"), ("household.searched", "Searches"),
           ("sign-in", "Sign-ins"), ("staff.", "Staff changes"), ("backup.", "Backups and restores"),
           ("import.", "Imports"), ("print.", "Printing"), ("export.", "Exports"),
           ("erasure.", "Erasure"), ("audit.", "Reading the audit trail"))


def _day(box: DateBox) -> date:
    picked = box.date()
    return date(picked.year(), picked.month(), picked.day())


def chain_words(report: ChainReport) -> str:
    if report.intact:
        reported = (f" {report.reported} of them were reported while nobody was signed in and cannot be "
                    "vouched for." if report.reported else "")
        return (f"The audit trail is intact: all {report.count} entries check out and none has been changed "
                f"or removed in between.{reported}")
    return (f"The audit trail is BROKEN at entry {report.first_broken}: {report.reason}. Entries from there on "
            "cannot be trusted. Tell your IT support and keep a copy of this device's backups.")


class AuditPageWidget(QWidget):
    def __init__(self, tasks: TaskRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._session = tasks, session
        self._query = AuditQuery()
        self._generation = 0
        self.setObjectName("auditPage")
        self.setAccessibleName("Audit trail")
        from .models import AuditModel, fit_columns

        self.model = AuditModel()
        self.model.more_wanted.connect(self._more)
        self.proxy, self.table = record_table(self, self.model, SORT_ROLE, 0, "auditTable", "Audit trail",
                                              "Newest first. More entries are read as you scroll down.")
        self.proxy.setDynamicSortFilter(False)
        fit_columns(self.table, (6, 17, 14, 26, 38, 20), 5)
        self.record = line_edit("auditRecord", "Household, person or referral id", max_length=64)
        self.record.setPlaceholderText("Household, person or referral id")
        self.actor = named(SteadyComboBox(), "auditActor", "Member of staff")
        named(self.actor.view(), "auditActorChoices", "Member of staff: choices")
        self.actor.addItem("Anyone", ANYONE)
        self.action = named(SteadyComboBox(), "auditAction", "Action")
        named(self.action.view(), "auditActionChoices", "Action: choices")
        for key, words in ACTIONS:
            self.action.addItem(words, key)
        today = QDate.currentDate()
        self.use_dates = named(QCheckBox("Only &between"), "auditUseDates", "Only between these dates")
        self.since = calendar_date_box("auditSince", "From date", today.addDays(-30))
        self.until = calendar_date_box("auditUntil", "To date", today)
        for box in (self.since, self.until):
            box.setEnabled(False)
        self.use_dates.toggled.connect(self.since.setEnabled)
        self.use_dates.toggled.connect(self.until.setEnabled)
        self.show_button = named(QPushButton("&Show"), "auditShow", "Show entries")
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.refresh)
        self.record.returnPressed.connect(self.refresh)
        self.verify_button = named(QPushButton("&Check the chain"), "auditVerify", "Check the chain")
        self.verify_button.clicked.connect(self.verify)
        self.status = MessageLabel("auditStatus")
        self.chain = MessageLabel("auditChainResult")

        filters = QGridLayout()
        record_label = QLabel("&Record")
        record_label.setBuddy(self.record)
        actor_label = QLabel("&Who")
        actor_label.setBuddy(self.actor)
        action_label = QLabel("&Action")
        action_label.setBuddy(self.action)
        to_label = QLabel("and")
        filters.addWidget(record_label, 0, 0)
        filters.addWidget(self.record, 0, 1)
        filters.addWidget(actor_label, 0, 2)
        filters.addWidget(self.actor, 0, 3)
        filters.addWidget(action_label, 1, 0)
        filters.addWidget(self.action, 1, 1)
        dates = QHBoxLayout()
        dates.addWidget(self.use_dates)
        dates.addWidget(self.since)
        dates.addWidget(to_label)
        dates.addWidget(self.until)
        dates.addStretch(1)
        filters.addLayout(dates, 1, 2, 1, 2)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.verify_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(heading("Audit trail", 18, "auditHeading"))
        layout.addWidget(note("Every look at and change to the records, who did it and when. Reading it is "
                              "itself recorded.", "auditIntro"))
        layout.addLayout(filters)
        layout.addLayout(buttons)
        layout.addWidget(self.chain)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

    # -- reading --------------------------------------------------------------------------------

    def query(self) -> AuditQuery:
        record = self.record.text().strip() or None
        actor = str(self.actor.currentData() or "") or None
        action = str(self.action.currentData() or "") or None
        since = until = None
        if self.use_dates.isChecked():
            since, until = _day(self.since), _day(self.until)
        return AuditQuery(record=record, actor=actor, action=action, since=since, until=until)

    def open(self) -> None:
        """Shown afresh: the staff list for the Who filter, then the newest entries."""
        session = self._session()

        def names(found: dict[str, str]) -> None:
            keep = self.actor.currentData()
            self.actor.clear()
            self.actor.addItem("Anyone", ANYONE)
            for staff_id, username in sorted(found.items(), key=lambda item: item[1].casefold()):
                self.actor.addItem(username, staff_id)
            at = self.actor.findData(keep)
            self.actor.setCurrentIndex(max(at, 0))
            self.refresh()

        self._tasks.run(lambda: audit_actors(session), names,
                        lambda error: self.status.show_problem(describe(error)), owner=self)

    def refresh(self) -> None:
        query = self.query()
        if query.since and query.until and query.since > query.until:
            self.status.show_problem("The from date is after the to date. Choose a from date on or before it.")
            self.since.setFocus()
            return
        self._query = query
        self._generation += 1
        self.model.clear()
        self.status.show_info("Reading the audit trail…")
        self._load(None, self._generation)

    def _more(self, before: int) -> None:
        self._load(before, self._generation)

    def _load(self, before: int | None, generation: int) -> None:
        session, query = self._session(), self._query

        def shown(page: AuditPage) -> None:
            if generation != self._generation:
                return  # the filters changed meanwhile
            self.model.add_page(page)
            rows = self.model.rowCount()
            if rows == 0:
                self.status.show_info("No entries match these filters.")
            elif self.model.complete:
                self.status.show_info(f"{rows} entr{'y' if rows == 1 else 'ies'} match, newest first.")
            else:
                self.status.show_info(f"Showing the newest {rows} matching entries; scroll down for older ones.")

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self.status.show_problem(describe(error))

        self._tasks.run(lambda: audit_page(session, query, before), shown, failed, owner=self)

    def verify(self) -> None:
        session = self._session()
        self.verify_button.setEnabled(False)
        self.chain.show_info("Checking every entry of the audit trail…")

        def done(report: ChainReport) -> None:
            self.verify_button.setEnabled(True)
            if report.intact:
                self.chain.show_info(chain_words(report))
            else:
                self.chain.show_problem(chain_words(report))

        def failed(error: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self.chain.show_problem(describe(error))

        self._tasks.run(lambda: verify_audit(session), done, failed, owner=self)

    def clear(self) -> None:
        """On lock: names and ids off the screen."""
        self._generation += 1
        self.model.clear()
        self.chain.clear_message()
        self.status.clear_message()
